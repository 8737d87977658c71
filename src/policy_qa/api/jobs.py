"""Background jobs (a re-index): started by a request, run in a thread, followed with ``GET /v1/jobs/{id}``."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import PolicyQAError

log = logging.getLogger("policy_qa.api")

KEPT = 100  # finished jobs remembered, newest first
Progress = Callable[[float, str], None]


@dataclass
class Job:
    """A job's state: ``running`` (with ``progress`` 0–1 and the step's ``message``), then ``succeeded`` with its
    ``result`` or ``failed`` with its ``error``."""

    kind: str
    kb: str
    id: str = field(default_factory=lambda: f"job-{uuid.uuid4().hex}")
    status: str = "running"
    progress: float = 0.0
    message: str = ""
    result: dict[str, Any] | None = None
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def report(self, fraction: float, message: str) -> None:
        self.progress, self.message = round(min(max(fraction, 0.0), 1.0), 3), message

    def to_json(self) -> dict[str, Any]:
        return {"object": "job", "id": self.id, "kind": self.kind, "kb": self.kb, "status": self.status,
                "progress": self.progress, "message": self.message, "result": self.result, "error": self.error,
                "created_at": self.created_at, "finished_at": self.finished_at}


class Jobs:
    """The server's jobs by id; one job of a kind per knowledge base runs at a time."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, kb: str, work: Callable[[Progress], dict[str, Any]]) -> Job:
        """Run ``work(progress)`` in a thread as a new job, or return the same job already running."""
        with self._lock:
            running = next((j for j in self._jobs.values() if (j.kind, j.kb, j.status) == (kind, kb, "running")), None)
            if running is not None:
                return running
            job = Job(kind, kb)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.status != "running"]
            for old in finished[: max(0, len(finished) - KEPT)]:
                del self._jobs[old.id]
        threading.Thread(target=self._run, args=(job, work), name=f"{kind}-{kb}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    @staticmethod
    def _run(job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        try:
            job.result = work(job.report)
            job.status = "succeeded"
        except PolicyQAError as error:
            job.error, job.status = str(error), "failed"
        except Exception:
            log.exception("%s of %s failed", job.kind, job.kb)
            job.error, job.status = "意外错误，索引未改动。", "failed"
        finally:
            job.finished_at = time.time()
