"""The FastAPI app of the HTTP API, with its OpenAPI docs at ``/docs`` served from local files (no CDN)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi_offline import FastAPIOffline

from . import ask, chat, documents, errors
from .errors import ApiError
from .limits import BodyLimit
from .services import Services

DESCRIPTION = """带出处的政策文件问答。

- OpenAI 兼容：`POST /v1/chat/completions`（可流式）、`GET /v1/models`，模型名即知识库名，可加 `:extractive` 或 `:llm`。
- 原生接口：`POST /v1/ask`（完整回答）、`/v1/documents`（列出、上传、删除）、`POST /v1/reindex` 与 `GET /v1/jobs/{id}`。
- 密钥：`Authorization: Bearer 密钥`（`policy-qa keys add` 生成）。错误一律为 OpenAI 格式：`{"error": {"message", "type", "param", "code"}}`。
"""

_unknown = APIRouter()


@_unknown.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown_route(request: Request) -> None:
    """Any other ``/v1`` address: 405 when the path exists with another method, else 404 (never the page's)."""
    known = any(getattr(route, "path_regex", None) and route.path_regex.match(request.url.path)
                for router in (chat.router, ask.router, documents.router) for route in router.routes)
    if known:
        raise ApiError(405, "此地址不支持该请求方法。", code="method_not_allowed")
    raise ApiError(404, f"地址 {request.url.path} 不存在。", code="not_found")


def create_app(
    services: Services, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]] | None = None
) -> FastAPI:
    """The API over ``services``; ``lifespan`` runs around the server's life."""
    app = FastAPIOffline(
        title="政策公报问答 API", description=DESCRIPTION, version="1", lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},  # the docs page asks no outside validator
    )
    app.state.services = services
    errors.install(app)
    app.add_middleware(BodyLimit)
    for router in (chat.router, ask.router, documents.router, _unknown):
        app.include_router(router)
    return app
