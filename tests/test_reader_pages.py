"""Reader pages (issue 18): what a reader sees first, lists that stay short, charts that
can be read. Each page kind of the 300-note archive is opened in Chromium at a phone's
size (390 × 844) and a desktop's (1280 × 800); the lists are read from the built files.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import note_text, static_server, write_project
from infonotes.cli import main as cli_main
from test_site import NOTE_LINK, ListEntries, list_pages, page_file
from test_validity import PAGE_KINDS, pick_pages

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LIMIT = 150 * 1024
PAGE_SIZE = 50
TERM_KINDS = ("state", "organization", "paragraph", "document", "year", "page 2 of a list", "a role's notes")

# What the browser measures on a page, in one go: overflow, the smallest text (an SVG's text
# at the size it is drawn, its font size times the picture's scale), SVG texts outside their
# picture, the header's rows and height, and where the first note's link is.
MEASURE = """() => {
  const small = [];
  const outside = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest('.visually-hidden, title, desc, [hidden]')) continue;
    const style = getComputedStyle(element);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    let size = parseFloat(style.fontSize);
    const svg = element.closest('svg');
    if (svg) {
      const box = svg.getBoundingClientRect();
      if (!box.width) continue;  // in a closed <details>
      size *= box.width / svg.viewBox.baseVal.width;
    } else if (!element.getClientRects().length) continue;
    if (size < 11.95) small.push(`${element.tagName} "${node.textContent.trim().slice(0, 40)}" ${size.toFixed(1)}px`);
  }
  for (const text of document.querySelectorAll('svg text')) {
    const svg = text.closest('svg').getBoundingClientRect();
    const box = text.getBoundingClientRect();
    if (box.left < svg.left - 0.5 || box.right > svg.right + 0.5 || box.top < svg.top - 0.5 || box.bottom > svg.bottom + 0.5)
      outside.push(text.textContent);
  }
  const header = document.querySelector('.site-header .wrap');
  const parts = [...header.querySelectorAll('.site-title, .site-nav a, .site-search input, .site-search button')];
  const tops = parts.map(p => p.getBoundingClientRect().top);
  const first = document.querySelector('main .list-item a');
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    small, outside,
    headerRows: Math.max(...tops) - Math.min(...tops),
    headerHeight: document.querySelector('.site-header').getBoundingClientRect().height,
    firstNote: first ? first.getBoundingClientRect().top + window.scrollY : null,
  };
}"""


@pytest.fixture(scope="module")
def measured(site_300, chromium):
    """{(kind, viewport name): what MEASURE found} for every page kind, at both sizes."""
    pages = pick_pages(site_300)
    found = {}
    with static_server(site_300) as base:
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context = chromium.new_context(viewport=viewport)
            tab = context.new_page()
            for kind in PAGE_KINDS:
                relative = pages[kind].relative_to(site_300).as_posix()
                tab.goto(base + "/" + relative.removesuffix("index.html"), wait_until="load")
                found[(kind, name)] = tab.evaluate(MEASURE)
            context.close()
    return found


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_no_page_kind_overflows_or_shows_text_under_12_px_or_clips_a_chart_label(measured, viewport):
    for kind in PAGE_KINDS:
        seen = measured[(kind, viewport)]
        assert seen["overflow"] <= 0, f"{kind} at {viewport}: {seen['overflow']} px wider than the screen"
        assert not seen["small"], f"{kind} at {viewport}: text under 12 px: {seen['small'][:5]}"
        assert not seen["outside"], f"{kind} at {viewport}: chart labels outside their picture: {seen['outside'][:5]}"


def test_the_header_is_one_row_on_a_desktop_and_one_height_on_a_phone(measured):
    for kind in PAGE_KINDS:
        assert measured[(kind, "desktop")]["headerRows"] < 12, f"{kind}: the header wraps at 1280 px"
    heights = {round(measured[(kind, "phone")]["headerHeight"], 1) for kind in PAGE_KINDS}
    assert len(heights) == 1, f"the header's height on a phone changes between pages: {heights}"


def test_on_a_phone_a_term_page_shows_its_first_note_in_the_first_screen(measured):
    for kind in TERM_KINDS:
        top = measured[(kind, "phone")]["firstNote"]
        assert top is not None and top < 900, f"{kind}: the first note's link starts at {top} px"


def test_the_charts_come_after_the_notes(site_300):
    pages = pick_pages(site_300)
    for kind in ("state", "organization", "paragraph"):
        html = pages[kind].read_text(encoding="utf-8")
        assert 'class="chart"' in html, f"the biggest {kind} page has charts"
        assert html.index('class="list-item"') < html.index('class="chart"'), kind


def _term_lists(site: Path) -> list[str]:
    """The first page of every list of a term: all its notes, and its notes in each role."""
    found = []
    for section in ("states", "organizations", "paragraphs"):
        for folder in sorted((site / section).iterdir()):
            page = folder / "index.html"
            if (folder / "notes.csv").is_file() and 'http-equiv="refresh"' not in page.read_text(encoding="utf-8"):
                found.append(f"{section}/{folder.name}/")
                found += [f"{section}/{folder.name}/{role}/" for role in ("host", "organizer", "participant")
                          if (folder / role / "index.html").is_file()]
    return found


def test_every_note_of_a_term_is_reachable_through_its_pages_once(site_300):
    """Following rel="next" from a term's first page reaches every note its table lists,
    each once, newest first, at most 50 a page, at the addresses base/page/N/; a role's
    list holds exactly the notes whose label names that role."""
    lists = _term_lists(site_300)
    assert any("/page/" in path for base in lists for path, _ in list_pages(site_300, base)), \
        "the 300-note archive has lists of more than one page"
    for base in lists:
        pages = list_pages(site_300, base)
        assert [path for path, _ in pages] == [base] + [f"{base}page/{n}/" for n in range(2, len(pages) + 1)]
        ids = []
        for path, page in pages:
            shown = [e[0] for e in page.entries]
            assert len(shown) == len(set(shown)), f"{path}: a note appears twice"
            assert 0 < len(shown) <= PAGE_SIZE, path
            ids += shown
        assert len(ids) == len(set(ids)), f"{base}: a note is on two pages"
        term = re.match(r"[a-z]+/[^/]+/", base)[0]
        table = (site_300 / term / "notes.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        role = base[len(term):].strip("/")
        if not role:
            assert sorted(ids) == sorted(line.split(",")[0] for line in table), base
        else:
            first = ListEntries(page_file(site_300, term).read_text(encoding="utf-8"))
            assert first.entries  # the term's own page lists notes too
            labelled = {e[0] for _, p in list_pages(site_300, term) for e in p.entries if role in e[2]}
            assert set(ids) == labelled, base


def test_pages_link_their_neighbours_with_rel_prev_and_next(site_300):
    base = next(b for b in _term_lists(site_300) if len(list_pages(site_300, b)) > 2)
    pages = [path for path, _ in list_pages(site_300, base)]
    for number, path in enumerate(pages):
        html = page_file(site_300, path).read_text(encoding="utf-8")
        prev = re.search(r'<link rel="prev" href="([^"]+)">', html)
        assert (prev[1] if prev else None) == ("/" + pages[number - 1] if number else None), path
        assert re.search(r'<a href="[^"]+" rel="next">', html) or number == len(pages) - 1


def test_no_page_is_over_150_kb_and_lists_hold_at_most_50_notes(site_300):
    """A list page holds at most 50 entries whatever the archive's size, and every other
    page grows only with one note (note pages) or with the catalog (the indexes): so the
    largest pages of this build bound those of a 10,000-note one (bench.py measures it)."""
    for path in site_300.rglob("*.html"):
        assert path.stat().st_size <= LIMIT, f"{path}: {path.stat().st_size:,} bytes"
        text = path.read_text(encoding="utf-8")
        entries = text.count('<li class="list-item">')
        assert entries <= PAGE_SIZE, f"{path}: {entries} notes on one page"
        if NOTE_LINK.match("/" + path.parent.relative_to(site_300).as_posix() + "/") is None:
            # Outside note pages, a page's note links are its list's entries (and a home page's latest).
            assert text.count('href="/notes/') - text.count('href="/notes/page/') <= 3 * PAGE_SIZE + 40, path


# --- a note's page: related notes, and the notes before and after it ---------------------

RELATED = re.compile(r'<section class="related".*?</section>', re.S)
PAGER = re.compile(r'<nav class="note-pager".*?</nav>', re.S)
LINKED_NOTE = re.compile(r'href="/notes/([^/"]+)/"')


def _names(note: dict) -> set[str]:
    """What a note shares with others: its States, organizations and paragraphs, in any role."""
    found = {s["iso3"] for s in note["states"]}
    found |= {note["country"]["iso3"]} if note["country"] else set()
    for who in note["organizers"] + note["organizations"]:
        found.add(who.get("iso3") or who["acronym"])
    return found | {"paragraph:" + p["reference"] for p in note["paragraphs"]}


def test_each_note_page_links_at_most_five_related_notes_that_share_a_name_with_it(site_300):
    notes = {n["id"]: n for n in json.loads((site_300 / "data/notes.json").read_text(encoding="utf-8"))["notes"]}
    with_related = 0
    for note_id, note in notes.items():
        html = (site_300 / "notes" / note_id / "index.html").read_text(encoding="utf-8")
        section = RELATED.search(html)
        if section is None:
            continue
        with_related += 1
        related = LINKED_NOTE.findall(section[0])
        assert 1 <= len(related) <= 5 and len(set(related)) == len(related), note_id
        assert note_id not in related
        for other in related:
            assert _names(note) & _names(notes[other]), f"{note_id} -> {other} share nothing"
    assert with_related > 0.9 * len(notes)


def test_previous_and_next_walk_through_every_note_in_time(site_300):
    notes = json.loads((site_300 / "data/notes.json").read_text(encoding="utf-8"))["notes"]
    in_time = [n["id"] for n in sorted(notes, key=lambda n: (n["date"], n["id"]))]
    walked, current = [], in_time[0]
    while current:
        walked.append(current)
        html = (site_300 / "notes" / current / "index.html").read_text(encoding="utf-8")
        pager = PAGER.search(html)[0]
        newer = re.search(r'class="note-pager-newer"><a href="/notes/([^/"]+)/"', pager)
        older = re.search(r'class="note-pager-older"><a href="/notes/([^/"]+)/"', pager)
        assert (older[1] if older else None) == (walked[-2] if len(walked) > 1 else None), current
        current = newer[1] if newer else None
    assert walked == in_time


def test_related_notes_prefer_a_rare_shared_paragraph_to_a_common_state(tmp_path):
    """Sharing a paragraph few notes cite says more than sharing a State many notes name;
    at most five are shown, the nearest in time first among equals."""
    notes = {f"2020/2020-01-{day:02d}-common-{day}.md": note_text(f"Common {day}", f"2020-01-{day:02d}",
                                                                   states="[Japan]")
             for day in range(1, 11)}
    notes["2020/2020-02-01-rare-a.md"] = note_text("Rare A", "2020-02-01", states="[Japan]",
                                                   paragraphs="[2663 OP17]")
    notes["2021/2021-06-01-rare-b.md"] = note_text("Rare B", "2021-06-01", states="[Chile]",
                                                   paragraphs="[2663 OP17]")
    project = write_project(tmp_path / "p", notes)
    assert cli_main(["--config", str(project / "site.toml"), "build", "--no-search",
                     "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out/notes/2020-02-01-rare-a/index.html").read_text(encoding="utf-8")
    related = LINKED_NOTE.findall(RELATED.search(html)[0])
    assert related[0] == "2021-06-01-rare-b"
    assert related[1:] == ["2020-01-10-common-10", "2020-01-09-common-9", "2020-01-08-common-8",
                           "2020-01-07-common-7"]
    lonely = (tmp_path / "out/notes/2021-06-01-rare-b/index.html").read_text(encoding="utf-8")
    assert LINKED_NOTE.findall(RELATED.search(lonely)[0]) == ["2020-02-01-rare-a"]
    assert "Previous note" in lonely and "Next note" not in lonely


def test_the_open_data_page_gives_each_download_its_size(site_300):
    html = (site_300 / "data/index.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'<a href="/(data/[^"]+)">data/[^<]+</a> \(([^)]+)\)', html))
    assert set(shown) >= {"data/notes.json", "data/notes.csv"}, shown
    for path, size in shown.items():
        actual = (site_300 / path).stat().st_size
        number, unit = size.split()
        scale = {"bytes": 1, "KB": 1000, "MB": 1_000_000}[unit]
        assert abs(float(number.replace(",", "")) * scale - actual) <= scale / 2 + 1, (path, size, actual)
    assert "<!--size:" not in html
