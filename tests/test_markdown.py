"""The Markdown renderer stops plain text at fewer characters than markdown-it does (for
speed): it must still give exactly the HTML of markdown-it as configured, on any text."""
import random

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from infonotes.archive.markdown import TEXT_STOPS, is_safe_url, make_markdown

# Every ASCII punctuation character, and the constructs that start with them.
PIECES = ["a", "word", " ", "  ", "\n", "\n\n", "-", ":", "#", "$", "%", "+", "=", ">", "@", "{", "}",
          "[", "]", "(", ")", "!", "*", "_", "`", "~", "<", "&", "\\", "^", "'", '"', "|", ",", ".", "/",
          "?", ";", "http://x.y", "mailto:a@b.c", "&amp;", "&#35;", "**", "__", "~~", "[^1]",
          "[^1]: note\n", "<http://a.b>", "](/u)", "](javascript:x)", "1.", "\n- ", "\n> ", "\n# ",
          "    ", "\n```\n", "\n| a | b |\n|---|---|\n", "---", "==="]


def stock_markdown() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.use(footnote_plugin)
    md.validateLink = is_safe_url
    return md


def test_the_renderer_stops_text_at_fewer_characters():
    md = make_markdown()
    assert md.inline.terminator_re is TEXT_STOPS
    assert stock_markdown().inline.terminator_re.search("non-State") is not None
    assert TEXT_STOPS.search("non-State: inter-agency #1 {x} a+b=c @d 5% $e") is None


def test_random_texts_render_as_markdown_it_renders_them():
    ours, stock = make_markdown(), stock_markdown()
    rng = random.Random(1540)
    differ = []
    for _ in range(6000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
        if ours.render(text) != stock.render(text):
            differ.append(text)
    assert differ == []


def test_links_footnotes_and_emphasis_render_as_markdown_it_renders_them():
    ours, stock = make_markdown(), stock_markdown()
    samples = [
        "See [the *1540* report: 2004-2024](https://example.org/a-b) and [x]: y",
        "A footnote[^n] and an inline one^[with [a link](/l) inside].\n\n[^n]: The note -- here.",
        "**non-State** actors, _inter-agency_ ~~draft~~ `code-1` <https://un.org/a-b> &copy; a\\-b",
        "[label with ] bracket](/u) ![img: alt](/i.png \"t-1\") [ref-1]\n\n[ref-1]: /r#x-y",
        "Line ending with two spaces  \nnext: line\\\nlast",
    ]
    for text in samples:
        assert ours.render(text) == stock.render(text)
