"""The built site keeps DESIGN's promises ("The site", "The note format").

Each promise is checked on real builds: the repository's sample archive, a 300-note
synthetic archive, and small archives written for one test. What a page should show is
worked out here, independently of the generator, from the notes' front matter and the
catalogs (`data/*.yaml`); the pages are then parsed and compared with it.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from infonotes.output.write import Staging, refuse_collisions
from infonotes.problems import InputError

from conftest import ROOT, Page, cli_main, html_files, note_text, read_page, run_cli, write_project

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM = "{%s}" % ATOM_NS
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SETTINGS = tomllib.loads((ROOT / "site.toml").read_text(encoding="utf-8"))
BASE_URL = SETTINGS["base_url"]  # the sample site and site_300 are built with ROOT/site.toml
TEST_BASE_URL = "https://example.org/"  # write_project's site.toml
NOTE_LINK = re.compile(r"^/notes/(\d{4}-\d{2}-\d{2}-[a-z0-9-]+)/$")
YEAR_LINK = re.compile(r"^/notes/(\d{4})/$")
ROLES = ("host", "organizer", "participant")
SITES = ["sample_site", "site_300"]


# --- An independent reading of the notes and catalogs: what the site must show ----------------

def fold(text: str) -> str:
    """The catalog's comparison key: case, accents, quotes and spacing ignored."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.casefold().split())


