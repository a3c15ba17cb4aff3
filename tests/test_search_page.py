"""The search page, in headless Chromium (Debian's, through Playwright), over http:// from a
local server and from file:// on the built folder, for a 300-note synthetic archive and the
sample archive.

What the reader sees is checked against what the notes say: the notes a word must find are
worked out here in Python from the notes themselves, and the results of lunr.js in the
browser are compared with those of lunr.py on the same built index.
"""
from __future__ import annotations

import contextlib
import gzip
import html
import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from infonotes.archive.catalog import load_catalog
from infonotes.archive.model import Note
from infonotes.commands.build import build_site, load_notes_from, notes_in
from infonotes.config import load_config
from infonotes.pages.urls import Links

from conftest import ROOT, html_files, note_text, static_server, write_project

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SEARCH_SCRIPTS = ["../assets/lunr.min.js", "index.js", "store.js", "../assets/search.js"]
INDEX_FILES = ("search/index.js", "search/store.js", "assets/lunr.min.js", "assets/search.js")
MALFORMED = ["foo:", "+", "-", "~", '"', "*", "^", "foo:bar", "title:", "+-", "~2", "^3", '"export',
             "export~", "export^", ":export", "*:*", "nuclear +", "- -", "((", "?", "\\", "  "]
# Words that only a city (or nothing) is likely to carry; the first that fits is used.
CITY_WORDS = ["Wiesbaden", "Bratislava", "Minsk", "Suva", "Canberra", "Dakar", "Amman", "Abuja",
              "Nairobi", "Doha", "Vientiane", "Tokyo"]
GOLDEN_QUERIES = ["export", "inspections", "laboratory", "nuclear security", "+nuclear +security",
                  "biosecurity -chemical", "toxin*", "pathogen~1", "title:workshop", "2663", "op17",
                  "viet nam", "Lao", "wiesbaden", "experts^10 customs"]


# --- Archives, builds, servers ---------------------------------------------------------------

@dataclass
class Archive:
    name: str
    notes: list[Note]
    notes_dir: Path
    http_site: Path
    """Built with the default links (root paths), served over http://."""
    file_site: Path
    """Built with relative links (what an offline copy uses), opened from file://."""
    base: str = ""
    """The http:// address of http_site, once served."""


def _build(notes_dir: Path, out: Path, relative: bool) -> Path:
    config = load_config(ROOT / "site.toml")
    links = Links(config.base_url, config.base_path, relative=relative)
    build_site(config, notes_dir=notes_dir, output_dir=out, links=links)
    for path in INDEX_FILES:
        assert (out / path).is_file(), f"the build wrote no {path}"
    return out


def _read_notes(notes_dir: Path) -> list[Note]:
    catalog = load_catalog(ROOT / "data", "data")
    notes = load_notes_from(notes_in(notes_dir), catalog)
    return sorted((n for n in notes if not n.draft), key=lambda n: n.id)


def _plain(body_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body_html))


EVIL_TITLE = "Quokka <script>window.__xss = 1</script> <img src=x onerror=\"window.__xss = 2\">"
EVIL_BODY = """Quokka sightings: <img src=x onerror="window.__xss = 3"> and <script>window.__xss = 4</script>
were reported at the quokka workshop.
"""


def _yaml_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def archives(tmp_path_factory, generated_300) -> dict[str, Archive]:
    root = tmp_path_factory.mktemp("search")
    gen = generated_300  # the synthetic archive the other test files use too
    small = write_project(root / "small", {
        "2021/2021-03-04-evil.md": note_text(
            _yaml_quoted(EVIL_TITLE), "2021-03-04", body=EVIL_BODY, summary=_yaml_quoted(EVIL_TITLE),
            country="Japan", states="[Japan, Viet Nam]", organizations="[UNODA]"),
        "2022/2022-05-06-inspections.md": note_text(
            "Seminar on border checks", "2022-05-06", city="Ulaanbaatar", country="Mongolia",
            states="[Mongolia, Japan]",
            body="## Overview\n\nInspections of laboratories were discussed. Who pays?\n"),
        "2019/2019-01-02-other.md": note_text(
            "Round-table on export licensing", "2019-01-02", states="[Norway]",
            body="## Overview\n\nNothing about the other words here. Norway’s delegation described the "
                 "Committee's work.\n"),
    }) / "notes"
    out = {}
    for name, notes_dir in (("gen300", gen), ("sample", ROOT / "notes"), ("small", small)):
        notes = _read_notes(notes_dir)
        out[name] = Archive(name, notes, notes_dir, _build(notes_dir, root / name / "http" / "public", False),
                            _build(notes_dir, root / name / "file" / "public", True))
    return out


