"""Is each passage filed under the right section and cited on the right page? Checked on
real theses against what the documents themselves say, not against our own reading.

    .venv/bin/python eval/structure.py eval/realdev/docs [--sample 30] [--seed 0]

For a random sample of passages per document (fixed seed; contents entries have no section
and are left out):
- section: the heading the passage stands under, found independently of the loader: for a
  .docx the paragraphs Word styles as headings (style name or outline level; the contents
  list, typed or laid out as a table, when a file styles none), for a PDF the entries of its contents page(s) found
  again in the body text after the contents list (a title page or an assignment sheet may
  name chapters before it; list items "− title" are no headings). The passage's section is
  right when the deepest of its titles that is such a heading is that heading (sub-headings
  the segmenter adds below it are allowed); a passage whose opening stands under two
  different headings (the same code in two appendices) is not counted.
- page: where the passage's first 40 letters are printed: for a PDF, in PDFium's per-page
  text of the file itself; for a .docx, in the author's PDF when one sits beside it with the
  same name (ru-leti), else in the PDF LibreOffice exports (made once into --exports). A
  passage without a page counts as wrong; a passage whose text is not found is not counted.
  LibreOffice lays a Word-paginated file out on more pages than Word did (its fonts differ),
  so for a .docx the page each heading has is also checked against the page the document's
  own contents list gives it (`headings_on_their_contents_page`; every heading, not a sample;
  none when the pages are estimated from that very list, `pages_estimated`: eval/docx_pages.py
  measures those),
  and the page count the saving editor wrote (`word_saved_pages`, docProps/app.xml) is put
  beside the reference's (`reference_page_count`): when they differ, the export is no
  reference for that file's pages.

Writes the figures to eval/results/structure.json (or --out): figures only, since the
documents are not openly licensed; --misses prints the passages filed wrongly.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from docx import Document as WordDocument
from docx.oxml.ns import qn

from thesis_qa import Passage, load_document
from thesis_qa.document import ESTIMATED_PAGE
from thesis_qa.ingest.structure import segment

HERE = Path(__file__).resolve().parent
KEY_LETTERS = 40
MIN_KEY_LETTERS = 12
_HEADING_STYLE = re.compile(r"^(?:heading|заголовок|тақырып)\s*\d$", re.IGNORECASE)
_CONTENTS_LINE = re.compile(r"^(?P<title>.*?[^\W\d_].*?)(?:\s*(?:[.…·_]\s*){3,}|\t+|\s+)(?P<page>\d{1,3})$")
# Back matter some contents lists leave out (LaTeX's unnumbered bibliography): a line that
# is only this title is a heading too.
_BACK_MATTER = re.compile(
    r"^(?:список\s+(?:использованн\w+\s+)?(?:литературы|источников)|литература|библиография|references"
    r"|bibliography|пайдалан(?:ыл)?ған\s+.*(?:тізімі|деректер)|(?:қосымша|приложение|appendix)\s+\w{1,2}\b.*"
    r"|\w\s+қосымша(?:сы)?\b.*)$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"\s*[−–\-•●▪]\s")
_CONTENTS_TITLE = re.compile(r"^\W*(мазмұны|содержание|оглавление|contents)\W*$", re.IGNORECASE)


def letters(text: str) -> str:
    """Lower-case letters only (digits too), so line breaks, hyphens and spacing do not count."""
    text = unicodedata.normalize("NFKC", text).replace("ə", "ә").replace("Ə", "Ә")
    return "".join(ch for ch in text.lower() if ch.isalnum())


def words_only(text: str) -> str:
    """`letters` without digits: Word prints numbers ("2.1.2") its text does not hold."""
    return "".join(ch for ch in letters(text) if not ch.isdigit())


def title_key(text: str) -> str:
    """A heading compared by its words, without its number ("1.1 Механизмы" = "Механизмы")."""
    return words_only(text)


@dataclass
class Reference:
    """A document's own text as a list of paragraphs (or lines), its heading positions, and
    the text of each printed page."""

    paragraphs: list[str]  # their letters (`words_only`)
    numbered: list[str]  # their letters and digits (`letters`), for passages that are all maths
    headings: dict[int, str]  # paragraph index -> heading title
    pages: list[str]  # letters of each physical page
    skip: set[int]  # paragraphs of the contents list itself

    def heading_above(self, index: int) -> str | None:
        above = [i for i in self.headings if i <= index]
        return self.headings[max(above)] if above else None

    def locate(self, passage: Passage, after: int) -> int | None:
        """The paragraph the passage opens in: by its first 120 letters where they are in
        one paragraph (a repeated opening is told apart), else by its first 40."""
        text, lines = words_only(passage.text), self.paragraphs
        if len(text) < MIN_KEY_LETTERS:  # "44. T43 = {∅, {0}, {3}}": its digits tell it apart
            text, lines = letters(passage.text), self.numbered
        for key in (text[: 3 * KEY_LETTERS], text[:KEY_LETTERS]):
            if len(key) < MIN_KEY_LETTERS:
                return None
            found = [i for i, p in enumerate(lines) if i not in self.skip and key in p]
            if found:
                return next((i for i in found if i >= after), found[0])
        return self._locate_across(text[:KEY_LETTERS], lines)

    def ambiguous(self, passage: Passage) -> bool:
        """The opening `locate` goes by (its first 120 letters, else 40) stands under more
        than one heading (the same code in two appendices): where the passage belongs cannot
        be told from its text. Openings that run over into the next lines count too."""
        text = words_only(passage.text)
        for key in (text[: 3 * KEY_LETTERS], text[:KEY_LETTERS]):
            found = self._starts(key, self.paragraphs) if len(key) >= MIN_KEY_LETTERS else []
            if found:
                return len({self.heading_above(i) for i in found}) > 1
        return False

    def _locate_across(self, key: str, lines: list[str]) -> int | None:
        """A passage that starts in one line of the reference and runs on over the next few."""
        return next(iter(self._starts(key, lines)), None)

    def _starts(self, key: str, lines: list[str]) -> list[int]:
        """The lines `key` starts in (running on over the next three at most)."""
        found = []
        for i in range(len(lines)):
            joined = "".join(lines[i : i + 4])
            if i not in self.skip and key in joined and joined.find(key) < len(lines[i]):
                found.append(i)
        return found


# --- references -----------------------------------------------------------------------------


def pdf_pages(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def contents_entries(lines: list[str]) -> tuple[list[str], set[int]]:
    """Titles of the contents list (wrapped titles joined) and the lines it takes."""
    titles, used, pending = [], set(), ""
    start = next((i for i, line in enumerate(lines) if _CONTENTS_TITLE.match(line)), None)
    if start is None:
        return [], set()
    misses = 0
    for i in range(start + 1, len(lines)):
        line = lines[i].strip()
        match = _CONTENTS_LINE.match(line)
        if match:
            titles.append((pending + " " + match.group("title")).strip(" .…"))
            used.add(i)
            pending, misses = "", 0
        elif line:
            pending, misses = (pending + " " + line).strip(), misses + 1
            used.add(i)
            if misses > 3:
                break
    return titles, used - {max(used, default=0)} if pending else used


def mended_lines(lines: list[str]) -> tuple[list[str], list[list[int]]]:
    """The lines with the pieces PDFium may cut a contents line into put back together, and
    the original lines each is made of: page numbers a digit a line ("Кіріспе" / "9", "1" /
    "1" for 11), a section number cut from its title ("1." / "4 Құжаттама …"), a dash or a
    hyphenated word's second half on a line of its own ("А қосымшасы" / "–" / "техникалық
    тапсырма", "1.1 Веб" / "-қосымшаны …")."""
    out: list[str] = []
    made_of: list[list[int]] = []
    digits = False  # the last line ends in digits glued from lines of their own
    for i, raw in enumerate(lines):
        line = raw.strip()
        last = out[-1] if out else ""
        if out and re.fullmatch(r"\d{1,3}", line) and re.search(r"[^\W\d_]", last):
            out[-1], digits = last + ("" if digits else " ") + line, True
        elif out and (re.fullmatch(r"(?:\d{1,2}\.)+", last) or last.endswith("–") or line.startswith("-")):
            out[-1], digits = last + ("" if line.startswith("-") or last.endswith(".") else " ") + line, False
        elif out and line == "–":
            out[-1], digits = last + " –", False
        else:
            out.append(line)
            made_of.append([])
            digits = False
        made_of[-1].append(i)
    return out, made_of


