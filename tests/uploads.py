"""Uploads as the intake and the worker make them, and as a server finds them after its model
changed: indexed with another model."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from thesis_qa.config import Settings
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.service.owners import INCOMING, Owner, Upload, safe_name
from thesis_qa.service.worker import index_upload
from thesis_qa.service.workspace import Workspace

ANOTHER_MODEL = "another-model:0123456789abcdef"


def library_workspace(tmp_path: Path, thesis_index_folder: Path, embedder: Embedder, cache_dir: Path) -> Workspace:
    """A workspace whose library holds the bundled thesis (a copy of `thesis_index_folder`),
    and nobody's uploads yet."""
    shutil.copytree(thesis_index_folder, tmp_path / "index" / "thesis")
    return Workspace(Settings(index_dir=tmp_path / "index", cache_dir=cache_dir), embedder=embedder)


def upload(
    workspace: Workspace, owner: Owner, name: str, text: str, tmp_path: Path, *, quota_passages: int = 10_000
) -> Upload:
    """Upload `text` as the file `name` for `owner`, as the intake and the worker do it."""
    path = tmp_path / safe_name(name)
    path.write_text(text, encoding="utf-8")
    reserved = workspace.uploads.reserve(owner, safe_name(name), path.stat().st_size, workspace.documents())
    source = reserved.folder / INCOMING / reserved.name
    shutil.move(path, source)
    task = {"source": str(source), "name": reserved.name, "index": reserved.location.spec, "max_bytes": 10**7,
            "max_passages": quota_passages, "quota_passages": quota_passages}  # fmt: skip
    index_upload(task, workspace.embedder, lambda message: None)
    workspace.uploads.settle(owner, reserved)
    return reserved


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
