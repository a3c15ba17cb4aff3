"""Note bodies from Markdown to HTML, safely: no raw HTML, only harmless link schemes."""
from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def is_safe_url(url: str) -> bool:
    """http, https, mailto, or relative (no scheme at all). Anything else could run script."""
    cleaned = "".join(ch for ch in url.strip() if ch > " ").lower()
    if cleaned.startswith(_SAFE_SCHEMES):
        return True
    head = cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return ":" not in head


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.use(footnote_plugin)
    md.validateLink = is_safe_url
    return md


def render_body(md: MarkdownIt, text: str) -> str:
    return md.render(text)
