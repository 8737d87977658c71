"""A knowledge base's documents: list, upload (any format the engine reads), delete, and re-index as a job.

Uploads and deletions go through the engine as the page's do: every file is checked before the corpus folder is
touched, one bad file refuses the whole upload (400, naming it), and the index is updated before the response.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .errors import ApiError
from .formatting import document_json
from .jobs import Progress
from .services import CallerDep, ServicesDep

if TYPE_CHECKING:
    from ..engine import IndexInfo

router = APIRouter(prefix="/v1", tags=["问答与文档"])

KbName = Annotated[str | None, Query(description="知识库名（默认：第一个）")]


@router.get("/documents", summary="知识库中的文件")
def list_documents(who: CallerDep, state: ServicesDep, kb: KbName = None) -> dict[str, Any]:
    base = state.knowledge_base(who, kb)
    return _listing(base.name, base.engine.info())


@router.post("/documents", summary="上传文件（multipart，字段名 files，可多个）并建立索引", status_code=201)
async def upload_documents(
    files: Annotated[list[UploadFile], File(description="PDF、Word、WPS、网页、OFD、.txt、.md 文件")],
    who: CallerDep,
    state: ServicesDep,
    kb: KbName = None,
) -> dict[str, Any]:
    base = state.knowledge_base(who, kb, write=True)
    with tempfile.TemporaryDirectory(prefix="policy-qa-upload-") as folder:
        paths = await run_in_threadpool(_save, files, Path(folder))
        info = await run_in_threadpool(base.engine.add_documents, paths)
    return {**_listing(base.name, info), "added": [path.name for path in paths]}


@router.delete("/documents/{name:path}", summary="删除一个文件（从语料库文件夹和索引中）")
def delete_document(name: str, who: CallerDep, state: ServicesDep, kb: KbName = None) -> dict[str, Any]:
    base = state.knowledge_base(who, kb, write=True)
    if name not in {entry["name"] for entry in base.engine.info().documents}:
        raise ApiError(404, f"知识库中没有文件「{name}」。", param="name", code="document_not_found")
    return {**_listing(base.name, base.engine.remove_documents([name])), "deleted": name}


@router.post("/reindex", summary="重建索引（后台任务，用 GET /v1/jobs/{id} 查看进度）", status_code=202)
def reindex(who: CallerDep, state: ServicesDep, kb: KbName = None) -> JSONResponse:
    base = state.knowledge_base(who, kb, write=True)

    def work(progress: Progress) -> dict[str, Any]:
        info = base.engine.reindex(progress=progress)
        return {"documents": len(info.documents), "chunks": info.chunks, "built_at": info.built_at}

    job = state.jobs.start("reindex", base.name, work)
    return JSONResponse(job.to_json(), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


@router.get("/jobs/{job_id}", summary="后台任务的进度和结果")
def get_job(job_id: str, who: CallerDep, state: ServicesDep) -> dict[str, Any]:
    job = state.jobs.get(job_id)
    if job is None or not who.may_use(job.kb):  # another base's job is as unknown as a missing one
        raise ApiError(404, f"任务「{job_id}」不存在。", param="job_id", code="job_not_found")
    return job.to_json()


def _listing(kb: str, info: IndexInfo) -> dict[str, Any]:
    return {"object": "list", "kb": kb, "data": [document_json(entry) for entry in info.documents],
            "chunks": info.chunks, "built_at": info.built_at, "warnings": info.warnings}


def _save(uploads: list[UploadFile], folder: Path) -> list[Path]:
    """Each upload in a folder of its own under ``folder``, by its own file name (never a path)."""
    paths = []
    for k, upload in enumerate(uploads):
        name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
        if name in ("", ".", ".."):
            raise ApiError(400, "上传的文件没有文件名。", param="files", code="invalid_value")
        path = folder / str(k) / name
        path.parent.mkdir()
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        paths.append(path)
    return paths
