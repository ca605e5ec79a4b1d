"""Upload jobs: queued per owner, run by worker processes (thesis_qa.service.worker), cancellable.

The rules:
- an owner's jobs run one at a time, in the order submitted; owners take turns (the owner
  whose next job has waited longest goes first), so nobody's pile blocks the others;
- with two or more workers, the last one only takes small files (`SMALL_BYTES`), so a small
  upload never waits behind large ones;
- a job can be cancelled at any moment: queued, it is dropped; running, its worker is killed
  (and started again for the next job);
- a queued job knows its position, a running one its progress, both an estimated time to done;
  a long upload also how far it is searchable already (`reach`: thesis_qa.service.progressive);
- a worker that died on its own (killed by the kernel for memory, or by its own watchdog) fails
  its job with `upload_memory`, and the next job gets a new worker: nothing else is lost.

A task outside the owners' turns (the library's build, for a server that never loads the
passage model itself) runs on a worker process of its own, ended with it (`JobQueue.run_alone`).

Workers start when the first job arrives (all of them, so the small-file one is started when it
is needed; each loads the model at its first task) and stop after `idle_s` without work, giving
their memory back.
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from thesis_qa.errors import ThesisQAError
from thesis_qa.service.progressive import Reach

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
SMALL_BYTES = 256 * 1024
IDLE_S = 600.0
KEEP_FINISHED_S = 3600.0  # finished jobs stay visible to their owner this long
# Indexing speed assumed until jobs have been timed here: bench/indexing.py's 6.2 passages
# (53 texts: passages and their sentences) a second on an idle 2-core CPU, some 7 KB of text.
_PRIOR_BYTES_PER_S = 7000.0
_PRIOR_TEXTS_PER_S = 50.0
_WORKER_START_TIMEOUT_S = 300.0
EXIT_OUT_OF_MEMORY = 3  # a worker's exit status when it ended itself for memory (thesis_qa.service.worker)
# How a worker that was not cancelled ends when memory ran out: the kernel's SIGKILL, or its own.
_OUT_OF_MEMORY = (-signal.SIGKILL, EXIT_OUT_OF_MEMORY)


class WorkerError(ThesisQAError):
    code = "upload_worker"


@dataclass
class Job:
    """One unit of work for a worker. `task` builds the worker's task when the job starts, so
    the checks it carries (quota left, names taken) see the state of that moment."""

    owner: str
    name: str
    size: int
    task: Callable[[], dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: "job-" + secrets.token_hex(8))
    submitted: float = field(default_factory=time.monotonic)
    state: JobState = "queued"
    started: float = 0.0
    finished: float = 0.0
    done: int = 0
    total: int = 0  # texts to embed, known once reading is over
    embedding: float = 0.0  # when embedding began
    reach: Reach | None = None  # how far a long upload is searchable already
    result: dict[str, Any] = field(default_factory=dict)
    error: ThesisQAError | None = None
    cancel_requested: bool = False
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the job is finished and its owner's files settled; False on timeout."""
        return self.ended.wait(timeout_s)


@dataclass(frozen=True)
class JobStatus:
    """A job as its owner sees it: `position` 1 is next (0 once running or finished);
    `eta_s`, seconds until it is done (None when finished)."""

    job: Job
    position: int
    eta_s: float | None

    @property
    def progress(self) -> float:
        return self.job.done / self.job.total if self.job.total else 0.0


