"""A file's share of the index, computed once per file content: its catalog (read text, documents, chunks,
sentences) and the jieba token counts of its chunks. Its vectors are rows of the index's joined arrays.

Parts are kept in the index folder under a key of the file's name and bytes, so an update re-reads and
re-embeds only the files added or changed since; the rest are taken over as they are.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import IndexCorruptError
from ..schema import SourceDocument
from .catalog import Catalog, chunk_passage
from .keywords import TermCounts

PARTS_DIR = "files"


@dataclass(frozen=True)
class FilePart:
    """What one file adds to the index: the ``catalog`` of that file alone and its chunks' ``terms``."""

    catalog: Catalog
    terms: TermCounts

    @classmethod
    def of(cls, source: SourceDocument) -> FilePart:
        """Parse, chunk and segment one read file."""
        catalog = Catalog([source])
        return cls(catalog, TermCounts.of_texts([chunk_passage(chunk) for chunk in catalog.chunks]))

    @property
    def source(self) -> SourceDocument:
        (source,) = self.catalog.sources.values()
        return source


def part_file(name: str, fingerprint: str) -> str:
    """The file name of the part of the corpus file ``name`` whose bytes hash to ``fingerprint``."""
    return hashlib.sha256(f"{name}\0{fingerprint}".encode("utf-8")).hexdigest()[:32] + ".pkl"


def save_part(folder: Path, part: FilePart) -> str:
    """Write ``part`` into ``folder`` (a staging folder no reader sees yet); its file name."""
    name = part_file(part.source.name, part.source.fingerprint)
    with open(folder / name, "wb") as file:
        pickle.dump(part, file, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def load_part(path: Path, source_path: Path) -> FilePart:
    """The part at ``path``, its document pointed at ``source_path`` (where the file is now);
    ``IndexCorruptError`` when it is missing or unreadable."""
    try:
        with open(path, "rb") as file:
            part = pickle.load(file)
    except FileNotFoundError as error:
        raise IndexCorruptError(f"缺少文件部分 {path.name}") from error
    except Exception as error:  # pickle raises many kinds on damaged bytes
        raise IndexCorruptError(f"文件部分 {path.name} 无法读取（{type(error).__name__}）") from error
    if not isinstance(part, FilePart) or len(part.catalog.sources) != 1 or not isinstance(part.terms, TermCounts):
        raise IndexCorruptError(f"文件部分 {path.name} 内容不对")
    source = part.source
    part.catalog.sources[source.name] = replace(source, path=source_path)
    return part
