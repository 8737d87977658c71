"""Documents and re-index jobs with ``httpx``: upload a file, ask from it, list, delete it, re-index."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import KB, bearer

NEW = "忻州开发区2023年工作情况.txt"
NEW_TEXT = "忻州开发区2023年工作情况\n\n一、主要成绩\n\n2023年，忻州开发区新建标准化厂房5.6万平方米。\n"
ORIGINAL = "临汾晋城开发区2023年工作情况.txt"


def call(api, method: str, path: str, key: str = "writer", **options) -> httpx.Response:
    return httpx.request(method, f"{api.v1}{path}", headers=bearer(api.keys[key]), timeout=120, **options)


def names(api) -> list[str]:
    return [entry["name"] for entry in call(api, "GET", "/documents", key="reader").json()["data"]]


def test_upload_ask_list_delete(api):
    upload = call(api, "POST", "/documents", files={"files": (NEW, NEW_TEXT.encode("utf-8"), "text/plain")})
    assert upload.status_code == 201, upload.text
    assert upload.json()["added"] == [NEW] and NEW in [entry["name"] for entry in upload.json()["data"]]
    try:
        entry = next(e for e in call(api, "GET", "/documents", key="reader").json()["data"] if e["name"] == NEW)
        assert set(entry) == {"name", "encoding", "sha256", "size", "sections"} and entry["size"] == len(NEW_TEXT.encode())
        answer = call(api, "POST", "/ask", key="reader", json={"question": "忻州开发区新建标准化厂房多少？"}).json()
        assert "5.6万平方米" in answer["text"] and answer["citations"][0]["document"] == NEW
        again = call(api, "POST", "/documents", files={"files": (NEW, NEW_TEXT.encode("utf-8"), "text/plain")})
        assert again.status_code == 400 and "已有同名文件" in again.json()["error"]["message"]
    finally:
        deleted = call(api, "DELETE", f"/documents/{NEW}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] == NEW
    assert names(api) == [ORIGINAL] and not (api.corpus / NEW).exists()
    assert call(api, "DELETE", f"/documents/{NEW}").json()["error"]["code"] == "document_not_found"


def test_a_bad_file_refuses_the_whole_upload_and_changes_nothing(api):
    files = [("files", ("好.txt", "二、情况\n\n2023年，某地新建厂房1万平方米。\n".encode(), "text/plain")),
             ("files", ("坏.exe", b"MZ\x00\x00", "application/octet-stream"))]
    response = call(api, "POST", "/documents", files=files)
    assert response.status_code == 400 and "坏.exe" in response.json()["error"]["message"]
    assert names(api) == [ORIGINAL] and sorted(p.name for p in api.corpus.iterdir()) == [ORIGINAL]
    assert call(api, "POST", "/documents", data={"files": "not a file"}).status_code == 400


def test_only_a_write_key_of_the_base_may_change_it(api):
    files = {"files": (NEW, NEW_TEXT.encode("utf-8"), "text/plain")}
    read_only = call(api, "POST", "/documents", key="reader", files=files)
    assert read_only.status_code == 403 and read_only.json()["error"]["code"] == "read_only_key"
    assert call(api, "DELETE", f"/documents/{ORIGINAL}", key="reader").status_code == 403
    assert call(api, "POST", "/reindex", key="reader").status_code == 403
    outsider = call(api, "GET", "/documents", key="outsider")
    assert outsider.status_code == 403 and ORIGINAL not in outsider.text
    # Whether a file exists in another base is not told: the same 403 for a real and a made-up name.
    for name in (ORIGINAL, "没有的文件.txt"):
        refused = call(api, "DELETE", f"/documents/{name}", key="outsider", params={"kb": KB})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "kb_forbidden"
    assert names(api) == [ORIGINAL]


def test_reindex_runs_as_a_job_with_progress_until_it_succeeds(api):
    started = call(api, "POST", "/reindex")
    assert started.status_code == 202 and started.headers["location"] == f"/v1/jobs/{started.json()['id']}"
    job = started.json()
    assert job["object"] == "job" and job["kind"] == "reindex" and job["kb"] == KB
    second = call(api, "POST", "/reindex").json()
    first_now = call(api, "GET", f"/jobs/{job['id']}", key="reader").json()
    assert second["id"] == job["id"] or first_now["status"] != "running"  # one re-index of a base at a time
    seen = set()
    for job_id in dict.fromkeys((job["id"], second["id"])):
        deadline = time.monotonic() + 120
        job = call(api, "GET", f"/jobs/{job_id}", key="reader").json()
        while job["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            job = call(api, "GET", f"/jobs/{job_id}", key="reader").json()
            seen.add(job["message"])
        assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0 and job["result"]["documents"] == 1 and job["result"]["chunks"] > 0
    assert job["finished_at"] >= job["created_at"] and len(seen) >= 2
    hidden = call(api, "GET", f"/jobs/{job['id']}", key="outsider")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "job_not_found"
    assert call(api, "POST", "/ask", key="reader", json={"question": "临汾标准化厂房建了多少？"}).status_code == 200


@pytest.mark.parametrize("path", ["/documents", "/reindex"])
def test_an_unknown_base_is_404_for_a_key_of_every_base(open_api, path):
    response = httpx.request("GET" if path == "/documents" else "POST", f"{open_api.v1}{path}", params={"kb": "没有这个库"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "kb_not_found"