def slug(text: str) -> str:
    """DESIGN: lowercase ASCII slugs ("Lao People's Democratic Republic" ->
    lao-peoples-democratic-republic)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).replace("'", "")).strip("-")


@dataclass(frozen=True)
class StateFact:
    name: str
    region: str
    slug: str


@dataclass(frozen=True)
class OrgFact:
    acronym: str
    name: str
    slug: str


@dataclass(frozen=True)
class DocFact:
    key: str
    title: str
    kind: str
    count: int
    slug: str


@functools.cache
def catalog():
    data = ROOT / "data"
    states, orgs, docs = {}, {}, {}
    for entry in yaml.safe_load((data / "states.yaml").read_text(encoding="utf-8")):
        fact = StateFact(entry["name"], entry["region"], slug(entry["name"]))
        for name in [entry["name"], entry["iso3"], *(entry.get("aliases") or []), *(entry.get("former_names") or [])]:
            states[fold(str(name))] = fact
    for entry in yaml.safe_load((data / "organizations.yaml").read_text(encoding="utf-8")):
        fact = OrgFact(str(entry["acronym"]), entry["name"], slug(str(entry["acronym"])))
        for name in [entry["acronym"], entry["name"], *(entry.get("aliases") or []), *(entry.get("former_names") or [])]:
            orgs[fold(str(name))] = fact
    for entry in yaml.safe_load((data / "paragraphs.yaml").read_text(encoding="utf-8")):
        key = str(entry["key"])
        docs[fold(key)] = DocFact(key, entry["title"], entry["kind"], int(entry["paragraphs"]), slug(key))
    return states, orgs, docs


def all_catalog_states() -> set[StateFact]:
    return set(catalog()[0].values())


@dataclass
class NoteFact:
    id: str
    title: str
    date: dt.date
    end: dt.date | None
    draft: bool
    host: StateFact | None
    organizer_states: list[StateFact]
    organizer_orgs: list[OrgFact]
    states: list[StateFact]
    orgs: list[OrgFact]
    paragraphs: list[tuple[DocFact, int | None]]

    @property
    def last_day(self) -> dt.date:
        return self.end or self.date


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _paragraph(text: str) -> tuple[DocFact, int | None]:
    # The forms this file and gen_notes.py write: "2325", "2663 OP17", "PoW-2023 13".
    match = re.fullmatch(r"\s*(\S+)(?:\s+(?:OP)?\s*(\d+))?\s*", text, re.IGNORECASE)
    assert match, text
    return catalog()[2][fold(match[1])], int(match[2]) if match[2] else None


def read_note(path: Path) -> NoteFact:
    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n", 2)[1])
    states, orgs, _ = catalog()
    organizers = _as_list(front.get("organizers"))
    as_date = lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))  # noqa: E731
    end = as_date(front["end"]) if front.get("end") else None
    return NoteFact(
        id=path.stem,
        title=str(front["title"]),
        date=as_date(front["date"]),
        end=end if end != as_date(front["date"]) else None,
        draft=str(front.get("draft", "false")).lower() in ("true", "yes", "on"),
        host=states[fold(str(front["country"]))] if front.get("country") else None,
        organizer_states=[states[fold(o)] for o in organizers if fold(o) in states],
        organizer_orgs=[orgs[fold(o)] for o in organizers if fold(o) in orgs],
        states=[states[fold(s)] for s in _as_list(front.get("states"))],
        orgs=[orgs[fold(o)] for o in _as_list(front.get("organizations"))],
        paragraphs=[_paragraph(p) for p in _as_list(front.get("paragraphs"))],
    )


@dataclass
class Expected:
    """What a site built from a notes folder must contain."""

    notes: dict[str, NoteFact]
    years: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    state_roles: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    """State slug -> {(role, note id)}."""
    states: dict[str, StateFact] = field(default_factory=dict)
    orgs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    org_facts: dict[str, OrgFact] = field(default_factory=dict)
    docs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    doc_facts: dict[str, DocFact] = field(default_factory=dict)
    paragraphs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """'2663-17' -> note ids."""

    def state_notes(self, state_slug: str) -> set[str]:
        return {note_id for _, note_id in self.state_roles.get(state_slug, ())}

    def newest_first(self, ids) -> list[NoteFact]:
        return sorted((self.notes[i] for i in ids), key=lambda n: (n.date, n.id), reverse=True)


def expected_site(notes_dir: Path, drafts: bool = False) -> Expected:
    files = sorted([*notes_dir.rglob("*.md"), *notes_dir.rglob("*.markdown")])
    notes = [read_note(f) for f in files]
    expected = Expected({n.id: n for n in notes if drafts or not n.draft})
    for note in expected.notes.values():
        expected.years[note.date.year].add(note.id)
        roles = ([("host", note.host)] if note.host else []) + \
            [("organizer", s) for s in note.organizer_states] + [("participant", s) for s in note.states]
        for role, state in roles:
            expected.state_roles[state.slug].add((role, note.id))
            expected.states[state.slug] = state
        for org in note.organizer_orgs + note.orgs:
            expected.orgs[org.slug].add(note.id)
            expected.org_facts[org.slug] = org
        for doc, number in note.paragraphs:
            expected.docs[doc.slug].add(note.id)
            expected.doc_facts[doc.slug] = doc
            if number is not None:
                expected.paragraphs[f"{doc.slug}-{number}"].add(note.id)
    for name in ("years", "state_roles", "orgs", "docs", "paragraphs"):  # no keys made by lookups later
        setattr(expected, name, dict(getattr(expected, name)))
    return expected


@pytest.fixture(scope="module")
def expected_sample() -> Expected:
    return expected_site(ROOT / SETTINGS["paths"]["notes"])


@pytest.fixture(scope="module")
def expected_300(generated_300) -> Expected:
    return expected_site(generated_300)


@pytest.fixture(params=SITES)
def built(request) -> tuple[Path, Expected]:
    """(site folder, what it must hold) for the sample site and for site_300."""
    site = request.getfixturevalue(request.param)
    expected = request.getfixturevalue("expected_sample" if request.param == "sample_site" else "expected_300")
    return site, expected


# --- Reading pages ----------------------------------------------------------------------------

@functools.cache
def page_of(path: Path) -> Page:
    return read_page(path)


class Outline(HTMLParser):
    """Where each link of <main> stands: under which h2/h3 heading and in which row
    (li, tr or heading element), so that lists grouped under headings can be checked."""

    ROW_TAGS = ("li", "tr", "h1", "h2", "h3", "h4")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []
        """{'href', 'h2', 'h3', 'breadcrumb', 'in_main'} for every <a href> of the page."""
        self.rows: list[dict] = []
        """{'tag', 'text', 'links', 'h2'} for every li, tr and heading in <main>."""
        self.headings = {"h2": "", "h3": ""}
        self._heading_text: list[str] | None = None
        self._open_rows: list[dict] = []
        self._main = 0
        self._navs: list[str | None] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self._main += 1
        if tag == "nav":
            self._navs.append(attributes.get("aria-label"))
        if tag in ("h2", "h3"):
            self._heading_text = []
            if tag == "h2":
                self.headings = {"h2": "", "h3": ""}
            else:
                self.headings["h3"] = ""
        if self._main and tag in self.ROW_TAGS:
            self._open_rows.append({"tag": tag, "text": [], "links": [], "h2": self.headings["h2"]})
        if tag == "a" and "href" in attributes:
            href = attributes["href"]
            self.links.append({"href": href, "h2": self.headings["h2"], "h3": self.headings["h3"],
                               "breadcrumb": "Breadcrumb" in self._navs, "in_main": bool(self._main)})
            for row in self._open_rows:
                row["links"].append(href)

    def handle_endtag(self, tag):
        if tag == "main" and self._main:
            self._main -= 1
        if tag == "nav" and self._navs:
            self._navs.pop()
        if tag in ("h2", "h3") and self._heading_text is not None:
            self.headings[tag] = " ".join("".join(self._heading_text).split())
            self._heading_text = None
        if self._open_rows and self._open_rows[-1]["tag"] == tag:
            row = self._open_rows.pop()
            row["text"] = " ".join(" ".join(row["text"]).split())
            self.rows.append(row)

    def handle_data(self, data):
        if self._heading_text is not None:
            self._heading_text.append(data)
        for row in self._open_rows:
            row["text"].append(data)

    def main_note_links(self) -> list[str]:
        return [NOTE_LINK.match(link["href"])[1] for link in self.links
                if link["in_main"] and NOTE_LINK.match(link["href"])]


@functools.cache
def outline_of(path: Path) -> Outline:
    return Outline(path.read_text(encoding="utf-8"))


def h1_texts(path: Path) -> list[str]:
    return [row["text"] for row in outline_of(path).rows if row["tag"] == "h1"]


def last_number(text: str) -> int | None:
    found = re.findall(r"\d[\d,]*", text)
    return int(found[-1].replace(",", "")) if found else None


def meta(page: Page, name: str) -> list[str]:
    return [a.get("content", "") for a in page.find_all("meta") if a.get("name") == name]


def page_file(site: Path, path: str) -> Path:
    """The file for a site-relative address ('states/japan/' -> states/japan/index.html)."""
    return site / (path + "index.html" if path.endswith("/") or path == "" else path)


class ListEntries(HTMLParser):
    """The entries of one page of a list of notes: (note id, the year heading above it,
    its role labels), and the page's rel="next" address."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[str, str, frozenset]] = []
        self.next: str | None = None
        self._year = ""
        self._in_h3 = False
        self._open: list | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "next":
            self.next = a["href"]
        if tag == "h3":
            self._in_h3, self._year = True, ""
        if tag == "li" and "list-item" in (a.get("class") or "").split():
            self._open = [None, self._year, set()]
        if self._open is not None:
            if tag == "a" and self._open[0] is None and NOTE_LINK.match(a.get("href", "")):
                self._open[0] = NOTE_LINK.match(a["href"])[1]
            for name in (a.get("class") or "").split():
                if name.startswith("role-"):
                    self._open[2].add(name[len("role-"):])

    def handle_endtag(self, tag):
        if tag == "h3":
            self._in_h3 = False
        if tag == "li" and self._open is not None:
            self.entries.append((self._open[0], self._open[1], frozenset(self._open[2])))
            self._open = None

    def handle_data(self, data):
        if self._in_h3:
            self._year += data.strip()


def list_pages(site: Path, path: str) -> list[tuple[str, ListEntries]]:
    """Every page of the list that starts at `path`, following rel="next": (address, entries)."""
    found = []
    while path is not None:
        assert path not in [p for p, _ in found], f"{path}: rel=next goes round in a circle"
        parsed = ListEntries(page_file(site, path).read_text(encoding="utf-8"))
        found.append((path, parsed))
        path = parsed.next[1:] if parsed.next else None
    return found


def listed(site: Path, path: str) -> list[tuple[str, str, frozenset]]:
    """Every entry of every page of the list at `path`, in order."""
    return [entry for _, page in list_pages(site, path) for entry in page.entries]


def rel(site: Path, path: Path) -> str:
    return path.relative_to(site).as_posix()


def address_of(site: Path, path: Path) -> str:
    """'/states/japan/' for states/japan/index.html, '/404.html' for 404.html."""
    relative = rel(site, path)
    return "/" + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


def resolve(site: Path, here: Path, url: str, base_url: str = BASE_URL) -> tuple[Path, str] | None:
    """The file an internal link points at, and its fragment; None for external links."""
    if url.startswith(base_url):
        url = "/" + url[len(base_url):]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if url.startswith("#"):
        return here, parts.fragment
    path = unquote(parts.path)
    if path.startswith("/"):
        target = site / path.lstrip("/")
    else:
        target = here.parent / path
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target.resolve(), parts.fragment


