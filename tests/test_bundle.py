"""`build.py bundle`: the whole archive in one zip that works from file://.

The bundle of a 300-note synthetic archive is made once with the real command line and
unzipped; then:
- a crawler reads every HTML (and CSS) file and resolves every reference in it;
- headless Chromium opens the unzipped index.html from file:// with the network off,
  follows links home -> State -> note -> paragraph and back, and searches with a facet;
  the notes it must find are worked out here from the notes' front matter;
- a second run, a minute later by the clock, in another time zone, from a copy of the
  notes with other modification times, gives the same sha256;
- a run over a broken note writes no zip and says why.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from infonotes.archive.catalog import load_catalog
from infonotes.archive.text import slugify
from infonotes.output.ziparchive import deflate, zip_bytes
from infonotes.problems import InputError

from conftest import ROOT, gen_notes, note_text, run_cli

SETTINGS = tomllib.loads((ROOT / "site.toml").read_text(encoding="utf-8"))
PUBLISHED = SETTINGS["base_url"]
SHA256_LINE = re.compile(r"^sha256 ([0-9a-f]{64})$", re.M)


# --- The notes, as their front matter says ---------------------------------------------------

@dataclass(frozen=True)
class FrontMatter:
    id: str
    text: str
    """The whole file, front matter and body."""
    fields: dict


def read_front_matter(notes_dir: Path) -> list[FrontMatter]:
    """Every published note (drafts left out), read with PyYAML, not with the project's reader."""
    found = []
    for path in sorted(notes_dir.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        fields = yaml.safe_load(text.split("---\n")[1])
        if not fields.get("draft"):
            found.append(FrontMatter(path.stem, text, fields))
    return found


def newest_date(notes: list[FrontMatter]) -> dt.date:
    return max(n.fields["date"] for n in notes)


def spoken_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- The bundle, made once -----------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    zip_path: Path
    output: str
    """What the command printed."""
    top: Path
    """The unzipped top folder."""
    notes: list[FrontMatter]
    notes_dir: Path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, generated_300) -> Bundle:
    work = tmp_path_factory.mktemp("bundle")
    run = run_cli(["--config", str(ROOT / "site.toml"), "bundle", "--notes", str(generated_300),
                   "--out", str(work / "out") + "/"], cwd=work)
    assert run.returncode == 0, run.stdout + run.stderr
    zips = list((work / "out").iterdir())
    assert len(zips) == 1 and zips[0].suffix == ".zip", zips
    with zipfile.ZipFile(zips[0]) as archive:
        archive.extractall(work / "unzipped")
    tops = list((work / "unzipped").iterdir())
    assert len(tops) == 1 and tops[0].is_dir(), f"the zip must hold one top folder, not {tops}"
    return Bundle(zips[0], run.stdout + run.stderr, tops[0], read_front_matter(generated_300), generated_300)


# --- The zip itself --------------------------------------------------------------------------

def test_the_zip_is_named_after_the_site_and_its_newest_note_and_the_command_says_what_it_wrote(bundle):
    newest = newest_date(bundle.notes)
    name = f"{slugify(SETTINGS['title'])}-{newest.isoformat()}"
    assert bundle.zip_path.name == name + ".zip"
    assert bundle.top.name == name
    data = bundle.zip_path.read_bytes()
    printed = SHA256_LINE.findall(bundle.output)
    assert printed == [hashlib.sha256(data).hexdigest()], bundle.output
    assert str(bundle.zip_path) in bundle.output
    assert f"{len(bundle.notes)} notes" in bundle.output
    assert f"{len(data) / 1e6:.1f} MB" in bundle.output and f"{len(data):,} bytes" in bundle.output
    assert bundle.output.rstrip().splitlines()[-1].startswith("sha256 "), "the checksum comes last"


