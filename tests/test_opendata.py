"""Open data (issue 8): /data/notes.json, /data/notes.csv, the relation tables, the /data/
page, and each term's own table.

The files of the 300-note archive are read with the standard library only (json, csv) and
compared with the note pages, which are read as HTML; small archives written here check
spreadsheet safety, hostile text and offline links.
"""
from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from infonotes.commands.build import build_site
from infonotes.config import load_config
from infonotes.pages.urls import Links

from conftest import ROOT, cli_main, note_text, read_page, write_project

DATA = "data"
CSV_FILES = ("notes.csv", "note-states.csv", "note-organizations.csv", "note-paragraphs.csv")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TERM_SECTIONS = ("states", "organizations", "paragraphs")


# --- Reading the files and the pages ----------------------------------------------------------

def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as dicts) of a CSV file, after checking the bytes are what spreadsheets want."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 byte-order mark"
    assert raw.count(b"\n") == raw.count(b"\r\n"), f"{path.name}: a line does not end in CR LF"
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), strict=True)
    header, *rows = list(reader)
    assert all(len(row) == len(header) for row in rows), f"{path.name}: rows of different lengths"
    return header, [dict(zip(header, row)) for row in rows]


def split_list(cell: str) -> list[str]:
    return cell.split("; ") if cell else []


