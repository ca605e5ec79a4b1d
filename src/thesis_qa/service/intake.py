"""Uploads from owners: checked, queued, indexed by a worker process, then live or undone.

`Intake` is what the app calls when someone uploads, cancels, removes or publishes a file,
opens the page or leaves it. What it decides:

- before anything is copied or queued: the file type, the size limit, the owner's quotas
  (files, megabytes); when the job starts, in the worker, before embedding: the passages
  quota and the worker's memory bound. Each refusal is a `ThesisQAError` whose code the app
  explains in the user's language;
- a long upload is searched by its owner while it is indexed (the pages indexed so far); it
  is live (listed, publishable, counted) once whole;
- the file is moved out of the web server's reach into the upload's private folder, and
  deleted once indexed, failed or cancelled; a failed or cancelled upload leaves no folder;
- an anonymous owner's jobs stop when their last page has been closed for `leave_grace_s`
  (a reload is not leaving); an account's jobs go on;
- a lecturer or an admin may publish one of their uploads into the library;
- an upload indexed with another model than the server's (after the model changed) is
  re-indexed from the text its index keeps, as a job of its owner's, once a run of the server:
  found at the start or when questions first meet it (`Workspace.reindex`). One that fails
  stays as it was, its owner asked to upload it again; leaving the page does not stop it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from pathlib import Path

from thesis_qa.errors import LoadError, StoreError, ThesisQAError
from thesis_qa.ingest import SUPPORTED_SUFFIXES
from thesis_qa.service.accounts import may_publish
from thesis_qa.service.jobs import Job, JobQueue, JobStatus
from thesis_qa.service.owners import INCOMING, Owner, Upload, safe_name, unique_name
from thesis_qa.service.workspace import Workspace

LEAVE_GRACE_S = 20.0
# Replicas sharing a store: an upload unfinished for this long lost its indexer (a 250-page
# thesis indexes in minutes; a queue holds at most a few).
UNFINISHED_SHARED_S = 3600.0


class PermissionDenied(ThesisQAError):
    code = "not_allowed"


class Intake:
    def __init__(self, workspace: Workspace, leave_grace_s: float = LEAVE_GRACE_S) -> None:
        self.workspace = workspace
        self.uploads = workspace.uploads
        self.leave_grace_s = leave_grace_s
        settings = workspace.settings
        config = {
            "model": settings.model,
            "query_engine": settings.query_engine,  # embeds the upload's vocabulary as questions will be
            "cache_dir": str(settings.cache_dir),
            "memory_mb": settings.worker_memory_mb,
            "parent": os.getpid(),
        }
        command = [sys.executable, "-m", "thesis_qa.service.worker", json.dumps(config)]
        self.queue = JobQueue(command, settings.index_workers, on_finish=self._finished)
        self._sessions: dict[str, set[str]] = {}
        self._reindexed: dict[str, Job] = {}  # by the upload index's spec
        self._lock = threading.Lock()
        workspace.reindex = self.reindex
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_forever, daemon=True, name="upload-expiry")

    def start(self) -> None:
        """Remove what a previous run left half-done, queue re-indexing the uploads indexed with
        another model, then expire uploads in the background. A step the store fails (a record
        it cannot read or delete) is logged and the server starts all the same: one owner's
        damaged record does not keep everyone from the library (the sweep tries expiry again)."""
        unfinished = UNFINISHED_SHARED_S if self.uploads.store.shared else 0.0
        steps = {
            "uploads left unfinished not discarded": lambda: self.uploads.discard_unfinished(unfinished),
            "uploads not expired": self.uploads.expire,
            "uploads indexed with another model not looked for": self._reindex_other_models,
        }
        for failed, step in steps.items():
            try:
                step()
            except StoreError as error:
                self.workspace.notify(f"at start, {failed}: {error}")
        self._sweeper.start()

    def _reindex_other_models(self) -> None:
        for upload in self.uploads.everyone_live():
            if self.workspace.made_with_another_model(upload):
                self.reindex(upload)

    def close(self) -> None:
        self._stop.set()
        self.queue.close()

    def submit(self, owner: Owner, received: Path, original_name: str) -> Job:
        """Queue the file the web server received (moved, not copied: it leaves the server's
        reach) for indexing as `owner`'s upload."""
        settings = self.workspace.settings
        name = safe_name(original_name)
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            raise LoadError(f"{name}: unsupported file type", code="load_unsupported", name=name)
        size = received.stat().st_size
        if size > settings.max_upload_bytes:
            raise LoadError(
                f"{name}: over the {settings.max_upload_mb} MB limit",
                code="load_too_big",
                name=name,
                limit_mb=settings.max_upload_mb,
            )
        upload = self.uploads.reserve(owner, name, size, self.workspace.documents())
        source = upload.folder / INCOMING / upload.name
        try:
            shutil.move(received, source)
        except OSError as error:  # a full disk: said, and nothing of the upload is left
            self.uploads.discard(upload)
            message = f"{name}: cannot keep the file ({error.strerror})"
            raise ThesisQAError(message, code="upload_disk", name=name) from error

        def task() -> dict[str, object]:
            replacing = any(u.name == upload.name for u in self.uploads.live(owner))
            return {
                "kind": "index",
                # searchable part by part; not when replacing a live upload of that name, which
                # answers until the new one is whole
                "progressive": not replacing,
                "source": str(source),
                "name": upload.name,
                "index": upload.location.spec,
                "max_bytes": settings.max_upload_bytes,
                "max_passages": self.uploads.passages_left(owner, upload.name),
                "quota_passages": settings.quota_passages,
            }

        return self.queue.submit(Job(owner.id, upload.name, size, task, {"owner": owner, "upload": upload}))

    def publish(self, owner: Owner, upload_id: str) -> Job:
        """Queue adding one of `owner`'s uploads to the library (lecturers and admins)."""
        if not may_publish(owner.role):
            raise PermissionDenied(f"{owner.role}s cannot add to the library", code="not_allowed")
        upload = self.uploads.find(owner, upload_id)
        if upload is None or not upload.live:
            raise ThesisQAError("no such upload", code="upload_unknown")
        library = self.workspace.library.spec

        def task() -> dict[str, object]:
            name = unique_name(upload.name, set(self.workspace.documents()))
            return {"kind": "publish", "upload": upload.location.spec, "library": library, "name": name}

        return self.queue.submit(Job(owner.id, upload.name, upload.bytes, task, {"owner": owner, "publish": upload}))

    def reindex(self, upload: Upload) -> bool:
        """Queue re-indexing `upload`, made with another model, once a run of the server (one
        that failed is not tried again); whether that is still queued or running."""
        spec = upload.location.spec
        with self._lock:
            job = self._reindexed.get(spec)
            if job is None:
                self.workspace.notify(f"upload {upload.owner}/{upload.id} was indexed with another model; re-indexing")
                job = self._reindexed[spec] = self.queue.submit(self._reindex_job(upload))
        return job.active

    def _reindex_job(self, upload: Upload) -> Job:
        owner, quota = Owner.with_id(upload.owner), self.workspace.settings.quota_passages

        def task() -> dict[str, object]:
            left = self.uploads.passages_left(owner, upload.name)
            return {"kind": "reindex", "index": upload.location.spec, "name": upload.name,
                    "max_passages": left, "quota_passages": quota}  # fmt: skip

        return Job(upload.owner, upload.name, upload.bytes, task, {"reindex": upload})

    def cancel(self, owner: Owner, job_id: str) -> bool:
        return self.queue.cancel(job_id, owner.id)

    def remove(self, owner: Owner, upload_id: str) -> bool:
        """Remove an upload, cancelling its indexing if it is still under way (its re-indexing
        is stopped before it is removed)."""
        for job in self.queue.active():
            if job.owner == owner.id and job.meta.get("upload") and job.meta["upload"].id == upload_id:
                return self.queue.cancel(job.id, owner.id)
            if job.owner == owner.id and job.meta.get("reindex") and job.meta["reindex"].id == upload_id:
                self.queue.cancel(job.id, owner.id)
        return self.uploads.remove(owner, upload_id)

    def statuses(self, owner: Owner) -> list[JobStatus]:
        return self.queue.statuses(owner.id)

    def arrived(self, owner: Owner, session: str) -> None:
        with self._lock:
            self._sessions.setdefault(owner.id, set()).add(session)
        self.uploads.touch(owner)

    def left(self, owner: Owner, session: str) -> None:
        """A page of `owner`'s was closed; an anonymous owner with no page open after the
        grace period has left, and their uploads in progress stop."""
        with self._lock:
            pages = self._sessions.get(owner.id, set())
            pages.discard(session)
            if not pages:
                self._sessions.pop(owner.id, None)
        if owner.anonymous:
            timer = threading.Timer(self.leave_grace_s, self._leave_if_gone, args=(owner,))
            timer.daemon = True
            timer.start()

    def _leave_if_gone(self, owner: Owner) -> None:
        with self._lock:
            if self._sessions.get(owner.id):
                return
            self._sessions.pop(owner.id, None)
        self.queue.cancel_owner(owner.id, keep=lambda job: "reindex" in job.meta)

    def _finished(self, job: Job) -> None:
        upload: Upload | None = job.meta.get("upload")
        if upload is not None:
            if job.state == "done":
                self.uploads.settle(job.meta["owner"], upload)
            else:
                self.uploads.discard(upload)
        published: Upload | None = job.meta.get("publish")
        if published is not None and job.state == "done":
            self.workspace.reload_library()
            self.uploads.discard(published)
        reindexed: Upload | None = job.meta.get("reindex")
        if reindexed is not None:
            where = f"upload {reindexed.owner}/{reindexed.id}"
            if job.state == "done":
                self.workspace.notify(f"{where} re-indexed")
            else:  # its old version stays: `Workspace.left_out` says "upload_other_model" again
                why = job.error or job.state
                self.workspace.notify(f"{where} not re-indexed ({why}); its owner is asked to upload it again")

    def _sweep_forever(self) -> None:
        """Expire uploads every so often; a sweep the store fails (the database gone, a
        read-only folder) is logged and the next one tried: the thread never dies of it."""
        interval = min(60.0, max(1.0, self.uploads.lifetime_s / 10))
        while not self._stop.wait(interval):
            busy = [_subject(job).id for job in self.queue.active()]
            try:
                self.uploads.expire(busy)
            except StoreError as error:
                self.workspace.notify(f"uploads not expired this time: {error}")


def _subject(job: Job) -> Upload:
    """The upload a job indexes, publishes or re-indexes."""
    upload: Upload = job.meta.get("upload") or job.meta.get("publish") or job.meta["reindex"]
    return upload