@pytest.fixture(scope="module")
def served(archives):
    with contextlib.ExitStack() as stack:
        for archive in archives.values():
            archive.base = stack.enter_context(static_server(archive.http_site)) + "/"
        yield archives


class Tab:
    """One browser page, with every console error and uncaught exception it raised."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message) -> None:
        if message.type not in ("error", "assert"):
            return
        # Chromium asks every http:// site for /favicon.ico; the site has none, and that
        # is not the page's doing.
        if "favicon.ico" in (message.location or {}).get("url", ""):
            return
        self.errors.append(f"console.{message.type}: {message.text} ({message.location})")

    def wait_for(self, q: str) -> None:
        """Until the results for the query `q` are shown."""
        self.page.wait_for_function(
            """q => { const root = document.getElementById('search');
                      return root && root.dataset.state === 'ready' && root.dataset.q === q; }""",
            arg=q, timeout=10_000)

    def ready(self) -> None:
        self.page.wait_for_function(
            "() => { const r = document.getElementById('search'); return r && r.dataset.state !== 'loading'; }",
            timeout=10_000)
        assert self.page.get_attribute("#search", "data-state") == "ready", self.status()

    def status(self) -> str:
        return self.page.inner_text("#search-status")

    def ids(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("#search-results li h3 a", "as => as.map(a => a.getAttribute('href'))")
        return [_note_id(h) for h in hrefs]

    def count(self) -> int:
        return int(self.page.get_attribute("#search", "data-count") or 0)

    def query_string(self) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.page.url).query)


def _note_id(href: str) -> str:
    found = re.fullmatch(r"\.\./notes/([^/]+)/(index\.html)?", href)
    assert found, f"unexpected result link {href!r}"
    return found[1]


@pytest.fixture
def tabs(chromium):
    contexts = []

    def _open(url: str, wait: bool = True, **options) -> Tab:
        context = chromium.new_context(**options)
        contexts.append(context)
        tab = Tab(context.new_page())
        tab.page.goto(url, wait_until="load")
        if wait:
            tab.ready()
        return tab

    yield _open
    for context in contexts:
        context.close()


def search_url(archive: Archive, mode: str, query: str = "") -> str:
    if mode == "http":
        return archive.base + "search/" + query
    return (archive.file_site / "search" / "index.html").as_uri() + query


# --- What the notes say ------------------------------------------------------------------------

def _own_text(note: Note) -> str:
    return " ".join([note.title, note.summary, note.venue, _plain(note.body_html)])


def _all_text(note: Note) -> str:
    names = []
    for entity in (note.country, *note.organizers, *note.states, *note.organizations):
        if entity is not None:
            names += [getattr(entity, "name", ""), getattr(entity, "acronym", ""), getattr(entity, "iso3", ""),
                      *getattr(entity, "aliases", ())]
    for reference in note.paragraphs:
        names += [reference.label, reference.document.title, reference.description or ""]
    return _own_text(note) + " " + " ".join(names)


def notes_with(notes: list[Note], word: str, text=_all_text) -> set[str]:
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return {n.id for n in notes if pattern.search(text(n))}


def states_of(note: Note, roles: str = "all") -> set[str]:
    found = {s.slug for s in note.states}
    if roles == "all":
        found |= {o.slug for o in note.organizers if hasattr(o, "iso3")}
        if note.country:
            found.add(note.country.slug)
    return found


def pick_word(archive: Archive) -> tuple[str, set[str]]:
    """A city word that occurs in a handful of notes, in the notes' own text only (so that
    whatever else the index carries about a note, the expected set is the same)."""
    for word in CITY_WORDS:
        expected = notes_with(archive.notes, word)
        if 1 <= len(expected) <= 40 and expected == notes_with(archive.notes, word, _own_text):
            return word, expected
    pytest.fail(f"no city word of {CITY_WORDS} fits the {archive.name} archive")


def pick_state(archive: Archive, ids: set[str]) -> tuple[str, set[str]]:
    """The State named by most (but not necessarily all) of the notes `ids`, chosen so that
    "naming" gives the same notes whether it means participants or every role."""
    by_id = {n.id: n for n in archive.notes}
    counts: dict[str, int] = {}
    for note_id in ids:
        for slug in states_of(by_id[note_id]):
            counts[slug] = counts.get(slug, 0) + 1
    for slug in sorted(counts, key=lambda s: (-counts[s], s)):
        narrow = {i for i in ids if slug in states_of(by_id[i], "participant")}
        if narrow and narrow == {i for i in ids if slug in states_of(by_id[i])}:
            return slug, narrow
    pytest.fail("no State fits")


# --- Finding notes -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("name", ["gen300", "sample"])
def test_a_word_finds_exactly_its_notes_and_a_state_narrows_them(name, mode, served, tabs):
    archive = served[name]
    word, expected = pick_word(archive)
    state, narrowed = pick_state(archive, expected)

    tab = tabs(search_url(archive, mode))
    assert "Type words" in tab.status()
    tab.page.locator("#search-q").press_sequentially(word, delay=15)
    tab.wait_for(word)
    assert set(tab.ids()) == expected and len(tab.ids()) == len(expected)
    assert f"{len(expected)} note" in tab.status() and word in tab.status()
    assert tab.query_string().get("q") == [word], tab.page.url

    # A State facet narrows the results to the notes naming that State.
    box = tab.page.locator(f"#facet-state-{state}")
    assert box.count() == 1, f"no State facet for {state}"
    label = tab.page.inner_text(f"label[for=facet-state-{state}]")
    assert f"({len(narrowed)})" in label, label
    box.check()
    tab.wait_for(word)
    assert set(tab.ids()) == narrowed
    assert tab.query_string() == {"q": [word], "state": [state]}

    # The back button undoes the facet, forward redoes it.
    tab.page.go_back()
    tab.page.wait_for_function("() => !location.search.includes('state=')")
    tab.wait_for(word)
    assert set(tab.ids()) == expected
    assert not tab.page.is_checked(f"#facet-state-{state}")
    tab.page.go_forward()
    tab.page.wait_for_function("() => location.search.includes('state=')")
    tab.wait_for(word)
    assert set(tab.ids()) == narrowed

    # The URL alone reproduces the same results.
    tab.page.reload(wait_until="load")
    tab.ready()
    tab.wait_for(word)
    assert set(tab.ids()) == narrowed
    assert tab.page.input_value("#search-q") == word
    assert tab.page.is_checked(f"#facet-state-{state}")

    # Clearing the filters brings back every note of the word.
    tab.page.click("#search-clear")
    tab.wait_for(word)
    assert set(tab.ids()) == expected
    assert tab.query_string() == {"q": [word]}

    # The result links lead to the notes.
    first = tab.page.locator("#search-results li h3 a").first
    title = first.inner_text()
    first.click()
    tab.page.wait_for_load_state("load")
    assert tab.page.inner_text("main h1").split() == title.split()
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("mode", ["http", "file"])
def test_a_facet_alone_lists_its_notes_newest_first(mode, served, tabs):
    archive = served["gen300"]
    _, some = pick_word(archive)
    state, _ = pick_state(archive, some)
    expected = sorted((n for n in archive.notes if state in states_of(n, "participant")),
                      key=lambda n: (n.date, n.id), reverse=True)
    assert expected == sorted((n for n in archive.notes if state in states_of(n)),
                              key=lambda n: (n.date, n.id), reverse=True)
    tab = tabs(search_url(archive, mode, f"?state={state}"))
    tab.wait_for("")
    assert tab.count() == len(expected)
    shown = tab.ids()
    assert shown == [n.id for n in expected][: len(shown)]
    dates = tab.page.eval_on_selector_all("#search-results time", "ts => ts.map(t => t.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True)
    if len(expected) > len(shown):  # "Show more" adds the next ones and moves the focus to them
        tab.page.click("#search-more")
        assert tab.ids() == [n.id for n in expected][: len(tab.ids())] and len(tab.ids()) > len(shown)
        assert tab.page.evaluate("document.activeElement.getAttribute('href')").endswith(
            expected[len(shown)].id + ("/" if mode == "http" else "/index.html"))
    assert not tab.errors, tab.errors


def test_several_facets_combine_and_an_empty_result_suggests_removing_them(served, tabs):
    archive = served["gen300"]
    word, expected = pick_word(archive)
    state, narrowed = pick_state(archive, expected)
    by_id = {n.id: n for n in archive.notes}
    year = str(by_id[sorted(narrowed)[0]].year)
    tab = tabs(search_url(archive, "http", f"?q={word}&state={state}&year={year}"))
    tab.wait_for(word)
    assert set(tab.ids()) == {i for i in narrowed if str(by_id[i].year) == year}
    # A State that none of the word's notes names: nothing, and the page says what to do.
    absent = next(n for n in archive.notes if not states_of(n) & set().union(*(states_of(by_id[i]) for i in expected)))
    other = sorted(states_of(absent, "participant"))[0]
    tab = tabs(search_url(archive, "http", f"?q={word}&state={other}"))
    tab.wait_for(word)
    assert tab.ids() == []
    assert "No notes" in tab.status() and "removing a filter" in tab.status()
    assert tab.page.is_checked(f"#facet-state-{other}"), "a chosen facet must stay visible to be unchosen"
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("name", ["gen300", "sample"])
def test_malformed_queries_never_show_an_error(name, mode, served, tabs):
    archive = served[name]
    word, expected = pick_word(archive)
    tab = tabs(search_url(archive, mode))
    box = tab.page.locator("#search-q")
    for query in MALFORMED + [f"{word}?", f"{word}:", f'"{word}"', f"{word}~", f"+{word} -", f"({word})",
                              f"{word.upper()}!", f"{word}^"]:
        box.fill(query)
        box.press("Enter")
        tab.wait_for(query)
        status = tab.status()
        if query.strip():
            assert tab.count() > 0 or "No notes" in status, f"{query!r}: {status!r}"
        else:
            assert "Type words" in status and not tab.ids()
        assert "error" not in status.lower(), f"{query!r}: {status!r}"
        if word.lower() in query.lower():
            assert set(tab.ids()) == expected, f"{query!r} should find the notes of {word!r}"
    assert not tab.errors, tab.errors


def found_ids(tab, query: str) -> set[str]:
    """The note ids the page lists once `query` is typed."""
    tab.page.fill("#search-q", query)
    tab.wait_for(query)
    return set(tab.ids())


def marked_words(tab, query: str) -> list[str]:
    """The words the results' snippets mark once `query` is typed, in order."""
    found_ids(tab, query)
    return tab.page.eval_on_selector_all("#search-results mark", "ms => ms.map(m => m.textContent)")


