"""The indexing worker: a child process that indexes uploads (and, for the server, builds the
library: `build_library`) at the lowest CPU priority.

`python -m thesis_qa.service.worker '<config json>'` (`jobs.worker_command`) lowers its own
priority (nice 19), bounds its memory and says `{"ready": true, "rss_mb": …}`; it loads the
passage model at its first task (an idle worker, like the one kept for small files, stays at
~60 MB instead of ~0.3 GB). It
then takes one task a line on stdin and answers on stdout with JSON lines: `{"progress":
[done, total]}` while it embeds, `{"indexed": {"pages", "of", "share", "estimated"}}` each time a longer
part of a long upload has become searchable (thesis_qa.service.progressive), then `{"done":
{..., "rss_mb", "peak_rss_mb"}}` or `{"error": {"code", "params", "message"}}` (with `"fatal": true`
when it ends after saying so).

Memory: `memory_mb` bounds the resident memory. A document whose estimated need (its texts to
embed, from its size once read, before any is embedded) would pass it is refused
(`upload_too_large`); a watchdog thread ends the process with `EXIT_OUT_OF_MEMORY` the moment
its resident memory passes the bound anyway, and the address space is capped so that an
allocation far past it fails at once (`MemoryError`). The caller tells the owner the document
was too large for the server's memory, also when the kernel killed the worker, and starts a
new one.

Being a process of its own, it cannot slow answering beyond what the kernel grants a nice-19
process, a file that inflates past the bound fails alone (the server keeps serving), and it is
stopped at any moment by killing it: the caller deletes the upload and its index.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import IO, Any

from thesis_qa.document import Document
from thesis_qa.embedding.embedder import Embedder, load_embedder
from thesis_qa.errors import ThesisQAError
from thesis_qa.index.layout import Index
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment
from thesis_qa.service.indexing import add_documents, build_index, ensure_index
from thesis_qa.service.jobs import EXIT_OUT_OF_MEMORY
from thesis_qa.service.owners import QuotaError
from thesis_qa.service.progressive import index_progressively
from thesis_qa.storage import open_location

Task = dict[str, Any]
Say = Callable[[dict[str, object]], None]
# Over the loaded passage model (~0.3 GB for the bundled one): the forward passes' working
# memory and what indexing holds per text to embed (its vector, its passage's columns and
# keys). Measured when the loaded model took ~0.8 GB (bench/indexing_thesis.py thesis): peaks
# of +351 MB at 15 pages (509 texts) and +567-607 MB at 60 pages (1,914 texts); kept as a
# margin since: a 250-page thesis (6,657 texts) now peaks at 694 MB (bench/indexing_worker.py).
WORKING_MB = 600
BYTES_PER_TEXT = 24 * 1024
# Address space torch reserves without touching (libraries, thread arenas): ~1.9 GB at 0.8 GB resident.
_ADDRESS_SLACK_MB = 2048
_WATCH_S = 0.05
_PR_SET_PDEATHSIG = 1
_M_ARENA_MAX = -8


class TooLarge(ThesisQAError):
    """A document whose indexing would need more memory than a worker may use."""

    code = "upload_too_large"


def read_upload(path: Path, name: str, max_bytes: int) -> Document:
    """An uploaded file as a document cited by `name`; its temporary path is not kept."""
    return replace(load_document(path, name=name, max_bytes=max_bytes), path="")


def index_upload(task: Task, embedder: Embedder, say: Say) -> dict[str, object]:
    """Read the upload, refuse it before embedding if it holds more passages than its owner
    has left or needs more memory than the worker may use (`admit`), then build its own index:
    in growing parts that answer as they are written (`progressive`), or in one go."""
    doc = read_upload(Path(task["source"]), task["name"], int(task["max_bytes"]))
    texts = admit(doc, task, embedder)
    location = open_location(task["index"])
    progress = _progress(say)
    if task.get("progressive"):
        published = lambda reach: say({"indexed": asdict(reach)})  # noqa: E731
        index = index_progressively(location, doc, embedder, progress=progress, published=published, total_texts=texts)
    else:
        index = build_index(location, [doc], embedder, progress)
    return _indexed(index)


def reindex_upload(task: Task, embedder: Embedder, say: Say) -> dict[str, object]:
    """Index an upload made with another model afresh from the text its index keeps (its file
    was deleted once indexed), under an upload's checks (`admit`), as a new version written in
    one go: until it is whole, and when this fails, the version of the other model stays live.
    Nothing is done to one made with this model already (re-indexed by another replica)."""
    location = open_location(task["index"])
    old = location.open()
    if old.manifest.model_fingerprint == embedder.fingerprint:
        return _indexed(old)
    if len(old.documents) != 1:
        raise ThesisQAError(f"{task['name']}: its index keeps no document", code="upload_text_lost", name=task["name"])
    [doc] = old.documents.values()
    admit(doc, task, embedder)
    index = build_index(location, [doc], embedder, _progress(say), previous=old)
    return _indexed(index)


def _indexed(index: Index) -> dict[str, object]:
    """An upload's outcome: its passages, and its pages that hold only an image (a scan's),
    which the student is told are not searchable."""
    image_pages = sorted({page for doc in index.documents.values() for page in doc.image_pages})
    return {"passages": len(index.passages), "image_pages": image_pages}


def admit(doc: Document, task: Task, embedder: Embedder) -> int:
    """The number of texts `doc` has to embed; refuses it before any is embedded if it holds
    more passages than its owner has left (`max_passages`) or would need more memory than the
    worker may use (`check_memory`)."""
    passages = segment(doc)
    if len(passages) > int(task["max_passages"]):
        raise QuotaError(
            f"{doc.name}: {len(passages)} passages, {task['max_passages']} left in the quota",
            code="quota_passages",
            name=doc.name,
            passages=len(passages),
            limit=int(task["quota_passages"]),
        )
    texts = len({p.text for p in passages} | {s for p in passages for s in p.sentence_texts()})
    del passages
    embedder.passage_encoder  # noqa: B018 - loaded at the first task (an idle worker stays small), before estimating
    check_memory(doc.name, texts, int(task.get("memory_mb", 0)))
    return texts


def _progress(say: Say) -> Callable[[int, int], None]:
    """Texts embedded so far, said to the caller."""
    return lambda done, total: say({"progress": [done, total]})


def check_memory(name: str, texts: int, memory_mb: int) -> None:
    """Refuse a document whose `texts` to embed would take this process past `memory_mb` of
    resident memory (0: no bound)."""
    needed_mb = resident_mb() + WORKING_MB + texts * BYTES_PER_TEXT / 2**20
    if memory_mb and needed_mb > memory_mb:
        raise TooLarge(
            f"{name}: indexing needs about {needed_mb:.0f} MB, over the worker's {memory_mb} MB",
            code="upload_too_large",
            name=name,
            needed_mb=round(needed_mb),
            limit_mb=memory_mb,
        )


def publish_upload(task: Task, embedder: Embedder, say: Say) -> dict[str, object]:
    """Add an upload's document to the library under `name` (chosen not to clash)."""
    upload = open_location(task["upload"]).open()
    doc = replace(next(iter(upload.documents.values())), name=task["name"], path="")
    library = open_location(task["library"])
    index = add_documents(library, library.open(), [doc], embedder, _progress(say))
    return {"passages": len(index.passages.document_rows.get(doc.name, range(0))), "name": doc.name}


