"""Engine calls off the event loop, at most ``ANSWERING`` at once, and server-sent events.

The engine is synchronous and CPU-bound (about 40 ms an extractive answer): answers run in worker threads, a few
at a time, so that more requests than cores queue instead of slowing each other down; an LLM stream is pulled
item by item the same way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, TypeVar

import anyio

from ..errors import PolicyQAError
from .errors import UNEXPECTED, ApiError, from_engine, log

T = TypeVar("T")

# Answers computed at once (as the page's queue: more only interleave on 2 cores).
ANSWERING = 4
DONE = "data: [DONE]\n\n"
_END = object()


class Answering:
    """Runs engine calls in worker threads, ``limit`` at a time."""

    def __init__(self, limit: int = ANSWERING) -> None:
        self._limiter = anyio.CapacityLimiter(limit)

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(lambda: call(*args, **kwargs), limiter=self._limiter)

    async def opened(self, stream: Generator[T, None, None]) -> AsyncIterator[T]:
        """``stream`` with its first item already taken, so that its errors (a bad question) are raised here,
        before a response starts; the rest is pulled as the response is sent, and closed if the client leaves."""
        first = await self.run(next, stream, _END)

        async def items() -> AsyncIterator[T]:
            item = first
            try:
                while item is not _END:
                    yield item
                    item = await self.run(next, stream, _END)
            finally:
                stream.close()

        return items()


def sse(payload: object) -> str:
    """One server-sent event carrying ``payload`` as JSON."""
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def failure_event(error: Exception) -> str:
    """The event of an error raised once a stream's response has started (OpenAI sends an ``error`` object)."""
    if isinstance(error, PolicyQAError):
        return sse(from_engine(error).body())
    log.error("a streamed answer failed", exc_info=error)
    return sse(ApiError(500, UNEXPECTED, type="server_error").body())
