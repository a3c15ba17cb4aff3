"""Citations (issue 8): every note page carries Highwire Press and Dublin Core tags and a
"Cite this note" block, whose BibTeX, RIS and CSL-JSON files say the same as the page.

The files are read with parsers from PyPI (bibtexparser, rispy) and, for CSL-JSON, checked
against the part of the CSL-JSON schema (csl-data.json, CSL 1.0.2) that our items use.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
import yaml
from bibtexparser.middlewares import LatexDecodingMiddleware
from pylatexenc import latex2text

from conftest import Page, cli_main, note_text, read_page, write_project

AUTHOR = "Group of Experts & {Committee}"
PUBLISHER = "United Nations"
TEST_SITE_TOML = (
    'title = "Test archive"\n'
    'description = "Notes for the tests."\n'
    'base_url = "https://example.org/archive/"\n'
    f'author = "{AUTHOR}"\n'
    f'publisher = "{PUBLISHER}"\n')
EVIL_TITLE = 'Braces {x} \\emph{y} 100% & "quotes" <script>alert(1)</script> #1 $2 _a_ ~b ^c'
NOTES = {
    "2018/2018-12-12-round-table.md": note_text(
        "15th CBRN CoE Round-Table", "2018-12-12", end="2018-12-13", city="Vientiane", country="Lao PDR",
        format="in-person", kind="round-table", organizers="[Lao PDR, EU CBRN CoE]",
        states="[Brunei Darussalam, Vietnam]", organizations="[UNICRI]", paragraphs="[2663 OP17]",
        summary="Experts met the focal points."),
    "2020/2020-05-04-evil.md": note_text(
        "'" + EVIL_TITLE.replace("'", "''") + "'", "2020-05-04", city="'Tokyo \"East\"'",
        country="Japan", organizers="[Japan, OSCE]", summary="'<b>bold</b> {summary}'"),
    "2021/2021-03-01-bare.md": note_text("A bare note", "2021-03-01"),
}

# The CSL-JSON schema's rules for what our items carry: the types, the name and date
# variables, and no variable outside CSL 1.0.2.
CSL_TYPES = ["article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
             "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
             "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
             "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
             "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
             "personal_communication", "post", "post-weblog", "regulation", "report", "review",
             "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage"]
NAME = {"type": "object", "additionalProperties": False, "properties": {
    "family": {"type": "string"}, "given": {"type": "string"}, "dropping-particle": {"type": "string"},
    "non-dropping-particle": {"type": "string"}, "suffix": {"type": "string"},
    "comma-suffix": {"type": ["string", "number", "boolean"]}, "static-ordering": {"type": ["string", "number", "boolean"]},
    "literal": {"type": "string"}, "parse-names": {"type": ["string", "number", "boolean"]}}}
DATE = {"type": "object", "additionalProperties": False, "properties": {
    "date-parts": {"type": "array", "minItems": 1, "maxItems": 2,
                   "items": {"type": "array", "minItems": 1, "maxItems": 3,
                             "items": {"type": ["string", "number"]}}},
    "season": {"type": ["string", "number"]}, "circa": {"type": ["string", "number", "boolean"]},
    "literal": {"type": "string"}, "raw": {"type": "string"}}}
TEXT = {"type": ["string", "number"]}
CSL_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "id"],
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "enum": CSL_TYPES},
            "id": {"type": ["string", "number"]},
            "language": {"type": "string"},
            **{name: {"type": "array", "items": NAME} for name in (
                "author", "editor", "organizer", "contributor", "translator", "chair", "compiler")},
            **{name: DATE for name in ("issued", "event-date", "accessed", "submitted", "original-date")},
            **{name: TEXT for name in (
                "title", "abstract", "genre", "collection-title", "publisher", "publisher-place",
                "event-place", "event-title", "URL", "DOI", "note", "number", "medium", "source")},
        },
    },
}
# Built once: jsonschema.validate() checks the schema itself again at every call.
CSL_VALIDATOR = jsonschema.Draft202012Validator(CSL_SCHEMA)


@pytest.fixture(scope="module")
def cite_site(tmp_path_factory) -> Path:
    project = write_project(tmp_path_factory.mktemp("cite") / "p", NOTES, site_toml=None)
    settings = (project / "site.toml").read_text(encoding="utf-8")
    paths = settings[settings.index("[paths]"):]
    (project / "site.toml").write_text(TEST_SITE_TOML + paths, encoding="utf-8")
    out = project / "public"
    assert cli_main(["--config", str(project / "site.toml"), "build", "--out", str(out)]) == 0
    return out


def front_matter(relative: str) -> dict:
    return yaml.safe_load(NOTES[relative].split("---\n", 2)[1])


def meta(page: Page, name: str) -> list[str]:
    return [a["content"] for a in page.find_all("meta", name=name)]


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def note_folder(site: Path, note_id: str) -> Path:
    return site / "notes" / note_id


def citation_links(page: Page) -> dict[str, str]:
    """Extension of the file it downloads -> href, for the "Cite this note" block's links."""
    return {a["download"].rsplit(".", 1)[1]: a["href"] for a in page.find_all("a") if "download" in a}