class NoteMeta(HTMLParser):
    """A note page's facts: h1, canonical URL, date, and the link texts under each <dt>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.h1 = ""
        self.canonical = ""
        self.datetime = ""
        self.fields: dict[str, list[str]] = {}
        self._in = None  # 'h1', 'dt' or 'a'
        self._dt = ""
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "canonical":
            self.canonical = attributes["href"]
        elif tag == "time" and not self.datetime:
            self.datetime = attributes.get("datetime", "")
        elif tag in ("h1", "dt") or (tag == "a" and self._dt):
            self._in, self._text = tag, ""
        elif tag == "dl":
            self._dt = ""

    def handle_endtag(self, tag):
        if tag != self._in:
            if tag == "dl":
                self._dt = ""
            return
        text = " ".join(self._text.split())
        if tag == "h1":
            self.h1 = text
        elif tag == "dt":
            self._dt = re.sub(r"\s*\(\d+\)$", "", text)
            self.fields[self._dt] = []
        else:
            self.fields[self._dt].append(text)
        self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def note_meta(site: Path, note_id: str) -> NoteMeta:
    return NoteMeta((site / "notes" / note_id / "index.html").read_text(encoding="utf-8"))


def document_titles() -> dict[str, str]:
    """Document key -> title, from the catalog: a whole document is linked by its title."""
    entries = yaml.safe_load((ROOT / "data" / "paragraphs.yaml").read_text(encoding="utf-8"))
    return {str(e["key"]): e["title"] for e in entries}


@pytest.fixture(scope="module")
def notes_json(site_300) -> dict:
    return json.loads((site_300 / DATA / "notes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(notes_json) -> dict[str, dict]:
    return {n["id"]: n for n in notes_json["notes"]}


def note_page_ids(site: Path) -> set[str]:
    return {p.parent.name for p in (site / "notes").glob("*/index.html") if re.match(r"\d{4}-", p.parent.name)}


# --- notes.json ---------------------------------------------------------------------------------

def test_notes_json_has_one_entry_per_note_page(site_300, notes_json, by_id):
    ids = [n["id"] for n in notes_json["notes"]]
    assert len(ids) == len(set(ids)) == notes_json["count"] == 300
    assert set(ids) == note_page_ids(site_300)
    assert [(n["date"], n["id"]) for n in notes_json["notes"]] == sorted((n["date"], n["id"]) for n in notes_json["notes"])


def test_notes_json_agrees_with_the_note_pages(site_300, by_id):
    titles = document_titles()
    for note_id, note in by_id.items():
        page = note_meta(site_300, note_id)
        assert note["title"] == page.h1
        assert note["url"] == page.canonical
        assert note["date"] == page.datetime
        assert [s["name"] for s in note["states"]] == page.fields.get("States", [])
        assert [o["acronym"] for o in note["organizations"]] == page.fields.get("Organizations", [])
        assert [o["name"] if o["type"] == "state" else o["acronym"] for o in note["organizers"]] == \
            page.fields.get("Organizers", [])
        shown = [p["reference"] if p["paragraph"] else titles[p["document"]] for p in note["paragraphs"]]
        assert shown == page.fields.get("Paragraphs", [])
        if note["country"]:
            assert page.fields["Venue"] == [note["country"]["name"]]
            assert re.fullmatch(r"[A-Z]{3}", note["country"]["iso3"])
        assert all(re.fullmatch(r"[A-Z]{3}", s["iso3"]) for s in note["states"])


def test_notes_json_agrees_with_front_matter(generated_300, by_id):
    for path in sorted(generated_300.rglob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
        note = by_id[path.stem]
        assert note["title"] == str(front["title"])
        assert note["date"] == str(front["date"])
        assert note["summary"] == front.get("summary")
        assert note["city"] == front.get("city")
        assert note["format"] == front.get("format")
        assert note["kind"] == front.get("kind")
        assert len(note["states"]) == len(front.get("states") or [])
        assert len(note["organizations"]) == len(front.get("organizations") or [])
        assert len(note["paragraphs"]) == len(front.get("paragraphs") or [])


# --- notes.csv and the relation tables ----------------------------------------------------------

def test_notes_csv_has_one_row_per_note_agreeing_with_json(site_300, by_id):
    header, rows = read_csv(site_300 / DATA / "notes.csv")
    assert header[:4] == ["id", "url", "title", "date"]
    assert [r["id"] for r in rows] == list(by_id)
    for row in rows:
        note = by_id[row["id"]]
        assert row["url"] == note["url"]
        assert row["title"] == note["title"]
        assert row["date"] == note["date"]
        assert row["end"] == (note["end"] or "")
        assert row["country_iso3"] == (note["country"]["iso3"] if note["country"] else "")
        assert split_list(row["states"]) == [s["name"] for s in note["states"]]
        assert split_list(row["states_iso3"]) == [s["iso3"] for s in note["states"]]
        assert split_list(row["organizations"]) == [o["acronym"] for o in note["organizations"]]
        assert split_list(row["paragraphs"]) == [p["reference"] for p in note["paragraphs"]]
        assert row["summary"] == (note["summary"] or "")


def state_pairs(note: dict) -> list[tuple[str, str, str]]:
    pairs = [(note["id"], "host", note["country"]["iso3"])] if note["country"] else []
    pairs += [(note["id"], "organizer", o["iso3"]) for o in note["organizers"] if o["type"] == "state"]
    return pairs + [(note["id"], "participant", s["iso3"]) for s in note["states"]]


def organization_pairs(note: dict) -> list[tuple[str, str, str]]:
    pairs = [(note["id"], "organizer", o["acronym"]) for o in note["organizers"] if o["type"] == "organization"]
    return pairs + [(note["id"], "participant", o["acronym"]) for o in note["organizations"]]


def test_relation_tables_have_one_row_per_pair(site_300, by_id):
    _, states = read_csv(site_300 / DATA / "note-states.csv")
    assert [(r["note_id"], r["role"], r["iso3"]) for r in states] == \
        [pair for note in by_id.values() for pair in state_pairs(note)]
    assert {r["role"] for r in states} == {"host", "organizer", "participant"}
    _, organizations = read_csv(site_300 / DATA / "note-organizations.csv")
    assert [(r["note_id"], r["role"], r["acronym"]) for r in organizations] == \
        [pair for note in by_id.values() for pair in organization_pairs(note)]
    _, paragraphs = read_csv(site_300 / DATA / "note-paragraphs.csv")
    assert [(r["note_id"], r["reference"], r["document"], r["paragraph"]) for r in paragraphs] == \
        [(n["id"], p["reference"], p["document"], str(p["paragraph"] or ""))
         for n in by_id.values() for p in n["paragraphs"]]


def test_no_csv_cell_can_start_a_formula(site_300):
    files = [site_300 / DATA / name for name in CSV_FILES]
    files += sorted(p for section in TERM_SECTIONS for p in (site_300 / section).glob("*/notes.csv"))
    for path in files:
        header, rows = read_csv(path)
        for row in rows:
            bad = [cell for cell in row.values() if cell.startswith(FORMULA_STARTS)]
            assert not bad, f"{path}: {bad}"


# --- A table for each term ---------------------------------------------------------------------

NOTE_LINK = re.compile(r"/notes/(\d{4}-\d\d-\d\d-[a-z0-9-]+)/")
ROLES = ("host", "organizer", "participant")


class RoleSections(HTMLParser):
    """The note ids listed on a term page and on its further pages (followed by rel="next"),
    and for State and organization pages the ids under each role label."""

    def __init__(self, html: str, site: Path | None = None):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.by_role: dict[str, set[str]] = {}
        self._note = None
        self._next = None
        self.feed(html)
        if self._next and site is not None:
            further = RoleSections((site / self._next.lstrip("/") / "index.html").read_text(encoding="utf-8"), site)
            self.ids |= further.ids
            for role, ids in further.by_role.items():
                self.by_role.setdefault(role, set()).update(ids)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "link" and attributes.get("rel") == "next":
            self._next = attributes["href"]
        if tag == "li":
            self._note = None
        if tag == "a" and (match := NOTE_LINK.fullmatch(attributes.get("href") or "")):
            self.ids.add(match[1])
            self._note = match[1]
        for name in classes:
            if name.startswith("role-") and name[5:] in ROLES and self._note:
                self.by_role.setdefault(name[5:], set()).add(self._note)


def term_pages(site: Path) -> list[Path]:
    """Every State, organization, document and paragraph page (not the redirects left at
    former names' addresses)."""
    return sorted(p for section in TERM_SECTIONS for p in (site / section).glob("*/index.html")
                  if not read_page(p).find_all("meta", **{"http-equiv": "refresh"}))


def test_every_term_page_links_its_own_table_listing_its_notes(site_300):
    pages = term_pages(site_300)
    assert len(pages) > 50
    for path in pages:
        site_path = "/" + path.parent.relative_to(site_300).as_posix() + "/"
        assert site_path + "notes.csv" in read_page(path).links, f"{site_path} does not link its table"
        shown = RoleSections(path.read_text(encoding="utf-8"), site_300)
        header, rows = read_csv(path.parent / "notes.csv")
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows), "oldest first"
        assert {r["id"] for r in rows} == shown.ids, site_path
        if site_path.startswith(("/states/", "/organizations/")):
            for role in ROLES:
                assert {r["id"] for r in rows if role in split_list(r["roles"])} == \
                    shown.by_role.get(role, set()), (site_path, role)
        else:
            assert "roles" not in header