def build_library(task: Task, embedder: Embedder, say: Say) -> dict[str, object]:
    """Build, rebuild or repair the library index as `ensure_index` would (`sources` for one
    that is missing or damaged): the server opens it once done, never loading the passage
    model (and torch) itself (`Workspace.builder`)."""
    location = open_location(task["library"])
    sources = [Path(source) for source in task["sources"]]
    index = ensure_index(location, embedder, sources, progress=_progress(say), verify=bool(task["verify"]))
    return {"passages": len(index.passages)}


TASKS: dict[str, Callable[[Task, Embedder, Say], dict[str, object]]] = {
    "index": index_upload,
    "reindex": reindex_upload,
    "publish": publish_upload,
    "library": build_library,
}


def main() -> None:
    config = json.loads(sys.argv[1])
    _die_with_parent(int(config["parent"]))
    replies = _protocol_stream()
    os.nice(19)
    _few_arenas()
    memory_mb = int(config["memory_mb"])
    embedder = load_embedder(config["model"], Path(config["cache_dir"]), config["query_engine"])
    _bound_memory(memory_mb)
    _send(replies, {"ready": True, "rss_mb": round(resident_mb())})
    for line in sys.stdin:
        task = {**json.loads(line), "memory_mb": memory_mb}
        try:
            reply = _answer(task, embedder, lambda message: _send(replies, message))
        except MemoryError:
            # A process that ran out of memory is not trusted further: it says why, then ends.
            fatal = {**_error("upload_memory", {"name": task.get("name", "")}, "over the memory bound"), "fatal": True}
            _send(replies, fatal)
            sys.exit(EXIT_OUT_OF_MEMORY)
        _send(replies, reply)


def _answer(task: Task, embedder: Embedder, say: Say) -> dict[str, object]:
    """The reply to one task: its result, or why it failed (in a form the app can explain)."""
    name = task.get("name", "")
    try:
        result = TASKS[task["kind"]](task, embedder, say)
        _give_back()
        return {"done": {**result, "rss_mb": round(resident_mb()), "peak_rss_mb": round(_peak_mb())}}
    except ThesisQAError as error:
        return _error(error.code, error.params, str(error))
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - one bad file must not end the worker
        return _error("upload_failed", {"name": name}, f"{type(error).__name__}: {error}".splitlines()[0][:300])


def _error(code: str, params: dict[str, object], message: str) -> dict[str, object]:
    return {"error": {"code": code, "params": params, "message": message}}


def resident_mb() -> float:
    """This process's resident memory."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bound_memory(memory_mb: int) -> None:
    """Watch the resident memory against `memory_mb` (0: unbounded), and cap the address
    space at it plus what torch reserves untouched, so that a runaway allocation fails at
    once instead of the kernel killing something."""
    if not memory_mb:
        return
    cap = (memory_mb + _ADDRESS_SLACK_MB) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    threading.Thread(target=_watch, args=(memory_mb,), daemon=True, name="memory-watchdog").start()


def _watch(memory_mb: int) -> None:
    while resident_mb() <= memory_mb:
        time.sleep(_WATCH_S)
    os._exit(EXIT_OUT_OF_MEMORY)  # the caller tells the owner; a process past its bound is not trusted


def _few_arenas() -> None:
    """Two malloc arenas, not eight per core: the model's threads would keep freed memory each."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 2)


def _give_back() -> None:
    """Return the heap's free pages to the system: what a task freed would otherwise stay
    resident, counted against the bound, until the next task reuses it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
