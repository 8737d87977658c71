"""A PDF page as an image with a quote highlighted on it, for the page's source view.

The quote is the repaired text (no spaces, lines joined), so it is found among the page's characters with
whitespace left out; where it runs on to the next page, the part on this page is highlighted. Boxes come from
pdfium's per-character boxes, merged per line.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)

# Rendering scale (72 dpi × 1.5 = 108 dpi: small print stays legible in a 600-pixel-wide panel) and JPEG quality
# (a text page is ~100 KB, against ~800 KB as PNG).
SCALE = 1.5
JPEG_QUALITY = 70
HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow, RGBA
# Characters of the quote that must match on the page for a part of it to be highlighted there.
MIN_MATCH = 6

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def page_image(path: Path, page: int, quote: str) -> bytes | None:
    """A JPEG of page ``page`` (1-based) of the PDF at ``path`` with ``quote`` highlighted; ``None`` when the
    file cannot be rendered (changed, encrypted, no such page)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as error:
        log.warning("无法渲染 %s：%s", path, error)
        return None
    try:
        if not 1 <= page <= len(document):
            return None
        pdf_page = document[page - 1]
        boxes = _quote_boxes(pdf_page, quote)
        image = pdf_page.render(scale=SCALE).to_pil().convert("RGB")
        height = pdf_page.get_height()
        _highlight(image, [_to_pixels(box, height) for box in boxes])
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue()
    except pdfium.PdfiumError as error:
        log.warning("无法渲染 %s 第 %d 页：%s", path, page, error)
        return None
    finally:
        document.close()


def _quote_boxes(pdf_page, quote: str) -> list[Box]:
    """The boxes of the quote's characters on the page, one per line of text it covers."""
    text_page = pdf_page.get_textpage()
    try:
        text = text_page.get_text_range()
        kept = [k for k, ch in enumerate(text) if not ch.isspace()]
        page_text = "".join(text[k] for k in kept)
        wanted = "".join(quote.split())
        start, length = _longest_match(page_text, wanted)
        if length < min(MIN_MATCH, len(wanted)):
            return []
        return _merged([text_page.get_charbox(kept[k]) for k in range(start, start + length)])
    finally:
        text_page.close()


def _longest_match(page_text: str, wanted: str) -> tuple[int, int]:
    """``(start, length)`` on the page of the quote's start, or of its longest prefix found (it runs on to the next
    page), else of its longest suffix (it began on the page before)."""
    found = page_text.find(wanted)
    if found >= 0:
        return found, len(wanted)
    for size in range(len(wanted) - 1, MIN_MATCH - 1, -1):
        if (found := page_text.find(wanted[:size])) >= 0:
            return found, size
        if (found := page_text.find(wanted[-size:])) >= 0:
            return found, size
    return 0, 0


def _merged(boxes: list[Box]) -> list[Box]:
    """Character boxes merged into one box per line (a line: boxes overlapping vertically, left to right)."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        current = lines[-1] if lines else None
        if current and bottom < current[3] and top > current[1] and left >= current[0] - 1:
            current[0], current[1] = min(current[0], left), min(current[1], bottom)
            current[2], current[3] = max(current[2], right), max(current[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]  # type: ignore[misc]


def _to_pixels(box: Box, page_height: float) -> Box:
    left, bottom, right, top = box
    pad = 1.5
    return ((left - pad) * SCALE, (page_height - top - pad) * SCALE, (right + pad) * SCALE, (page_height - bottom + pad) * SCALE)


def _highlight(image, boxes: list[Box]) -> None:
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in boxes:
        draw.rectangle(box, fill=HIGHLIGHT)
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
