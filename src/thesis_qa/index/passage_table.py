"""Passages stored column by column, so opening an index of a million passages builds none.

A segment's table (`PassageTable`) is these files, opened memory-mapped:

    documents.jsonl  each document's fields but its text, and the byte range of its text in texts.bin
    texts.bin        the documents' texts, UTF-8, one after another (a passage's text is a slice)
    passages.npy     one row a passage (`ROW`): numbers only
    sentences.npy    each sentence's [start, end) inside its passage, in code points
    labels.bin       each passage's id, printed page and source id, a JSON array each, UTF-8
    sections.json    the distinct section titles, which rows refer to by number

`Passages` is an index's passages over its segments' tables in order: the columns a question
reads for its candidates (kind, language, length, flags, section, document rows, sentence
offsets) as arrays, and a `Passage` built only for a row asked for (a hit, a
neighbour). Facts the ranker reads of every candidate are computed once, when a table is
built: the passage's dominant language and whether it mentions a number or a person
(`NUMBER`, `PERSON`; changing one means rewriting indexes: `indexing.LEXICAL_SCHEME`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import numpy as np

from thesis_qa.document import Document, Passage
from thesis_qa.text.language import CAPITAL_LETTERS, SMALL_LETTERS, Language, dominant_language

ROW = np.dtype(
    [
        ("doc", "<i4"),  # the document's number in its segment
        ("order", "<i4"),
        ("paragraph", "<i4"),
        ("start", "<i8"),  # code points in the document's text
        ("end", "<i8"),
        ("text_start", "<i8"),  # bytes in texts.bin
        ("text_end", "<i8"),
        ("kind", "u1"),  # position in KINDS
        ("language", "u1"),  # position in LANGUAGES: the passage's dominant language
        ("section", "<i4"),  # position in sections.json
        ("flags", "u1"),  # HAS_NUMBER | HAS_PERSON
        ("page_index", "<i4"),  # -1: no page
        ("sentence_end", "<i8"),  # past the passage's last row of sentences.npy
        ("label_end", "<i8"),  # past the passage's labels in labels.bin
    ]
)
# A year, a century in Roman numerals, a count.
NUMBER = re.compile(r"(?<!\d)\d{2,4}(?!\d)|\b[XVI]{2,5}\b")
# A person: initials and a name ("Г.Алмонд", "С.Хантингтон"), a name and two initials or a
# comma and one, as title pages and bibliographies write them ("Кожухов И.Б.", "Абдуллаева А.
# С.", "Newman, S."), a name, a given name and a patronymic ("Намиот Дмитрий Евгеньевич",
# "Нурмаханова Алия Есимжанқызы").
_NAME = rf"[{CAPITAL_LETTERS}][{SMALL_LETTERS}]{{2,}}(?:-[{CAPITAL_LETTERS}][{SMALL_LETTERS}]+)?"
_PATRONYMIC = rf"[{CAPITAL_LETTERS}][{SMALL_LETTERS}]+(?:ович|евич|ьич|овна|евна|ична|қызы|кызы|ұлы|улы)"
PERSON = re.compile(
    r"(?<!\w)(?:[^\W\d_]\.\s?){1,2}[^\W\d_]{3,}"
    rf"|(?<![\w.-]){_NAME}(?:\s(?:[{CAPITAL_LETTERS}]\.\s?){{2}}|,\s[{CAPITAL_LETTERS}]\.)(?![\w.]*\d)"
    rf"|(?<![\w-]){_NAME}\s{_NAME}\s{_PATRONYMIC}\b"
)
HAS_NUMBER, HAS_PERSON = 1, 2
KINDS = ("body", "heading", "toc", "footnote", "bibliography", "table", "caption")  # appended: stored as positions
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
FILES = ("documents.jsonl", "texts.bin", "passages.npy", "sentences.npy", "labels.bin", "sections.json")
_UTF8 = ("utf-8", "surrogatepass")  # a lone surrogate in a text must survive the round trip
_STORED = frozenset(("id", "doc", "order", "paragraph", "start", "end", "text", "section", "page"))
_STORED |= {"sentences", "kind", "page_index", "source_id"}


class PassageTable:
    """The documents and passages of one segment."""

    def __init__(
        self,
        *,
        documents: list[dict[str, object]],
        rows: np.ndarray,
        sentences: np.ndarray,
        texts: np.ndarray,
        labels: np.ndarray,
        sections: list[str],
    ) -> None:
        """`documents`: each one's fields but "text", and "text_bytes" ([start, end) in `texts`)."""
        self.documents, self.rows, self.sentences = documents, rows, sentences
        self.texts, self.labels, self.sections = texts, labels, sections
        self.names = [str(d["name"]) for d in documents]

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def build(
        cls, documents: Sequence[Document], passages: Sequence[Passage], languages: Sequence[Language]
    ) -> PassageTable:
        """A table in memory of `documents` and their passages (each document's passages
        consecutive, documents in order) with each passage's dominant language."""
        _check_stored_fields()
        number = {doc.name: j for j, doc in enumerate(documents)}
        encoded = [doc.text.encode(*_UTF8) for doc in documents]
        bases = np.cumsum([0, *map(len, encoded)])
        byte_at = {doc.name: _byte_offsets(doc.text) for doc in documents}
        sections: dict[str, int] = {}
        rows: list[tuple[int, ...]] = []
        spans: list[tuple[int, int]] = []
        labels: list[bytes] = []
        sentence_end = label_end = 0
        for p, language in zip(passages, languages, strict=True):
            j = number[p.doc]
            label = json.dumps([p.id, p.page, p.source_id], ensure_ascii=False).encode(*_UTF8)
            labels.append(label)
            spans.extend(p.sentences)
            sentence_end += len(p.sentences)
            label_end += len(label)
            text_span = (bases[j] + byte_at[p.doc][p.start], bases[j] + byte_at[p.doc][p.end])
            page = -1 if p.page_index is None else p.page_index
            section = sections.setdefault(p.section, len(sections))
            kind, lang = KINDS.index(p.kind), LANGUAGES.index(language)
            flags = HAS_NUMBER * bool(NUMBER.search(p.text)) | HAS_PERSON * bool(PERSON.search(p.text))
            numbers = (kind, lang, section, flags, page, sentence_end, label_end)
            rows.append((j, p.order, p.paragraph, p.start, p.end, *text_span, *numbers))
        entries = [
            {**{k: v for k, v in asdict(doc).items() if k != "text"}, "text_bytes": [int(bases[j]), int(bases[j + 1])]}
            for j, doc in enumerate(documents)
        ]
        return cls(
            documents=entries,
            rows=np.array(rows, dtype=ROW),
            sentences=np.array(spans, dtype=np.int32).reshape(-1, 2),
            texts=np.frombuffer(b"".join(encoded), dtype=np.uint8),
            labels=np.frombuffer(b"".join(labels), dtype=np.uint8),
            sections=list(sections),
        )

    def contents(self) -> dict[str, bytes]:
        """The table as the contents of its `FILES`, by name: what `save` writes to a folder and
        a database keeps (thesis_qa.storage.postgres)."""
        documents = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in self.documents)
        return {
            "documents.jsonl": documents.encode("utf-8"),
            "texts.bin": self.texts.tobytes(),
            "passages.npy": npy_bytes(self.rows),
            "sentences.npy": npy_bytes(self.sentences),
            "labels.bin": self.labels.tobytes(),
            "sections.json": json.dumps(self.sections, ensure_ascii=False).encode("utf-8"),
        }

    def save(self, folder: Path) -> None:
        for name, data in self.contents().items():
            (folder / name).write_bytes(data)

    @classmethod
    def load(cls, folder: Path) -> PassageTable:
        """The table saved in `folder`, its arrays memory-mapped."""
        with (folder / "documents.jsonl").open(encoding="utf-8") as handle:
            documents = [json.loads(line) for line in handle]
        return cls(
            documents=documents,
            rows=np.load(folder / "passages.npy", mmap_mode="r"),
            sentences=np.load(folder / "sentences.npy", mmap_mode="r"),
            texts=_mapped_bytes(folder / "texts.bin"),
            labels=_mapped_bytes(folder / "labels.bin"),
            sections=json.loads((folder / "sections.json").read_text(encoding="utf-8")),
        )

    @classmethod
    def from_contents(cls, contents: Mapping[str, bytes]) -> PassageTable:
        """The table whose `contents()` these are (read from a database)."""
        lines = contents["documents.jsonl"].decode("utf-8").splitlines()
        return cls(
            documents=[json.loads(line) for line in lines],
            rows=npy_array(contents["passages.npy"]),
            sentences=npy_array(contents["sentences.npy"]),
            texts=np.frombuffer(contents["texts.bin"], dtype=np.uint8),
            labels=np.frombuffer(contents["labels.bin"], dtype=np.uint8),
            sections=json.loads(contents["sections.json"]),
        )

    def passage(self, i: int) -> Passage:
        row = self.rows[i]
        first_sentence = int(self.rows[i - 1]["sentence_end"]) if i else 0
        first_label = int(self.rows[i - 1]["label_end"]) if i else 0
        passage_id, page, source_id = json.loads(_decode(self.labels[first_label : int(row["label_end"])]))
        spans = self.sentences[first_sentence : int(row["sentence_end"])].tolist()
        return Passage(
            id=passage_id,
            doc=self.names[int(row["doc"])],
            order=int(row["order"]),
            paragraph=int(row["paragraph"]),
            start=int(row["start"]),
            end=int(row["end"]),
            text=self.text(i),
            section=self.sections[int(row["section"])],
            page=page,
            sentences=tuple((a, b) for a, b in spans),
            kind=KINDS[int(row["kind"])],  # type: ignore[arg-type]
            page_index=None if row["page_index"] < 0 else int(row["page_index"]),
            source_id=source_id,
        )

    def text(self, i: int) -> str:
        row = self.rows[i]
        return _decode(self.texts[int(row["text_start"]) : int(row["text_end"])])

    def passage_ids(self) -> Iterator[str]:
        """Every passage's id in row order (decodes labels.bin alone)."""
        blob = bytes(self.labels)
        ends = self.rows["label_end"].tolist()
        for a, b in zip([0, *ends[:-1]], ends, strict=True):
            yield json.loads(blob[a:b].decode(*_UTF8))[0]

    def document(self, j: int) -> Document:
        """The `j`-th document, its text decoded."""
        entry: dict[str, Any] = dict(self.documents[j])
        start, end = entry.pop("text_bytes")
        return Document(**entry, text=_decode(self.texts[start:end]))

    def sentence_counts(self) -> np.ndarray:
        return np.diff(np.asarray(self.rows["sentence_end"]), prepend=0)

    def document_starts(self) -> np.ndarray:
        """The first row of each document, and the row count at the end."""
        return np.searchsorted(np.asarray(self.rows["doc"]), np.arange(len(self.names) + 1))


