"""Did a reader or segmenter change move any passage of the real theses? A regression check
for rules written from one file's shape: every file's passages (kind, section, page, text) as
short digests, compared with the committed ones.

    .venv/bin/python eval/segments.py eval/realdev/docs            # compare with eval/results/segments.json
    .venv/bin/python eval/segments.py eval/realdev/docs --write    # record the current reading

For each file it prints whether its passages are the same, and if not how many were added and
dropped and how the count of each kind moved, so a change meant for one file shows what else it
touched. Only digests are stored: the documents are not openly licensed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from thesis_qa import load_document
from thesis_qa.ingest.structure import segment

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "segments.json"


def reading(path: Path) -> dict[str, object]:
    """The file's passages as digests (in order) and the count of each kind."""
    passages = segment(load_document(path))
    digests = [
        hashlib.sha256("\x1f".join([p.kind, p.section, p.page or "", p.text]).encode()).hexdigest()[:12]
        for p in passages
    ]
    return {"passages": digests, "kinds": dict(sorted(Counter(p.kind for p in passages).items()))}


def compare(name: str, before: dict | None, now: dict) -> str:
    if before is None:
        return f"{name}: new, {len(now['passages'])} passages"
    if before["passages"] == now["passages"]:
        return f"{name}: same ({len(now['passages'])} passages)"
    old, new = Counter(before["passages"]), Counter(now["passages"])
    kinds = {k: (before["kinds"].get(k, 0), now["kinds"].get(k, 0)) for k in {*before["kinds"], *now["kinds"]}}
    moved = ", ".join(f"{k} {a} → {b}" for k, (a, b) in sorted(kinds.items()) if a != b)
    return f"{name}: CHANGED, {sum((new - old).values())} passages added, {sum((old - new).values())} dropped" + (
        f" ({moved})" if moved else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--write", action="store_true", help=f"record the current reading in {RESULTS}")
    args = parser.parse_args()
    recorded = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".pdf", ".docx"))
    now = {path.name: reading(path) for path in files}
    lines = [compare(name, recorded.get(name), result) for name, result in now.items()]
    print("\n".join(lines))
    if args.write:
        RESULTS.write_text(json.dumps(now, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")
    elif any("CHANGED" in line for line in lines):
        sys.exit(1)


if __name__ == "__main__":
    main()
