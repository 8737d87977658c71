"""``POST /v1/ask``: the engine's whole ``Answer`` as JSON (``Answer.to_dict()``), or streamed as server-sent
events: ``{"draft": text}`` while an LLM writes, then ``{"answer": {...}}``, then ``[DONE]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ..schema import Answer
from ..settings import DEFAULT_TOP_K
from .services import CallerDep, ServicesDep
from .streaming import DONE, failure_event, sse

router = APIRouter(prefix="/v1", tags=["问答与文档"])


class AskRequest(BaseModel):
    question: str = Field(description="问题（最多 500 字）")
    history: list[str] = Field(default_factory=list, description="本次对话中此前的问题，按时间顺序")
    kb: str | None = Field(default=None, description="知识库名（默认：第一个）")
    mode: Literal["extractive", "llm"] | None = Field(default=None, description="回答方式（默认：服务当前的方式）")
    top_k: int | None = Field(default=None, ge=1, le=50, description=f"检索的段落数（默认 {DEFAULT_TOP_K}）")
    stream: bool = False


@router.post("/ask", summary="提问：完整的回答、引用和检索到的段落", response_model=None)
async def ask(
    request: AskRequest, who: CallerDep, state: ServicesDep
) -> dict[str, Any] | StreamingResponse:
    engine = await state.answering.run(state.knowledge_base(who, request.kb).engine_for, request.mode)
    if not request.stream:
        answer = await state.answering.run(engine.ask, request.question, request.top_k, request.history)
        return answer.to_dict()
    items = await state.answering.opened(engine.ask_stream(request.question, request.top_k, request.history))
    return StreamingResponse(_events(items), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _events(items: AsyncIterator[str | Answer]) -> AsyncIterator[str]:
    try:
        async for item in items:
            yield sse({"answer": item.to_dict()} if isinstance(item, Answer) else {"draft": item})
    except Exception as error:  # the response has started: the error goes in the stream
        yield failure_event(error)
    yield DONE
