"""One code path for every LLM: the official ``openai`` client against any OpenAI-compatible endpoint.

OpenAI, DeepSeek, Qwen on DashScope, vLLM, Ollama, llama.cpp: only the base URL, key and model name differ.
Faults (endpoint down, stalled or too slow, 429/5xx, empty or malformed output, a cut stream, a prompt over the
context window) all become ``LLMError`` with a message a user can act on.

Every call has a deadline, whatever its retries: its first token (unstreamed: its whole reply) must come within
``LLMSettings.first_token_s`` of the call, its whole answer within ``LLMSettings.timeout_s``. The HTTP client's
timeouts cannot bound a whole response (a read timeout is per read: a trickling stream passes it), so a call
runs in a worker thread that the caller waits on no longer than the deadline allows.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

from ..errors import PolicyQAError
from ..network import is_loopback_url

DEFAULT_MAX_RETRIES = 2
# Default deadlines of a call, in seconds: (first token or unstreamed reply, whole answer).
# A remote endpoint sends its first token within a few seconds: after 10 s of silence it is taken as stalled,
# so the fallback comes by then whatever the retries; 60 s writes 256 tokens even at 5 a second.
# The local 1.5B model on 2 CPU cores is slower, and must not be cut in normal use. Alone, it gives the first
# token of a question in 4.3 s (p50) and the whole answer in 8.9 s (p95); but the first question after the
# server starts also computes the 340-token fixed prefix of the prompt (500 new tokens: 11.4 s), the server
# answers one request at a time (a question may wait for another process's answer), llama-index's
# 1,400-token prompts (the peer evaluation) take 39 s, and with other jobs on the cores (llama.cpp's timings of
# 48 questions of an evaluation run beside tests) the prompt took up to 39 s and writing 4-15 tokens a second.
# Hence 60 s to the first token, and 120 s in all (60 s more: 256 tokens at 4 a second).
REMOTE_DEADLINES_S = (10.0, 60.0)
LOCAL_DEADLINES_S = (60.0, 120.0)
# Pause before the first retry, doubled for each next one (as the openai client's own retries).
RETRY_PAUSE_S = 0.5
# After a call got no first token by its deadline, the endpoint counts as stalled for this long: calls fail at
# once instead of each waiting out its deadline (a follow-up's rewrite and its answer, every user of the page).
STALLED_PAUSE_S = 30.0


class LLMError(PolicyQAError):
    """The LLM endpoint could not give a usable answer."""


class LLMStalled(LLMError):
    """The endpoint gave no first token (or unstreamed reply) by the deadline, or did so moments ago."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the endpoint is and how to call it. ``base_url`` None means: the local llama.cpp server.
    ``timeout_s`` (whole answer) and ``first_token_s`` bound each call; None: the endpoint's default."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    timeout_s: float | None = None
    first_token_s: float | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    max_tokens: int = 256

    @classmethod
    def from_env(cls, **overrides: object) -> LLMSettings:
        """``POLICY_QA_LLM_BASE_URL``/``_API_KEY``/``_MODEL``/``_TIMEOUT``/``_FIRST_TOKEN_TIMEOUT``, then
        ``OPENAI_*``; arguments win."""
        env = os.environ
        values: dict[str, object] = {
            "base_url": env.get("POLICY_QA_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("POLICY_QA_LLM_API_KEY") or env.get("OPENAI_API_KEY") or None,
            "model": env.get("POLICY_QA_LLM_MODEL") or None,
            "timeout_s": _seconds(env.get("POLICY_QA_LLM_TIMEOUT")),
            "first_token_s": _seconds(env.get("POLICY_QA_LLM_FIRST_TOKEN_TIMEOUT")),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_local(self) -> bool:
        return self.base_url is None

    @property
    def deadlines_s(self) -> tuple[float, float]:
        """Seconds a call may take to its first token (or unstreamed reply), and in all."""
        first, whole = LOCAL_DEADLINES_S if self.is_local else REMOTE_DEADLINES_S
        whole = whole if self.timeout_s is None else self.timeout_s
        return min(whole, first if self.first_token_s is None else self.first_token_s), whole


def _seconds(value: str | None) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class _Deadline:
    """When a call started, and how long it may take to its first token and in all."""

    first_token_s: float
    whole_s: float
    started: float = field(default_factory=time.monotonic)

    def left(self, answering: bool) -> float:
        """Seconds left (never negative) to the first token, or once ``answering``, to the end."""
        span = self.whole_s if answering else self.first_token_s
        return max(0.0, self.started + span - time.monotonic())

    def missed(self, answering: bool) -> LLMError:
        """The error of a call that missed its first-token deadline, or once ``answering``, its whole one."""
        if answering:
            return LLMError(f"LLM 回答超时：{self.whole_s:g} 秒内没有写完。")
        return LLMStalled(f"LLM 响应超时：{self.first_token_s:g} 秒内没有回复。")


_END = object()


class ChatClient:
    """Chat completions, whole or streamed, over the OpenAI protocol, each within its deadline."""

    def __init__(self, base_url: str, model: str, settings: LLMSettings) -> None:
        from openai import DefaultHttpxClient, OpenAI

        self.model = model
        self._settings = settings
        # A server on this machine is reached directly, whatever proxy the environment sets for the internet.
        direct = DefaultHttpxClient(trust_env=False) if is_loopback_url(base_url) else None
        self._client = OpenAI(
            base_url=base_url,
            api_key=settings.api_key or "not-needed",
            max_retries=0,  # retried by ``_create``, within the deadline
            http_client=direct,
        )
        self._stalled_until = 0.0


    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        """The whole answer (at most ``max_tokens``, default the settings'); ``LLMError`` on any fault, an
        empty answer, or no answer by the first-token deadline."""
        deadline = self._deadline()

        def reply() -> Iterator[str]:
            yield self._reply(messages, max_tokens or self._settings.max_tokens, deadline)

        return "".join(self._watched(_relay(deadline, reply)))

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Text deltas as they come; ``LLMError`` when the stream fails, is cut short, stays empty, or misses
        a deadline (the text received until then stands)."""
        deadline = self._deadline()
        yield from self._watched(_relay(deadline, lambda: self._deltas(messages, deadline)))

    def _deadline(self) -> _Deadline:
        return _Deadline(*self._settings.deadlines_s)

    def _watched(self, texts: Iterator[str]) -> Iterator[str]:
        """``texts``, unless the endpoint stalled less than ``STALLED_PAUSE_S`` ago (then ``LLMStalled`` at
        once); a stall now starts that pause."""
        pause = self._stalled_until - time.monotonic()
        if pause > 0:
            raise LLMStalled(f"LLM 刚才没有在时限内回复，{pause:.0f} 秒后再试；这次不再等待。")
        try:
            yield from texts
        except LLMStalled:
            self._stalled_until = time.monotonic() + STALLED_PAUSE_S
            raise

    def _reply(
        self, messages: list[dict[str, str]], max_tokens: int, deadline: _Deadline, retries: int | None = None
    ) -> str:
        """An unstreamed reply's text; ``LLMError`` for a reply without choices or text."""
        response = self._create(deadline, retries, messages=messages, max_tokens=max_tokens)
        choices = getattr(response, "choices", None)
        if not choices:
            raise LLMError("LLM 返回了无法解析的结果（没有 choices）。")
        content = (choices[0].message.content or "").strip()
        if not content:
            raise LLMError("LLM 返回了空回答。")
        return content

    def _deltas(self, messages: list[dict[str, str]], deadline: _Deadline) -> Iterator[str]:
        """A streamed answer's text deltas; the client's exceptions, or ``LLMError`` for a stream that is cut
        short or stays empty."""
        import openai

        received = finished = False
        try:
            request = {"messages": messages, "max_tokens": self._settings.max_tokens, "stream": True}
            with self._create(deadline, None, **request) as stream:
                for chunk in stream:
                    if not chunk.choices:
                        continue
                    delta, ends = _text_of(chunk.choices[0])
                    finished = finished or ends
                    if delta:
                        received = True
                        yield delta
        except openai.APIConnectionError as error:
            if not received and not isinstance(error, openai.APITimeoutError):
                self._raise_reason(messages, deadline)
            raise
        if not received and not finished:
            self._raise_reason(messages, deadline)
        if not received:
            raise LLMError("LLM 返回了空回答。")
        if not finished:
            raise LLMError("LLM 的流式回答中途断开。")  # the client accepts a stream that just stops

    def _raise_reason(self, messages: list[dict[str, str]], deadline: _Deadline) -> None:
        """A server can cut a stream without saying why (llama.cpp does, for a prompt over the context window):
        the same request, unstreamed and one token long, raises the reason, if the first-token deadline leaves
        time. Retried once: the cut connection may still be in the client's pool."""
        if deadline.left(answering=False) > 0:
            self._reply(messages, 1, deadline, retries=max(1, self._settings.max_retries))

    def _create(self, deadline: _Deadline, retries: int | None, **request: Any) -> Any:
        """``chat.completions.create`` for this model, tried again (``retries`` times, None: the settings')
        after a dropped connection or a 408/409/429/5xx while the first-token deadline allows: a try may
        take only the time left, and a pause that would pass it is not taken."""
        import openai

        retries = self._settings.max_retries if retries is None else retries
        retry = 0
        while True:
            try:
                return self._client.chat.completions.create(
                    model=self.model, temperature=0, timeout=openai.Timeout(deadline.left(False)), **request
                )
            except openai.APIError as error:
                pause = _pause_before_retry(error, retry)
                if retry >= retries or pause is None or pause >= deadline.left(False):
                    raise
                time.sleep(pause)
                retry += 1


def _relay(deadline: _Deadline, produce: Callable[[], Iterator[str]]) -> Iterator[str]:
    """The texts ``produce()`` yields in a worker thread, each waited for until the deadline; the client's
    exceptions as ``LLMError``. A call left behind stops at its next text, and its requests time out by
    the first-token deadline."""
    texts: queue.SimpleQueue[object] = queue.SimpleQueue()
    gone = threading.Event()
    threading.Thread(target=_work, args=(produce, texts, gone), name="policy-qa-llm", daemon=True).start()
    answering = False
    try:
        while True:
            try:
                item = texts.get(timeout=deadline.left(answering))
            except queue.Empty:
                raise deadline.missed(answering) from None
            if item is _END:
                return
            if isinstance(item, Exception):
                _raise_as_llm_error(item, deadline, answering)
            answering = True
            yield cast(str, item)
    finally:
        gone.set()


def _work(produce: Callable[[], Iterator[str]], texts: queue.SimpleQueue[object], gone: threading.Event) -> None:
    """Pass ``produce()``'s texts on, then ``_END`` or the exception raised; stop when the caller has gone."""
    try:
        with closing(produce()) as produced:
            for text in produced:
                if gone.is_set():
                    return
                texts.put(text)
    except Exception as error:  # noqa: BLE001 - handed to the caller, who raises it
        texts.put(error)
    else:
        texts.put(_END)


def _text_of(choice: Any) -> tuple[str, bool]:
    """A stream choice's text and whether it ends the answer; ``TypeError`` for text that is not a string."""
    text = choice.delta.content or ""
    if not isinstance(text, str):
        raise TypeError(f"delta content is {type(text).__name__}, not str")
    return text, choice.finish_reason is not None


def _pause_before_retry(error: Exception, retry: int) -> float | None:
    """Seconds to wait before trying again after ``error`` (the server's ``Retry-After`` if it says), or None
    when trying again would not help (a timeout has used the time left, a 4xx would come again)."""
    import openai

    backoff = RETRY_PAUSE_S * 2**retry
    if isinstance(error, openai.APITimeoutError):
        return None
    if isinstance(error, openai.APIConnectionError):
        return backoff
    if isinstance(error, openai.APIStatusError) and (error.status_code in (408, 409, 429) or error.status_code >= 500):
        return _retry_after(error.response.headers) or backoff
    return None


def _retry_after(headers: Any) -> float | None:
    """The ``Retry-After`` of a response in seconds (``retry-after-ms`` first), if given as a number."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


def _raise_as_llm_error(error: Exception, deadline: _Deadline, answering: bool) -> NoReturn:
    """Raise ``error`` as an ``LLMError`` with a plain message (as is: an ``LLMError``, or an unexpected error)."""
    import openai

    if isinstance(error, LLMError):
        raise error
    if isinstance(error, openai.APITimeoutError):
        raise (LLMError("LLM 的流式回答中途停顿过久。") if answering else deadline.missed(False)) from error
    if isinstance(error, openai.APIConnectionError):
        message = "无法连接 LLM 服务，或连接中途断开。"
    elif isinstance(error, openai.RateLimitError):
        message = "LLM 服务限流（429），在时限内未能成功。"
    elif isinstance(error, openai.BadRequestError) and "context" in str(error).lower():
        message = "提示超出了模型的上下文长度。"
    elif isinstance(error, openai.APIStatusError):
        message = f"LLM 服务返回错误（HTTP {error.status_code}）。"
    elif isinstance(error, openai.APIError) and not isinstance(error, openai.APIResponseValidationError):
        message = "LLM 服务在回答中报告了错误。"
    elif isinstance(error, openai.OpenAIError | ValueError | KeyError | AttributeError | TypeError):
        message = "LLM 返回了无法解析的结果。"
    else:
        raise error
    raise LLMError(message) from error
