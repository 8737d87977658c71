"""The corpus as every later stage reads it: documents, chunks and sentences as typed objects, found by id.

Built from the repaired source files by the structure stage, the same way at index time and at load time, so
the index stores only vectors and ids: retrieval hands on ``Chunk`` objects, evidence ``Sentence`` objects, and
nothing downstream reads metadata by string key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import cached_property

from ..schema import Chunk, Document, Section, SourceDocument
from ..text.sentences import split_sentences
from ..text.structure import chunk_sections, parse_documents

# Chunks hold whole sentences, at most this many characters unless one sentence is longer.
CHUNK_MAX_CHARS = 400


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk's section, at ``[start, end)`` of ``file``'s normalised text; ``number`` is its row
    in the sentence vectors."""

    number: int
    file: str
    start: int
    end: int
    text: str
    section: Section

    @property
    def context(self) -> str:
        """What the sentence means in: its heading path, and a table's column header for a table's row."""
        header = self.section.table_header
        return f"{self.section.heading}\n{header}" if header else self.section.heading

    @property
    def is_table_row(self) -> bool:
        """A row of a table's section: cells, no sentence stop."""
        return self.section.table_header is not None and not any(stop in self.text for stop in "。！？")


def node_id(chunk: Chunk) -> str:
    """The id of a chunk's node in the vector store: it changes when the chunk's span or heading path does."""
    return hashlib.sha1(f"{chunk.chunk_id}:{chunk.section.heading}".encode("utf-8")).hexdigest()


class Catalog:
    """Documents, chunks (in corpus order) and their sentences, with lookups by node id."""

    def __init__(self, sources: list[SourceDocument]) -> None:
        self.sources = {source.name: source for source in sources}
        self.documents: list[Document] = [document for source in sources for document in parse_documents(source)]
        self.chunks: list[Chunk] = [
            chunk for document in self.documents for chunk in chunk_sections(list(document.sections), CHUNK_MAX_CHARS)
        ]
        self.by_id: dict[str, Chunk] = {node_id(chunk): chunk for chunk in self.chunks}
        self._sentences: dict[str, tuple[Sentence, ...]] = {}
        self.sentences: list[Sentence] = []
        seen: dict[tuple[str, int, int], Sentence] = {}
        for chunk in self.chunks:
            own = []
            for span in split_sentences(chunk.text):
                key = (chunk.section.document, chunk.start + span.start, chunk.start + span.end)
                if key not in seen:
                    seen[key] = Sentence(len(self.sentences), *key, chunk.text[span.start : span.end], chunk.section)
                    self.sentences.append(seen[key])
                own.append(seen[key])
            self._sentences[node_id(chunk)] = tuple(own)
        self._document_of = self._documents_by_chunk()

    @classmethod
    def joined(cls, catalogs: list[Catalog]) -> Catalog:
        """One catalog of the files of ``catalogs`` (each built alone), in their order; sentences renumbered.

        Nothing is parsed again: the parts of an index are joined this way at every load.
        """
        joined = cls.__new__(cls)
        joined.sources = {name: source for catalog in catalogs for name, source in catalog.sources.items()}
        joined.documents = [document for catalog in catalogs for document in catalog.documents]
        joined.chunks = [chunk for catalog in catalogs for chunk in catalog.chunks]
        joined.by_id = {node: chunk for catalog in catalogs for node, chunk in catalog.by_id.items()}
        joined.sentences = []
        joined._sentences = {}
        joined._document_of = {}
        for catalog in catalogs:
            offset = len(joined.sentences)
            joined.sentences += [replace(sentence, number=offset + sentence.number) for sentence in catalog.sentences]
            for node, own in catalog._sentences.items():
                joined._sentences[node] = tuple(joined.sentences[offset + sentence.number] for sentence in own)
            joined._document_of.update(catalog._document_of)
        return joined

    def _documents_by_chunk(self) -> dict[str, Document]:
        """Each chunk's document, found by file and offset."""
        by_file: dict[str, list[Document]] = {}
        for document in self.documents:
            by_file.setdefault(document.file, []).append(document)
        found = {}
        for chunk in self.chunks:
            candidates = by_file[chunk.section.document]
            found[node_id(chunk)] = next(
                (d for d in candidates if d.start <= chunk.start < d.end), candidates[0]
            )
        return found

    def sentences_of(self, chunk: Chunk) -> tuple[Sentence, ...]:
        """The sentences of ``chunk`` in order."""
        return self._sentences[node_id(chunk)]

    def document_of(self, chunk: Chunk) -> Document:
        """The document ``chunk`` belongs to."""
        return self._document_of[node_id(chunk)]

    def line_of(self, file: str, offset: int) -> int:
        """Original 1-based line of a character of ``file``."""
        return self.sources[file].line_of(offset)

    @cached_property
    def names(self) -> list[str]:
        """Document names in corpus order, without repeats."""
        return list(dict.fromkeys(document.name for document in self.documents))
