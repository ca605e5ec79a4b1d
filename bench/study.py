"""What the index of names and the glossary (thesis_qa.study) add to indexing: each document
indexed as `thesis-qa index` does (segmented, embedded, written), then its names and glossary
built from the index's passages as the Workspace does on first use (once per index version).
Target (issue 28): building them adds at most 5 % to indexing time.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/study.py   # ~3 minutes on 2 cores

Documents: the bundled thesis and, when eval/realdev/docs (THESIS_QA_REALDEV_DOCS) is there, two real dev documents
(not openly licensed: read in place, never copied).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import common

from thesis_qa import Settings, load_document
from thesis_qa.config import bundled_thesis
from thesis_qa.embedding.embedder import load_embedder
from thesis_qa.service.indexing import build_index
from thesis_qa.study.glossary import glossary
from thesis_qa.study.names import names

REAL = Path(os.environ.get("THESIS_QA_REALDEV_DOCS", Path(__file__).parents[1] / "eval" / "realdev" / "docs"))
DOCUMENTS = [bundled_thesis(), REAL / "ru-mobile__Диплом.pdf", REAL / "kk-vis__дипломдық жұмыс.docx"]
REPEATS = 5  # the study aids are built this many times, the median kept


def main() -> None:
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, settings.cache_dir, settings.query_engine)
    print(common.machine())
    for path in DOCUMENTS:
        if not path.exists():
            print(f"{path.name}: skipped ({path.parent} absent)")
            continue
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            index = build_index(Path(folder) / "bench", [load_document(path)], embedder)
            indexing = time.perf_counter() - started
            passages = list(index.passages)
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                names(passages)
                glossary(passages)
                times.append(time.perf_counter() - started)
            study = sorted(times)[REPEATS // 2]
        print(
            f"{path.name}: {len(passages)} passages, indexing {indexing:.1f} s, names + glossary "
            f"{study * 1000:.0f} ms = {100 * study / indexing:.1f} % of indexing"
        )


if __name__ == "__main__":
    main()
