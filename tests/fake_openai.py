"""A misbehaving OpenAI-protocol server on loopback, for fault injection in tests.

    with FakeOpenAI(mode="rate_limit_then_ok", content="答案[1]。", failures=2) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="x", max_retries=0, timeout=2)
        ...
        fake.set_mode("cut_stream")

It speaks ``POST /v1/chat/completions`` (JSON, or SSE when the body asks ``"stream": true``, with the usage chunk
when ``stream_options.include_usage``) and ``GET /v1/models`` (always answered, whatever the mode: it is the
health check). Modes, for chat completions:

- ``ok``: answers ``content``; ``empty``: answers ``""``.
- ``slow``: waits ``delay`` seconds first (cut short when the server closes).
- ``stalled``: takes the request and never answers: the connection is held, silent, until the server closes.
- ``trickle``: answers ``content`` slowly: a stream sends a piece every ``delay`` seconds; a plain request sends
  its headers, then its body ``chunk_chars`` bytes every ``delay`` seconds.
- ``rate_limit_then_ok`` / ``server_error_then_ok``: the first ``failures`` requests since the mode was set get
  429 (with ``Retry-After: retry_after``) / 500 with an OpenAI error body, later ones ``ok``.
- ``server_error``: 500 always.
- ``malformed``: 200 whose body is not JSON (a stream: an event whose data is not JSON).
- ``no_choices``: 200 with valid JSON but no ``choices`` (a stream: chunks without ``choices``).
- ``cut_stream``: a stream sends ``cut_after`` content chunks and closes the connection with no ``[DONE]`` and no
  end of the chunked body; a plain request gets half its declared body.
- ``stalled_stream``: as ``cut_stream`` (a stream's chunks ``delay`` seconds apart), but the connection is then
  held, silent, until the server closes.
- ``garbage``: 200 with ``garbage`` (bytes) as the body, as ``garbage_type`` if set, else as an SSE stream when
  the request streams and as JSON otherwise.
- ``context_overflow``: 400 ``context_length_exceeded``, as OpenAI and vLLM send it.

``then``: the mode of every request after the first ``failures`` since the mode was set (e.g. a stream cut
short, then a stalled request).

Bounded: loopback only, request bodies up to ``MAX_BODY`` bytes, a socket timeout per connection, one connection
per request, daemon threads, and the server stops at context exit.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

MODES = frozenset(
    {
        "ok",
        "slow",
        "rate_limit_then_ok",
        "server_error",
        "server_error_then_ok",
        "empty",
        "malformed",
        "no_choices",
        "cut_stream",
        "context_overflow",
        "stalled",
        "trickle",
        "stalled_stream",
        "garbage",
    }
)
SETTINGS = ("content", "delay", "failures", "retry_after", "cut_after", "chunk_chars", "garbage", "garbage_type", "then")
MAX_BODY = 1_000_000
SOCKET_TIMEOUT = 10.0
CONTEXT_MESSAGE = (
    "This model's maximum context length is 4096 tokens. However, your messages resulted in 5120 tokens. "
    "Please reduce the length of the messages."
)


def error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    """An error body in OpenAI's shape."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


