"""Indexing a 250-page thesis, as a user does: `thesis-qa index thesis.docx` and the same for
the PDF LibreOffice exports from it. Target: each within 2 minutes on 2 cores, with a
progress bar and an ETA on the terminal.

    .venv/bin/python bench/indexing_thesis.py               # ~6 minutes (export + two indexings)
    .venv/bin/python bench/indexing_thesis.py --pages 100   # a shorter thesis

The thesis is built by the tests' builder (`tests/thesis_doc.py`: heading styles, automatic
numbering, running header, page-number footer, contents, table, footnotes, bibliography)
from Kazakh passages of the dev pool (`eval/data/kk_pool.passages.jsonl`: KazQAD, CC
BY-SA 4.0, and akorda.kz, MIT), grouped by article title into sections of four passages and
chapters of eight sections, until the PDF has about `--pages` pages. For each form: the
command's wall time, and in process the seconds to load and segment, the passages and the
texts embedded (passages plus their sentences, README "Retrieval").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import common

sys.path.insert(0, str(common.ROOT / "tests"))
CHARS_PER_PAGE = 2_000  # measured on the test thesis (12 pt, 1.5 cm margins): 30k characters, 16 pages


def thesis_plan(pages: int, eval_dir: Path) -> dict:
    """Chapters of eight sections of four passages, from the pool's Kazakh passages."""
    by_title: dict[str, list[str]] = {}
    for line in (eval_dir / "kk_pool.passages.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"].startswith(("kazqad:", "akorda:")) and not re.search(r"\[\[|\]\]|\|", record["text"]):
            by_title.setdefault(record["title"] or record["id"], []).append(record["text"])
    sections, size = [], 0
    for title, texts in by_title.items():
        if size >= pages * CHARS_PER_PAGE:
            break
        chosen = texts[:4]
        sections.append({"title": title[:80], "passages": [{"text": t} for t in chosen]})
        size += sum(len(t) for t in chosen)
    chapters = [
        {"title": f"ТАРАУ ТАҚЫРЫБЫ {n + 1}", "lang": "kk", "sections": sections[i : i + 8]}
        for n, i in enumerate(range(0, len(sections), 8))
    ]
    intro = [s["passages"][0]["text"] for s in sections[:2]]
    return {"introduction": intro, "chapters": chapters, "conclusion": [sections[-1]["passages"][-1]["text"]]}


def index_with_cli(path: Path, name: str) -> dict:
    """`thesis-qa index` into a scratch folder: wall seconds, CPU seconds (user + system: on
    a busy shared machine the wall time says little; on an idle one it is about the CPU time
    over the 2 cores torch uses), and a progress line as the terminal showed it."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "THESIS_QA_INDEX_DIR": str(common.SCRATCH / "index-thesis"), "COLUMNS": "100"}
    shutil.rmtree(common.SCRATCH / "index-thesis" / name, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [str(common.THESIS_QA), "index", str(path), "--index", name],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    bars = [line for line in re.split(r"[\r\n]", done.stderr) if "embedding" in line and "<" in line]
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "progress_seen": bars[len(bars) // 2] if bars else "",
    }


def load_and_segment(path: Path) -> dict:
    from thesis_qa import load_document
    from thesis_qa.ingest.segmentation import segment

    start = time.perf_counter()
    doc = load_document(path)
    loaded = time.perf_counter()
    passages = segment(doc)
    segmented = time.perf_counter()
    texts = {p.text for p in passages} | {s for p in passages for s in p.sentence_texts()}
    return {
        "load_s": round(loaded - start, 2),
        "segment_s": round(segmented - loaded, 2),
        "characters": len(doc.text),
        "pages": len(doc.page_starts) or None,
        "passages": len(passages),
        "texts_embedded": len(texts),
        "kinds": {k: sum(p.kind == k for p in passages) for k in sorted({p.kind for p in passages})},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=250)
    parser.add_argument("--eval", type=Path, default=common.EVAL, help="the dev sets (default: eval/data)")
    args = parser.parse_args()
    from thesis_doc import export_pdf, write_thesis_docx

    started = time.time()
    info = common.machine()
    print(common.machine_line(info))
    folder = common.SCRATCH / "thesis250"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    docx_path = write_thesis_docx(thesis_plan(args.pages, args.eval), folder / "thesis250.docx")
    start = time.perf_counter()
    pdf_path = export_pdf(docx_path, folder)
    export_s = time.perf_counter() - start
    forms = {}
    for form, path in (("docx", docx_path), ("pdf", pdf_path)):
        forms[form] = {**load_and_segment(path), **index_with_cli(path, f"thesis250-{form}")}
        print(form, forms[form])
    result = {"pages_asked": args.pages, "libreoffice_export_s": round(export_s, 1), "forms": forms}
    common.write_result("indexing_thesis", result, info, started)


if __name__ == "__main__":
    main()