def pdf_reference(path: Path) -> Reference:
    pages = pdf_pages(path)
    lines = [line for page in pages for line in page.splitlines()]
    mended, made_of = mended_lines(lines)
    titles, used = contents_entries(mended)
    skip = {i for m in used for i in made_of[m]}
    keys = [words_only(line) for line in lines]
    wanted = {title_key(t): t for t in titles if len(title_key(t)) >= 4}
    wanted.update({title_key(line): line.strip() for line in lines if _BACK_MATTER.match(line.strip())})
    headings = {}
    # The body follows a contents list at the front: a title page or an assignment sheet
    # before it may name chapters too. A contents list at the back (kk-khan) bounds nothing.
    body_from = max(skip) + 1 if skip and max(skip) < len(lines) / 2 else 0
    for i in range(body_from, len(lines)):
        if i in skip or _LIST_ITEM.match(lines[i]):  # "− анализ рынка …" lists what 4.2 is about
            continue
        for size in (1, 2, 3):  # a title set on up to three lines
            key = title_key(" ".join(lines[i : i + size]))
            if key in wanted and wanted[key] not in headings.values():
                headings[i] = wanted[key]
                break
    return Reference(keys, [letters(line) for line in lines], headings, [letters(page) for page in pages], skip)


def word_saved_pages(path: Path) -> int | None:
    """The page count the editor that last saved the .docx wrote into docProps/app.xml (Word
    counts its own layout there): a LibreOffice export of another length is not the pages
    the author saw."""
    with zipfile.ZipFile(path) as archive:
        try:
            app = archive.read("docProps/app.xml").decode("utf-8", errors="replace")
        except KeyError:
            return None
    match = re.search(r"<Pages>(\d+)</Pages>", app)
    return int(match.group(1)) if match else None