def test_the_zip_has_one_top_folder_fixed_dates_modes_and_order(bundle):
    newest = newest_date(bundle.notes)
    with zipfile.ZipFile(bundle.zip_path) as archive:
        assert archive.testzip() is None
        members = archive.infolist()
    names = [m.filename for m in members]
    assert names == sorted(names), "members in path order"
    assert {n.split("/")[0] for n in names} == {bundle.top.name}
    assert {f"{bundle.top.name}/index.html", f"{bundle.top.name}/README.txt"} <= set(names)
    for member in members:
        assert member.date_time == (newest.year, newest.month, newest.day, 0, 0, 0), member
        assert member.external_attr >> 16 == 0o100644 and member.create_system == 3, member
        assert member.compress_type == zipfile.ZIP_DEFLATED, member


def test_the_readme_says_how_to_open_the_copy(bundle):
    text = (bundle.top / "README.txt").read_text(encoding="utf-8")
    assert "index.html" in text and "Unzip" in text and "browser" in text
    assert spoken_date(newest_date(bundle.notes)) in text and PUBLISHED in text
    assert len(text.splitlines()) < 30, "a short README"


# --- Every page, read as files -----------------------------------------------------------------

class References(HTMLParser):
    """Every address an HTML page refers to: (tag, attribute, value, rel)."""

    ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "data", "xlink:href")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str]] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        rel = (attributes.get("rel") or "").lower()
        for name in self.ATTRIBUTES:
            if attributes.get(name) is not None and not (tag == "object" and name != "data"):
                self.found.append((tag, name, attributes[name].strip(), rel))
        for name in ("srcset", "imagesrcset"):
            for candidate in (attributes.get(name) or "").split(","):
                if candidate.strip():
                    self.found.append((tag, name, candidate.split()[0], rel))
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            found = re.search(r"url\s*=\s*['\"]?([^'\"]+)", attributes.get("content") or "", re.I)
            if found:
                self.found.append((tag, "content", found[1].strip(), "refresh"))
        for url in css_urls(attributes.get("style") or ""):
            self.found.append((tag, "style", url, ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.found += [("style", "url()", url, "") for url in css_urls(data)]


def css_urls(css: str) -> list[str]:
    found = re.findall(r"url\(\s*['\"]?([^'\")]*)['\"]?\s*\)", css)
    found += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css)
    return [url.strip() for url in found]


FETCHED_RELS = {"stylesheet", "icon", "apple-touch-icon", "mask-icon", "manifest", "preload", "prefetch",
                "modulepreload", "preconnect", "dns-prefetch", "prerender"}
"""The <link> relations a browser loads (or connects to) by itself."""


def followed_not_loaded(tag: str, attribute: str, rel: str) -> bool:
    """A link a reader may follow, or a tool read (rel="schema.DC", "license"), which the
    browser never loads by itself."""
    if tag in ("a", "area") and attribute == "href":
        return True
    return tag == "link" and attribute == "href" and not set(rel.split()) & FETCHED_RELS


def reference_problem(top: Path, page: str, tag: str, attribute: str, value: str, rel: str) -> str | None:
    """Why a reference in the bundle's file `page` does not lead to a file of the bundle,
    or None when it does (or is a link out that only a reader's click follows)."""
    if value == "" or value.startswith("#") or value.startswith("data:"):
        return None
    parts = urlsplit(value)
    if parts.scheme or value.startswith("//"):
        if value.startswith(PUBLISHED):
            if (tag == "a" and (value == PUBLISHED or value.endswith("feed.xml"))) or \
                    (tag == "link" and rel == "canonical"):
                return None  # links to the published site and its feeds; the page's canonical address
            return "an address of the published site: inside the bundle it must be relative and name its file"
        if followed_not_loaded(tag, attribute, rel) and parts.scheme in ("http", "https", "mailto"):
            return None
        return "leaves the bundle: a browser would ask the network for it"
    if value.startswith("/"):
        return "starts with '/': from file:// that is the root of the disk, not of the bundle"
    here = posixpath.dirname(page)
    target = posixpath.normpath(posixpath.join(here, unquote(parts.path)))
    if target == ".." or target.startswith("../"):
        return "points outside the bundle's folder"
    path = top / target
    if path.is_dir():
        return f"names a folder ({target}/); from file:// a link must name its file (…/index.html)"
    if not path.is_file():
        return f"no such file in the bundle ({target})"
    return None


def reference_problems(top: Path) -> list[str]:
    problems = []
    for path in sorted(top.rglob("*")):
        page = path.relative_to(top).as_posix()
        if path.suffix == ".html":
            found = References(path.read_text(encoding="utf-8")).found
        elif path.suffix == ".css":
            found = [("css", "url()", url, "") for url in css_urls(path.read_text(encoding="utf-8"))]
        else:
            continue
        for tag, attribute, value, rel in found:
            why = reference_problem(top, page, tag, attribute, value, rel)
            if why:
                problems.append(f"{page}: <{tag} {attribute}=\"{value}\">: {why}")
    return problems


def test_every_reference_of_every_page_resolves_to_a_file_inside_the_bundle(bundle):
    pages = list(bundle.top.rglob("*.html"))
    assert len(pages) > len(bundle.notes), "the crawler found too few pages"
    problems = reference_problems(bundle.top)
    shown = "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")
    assert not problems, (f"{len(problems)} references in the offline bundle do not lead to a file inside "
                          f"it (offline pages must use url(...) from the templates, relative and "
                          f"naming the file):\n{shown}")