def test_words_are_stemmed_and_punctuation_is_ignored(served, tabs):
    archive = served["small"]
    tab = tabs(search_url(archive, "http"))
    for query, expected in [("inspection", {"2022-05-06-inspections"}), ("laboratory?", {"2022-05-06-inspections"}),
                            ("Ulaanbaatar!", {"2022-05-06-inspections"}), ("discussing", {"2022-05-06-inspections"}),
                            ("Mongolia", {"2022-05-06-inspections"}), ("Vietnam", {"2021-03-04-evil"}),
                            ("VNM", {"2021-03-04-evil"}), ("licensing", {"2019-01-02-other"}),
                            ("MNG", {"2022-05-06-inspections"}),
                            ("round-table", {"2019-01-02-other"})]:
        assert found_ids(tab, query) == expected, query
    # The snippet marks the words that matched, as the index saw them.
    assert marked_words(tab, "inspection laboratory") == ["Inspections", "laboratories"]
    assert not tab.errors, tab.errors


def test_words_that_the_two_stemmers_disagree_on_are_found(served, tabs):
    archive = served["small"]
    assert '["norwai",' not in (archive.http_site / "search" / "index.js").read_text(encoding="utf-8")
    tab = tabs(search_url(archive, "http"))
    for query, expected in [("Norway", {"2019-01-02-other"}),
                            ("pays", {"2022-05-06-inspections"})]:
        assert found_ids(tab, query) == expected, query


