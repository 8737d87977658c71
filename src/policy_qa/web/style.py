"""The page's look: a theme with system CJK fonts only (nothing fetched from the internet) and its CSS."""

from __future__ import annotations

import gradio as gr

SANS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
MONO = ["WenQuanYi Micro Hei Mono", "Noto Sans Mono CJK SC", "ui-monospace", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    """Gradio's default theme in blue, on system fonts (its own theme fonts would be web fonts)."""
    return gr.themes.Default(primary_hue="blue", secondary_hue="sky", neutral_hue="slate", font=SANS, font_mono=MONO)


CSS = """
.masthead h1 { font-size: 1.6rem; margin: 0.2rem 0 0.1rem; }
.masthead p { margin: 0 0 0.4rem; color: var(--body-text-color-subdued); }
.panel-title { margin: 0.2rem 0 0.4rem; font-size: 1.1rem; }
#chat .answer p { margin: 0.2rem 0; }
#chat .answer .text { line-height: 1.8; }
#chat .answer .understood, #chat .answer .meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
#chat .answer .note { background: #fff4e0; border-left: 3px solid #f08c00; padding: 0.3rem 0.6rem; color: #7a4100; }
#chat .answer.error p { color: #b42318; }
#chat .answer.pending .writing, #chat .answer.pending:not(:has(.writing)) { color: var(--body-text-color-subdued); }
#chat a.cite { font-weight: 600; text-decoration: none; color: #1d4ed8; background: #e0eaff; border-radius: 4px;
  padding: 0 3px; margin: 0 1px; }
#chat a.cite:hover { background: #c7d7fe; }
#sources { max-height: 78vh; overflow-y: auto; padding-right: 4px; }
.sources.empty { color: var(--body-text-color-subdued); padding: 1rem 0.2rem; }
.sources details.turn > summary { font-weight: 600; cursor: pointer; margin: 0.3rem 0; }
.sources details.turn.earlier > summary { color: var(--body-text-color-subdued); font-weight: 400; }
.sources .source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6rem 0.8rem;
  margin: 0.5rem 0; background: var(--background-fill-primary); scroll-margin-top: 0.5rem; }
.sources .source.active { border-color: #2563eb; box-shadow: 0 0 0 3px rgba(37, 99, 235, 0.25); }
.sources .source header { font-weight: 600; }
.sources .badge { color: #fff; background: #2563eb; border-radius: 4px; padding: 0 0.4rem; margin-right: 0.4rem; }
.sources .where { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0.15rem 0 0.4rem; }
.sources .section-text { white-space: pre-wrap; line-height: 1.85; font-size: 15px; margin: 0; }
.sources .page-image summary { cursor: pointer; font-size: 13px; margin-top: 8px; }
.sources .page-image img { width: 100%; border: 1px solid #d0d7de; margin-top: 6px; }
.sources mark { background: #ffe066; color: #1f2937; padding: 0.1rem 0; border-radius: 2px; font-weight: 600; }
.sources .source.active mark { background: #ffd43b; box-shadow: 0 0 0 2px #f59f00; }
.sources details.uncited > summary { cursor: pointer; color: var(--body-text-color-subdued); margin: 0.4rem 0; }
.sources .none { color: var(--body-text-color-subdued); }
"""

# A click on an answer's [n] marks that source card and scrolls the source panel just enough to show it (the
# window stays put), opening the card's question if it was folded.
SCRIPT = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    const card = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!card) return;
    event.preventDefault();
    document.querySelectorAll(".sources .source.active").forEach((other) => other.classList.remove("active"));
    card.classList.add("active");
    const turn = card.closest("details.turn");
    if (turn) turn.open = true;
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
}
"""
