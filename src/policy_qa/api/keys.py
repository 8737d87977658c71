"""API keys: a JSON file holding only each key's SHA-256, with the knowledge bases it may use and whether it may
change them (upload, delete, re-index) or only read (ask, list).

A key is shown once, when ``policy-qa keys add`` makes it; the file cannot give it back. The server reads the
file again whenever it changes, so a key added or removed applies at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from ..errors import PolicyQAError
from ..settings import default_cache_dir
from .files import write_private

KEYS_ENV = "POLICY_QA_API_KEYS"
KEY_PREFIX = "pqa-"


def default_keys_path() -> Path:
    """``$POLICY_QA_API_KEYS``, else ``api-keys.json`` in the cache folder."""
    return Path(os.environ.get(KEYS_ENV) or default_cache_dir() / "api-keys.json").expanduser()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """One key as stored: its name, SHA-256, knowledge bases, and whether it may change them."""

    name: str
    sha256: str
    kbs: tuple[str, ...]
    write: bool
    created_at: float


class KeyStore:
    """The keys file at ``path`` (missing: no keys), re-read when its size or time changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._by_hash: dict[str, ApiKey] = {}

    def keys(self) -> list[ApiKey]:
        """Every key, in the order they were added; ``PolicyQAError`` when the file cannot be read."""
        self._refresh()
        return list(self._by_hash.values())

    def find(self, key: str) -> ApiKey | None:
        """The stored key that ``key`` is, if any."""
        self._refresh()
        return self._by_hash.get(key_hash(key))

    def add(self, name: str, kbs: list[str], write: bool) -> str:
        """Store a new random key called ``name`` and return it (the only time it is seen)."""
        if not name.strip():
            raise PolicyQAError("密钥需要一个名字。")
        if not kbs:
            raise PolicyQAError("请用 --kb 指定这个密钥可以使用的知识库。")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._locked():
            keys = self.keys()
            if any(existing.name == name for existing in keys):
                raise PolicyQAError(f"已有名为「{name}」的密钥。")
            self._save([*keys, ApiKey(name, key_hash(key), tuple(dict.fromkeys(kbs)), write, time.time())])
        return key

    def remove(self, name: str) -> None:
        """Delete the key called ``name``."""
        with self._locked():
            keys = self.keys()
            if not any(key.name == name for key in keys):
                raise PolicyQAError(f"没有名为「{name}」的密钥。")
            self._save([key for key in keys if key.name != name])

    def _locked(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock")

    def _save(self, keys: list[ApiKey]) -> None:
        write_private(self.path, json.dumps({"keys": [asdict(key) for key in keys]}, ensure_ascii=False, indent=2))

    def _refresh(self) -> None:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._by_hash = None, {}
            return
        except OSError as error:
            raise PolicyQAError(f"无法读取密钥文件 {self.path}（{error.strerror or error}）。") from error
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp == self._stamp:
            return
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))["keys"]
            keys = [ApiKey(e["name"], e["sha256"], tuple(e["kbs"]), bool(e["write"]), e["created_at"]) for e in entries]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PolicyQAError(f"密钥文件 {self.path} 已损坏（{error}）：请修复或删除后重新添加密钥。") from error
        self._stamp, self._by_hash = stamp, {key.sha256: key for key in keys}