def docx_reference(path: Path, printed: Path) -> Reference:
    document = WordDocument(str(path))
    styles = {s.style_id: s for s in document.styles}
    texts, headings = [], {}
    for i, p in enumerate(document.element.body.iter(qn("w:p"))):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        texts.append(text)
        if text.strip() and _is_heading(p, styles):
            headings[i] = text.strip()
    skip: set[int] = set()
    if len(headings) < 3:  # no heading styles: the typed contents list (or table) names the headings
        titles, skip = contents_entries(texts)
        if not titles:
            titles, skip = contents_table(document)
        wanted = {title_key(t): t for t in titles if len(title_key(t)) >= 4}
        wanted.update({title_key(t): t.strip() for t in texts if _BACK_MATTER.match(t.strip())})
        headings = {i: wanted[title_key(t)] for i, t in enumerate(texts) if i not in skip and title_key(t) in wanted}
    return Reference(
        [words_only(t) for t in texts],
        [letters(t) for t in texts],
        headings,
        [letters(page) for page in pdf_pages(printed)],
        skip,
    )


def contents_table(document: Any) -> tuple[list[str], set[int]]:
    """Titles of a contents list laid out as a table (each row its title and its page), and
    the indexes of the paragraphs it holds."""
    paragraphs = list(document.element.body.iter(qn("w:p")))
    for table in document.element.body.iter(qn("w:tbl")):
        rows = [[_text(cell) for cell in row.iter(qn("w:tc"))] for row in table.iter(qn("w:tr"))]
        titles = [" ".join(c for c in cells[:-1] if c) for cells in rows if len(cells) >= 2 and cells[-1].isdigit()]
        if len(titles) >= 3 and len(titles) >= 0.8 * len(rows):
            inside = {id(p) for p in table.iter(qn("w:p"))}
            return titles, {i for i, p in enumerate(paragraphs) if id(p) in inside}
    return [], set()


def _text(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t"))).strip()


def _is_heading(paragraph: Any, styles: dict[str, Any]) -> bool:
    ppr = paragraph.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:outlineLvl")) is not None:
        return int(ppr.find(qn("w:outlineLvl")).get(qn("w:val"), "9")) < 9
    style_el = ppr.find(qn("w:pStyle")) if ppr is not None else None
    style = styles.get(style_el.get(qn("w:val"))) if style_el is not None else None
    while style is not None:
        if _HEADING_STYLE.match(style.name or ""):
            return True
        outline = style.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if outline is not None:
            return int(outline.get(qn("w:val"), "9")) < 9
        style = style.base_style
    return False


def printed_pdf(docx_path: Path, exports: Path) -> tuple[Path, str]:
    """The PDF a .docx is compared with: its author's beside it, else LibreOffice's export."""
    author = docx_path.with_suffix(".pdf")
    if author.exists():
        return author, "author's PDF"
    exported = exports / (docx_path.stem + ".pdf")
    if not exported.exists():
        soffice = shutil.which("soffice")
        if soffice is None:
            sys.exit("LibreOffice (soffice) is needed to print the .docx files")
        exports.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{exports / 'profile'}", "--headless", "--convert-to", "pdf",
             "--outdir", str(exports), str(docx_path)],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    return exported, "LibreOffice export"


# --- the check ------------------------------------------------------------------------------


def section_right(passage: Passage, expected: str | None, known: set[str]) -> bool:
    titles = [t for t in passage.section.split(" › ") if t and title_key(t) in known] if passage.section else []
    if expected is None:
        return not titles
    return bool(titles) and title_key(titles[-1]) == title_key(expected)