def is_redirect(path: Path) -> bool:
    """A redirect page left at a former address (test_permalinks.py checks them): it, and
    the copies of its term's files beside it, are no pages of their own."""
    page = path if path.name.endswith(".html") else path.parent / "index.html"
    return page.is_file() and 'http-equiv="refresh"' in page.read_text(encoding="utf-8")


def feed_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("feed.xml") if not is_redirect(p))


def pages_of(site: Path) -> list[Path]:
    """Every HTML page but the redirects."""
    return [p for p in html_files(site) if not is_redirect(p)]


def term_dirs(site: Path, section: str) -> set[str]:
    folder = site / section
    return {d.name for d in folder.iterdir() if d.is_dir() and not is_redirect(d / "index.html")} \
        if folder.is_dir() else set()


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), by relative path."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def build(project: Path, out: Path, *extra: str) -> int:
    return cli_main(["--config", str(project / "site.toml"), "build", "--out", str(out), *extra])


# --- The URL table ----------------------------------------------------------------------------

def test_fixed_pages_exist_and_are_what_they_say(built):
    site, expected = built
    for path in ("", "notes/", "states/", "organizations/", "paragraphs/", "404.html"):
        page = page_of(page_file(site, path))
        assert page.find_all("h1"), f"/{path} has no heading"
        assert page.find_all("main"), f"/{path} has no main content"
    assert "not found" in page_of(site / "404.html").text.lower()
    for path in ("feed.xml", "sitemap.xml"):
        ET.parse(site / path)  # well-formed XML
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert re.search(r"(?im)^user-agent:\s*\*", robots)
    assert re.search(rf"(?im)^sitemap:\s*{re.escape(BASE_URL)}sitemap\.xml\s*$", robots)


def test_one_page_per_year_with_notes_and_no_other(built):
    site, expected = built
    assert {d for d in term_dirs(site, "notes") if re.fullmatch(r"\d{4}", d)} == {str(y) for y in expected.years}
    for year, ids in expected.years.items():
        assert sorted(e[0] for e in listed(site, f"notes/{year}/")) == sorted(ids), \
            f"/notes/{year}/ does not list exactly that year's notes, once each"
        assert str(year) in page_of(page_file(site, f"notes/{year}/")).text


def test_notes_index_lists_every_note_under_its_year(built):
    """/notes/ and its pages list every note once, newest first, under its year; the year
    pages are linked from it."""
    site, expected = built
    entries = listed(site, "notes/")
    assert sorted(e[0] for e in entries) == sorted(expected.notes), "/notes/ must list every note exactly once"
    for note_id, year, _ in entries:
        assert year == str(expected.notes[note_id].date.year), (note_id, year)
    dates = [expected.notes[e[0]].date for e in entries]
    assert dates == sorted(dates, reverse=True)
    outline = outline_of(page_file(site, "notes/"))
    year_links = {YEAR_LINK.match(link["href"])[1] for link in outline.links if YEAR_LINK.match(link["href"] or "")}
    assert year_links == {str(y) for y in expected.years}


def test_one_page_per_note_with_its_title(built):
    site, expected = built
    note_dirs = {d for d in term_dirs(site, "notes") if not re.fullmatch(r"\d{4}", d)} - {"page"}
    assert note_dirs == set(expected.notes)
    for note in expected.notes.values():
        assert h1_texts(page_file(site, f"notes/{note.id}/")) == [" ".join(note.title.split())], note.id


def test_only_states_with_notes_get_pages(built):
    site, expected = built
    with_notes = set(expected.state_roles)
    assert term_dirs(site, "states") == with_notes
    for state_slug in {s.slug for s in all_catalog_states()} - with_notes:
        assert not (site / "states" / state_slug).exists()
    for state_slug in with_notes:
        assert h1_texts(page_file(site, f"states/{state_slug}/")) == [expected.states[state_slug].name]
        assert (site / "states" / state_slug / "feed.xml").is_file()
        assert sorted(e[0] for e in listed(site, f"states/{state_slug}/")) == \
            sorted(expected.state_notes(state_slug))


def test_a_state_no_note_names_has_no_page(sample_site, expected_sample):
    nowhere = {s.slug for s in all_catalog_states()} - set(expected_sample.state_roles)
    assert "zimbabwe" in nowhere and "holy-see" in nowhere
    for state_slug in nowhere:
        assert not (sample_site / "states" / state_slug).exists()
    assert "Zimbabwe" not in page_of(sample_site / "states" / "index.html").text


def test_only_organizations_with_notes_get_pages(built):
    site, expected = built
    assert term_dirs(site, "organizations") == set(expected.orgs)
    for org_slug, ids in expected.orgs.items():
        page = page_of(page_file(site, f"organizations/{org_slug}/"))
        assert (site / "organizations" / org_slug / "feed.xml").is_file()
        assert expected.org_facts[org_slug].name in page.text
        assert sorted(e[0] for e in listed(site, f"organizations/{org_slug}/")) == sorted(ids)


def test_paragraph_and_document_pages(built):
    site, expected = built
    assert term_dirs(site, "paragraphs") == set(expected.paragraphs) | set(expected.docs)
    for key, ids in expected.paragraphs.items():
        assert sorted(e[0] for e in listed(site, f"paragraphs/{key}/")) == sorted(ids), key
        assert (site / "paragraphs" / key / "feed.xml").is_file()
    for doc_slug, ids in expected.docs.items():
        # A document's page lists the notes citing the whole document or any of its paragraphs.
        path = page_file(site, f"paragraphs/{doc_slug}/")
        assert sorted(e[0] for e in listed(site, f"paragraphs/{doc_slug}/")) == sorted(ids), doc_slug
        assert expected.doc_facts[doc_slug].title in page_of(path).text
        assert (site / "paragraphs" / doc_slug / "feed.xml").is_file()


