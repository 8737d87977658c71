"""Readers: one module per file format, each turning one file into lines of text with the page of each line.

Every reader is a function ``(path) -> ReadText`` that raises ``UnreadableFileError`` (a short Chinese reason)
for a file it cannot use: encrypted, corrupt, no text. ``read_file`` picks the reader by the file's suffix.
What comes after (``repair``, ``structure``) works on the text alone, so every reader writes the same shape:

* one paragraph, heading or table row per line; a reader that knows where paragraphs end (Word, HTML, OFD)
  puts a blank line between them, so ``repair`` keeps each whole; visual lines of a page (PDF) go one per line
  and ``repair`` joins the hard-wrapped ones;
* a table row as one sentence that keeps its column headers (``tables.row_sentences``);
* running headers, footers and page numbers left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...errors import UnreadableFileError


@dataclass(frozen=True)
class ReadText:
    """A file's text as a reader gives it.

    ``form`` says what was read: the encoding of a text file (``utf-8``, ``gb18030`` …) or the format (``pdf``,
    ``docx``, ``html``, ``ofd``, ``doc``, ``wps``). ``line_pages[i]`` is the 1-based page of line ``i`` of
    ``text`` (split at ``"\\n"``); empty when the format has no pages. ``warnings`` name what was skipped inside
    the file (a scanned page without OCR, say) when the rest was still read. ``wrapped`` is true when the lines
    are a page's visual lines (``repair`` joins them within a paragraph), ``None`` when the text is to tell.
    """

    text: str
    form: str
    line_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    wrapped: bool | None = None


Reader = Callable[[Path], ReadText]


def _reader(suffix: str) -> Reader:
    """The reader of files ending in ``suffix`` (imported on first use: some formats pull in large libraries)."""
    if suffix in (".txt", ".md"):
        from .plain import read_plain

        return read_plain
    if suffix == ".pdf":
        from .pdf import read_pdf

        return read_pdf
    if suffix == ".docx":
        from .docx import read_docx

        return read_docx
    if suffix in (".html", ".htm", ".shtml"):
        from .html import read_html

        return read_html
    if suffix == ".ofd":
        from .ofd import read_ofd

        return read_ofd
    if suffix in (".doc", ".wps"):
        from .office import read_legacy_word

        return read_legacy_word
    raise UnreadableFileError(f"不支持 {suffix or '无后缀'} 文件")


# Every suffix a reader takes (lower case).
SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".doc", ".wps", ".html", ".htm", ".shtml", ".ofd")
# Formats that are text (decoded by ``plain``); the others are binary containers.
TEXT_SUFFIXES = (".txt", ".md")


def read_file(path: Path) -> ReadText:
    """The text of the file at ``path``, by its suffix; ``UnreadableFileError`` when it cannot be used."""
    return _reader(path.suffix.lower())(path)