# --- The /data/ page -----------------------------------------------------------------------------

def test_data_page_explains_every_file_and_column(site_300):
    page = read_page(site_300 / DATA / "index.html")
    html = (site_300 / DATA / "index.html").read_text(encoding="utf-8")
    for name in ("notes.json", *CSV_FILES):
        assert f"/data/{name}" in page.links, f"/data/ does not link {name}"
        assert (site_300 / DATA / name).is_file()
    for name in CSV_FILES:
        header, _ = read_csv(site_300 / DATA / name)
        for column in header:
            assert f"<code>{column}</code>" in html, f"{name}: column {column} is not explained"
    term_header, _ = read_csv(site_300 / "states" / "japan" / "notes.csv")
    for column in term_header:
        assert f"<code>{column}</code>" in html, f"term tables: column {column} is not explained"
    assert "apostrophe" in page.text and "formula" in page.text
    footer_links = read_page(site_300 / "index.html").links
    assert "/data/" in footer_links


# --- Spreadsheet safety, hostile text, offline links ---------------------------------------------

HOSTILE_TITLE = '=1+1 "quoted", {braced} <script>alert(1)</script>'
SMALL_NOTES = {
    "2020/2020-05-04-formula.md": note_text(
        "'" + HOSTILE_TITLE.replace("'", "''") + "'", "2020-05-04", city="'+cmd|calc'", kind="'-2+3'",
        summary="'@SUM(A1:A2), with a comma'", country="Japan", states="[Japan, Viet Nam]",
        organizations="[UNODA]", organizers="[Japan, UNODA]", paragraphs='[2663 OP17, "2325"]'),
    "2021/2021-01-02-plain.md": note_text("A plain workshop", "2021-01-02", end="2021-01-03",
                                          states="[France]", paragraphs="[2663 OP17]"),
}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    project = write_project(tmp_path_factory.mktemp("opendata") / "p", SMALL_NOTES)
    out = project / "public"
    assert cli_main(["--config", str(project / "site.toml"), "build", "--out", str(out)]) == 0
    return out