def test_possessive_endings_are_dropped_from_queries_and_snippets(served, tabs):
    archive = served["small"]
    tab = tabs(search_url(archive, "http"))
    for query in ["committee", "Committee's", "COMMITTEE’S?", "committees", "norway's", "delegation's"]:
        assert found_ids(tab, query) == {"2019-01-02-other"}, query
    assert marked_words(tab, "committee delegation") == ["delegation", "Committee"]
    assert not tab.errors, tab.errors


def test_hostile_note_strings_are_shown_as_text_and_nothing_runs(served, tabs):
    archive = served["small"]
    for mode in ("http", "file"):
        tab = tabs(search_url(archive, mode, "?q=quokka"))
        dialogs = []
        tab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.wait_for("quokka")
        assert tab.ids() == ["2021-03-04-evil"]
        title = tab.page.inner_text("#search-results h3")
        assert "<script>window.__xss = 1</script>" in title and 'onerror="window.__xss = 2">' in title
        snippet = tab.page.inner_text("#search-results .search-snippet")
        assert '<img src=x onerror="window.__xss = 3">' in snippet and "<script>window.__xss = 4</script>" in snippet
        marks = tab.page.eval_on_selector_all("#search-results mark", "ms => ms.map(m => m.textContent)")
        assert marks and all(m.lower() == "quokka" for m in marks)
        assert tab.page.eval_on_selector_all("#search-results img, #search-results script, #search-results [onerror]",
                                             "els => els.length") == 0
        tab.page.wait_for_timeout(200)  # an image error handler would have run by now
        assert tab.page.evaluate("window.__xss") is None and not dialogs
        assert not tab.errors, tab.errors


