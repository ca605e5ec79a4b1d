"""The job queue's slots against workers that misbehave (a scripted worker process speaking
the JSON-lines protocol of thesis_qa.service.worker): a task fails with a reason the app words,
and the slot goes on to the next job with a new worker."""

from __future__ import annotations

import sys

from thesis_qa.service.jobs import Job, JobQueue
from thesis_qa_app.texts import error_text

# A worker that says it is ready, then for each task prints the lines the task asks it to say.
SCRIPTED_WORKER = """
import json, sys
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    for said in json.loads(line)["say"]:
        print(json.dumps(said), flush=True)
"""
WAIT_S = 30


def job_saying(*lines: dict[str, object]) -> Job:
    return Job("owner", "notes.txt", 10, task=lambda: {"say": list(lines)})


def test_a_worker_message_this_server_cannot_read_fails_that_job_alone():
    queue = JobQueue([sys.executable, "-c", SCRIPTED_WORKER], workers=1)
    try:
        newer = queue.submit(job_saying({"indexed": {"pages": 1, "of": 2, "share": 0.5, "from_a_newer_version": 1}}))
        assert newer.wait(WAIT_S)
        following = queue.submit(job_saying({"progress": [1, 1]}, {"done": {"passages": 3}}))
        assert following.wait(WAIT_S)
    finally:
        queue.close()

    assert newer.state == "failed" and newer.error is not None
    assert (newer.error.code, newer.error.params) == ("upload_crashed", {"name": "notes.txt"})
    assert "«notes.txt»" in error_text("kk", newer.error.code, newer.error.params)
    assert (following.state, following.result) == ("done", {"passages": 3})


def test_a_worker_reporting_an_error_fails_the_job_with_that_error():
    queue = JobQueue([sys.executable, "-c", SCRIPTED_WORKER], workers=1)
    error = {"message": "notes.txt: damaged", "code": "load_broken", "params": {"name": "notes.txt"}}
    try:
        failed = queue.submit(job_saying({"error": error}))
        assert failed.wait(WAIT_S)
    finally:
        queue.close()

    assert failed.state == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.params) == ("load_broken", {"name": "notes.txt"})


def test_a_job_that_fails_unexpectedly_fails_alone_and_the_queue_goes_on():
    def broken_task() -> dict[str, object]:
        raise RuntimeError("a bug while preparing the task")

    queue = JobQueue([sys.executable, "-c", SCRIPTED_WORKER], workers=1)
    try:
        broken = queue.submit(Job("owner", "broken.txt", 10, task=broken_task))
        assert broken.wait(WAIT_S)
        following = queue.submit(job_saying({"done": {"passages": 1}}))
        assert following.wait(WAIT_S)
    finally:
        queue.close()

    assert broken.state == "failed" and broken.error is not None and broken.error.code == "upload_crashed"
    assert following.state == "done"
