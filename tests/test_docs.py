"""The documentation stays true to the code: generated parts current, links alive, the
README short, nothing pointing outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from thesis_qa.config import settings_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_configuration_page_is_the_table_the_settings_generate():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert settings_table() in page, "docs/configuration.md is stale: run scripts/docs"


def test_the_readme_is_short_and_every_link_it_gives_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / target).exists(), f"README links to {target}, which is not in the repository"


def test_nothing_in_the_repository_points_outside_it():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    outside = re.compile(r"\.\./shared|context\.md")
    offenders = [
        name
        for name in tracked.split()
        if name.endswith((".py", ".md", ".toml", ".txt", ".sh")) and name != "tests/test_docs.py"
        and (ROOT / name).is_file() and outside.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]  # fmt: skip
    assert not offenders, f"these refer to files outside the repository: {offenders}"


def test_every_test_the_docs_cite_exists():
    """A promise in the docs names the test that proves it ("tests/app/test_faults.py::test_…",
    or "test_security.py::test_…" for a file of tests/ or tests/app/): that test must still be
    there under that name."""
    cited = re.compile(r"([\w/]*test_\w+\.py)::(test_\w+)")
    missing = [
        f"{page.relative_to(ROOT)}: {path}::{name}"
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        for path, name in cited.findall(page.read_text(encoding="utf-8"))
        if not any(f"def {name}(" in test.read_text(encoding="utf-8") for test in _test_files(path))
    ]
    assert not missing, f"the docs cite tests that do not exist: {missing}"


def _test_files(path: str) -> list[Path]:
    """The test file a citation names: a path from the root, or a file name in tests/ or tests/app/."""
    if path.startswith("tests/"):
        return [ROOT / path] if (ROOT / path).is_file() else []
    return [f for f in (ROOT / "tests" / path, ROOT / "tests" / "app" / path) if f.is_file()]