# --- The page itself ---------------------------------------------------------------------------

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.html.slice(0, 160))}));
}"""


@pytest.mark.parametrize("name", ["gen300", "sample"])
def test_axe_core_finds_no_violations_with_results_and_facets(name, served, tabs):
    archive = served[name]
    word, expected = pick_word(archive)
    state, _ = pick_state(archive, expected)
    problems = []
    for query in ("", f"?q={word}", f"?q={word}&state={state}", "?q=zzzzqqq"):
        tab = tabs(search_url(archive, "http", query))
        tab.page.wait_for_function("() => document.getElementById('search').dataset.q !== undefined")
        if query.startswith(f"?q={word}"):
            assert tab.ids() and tab.page.locator("#search-facets input[type=checkbox]").count() > 0
        if query.startswith(f"?q={word}&"):  # and on a phone, nothing scrolls sideways
            tab.page.set_viewport_size({"width": 360, "height": 740})
            width = tab.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"the search page is {width} px wide on a 360 px screen"
        tab.page.add_script_tag(path=str(AXE_JS))
        for v in tab.page.evaluate(AXE_RUN):
            problems.append(f"{query or '(no query)'}: {v['id']} ({v['impact']}): {v['help']}\n    "
                            + "\n    ".join(v["nodes"][:5]))
    assert not problems, "axe-core violations on the search page:\n" + "\n".join(problems)


def test_keyboard_alone_searches_narrows_and_opens_a_note(served, tabs):
    archive = served["gen300"]
    word, expected = pick_word(archive)
    state, narrowed = pick_state(archive, expected)
    tab = tabs(search_url(archive, "http"))
    page = tab.page

    def tab_until(predicate: str, limit: int = 400) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate):
                return
        pytest.fail(f"Tab never reached {predicate}")

    tab_until("document.activeElement.id === 'search-q'")
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    tab.wait_for(word)
    assert set(tab.ids()) == expected
    tab_until(f"document.activeElement.id === 'facet-state-{state}'")
    page.keyboard.press("Space")
    tab.wait_for(word)
    assert set(tab.ids()) == narrowed
    assert page.evaluate("document.activeElement.id") == f"facet-state-{state}", "the focus was lost"
    tab_until("document.activeElement.closest('#search-results') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/notes/"))
    assert urlparse(page.url).path.strip("/").split("/")[-1] in narrowed
    assert not tab.errors, tab.errors


def test_without_javascript_the_page_says_so_and_links_the_indexes(served, tabs):
    archive = served["sample"]
    tab = tabs(search_url(archive, "http", "?q=tokyo"), wait=False, java_script_enabled=False)
    message = tab.page.locator("#search-nojs")
    assert message.is_visible() and "needs JavaScript" in message.inner_text()
    assert not tab.page.locator("#search").is_visible()
    hrefs = tab.page.eval_on_selector_all("#search-nojs a", "as => as.map(a => a.getAttribute('href'))")
    for path in ("/states/", "/organizations/", "/paragraphs/", "/notes/"):
        assert path in hrefs, hrefs
    assert any(re.fullmatch(r"/notes/\d{4}/", h) for h in hrefs), hrefs
    # With JavaScript the message goes away.
    tab = tabs(search_url(archive, "http", "?q=tokyo"))
    assert not tab.page.locator("#search-nojs").is_visible()


@pytest.mark.parametrize("name", ["gen300", "sample"])
def test_only_the_search_page_loads_scripts(name, served, tabs):
    archive = served[name]
    for site in (archive.http_site, archive.file_site):
        search_page = site / "search" / "index.html"
        assert search_page.is_file()
        for path in html_files(site):
            text = path.read_text(encoding="utf-8")
            if path == search_page:
                srcs = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"[^>]*>\s*</script>", text)
                assert srcs == SEARCH_SCRIPTS and text.lower().count("<script") == len(SEARCH_SCRIPTS)
            else:
                assert "<script" not in text.lower(), f"{path.relative_to(site)} has a script"
                assert not any(f in text for f in INDEX_FILES), f"{path.relative_to(site)} names a search file"
            forms = re.findall(r"<form\b[^>]*>", text)
            if path.name != "404.html" or path.parent != site:
                assert any('role="search"' in f and 'method="get"' in f for f in forms), path
        for path in INDEX_FILES:
            assert (site / path).is_file(), path

    # In the browser: the home page requests none of them; its search box leads to the
    # search page, over http:// and from file:// alike.
    word, expected = pick_word(archive)
    for home in (archive.base, (archive.file_site / "index.html").as_uri()):
        tab = tabs(home, wait=False)
        assert not [u for u in tab.requests if u.endswith(INDEX_FILES)], tab.requests
        tab.page.fill("#site-search-q", word)
        tab.page.press("#site-search-q", "Enter")
        tab.page.wait_for_url(re.compile(r"/search/(index\.html)?\?q="))
        tab.ready()
        tab.wait_for(word)
        assert set(tab.ids()) == expected
        assert not tab.errors, tab.errors


def test_search_pages_pass_the_nu_html_checker(served):
    java = shutil.which("java")
    if not java:
        pytest.fail("Java is needed to run the Nu Html Checker (vnu.jar)")
    if not VNU_JAR.is_file():
        pytest.fail("node_modules/vnu-jar is missing: run `make setup` first")
    pages = [site / "search" / "index.html" for a in served.values() for site in (a.http_site, a.file_site)]
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, pages)],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr or run.stdout)
    problems = [f"{unquote(urlparse(m.get('url', '')).path)}:{m.get('lastLine', '?')}: {m.get('message')}"
                for m in report["messages"]]
    assert run.returncode == 0 and not problems, "\n".join(problems) or run.stderr


# --- lunr.py and lunr.js agree ---------------------------------------------------------------

def _load_index_py(site: Path):
    """lunr.py's Index.load (with lunr.py's stemmer) of the index computed from index.js."""
    from lunr.index import Index

    from lunr_reference import lunr_index_data
    text = (site / "search" / "index.js").read_text(encoding="utf-8")
    found = re.fullmatch(r"\s*(?:window\.)?SEARCH_INDEX\s*=\s*(.*?);?\s*", text, re.S)
    assert found, "search/index.js does not assign window.SEARCH_INDEX"
    return Index.load(lunr_index_data(json.loads(found[1])))


@pytest.mark.parametrize("name", ["gen300", "sample", "small"])
def test_the_page_searches_the_index_lunr_py_builds(name, served, tabs):
    # The lunr index the page computed from search/index.js and searches, serialized by
    # lunr.js, is lunr.py's own index of the same documents: every term, posting and
    # score (floats compared exactly once parsed).
    from test_search_index import lunr_py_json, model_of, search_documents
    archive = served[name]
    expected = json.loads(lunr_py_json(search_documents(model_of(archive.notes_dir))))
    tab = tabs(search_url(archive, "http"))
    shown = json.loads(tab.page.evaluate("JSON.stringify(window.SEARCH_LUNR.index.toJSON())"))
    # lunr.js sorts terms by UTF-16 code units, lunr.py by code points: the same for
    # these terms, and lunr.Index.load takes them in either order.
    assert [t for t, _ in shown["invertedIndex"]] == sorted(t for t, _ in shown["invertedIndex"])
    assert shown == expected
    assert len(shown["fieldVectors"]) == 7 * len(archive.notes) and not tab.errors, tab.errors


def test_scores_are_rounded_as_python_rounds_them(served, tabs):
    # lunr.py rounds scores with round(x, 3); lunr.js's Math.round(x * 1000) / 1000 differs
    # at exact ties (odd sixteenths: half to even) and where x * 1000 is rounded across .5.
    import random
    chooser = random.Random(1540)
    ties = [j / 16 for j in range(1, 4000, 2)]
    near = [math.nextafter(k / 1000 + 0.0005, direction) for k in range(0, 60000, 7) for direction in (0, 100)]
    values = ties + near + [chooser.uniform(0, 100) for _ in range(20000)] + [0.0, 1e-9, 0.0005, 0.0015, 2.675]
    tab = tabs(search_url(served["small"], "http"))
    rounded = tab.page.evaluate("values => values.map(window.SEARCH_LUNR.roundScore)", values)
    wrong = [(x, r, round(x, 3)) for x, r in zip(values, rounded) if r != round(x, 3)]
    assert not wrong, wrong[:10]
    plain = tab.page.evaluate("values => values.map(x => Math.round(x * 1000) / 1000)", ties)
    assert sum(p != round(x, 3) for x, p in zip(ties, plain)) > 100  # what lunr.js itself would do


@pytest.mark.parametrize("name", ["gen300", "sample"])
def test_lunr_py_and_lunr_js_find_the_same_notes(name, served, tabs, capsys):
    archive = served[name]
    index = _load_index_py(archive.http_site)
    word, _ = pick_word(archive)
    queries = GOLDEN_QUERIES + [word]
    python = {q: sorted(r["ref"] for r in index.search(q)) for q in queries}
    tab = tabs(search_url(archive, "http"))
    javascript = tab.page.evaluate("""queries => {
        const index = window.SEARCH_LUNR.index, out = {};
        for (const q of queries) out[q] = index.search(q).map(r => r.ref).sort();
        return out;
    }""", queries)
    different = {q: (len(python[q]), len(javascript[q])) for q in queries if python[q] != javascript[q]}
    assert not different, f"lunr.py and lunr.js differ (counts py, js): {different}"
    assert sum(1 for q in queries if python[q]) >= len(queries) // 2, "most golden queries should find notes"

    # What the page shows is what the Python side of the search (lunr_reference.search:
    # lunr's syntax when it parses, trimmed words, else plain words) finds on the same index.
    from lunr_reference import search as python_search
    by_path = {}
    for q in [word, "export", "nuclear security", f"{word}?", f"+{word} -", "title:workshop",
              "toxin*", "Committee's", "COMMITTEE’S?", *MALFORMED]:
        refs = sorted(r["ref"] for r in python_search(index, q))
        tab.page.fill("#search-q", q)
        tab.page.press("#search-q", "Enter")
        tab.wait_for(q)
        if not q.strip():
            continue
        assert tab.count() == len(refs), f"{q!r}: the page shows {tab.count()}, Python finds {len(refs)}"
        if len(refs) <= 50:
            if not by_path:
                by_path = dict(enumerate(tab.page.evaluate("window.SEARCH_STORE.docs.map(d => d[4])")))
            assert set(tab.ids()) == {by_path[int(r)].split("/")[1] for r in refs}, q

    if name == "gen300":
        timing = tab.page.evaluate("""() => {
            const entry = performance.getEntriesByName('search-index-load')[0];
            const start = performance.now();
            const index = lunr.Index.load(window.SEARCH_LUNR.indexData(window.SEARCH_INDEX));
            const load = performance.now() - start;
            const times = [];
            for (const q of ['export', 'nuclear security', 'toxin*', 'laboratory']) {
              const t = performance.now(); index.search(q); times.push(performance.now() - t);
            }
            const navigation = performance.getEntriesByType('navigation')[0];
            return {page: entry ? entry.duration : null, load, query: Math.max(...times),
                    ready: navigation.domContentLoadedEventEnd};
        }""")
        data = (archive.http_site / "search" / "index.js").read_bytes()
        with capsys.disabled():
            print(f"\n[search] {len(archive.notes)} notes: index.js {len(data) / 1024:.0f} KiB "
                  f"({len(gzip.compress(data)) / 1024:.0f} KiB gzipped); page ready (scripts loaded and run) "
                  f"{timing['ready']:.0f} ms; lunr.Index.load {timing['load']:.1f} ms (on page load "
                  f"{timing['page'] or 0:.1f} ms); slowest of 4 queries {timing['query']:.1f} ms")
    assert not tab.errors, tab.errors


# --- lunr.js in the build ----------------------------------------------------------------------

def test_build_copies_the_installed_lunr_js(archives):
    site = archives["sample"].http_site
    shipped = (site / "assets" / "lunr.min.js").read_bytes()
    assert shipped == (ROOT / "node_modules" / "lunr" / "lunr.min.js").read_bytes()
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["lunr"]
    assert f"- {pinned}\n" in shipped[:300].decode("utf-8") and pinned == "2.3.9"
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/lunr"]["version"] == pinned
    assert not list((ROOT / "theme").glob("lunr*")), "lunr.js is installed from npm, not kept in the theme"


def test_build_without_lunr_js_says_to_run_make_setup(tmp_path, monkeypatch):
    from infonotes.pages import assets
    from infonotes.problems import InputError

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)  # a project whose folder has no node_modules/
    project = write_project(tmp_path / "p", {"2020/2020-05-04-a.md": note_text()}, site_toml=(
        'title = "T"\nbase_url = "https://example.org/"\n[paths]\n'
        f'data = "{ROOT / "data"}"\ntemplates = "{ROOT / "templates"}"\ntheme = "{theme}"\n'))
    # ...and neither has the package's own checkout.
    monkeypatch.setattr(assets, "PACKAGE_CHECKOUT", tmp_path / "elsewhere")
    out = project / "public"
    with pytest.raises(InputError) as raised:
        build_site(load_config(project / "site.toml"), output_dir=out)
    message = "\n".join(map(str, raised.value.problems))
    assert "lunr" in message and "make setup" in message, message
    assert not out.exists(), "a failed build must leave no output"


# --- A build without the index -------------------------------------------------------------------

def test_build_without_search_leaves_out_the_index_and_the_page_says_so(tmp_path, tabs):
    from conftest import cli_main

    notes = ROOT / "notes"
    full, bare = tmp_path / "full", tmp_path / "bare"
    config = str(ROOT / "site.toml")
    assert cli_main(["--config", config, "build", "--notes", str(notes), "--out", str(full)]) == 0
    assert cli_main(["--config", config, "build", "--notes", str(notes), "--out", str(bare), "--no-search"]) == 0
    with_index, without = _files(full), _files(bare)
    assert sorted(set(with_index) - set(without)) == ["search/index.js", "search/store.js"]
    assert all(without[path] == with_index[path] for path in without), "only the index may differ"
    tab = tabs((bare / "search" / "index.html").as_uri() + "?q=nuclear", wait=False)
    tab.page.wait_for_function("() => document.getElementById('search').dataset.state === 'error'",
                               timeout=10_000)
    assert "search is not available" in tab.status()
    assert not tab.ids()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
