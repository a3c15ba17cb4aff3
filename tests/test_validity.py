"""The site is valid HTML (Nu Html Checker), accessible (axe-core), usable at 360 px, prints
without its navigation, and shows where the keyboard focus is.

The checks run on two real builds: the repository's sample archive and a 300-note synthetic
archive. The browser tests use Debian's Chromium through Playwright and load the pages over
http:// from a local server, the way a reader gets them.
"""
from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT, html_files, static_server

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ATOM = "{http://www.w3.org/2005/Atom}"
SITES = ["sample_site", "site_300"]
NOTE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `npm ci` (or `make test`) first")
    return path


# --- Which pages to look at ------------------------------------------------------------------

def _pages_in(site: Path, section: str, keep=lambda page: True) -> list[Path]:
    """The index.html of every page directly under site/section/, filtered by `keep`."""
    return sorted(p / "index.html" for p in (site / section).iterdir()
                  if (p / "index.html").is_file() and keep(p / "index.html"))


def _biggest(pages: list[Path]) -> Path:
    """The page with the most content: the most notes, roles and years, so the most that can go wrong."""
    assert pages, "no page of this kind was built"
    return max(pages, key=lambda p: (p.stat().st_size, str(p)))


def _h1(page: Path) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def _is_paragraph(page: Path) -> bool:
    return 'class="term-facts">Paragraph ' in page.read_text(encoding="utf-8")


def _notes(site: Path) -> list[Path]:
    return _pages_in(site, "notes", lambda p: bool(NOTE_ID.match(p.parent.name)))


def pick_pages(site: Path) -> dict[str, Path]:
    """One page of each kind, chosen among the built files (the richest one of its kind)."""
    return {
        "home": site / "index.html",
        "note": _biggest(_notes(site)),
        "state": _biggest(_pages_in(site, "states")),
        "organization": _biggest(_pages_in(site, "organizations")),
        "paragraph": _biggest(_pages_in(site, "paragraphs", _is_paragraph)),
        "document": _biggest(_pages_in(site, "paragraphs", lambda p: not _is_paragraph(p))),
        "states index": site / "states" / "index.html",
        "404": site / "404.html",
        "open data": site / "data" / "index.html",
        "year": _biggest(_pages_in(site, "notes", lambda p: p.parent.name.isdigit())),
        "all notes": site / "notes" / "index.html",
        # Pages a small archive does not have: then the State page stands in.
        "page 2 of a list": _first(sorted(site.glob("states/*/page/2/index.html")), _biggest(_pages_in(site, "states"))),
        "a role's notes": _first(sorted(site.glob("states/*/host/index.html")), _biggest(_pages_in(site, "states"))),
    }


def _first(pages: list[Path], otherwise: Path) -> Path:
    return pages[0] if pages else otherwise


def long_name_pages(site: Path) -> dict[str, Path]:
    """The pages most likely to overflow a phone screen: long titles and long names."""
    notes = _notes(site)
    return {
        "home": site / "index.html",
        "note with the longest title": max(notes, key=lambda p: (len(_h1(p)), str(p))),
        "note with the most names": _biggest(notes),
        "State with the longest name": max(_pages_in(site, "states"), key=lambda p: (len(_h1(p)), str(p))),
    }


def _relative_url(site: Path, page: Path) -> str:
    relative = page.relative_to(site).as_posix()
    return "/" + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


# --- Nu Html Checker, XML --------------------------------------------------------------------

CANARY = '<!DOCTYPE html>\n<html lang="en">\n<head>\n</head>\n<body><p>canary</p></body>\n</html>\n'


