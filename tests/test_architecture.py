"""The house rules, checked: layers import only downward, the public API is what it says,
and the app and the CLI stand on the public API and the service layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import thesis_qa

SRC = Path(__file__).resolve().parents[1] / "src"

# What each part of the library may import of thesis_qa (besides itself). The base modules
# (errors, document, limits) may be imported by every layer; `config`, `cli` and the app sit on top.
BASE = {"errors", "document", "limits", "extras"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "extras": set(),
    "limits": set(),
    "document": set(),
    "text": set(),
    "ingest": {"text"},
    "embedding": set(),
    "index": {"text", "embedding"},
    "storage": {"text", "embedding", "index"},
    "retrieval": {"text", "embedding", "index"},
    "study": {"text"},
    "service": {"text", "ingest", "embedding", "index", "storage", "retrieval", "study", "config"},
    "config": {"embedding"},
}
# The CLI and the app: the public API (`thesis_qa` itself) and these.
FRONTS = {"config", "service", "api"}


def _part(module: str) -> str:
    """The layer a dotted module name belongs to ("thesis_qa.text.keys" -> "text")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "api"


def _imports(path: Path) -> set[str]:
    """The thesis_qa modules a file imports (anywhere in it, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "thesis_qa" else [_from_api(a.name) for a in node.names]
            found.update(n for n in names if n.split(".")[0] == "thesis_qa")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "thesis_qa")
    return found


def _from_api(name: str) -> str:
    """`from thesis_qa import name`: a public name is the API itself; anything else a module."""
    return "thesis_qa" if name in thesis_qa.__all__ else f"thesis_qa.{name}"


def _library_files() -> list[tuple[str, Path]]:
    return [
        (_part(".".join(path.relative_to(SRC).with_suffix("").parts)), path)
        for path in sorted((SRC / "thesis_qa").rglob("*.py"))
        if path.parent != SRC / "thesis_qa" or path.stem not in {"__init__", "cli"}
    ]


@pytest.mark.parametrize(("layer", "path"), _library_files(), ids=lambda v: str(v).split("src/")[-1])
def test_each_module_imports_only_the_layers_below_it(layer: str, path: Path):
    below = ALLOWED[layer] | BASE | {layer}
    upward = sorted(m for m in _imports(path) if _part(m) not in below)
    assert not upward, f"{path.relative_to(SRC)} ({layer}) imports {upward}"


@pytest.mark.parametrize(
    "path", [SRC / "thesis_qa" / "cli.py", *sorted((SRC / "thesis_qa_app").glob("*.py"))], ids=lambda p: p.name
)
def test_the_cli_and_the_app_use_only_the_public_api_and_the_service_layer(path: Path):
    reaching_in = sorted(m for m in _imports(path) if _part(m) not in FRONTS | BASE)
    assert not reaching_in, f"{path.name} reaches past the public API into {reaching_in}"


def test_the_public_api_exports_what_it_lists():
    assert set(thesis_qa.__all__) == set(thesis_qa._EXPORTS) | {"__version__"}
    for name in thesis_qa.__all__:
        assert getattr(thesis_qa, name) is not None