def test_the_crawler_catches_every_kind_of_reference_that_leaves_the_bundle(tmp_path):
    top = tmp_path / "copy"
    (top / "states" / "japan").mkdir(parents=True)
    (top / "states" / "japan" / "index.html").write_text("<p>Japan</p>")
    (top / "assets").mkdir()
    (top / "assets" / "x.css").write_text("body { background: url('https://cdn.example.com/a.png'); }")
    (top / "index.html").write_text(
        '<link rel="stylesheet" href="assets/x.css"><a href="states/japan/index.html">ok</a>'
        '<a href="https://un.org/">out, on purpose</a><a href="#content">here</a>'
        f'<a href="{PUBLISHED}">the published site</a><link rel="canonical" href="{PUBLISHED}">'
        '<a href="states/japan/">folder</a><a href="/states/japan/index.html">root</a>'
        '<a href="states/peru/index.html">missing</a><a href="../elsewhere.html">outside</a>'
        f'<a href="{PUBLISHED}states/japan/">absolute internal</a>'
        '<script src="https://analytics.example.com/a.js"></script>'
        '<img srcset="assets/none.png 2x, //cdn.example.com/b.png 1x" alt="">'
        '<form action="search/"></form><div style="background: url(/x.png)"></div>'
        '<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/"><link rel="icon" href="http://x.org/i.png">'
        '<meta http-equiv="refresh" content="0; url=states/japan/">')
    problems = reference_problems(top)
    bad = ['href="states/japan/"', "/states/japan/index.html", "states/peru/", "../elsewhere.html",
           f"{PUBLISHED}states/japan/", "analytics.example.com", "assets/none.png", "//cdn.example.com/b.png",
           'action="search/"', 'style="/x.png"', 'content="states/japan/"', "cdn.example.com/a.png",
           "x.org/i.png"]
    for fragment in bad:
        assert any(fragment in p for p in problems), f"{fragment} not caught:\n" + "\n".join(problems)
    assert len(problems) == len(bad), "\n".join(problems)


