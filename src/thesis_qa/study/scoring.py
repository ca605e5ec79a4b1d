"""How an index of names and a glossary compare with a list made by reading (tests and
eval/study.py): precision, recall, and whether each person's forms stand under one entry.

A found person is right when one of its forms is one of a listed person's forms (compared
without spaces and dots, in lower case); a listed person is split when their forms are found
under two entries, and an entry merges when it holds the forms of two listed persons. A found
definition is right when its term's key is a listed term's key (each listed term used once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from thesis_qa.study.glossary import Definition, term_key
from thesis_qa.study.names import IndexEntry
from thesis_qa.text.language import Language


@dataclass(frozen=True)
class Score:
    found: int
    listed: int
    right: int
    split: int = 0
    merged: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.listed if self.listed else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _plain(form: str) -> str:
    return "".join(ch for ch in form.lower().replace("ё", "е") if ch.isalnum())


def score_names(found: Sequence[IndexEntry], listed: Sequence[dict[str, object]]) -> Score:
    """Persons found against persons listed (`{"name", "forms"}` each)."""
    people = [entry for entry in found if entry.kind == "person"]
    listed_forms = [{_plain(str(f)) for f in person["forms"]} for person in listed]  # type: ignore[attr-defined]
    entry_forms = [{_plain(f) for f in entry.forms} for entry in people]
    right = sum(any(forms & mine for mine in listed_forms) for forms in entry_forms)
    recalled = sum(any(forms & mine for forms in entry_forms) for mine in listed_forms)
    split = sum(sum(bool(forms & mine) for forms in entry_forms) > 1 for mine in listed_forms)
    merged = sum(sum(bool(forms & mine) for mine in listed_forms) > 1 for forms in entry_forms)
    return Score(len(people), len(listed), min(right, recalled), split, merged)


def score_works(found: Sequence[IndexEntry], listed: Sequence[dict[str, object]]) -> Score:
    """Works found against works listed (`{"title", "year"}` each): title and year alike."""
    works = Counter(f"{_plain(e.name)}|{e.year}" for e in found if e.kind == "work")
    wanted = Counter(f"{_plain(str(w['title']))}|{w['year'] or None}" for w in listed)
    return Score(sum(works.values()), sum(wanted.values()), sum((works & wanted).values()))


def score_glossary(found: Sequence[Definition], listed: Sequence[str], language: Language) -> Score:
    """Definitions found against the terms listed (a term defined twice listed twice)."""
    keys = Counter(d.key for d in found)
    wanted = Counter(term_key(term, language) for term in listed)
    return Score(sum(keys.values()), sum(wanted.values()), sum((keys & wanted).values()))
