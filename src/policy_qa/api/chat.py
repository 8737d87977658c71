"""The OpenAI-compatible endpoints: ``POST /v1/chat/completions`` (plain and streamed) and ``GET /v1/models``.

The last user message is the question and the earlier user messages its history (a follow-up such as
「那另一个市呢？」 is read through them); system and assistant messages are ignored, and so are sampling options
(``temperature``, ``max_tokens`` …): answers are copied or checked against the corpus, not sampled.

The reply's content is the answer with its ``[n]`` markers and its numbered sources, so any chat client shows
them; ``citations`` (the same sources as data) and ``policy_qa`` (the question as read, refused or not, what
wrote the answer, why an LLM's answer was replaced) are extra fields. A stream sends the LLM's draft as it is
written in ``delta.reasoning_content`` (shown by chat clients as the model's thinking: verification may still
replace it), then the verified answer in ``delta.content``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ..schema import Answer
from .access import Caller
from .errors import ApiError
from .formatting import chat_text
from .registry import MODES, KnowledgeBase, parse_model
from .services import CallerDep, Services, ServicesDep
from .streaming import DONE, failure_event, sse
from .usage import usage

if TYPE_CHECKING:
    from ..engine import PolicyQA

router = APIRouter(prefix="/v1", tags=["OpenAI 兼容"])

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ContentPart(BaseModel):
    type: str
    text: str | None = None


class Message(BaseModel):
    role: Role
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The fields of OpenAI's chat request that matter here; others are accepted and ignored."""

    model: str = Field(description="知识库名，可加回答方式：name、name:extractive、name:llm")
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: Literal[1] | None = None


@router.get("/models", summary="可用的知识库（作为模型）")
def list_models(who: CallerDep, state: ServicesDep) -> dict[str, Any]:
    return {"object": "list", "data": [_model(base, model) for base in state.kbs if who.may_use(base.name)
                                       for model in base.model_ids()]}


@router.get("/models/{model}", summary="一个模型（知识库）")
def get_model(model: str, who: CallerDep, state: ServicesDep) -> dict[str, Any]:
    base, _ = _resolve(state, who, model)
    return _model(base, model)


@router.post("/chat/completions", summary="OpenAI 兼容的问答（可流式）", response_model=None)
async def chat_completions(
    request: ChatRequest, who: CallerDep, state: ServicesDep
) -> dict[str, Any] | StreamingResponse:
    base, mode = _resolve(state, who, request.model)
    question, history = _conversation(request.messages)
    engine = await state.answering.run(base.engine_for, mode)  # a second engine is built on first use: not on the loop
    prompt = [_text(message) for message in request.messages]
    reply = _Reply(request.model)
    if not request.stream:
        answer, counted = await state.answering.run(_answer_and_count, engine, question, history, prompt)
        return reply.completion(answer, counted)
    items = await state.answering.opened(engine.ask_stream(question, history=history))
    include_usage = bool(request.stream_options and request.stream_options.include_usage)
    return StreamingResponse(reply.chunks(items, prompt if include_usage else None),
                             media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _resolve(state: Services, who: Caller, model: str) -> tuple[KnowledgeBase, str | None]:
    name, mode = parse_model(model)
    who.check(name)
    base = state.kbs.get(name)
    if base is None or (mode is not None and mode not in MODES):
        raise ApiError(404, f"模型「{model}」不存在：模型名是知识库名，可加 :extractive 或 :llm。", param="model",
                       code="model_not_found")
    return base, mode


def _model(base: KnowledgeBase, model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": int(base.engine.info().built_at), "owned_by": "policy-qa"}


def _conversation(messages: list[Message]) -> tuple[str, list[str]]:
    """The question (the last message, a user's) and the user's earlier questions."""
    if messages[-1].role != "user":
        raise ApiError(400, "最后一条消息必须是用户的问题。", param="messages", code="invalid_value")
    asked = [_text(message) for message in messages if message.role == "user"]
    return asked[-1], asked[:-1]


def _text(message: Message) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    if any(part.type != "text" for part in message.content):
        raise ApiError(400, "只支持文字消息（不支持图片、音频和文件）。", param="messages", code="invalid_value")
    return "".join(part.text or "" for part in message.content)


def _answer_and_count(engine: PolicyQA, question: str, history: list[str], prompt: list[str]) -> tuple[Answer, dict[str, int]]:
    answer = engine.ask(question, history=history)
    return answer, usage(prompt, chat_text(answer))


class _Reply:
    """The completion or chunks of one request, sharing its id and time."""

    def __init__(self, model: str) -> None:
        self.model, self.id, self.created = model, f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def completion(self, answer: Answer, counted: dict[str, int]) -> dict[str, Any]:
        message = {"role": "assistant", "content": chat_text(answer), "refusal": None}
        return {**self._head("chat.completion"),
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
                "usage": counted, **_extras(answer)}

    async def chunks(self, items: AsyncIterator[str | Answer], prompt: list[str] | None) -> AsyncIterator[str]:
        yield self._chunk({"role": "assistant", "content": ""})
        try:
            answer = None
            async for item in items:
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield self._chunk({"reasoning_content": item})
            assert answer is not None, "ask_stream always ends with an Answer"
            text = chat_text(answer)
            yield self._chunk({"content": text})
            yield self._chunk({}, finish_reason="stop", **_extras(answer))
            if prompt is not None:
                yield sse({**self._head("chat.completion.chunk"), "choices": [], "usage": usage(prompt, text)})
        except Exception as error:  # the response has started: the error goes in the stream, as OpenAI does
            yield failure_event(error)
        yield DONE

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return sse({**self._head("chat.completion.chunk"), "choices": [choice], **extra})


def _extras(answer: Answer) -> dict[str, Any]:
    """The fields beyond OpenAI's: the citations as data, and how the question was answered."""
    return {
        "citations": [asdict(citation) for citation in answer.citations],
        "policy_qa": {"question": answer.question, "refused": answer.refused, "answerer": answer.answerer,
                      "note": answer.note},
    }
