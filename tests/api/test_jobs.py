"""Background jobs: progress, result or error; one job of a kind per knowledge base at a time."""

from __future__ import annotations

import threading
import time

from policy_qa.api.jobs import Jobs
from policy_qa.errors import PolicyQAError


def wait(job) -> None:
    deadline = time.monotonic() + 10
    while job.status == "running" and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_job_reports_progress_then_its_result():
    jobs, release = Jobs(), threading.Event()

    def work(progress):
        progress(0.5, "嵌入向量")
        release.wait(5)
        return {"chunks": 3}

    job = jobs.start("reindex", "甲库", work)
    assert jobs.start("reindex", "甲库", work) is job  # the same job while it runs
    other = jobs.start("reindex", "乙库", lambda progress: {})
    assert other is not job
    while job.message != "嵌入向量":
        time.sleep(0.01)
    assert job.to_json()["progress"] == 0.5 and job.status == "running"
    release.set()
    wait(job)
    assert (job.status, job.result, jobs.get(job.id)) == ("succeeded", {"chunks": 3}, job)
    assert job.finished_at is not None and jobs.get("job-unknown") is None


def test_a_failure_is_kept_as_a_message():
    jobs = Jobs()

    def refused(progress):
        raise PolicyQAError("语料库中没有可读的文件。")

    def crashed(progress):
        raise RuntimeError("disk on fire")

    first = jobs.start("reindex", "甲库", refused)
    wait(first)
    assert (first.status, first.error) == ("failed", "语料库中没有可读的文件。")
    second = jobs.start("reindex", "甲库", crashed)
    wait(second)
    assert second.status == "failed" and "disk" not in second.error and "意外错误" in second.error