def on_contents_page(passages: list[Passage]) -> tuple[int, int]:
    """(headings whose page is the one their contents entry prints, headings with an entry)."""
    entries: dict[str, str] = {}
    for p in passages:
        match = re.search(r"(\d{1,3})\s*$", p.text) if p.kind == "toc" else None
        if match:
            entries.setdefault(title_key(p.text[: match.start()]), match.group(1))
    headings = [p for p in passages if p.kind == "heading" and title_key(p.text) in entries]
    return sum(p.page == entries[title_key(p.text)] for p in headings), len(headings)


def physical_page(passage: Passage) -> int | None:
    """The physical page a passage is cited on: an estimated page's own number (a reference
    whose first page is the title page numbers its pages the same way), else `page_index`."""
    if passage.page and passage.page.startswith(ESTIMATED_PAGE):
        return int(passage.page.removeprefix(ESTIMATED_PAGE))
    return passage.page_index


def check(path: Path, sample: int, seed: int, exports: Path) -> tuple[dict, list[str]]:
    doc = load_document(path)
    everything = segment(doc)
    passages = [p for p in everything if p.kind != "toc"]
    if path.suffix.lower() == ".pdf":
        reference, against = pdf_reference(path), "the file's own pages"
    else:
        printed, against = printed_pdf(path, exports)
        reference = docx_reference(path, printed)
    known = {title_key(t) for t in reference.headings.values()}
    chosen = sorted(random.Random(f"{seed}:{path.name}").sample(range(len(passages)), min(sample, len(passages))))
    sections = pages = near = sections_checked = pages_checked = 0
    misses: list[str] = []
    position = 0
    for index in chosen:
        passage = passages[index]
        at = reference.locate(passage, position)
        if at is not None and not reference.ambiguous(passage):
            position = at
            expected = reference.heading_above(at)
            ok = section_right(passage, expected, known)
            sections += ok
            sections_checked += 1
            if not ok:
                misses.append(f"{passage.text[:50]!r}: under {passage.section[-60:]!r}, not {expected!r}")
        key = letters(passage.text)[:KEY_LETTERS]
        found = [i + 1 for i, page in enumerate(reference.pages) if len(key) >= MIN_KEY_LETTERS and key in page]
        if found:
            pages_checked += 1
            pages += physical_page(passage) in found
            near += any(abs((physical_page(passage) or -9) - page) <= 1 for page in found)
    estimated = sum(bool(p.page and p.page.startswith(ESTIMATED_PAGE)) for p in passages) / len(passages)
    # Pages estimated from the contents list put its headings on their entries' pages by
    # construction: eval/docx_pages.py measures those estimates with each heading left out.
    on_page, with_entry = on_contents_page(everything) if not estimated else (0, 0)
    return {
        "document": path.name,
        "passages": len(passages),
        "sampled": len(chosen),
        "headings_in_reference": len(reference.headings),
        "sections_checked": sections_checked,
        "sections_right": round(sections / sections_checked, 3) if sections_checked else None,
        "pages_reference": against,
        "pages_checked": pages_checked,
        "pages_right": round(pages / pages_checked, 3) if pages_checked else None,
        "pages_within_one": round(near / pages_checked, 3) if pages_checked else None,
        "passages_with_a_page": round(sum(p.page is not None for p in passages) / len(passages), 3),
        "pages_estimated": round(estimated, 3),
        "reference_page_count": len(reference.pages),
        "word_saved_pages": word_saved_pages(path) if path.suffix.lower() == ".docx" else None,
        "headings_on_their_contents_page": round(on_page / with_entry, 3) if with_entry else None,
        "headings_with_a_contents_entry": with_entry,
    }, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exports", type=Path, default=HERE / ".cache" / "structure")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "structure.json")
    parser.add_argument("--misses", action="store_true", help="print each passage filed under a wrong section")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".pdf", ".docx"))
    results = []
    for path in files:
        result, misses = check(path, args.sample, args.seed, args.exports)
        results.append(result)
        print(
            f"{path.name[:40]:40} sections {result['sections_right']} of {result['sections_checked']:2}"
            f"   pages {result['pages_right']} (±1 {result['pages_within_one']}) of {result['pages_checked']:2}"
            f" ({result['pages_reference']})"
            f"   headings on their contents page {result['headings_on_their_contents_page']}"
            + (" (pages estimated from it: eval/docx_pages.py)" if result["pages_estimated"] else "")
            + f"   reference {result['reference_page_count']} pages, saved as {result['word_saved_pages']}"
        )
        if args.misses:
            print("".join(f"    {miss}\n" for miss in misses), end="")
    args.out.write_text(
        json.dumps({"sample": args.sample, "seed": args.seed, "documents": results}, ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
