"""``policy-qa ask`` through a running ``policy-qa serve``: the answer over HTTP (``POST /v1/ask``) in well under a
second, instead of loading the models in a new process (12–14 s).

Used only when a live server's state file (``state.py``) says it serves the same corpus, index and embedding
model, and for LLM answers the same LLM; the answer is then the one the CLI would compute itself. Standard
library only, so that the CLI starts fast; never through a proxy.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.client import HTTPResponse
from typing import TYPE_CHECKING

from ..errors import InvalidQuestionError, PolicyQAError
from ..schema import Answer
from . import state

if TYPE_CHECKING:
    from ..models.llm_client import LLMSettings
    from ..settings import EngineSettings

TIMEOUT_S = 300.0  # an LLM answer may take two minutes on a busy machine
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerUnavailable(Exception):
    """The server found cannot be reached or does not take our request: answer in this process instead."""


class ServerClient:
    """Asks knowledge base ``server.kb`` of a running server in ``mode`` (``extractive`` or ``llm``)."""

    def __init__(self, server: state.RunningServer, mode: str) -> None:
        self.server, self.mode = server, mode

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        with self._post(question, top_k, stream=False) as response:
            return Answer.from_dict(json.load(response))

    def ask_stream(self, question: str, top_k: int | None = None) -> Iterator[str | Answer]:
        """The LLM's draft as it comes, then the ``Answer`` (as ``PolicyQA.ask_stream``)."""
        with self._post(question, top_k, stream=True) as response:
            for line in response:
                data = line.decode("utf-8").removeprefix("data: ").strip()
                if not line.startswith(b"data: ") or data == "[DONE]":
                    continue
                event = json.loads(data)
                if "error" in event:
                    raise PolicyQAError(event["error"]["message"])
                yield Answer.from_dict(event["answer"]) if "answer" in event else event["draft"]

    def _post(self, question: str, top_k: int | None, *, stream: bool) -> HTTPResponse:
        body = {"question": question, "kb": self.server.kb, "mode": self.mode, "top_k": top_k, "stream": stream}
        request = urllib.request.Request(
            f"{self.server.url}/v1/ask", data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.server.token}"},
        )
        try:
            return _opener.open(request, timeout=TIMEOUT_S)
        except urllib.error.HTTPError as error:
            raise _refusal(error) from error
        except OSError as error:  # refused, reset, timed out: the server has gone
            raise ServerUnavailable(str(error)) from error


def _refusal(error: urllib.error.HTTPError) -> Exception:
    """A 400 is a bad question (exit 2, as in-process); a 5xx the server's error; anything else (a key or a base
    the server no longer has) means asking in this process instead."""
    try:
        message = json.load(error)["error"]["message"]
    except (ValueError, KeyError, TypeError, OSError):
        message = f"HTTP {error.code}"
    if error.code == 400:
        return InvalidQuestionError(message)
    if error.code >= 500:
        return PolicyQAError(message)
    return ServerUnavailable(message)


def running_server(settings: EngineSettings, llm: LLMSettings | None, mode: str) -> ServerClient | None:
    """A client of the running server that answers as this process would, or None."""
    found = state.find(settings, llm if mode == "llm" else None)
    return None if found is None else ServerClient(found, mode)