def test_document_page_gathers_whole_document_and_paragraph_citations(tmp_path):
    project = write_project(tmp_path / "p", {
        "2020/2020-01-01-whole.md": note_text("Cites 2663 as a whole", "2020-01-01", paragraphs='["2663"]'),
        "2020/2020-02-01-para.md": note_text("Cites 2663 OP17", "2020-02-01", paragraphs="[2663 OP17]"),
        "2020/2020-03-01-other.md": note_text("Cites 1540 OP3", "2020-03-01", paragraphs="[1540 OP3]"),
    })
    out = tmp_path / "out"
    assert build(project, out) == 0
    assert set(Outline((out / "paragraphs/2663/index.html").read_text()).main_note_links()) == \
        {"2020-01-01-whole", "2020-02-01-para"}
    assert set(Outline((out / "paragraphs/2663-17/index.html").read_text()).main_note_links()) == \
        {"2020-02-01-para"}
    assert set(Outline((out / "paragraphs/1540/index.html").read_text()).main_note_links()) == \
        {"2020-03-01-other"}
    assert not (out / "paragraphs/2663-18").exists()
    assert not (out / "paragraphs/1810").exists()


# --- Links --------------------------------------------------------------------------------------

def _check_links(site: Path, here: Path, urls: list[str], problems: list[str]) -> None:
    for url in urls:
        if url.strip().lower().startswith(("mailto:",)):
            continue
        found = resolve(site, here, url)
        if found is None:
            continue
        target, fragment = found
        where = rel(site, here)
        if not target.is_file() or site.resolve() not in target.parents:
            problems.append(f"{where}: {url} -> no such file")
            continue
        if fragment and target.suffix == ".html" and fragment not in page_of(target).ids:
            problems.append(f"{where}: {url} -> no id '{fragment}' on the page")


def test_every_internal_link_resolves(built):
    site, _ = built
    problems: list[str] = []
    pages = html_files(site)
    assert pages
    for path in pages:
        page = page_of(path)
        urls = [a[k] for _, a in page.elements for k in ("href", "src") if a.get(k) is not None]
        assert set(page.links) <= set(urls) and set(page.assets) <= set(urls)
        _check_links(site, path, urls, problems)
    for path in [*feed_files(site), site / "sitemap.xml"]:
        root = ET.parse(path).getroot()
        urls = [e.get("href") for e in root.iter() if e.get("href")]
        urls += [e.text.strip() for e in root.iter() if e.tag in (SITEMAP + "loc", ATOM + "id") and e.text
                 and e.text.strip().startswith(BASE_URL)]
        _check_links(site, path, urls, problems)
    assert not problems, "\n".join(problems[:30])


def test_fragment_links_point_at_ids_on_the_page(built):
    site, _ = built
    checked = 0
    for path in html_files(site):
        page = page_of(path)
        for _, attributes in page.elements:
            href = attributes.get("href") or ""
            if href.startswith("#"):
                checked += 1
                assert href[1:] in page.ids, f"{rel(site, path)}: {href} has no target"
    assert checked >= len(html_files(site)), "every page has at least its skip link"


# --- Note pages ---------------------------------------------------------------------------------

NOTE_PAGE_NOTES = {
    "2018/2018-12-12-round-table.md": note_text(
        "15th CBRN CoE Round-Table", "2018-12-12", body="## Overview\n\nThe round-table met.\n",
        end="2018-12-13", city="Vientiane", country="Lao PDR", format="in-person", kind="round-table",
        organizers="[Lao PDR, EU CBRN CoE]", states="[Brunei Darussalam, Vietnam, USA]",
        organizations="[UNICRI, 1540 GoE]", paragraphs='[2663 OP17, PoW-2023 13, "2325"]',
        summary="Experts met the focal points."),
    "2019/2019-11-30-across-months.md": note_text(
        "Across months", "2019-11-30", end="2019-12-02", format="virtual", states="[LAO]"),
    "2019/2019-12-31-across-years.md": note_text(
        "Across years", "2019-12-31", end="2020-01-02", format="hybrid",
        states="[lao people's democratic republic]"),
    "2020/2020-05-04-one-day.md": note_text("One day", "2020-05-04", kind="workshop"),
}


@pytest.fixture(scope="module")
def note_site(tmp_path_factory) -> Path:
    project = write_project(tmp_path_factory.mktemp("notepages") / "p", NOTE_PAGE_NOTES)
    out = project / "public"
    assert build(project, out) == 0
    return out


def test_note_page_shows_every_field_with_links(note_site):
    path = note_site / "notes/2018-12-12-round-table/index.html"
    page, outline = read_page(path), Outline(path.read_text(encoding="utf-8"))
    text = page.text
    assert h1_texts(path) == ["15th CBRN CoE Round-Table"]
    assert "Vientiane" in text
    assert "12\u201313 December 2018" in text
    assert re.search(r"in[- ]person", text, re.IGNORECASE)
    assert "round-table" in text
    assert "Experts met the focal points." in text
    assert "The round-table met." in text
    links = {link["href"] for link in outline.links if link["in_main"]}
    for href in ("/states/lao-peoples-democratic-republic/", "/organizations/eu-cbrn-coe/",
                 "/states/brunei-darussalam/", "/states/viet-nam/", "/states/united-states-of-america/",
                 "/organizations/unicri/", "/organizations/1540-goe/",
                 "/paragraphs/2663-17/", "/paragraphs/pow-2023-13/", "/paragraphs/2325/"):
        assert href in links, f"the note page does not link {href}"
        assert (note_site / href.strip("/") / "index.html").is_file()


def test_note_page_shows_canonical_names(note_site):
    text = read_page(note_site / "notes/2018-12-12-round-table/index.html").text
    assert "Lao People's Democratic Republic" in text
    assert "Lao PDR" not in text
    assert "Viet Nam" in text and "Vietnam" not in text
    assert "United States of America" in text
    assert "Vientiane, Lao People's Democratic Republic" in text


@pytest.mark.parametrize("note_id, shown", [
    ("2018-12-12-round-table", "12\u201313 December 2018"),
    ("2019-11-30-across-months", "30 November \u2013 2 December 2019"),
    ("2019-12-31-across-years", "31 December 2019 \u2013 2 January 2020"),
    ("2020-05-04-one-day", "4 May 2020"),
])
def test_note_page_dates(note_site, note_id, shown):
    text = read_page(note_site / f"notes/{note_id}/index.html").text
    assert shown in text


def test_note_page_citation_metadata(note_site):
    for relative, source in NOTE_PAGE_NOTES.items():
        note = read_note(note_site.parent / "notes" / relative)
        page = read_page(note_site / f"notes/{note.id}/index.html")
        assert meta(page, "citation_title") == [note.title]
        dates = meta(page, "citation_date") or meta(page, "citation_publication_date")
        assert dates, "no citation_date"
        assert dates[0] in (note.date.strftime("%Y/%m/%d"), note.date.isoformat())
        assert "Cite this note" in page.text
        cite = page.text.split("Cite this note", 1)[1]
        assert note.title in cite
        assert f"{TEST_BASE_URL}notes/{note.id}/" in cite


