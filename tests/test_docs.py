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
