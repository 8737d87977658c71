"""Running servers, for the CLI to find: each ``policy-qa serve`` writes a state file while it runs (as the local
LLM server does, ``models/local_llm.py``): its address, its token, and which corpus, index, embedding model and
LLM each of its knowledge bases serves.

One file per server (``<cache>/run/servers/<pid>-<port>.json``, readable by this user only): a file whose
process has gone is stale and removed by the next look-up.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models.local_llm import pid_alive
from ..settings import EngineSettings, default_cache_dir
from .files import write_private

if TYPE_CHECKING:
    from ..models.llm_client import LLMSettings
    from .registry import KnowledgeBases


def servers_dir() -> Path:
    return default_cache_dir() / "run" / "servers"


def llm_fingerprint(llm: LLMSettings) -> str:
    """Which LLM endpoint and options answer (its key included, hashed): the CLI uses a server's LLM answers
    only when they are the ones it would give itself."""
    return hashlib.sha256(repr(llm).encode("utf-8")).hexdigest()


def _serves(settings: EngineSettings) -> dict[str, Any]:
    """What makes an engine's answers: its corpus, index, embedding model and chunk store."""
    return {"corpus_dir": str(settings.corpus_dir.resolve()), "index_dir": str(settings.index_dir.resolve()),
            "embedding_model": settings.embedding_model, "store": settings.store}


@dataclass(frozen=True)
class RunningServer:
    """A server found for a corpus: where to ask, with which token, and the knowledge base's name."""

    url: str
    token: str
    kb: str


def record(url: str, port: int, token: str, kbs: KnowledgeBases) -> Path:
    """Write the state file of this process's server on ``port``; its path (``forget`` it when the server stops)."""
    path = servers_dir() / f"{os.getpid()}-{port}.json"
    entries = [{"name": base.name, **_serves(base.engine.settings), "llm": llm_fingerprint(base.llm)} for base in kbs]
    write_private(path, json.dumps({"pid": os.getpid(), "url": url, "token": token, "kbs": entries}, ensure_ascii=False))
    return path


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)


def find(settings: EngineSettings, llm: LLMSettings | None) -> RunningServer | None:
    """A live server whose knowledge base serves ``settings`` (and with ``llm``, answers with that LLM)."""
    wanted = _serves(settings)
    try:
        paths = sorted(servers_dir().glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for path in paths:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            pid, url, token, entries = int(state["pid"]), str(state["url"]), str(state["token"]), list(state["kbs"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not pid_alive(pid):
            forget(path)
            continue
        for entry in entries:
            if all(entry.get(key) == value for key, value in wanted.items()) and (
                llm is None or entry.get("llm") == llm_fingerprint(llm)
            ):
                return RunningServer(url, token, str(entry["name"]))
    return None