def test_note_page_has_breadcrumbs_to_its_year(note_site):
    outline = outline_of(note_site / "notes/2018-12-12-round-table/index.html")
    crumbs = [link["href"] for link in outline.links if link["breadcrumb"]]
    assert crumbs[:3] == ["/", "/notes/", "/notes/2018/"]


# --- State, organization and paragraph pages ------------------------------------------------------

def _roles_on(path: Path, notes: dict[str, NoteFact]) -> set[tuple[str, str]]:
    """(role, note id) from the role labels of every entry of the list at `path`, each
    note once and under its year."""
    site = path.parent
    while not (site / "assets").is_dir():
        site = site.parent
    entries = listed(site, address_of(site, path)[1:])
    ids = [e[0] for e in entries]
    assert len(ids) == len(set(ids)), f"{path}: a note is listed twice"
    found = set()
    for note_id, year, roles in entries:
        assert roles, f"{path}: {note_id} has no role label"
        assert int(year) == notes[note_id].date.year, f"{path}: {note_id} is not under its year ({year})"
        found |= {(role, note_id) for role in roles}
    return found


def test_state_page_lists_notes_by_role_and_year(built):
    site, expected = built
    for state_slug, roles in expected.state_roles.items():
        assert _roles_on(page_file(site, f"states/{state_slug}/"), expected.notes) == roles, state_slug


def test_all_spellings_of_a_state_reach_its_page(note_site):
    path = note_site / "states/lao-peoples-democratic-republic/index.html"
    assert _roles_on(path, expected_site(note_site.parent / "notes").notes) == {
        ("host", "2018-12-12-round-table"), ("organizer", "2018-12-12-round-table"),
        ("participant", "2019-11-30-across-months"), ("participant", "2019-12-31-across-years")}
    assert h1_texts(path) == ["Lao People's Democratic Republic"]
    for spelling in ("lao", "lao-pdr"):
        assert not (note_site / "states" / spelling).exists()


def test_states_index_by_regional_group_with_counts(built):
    """/states/ lists every State twice, with its count: under its first letter (A to Z,
    with a jump list to the letters) and under its regional group."""
    site, expected = built
    outline = outline_of(page_file(site, "states/"))
    by_letter, by_region = {}, {}
    for row in outline.rows:
        state_links = [h for h in row["links"] if re.fullmatch(r"/states/[^/]+/", h)]
        if row["tag"] != "li" or len(state_links) != 1:
            continue
        state_slug = state_links[0].split("/")[2]
        assert last_number(row["text"]) == len(expected.state_notes(state_slug)), row["text"]
    for link in outline.links:
        if not re.fullmatch(r"/states/[^/]+/", link["href"]) or not link["in_main"]:
            continue
        state_slug = link["href"].split("/")[2]
        fact = expected.states[state_slug]
        if link["h2"] == "From A to Z":
            assert link["h3"] == fold(fact.name)[0].upper(), (fact.name, link["h3"])
            by_letter[state_slug] = link
        else:
            assert link["h2"] == "By regional group" and link["h3"].startswith(fact.region), (fact.name, link)
            by_region[state_slug] = link
    assert set(by_letter) == set(by_region) == set(expected.state_roles)
    letters = {link["href"] for link in outline.links if link["href"].startswith("#letter-")}
    assert letters == {f"#letter-{fold(expected.states[s].name)[0].upper()}" for s in by_letter}


def test_organizations_index_with_counts(built):
    site, expected = built
    seen = set()
    for row in outline_of(page_file(site, "organizations/")).rows:
        org_links = [h for h in row["links"] if re.fullmatch(r"/organizations/[^/]+/", h)]
        if row["tag"] not in ("li", "tr") or len(org_links) != 1:
            continue
        org_slug = org_links[0].split("/")[2]
        assert last_number(row["text"]) == len(expected.orgs[org_slug]), row["text"]
        seen.add(org_slug)
    assert seen == set(expected.orgs)


def test_paragraphs_index_with_counts(built):
    site, expected = built
    seen_paragraphs, seen_docs = set(), set()
    for row in outline_of(page_file(site, "paragraphs/")).rows:
        links = [h for h in row["links"] if re.fullmatch(r"/paragraphs/[^/]+/", h)]
        if len(links) != 1:
            continue
        key = links[0].split("/")[2]
        if key in expected.paragraphs and row["tag"] in ("li", "tr"):
            assert last_number(row["text"]) == len(expected.paragraphs[key]), row["text"]
            seen_paragraphs.add(key)
        elif key in expected.docs and row["tag"].startswith("h"):
            assert last_number(row["text"]) == len(expected.docs[key]), row["text"]
            seen_docs.add(key)
    assert seen_paragraphs == set(expected.paragraphs)
    assert seen_docs == set(expected.docs)


# --- Feeds and sitemap ----------------------------------------------------------------------------

def _feed_note_ids(root: ET.Element, notes: dict[str, NoteFact]) -> list[str]:
    ids = []
    for entry in root.findall(ATOM + "entry"):
        entry_id = entry.findtext(ATOM + "id").strip()
        matches = [n for n in notes if n in entry_id]
        assert len(matches) == 1, f"entry id {entry_id} names no note id"
        ids.append(matches[0])
    return ids


def _expected_feed_notes(site: Path, feed: Path, expected: Expected) -> set[str]:
    parts = feed.relative_to(site).parts
    if len(parts) == 1:
        return set(expected.notes)
    section, key = parts[0], parts[1]
    return {"states": expected.state_notes(key), "organizations": expected.orgs.get(key, set()),
            "paragraphs": expected.paragraphs.get(key) or expected.docs.get(key, set())}[section]