def test_every_page_says_it_is_an_offline_copy_as_of_the_newest_note_and_links_the_published_site(bundle):
    newest = newest_date(bundle.notes)
    footer = re.compile(r"offline copy of the archive as of <time datetime=\"" + newest.isoformat()
                        + r"\">" + spoken_date(newest) + r"</time>.*?<a href=\"" + re.escape(PUBLISHED) + "\">",
                        re.S)
    missing = []
    for path in sorted(bundle.top.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "infonotes:offline-as-of" not in text, path
        if "<footer" in text and not footer.search(text):
            missing.append(path.relative_to(bundle.top).as_posix())
    assert not missing, f"pages without the offline footer: {missing[:10]}"
    assert footer.search((bundle.top / "index.html").read_text(encoding="utf-8"))
    note = next((bundle.top / "notes").glob("*/index.html"))
    assert footer.search(note.read_text(encoding="utf-8")), "note pages are made before the date is known"


def test_pages_link_the_published_feeds_and_no_sitemap(bundle):
    # The copy's feeds and sitemap would open as raw XML from the disk: a reader subscribes
    # to the published feeds, and a sitemap is for search engines.
    note = next((bundle.top / "notes").glob("*/index.html"))
    japan = bundle.top / "states/japan/index.html"
    for path, expected in [(bundle.top / "index.html", ["feed.xml"]), (bundle.top / "states/index.html", ["feed.xml"]),
                           (note, ["feed.xml"]), (japan, ["states/japan/feed.xml", "feed.xml"])]:
        hrefs = [attrs.get("href", "") for tag, attrs in _elements(path) if tag == "a"]
        assert [href for href in hrefs if ".xml" in href] == [PUBLISHED + x for x in expected], path


def test_the_search_box_of_every_page_leads_to_the_search_page_relatively(bundle):
    boxes = 0
    for path in sorted(bundle.top.rglob("*.html")):
        page = path.relative_to(bundle.top).as_posix()
        forms = [a for t, a in _elements(path) if t == "form" and a.get("role") == "search"]
        for form in forms:
            action = form.get("action", "")
            assert not urlsplit(action).scheme and not action.startswith("/"), (page, action)
            assert posixpath.normpath(posixpath.join(posixpath.dirname(page), action)) == "search/index.html", \
                (page, action)
            boxes += 1
    home = [a for t, a in _elements(bundle.top / "index.html") if t == "form" and a.get("role") == "search"]
    assert home and home[0]["action"] == "search/index.html" and home[0]["method"] == "get", home
    assert boxes > len(bundle.notes), "a search box on every page"


def _elements(path: Path) -> list[tuple[str, dict]]:
    class Elements(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, dict(attrs)))

    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def test_feeds_keep_absolute_addresses_and_pages_load_no_fonts(bundle):
    feed = (bundle.top / "feed.xml").read_text(encoding="utf-8")
    assert f"<id>{PUBLISHED}" in feed or f"href=\"{PUBLISHED}" in feed, "feeds name the published notes"
    # Pages never load a feed, a font or anything else from the network: no request can leave.
    for path in bundle.top.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "@font-face" not in text and "googleapis" not in text, path


# --- In the browser, from file://, with the network off -----------------------------------------

@dataclass(frozen=True)
class Expected:
    word: str
    word_notes: frozenset[str]
    state_slug: str
    state_name: str
    notes: frozenset[str]
    """The notes of the word that name the State."""


def expected_search(bundle: Bundle) -> Expected:
    """A city word and a State, with the notes a search for both must find, from the front matter:
    a note has the word if its file has it as a word; it has the State if it names it as host,
    organizer or participant (under any name, alias or code the catalog knows)."""
    catalog = load_catalog(ROOT / "data")
    cities = sorted({n.fields.get("city") for n in bundle.notes if n.fields.get("city")})
    for city in cities:
        if not re.fullmatch(r"[A-Za-z]{4,}", city) or catalog.find_state(city) or catalog.find_organization(city):
            continue
        pattern = re.compile(rf"(?<![\w-]){city}(?![\w-])", re.I)
        word_notes = {n.id for n in bundle.notes if pattern.search(n.text)}
        if not 2 <= len(word_notes) <= 40:
            continue
        by_state: dict[str, set[str]] = {}
        names = {}
        for note in bundle.notes:
            if note.id not in word_notes:
                continue
            named = [note.fields.get("country"), *(note.fields.get("organizers") or []),
                     *(note.fields.get("states") or [])]
            for name in named:
                state = catalog.find_state(str(name)) if name else None
                if state:
                    by_state.setdefault(state.slug, set()).add(note.id)
                    names[state.slug] = state.name
        for slug, ids in sorted(by_state.items(), key=lambda item: (-len(item[1]), item[0])):
            if 0 < len(ids) < len(word_notes):
                return Expected(city, frozenset(word_notes), slug, names[slug], frozenset(ids))
    pytest.fail("no city word in the generated notes fits the search test")


