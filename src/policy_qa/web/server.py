"""The page in a server: Gradio's queue, mounted into the API's FastAPI app (``api/server.py`` serves both),
optional password, nothing fetched from the internet."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import gradio as gr

from ..errors import PolicyQAError
from ..index.corpus_admin import MAX_UPLOAD_BYTES
from ..network import is_loopback_host
from .login import LoginCheck
from .page import CHAT_CONCURRENCY, build_page, warm_up_in_background
from .style import CSS, SCRIPT, theme

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..engine import PolicyQA
    from ..models.llm_client import LLMSettings

log = logging.getLogger("policy_qa.web")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
AUTH_ENV = "POLICY_QA_WEB_AUTH"
QUEUE_SIZE = 64


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``USER:PASSWORD`` (from ``--auth`` or ``$POLICY_QA_WEB_AUTH``) as a pair; None when not set."""
    value = value if value is not None else os.environ.get(AUTH_ENV)
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise PolicyQAError(f"密码保护的格式是 用户名:密码（--auth 或 ${AUTH_ENV}），收到的是「{value}」。")
    return user, password


def mount(
    app: FastAPI,
    engine: PolicyQA,
    *,
    remote: LLMSettings | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: tuple[str, str] | None = None,
) -> gr.Blocks:
    """Mount the page over ``engine`` at ``/`` of ``app``, whose server listens on ``host:port``."""
    if not is_loopback_host(host) and auth is None:
        log.warning("The page listens on %s without a password: anyone who can reach it can ask and upload. "
                    "Set --auth USER:PASSWORD or $%s.", host, AUTH_ENV)
    warm_up_in_background(engine)
    demo = build_page(engine, remote)
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_SIZE)
    gr.mount_gradio_app(
        app,
        demo,
        "/",
        server_name=host,
        server_port=port,
        footer_links=["api"],
        auth=LoginCheck(*auth).verify if auth else None,
        auth_message="政策公报问答：请输入用户名和密码。" if auth else None,
        show_error=False,
        max_file_size=MAX_UPLOAD_BYTES,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=theme(),
        css=CSS,
        js=SCRIPT,
    )
    return demo
