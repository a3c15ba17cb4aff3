"""Note bodies from Markdown to HTML, safely: no raw HTML, only harmless link schemes."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

_SAFE_SCHEMES = ("http:", "https:", "mailto:")

TEXT_STOPS = re.compile("[" + re.escape("\n!&*<[\\]^_`~") + "]")
"""Where a run of plain text ends, so that the inline rules look at the next character.

markdown-it stops at every character that any rule or extension might start on; it also
stops at `-`, `:`, `#`, `$`, `%`, `+`, `=`, `>`, `@`, `{` and `}`, which none of the
rules enabled here start on. At each of those it tries every rule in turn, in vain, and
the hyphens of notes ("non-State", "inter-agency") add up: stopping only where an enabled
rule can start (and at `]`, where a link's text ends) renders the same HTML with far fewer
attempts. tests/test_markdown.py compares the two on thousands of random texts."""


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
    md.inline.terminator_re = TEXT_STOPS
    return md
