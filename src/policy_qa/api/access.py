"""Who sent a request, and what it may do: API keys as Bearer tokens.

- Keys in the keys file: every request needs one; a key uses only its knowledge bases, and changes them only
  when it is a read-write key.
- No keys: the API is open when the server listens on this machine only (loopback), and closed (401) otherwise.
- The server's own token, in its state file that only this user can read, lets the CLI on this machine ask.

A caller is refused (403) a knowledge base outside its key before anything is looked up, so it learns nothing of
it, not even whether it exists.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from ..errors import PolicyQAError
from .errors import ApiError
from .keys import KeyStore

log = logging.getLogger("policy_qa.api")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """A request's sender: its key's name, the knowledge bases it may use (None: all), whether it may change them."""

    name: str
    kbs: frozenset[str] | None
    write: bool

    def may_use(self, kb: str) -> bool:
        return self.kbs is None or kb in self.kbs

    def check(self, kb: str, *, write: bool = False) -> None:
        """``ApiError`` 403 unless this caller may use (and, with ``write``, change) knowledge base ``kb``."""
        if not self.may_use(kb):
            raise ApiError(403, f"此密钥无权使用知识库「{kb}」。", type="permission_error", code="kb_forbidden")
        if write and not self.write:
            raise ApiError(403, "此密钥只能提问和查看，不能上传、删除文件或重建索引。", type="permission_error",
                           code="read_only_key")


class Access:
    """The caller of each request, from its ``Authorization`` header.

    ``open_without_keys``: whether, with no key configured, anyone who can connect may use the API (the server
    listens on loopback only). ``local_token``: the token of this server's state file (read-only, every base).
    """

    def __init__(self, store: KeyStore, local_token: str, open_without_keys: bool) -> None:
        self.store = store
        self.local_token = local_token
        self.open_without_keys = open_without_keys

    def caller(self, authorization: str | None) -> Caller:
        """The caller presenting ``authorization`` (``Bearer KEY``); ``ApiError`` 401 when it may not use the API."""
        token = _bearer(authorization)
        if token is not None and hmac.compare_digest(token.encode(), self.local_token.encode()):
            return Caller("本机命令行", None, write=False)
        try:
            has_keys = bool(self.store.keys())
            key = self.store.find(token) if token is not None and has_keys else None
        except PolicyQAError as error:  # a corrupt keys file: refuse everyone rather than guess
            log.error("%s", error)
            raise ApiError(500, "服务器的密钥文件无法读取，请联系管理员。", type="server_error") from error
        if key is not None:
            return Caller(key.name, frozenset(key.kbs), key.write)
        if has_keys:
            message = "缺少 API 密钥：请在 Authorization 头中发送 Bearer 密钥。" if token is None else "API 密钥无效。"
            raise ApiError(401, message, code="invalid_api_key", headers=_CHALLENGE)
        if self.open_without_keys:
            return Caller("本机", None, write=True)
        raise ApiError(401, "此服务没有配置 API 密钥：请先用 policy-qa keys add 添加密钥。", code="invalid_api_key",
                       headers=_CHALLENGE)


def _bearer(authorization: str | None) -> str | None:
    """The token of a ``Bearer`` header, None when there is none."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
