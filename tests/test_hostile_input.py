"""Hostile and oversized files (issue 14, the loader's half): each original input is rebuilt
here and must end in a bounded outcome, a `LoadError` with its own code, or bounded output."""

from __future__ import annotations

import codecs
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from samples import repeated_page_pdf

from thesis_qa.document import Document
from thesis_qa.errors import LoadError
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import DEFAULT_MAX_CHARS, segment
from thesis_qa.service.indexing import build_index
from thesis_qa.text.sentences import MAX_UNIT_CHARS

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
GIB = 1 << 30


def _replace_part(docx_path: Path, part: str, write) -> Path:
    """A copy of `docx_path` whose `part` is written by `write(handle)` instead."""
    out = docx_path.with_name("hostile-" + docx_path.name)
    with zipfile.ZipFile(docx_path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
        info = zipfile.ZipInfo(part)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as handle:
            write(handle)
    return out


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~1 MB .docx whose word/document.xml inflates to 1 GiB (one text node of "A")."""
    import docx

    folder = tmp_path_factory.mktemp("bomb")
    docx.Document().save(str(folder / "bomb.docx"))
    chunk = b"A" * (1 << 20)

    def write(handle) -> None:
        handle.write(f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode())
        for _ in range(GIB // len(chunk)):
            handle.write(chunk)
        handle.write(b"</w:t></w:r></w:p></w:body></w:document>")

    return _replace_part(folder / "bomb.docx", "word/document.xml", write)


def _lying_sizes(bomb: Path) -> Path:
    """The same bomb, its headers claiming document.xml unpacks to 1,000 bytes."""
    data = bytearray(bomb.read_bytes())
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_length = struct.unpack_from("<H", data, start + (28 if signature == b"PK\x01\x02" else 26))[0]
            name_at = start + (46 if signature == b"PK\x01\x02" else 30)
            if data[name_at : name_at + name_length] == b"word/document.xml":
                struct.pack_into("<I", data, start + size_at, 1000)
            start += 4
    out = bomb.with_name("lying.docx")
    out.write_bytes(bytes(data))
    return out


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from thesis_qa.errors import LoadError
from thesis_qa.ingest import load_document
import lxml.etree
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    load_document(Path(sys.argv[1]))
    code = "loaded"
except LoadError as error:
    code = error.code
grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"code": code, "grew_mb": grew, "seconds": time.perf_counter() - start}))
"""


def _load_in_child(path: Path) -> dict:
    """Load `path` in a fresh Python; its error code, peak memory growth and time."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{path.name}: {outcome}")  # shown with -s
    return outcome


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(zip_bomb):
    assert zip_bomb.stat().st_size < 8 * 2**20
    outcome = _load_in_child(zip_bomb)
    assert outcome["code"] == "load_unpacks_too_big"
    assert outcome["grew_mb"] < 500 and outcome["seconds"] < 30, outcome


def test_a_zip_bomb_that_lies_about_its_size_is_cut_off_at_the_declared_size(zip_bomb):
    outcome = _load_in_child(_lying_sizes(zip_bomb))
    assert outcome["code"] == "load_broken"
    assert outcome["grew_mb"] < 500 and outcome["seconds"] < 30, outcome


def test_a_zip_with_too_many_entries_is_refused(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(6000):
            archive.writestr(f"word/media/{n}.bin", b"")
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert caught.value.code == "load_too_many_entries"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + f']><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
)


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        (f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>Саяси модерн'.encode(), "load_broken"),
        (BILLION_LAUGHS.encode(), "load_unsafe_xml"),
        (f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode() + b"A" * (40 << 20), "load_broken"),
    ],
    ids=["truncated", "entity-expansion", "40MB-text-node"],
)
def test_malformed_xml_inside_a_docx_is_a_clear_load_error(make_docx, xml, code):
    path = _replace_part(make_docx([("Normal", "Мәтін")]), "word/document.xml", lambda handle: handle.write(xml))
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert caught.value.code == code and str(caught.value).startswith(path.name)


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return path


def test_passage_ids_are_the_project_s_whatever_a_jsonl_claims(tmp_path, embedder):
    """Two .jsonl without ids and one that claims the thesis's ids share one index: every
    passage id is unique and names its own document; the claimed ids stay as source ids."""
    plain = [{"text": "Алматы – ірі қала."}, {"text": "Астана – елорда."}]
    first = _jsonl(tmp_path / "a.jsonl", plain)
    second = _jsonl(tmp_path / "b.jsonl", [{"text": "Абай – ақын."}, {"text": "Шоқан – ғалым."}])
    forged = _jsonl(tmp_path / "c.jsonl", [{"id": "thesis_kk.txt#3", "text": "Жалған үзінді."}])
    index = build_index(tmp_path / "index", [load_document(p) for p in (first, second, forged)], embedder)
    ids = [p.id for p in index.passages]
    assert len(ids) == len(set(ids)) == 5
    assert all(p.id.startswith(p.doc + "#") for p in index.passages)
    assert [p.source_id for p in index.passages if p.doc == "c.jsonl"] == ["thesis_kk.txt#3"]


def test_a_99000_page_pdf_is_refused_at_once(tmp_path):
    path = tmp_path / "pages.pdf"
    path.write_bytes(repeated_page_pdf("Lorem ipsum dolor sit amet", 99_000))
    assert path.stat().st_size < 2**20
    with pytest.raises(LoadError) as caught:
        load_document(path)
    assert caught.value.code == "load_too_many_pages"


def test_a_pdf_of_identical_pages_without_a_sentence_break_gives_bounded_passages(tmp_path):
    path = tmp_path / "pages.pdf"
    path.write_bytes(repeated_page_pdf("Lorem ipsum dolor sit amet", 3_000))
    passages = segment(load_document(path))
    assert len(passages) > 50
    assert max(len(p.text) for p in passages) <= MAX_UNIT_CHARS
    assert all(b - a <= MAX_UNIT_CHARS for p in passages for a, b in p.sentences)


def test_text_without_any_break_is_cut_between_words():
    text = ("сөз " * 700_000).strip()  # 2.8M characters, no sentence end, no line break
    passages = segment(Document("wall.txt", text))
    assert max(len(p.text) for p in passages) <= MAX_UNIT_CHARS
    assert all(p.text.startswith("сөз") and p.text.endswith("сөз") for p in passages)
    assert sum(len(p.text) + 1 for p in passages) == len(text) + 1


def test_a_word_longer_than_a_passage_is_cut_anyway():
    passages = segment(Document("blob.txt", "A" * 5_000))
    assert [len(p.text) for p in passages] == [MAX_UNIT_CHARS] * 5
    assert DEFAULT_MAX_CHARS < MAX_UNIT_CHARS


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_decoded_not_refused(tmp_path, encoding):
    text = "Саяси модернизация – күрделі процесс.\nPolitical modernization, 1991."
    path = tmp_path / "thesis.txt"
    path.write_bytes(text.encode(encoding))
    assert not path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert load_document(path).text == text


def test_too_much_text_is_refused_right_after_reading(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("Сөйлем. " * 2000, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_document(path, max_chars=10_000)
    assert caught.value.code == "load_too_much_text" and caught.value.params["limit"] == 10_000


def test_too_many_passages_are_refused():
    doc = Document("many.txt", "\n\n".join(f"Абзац {n}." for n in range(50)))
    assert len(segment(doc, max_passages=50)) == 50
    with pytest.raises(LoadError) as caught:
        segment(doc, max_passages=49)
    assert caught.value.code == "load_too_many_passages"