class _Worker:
    """One worker process and its JSON-lines protocol."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.process: subprocess.Popen[str] | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.alive:
            return
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + _WORKER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            message = self._read()
            if message is None:
                raise WorkerError("the indexing worker could not start", code="upload_worker")
            if message.get("ready"):
                return
        self.kill()
        raise WorkerError("the indexing worker did not start in time", code="upload_worker")

    def run(
        self,
        task: dict[str, Any],
        progress: Callable[[int, int], None],
        reached: Callable[[Reach], None],
        name: str = "",
    ) -> dict[str, Any] | None:
        """The task's result; raises its `ThesisQAError`; None when the process died (killed).
        `name`: the document, for the message when the worker says what cannot be read."""
        assert self.process and self.process.stdin
        try:
            self.process.stdin.write(json.dumps(task, ensure_ascii=False) + "\n")
            self.process.stdin.flush()
        except OSError:
            return None
        while (message := self._read()) is not None:
            try:
                if "done" in message:
                    return dict(message["done"])
                self._follow(message, progress, reached)
            except (TypeError, KeyError, ValueError) as exc:
                # A message of another shape (a worker started from a newer install while this
                # server runs): this task fails and the next one gets a new worker; the slot
                # goes on, where an exception would have ended its thread and stalled its jobs.
                self.kill()
                raise WorkerError(f"the indexing worker said what this server cannot read ({exc!r})",
                                  code="upload_crashed", name=name) from exc  # fmt: skip
        return None

    def _follow(
        self, message: dict[str, Any], progress: Callable[[int, int], None], reached: Callable[[Reach], None]
    ) -> None:
        """Pass on a message about the task under way; raise the error it reports."""
        assert self.process
        if "progress" in message:
            done, total = message["progress"]
            progress(int(done), int(total))
        elif "indexed" in message:
            reached(Reach(**message["indexed"]))
        elif "error" in message:
            if message.get("fatal"):
                self.process.wait()  # it ends: the next task needs a new one
            error = message["error"]
            raise ThesisQAError(str(error["message"]), code=str(error["code"]), **error.get("params", {}))

    def died_of_memory(self) -> bool:
        """Whether the process ended the way running out of memory ends it."""
        return self.process is not None and self.process.wait() in _OUT_OF_MEMORY

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def _read(self) -> dict[str, Any] | None:
        assert self.process and self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            return None
        try:
            return json.loads(line)
        except ValueError:
            return {}


class JobQueue:
    """Jobs of many owners over `workers` worker processes started with `command`.

    `on_finish(job)` is called (outside the queue's lock) once a job is done, failed or
    cancelled, whatever happened."""

    def __init__(
        self,
        command: Sequence[str],
        workers: int = 2,
        on_finish: Callable[[Job], None] = lambda job: None,
        idle_s: float = IDLE_S,
    ) -> None:
        self.command = list(command)
        self.on_finish = on_finish
        self.idle_s = idle_s
        self._jobs: dict[str, Job] = {}
        self._turn: dict[str, float] = {}  # when each owner's next job became next
        self._cond = threading.Condition()
        self._closed = False
        self._bytes_per_s = _PRIOR_BYTES_PER_S
        self._texts_per_s = _PRIOR_TEXTS_PER_S
        count = max(1, workers)
        self._slots = [_Slot(self, _Worker(command), large_ok=i < count - 1 or count == 1) for i in range(count)]
        for slot in self._slots:
            slot.thread.start()

    def submit(self, job: Job) -> Job:
        with self._cond:
            self._forget_old()
            self._jobs[job.id] = job
            self._turn.setdefault(job.owner, job.submitted)
            self._cond.notify_all()
        return job

    def cancel(self, job_id: str, owner: str) -> bool:
        """Cancel one of `owner`'s jobs (ids come from the browser: anyone else's is refused)."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.owner != owner or not job.active:
                return False
            return self._cancel(job)

    def cancel_owner(self, owner: str, keep: Callable[[Job], bool] = lambda job: False) -> int:
        """Cancel the owner's active jobs but those to `keep`."""
        with self._cond:
            mine = [job for job in self._jobs.values() if job.owner == owner and job.active and not keep(job)]
            return sum(self._cancel(job) for job in mine)

    def statuses(self, owner: str) -> list[JobStatus]:
        """The owner's active and recently finished jobs, in submission order."""
        with self._cond:
            self._forget_old()
            estimates = self._estimates()
            return [
                JobStatus(job, *estimates.get(job.id, (0, None))) for job in self._jobs.values() if job.owner == owner
            ]

    def active(self) -> list[Job]:
        with self._cond:
            return [job for job in self._jobs.values() if job.active]

    def run_alone(self, task: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
        """Run one task on a worker process of its own, ended with the task: work outside the
        owners' turns (the library's build, `Workspace.builder`). Raises the task's
        `ThesisQAError`, or a `WorkerError` when the process died."""
        worker = _Worker(self.command)
        try:
            worker.start()
            result = worker.run(task, progress, lambda reach: None)
            if result is None:
                code = "upload_memory" if worker.died_of_memory() else "upload_crashed"
                raise WorkerError(f"the worker stopped during the task '{task['kind']}' ({code})", code=code)
            return result
        finally:
            worker.kill()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for slot in self._slots:
            slot.worker.kill()

    # -- scheduling (the lock is held) --

    def _cancel(self, job: Job) -> bool:
        job.cancel_requested = True
        if job.state == "queued":
            self._finish(job, "cancelled")
            threading.Thread(target=self._settle, args=(job,), daemon=True).start()
        else:
            slot = next(s for s in self._slots if s.job is job)
            slot.worker.kill()
        return True

    def _order(self) -> list[Job]:
        """Queued jobs in the order they would start: owners take turns, each owner's jobs in
        submission order."""
        queued = [job for job in self._jobs.values() if job.state == "queued"]
        rank: dict[str, int] = {}
        keyed = []
        for job in sorted(queued, key=lambda j: j.submitted):
            rank[job.owner] = rank.get(job.owner, -1) + 1
            keyed.append(((rank[job.owner], self._turn.get(job.owner, job.submitted), job.submitted), job))
        return [job for _, job in sorted(keyed, key=lambda pair: pair[0])]

    def _next(self, large_ok: bool) -> Job | None:
        running = {job.owner for job in self._jobs.values() if job.state == "running"}
        for job in self._order():
            if job.owner not in running and (large_ok or job.size <= SMALL_BYTES):
                return job
        return None

    def _start(self, job: Job) -> None:
        job.state, job.started = "running", time.monotonic()

    def _finish(self, job: Job, state: JobState) -> None:
        job.state, job.finished = state, time.monotonic()
        if state == "done" and job.size > SMALL_BYTES and job.embedding and job.finished > job.embedding:
            self._bytes_per_s = 0.5 * self._bytes_per_s + 0.5 * job.size / (job.finished - job.started)
            self._texts_per_s = 0.5 * self._texts_per_s + 0.5 * job.total / (job.finished - job.embedding)
        following = [j for j in self._jobs.values() if j.owner == job.owner and j.state == "queued"]
        if following:
            self._turn[job.owner] = time.monotonic()
        else:
            self._turn.pop(job.owner, None)
        self._cond.notify_all()

    def _remaining_s(self, job: Job) -> float:
        """Seconds a job still needs: from its own pace once it has embedded some texts; from
        the number of texts to embed once it is known; else from its size (both at the speed
        of the jobs timed so far)."""
        if job.state == "running" and job.done and job.total:
            return (time.monotonic() - job.embedding) * (job.total - job.done) / job.done
        if job.state == "running" and job.total:
            return max(1.0, job.total / self._texts_per_s - (time.monotonic() - job.embedding))
        estimate = job.size / self._bytes_per_s + 5.0
        if job.state == "running":
            return max(1.0, estimate - (time.monotonic() - job.started))
        return estimate

    def _estimates(self) -> dict[str, tuple[int, float | None]]:
        """Position and seconds to done of every active job, by playing the schedule forward."""
        out: dict[str, tuple[int, float | None]] = {}
        free = []
        for slot in self._slots:
            remaining = self._remaining_s(slot.job) if slot.job else 0.0
            free.append(remaining)
            if slot.job:
                out[slot.job.id] = (0, remaining)
        for position, job in enumerate(self._order(), start=1):
            eligible = [i for i, s in enumerate(self._slots) if s.large_ok or job.size <= SMALL_BYTES]
            chosen = min(eligible, key=free.__getitem__)
            free[chosen] += self._remaining_s(job)
            out[job.id] = (position, free[chosen])
        return out

    def _settle(self, job: Job) -> None:
        """Let the owner of the queue tidy up after `job`, then wake whoever waits for it. A
        store that cannot be reached just then (a database restarting) leaves the tidying to
        the next start (`Uploads.discard_unfinished`), and the slot goes on to the next job."""
        try:
            self.on_finish(job)
        except ThesisQAError as error:
            logging.getLogger(__name__).warning("after %s: %s", job.name, error)
        finally:
            job.ended.set()

    def _forget_old(self) -> None:
        horizon = time.monotonic() - KEEP_FINISHED_S
        for job_id in [j.id for j in self._jobs.values() if not j.active and j.finished < horizon]:
            del self._jobs[job_id]


class _Slot:
    """A thread that runs jobs, one at a time, on its own worker process."""

    def __init__(self, queue: JobQueue, worker: _Worker, large_ok: bool) -> None:
        self.queue = queue
        self.worker = worker
        self.large_ok = large_ok
        self.job: Job | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True, name="upload-worker")

    def _loop(self) -> None:
        queue = self.queue
        while True:
            with queue._cond:
                if not queue._cond.wait_for(lambda: queue._closed or queue._order(), timeout=queue.idle_s):
                    self.worker.kill()  # idle: give the memory back
                    continue
                if queue._closed:
                    return
            self._warm()
            with queue._cond:
                queue._cond.wait_for(lambda: queue._closed or queue._next(self.large_ok), timeout=queue.idle_s)
                if queue._closed:
                    return
                job = queue._next(self.large_ok)
                if job is None:
                    continue
                queue._start(job)
                self.job = job
            state = self._run(job)
            with queue._cond:
                self.job = None
                queue._finish(job, state)
            queue._settle(job)

    def _warm(self) -> None:
        try:
            self.worker.start()
        except WorkerError:
            return  # reported to the job that needs this worker (`_run`)

    def _run(self, job: Job) -> JobState:
        def progress(done: int, total: int) -> None:
            job.embedding = job.embedding or time.monotonic()
            job.done, job.total = done, total

        def reached(reach: Reach) -> None:
            job.reach = reach

        try:
            task = job.task()
            self.worker.start()
            result = self.worker.run(task, progress, reached, job.name)
        except ThesisQAError as error:
            job.error = error
            return "cancelled" if job.cancel_requested else "failed"
        except Exception as exc:  # a bug: this job fails, the slot's thread (and its queue) goes on
            logging.getLogger(__name__).exception("%s failed unexpectedly", job.name)
            self.worker.kill()
            job.error = WorkerError(f"{job.name}: {exc!r}", code="upload_crashed", name=job.name)
            return "failed"
        if result is None:
            if job.cancel_requested:
                return "cancelled"
            code = "upload_memory" if self.worker.died_of_memory() else "upload_crashed"
            job.error = WorkerError(f"{job.name}: the indexing worker stopped ({code})", code=code, name=job.name)
            return "failed"
        job.result = result
        return "done"
