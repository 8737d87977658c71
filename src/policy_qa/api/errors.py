"""Every failure of a ``/v1`` request as an OpenAI-style error: ``{"error": {"message", "type", "param", "code"}}``.

Clients of the OpenAI protocol read the status (400 bad request, 401 no or a wrong key, 403 not allowed, 404
unknown model or URL, 413 too large, 5xx ours) and show ``message``. FastAPI's own 422 for a body that does not fit
its model becomes a 400 here, as OpenAI answers; an engine's ``InvalidQuestionError`` is a 400 too.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    IndexBuildError,
    IndexCorruptError,
    InvalidQuestionError,
    PolicyQAError,
)

log = logging.getLogger("policy_qa.api")

UNEXPECTED = "服务器出现了意外错误，请稍后再试。"
_STATUS_CODES = {  # FastAPI's own refusals, in our words
    400: ("请求体无法解析：请发送 UTF-8 编码的 JSON。", "invalid_body"),
    404: ("请求的地址不存在。", "not_found"),
    405: ("此地址不支持该请求方法。", "method_not_allowed"),
}


class ApiError(HTTPException):
    """A request refused with ``status`` and an OpenAI-style error body (an ``HTTPException``, so that FastAPI
    passes it on unchanged when it is raised while a body is read)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def from_engine(error: PolicyQAError) -> ApiError:
    """An engine's refusal (a bad question, a file it cannot take) is the client's 400; a failed index is ours."""
    if isinstance(error, (IndexBuildError, IndexCorruptError)):
        return ApiError(500, str(error), type="server_error", code="index_error")
    return ApiError(400, str(error), code="invalid_question" if isinstance(error, InvalidQuestionError) else "rejected")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as an OpenAI-style error object."""

    async def api_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return error.response()

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        message, code = _STATUS_CODES.get(error.status_code, (str(error.detail), None))
        return ApiError(error.status_code, message, code=code, headers=error.headers).response()

    async def invalid_body(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return validation_error(error.errors()).response()

    async def engine_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, PolicyQAError)
        return from_engine(error).response()

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return ApiError(500, UNEXPECTED, type="server_error").response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_body)
    app.add_exception_handler(PolicyQAError, engine_error)
    app.add_exception_handler(Exception, unexpected)


def validation_error(errors: Any) -> ApiError:
    """The first problem pydantic found in a request, as a 400 naming the field (``messages.0.content``)."""
    first = next(iter(errors), {}) if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    param = ".".join(location) or None
    kind = first.get("type", "")
    if kind == "json_invalid":
        return ApiError(400, f"请求体不是合法的 JSON（{first.get('ctx', {}).get('error', '')}）。", code="invalid_json")
    if kind == "missing" and not location:
        message = "缺少请求体：请发送 JSON。"
    elif kind == "missing":
        message = f"缺少参数 {param}。"
    else:
        message = f"参数 {param or '（请求体）'} 有误：{first.get('msg', '格式不对')}。"
    return ApiError(400, message, param=param, code="invalid_value")
