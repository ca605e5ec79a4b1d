"""The indexing worker: a child process that indexes uploads at the lowest CPU priority.

`python -m thesis_qa.service.worker '<config json>'` lowers its own priority (nice 19), bounds its
address space, loads the passage model once and says `{"ready": true}`. It then takes one task
a line on stdin and answers on stdout with JSON lines: `{"progress": [done, total]}` while it
embeds, then `{"done": {...}}` or `{"error": {"code", "params", "message"}}` (with `"fatal":
true` when it ends after saying so).

Being a process of its own, it cannot slow answering beyond what the kernel grants a nice-19
process, its memory is bounded (a file that inflates past the bound fails alone, the server
keeps serving), and it is stopped at any moment by killing it: the index it was writing never
becomes live (thesis_qa.storage), and the caller deletes the upload.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from thesis_qa.document import Document
from thesis_qa.embedding.embedder import Embedder, load_embedder
from thesis_qa.errors import ThesisQAError
from thesis_qa.ingest import load_document
from thesis_qa.ingest.segmentation import segment
from thesis_qa.service.indexing import add_documents, build_index
from thesis_qa.service.owners import QuotaError
from thesis_qa.storage import open_location

Task = dict[str, Any]
Progress = Callable[[int, int], None]
EXIT_OUT_OF_MEMORY = 3
_PR_SET_PDEATHSIG = 1


def read_upload(path: Path, name: str, max_bytes: int) -> Document:
    """An uploaded file as a document cited by `name`; its temporary path is not kept."""
    return replace(load_document(path, name=name, max_bytes=max_bytes), path="")


def index_upload(task: Task, embedder: Embedder, progress: Progress) -> dict[str, object]:
    """Read the upload, refuse it before embedding if it holds more passages than its owner
    has left, then build its own index."""
    doc = read_upload(Path(task["source"]), task["name"], int(task["max_bytes"]))
    passages = len(segment(doc))
    if passages > int(task["max_passages"]):
        raise QuotaError(
            f"{doc.name}: {passages} passages, {task['max_passages']} left in the quota",
            code="quota_passages",
            name=doc.name,
            passages=passages,
            limit=int(task["quota_passages"]),
        )
    index = build_index(open_location(task["index"]), [doc], embedder, progress)
    return {"passages": len(index.passages)}


def publish_upload(task: Task, embedder: Embedder, progress: Progress) -> dict[str, object]:
    """Add an upload's document to the library under `name` (chosen not to clash)."""
    upload = open_location(task["upload"]).open()
    doc = replace(next(iter(upload.documents.values())), name=task["name"], path="")
    library = open_location(task["library"])
    index = add_documents(library, library.open(), [doc], embedder, progress)
    return {"passages": len(index.passages.document_rows.get(doc.name, range(0))), "name": doc.name}


TASKS: dict[str, Callable[[Task, Embedder, Progress], dict[str, object]]] = {
    "index": index_upload,
    "publish": publish_upload,
}


def main() -> None:
    config = json.loads(sys.argv[1])
    _die_with_parent(int(config["parent"]))
    replies = _protocol_stream()
    os.nice(19)
    limit = int(config["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    embedder = load_embedder(config["model"], Path(config["cache_dir"]), config["query_engine"])
    _send(replies, {"ready": True})
    for line in sys.stdin:
        task = json.loads(line)
        try:
            reply = _answer(task, embedder, lambda done, total: _send(replies, {"progress": [done, total]}))
        except MemoryError:
            # A process that ran out of memory is not trusted further: it says why, then ends.
            fatal = {**_error("upload_memory", {"name": task.get("name", "")}, "over the memory bound"), "fatal": True}
            _send(replies, fatal)
            sys.exit(EXIT_OUT_OF_MEMORY)
        _send(replies, reply)


def _answer(task: Task, embedder: Embedder, progress: Progress) -> dict[str, object]:
    """The reply to one task: its result, or why it failed (in a form the app can explain)."""
    name = task.get("name", "")
    try:
        return {"done": TASKS[task["kind"]](task, embedder, progress)}
    except ThesisQAError as error:
        return _error(error.code, error.params, str(error))
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - one bad file must not end the worker
        return _error("upload_failed", {"name": name}, f"{type(error).__name__}: {error}".splitlines()[0][:300])


def _error(code: str, params: dict[str, object], message: str) -> dict[str, object]:
    return {"error": {"code": code, "params": params, "message": message}}


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the server that started it (Linux: the kernel kills it)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the server was gone before the request above
        sys.exit(1)


def _protocol_stream() -> IO[str]:
    """stdout for the protocol only: whatever a library prints goes to stderr instead."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return replies


def _send(stream: IO[str], message: dict[str, object]) -> None:
    stream.write(json.dumps(message, ensure_ascii=False) + "\n")
    stream.flush()


if __name__ == "__main__":
    main()
