"""How to cite a note: one set of citation fields, written out in every format readers use.

`citation_fields` gathers what a citation says about a note; every other function here
writes those same fields in one format: the plain-text citation shown on the page, the
Highwire Press and Dublin Core meta tags that reference managers read from the page, and
the BibTeX, RIS and CSL-JSON files the page offers for download (as data: URIs, so that
they need no files of their own). Each function is pure.

Who is the author? The notes are written by the experts of the 1540 Committee, whatever
the event and whoever organized it, so every format names one corporate author (the
`author` setting of site.toml, by default the site's title). The event's organizers are
named as what they are: contributors (Dublin Core), organizers (CSL), the `organization`
field (BibTeX) and a note (RIS). The date is the event's first day: a note has no other.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass

from infonotes.archive.model import Note
from infonotes.pages.views import date_range

GENRE = "Information note"
CSL_TYPE = "report"
RIS_TYPE = "RPRT"


@dataclass(frozen=True, slots=True)
class CitationFields:
    """Everything a citation of one note says, already in plain text."""

    key: str
    """The note's id: the BibTeX key, the RIS and CSL-JSON id."""
    title: str
    author: str
    """A corporate author, written as one name (never split into given and family names)."""
    organizers: tuple[str, ...]
    """The event's organizers: States by name, organizations by full name."""
    date: dt.date
    end: dt.date | None
    venue: str
    publisher: str
    collection: str
    """The series the note belongs to: the archive's title."""
    url: str
    language: str
    summary: str


def citation_fields(note: Note, *, url: str, author: str, publisher: str, collection: str,
                    language: str) -> CitationFields:
    return CitationFields(
        key=note.id,
        title=one_line(note.title),
        author=one_line(author),
        organizers=tuple(one_line(_organizer_name(o)) for o in note.organizers),
        date=note.date,
        end=note.end if note.end != note.date else None,
        venue=one_line(note.venue),
        publisher=one_line(publisher),
        collection=one_line(collection),
        url=url,
        language=language,
        summary=one_line(note.summary),
    )


def _organizer_name(organizer) -> str:
    """A State's name, an organization's full name (its acronym means little in a citation)."""
    return organizer.name


_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def one_line(text: str) -> str:
    """Runs of white space and control characters become one space: no format here has room
    for a line break inside a value (RIS and the meta tags would break on one)."""
    return _CONTROL_OR_SPACE.sub(" ", text).strip()


# --- the page ------------------------------------------------------------------------------

def plain_text(fields: CitationFields) -> str:
    """The citation shown under "Cite this note": author, title, kind and date, venue, series, URL."""
    what = f"{GENRE}, {date_range(fields.date, fields.end)}"
    if fields.venue:
        what += f", {fields.venue}"
    parts = [fields.author, f"\u201c{fields.title}\u201d", what]
    parts += [p for p in dict.fromkeys((fields.publisher, fields.collection)) if p and p != fields.author]
    return ". ".join(parts) + f". {fields.url}"


def meta_tags(fields: CitationFields) -> list[tuple[str, str]]:
    """(name, content) of the page's <meta> tags: Highwire Press (Google Scholar, Zotero),
    then Dublin Core. Dates are the event's first day, in the form each vocabulary wants."""
    slashed = fields.date.strftime("%Y/%m/%d")
    tags = [("citation_title", fields.title), ("citation_author", fields.author),
            ("citation_publication_date", slashed), ("citation_date", slashed),
            ("citation_publisher", fields.publisher),
            ("citation_technical_report_institution", fields.publisher),
            ("citation_public_url", fields.url), ("citation_language", fields.language)]
    tags += [("DC.title", fields.title), ("DC.creator", fields.author)]
    tags += [("DC.contributor", name) for name in fields.organizers]
    tags += [("DC.date", fields.date.isoformat()), ("DC.publisher", fields.publisher),
             ("DC.type", "Text"), ("DC.format", "text/html"), ("DC.identifier", fields.url),
             ("DC.language", fields.language)]
    if fields.summary:
        tags.append(("DC.description", fields.summary))
    if fields.venue:
        tags.append(("DC.coverage", fields.venue))
    return [(name, content) for name, content in tags if content]


# --- BibTeX --------------------------------------------------------------------------------

# LaTeX's special characters, as commands that print them. < and > are here too: the
# default font encoding prints them as ¡ and ¿.
_BIBTEX_ESCAPES = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_escape(text: str) -> str:
    """Text that BibTeX and LaTeX print as written: specials escaped, so braces always balance."""
    return text.translate(_BIBTEX_ESCAPES)


