"""The last check before an answer is shown: every file it cites still holds the bytes it was indexed from.

Quotes come from the text read when the index was loaded. A file edited, replaced or deleted since (while a
server runs) may no longer hold them, so such an answer is withheld with a message asking for a re-index. A file
is hashed once per change of its size or modification time, so an unchanged corpus costs one ``stat`` a citation.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from ..schema import Drafted, SourceDocument
from ..text.ingest import file_sha256


class SourceCheck:
    """Whether the corpus files still hold what the loaded index was read from."""

    def __init__(self, sources: Mapping[str, SourceDocument]) -> None:
        self._sources = sources
        self._verified: dict[str, tuple[int, int]] = {}  # name → (size, mtime_ns) last found unchanged
        self._lock = threading.Lock()

    def changed(self, name: str) -> bool:
        """Whether the file of document ``name`` is gone or no longer has the bytes it was indexed from."""
        source = self._sources[name]
        try:
            status = os.stat(source.path)
            signature = (status.st_size, status.st_mtime_ns)
            with self._lock:
                if self._verified.get(name) == signature:
                    return False
            if file_sha256(source.path) != source.fingerprint:
                return True
        except OSError:
            return True
        with self._lock:
            self._verified[name] = signature
        return False

    def guard(self, drafted: Drafted) -> Drafted:
        """``drafted``, or when a file it cites has changed, a refusal that names the files and asks for a re-index."""
        changed = sorted({c.document for c in drafted.citations if self.changed(c.document)})
        if not changed:
            return drafted
        names = "、".join(f"「{name}」" for name in changed)
        return Drafted(
            text=f"无法给出回答：{names}在建立索引之后被改动或删除，引文可能已不在文件中。请重新建立索引后再提问。",
            refused=True,
            citations=[],
            note=f"来源文件已改动：{names}",
            source=drafted.source,
        )