class FakeOpenAI:
    """The server; ``base_url`` is ``http://127.0.0.1:PORT/v1`` and ``requests`` the chat bodies received."""

    def __init__(
        self,
        mode: str = "ok",
        content: str = "建成标准化厂房37.9万平方米[1]。",
        delay: float = 0.0,
        *,
        failures: int = 1,
        retry_after: float = 1,
        cut_after: int = 2,
        chunk_chars: int = 3,
        garbage: bytes = b"",
        garbage_type: str | None = None,
        then: str | None = None,
        model: str = "fake-model",
    ) -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_mode(
            mode,
            content=content,
            delay=delay,
            failures=failures,
            retry_after=retry_after,
            cut_after=cut_after,
            chunk_chars=chunk_chars,
            garbage=garbage,
            garbage_type=garbage_type,
            then=then,
        )

    def set_mode(self, mode: str, **settings: Any) -> None:
        """Switch to ``mode`` (and change any of ``SETTINGS``); the count of failures served starts again."""
        for name in (mode, settings.get("then")):
            if name is not None and name not in MODES:
                raise ValueError(f"unknown mode {name!r}; one of {sorted(MODES)}")
        if unknown := set(settings) - set(SETTINGS):
            raise TypeError(f"unknown settings {sorted(unknown)}")
        with self._lock:
            self.mode = mode
            for name, value in settings.items():
                setattr(self, name, value)
            self._served_in_mode = 0

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running: use it as a context manager or call start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> Self:
        """Listen on a free loopback port and serve in a daemon thread."""
        self._stopped.clear()
        self._server = _Server(("127.0.0.1", 0), type("Handler", (_Handler,), {"fake": self}))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: wakes slow handlers, closes the socket, joins the thread."""
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _take(self, body: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
        """Record a chat request; the mode, how many were served in it before, and the settings to answer with."""
        with self._lock:
            self.requests.append(body)
            served = self._served_in_mode
            self._served_in_mode += 1
            mode = self.then if self.then is not None and served >= self.failures else self.mode
            return mode, served, {name: getattr(self, name) for name in SETTINGS}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (after its timeout) is expected; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead."""

    def handle(self) -> None:
        """One request per connection (every answer says ``Connection: close``): no handler outlives its answer."""
        self.handle_one_request()

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": self.fake.model, "object": "model", "created": int(time.time()), "owned_by": "fake"}
            self._json(200, {"object": "list", "data": [model]})
        else:
            self._unknown()

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._unknown()
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, error_body("Request too large", "invalid_request_error"))
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._json(400, error_body("The request body is not valid JSON", "invalid_request_error"))
            return
        if not isinstance(body, dict):
            self._json(400, error_body("The request body must be a JSON object", "invalid_request_error"))
            return
        mode, served, settings = self.fake._take(body)
        stream = bool(body.get("stream"))
        failing = served < settings["failures"]
        if mode == "slow" and self.fake._stopped.wait(settings["delay"]):
            return  # the server is closing
        if mode == "stalled":
            self.fake._stopped.wait()
            return
        if mode == "rate_limit_then_ok" and failing:
            message = "Rate limit reached for requests per min (RPM). Please try again in 1s."
            retry = {"Retry-After": f"{settings['retry_after']:g}"}
            self._json(429, error_body(message, "requests", "rate_limit_exceeded"), retry)
        elif mode == "server_error" or (mode == "server_error_then_ok" and failing):
            self._json(500, error_body("The server had an error while processing your request.", "server_error"))
        elif mode == "context_overflow":
            self._json(400, error_body(CONTEXT_MESSAGE, "invalid_request_error", "context_length_exceeded"))
        elif mode == "malformed":
            if stream:
                self._stream([b'data: {"id": "chatcmpl-fake", "choices": [{"delta": \n\n'])
            else:
                self._raw(200, b'{"id": "chatcmpl-fake", "object": "chat.completion", "choices": [', "application/json")
        elif mode == "garbage":
            streamed = "text/event-stream" if stream else "application/json"
            self._raw(200, settings["garbage"], settings["garbage_type"] or streamed)
        else:
            content = "" if mode == "empty" else settings["content"]
            if stream:
                self._stream_answer(body, content, mode, settings)
            else:
                self._complete(body, content, mode, settings)

    def _unknown(self) -> None:
        message = f"Unknown request URL: {self.command} {self.path}"
        self._json(404, error_body(message, "invalid_request_error", "unknown_url"))

    def _complete(self, request: dict[str, Any], content: str, mode: str, settings: dict[str, Any]) -> None:
        """A non-streaming chat completion (a truncated one in ``cut_stream`` and ``stalled_stream``, a slow one in
        ``trickle``; no choices in ``no_choices``)."""
        completion: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model") or self.fake.model,
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(request, content),
        }
        if mode == "no_choices":
            del completion["choices"]
        data = json.dumps(completion, ensure_ascii=False).encode()
        if mode not in ("cut_stream", "stalled_stream", "trickle"):
            self._raw(200, data, "application/json")
            return
        self.send_response(200)
        self._headers("application/json", {"Content-Length": str(len(data))})
        if mode == "trickle":
            size = max(1, settings["chunk_chars"])
            self._paced([data[i : i + size] for i in range(0, len(data), size)], settings["delay"])
        else:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            if mode == "stalled_stream":
                self.fake._stopped.wait()

    def _stream_answer(self, request: dict[str, Any], content: str, mode: str, settings: dict[str, Any]) -> None:
        """SSE chunks: the role, ``content`` in pieces, the finish reason, usage if asked, ``[DONE]``."""
        created = int(time.time())
        model = request.get("model") or self.fake.model

        def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
            event: dict[str, Any] = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": []
                if delta is None
                else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                **extra,
            }
            if mode == "no_choices":
                del event["choices"]
            return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

        size = max(1, settings["chunk_chars"])
        pieces = [content[i : i + size] for i in range(0, len(content), size)]
        events = [chunk({"role": "assistant", "content": ""}), *(chunk({"content": p}) for p in pieces)]
        if mode in ("cut_stream", "stalled_stream"):
            if mode == "cut_stream":
                self._stream(events[: 1 + settings["cut_after"]], end="cut")
            else:
                self._stream(events[: 1 + settings["cut_after"]], end="hold", pace=settings["delay"])
            return
        events.append(chunk({}, "stop"))
        if (request.get("stream_options") or {}).get("include_usage"):
            events.append(chunk(None, usage=_usage(request, content)))
        self._stream([*events, b"data: [DONE]\n\n"], pace=settings["delay"] if mode == "trickle" else 0.0)

    def _stream(self, events: list[bytes], end: str = "done", pace: float = 0.0) -> None:
        """Send ``events`` as an SSE body in HTTP chunks, ``pace`` seconds apart after the first; then ``end`` it:
        ``done`` with the last chunk, ``cut`` by closing the connection without it, ``hold`` by keeping the
        connection silent until the server closes."""
        self.send_response(200)
        self._headers("text/event-stream; charset=utf-8", {"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"})
        if not self._paced([b"%x\r\n%s\r\n" % (len(event), event) for event in events], pace):
            return
        if end == "done":
            self.wfile.write(b"0\r\n\r\n")
        elif end == "hold":
            self.fake._stopped.wait()

    def _paced(self, pieces: list[bytes], pace: float) -> bool:
        """Write ``pieces``, ``pace`` seconds apart after the first; False when the server closed meanwhile."""
        for index, piece in enumerate(pieces):
            if index and pace and self.fake._stopped.wait(pace):
                return False
            self.wfile.write(piece)
            self.wfile.flush()
        return True

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

    def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self._headers(content_type, {"Content-Length": str(len(data)), **(headers or {})})
        self.wfile.write(data)

    def _headers(self, content_type: str, headers: dict[str, str]) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.send_header("x-request-id", f"req_fake_{len(self.fake.requests)}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


def _usage(request: dict[str, Any], content: str) -> dict[str, int]:
    """Token counts, one per character: enough for clients that read them."""
    prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages") or [] if isinstance(m, dict))
    return {"prompt_tokens": prompt, "completion_tokens": len(content), "total_tokens": prompt + len(content)}