class Browser:
    """One tab on the unzipped bundle: every request, every console error, every blocked request."""

    def __init__(self, chromium, top: Path):
        self.context = chromium.new_context(offline=True)
        self.page = self.context.new_page()
        self.inside = top.as_uri() + "/"
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text} {m.location}")
                     if m.type in ("error", "assert") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def path(self) -> str:
        """The current page's path inside the bundle."""
        assert self.page.url.startswith(self.inside), self.page.url
        return unquote(urlsplit(self.page.url[len(self.inside):]).path)

    def click(self, selector: str, lands_on: str) -> None:
        with self.page.expect_navigation(wait_until="load"):
            self.page.locator(selector).first.click()
        assert self.path() == lands_on

    def back(self, lands_on: str) -> None:
        self.page.go_back(wait_until="load")
        assert self.path() == lands_on

    def result_ids(self) -> set[str]:
        hrefs = self.page.eval_on_selector_all("#search-results li h3 a", "as => as.map(a => a.getAttribute('href'))")
        ids = set()
        for href in hrefs:
            found = re.fullmatch(r"\.\./notes/([^/]+)/index\.html", href)
            assert found, f"a search result links {href!r}, not a file of the bundle"
            ids.add(found[1])
        return ids

    def wait_for_results(self, q: str) -> None:
        self.page.wait_for_function(
            """q => { const root = document.getElementById('search');
                      return root && root.dataset.state === 'ready' && root.dataset.q === q; }""",
            arg=q, timeout=10_000)


def test_from_file_with_the_network_off_links_lead_everywhere_and_search_finds_the_notes(bundle, chromium):
    expected = expected_search(bundle)
    fields = {n.id: n.fields for n in bundle.notes}
    # A note of the State that cites a numbered paragraph ("2663 OP17", not a whole "2325"),
    # among the newest, which the State's first page lists.
    first_page = (bundle.top / "states" / expected.state_slug / "index.html").read_text(encoding="utf-8")
    listed = sorted(set(re.findall(r'href="\.\./\.\./notes/([^/"]+)/index\.html"', first_page)) & set(fields))
    note = next((i for i in listed if any(re.search(r"\s\D*\d+$", str(p)) for p in fields[i].get("paragraphs") or [])),
                listed[0])
    tab = Browser(chromium, bundle.top)
    try:
        tab.page.goto((bundle.top / "index.html").as_uri(), wait_until="load")
        assert tab.path() == "index.html"

        # home -> States -> a State -> one of its notes -> one of the note's paragraphs, and back
        tab.click("nav.site-nav a:text-is('States')", "states/index.html")
        tab.click(f"main a[href='{expected.state_slug}/index.html']", f"states/{expected.state_slug}/index.html")
        assert expected.state_name in tab.page.inner_text("main h1")
        tab.click(f"main a[href='../../notes/{note}/index.html']", f"notes/{note}/index.html")
        paragraph_links = tab.page.eval_on_selector_all(
            "main a", "as => as.map(a => a.getAttribute('href'))"
                      ".filter(h => /^\\.\\.\\/\\.\\.\\/paragraphs\\/[^/]+-\\d+\\/index\\.html$/.test(h))")
        assert paragraph_links, f"note {note} links no paragraph page"
        paragraph = paragraph_links[0][len("../../"):]
        tab.click(f"main a[href='{paragraph_links[0]}']", paragraph)
        assert tab.page.locator("main h1").count() == 1
        tab.back(f"notes/{note}/index.html")
        tab.back(f"states/{expected.state_slug}/index.html")
        tab.back("states/index.html")
        tab.back("index.html")

        # the search box of the home page -> search/index.html?q=… -> a State facet
        tab.page.fill("#site-search-q", expected.word)
        with tab.page.expect_navigation(wait_until="load"):
            tab.page.press("#site-search-q", "Enter")
        assert tab.path() == "search/index.html"
        assert urlsplit(tab.page.url).query == f"q={expected.word}"
        tab.wait_for_results(expected.word)
        assert tab.result_ids() == expected.word_notes
        tab.page.check(f"#facet-state-{expected.state_slug}")
        tab.page.wait_for_function("() => location.search.includes('state=')")
        tab.wait_for_results(expected.word)
        assert tab.result_ids() == expected.notes
        first = tab.page.locator("#search-results li h3 a").first.get_attribute("href")
        tab.click("#search-results li h3 a", posixpath.normpath(posixpath.join("search", first)))
        assert tab.page.locator("main h1").count() == 1

        outside = [url for url in tab.requests if not url.startswith(tab.inside)]
        assert not tab.blocked and not outside, f"requests outside the bundle: {tab.blocked + outside}"
        assert any(url.endswith("/search/index.js") for url in tab.requests), "the index is a script file"
        assert not tab.errors, tab.errors
    finally:
        tab.context.close()


