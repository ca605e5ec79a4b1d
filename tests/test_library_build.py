"""The library built for a server by a worker process (issue 26): the serving process opens
what is current, hands a build to a worker process of its own, answers `store_building`
meanwhile, and never embeds a passage itself (so never loads torch). Real worker processes,
the real bundled model, real FAISS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from thesis_qa.config import Settings, bundled_thesis
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.errors import StoreError
from thesis_qa.service.intake import Intake
from thesis_qa.service.jobs import WorkerError
from thesis_qa.service.workspace import Workspace

BUILT_WITHIN_S = 300


@pytest.fixture
def server_workspace(
    settings: Settings, app_embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Workspace, Intake, list[str]]]:
    """A workspace wired as `thesis-qa serve` wires it (its library built by the intake's
    worker processes), over an empty index folder, whose own process may embed no passage;
    and what it said in the log."""

    def no_passages(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the serving process embedded passages")

    monkeypatch.setattr(app_embedder, "embed_passages", no_passages)
    said: list[str] = []
    workspace = Workspace(settings, notify=said.append, embedder=app_embedder)
    intake = Intake(workspace)
    workspace.builder = intake.queue.run_alone
    try:
        yield workspace, intake, said
    finally:
        intake.close()


def built(workspace: Workspace) -> list[str]:
    """Ask until the library answers; the codes of the answers before."""
    codes = []
    deadline = time.monotonic() + BUILT_WITHIN_S
    while time.monotonic() < deadline:
        try:
            workspace.searcher  # noqa: B018
            return codes
        except StoreError as error:
            codes.append(error.code)
        time.sleep(0.5)
    raise AssertionError(f"the library was not built within {BUILT_WITHIN_S} s")


def test_a_server_on_an_empty_folder_builds_the_library_in_a_worker_and_says_so_meanwhile(server_workspace):
    workspace, _, said = server_workspace

    with pytest.raises(StoreError) as first:
        workspace.ask("Кулик кім?")
    meanwhile = workspace.documents(), workspace.definitions("Кулик дегеніміз не?"), workspace.passages(["p1"])
    codes = built(workspace)
    answer = workspace.ask("Кулик кім?")

    assert first.value.code == "store_building"
    assert meanwhile == ([], [], [])  # the page opens, and its chat answers, while the library is built
    assert set(codes) <= {"store_building"}
    assert answer.hits and {hit.passage.doc for hit in answer.hits} == {"thesis_kk.txt"}
    assert workspace.documents() == ["thesis_kk.txt"]
    assert said[-1] == "index 'thesis' ready"


def test_a_failed_build_is_logged_and_tried_again_at_the_next_question(server_workspace):
    workspace, intake, said = server_workspace
    tries: list[dict[str, Any]] = []

    def fails_once(task: dict[str, Any], progress: Any) -> object:
        tries.append(task)
        if len(tries) == 1:
            raise WorkerError("the worker stopped (upload_crashed)", code="upload_crashed")
        return intake.queue.run_alone(task, progress)

    workspace.builder = fails_once
    with pytest.raises(StoreError):
        workspace.searcher  # noqa: B018
    deadline = time.monotonic() + BUILT_WITHIN_S
    while not any("could not be built" in line for line in said) and time.monotonic() < deadline:
        time.sleep(0.1)
    codes = built(workspace)

    assert any("could not be built: the worker stopped (upload_crashed)" in line for line in said)
    assert len(tries) == 2 and codes[0] == "store_building"  # the next question built it again
    assert tries[0] == {"kind": "library", "library": workspace.library.spec, "sources": [str(bundled_thesis())],
                        "verify": False}  # fmt: skip
    assert workspace.ask("Кулик кім?").hits