def citation_file(site_or_page: Path | Page, note_id: str, extension: str) -> bytes:
    """What the note page's download link for `extension` gives: the bytes of its data: URI."""
    page = site_or_page if isinstance(site_or_page, Page) else read_page(note_folder(site_or_page, note_id) / "index.html")
    href = citation_links(page)[extension]
    head, _, data = href.partition(",")
    assert head.startswith("data:") and head.endswith(";charset=utf-8;base64"), head
    return base64.b64decode(data, validate=True)


def parse_bibtex(text: str):
    """bibtexparser, decoding LaTeX with pylatexenc taught the textcomp symbols it lacks."""
    context = latex2text.get_default_latex_context_db()
    context.add_context_category("textcomp", prepend=True, macros=[
        latex2text.MacroTextSpec(name, char) for name, char in (
            ("textless", "<"), ("textgreater", ">"), ("textasciicircum", "^"),
            ("textasciitilde", "~"), ("textbackslash", "\\"), ("textbraceleft", "{"),
            ("textbraceright", "}"))])
    decoder = latex2text.LatexNodes2Text(latex_context=context, math_mode="verbatim", strict_latex_spaces=True)
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware(decoder=decoder)])
    assert not library.failed_blocks, library.failed_blocks
    return library


# --- Meta tags --------------------------------------------------------------------------------

def test_meta_tags_match_the_front_matter(cite_site):
    for relative in NOTES:
        front = front_matter(relative)
        note_id = Path(relative).stem
        page = read_page(note_folder(cite_site, note_id) / "index.html")
        url = f"https://example.org/archive/notes/{note_id}/"
        date = as_date(front["date"])
        assert meta(page, "citation_title") == [front["title"]]
        assert meta(page, "citation_date") == [date.strftime("%Y/%m/%d")]
        assert meta(page, "citation_publication_date") == [date.strftime("%Y/%m/%d")]
        assert meta(page, "citation_author") == [AUTHOR]
        assert meta(page, "citation_publisher") == [PUBLISHER]
        assert meta(page, "citation_public_url") == [url]
        assert meta(page, "DC.title") == [front["title"]]
        assert meta(page, "DC.creator") == [AUTHOR]
        assert meta(page, "DC.date") == [date.isoformat()]
        assert meta(page, "DC.identifier") == [url]


def test_organizers_are_contributors_by_full_name(cite_site):
    page = read_page(note_folder(cite_site, "2018-12-12-round-table") / "index.html")
    assert meta(page, "DC.contributor") == ["Lao People's Democratic Republic",
                                            "EU CBRN Risk Mitigation Centres of Excellence Initiative"]
    bare = read_page(note_folder(cite_site, "2021-03-01-bare") / "index.html")
    assert meta(bare, "DC.contributor") == [] and meta(bare, "DC.coverage") == []


def test_cite_block_has_the_citation_and_three_downloads(cite_site):
    for relative in NOTES:
        note_id = Path(relative).stem
        folder = note_folder(cite_site, note_id)
        page = read_page(folder / "index.html")
        block = page.text.split("Cite this note", 1)[1]
        assert AUTHOR in block and front_matter(relative)["title"] in block
        assert f"https://example.org/archive/notes/{note_id}/" in block
        links = citation_links(page)
        assert sorted(links) == ["bib", "json", "ris"]
        downloads = {a["download"]: (a["href"], a["type"]) for a in page.find_all("a") if "download" in a}
        assert sorted(downloads) == [f"{note_id}.bib", f"{note_id}.json", f"{note_id}.ris"]
        for extension, media_type in (("bib", "application/x-bibtex"), ("ris", "application/x-research-info-systems"),
                                      ("json", "application/vnd.citationstyles.csl+json")):
            href, declared = downloads[f"{note_id}.{extension}"]
            assert declared == media_type
            assert href.startswith(f"data:{media_type};charset=utf-8;base64,")
            # An address has no spaces, line breaks or quotes: base64 has none of them.
            assert not set(href) & set(" \n\r\t\"'<>#&"), href


# --- The three files say what the page says ----------------------------------------------------

def test_bibtex_parses_with_the_same_fields(cite_site):
    for relative in NOTES:
        front, note_id = front_matter(relative), Path(relative).stem
        text = citation_file(cite_site, note_id, "bib").decode("utf-8")
        entries = parse_bibtex(text).entries
        assert len(entries) == 1
        entry = entries[0]
        assert (entry.entry_type, entry.key) == ("misc", note_id)
        assert entry["title"] == front["title"]
        assert entry["author"] == AUTHOR
        date = as_date(front["date"])
        assert entry["year"] == str(date.year)
        assert entry["date"].split("/")[0] == date.isoformat()
        assert entry["month"] == date.strftime("%b").lower()
        assert entry["url"] == f"https://example.org/archive/notes/{note_id}/"