def test_feeds_are_atom_with_unique_titles_and_stable_dates(built):
    site, expected = built
    feeds = feed_files(site)
    expected_count = 1 + len(expected.state_roles) + len(expected.orgs) + len(expected.paragraphs) + len(expected.docs)
    assert len(feeds) == expected_count
    titles = {}
    feed_size = int(SETTINGS.get("feed_size", 20))
    today = dt.date.today()
    for feed in feeds:
        root = ET.parse(feed).getroot()
        assert root.tag == ATOM + "feed", f"{feed}: not an Atom feed"
        title = " ".join(root.findtext(ATOM + "title").split())
        assert title and title not in titles, f"{feed} and {titles.get(title)} share the title '{title}'"
        titles[title] = feed
        assert root.findtext(ATOM + "id").strip()
        ids = _feed_note_ids(root, expected.notes)
        assert len(ids) == len(set(ids))
        should = expected.newest_first(_expected_feed_notes(site, feed, expected))
        assert set(ids) <= {n.id for n in should}, f"{feed} carries notes that are not its term's"
        assert len(ids) == min(len(should), feed_size)
        newest = should[: len(ids)]
        cutoff = newest[-1].date
        assert all(expected.notes[i].date >= cutoff for i in ids), f"{feed} does not carry the newest notes"
        updated = dt.date.fromisoformat(root.findtext(ATOM + "updated").strip()[:10])
        carried = [expected.notes[i] for i in ids]
        assert updated in (max(n.date for n in carried), max(n.last_day for n in carried)), \
            f"{feed}: <updated> {updated} is not the newest note's date"
        if updated == today:
            assert any(today in (n.date, n.last_day) for n in carried), f"{feed}: <updated> is the build date"
        for entry in root.findall(ATOM + "entry"):
            entry_date = dt.date.fromisoformat(entry.findtext(ATOM + "updated").strip()[:10])
            note = expected.notes[_feed_note_ids(ET.fromstring(
                f'<feed xmlns="{ATOM_NS}">' + ET.tostring(entry, encoding="unicode") + "</feed>"), expected.notes)[0]]
            assert entry_date in (note.date, note.last_day)


def test_entry_ids_and_feeds_are_identical_across_builds(tmp_path, site_300, generated_300):
    out = tmp_path / "again"
    assert cli_main(["--config", str(ROOT / "site.toml"), "build", "--notes", str(generated_300),
                     "--out", str(out), "--jobs", "1"]) == 0
    for feed in feed_files(site_300):
        again = out / feed.relative_to(site_300)
        first = [e.findtext(ATOM + "id") for e in ET.parse(feed).getroot().findall(ATOM + "entry")]
        second = [e.findtext(ATOM + "id") for e in ET.parse(again).getroot().findall(ATOM + "entry")]
        assert first == second
        assert feed.read_bytes() == again.read_bytes()


def test_every_term_page_announces_its_own_feed(built):
    site, _ = built
    pages = [p for section in ("states", "organizations", "paragraphs")
             for p in sorted((site / section).glob("*/index.html")) if not is_redirect(p)]
    assert pages
    for path in [site / "index.html", *pages]:
        alternates = [a for a in page_of(path).find_all("link", rel="alternate")
                      if a.get("type") == "application/atom+xml"]
        assert len(alternates) == 1, f"{rel(site, path)}: {len(alternates)} feed links"
        target, _ = resolve(site, path, alternates[0]["href"])
        assert target == (path.parent / "feed.xml").resolve(), f"{rel(site, path)} announces {alternates[0]['href']}"
        root = ET.parse(target).getroot()
        back = [link.get("href") for link in root.findall(ATOM + "link") if link.get("rel") == "alternate"]
        assert back and resolve(site, target, back[0])[0] == path.resolve()
        own = [link.get("href") for link in root.findall(ATOM + "link") if link.get("rel") == "self"]
        assert own and resolve(site, target, own[0])[0] == target


def test_sitemap_lists_every_html_page_but_404(built):
    site, _ = built
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == SITEMAP + "urlset"
    locs = [u.findtext(SITEMAP + "loc").strip() for u in root.findall(SITEMAP + "url")]
    assert len(locs) == len(set(locs))
    pages = {BASE_URL + address_of(site, p).lstrip("/") for p in pages_of(site) if p.name != "404.html"}
    assert set(locs) == pages
    assert not any("404" in loc for loc in locs)


# --- Safety ---------------------------------------------------------------------------------------

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '" onmouseover="alert(1)']
EVIL = " ".join(PAYLOADS)
EVIL_BODY = """## Links

<script>alert(1)</script>

<img src=x onerror=alert(1)>

" onmouseover="alert(1)

[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](data:text/html;base64,xx) [v](vbscript:x)

[e](&#106;avascript:alert(1)) [w]( javascript:alert(1) ) ![i](javascript:alert(1)) <javascript:alert(1)>

[ref link][r] and <a href="javascript:alert(1)">raw</a> and <svg onload=alert(1)>

[r]: javascript:alert(1)
"""
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def _yaml_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unsafe_attributes(tag: str, attributes: dict) -> list[str]:
    found = []
    if tag.rsplit("}", 1)[-1].lower() == "script":
        found.append(f"<{tag}> element")
    for name, value in attributes.items():
        name = name.rsplit("}", 1)[-1].lower()
        if name.startswith("on"):
            found.append(f"<{tag} {name}=...>")
        if name in URL_ATTRIBUTES and value is not None:
            cleaned = "".join(ch for ch in value if ch > " ").lower()
            if cleaned.startswith(BAD_SCHEMES) and not _citation_download(tag, name, attributes):
                found.append(f"<{tag} {name}={value!r}>")
    return found


# The only data: URIs a page may hold: the note page's citation downloads, of these types
# and nothing else (never text/html or an image, which a browser would show).
CITATION_TYPES = ("application/x-bibtex", "application/x-research-info-systems",
                  "application/vnd.citationstyles.csl+json")


def _citation_download(tag: str, name: str, attributes: dict) -> bool:
    href = attributes.get("href") or ""
    return (tag == "a" and name == "href" and "download" in attributes
            and any(href.startswith(f"data:{media_type};charset=utf-8;base64,") for media_type in CITATION_TYPES)
            and not set(href) & set(" \n\r\t\"'<>"))


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory) -> Path:
    project = write_project(tmp_path_factory.mktemp("evil") / "p", {
        "2020/2020-05-04-evil.md": note_text(
            _yaml_quoted(EVIL), "2020-05-04", body=EVIL_BODY, city=_yaml_quoted(EVIL),
            kind=_yaml_quoted(EVIL), summary=_yaml_quoted(EVIL), country="Japan", states="[Japan]",
            organizations="[UNODA]", paragraphs="[2663 OP17]", organizers="[Japan, UNODA]"),
    })
    out = project / "public"
    assert build(project, out) == 0
    return out


# The one page with scripts: the search page loads these files, and only these, by src.
SEARCH_PAGE = "search/index.html"
SEARCH_SCRIPTS = [("script", {"defer": None, "src": src})
                  for src in ("../assets/lunr.min.js", "index.js", "store.js", "../assets/search.js")]
SCRIPT_FILES = ("assets/lunr.min.js", "assets/search.js", "search/index.js", "search/store.js")
DATA_SUFFIXES = (".csv",)


