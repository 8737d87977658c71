"""One code path for every LLM: the official ``openai`` client against any OpenAI-compatible endpoint.

OpenAI, DeepSeek, Qwen on DashScope, vLLM, Ollama, llama.cpp: only the base URL, key and model name differ.
Faults (endpoint down, timeout, 429/5xx after bounded retries, empty or malformed output, a cut stream, a
prompt over the context window) all become ``LLMError`` with a message a user can act on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import PolicyQAError
from ..network import is_loopback_url

if TYPE_CHECKING:
    from openai import OpenAI

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 2


class LLMError(PolicyQAError):
    """The LLM endpoint could not give a usable answer."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the endpoint is and how to call it. ``base_url`` None means: the local llama.cpp server."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    max_tokens: int = 256

    @classmethod
    def from_env(cls, **overrides: object) -> LLMSettings:
        """``POLICY_QA_LLM_BASE_URL``/``_API_KEY``/``_MODEL``/``_TIMEOUT``, then ``OPENAI_*``; arguments win."""
        env = os.environ
        values: dict[str, object] = {
            "base_url": env.get("POLICY_QA_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("POLICY_QA_LLM_API_KEY") or env.get("OPENAI_API_KEY") or None,
            "model": env.get("POLICY_QA_LLM_MODEL") or None,
            "timeout_s": float(env.get("POLICY_QA_LLM_TIMEOUT") or DEFAULT_TIMEOUT_S),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_local(self) -> bool:
        return self.base_url is None


class ChatClient:
    """Chat completions, whole or streamed, over the OpenAI protocol."""

    def __init__(self, base_url: str, model: str, settings: LLMSettings) -> None:
        from openai import DefaultHttpxClient, OpenAI

        self.model = model
        self._settings = settings
        # A server on this machine is reached directly, whatever proxy the environment sets for the internet.
        direct = DefaultHttpxClient(trust_env=False) if is_loopback_url(base_url) else None
        self._client = OpenAI(
            base_url=base_url,
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,  # exponential backoff on connection errors, 408/409/429/5xx
            http_client=direct,
        )

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        """The whole answer (at most ``max_tokens``, default the settings'); ``LLMError`` on any fault or an
        empty answer."""
        return self._complete(self._client, messages, max_tokens or self._settings.max_tokens)

    def _complete(self, client: OpenAI, messages: list[dict[str, str]], max_tokens: int) -> str:
        with _faults_as_llm_errors():
            response = client.chat.completions.create(
                model=self.model, messages=messages, temperature=0, max_tokens=max_tokens
            )
            choices = getattr(response, "choices", None)
            if not choices:
                raise LLMError("LLM 返回了无法解析的结果（没有 choices）。")
            content = (choices[0].message.content or "").strip()
        if not content:
            raise LLMError("LLM 返回了空回答。")
        return content

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Text deltas as they come; ``LLMError`` when the stream fails, is cut short or stays empty."""
        received = finished = False
        try:
            with _faults_as_llm_errors():
                stream = self._client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0, max_tokens=self._settings.max_tokens, stream=True
                )
                for chunk in stream:
                    if not chunk.choices:
                        continue
                    finished = finished or chunk.choices[0].finish_reason is not None
                    delta = chunk.choices[0].delta.content
                    if delta:
                        received = True
                        yield delta
        except LLMError as error:
            if not received and _cut_off(error):
                self._reason_for_failed_stream(messages)
            raise
        if not received and not finished:
            self._reason_for_failed_stream(messages)
        if not received:
            raise LLMError("LLM 返回了空回答。")
        if not finished:
            raise LLMError("LLM 的流式回答中途断开。")  # the client accepts a stream that just stops

    def _reason_for_failed_stream(self, messages: list[dict[str, str]]) -> None:
        """A server can cut a stream without saying why (llama.cpp does, for a prompt over the context window):
        the same request, unstreamed and one token long, raises the reason. Retried once: the cut connection
        may still be in the client's pool."""
        self._complete(self._client.with_options(max_retries=max(1, self._settings.max_retries)), messages, 1)


def _cut_off(error: LLMError) -> bool:
    """The connection failed or was cut, not timed out (then asking again would only wait as long again)."""
    import openai

    cause = error.__cause__
    return isinstance(cause, openai.APIConnectionError) and not isinstance(cause, openai.APITimeoutError)


class _faults_as_llm_errors:
    """Context manager turning the client's exceptions into ``LLMError`` with a plain message."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> bool:
        if error is None or isinstance(error, LLMError | GeneratorExit):
            return False
        import openai

        if isinstance(error, openai.APITimeoutError):
            message = "LLM 响应超时。"
        elif isinstance(error, openai.APIConnectionError):
            message = "无法连接 LLM 服务，或连接中途断开。"
        elif isinstance(error, openai.RateLimitError):
            message = "LLM 服务限流（429），重试后仍未成功。"
        elif isinstance(error, openai.BadRequestError) and "context" in str(error).lower():
            message = "提示超出了模型的上下文长度。"
        elif isinstance(error, openai.APIStatusError):
            message = f"LLM 服务返回错误（HTTP {error.status_code}）。"
        elif isinstance(error, openai.OpenAIError | ValueError | KeyError | AttributeError | TypeError):
            message = "LLM 返回了无法解析的结果。"
        else:
            return False
        raise LLMError(message) from error
