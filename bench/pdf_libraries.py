"""Which PDF library reads theses: seconds to get the text, and to get what a layout needs
(each character's position and font size), for pypdf, pdfplumber and pypdfium2, on the
LibreOffice-exported thesis that `bench/indexing_thesis.py` builds (run it first).

    .venv/bin/pip install pdfplumber==0.11.10     # not a dependency; measured only
    .venv/bin/python bench/pdf_libraries.py       # ~3 minutes

Licences: pypdf BSD-3, pdfplumber MIT (on pdfminer.six, MIT), pypdfium2 Apache-2.0/BSD-3
(PDFium BSD-3); PyMuPDF is AGPL and not measured.
"""

from __future__ import annotations

import time
from pathlib import Path

import common

PDF = common.SCRATCH / "thesis250" / "thesis250.pdf"


def pypdf_text(path: Path) -> int:
    from pypdf import PdfReader

    return sum(len(page.extract_text() or "") for page in PdfReader(str(path)).pages)


def pypdf_layout(path: Path) -> int:
    """The visitor gives runs with their matrix and font size: what a layout needs."""
    from pypdf import PdfReader

    runs = []
    for page in PdfReader(str(path)).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append((text, tm[4], tm[5], size)))
    return len(runs)


def pdfplumber_text(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def pdfplumber_chars(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return sum(len(page.chars) for page in pdf.pages)


def pdfium_text(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    return sum(len(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf)))


def pdfium_reader(path: Path) -> int:
    """This project's reader: characters with position and size, then the whole layout."""
    from thesis_qa.ingest.pdf import read_pdf

    return len(read_pdf(path, path.name).text)


def main() -> None:
    started = time.time()
    info = common.machine()
    print(common.machine_line(info))
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(str(PDF)))
    rows = {}
    for name, measure in [
        ("pypdfium2 text", pdfium_text),
        ("pypdfium2 + layout (this project)", pdfium_reader),
        ("pypdf text", pypdf_text),
        ("pypdf visitor (runs, positions, sizes)", pypdf_layout),
        ("pdfplumber text", pdfplumber_text),
        ("pdfplumber chars", pdfplumber_chars),
    ]:
        try:
            start = time.perf_counter()
            size = measure(PDF)
            seconds = time.perf_counter() - start
        except ImportError as error:
            print(f"{name}: not installed ({error})")
            continue
        rows[name] = {"seconds": round(seconds, 2), "ms_per_page": round(1000 * seconds / pages, 1), "output": size}
        print(f"{name:40} {seconds:7.2f} s  {1000 * seconds / pages:6.1f} ms/page")
    common.write_result("pdf_libraries", {"pdf": PDF.name, "pages": pages, "libraries": rows}, info, started)


if __name__ == "__main__":
    main()
