"""An index as a server finds it after its model changed: made with another model."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

ANOTHER_MODEL = "another-model:0123456789abcdef"


def made_with_another_model(folder: Path) -> None:
    """Make the live version of the index at `folder` (the files store's layout) one whose
    manifest names another model's fingerprint: a new version, a copy of the live one, so a
    server that has the index open sees a new version, as it would after a rebuild elsewhere."""
    name, _, _ = (folder / "CURRENT").read_text(encoding="utf-8").strip().partition(" ")
    copy = folder / f"{name}-another-model"
    shutil.copytree(folder / name, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["model_fingerprint"] = ANOTHER_MODEL
    raw = json.dumps(manifest).encode("utf-8")
    (copy / "manifest.json").write_bytes(raw)
    (folder / "CURRENT").write_text(f"{copy.name} {hashlib.sha256(raw).hexdigest()}\n", encoding="utf-8")