def test_formula_title_comes_out_as_text_in_csv_and_exact_in_json(small_site):
    _, rows = read_csv(small_site / DATA / "notes.csv")
    row = next(r for r in rows if r["id"] == "2020-05-04-formula")
    assert row["title"] == "'" + HOSTILE_TITLE
    assert row["city"] == "'+cmd|calc"
    assert row["kind"] == "'-2+3"
    assert row["summary"] == "'@SUM(A1:A2), with a comma"
    _, japan = read_csv(small_site / "states" / "japan" / "notes.csv")
    assert japan[0]["title"] == "'" + HOSTILE_TITLE and japan[0]["roles"] == "host; organizer; participant"
    notes = json.loads((small_site / DATA / "notes.json").read_text(encoding="utf-8"))["notes"]
    assert notes[0]["title"] == HOSTILE_TITLE  # JSON is data for programs: the text exactly
    raw = (small_site / DATA / "notes.json").read_bytes()
    assert b"<" not in raw and b">" not in raw, "markup characters are escaped in JSON"


def test_plain_cells_are_left_alone(small_site):
    _, rows = read_csv(small_site / DATA / "notes.csv")
    plain = next(r for r in rows if r["id"] == "2021-01-02-plain")
    assert (plain["title"], plain["date"], plain["end"], plain["states"]) == \
        ("A plain workshop", "2021-01-02", "2021-01-03", "France")


def test_offline_links_to_tables_and_citations_resolve(tmp_path):
    project = write_project(tmp_path / "p", SMALL_NOTES)
    config = load_config(project / "site.toml")
    out = tmp_path / "offline"
    build_site(config, output_dir=out, links=Links(config.base_url, config.base_path, relative=True))
    pages = [out / "data" / "index.html", out / "states" / "japan" / "index.html",
             out / "paragraphs" / "2663-17" / "index.html", out / "paragraphs" / "2325" / "index.html",
             out / "organizations" / "unoda" / "index.html"]
    for path in pages:
        links = [link for link in read_page(path).links if not urlsplit(link).scheme and not link.startswith("#")]
        data_links = [link for link in links if link.endswith((".csv", ".json"))]
        assert data_links, f"{path}: no link to a data file"
        for link in links:
            target = (path.parent / urlsplit(link).path).resolve()
            assert target.is_file(), f"{path.relative_to(out)}: {link} is not a file"
    # A note's citation files travel inside its page, so they work from any copy of it.
    note = read_page(out / "notes" / "2020-05-04-formula" / "index.html")
    downloads = [a["href"] for a in note.find_all("a") if "download" in a]
    assert len(downloads) == 3 and all(href.startswith("data:application/") for href in downloads)
