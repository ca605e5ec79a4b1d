"""A wheel built from a clean checkout holds every package, installs in a fresh virtual
environment without `-e`, and answers a question there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return list(filter(None, listed.decode().split("\0")))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the tracked files (a clean checkout's), built without network."""
    checkout = tmp_path_factory.mktemp("checkout")
    for name in _tracked():
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), "."]
    subprocess.run(build, cwd=checkout, check=True, timeout=300)
    return next(out.glob("thesis_qa-*.whl"))


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A new venv with the wheel installed (not editable). Its dependencies are the test
    environment's, reached through a plain path entry, so none of that environment's `.pth`
    files (the editable install's finder among them) run there."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)]
    subprocess.run(install, check=True, timeout=300)
    return venv


def test_the_wheel_holds_every_package_of_the_source_tree(wheel: Path):
    packages = {str(Path(name).parent.relative_to("src")) for name in _tracked() if name.endswith("/__init__.py")}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = {str(Path(name).parent) for name in archive.namelist() if name.endswith("/__init__.py")}
        assert "thesis_qa/data/thesis_kk.txt" in archive.namelist()
    assert packages <= in_wheel, f"missing from the wheel: {sorted(packages - in_wheel)}"


@pytest.mark.model
def test_the_installed_wheel_answers_a_question(fresh_venv: Path, cache_dir: Path, tmp_path: Path):
    command = fresh_venv / "bin" / "thesis-qa"
    env = {
        **os.environ,
        "THESIS_QA_INDEX_DIR": str(tmp_path / "index"),
        "THESIS_QA_CACHE_DIR": str(cache_dir),
        "HF_HUB_OFFLINE": "1",
    }
    where = subprocess.run(
        [fresh_venv / "bin" / "python", "-c", "import thesis_qa.storage, thesis_qa_app; print(thesis_qa.__file__)"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert str(fresh_venv) in where, f"imported from {where}, not from the wheel"
    version = subprocess.run([command, "--version"], capture_output=True, text=True, env=env, check=True)
    assert "0.1.0" in version.stdout
    asked = subprocess.run(
        [command, "ask", "Хантингтон", "--json", "-k", "3"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr[-2000:]
    hits = json.loads(asked.stdout)["results"]
    assert any("Хантингтон" in hit["text"] for hit in hits)
