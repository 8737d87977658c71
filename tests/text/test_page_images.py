"""A PDF page rendered with a quote highlighted: the highlight lies where the quote's characters are drawn."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from policy_qa.text.ingest import read_document
from policy_qa.text.page_images import SCALE, page_image

SEED_PDF = next((Path(__file__).resolve().parents[2] / "eval" / "corpora" / "seed_pdf").glob("*.pdf"))


def _yellow_rows(image: Image.Image) -> set[int]:
    """Pixel rows holding highlight yellow (strong red and green, weak blue)."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    pixels = rgb.load()
    return {y for y in range(height) for x in range(0, width, 3) if (p := pixels[x, y])[0] > 200 and p[1] > 170 and p[2] < 120}


def test_the_quote_is_highlighted_on_its_page_and_nowhere_else():
    document = read_document(SEED_PDF, SEED_PDF.name)
    start = document.written.index("建成标准化厂房37.9万平方米")
    end = document.written.index("。", start) + 1
    page = document.page_of(start)
    quote = document.written[start:end]
    image = Image.open(io.BytesIO(page_image(SEED_PDF, page, quote)))
    assert image.size[0] == round(595.3 * SCALE) or abs(image.size[0] - 595.3 * SCALE) < 2
    rows = _yellow_rows(image)
    assert rows, "the quote is highlighted"
    assert max(rows) - min(rows) < 80 * SCALE, "only the quote's lines, not the page"
    other = page_image(SEED_PDF, page, "这句话不在这一页上出现过。")
    assert not _yellow_rows(Image.open(io.BytesIO(other)))


def test_a_page_that_does_not_exist_or_a_broken_file_gives_no_image(tmp_path):
    assert page_image(SEED_PDF, 99, "任何引文。") is None
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 truncated")
    assert page_image(broken, 1, "任何引文。") is None
