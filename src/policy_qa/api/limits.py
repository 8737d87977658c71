"""The size of a ``/v1`` request body, bounded before it is read whole: 413 when it declares or sends more.

A chat request is text (a long conversation is a few hundred kB); an upload may carry files up to the corpus's
own upload limit (``MAX_UPLOAD_BYTES``) in all, plus its multipart framing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..index.corpus_admin import MAX_UPLOAD_BYTES
from .errors import ApiError

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024
UPLOAD_PATH = "/v1/documents"


def limit_for(method: str, path: str) -> int:
    return MAX_UPLOAD_REQUEST_BYTES if (method, path.rstrip("/")) == ("POST", UPLOAD_PATH) else MAX_JSON_BYTES


class BodyLimit:
    """ASGI middleware: a ``/v1`` request whose body is over ``limit_for`` gets a 413 error object."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")  # digits: the HTTP parser refuses anything else
        if declared is not None and int(declared) > limit:
            await _too_large(limit).response()(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:  # a body sent without (or beyond) its declared length
                raise _too_large(limit)
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"请求体过大：最多 {limit / 1024 / 1024:.0f} MB。", code="request_too_large")