# --- Reproducible ------------------------------------------------------------------------------

A_MINUTE_LATER = """
import datetime, sys, time
shift = 61.0
real_time, real_time_ns = time.time, time.time_ns
time.time = lambda: real_time() + shift
time.time_ns = lambda: real_time_ns() + int(shift * 1e9)
class Later(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return super().now(tz) + datetime.timedelta(seconds=shift)
    @classmethod
    def today(cls):
        return cls.now()
    @classmethod
    def utcnow(cls):
        return super().utcnow() + datetime.timedelta(seconds=shift)
datetime.datetime = Later
sys.path.insert(0, sys.argv[1])
from infonotes.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_the_same_notes_a_minute_later_give_the_same_sha256(bundle, tmp_path):
    # Another copy of the notes, touched a minute later; another output folder; another
    # time zone; and a clock that runs a minute ahead.
    notes = tmp_path / "elsewhere" / "notes"
    shutil.copytree(bundle.notes_dir, notes)
    later = bundle.zip_path.stat().st_mtime + 61
    for path in notes.rglob("*"):
        os.utime(path, (later, later))
    out = tmp_path / "again" / "copy.zip"
    env = {**os.environ, "TZ": "Pacific/Kiritimati"}
    run = subprocess.run([sys.executable, "-c", A_MINUTE_LATER, str(ROOT), "--config", str(ROOT / "site.toml"),
                          "bundle", "--notes", str(notes), "--out", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    first = hashlib.sha256(bundle.zip_path.read_bytes()).hexdigest()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == first
    assert SHA256_LINE.findall(run.stdout) == [first]


def test_the_zip_layout_reads_back_with_zipfile_also_past_65535_members(tmp_path):
    members = [deflate(f"top/{i:05d}.txt", b"x" * (i % 7), 6) for i in range(65_600)]
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes(members, dt.date(2024, 5, 6)))
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert len(infos) == 65_600
        assert archive.read("top/65599.txt") == b"x" * (65_599 % 7)
        assert infos[0].date_time == (2024, 5, 6, 0, 0, 0)


# --- Failures ----------------------------------------------------------------------------------

def test_a_broken_note_leaves_no_zip_and_says_why(tmp_path):
    notes = gen_notes(tmp_path / "notes", 20, broken=2)
    broken = [line.split()[0] for line in (notes / "BROKEN.txt").read_text(encoding="utf-8").splitlines()
              if line.strip()] if (notes / "BROKEN.txt").is_file() else []
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "copy.zip"
    previous.write_bytes(b"the bundle made yesterday")
    private_temp = tmp_path / "temp"
    private_temp.mkdir()
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "--config", str(ROOT / "site.toml"), "bundle",
                          "--notes", str(notes), "--out", str(previous)], cwd=tmp_path,
                         env={**os.environ, "TMPDIR": str(private_temp)}, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = re.findall(r"^(\S+\.md):(\d+): (.+)$", run.stderr, re.M)
    assert lines, run.stderr
    if broken:
        assert {Path(p).name for p, _, _ in lines} >= {Path(b).name for b in broken}, run.stderr
    assert previous.read_bytes() == b"the bundle made yesterday", "a failed run must not touch the old zip"
    assert [p.name for p in out.iterdir()] == ["copy.zip"], "no partial zip beside it"
    assert not list(private_temp.iterdir()), "no temporary folder left behind"
    assert "sha256" not in run.stdout


def small_archive(folder: Path) -> Path:
    """Three good notes: enough to make a bundle, quickly."""
    for day in ("2021-03-04", "2022-05-06", "2023-07-08"):
        path = folder / day[:4] / f"{day}-workshop.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note_text("A workshop", day, states="[Japan, Viet Nam]"), encoding="utf-8")
    return folder


def test_an_interrupted_run_leaves_no_zip(tmp_path, monkeypatch):
    from infonotes.commands import bundle as bundle_module
    from infonotes.config import load_config

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "out" / "copy.zip"
    monkeypatch.setattr(os, "fsync", interrupted)  # in the middle of writing the zip
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the temporary folder goes where TMPDIR says
    monkeypatch.setattr(bundle_module.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        bundle_module.make_bundle(load_config(ROOT / "site.toml"), out=str(out),
                                  notes_dir=small_archive(tmp_path / "notes"))
    assert not out.exists() and not list(out.parent.iterdir()), list(out.parent.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "out"], "no temporary folder left behind"


def test_an_output_that_cannot_be_written_is_a_problem_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    notes = small_archive(tmp_path / "notes")
    # A broken note too: the output is refused before the build starts, so it goes unread.
    (notes / "2020-01-02-bad.md").write_text("---\ntitle: Bad\ndate: 2020-13-45\n---\n\nText.\n", encoding="utf-8")
    for out in (blocker / "copy.zip", blocker / "deeper" / "copy.zip"):
        run = run_cli(["--config", str(ROOT / "site.toml"), "bundle", "--notes", str(notes), "--out", str(out)],
                      cwd=tmp_path)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert f"{out.parent}: cannot write the bundle there: {blocker} is a file" in run.stderr, run.stderr
        assert "2020-01-02-bad.md" not in run.stderr, "the output is checked before the (slow) build"


def test_the_bundle_module_raises_input_errors_for_bad_notes(tmp_path):
    from infonotes.commands.bundle import make_bundle
    from infonotes.config import load_config
    notes = tmp_path / "notes" / "2020"
    notes.mkdir(parents=True)
    (notes / "2020-01-02-bad.md").write_text("---\ntitle: Bad\ndate: 2020-13-45\n---\n\nText.\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        make_bundle(load_config(ROOT / "site.toml"), out=str(tmp_path / "x.zip"), notes_dir=tmp_path / "notes")
    assert any("2020-01-02-bad.md" in p.path and p.line == 3 for p in raised.value.problems), raised.value.problems
    assert not (tmp_path / "x.zip").exists()


# --- Links in offline pages ----------------------------------------------------------------------

def test_relative_links_are_what_relpath_makes_and_name_their_files():
    from infonotes.pages.urls import Links, file_of, relative_link
    addresses = ["", "notes/", "notes/2018/", "notes/a-b/", "notes/a-b/a-b.bib", "states/", "states/japan/",
                 "states/japan/feed.xml", "feed.xml", "404.html", "search/", "assets/style.css", "data/",
                 "paragraphs/2663-17/", "notes/notes/", "a/b/c/d/", "a/b/x/", "b/a/", "./odd//path/"]
    links = Links(PUBLISHED, "/", relative=True)
    for here in addresses:
        for there in addresses:
            expected = posixpath.relpath(file_of(there), posixpath.dirname(file_of(here)) or ".")
            assert relative_link(file_of(here), file_of(there)) == expected, (here, there)
    assert links.href("notes/x/", "states/japan/") == "../../states/japan/index.html"
    assert links.href("", "") == "index.html" and links.href("states/", "search/") == "../search/index.html"
