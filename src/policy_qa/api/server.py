"""One uvicorn server for the API and the page (``policy-qa serve``), on 127.0.0.1 by default.

Exposure: on an address other than loopback, the server refuses to start unless API keys exist or the page has
a password (``--auth``); with keys, every API request needs one; with a password but no keys, the API answers
401 until a key is added. While it runs, the server's state file lets the CLI on this machine ask it.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn

from ..errors import PolicyQAError
from ..network import is_loopback_host
from ..web.server import mount
from . import state
from .access import Access
from .app import create_app
from .keys import KeyStore
from .services import Services

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..models.llm_client import LLMSettings
    from .registry import KnowledgeBases

SHUTDOWN_GRACE_S = 5  # open streams (the page's event streams too) are cut after this on Ctrl-C or SIGTERM
START_TIMEOUT_S = 30.0


def check_exposure(host: str, store: KeyStore, auth: tuple[str, str] | None) -> None:
    """``PolicyQAError`` when ``host`` is reachable from other machines and neither API keys nor a page password
    protect the server."""
    if is_loopback_host(host) or auth is not None:
        return
    if not store.keys():
        raise PolicyQAError(
            f"在 {host} 上提供服务需要保护：请先用 policy-qa keys add 添加 API 密钥，"
            "并用 --auth 用户名:密码 为网页设置密码；或者只在本机（127.0.0.1）上运行。")


class ApiServer:
    """The API over ``kbs`` with the page of the default knowledge base, at ``http://host:port``."""

    def __init__(
        self,
        kbs: KnowledgeBases,
        store: KeyStore,
        *,
        host: str,
        port: int,
        auth: tuple[str, str] | None = None,
        remote: LLMSettings | None = None,
    ) -> None:
        check_exposure(host, store, auth)
        self.host, self.port = host, port
        token = secrets.token_urlsafe(32)
        self.services = Services(kbs, Access(store, token, open_without_keys=is_loopback_host(host)))
        self.app: FastAPI = create_app(self.services, lifespan=self._recorded(token))
        mount(self.app, kbs.default.engine, remote=remote, host=host, port=port, auth=auth)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning",
                                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where this machine reaches the server (loopback for a server on every address)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM (in the main thread; uvicorn raises the signal again once it has stopped)."""
        self._serve()
        if not self._server.started:
            raise PolicyQAError(f"无法在 {self.host}:{self.port} 上启动服务（端口已被占用？）。")

    def start(self) -> ApiServer:
        """Serve in a background thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self._serve, name="api-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            self._thread.join(0.05)
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise PolicyQAError(f"无法在 {self.host}:{self.port} 上启动服务（端口已被占用？）。")
        return self

    def _serve(self) -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot listen; ``run`` and ``start`` say so
            self._server.run()

    def stop(self) -> None:
        """Stop a server started with ``start``."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN_GRACE_S + START_TIMEOUT_S)

    def _recorded(self, token: str) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """A lifespan writing this server's state file for the CLI, removed when the server stops."""

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            path = state.record(self.url, self.port, token, self.services.kbs)
            try:
                yield
            finally:
                state.forget(path)

        return lifespan
