"""Knowledge bases by name: each a corpus folder with its own index, served by one ``PolicyQA`` engine.

A chat client names one as its ``model``, optionally with the answer mode: ``政策库``, ``政策库:extractive``,
``政策库:llm``. Without a mode the engine answers as it is set (the page's 回答方式 switches it); a mode other
than the engine's is served by a second engine over the same loaded index (``PolicyQA.with_answerer``), made
when first asked for and again after the index changed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PolicyQAError

if TYPE_CHECKING:
    from ..engine import PolicyQA
    from ..models.llm_client import LLMSettings

MODES = ("extractive", "llm")
MODE_SEPARATOR = ":"
_NAME = re.compile(r"[\w.-]{1,64}")  # letters (Chinese too), digits, _ . -: no separator, no path


def check_name(name: str) -> str:
    """``name`` when it can name a knowledge base, else ``PolicyQAError``."""
    if not _NAME.fullmatch(name) or name.strip(".") == "":
        raise PolicyQAError(f"知识库名「{name}」不可用：只能用文字、数字和 _ . -，最多 64 个字符（可用 --kb-name 指定）。")
    return name


def parse_model(model: str) -> tuple[str, str | None]:
    """``(knowledge base, mode)`` of a model id: ``name`` or ``name:mode``."""
    name, separator, mode = model.partition(MODE_SEPARATOR)
    return name, (mode if separator else None)


@dataclass
class KnowledgeBase:
    """A named engine; ``llm`` is the endpoint of its LLM answers (``name:llm``)."""

    name: str
    engine: PolicyQA
    llm: LLMSettings
    _variants: dict[str, PolicyQA] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def model_ids(self) -> list[str]:
        return [self.name, *(f"{self.name}{MODE_SEPARATOR}{mode}" for mode in MODES)]

    def engine_for(self, mode: str | None) -> PolicyQA:
        """The engine answering in ``mode`` (one of ``MODES``; None: as the engine is set)."""
        if mode is None or self._answers_in(mode):
            return self.engine
        with self._lock:
            variant = self._variants.get(mode)
            if variant is None or variant.catalog is not self.engine.catalog:  # none yet, or the index changed
                variant = self._variants[mode] = self.engine.with_answerer(mode, self.llm)
            return variant

    def _answers_in(self, mode: str) -> bool:
        current = self.engine.answer_mode  # extractive, local or remote
        if current == "extractive":
            return mode == "extractive"
        return mode == "llm" and (current == "local") == self.llm.is_local


class KnowledgeBases:
    """The served knowledge bases by name, the first being the default."""

    def __init__(self, bases: list[KnowledgeBase]) -> None:
        if not bases:
            raise PolicyQAError("至少需要一个知识库。")
        self._by_name: dict[str, KnowledgeBase] = {}
        for base in bases:
            if base.name in self._by_name:
                raise PolicyQAError(f"知识库名「{base.name}」重复了：请用不同的名字。")
            self._by_name[check_name(base.name)] = base

    def __iter__(self) -> Iterator[KnowledgeBase]:
        return iter(self._by_name.values())

    def get(self, name: str) -> KnowledgeBase | None:
        return self._by_name.get(name)

    @property
    def default(self) -> KnowledgeBase:
        return next(iter(self._by_name.values()))