def bibtex(fields: CitationFields) -> bytes:
    """A @misc entry (standard BibTeX; biblatex reads `date` too), UTF-8.

    The title and the author are double-braced: styles must not recase the title's acronyms,
    and the corporate author must stay one name even if it contains "and".
    """
    entries = [
        ("title", "{" + bibtex_escape(fields.title) + "}"),
        ("author", "{" + bibtex_escape(fields.author) + "}"),
        ("howpublished", bibtex_escape(f"{GENRE}, {fields.collection}")),
        # biblatex splits this list on "and": each name braced stays whole ("… Security and …").
        ("organization", " and ".join("{" + bibtex_escape(name) + "}" for name in fields.organizers)),
        ("publisher", bibtex_escape(fields.publisher)),
        ("address", bibtex_escape(fields.venue)),
        ("year", str(fields.date.year)),
        ("date", _iso_range(fields.date, fields.end)),
        ("url", bibtex_url(fields.url)),
        ("note", bibtex_escape(f"{GENRE}, {date_range(fields.date, fields.end)}")),
        ("abstract", bibtex_escape(fields.summary)),
        ("language", bibtex_escape(fields.language)),
    ]
    lines = [f"@misc{{{fields.key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in entries if value]
    lines.append(f"  month = {_MONTHS[fields.date.month - 1]},")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def bibtex_url(url: str) -> str:
    """URLs are read verbatim (no LaTeX escapes); only what would unbalance the entry is
    percent-encoded, which leaves the address the same."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _iso_range(start: dt.date, end: dt.date | None) -> str:
    return start.isoformat() if end is None else f"{start.isoformat()}/{end.isoformat()}"


# --- RIS -----------------------------------------------------------------------------------

def ris(fields: CitationFields) -> bytes:
    """One RIS record: `TAG  - value` lines ending in CR LF, closed by `ER  - `."""
    event = f"Event: {date_range(fields.date, fields.end)}"
    if fields.venue:
        event += f", {fields.venue}"
    if fields.organizers:
        event += f". Organized by {'; '.join(fields.organizers)}"
    lines = [("TY", RIS_TYPE), ("ID", fields.key), ("TI", fields.title), ("AU", fields.author),
             ("PY", str(fields.date.year)), ("DA", fields.date.strftime("%Y/%m/%d/")),
             ("T2", fields.collection), ("M3", GENRE), ("PB", fields.publisher), ("UR", fields.url),
             ("AB", fields.summary), ("N1", event + "."), ("LA", fields.language)]
    text = "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value)
    return (text + "ER  - \r\n").encode("utf-8")


# --- CSL-JSON ------------------------------------------------------------------------------

def csl_item(fields: CitationFields) -> dict:
    """The note as a CSL-JSON item (CSL 1.0.2 variables), names as literals."""
    item = {
        "id": fields.key,
        "type": CSL_TYPE,
        "title": fields.title,
        "author": [{"literal": fields.author}],
        "issued": {"date-parts": [_date_parts(fields.date)]},
        "genre": GENRE,
        "collection-title": fields.collection,
        "publisher": fields.publisher,
        "URL": fields.url,
        "language": fields.language,
        "event-date": {"date-parts": [_date_parts(d) for d in (fields.date, fields.end) if d]},
    }
    if fields.organizers:
        item["organizer"] = [{"literal": name} for name in fields.organizers]
    if fields.venue:
        item["event-place"] = fields.venue
    if fields.summary:
        item["abstract"] = fields.summary
    return {key: value for key, value in item.items() if value}


def _date_parts(day: dt.date) -> list[int]:
    return [day.year, day.month, day.day]


def csl_json(fields: CitationFields) -> bytes:
    """A CSL-JSON file: a list holding the one item, what citeproc and Zotero import."""
    return (json_text([csl_item(fields)]) + "\n").encode("utf-8")


def json_text(data) -> str:
    """Compact JSON with <, > and & written as \\u escapes: the same data, but never markup,
    even for a browser that takes the file for HTML. (In JSON they only occur in strings.)"""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def data_uri(media_type: str, data: bytes) -> str:
    """`data` as a data: URI of `media_type` in UTF-8: a link that downloads it, from the
    published site and from file:// alike. Base64, not percent-encoding: about as long for
    these texts, and made in C rather than a byte at a time."""
    return f"data:{media_type};charset=utf-8;base64,{base64.b64encode(data).decode('ascii')}"