def test_no_script_event_handler_or_dangerous_url_anywhere(evil_site):
    problems = []
    files = sorted(p for p in evil_site.rglob("*") if p.is_file())
    assert any(p.suffix == ".xml" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files:
        where = rel(evil_site, path)
        if path.suffix == ".html":
            elements = Page(path.read_text(encoding="utf-8")).elements
            if where == SEARCH_PAGE:
                scripts = [(t, a) for t, a in elements if t == "script"]
                assert scripts == SEARCH_SCRIPTS, f"{where}: scripts {scripts}"
                assert path.read_text(encoding="utf-8").count("></script>") == len(SEARCH_SCRIPTS), \
                    f"{where}: an inline script"
                elements = [(t, a) for t, a in elements if t != "script"]
            for tag, attributes in elements:
                problems += [f"{where}: {p}" for p in _unsafe_attributes(tag, attributes)]
        elif where in SCRIPT_FILES:
            # Scripts, not markup: note text in them is JavaScript string data. It must never
            # be able to end a <script> element should the file ever be inlined.
            assert b"</script" not in path.read_bytes().lower(), where
        elif path.suffix == ".xml":
            for element in ET.parse(path).getroot().iter():
                problems += [f"{where}: {p}" for p in _unsafe_attributes(element.tag, dict(element.attrib))]
                if element.get("type") in ("html", "xhtml") and element.text:
                    # HTML carried inside a feed is HTML to the feed reader.
                    for tag, attributes in Page(element.text).elements:
                        problems += [f"{where} (embedded HTML): {p}" for p in _unsafe_attributes(tag, attributes)]
        elif path.suffix in DATA_SUFFIXES:
            # Data for spreadsheets and reference managers, never shown as a page: note text is
            # kept as written there. tests/test_opendata.py and test_citations.py check that it
            # stays data (quoting, formulas, escapes).
            continue
        else:
            assert b"<script" not in path.read_bytes().lower(), where
    assert not problems, "\n".join(problems)


def test_hostile_text_is_shown_escaped(evil_site):
    page = read_page(evil_site / "notes/2020-05-04-evil/index.html")
    for payload in PAYLOADS:
        assert page.text.count(payload) >= 4, f"{payload!r} is not shown as text in title, summary, city and kind"
    for markdown in ("[x](javascript:alert(1))", "[y](JAVASCRIPT:alert(1))", "[z](data:text/html;base64,xx)",
                     "[v](vbscript:x)"):
        assert markdown in page.text, f"{markdown} should stay plain text"
    # Only the citation downloads may carry note text in a link (base64-encoded, as data).
    assert [a.get("href") for a in page.find_all("a") if "alert" in (a.get("href") or "")
            and not _citation_download("a", "href", a)] == []
    for listing in ("index.html", "notes/2020/index.html", "states/japan/index.html"):
        assert EVIL in read_page(evil_site / listing).text, listing
    entry = ET.parse(evil_site / "feed.xml").getroot().find(ATOM + "entry")
    assert entry.findtext(ATOM + "title") == EVIL


# --- Determinism and failure ----------------------------------------------------------------------

def test_same_input_gives_byte_identical_output(tmp_path, generated_300):
    config = str(ROOT / "site.toml")
    first, second = tmp_path / "one" / "public", tmp_path / "two" / "public"
    assert cli_main(["--config", config, "build", "--notes", str(generated_300), "--out", str(first)]) == 0
    assert cli_main(["--config", config, "build", "--notes", str(generated_300), "--out", str(second),
                     "--jobs", "1"]) == 0
    one, two = snapshot(first), snapshot(second)
    assert sorted(one) == sorted(two)
    different = [path for path in one if one[path] != two[path]]
    assert not different, f"{len(different)} files differ, e.g. {different[:5]}"


def test_failed_build_leaves_output_untouched(tmp_path):
    project = write_project(tmp_path / "p", {"2020/2020-05-04-good.md": note_text("Good", "2020-05-04",
                                                                                 states="[Japan]")})
    out = tmp_path / "site" / "public"
    assert build(project, out) == 0
    before = snapshot(out)
    assert "index.html" in before
    (project / "notes/2021").mkdir()
    (project / "notes/2021/2021-01-01-broken.md").write_text(
        note_text("Broken", "2021-01-01", states="[Atlantis]"), encoding="utf-8")
    result = run_cli(["--config", str(project / "site.toml"), "build", "--out", str(out)], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2021-01-01-broken.md" in result.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["public"], "a staging folder was left behind"


def test_build_refuses_a_foreign_non_empty_folder(tmp_path):
    project = write_project(tmp_path / "p", {"2020/2020-05-04-good.md": note_text()})
    out = tmp_path / "mine"
    (out / "photos").mkdir(parents=True)
    (out / "thesis.txt").write_text("years of work", encoding="utf-8")
    (out / "photos" / "cat.jpg").write_bytes(b"\xff\xd8 not really")
    before = snapshot(out)
    assert build(project, out) == 1
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "p"], "a staging folder was left behind"


@pytest.mark.parametrize("paths", [
    ["notes/a/", "notes/a/"],
    ["states/japan/", "states/Japan/"],
    ["states/japan/feed.xml", "STATES/JAPAN/FEED.XML"],
    ["", "index.html"],
    ["notes/a/", "notes/a/index.html"],
])
def test_writer_refuses_two_pages_on_one_path(paths):
    with pytest.raises(InputError):
        refuse_collisions(["feed.xml", *paths, "states/"])


@pytest.mark.parametrize("extra, collides", [
    ("lunr.min.js", "assets/lunr.min.js"),  # the theme's file and lunr.js from npm
    ("Style.css", "assets/style.css"),      # one file on Windows and macOS
])
def test_a_build_refuses_two_files_on_one_path_whatever_writes_them(tmp_path, capsys, extra, collides):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / extra).write_text("/* a second file */", encoding="utf-8")
    project = write_project(tmp_path / "p", {"2020/2020-05-04-good.md": note_text()})
    toml = project / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(f'theme = "{ROOT / "theme"}"', f'theme = "{theme}"'),
                    encoding="utf-8")
    out = tmp_path / "public"
    assert build(project, out) == 1
    err = capsys.readouterr().err
    assert f"two pages would be written to '{collides}'" in err.casefold()
    assert "a file of the theme folder has the name of another file of assets/" in err  # what to rename
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["p", "theme"]


