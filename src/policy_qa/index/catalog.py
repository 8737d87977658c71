"""The corpus as every later stage reads it: documents, chunks and sentences as typed objects, found by id.

Built from the repaired source files by the structure stage, the same way at index time and at load time, so
the index stores only vectors and ids: retrieval hands on ``Chunk`` objects, evidence ``Sentence`` objects, and
nothing downstream reads metadata by string key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from ..schema import Chunk, Document, Section, SourceDocument
from ..text.sentences import split_sentences
from ..text.structure import chunk_sections, parse_documents

# Chunks hold whole sentences, at most this many characters unless one sentence is longer.
CHUNK_MAX_CHARS = 400
# Aliases this long or shorter (places: 「某某区」「某某自治州」) are looked for inside other documents' names.
SHORT_ALIAS = 8


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk's section, at ``[start, end)`` of ``file``'s normalised text; ``number`` is its place
    among the sentences of its file (``Catalog.sentence_row`` gives its row in the sentence vectors)."""

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
    def as_title(self) -> str:
        """The sentence as a heading path would title it (「## 第一章 总则」 → 「第一章 总则」)."""
        return self.text.lstrip("#").strip().rstrip("。：:？?")

    @property
    def is_heading(self) -> bool:
        """A line that only repeats a title of its heading path (「## 第一章 总则」「（三）强化要素保障」)."""
        return self.as_title in self.section.heading_path

    @property
    def is_table_row(self) -> bool:
        """A row of a table's section: cells, no sentence stop."""
        return self.section.table_header is not None and not any(stop in self.text for stop in "。！？")


def chunk_passage(chunk: Chunk) -> str:
    """What is embedded and searched of a chunk: its heading path, then its text."""
    return f"{chunk.section.heading}\n{chunk.text}"


def sentence_passage(sentence: Sentence) -> str:
    """What is embedded of a sentence: what it means in (``Sentence.context``), then the sentence."""
    return f"{sentence.context}\n{sentence.text}"


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
        self._sentence_offset = {source.name: 0 for source in sources}
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
        """One catalog of the files of ``catalogs`` (each built alone), in their order, sharing their objects.

        Nothing is parsed or copied again: the parts of an index are joined this way at every load and update.
        """
        joined = cls.__new__(cls)
        joined.sources, joined.by_id, joined._sentences, joined._document_of = {}, {}, {}, {}
        joined.documents, joined.chunks, joined.sentences = [], [], []
        joined._sentence_offset = {}
        for catalog in catalogs:
            for name in catalog.sources:
                joined._sentence_offset[name] = len(joined.sentences)
            joined.sources.update(catalog.sources)
            joined.documents += catalog.documents
            joined.chunks += catalog.chunks
            joined.sentences += catalog.sentences
            joined.by_id.update(catalog.by_id)
            joined._sentences.update(catalog._sentences)
            joined._document_of.update(catalog._document_of)
        return joined

    def sentence_row(self, sentence: Sentence) -> int:
        """The row of ``sentence`` in the sentence vectors (the catalog's sentences, in order)."""
        return self._sentence_offset[sentence.file] + sentence.number

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

    def section_sentences(self, sentence: Sentence, depth: int | None = None) -> list[Sentence]:
        """The sentences of ``sentence``'s section, in order: its neighbours in the file under the same section; with
        ``depth``, under the same first ``depth`` headings of its path (a part and all its items)."""
        path = sentence.section.heading_path[:depth]

        def alike(other: Sentence) -> bool:
            if depth is None:
                return other.section == sentence.section
            return other.file == sentence.file and other.section.heading_path[:depth] == path

        row, first_of_file = self.sentence_row(sentence), self._sentence_offset[sentence.file]
        first = last = row
        while first > first_of_file and alike(self.sentences[first - 1]):
            first -= 1
        while last + 1 < len(self.sentences) and alike(self.sentences[last + 1]):
            last += 1
        return self.sentences[first : last + 1]

    def document_of(self, chunk: Chunk) -> Document:
        """The document ``chunk`` belongs to."""
        return self._document_of[node_id(chunk)]

    def line_of(self, file: str, offset: int) -> int:
        """Original 1-based line of a character of ``file``."""
        return self.sources[file].line_of(offset)

    @cached_property
    def name_carriers(self) -> dict[str, tuple[int, tuple[Document, ...]]]:
        """Every document name and alias of two characters or more, with its place in that order and the
        documents it stands for: those called exactly that, else those having it as an alias and, for an alias of
        at most ``SHORT_ALIAS`` characters, those whose name says it elsewhere (「长河」, the place 「某市长河区……办法」
        starts with, is also in 「关于受理长河区……的公告」: it names neither alone)."""
        exact: dict[str, list[Document]] = {}
        aliased: dict[str, dict[int, Document]] = {}  # by id, in order
        for document in self.documents:
            exact.setdefault(document.name, []).append(document)
            for alias in document.aliases:
                aliased.setdefault(alias, {})[id(document)] = document
        lengths = sorted({len(alias) for alias in aliased if len(alias) <= SHORT_ALIAS})
        for document in self.documents:  # every piece of each name that is an alias (a lookup, not a scan)
            name = document.name
            for start in range(len(name)):
                for piece in (name[start : start + n] for n in lengths if start + n <= len(name)):
                    if piece in aliased:
                        aliased[piece].setdefault(id(document), document)
        names = dict.fromkeys(name for d in self.documents for name in (d.name, *d.aliases) if len(name) >= 2)
        return {name: (k, tuple(exact.get(name) or aliased[name].values())) for k, name in enumerate(names)}

    @cached_property
    def longest_name(self) -> int:
        """The length of the longest name or alias in ``name_carriers`` (0 when there is none)."""
        return max(map(len, self.name_carriers), default=0)

    @cached_property
    def names(self) -> list[str]:
        """Document names in corpus order, without repeats."""
        return list(dict.fromkeys(document.name for document in self.documents))
