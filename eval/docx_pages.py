"""How close are the pages estimated for a .docx no Word paginated? Measured on real theses.

    .venv/bin/python eval/docx_pages.py --docs eval/realdev/docs [--write]

A .docx saved by LibreOffice or MyOffice holds no rendered page breaks; the reader then
estimates its pages from its own contents list (`thesis_qa.ingest.word`: each heading the
list gives a page opens that page, the pages between two spread over the text by its
length, the ends extrapolated at the document's own length of a page). Two checks per file:

- leave one anchor out: for each heading the contents list pins to a page, the page
  estimated from the OTHER anchors only, against the page its entry prints (exact, within
  one page). "page out" is stricter: every anchor of that page is left out, so the page has
  to be estimated with no heading of its own (anchors on other pages only).
- against Word: for a file Word paginated (it holds rendered breaks), the pages estimated
  as if it held none, against the page Word rendered each passage on (exact, within one).

Figures only are written (eval/results/docx_pages.json with --write): the documents are not
openly licensed.
"""

from __future__ import annotations

import argparse
import json
import sys
from bisect import bisect_right
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from thesis_qa.document import ESTIMATED_PAGE
from thesis_qa.ingest import load_document, word
from thesis_qa.ingest.structure import segment

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "docx_pages.json"


@dataclass
class Figures:
    document: str
    rendered_breaks: bool  # Word paginated the file
    anchors: int  # headings its contents list gives a page
    anchored_pages: int  # distinct pages among them
    left_out: int  # anchors estimated from the others (each once)
    exact: float | None
    within_one: float | None
    page_out_exact: float | None  # every anchor of the page left out
    page_out_within_one: float | None
    passages: int | None = None  # passages compared with Word's rendered page
    word_exact: float | None = None
    word_within_one: float | None = None


def number(label: str | None) -> int | None:
    """A page label as a number ("≈12" -> 12); None for none or a roman one."""
    label = (label or "").removeprefix(ESTIMATED_PAGE)
    return int(label) if label.isdigit() else None


def page_at(pages: tuple[tuple[int, ...], tuple[str, ...]], offset: int) -> int | None:
    starts, labels = pages
    return number(labels[bisect_right(starts, offset) - 1]) if starts else None


def shares(pairs: list[tuple[int | None, int | None]]) -> tuple[float | None, float | None]:
    """Exact and within one page, of `pairs` (estimated, expected); no estimate counts as wrong."""
    if not pairs:
        return None, None
    exact = sum(a is not None and a == b for a, b in pairs)
    near = sum(a is not None and b is not None and abs(a - b) <= 1 for a, b in pairs)
    return round(exact / len(pairs), 3), round(near / len(pairs), 3)


def check(path: Path) -> Figures:
    blocks = word._blocks(path, path.name)
    rendered = any(word._RENDERED_BREAK in b.text for b in blocks)
    # As LibreOffice would save it: the same text and explicit breaks, no rendered breaks.
    layout = word._layout([replace(b, text=b.text.replace(word._RENDERED_BREAK, "")) for b in blocks])
    text, anchors, tops = layout.text, layout.anchors(), word._page_tops(layout)
    one_out, page_out = [], []
    for i, (offset, printed) in enumerate(anchors):
        others = anchors[:i] + anchors[i + 1 :]
        one_out.append((page_at(word._estimated_pages(text, others, tops), offset), printed))
        elsewhere = [a for a in anchors if a[1] != printed]
        page_out.append((page_at(word._estimated_pages(text, elsewhere, tops), offset), printed))
    figures = Figures(
        path.name,
        rendered,
        len(anchors),
        len({page for _, page in anchors}),
        len(anchors),
        *shares(one_out),
        *shares(page_out),
    )
    if rendered:
        estimated = word._estimated_pages(text, anchors, tops)
        document = load_document(path)
        assert document.text == text
        passages = [p for p in segment(document) if number(p.page) is not None]
        pairs = [(page_at(estimated, p.start), number(p.page)) for p in passages]
        figures.passages = len(pairs)
        figures.word_exact, figures.word_within_one = shares(pairs)
    return figures


def pooled(rows: list[Figures]) -> Figures:
    """All files together (each anchor, each passage counted once)."""

    def share(field: str, count: str) -> float | None:
        counted = [(getattr(r, field), getattr(r, count)) for r in rows if getattr(r, field) is not None]
        total = sum(n for _, n in counted)
        return round(sum(round(value * n) for value, n in counted) / total, 3) if total else None

    passages = sum(r.passages or 0 for r in rows)
    return Figures(
        "all",
        any(r.rendered_breaks for r in rows),
        sum(r.anchors for r in rows),
        sum(r.anchored_pages for r in rows),
        sum(r.left_out for r in rows),
        share("exact", "left_out"),
        share("within_one", "left_out"),
        share("page_out_exact", "left_out"),
        share("page_out_within_one", "left_out"),
        passages or None,
        share("word_exact", "passages"),
        share("word_within_one", "passages"),
    )


def table(rows: list[Figures]) -> str:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    lines = [
        "| file | Word paginated | anchors (pages) | left out: exact / ±1 | page out: exact / ±1 "
        "| passages vs Word: exact / ±1 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        against_word = f"{cell(r.word_exact)} / {cell(r.word_within_one)} ({r.passages})" if r.passages else "–"
        paginated = "–" if r.document == "all" else "yes" if r.rendered_breaks else "no"
        lines.append(
            f"| {r.document.split('__')[0]} | {paginated} | {r.anchors} ({r.anchored_pages}) "
            f"| {cell(r.exact)} / {cell(r.within_one)} | {cell(r.page_out_exact)} / {cell(r.page_out_within_one)} "
            f"| {against_word} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=HERE / "realdev" / "docs", help="folder of .docx files")
    parser.add_argument("--write", action="store_true", help=f"write the figures to {RESULTS.relative_to(HERE.parent)}")
    args = parser.parse_args()
    paths = sorted(args.docs.glob("*.docx"))
    if not paths:
        sys.exit(f"no .docx in {args.docs} (eval/realdev/get_docs.sh fetches the real ones)")
    rows = [check(path) for path in paths]
    print(table([*rows, pooled(rows)]))
    if args.write:
        results = {
            "command": ".venv/bin/python eval/docx_pages.py --docs eval/realdev/docs --write",
            "reader_version": word.READER_VERSION,
            "documents": [asdict(r) for r in rows],
            "all": asdict(pooled(rows)),
        }
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