def test_ris_parses_with_the_same_fields(cite_site):
    for relative in NOTES:
        front, note_id = front_matter(relative), Path(relative).stem
        raw = citation_file(cite_site, note_id, "ris")
        assert raw.endswith(b"ER  - \r\n") and raw.count(b"\n") == raw.count(b"\r\n")
        records = rispy.loads(raw.decode("utf-8"))
        assert len(records) == 1
        record = records[0]
        assert record["type_of_reference"] == "RPRT"
        assert record["title"] == front["title"]
        assert record["authors"] == [AUTHOR]
        assert record["date"] == as_date(front["date"]).strftime("%Y/%m/%d/")
        assert record["urls"] == [f"https://example.org/archive/notes/{note_id}/"]
        assert record["id"] == note_id


def test_csl_json_is_valid_with_the_same_fields(cite_site):
    for relative in NOTES:
        front, note_id = front_matter(relative), Path(relative).stem
        data = json.loads(citation_file(cite_site, note_id, "json"))
        CSL_VALIDATOR.validate(data)
        item = data[0]
        date = as_date(front["date"])
        assert item["title"] == front["title"]
        assert item["issued"] == {"date-parts": [[date.year, date.month, date.day]]}
        assert item["URL"] == f"https://example.org/archive/notes/{note_id}/"
        assert item["author"] == [{"literal": AUTHOR}]
    round_table = json.loads(citation_file(cite_site, "2018-12-12-round-table", "json"))[0]
    assert round_table["event-date"] == {"date-parts": [[2018, 12, 12], [2018, 12, 13]]}
    assert round_table["organizer"][0] == {"literal": "Lao People's Democratic Republic"}


def test_hostile_text_stays_text_in_every_format(cite_site):
    folder = note_folder(cite_site, "2020-05-04-evil")
    page = read_page(folder / "index.html")
    assert meta(page, "citation_title") == [EVIL_TITLE]
    assert not page.find_all("script") and not page.find_all("b")
    bib = citation_file(cite_site, "2020-05-04-evil", "bib").decode("utf-8")
    assert bib.count("{") == bib.count("}")  # every brace of the title escaped
    entry = parse_bibtex(bib).entries[0]
    assert entry["title"] == EVIL_TITLE
    assert entry["abstract"] == "<b>bold</b> {summary}"
    assert entry["organization"] == "Japan and Organization for Security and Co-operation in Europe"
    assert rispy.loads(citation_file(cite_site, "2020-05-04-evil", "ris").decode("utf-8"))[0]["title"] == EVIL_TITLE
    raw = citation_file(cite_site, "2020-05-04-evil", "json")
    assert b"<" not in raw and b">" not in raw
    assert json.loads(raw)[0]["title"] == EVIL_TITLE


# --- Every note of a larger archive ------------------------------------------------------------

def test_every_note_of_300_has_citation_files_that_parse(site_300, generated_300):
    for path in sorted(generated_300.rglob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
        folder = note_folder(site_300, path.stem)
        page = read_page(folder / "index.html")
        assert meta(page, "citation_title") == [str(front["title"])]
        assert meta(page, "citation_date") == [as_date(front["date"]).strftime("%Y/%m/%d")]
        assert sorted(citation_links(page)) == ["bib", "json", "ris"]
        url = meta(page, "citation_public_url")[0]
        assert rispy.loads(citation_file(page, path.stem, "ris").decode("utf-8"))[0]["urls"] == [url]
        item = json.loads(citation_file(page, path.stem, "json"))
        CSL_VALIDATOR.validate(item)
        assert item[0]["title"] == str(front["title"])
    # bibtexparser is the slow one: all the entries at once.
    bib = "\n".join(citation_file(site_300, p.stem, "bib").decode("utf-8")
                    for p in generated_300.rglob("*.md"))
    assert len(parse_bibtex(bib).entries) == 300


@pytest.mark.parametrize("title", ["Workshop {draft", "Workshop draft}", "}{ reversed {{"])
def test_a_lone_brace_leaves_the_bibtex_entry_balanced(title):
    # BibTeX counts braces even after a backslash: \{ would leave the entry open.
    from infonotes.pages import cite
    fields = cite.CitationFields(key="2023-03-07-w", title=title, author="Experts", organizers=(),
                                 date=dt.date(2023, 3, 7), end=None, venue="", publisher="P",
                                 collection="C", url="https://example.org/notes/2023-03-07-w/",
                                 summary="", language="en")
    text = cite.bibtex(fields).decode("utf-8")
    assert text.count("{") == text.count("}")
    assert parse_bibtex(text).entries[0]["title"] == title