@pytest.mark.parametrize("site_name", SITES)
def test_every_page_passes_the_nu_html_checker(site_name, request, tmp_path):
    site: Path = request.getfixturevalue(site_name)
    java = shutil.which("java")
    if not java:
        pytest.fail("Java is needed to run the Nu Html Checker (vnu.jar)")
    # A page with a known error (no <title>) proves that the checker ran and that its
    # report is read correctly; it is checked in the same run, and then left out.
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    run = subprocess.run([java, "-jar", str(_need(VNU_JAR)), "--errors-only", "--skip-non-html",
                          "--format", "json", str(site), str(canary)],
                         capture_output=True, text=True, timeout=600)
    try:  # vnu writes its JSON report on stderr
        report = json.loads(run.stderr or run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu did not give a JSON report (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")

    problems, canary_seen = [], False
    for message in report["messages"]:
        path = Path(unquote(urlparse(message.get("url", "")).path)) if message.get("url") else None
        if path == canary:
            canary_seen = True
            continue
        where = path.relative_to(site).as_posix() if path and path.is_relative_to(site) else str(path)
        problems.append(f"{where}:{message.get('lastLine', '?')}: {message.get('type')}: "
                        f"{message.get('message')}"
                        + (f"\n    {message['extract'].strip()}" if message.get("extract") else ""))
    assert canary_seen, f"vnu did not report the canary page's error; its output:\n{run.stderr[:2000]}"
    assert len(html_files(site)) > 20
    assert not problems, f"{len(problems)} Nu Html Checker errors:\n" + "\n".join(problems[:200])


@pytest.mark.parametrize("site_name", SITES)
def test_feeds_and_sitemap_are_well_formed_xml(site_name, request):
    site: Path = request.getfixturevalue(site_name)
    feeds = sorted(site.rglob("feed.xml"))
    assert site / "feed.xml" in feeds
    assert len(feeds) > 3, "expected a feed per State, organization and paragraph too"
    problems = []
    for feed in feeds:
        try:
            root = ET.parse(feed).getroot()
        except ET.ParseError as error:
            problems.append(f"{feed.relative_to(site)}: {error}")
            continue
        if root.tag != f"{ATOM}feed":
            problems.append(f"{feed.relative_to(site)}: root element is {root.tag}, not an Atom feed")
        elif root.find(f"{ATOM}title") is None or root.find(f"{ATOM}id") is None \
                or root.find(f"{ATOM}updated") is None:
            problems.append(f"{feed.relative_to(site)}: feed without title, id or updated")
    try:
        ET.parse(site / "sitemap.xml")
    except ET.ParseError as error:
        problems.append(f"sitemap.xml: {error}")
    assert not problems, "\n".join(problems)


# --- The browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(request):
    """Each built site served over http:// from 127.0.0.1 on a free port, for the module."""
    sites = {name: request.getfixturevalue(name) for name in SITES}
    with contextlib.ExitStack() as stack:
        yield {name: (site, stack.enter_context(static_server(site))) for name, site in sites.items()}


@pytest.fixture
def open_page(chromium):
    """open_page(url, **context options) -> a loaded page; every page is closed after the test."""
    contexts = []

    def _open(url: str, **options):
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        return page

    yield _open
    for context in contexts:
        context.close()


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary})),
  }));
}"""

PAGE_KINDS = ["home", "note", "state", "organization", "paragraph", "document", "states index", "404",
              "open data", "year", "all notes", "page 2 of a list", "a role's notes"]
CHART_KINDS = ["home", "state", "organization", "paragraph", "states index"]


@pytest.mark.parametrize("site_name", SITES)
def test_the_pages_axe_checks_include_the_charts(site_name, request):
    """The axe-core and Nu checks above see the charts: every page kind that has them
    carries an SVG picture with role="img"."""
    site: Path = request.getfixturevalue(site_name)
    # A term's charts appear from 10 notes over 3 years: the sample's terms have fewer.
    for kind in CHART_KINDS if site_name == "site_300" else ("home", "states index"):
        html = pick_pages(site)[kind].read_text(encoding="utf-8")
        assert '<figure class="chart"' in html and 'role="img"' in html, f"no chart on the {kind} page"


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_axe_core_finds_no_violations(site_name, kind, served, open_page):
    site, base = served[site_name]
    page_file = pick_pages(site)[kind]
    url = base + _relative_url(site, page_file)
    page = open_page(url)
    page.add_script_tag(path=str(_need(AXE_JS)))
    violations = page.evaluate(AXE_RUN)
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:10]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.append("      " + node["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more nodes")
    assert not violations, f"axe-core violations on {url}:\n" + "\n".join(lines)


@pytest.mark.parametrize("site_name", SITES)
def test_no_horizontal_scroll_at_360_px(site_name, served, open_page):
    site, base = served[site_name]
    too_wide = []
    for label, page_file in long_name_pages(site).items():
        url = base + _relative_url(site, page_file)
        page = open_page(url, viewport={"width": 360, "height": 740})
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 360.5
                             || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                                 && getComputedStyle(e).overflowX === 'visible'))
                .slice(-5).map(e => e.tagName.toLowerCase()
                                   + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '')
                                   + ` right=${Math.round(e.getBoundingClientRect().right)}`
                                   + ` scrollWidth=${e.scrollWidth}`)""")
            too_wide.append(f"{label} {url}: scrollWidth {width} px; widest: {culprits}")
    assert not too_wide, "pages that scroll sideways on a 360 px screen:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("site_name", SITES)
def test_print_style_hides_navigation_and_keeps_the_note_metadata(site_name, served, open_page):
    site, base = served[site_name]
    url = base + _relative_url(site, pick_pages(site)["note"])
    page = open_page(url)
    page.emulate_media(media="print")
    display = "el => getComputedStyle(el).display"
    for selector in ("header.site-header", "header nav", "nav.breadcrumbs", "a.skip-link"):
        element = page.locator(selector).first
        assert element.count() == 1, f"{selector} not found on {url}"
        assert element.evaluate(display) == "none", f"{selector} is printed on {url}"
        assert not element.is_visible()
    meta = page.locator("dl.note-meta")
    assert meta.count() == 1
    assert meta.evaluate(display) != "none"
    assert meta.is_visible(), f"the note's metadata is not printed on {url}"
    assert page.locator("main h1").is_visible()
    page.emulate_media(media="screen")
    assert page.locator("header.site-header").evaluate(display) != "none"


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("kind", ["home", "note"])
def test_first_tab_shows_the_skip_link_with_an_outline(site_name, kind, served, open_page):
    site, base = served[site_name]
    url = base + _relative_url(site, pick_pages(site)[kind])
    page = open_page(url, viewport={"width": 1024, "height": 768})
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'), text: el.textContent.trim(),
                first: el === document.querySelector('a[href]'),
                x: box.left, y: box.top, right: box.right, bottom: box.bottom,
                width: box.width, height: box.height,
                outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                visibility: style.visibility, opacity: parseFloat(style.opacity),
                vw: window.innerWidth, vh: window.innerHeight};
    }""")
    assert focused["tag"] == "a" and focused["first"], f"first Tab focused {focused} on {url}"
    assert focused["href"] == "#content", f"the first link is not the skip link: {focused}"
    assert focused["width"] > 0 and focused["height"] > 0
    assert 0 <= focused["x"] and focused["right"] <= focused["vw"], f"skip link off screen: {focused}"
    assert 0 <= focused["y"] and focused["bottom"] <= focused["vh"], f"skip link off screen: {focused}"
    assert focused["visibility"] == "visible" and focused["opacity"] > 0
    assert focused["outline"] != "none" and focused["outlineWidth"] > 0, f"no focus outline: {focused}"
    # The skip link works: following it moves the focus to the main content.
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