class Passages(Sequence[Passage]):
    """An index's passages: its segments' tables as one sequence of rows."""

    def __init__(self, tables: Sequence[PassageTable]) -> None:
        self.tables = list(tables)
        self.bases = np.cumsum([0, *map(len, self.tables)], dtype=np.int64)
        self.kinds = self._column("kind", np.uint8)
        self.languages = self._column("language", np.uint8)
        self.lengths = self._column("end", np.float32) - self._column("start", np.float32)
        self.flags = self._column("flags", np.uint8)
        self._part = np.repeat(np.arange(len(self.tables), dtype=np.int32), np.diff(self.bases))
        self.sections = [title for table in self.tables for title in table.sections]
        section_bases = np.cumsum([0, *(len(t.sections) for t in self.tables)])[self._part]
        self.section_ids = self._column("section", np.int64) + section_bases  # positions in `sections`
        counts = _joined([t.sentence_counts() for t in self.tables], np.int64)
        self.sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.document_rows: dict[str, range] = {}
        for table, base in zip(self.tables, self.bases.tolist(), strict=False):
            starts = (table.document_starts() + base).tolist()
            self.document_rows.update(
                (name, range(a, b)) for name, a, b in zip(table.names, starts, starts[1:], strict=False)
            )

    def _column(self, name: str, dtype: type) -> np.ndarray:
        return _joined([t.rows[name] for t in self.tables], dtype)

    @classmethod
    def of(cls, documents: Sequence[Document], passages: Sequence[Passage]) -> Passages:
        """Passages held in memory (an index read whole: the database's, or the previous format)."""
        languages = [dominant_language(p.text) for p in passages]
        return cls([PassageTable.build(documents, passages, languages)])

    def __len__(self) -> int:
        return int(self.bases[-1])

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...
    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        part = int(self._part[i])
        return self.tables[part].passage(i - int(self.bases[part]))

    def __iter__(self) -> Iterator[Passage]:
        for table in self.tables:
            yield from (table.passage(i) for i in range(len(table)))

    def language(self, i: int) -> Language:
        return LANGUAGES[int(self.languages[i])]

    def is_kind(self, kinds: Sequence[str]) -> np.ndarray:
        """Whether each row's kind is one of `kinds`."""
        return np.isin(self.kinds, [KINDS.index(k) for k in kinds])

    def has(self, flag: int, rows: np.ndarray) -> np.ndarray:
        """Whether each of `rows` has `flag` (`HAS_NUMBER`, `HAS_PERSON`)."""
        return (self.flags[rows] & flag).astype(bool)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Row of each passage id (made on first use: it reads every id)."""
        ids = (passage_id for table in self.tables for passage_id in table.passage_ids())
        return {passage_id: row for row, passage_id in enumerate(ids)}


class Documents(Mapping[str, Document]):
    """An index's documents by name, in order; a document's text is decoded when asked for."""

    def __init__(self, tables: Sequence[PassageTable]) -> None:
        self._where = {name: (table, j) for table in tables for j, name in enumerate(table.names)}

    def __getitem__(self, name: str) -> Document:
        table, j = self._where[name]
        return table.document(j)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def _joined(columns: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate([np.asarray(c, dtype=dtype) for c in columns]) if columns else np.zeros(0, dtype)


def _decode(data: np.ndarray) -> str:
    return bytes(data).decode(*_UTF8)


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as the bytes of a .npy file (what a database keeps of one)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_array(data: bytes) -> np.ndarray:
    """The array of `npy_bytes`."""
    return np.load(io.BytesIO(data), allow_pickle=False)


def _mapped_bytes(path: Path) -> np.ndarray:
    """A file's bytes, memory-mapped (an empty file cannot be mapped)."""
    if path.stat().st_size == 0:
        return np.zeros(0, np.uint8)
    return np.memmap(path, dtype=np.uint8, mode="r")


def _byte_offsets(text: str) -> np.ndarray:
    """The UTF-8 byte offset of every code-point offset of `text` (one more than its length)."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    widths = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    return np.concatenate([[0], np.cumsum(widths)])


def _check_stored_fields() -> None:
    """A field added to `Passage` must be stored too: fail loudly rather than drop it."""
    missing = {f.name for f in fields(Passage)} - _STORED
    if missing:
        raise NotImplementedError(f"passage_table does not store Passage fields {sorted(missing)}")
