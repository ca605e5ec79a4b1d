"""Pick the real Kazakh and Russian text of the thesis-shaped test documents (run by hand,
once; the tests read only its output, `thesis_text.json`).

    .venv/bin/python tests/data/make_thesis_text.py eval/data > tests/data/thesis_text.json

Sections are Kazakh Wikipedia articles (KazQAD, IS2AI, CC BY-SA 4.0) and Russian Wikipedia
paragraphs (XQuAD ru, google-deepmind, CC BY-SA 4.0), each passage with one dev question whose
answer it holds; the introduction and conclusion are akorda.kz speech passages
(Tim2190/RAG-Two-Pass-Retrieval-QAZ, MIT). Each question's anchor is its answer widened by a
few words until it is unique in the whole text.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

KAZAKH_CHAPTERS = [
    ("ҚАЗАҚСТАН ТАРИХЫ", "history of Kazakhstan"),
    ("ТІРІ ТАБИҒАТ", "biology"),
    ("ГЕОГРАФИЯ", "geography"),
]
RUSSIAN_CHAPTER = "ОБЩЕСТВО, ПРАВО И ЭКОНОМИКА"
RUSSIAN_SECTIONS = {
    "Civil_disobedience": "Гражданское неповиновение",
    "European_Union_law": "Право Европейского союза",
    "Economic_inequality": "Экономическое неравенство",
}
SECTIONS_PER_CHAPTER = 3
PASSAGES_PER_SECTION = 2


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(eval_dir: Path) -> None:
    pool = {p["id"]: p for p in read(eval_dir / "kk_pool.passages.jsonl") + read(eval_dir / "xquad_ru.passages.jsonl")}
    chapters = [kazakh_chapter(title, subject, pool, eval_dir) for title, subject in KAZAKH_CHAPTERS]
    chapters.append(russian_chapter(pool, eval_dir))
    akorda = [p for p in pool.values() if p["id"].startswith("akorda:") and "Сондай-ақ" in p["text"]]
    plan = {
        "_source": __doc__.split("\n\n")[2].replace("\n", " "),
        "introduction": [p["text"] for p in akorda[:2]],
        "chapters": chapters,
        "conclusion": [akorda[2]["text"]],
    }
    add_anchors(plan)
    print(json.dumps(plan, ensure_ascii=False, indent=1))


def kazakh_chapter(title: str, subject: str, pool: dict, eval_dir: Path) -> dict:
    queries = [q for q in read(eval_dir / "kazqad.dev.queries.jsonl") if q["subject"] == subject]
    by_title: dict[str, list] = {}
    for q in queries:
        gold = pool[q["gold"][0]]
        clean = not re.search(r"\[\[|\]\]|\||px\b", gold["text"])
        if clean and any(a in gold["text"] for a in q["answers"]) and len(gold["text"]) > 400:
            by_title.setdefault(gold["title"], []).append((gold, q))
    sections = [s for s in by_title.items() if len({g["id"] for g, _ in s[1]}) >= PASSAGES_PER_SECTION]
    sections += [s for s in by_title.items() if s not in sections]
    return {
        "title": title,
        "lang": "kk",
        "sections": [section(name, pairs) for name, pairs in sections[:SECTIONS_PER_CHAPTER]],
    }


def russian_chapter(pool: dict, eval_dir: Path) -> dict:
    queries = read(eval_dir / "xquad_ru.dev.queries.jsonl")
    sections = []
    for article, name in RUSSIAN_SECTIONS.items():
        pairs = [(pool[q["gold"][0]], q) for q in queries if q["article"] == article]
        sections.append(section(name, [(g, q) for g, q in pairs if any(a in g["text"] for a in q["answers"])]))
    return {"title": RUSSIAN_CHAPTER, "lang": "ru", "sections": sections}


def section(name: str, pairs: list) -> dict:
    passages, seen = [], set()
    for gold, query in pairs:
        if gold["id"] in seen or len(passages) == PASSAGES_PER_SECTION:
            continue
        seen.add(gold["id"])
        answer = next(a for a in query["answers"] if a in gold["text"])
        passages.append({"source": gold["id"], "text": gold["text"], "question": query["question"], "answer": answer})
    return {"title": name, "passages": passages}


def add_anchors(plan: dict) -> None:
    everything = json.dumps(plan, ensure_ascii=False)
    for chapter in plan["chapters"]:
        for sec in chapter["sections"]:
            for passage in sec["passages"]:
                passage["anchor"] = anchor(passage["text"], passage["answer"], everything)


def anchor(text: str, answer: str, everything: str) -> str:
    """The answer widened by whole words (never past a sentence end) until unique."""
    start = text.index(answer)
    end = start + len(answer)
    for _ in range(12):
        piece = text[start:end]
        if everything.count(piece) == 1 and len(piece) >= 16:
            return piece
        before = re.search(r"(?:^|[\s])\S+\s*$", text[:start])
        after = re.match(r"\s*\S+", text[end:])
        if before and not re.search(r"[.!?]\s*$", text[:start]):
            start = before.start() + (before.group(0)[0].isspace())
        if after and not re.search(r"[.!?]$", text[start:end]):
            end += after.end()
    return text[start:end]


if __name__ == "__main__":
    main(Path(sys.argv[1]))