def test_the_staging_folder_refuses_a_path_written_in_another_process(tmp_path):
    def write(paths):
        for path in paths:
            site.write(path, path.encode())
        return paths

    with Staging(tmp_path / "public") as site:
        site.write("notes/x/", b"first")
        with pytest.raises(InputError) as raised:  # 64 pages: enough for the workers to take part
            site.map_chunks(write, [f"states/s{n}/" for n in range(63)] + ["notes/x/"], workers=2)
        assert "two pages would be written to 'notes/x/index.html'" in str(raised.value.problems[0])
    with Staging(tmp_path / "public") as site:
        site.map_chunks(write, [f"states/s{n}/" for n in range(64)], workers=2)
        site.map_chunks(write, ["states/S7/"], workers=1)
        with pytest.raises(InputError):
            site.publish()
        assert len(site.written) == 65
    assert not (tmp_path / "public").exists()


def test_writer_accepts_distinct_paths():
    refuse_collisions(["", "notes/", "notes/2020/", "states/japan/", "states/japan/feed.xml", "404.html"])


def test_slugs_are_lowercase_ascii_and_never_collide(site_300):
    paths = [p.relative_to(site_300).as_posix() for p in site_300.rglob("*")]
    bad = [p for p in paths if not re.fullmatch(r"[a-z0-9./_-]+", p)]
    assert not bad, bad[:10]
    folded = defaultdict(list)
    for p in paths:
        folded[p.casefold()].append(p)
    assert not [v for v in folded.values() if len(v) > 1]


# --- Drafts ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def draft_project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("drafts") / "p", {
        "2020/2020-05-04-published.md": note_text("Published note", "2020-05-04", states="[Japan]"),
        "2021/2021-06-01-unfinished.md": note_text("Unfinished note", "2021-06-01", draft="true",
                                                   states="[Holy See]", organizations="[VERTIC]"),
    })


def test_drafts_are_not_built_by_default(draft_project, tmp_path):
    out = tmp_path / "public"
    assert build(draft_project, out) == 0
    assert not (out / "notes/2021-06-01-unfinished").exists()
    assert not (out / "notes/2021").exists()
    assert not (out / "states/holy-see").exists()
    assert not (out / "organizations/vertic").exists()
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"Unfinished note" not in everything
    assert b"2021-06-01-unfinished" not in everything
    assert (out / "notes/2020-05-04-published/index.html").is_file()
    assert re.search(r"\b1 note\b", read_page(out / "index.html").text)


def test_drafts_are_built_with_the_drafts_flag(draft_project, tmp_path):
    out = tmp_path / "public"
    assert build(draft_project, out, "--drafts") == 0
    assert "Unfinished note" in read_page(out / "notes/2021-06-01-unfinished/index.html").text
    assert "2021-06-01-unfinished" in Outline((out / "states/holy-see/index.html").read_text()).main_note_links()
    assert (out / "organizations/vertic/index.html").is_file()
    assert "2021-06-01-unfinished" in (out / "feed.xml").read_text(encoding="utf-8")
    assert re.search(r"\b2 notes\b", read_page(out / "index.html").text)


# --- Theme ----------------------------------------------------------------------------------------

def test_every_page_has_the_theme_and_landmarks(built):
    site, _ = built
    stylesheets = set()
    for path in pages_of(site):
        where = rel(site, path)
        page = page_of(path)
        assert page.find_all("html", lang="en"), f"{where}: no <html lang=en>"
        assert [a for a in page.find_all("meta") if a.get("name") == "viewport"], f"{where}: no viewport"
        for landmark in ("header", "nav", "main", "footer"):
            assert page.find_all(landmark), f"{where}: no <{landmark}>"
        assert len(page.find_all("main")) == 1
        assert page.find_all("main", id="content"), f"{where}: the skip link's target is not <main>"
        first_link = next(a for t, a in page.elements if t == "a")
        assert first_link.get("href") == "#content", f"{where}: the first link is not the skip link"
        sheets = [a["href"] for a in page.find_all("link") if "stylesheet" in (a.get("rel") or "").split()]
        assert sheets, f"{where}: no stylesheet"
        for href in sheets:
            target, _ = resolve(site, path, href)
            assert target.is_file() and target.relative_to(site.resolve()).parts[0] == "assets", href
            stylesheets.add(target)
        if path.name != "404.html" and path != site / "index.html":
            assert page.find_all("nav", **{"aria-label": "Breadcrumb"}), f"{where}: no breadcrumbs"
    assert stylesheets


def test_stylesheet_prints_without_navigation_and_loads_nothing(sample_site):
    css = (sample_site / "assets" / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", css, re.IGNORECASE)
    start = css.find("@media print")
    assert start >= 0, "no @media print block"
    depth, end = 0, None
    for index in range(css.index("{", start), len(css)):
        depth += {"{": 1, "}": -1}.get(css[index], 0)
        if depth == 0:
            end = index
            break
    block = css[start:end]
    hiding = [rule for rule in re.findall(r"([^{}]+)\{([^{}]*)\}", block)
              if re.search(r"display\s*:\s*none", rule[1])]
    assert any(re.search(r"(^|[\s,])(nav|\.site-nav|\.breadcrumbs)\b", sel) for sel, _ in hiding), \
        "the print style does not hide the navigation"


# --- Home page ------------------------------------------------------------------------------------

def test_home_page_latest_counts_and_ways_in(built):
    site, expected = built
    outline = outline_of(site / "index.html")
    text = page_of(site / "index.html").text
    latest = outline.main_note_links()
    count = min(int(SETTINGS.get("latest_count", 10)), len(expected.notes))
    assert len(latest) == len(set(latest)) == count
    dates = [expected.notes[i].date for i in latest]
    assert dates == sorted(dates, reverse=True), "latest notes are not newest first"
    unlisted = set(expected.notes) - set(latest)
    assert all(expected.notes[i].date <= dates[-1] for i in unlisted), "a newer note is missing"

    def number_before(noun: str) -> int:
        found = re.search(rf"(\d[\d,]*)\s+{noun}\b", text)
        assert found, f"no count of {noun}"
        return int(found[1].replace(",", ""))

    assert number_before("notes?") == len(expected.notes)
    assert number_before("States?") == len(expected.state_roles)
    assert number_before("organizations?") == len(expected.orgs)
    assert number_before("paragraphs?") == len(expected.paragraphs)
    main_links = {link["href"] for link in outline.links if link["in_main"]}
    assert {"/notes/", "/states/", "/organizations/", "/paragraphs/"} <= main_links
    assert {f"/notes/{year}/" for year in expected.years} <= main_links
