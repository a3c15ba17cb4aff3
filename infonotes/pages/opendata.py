"""The archive as data: notes.json, notes.csv, one long table per relation, one CSV per term.

Pure functions from the model's notes to file bytes. The columns are declared once, here,
with what each one means: the files are written from these declarations and the /data/
page explains them from the same ones, so the two cannot drift apart.

Every file lists notes oldest first (by date, then id), so that a new note adds rows at the
end and earlier rows never move. CSV files are what spreadsheets open cleanly: UTF-8 with a
byte-order mark, fields quoted as RFC 4180 asks, CR LF line ends, and no cell that a
spreadsheet would run as a formula (see `spreadsheet_safe`).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from infonotes.archive.catalog import Organization, State
from infonotes.archive.model import Note, Term, organization_roles, state_roles
from infonotes.pages.cite import json_text
from infonotes.pages.urls import Links, note_path

LIST_SEPARATOR = "; "
DATA_PAGE = "data/"
TERM_CSV = "notes.csv"
"""A term's own table, in its page's folder: states/japan/notes.csv."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    meaning: str


@dataclass(frozen=True, slots=True)
class DataFile:
    path: str
    """Site-relative: 'data/notes.csv'."""
    kind: str
    """The PagePlan kind that makes it (render.PAGE_MAKERS)."""
    title: str
    about: str
    columns: tuple[Column, ...]


NOTE_COLUMNS = (
    Column("id", "The note's permanent id: its file name without extension (YYYY-MM-DD-slug)."),
    Column("url", "The address of the note's page."),
    Column("title", "The note's title."),
    Column("date", "The event's first day, YYYY-MM-DD."),
    Column("end", "The event's last day, YYYY-MM-DD; empty for a one-day event."),
    Column("city", "Where the event took place; empty if not given."),
    Column("country", "The host State, by its UN short name; empty if none."),
    Column("country_iso3", "The host State's ISO 3166-1 alpha-3 code."),
    Column("format", "in-person, hybrid or virtual; empty if not given."),
    Column("kind", "The kind of event, as the note gives it: workshop, conference, country visit…"),
    Column("organizers", "The States (by name) and organizations (by acronym) that organized the event."),
    Column("states", "The participating States, by UN short name."),
    Column("states_iso3", "The participating States' ISO alpha-3 codes, in the same order."),
    Column("organizations", "The participating organizations, by acronym."),
    Column("paragraphs", "The paragraphs the event relates to (2663 OP17, PoW-2023 13), or a document's "
                         "key alone (2325) for the whole document."),
    Column("summary", "One or two sentences on the event; empty if the note has none."),
)
TERM_COLUMNS = tuple(c for c in NOTE_COLUMNS if c.name in (
    "id", "url", "title", "date", "end", "city", "country", "country_iso3", "format", "kind"))
ROLES_COLUMN = Column("roles", "Only in a State's or an organization's table: its roles in the note "
                               "(host, organizer, participant).")
STATE_COLUMNS = (
    Column("note_id", "The note's id, as in notes.csv."),
    Column("role", "host (the State the event took place in), organizer or participant. A State "
                   "with several roles in one note has one row for each."),
    Column("state", "The State's UN short name."),
    Column("iso3", "The State's ISO 3166-1 alpha-3 code."),
)
ORGANIZATION_COLUMNS = (
    Column("note_id", "The note's id, as in notes.csv."),
    Column("role", "organizer or participant; one row for each role."),
    Column("acronym", "The organization's acronym, as the site shows it."),
    Column("name", "The organization's full name."),
)
PARAGRAPH_COLUMNS = (
    Column("note_id", "The note's id, as in notes.csv."),
    Column("reference", "The reference as the site shows it: 2663 OP17, PoW-2023 13, or 2325 for a whole document."),
    Column("document", "The document's key: 2663 is resolution 2663 (2022)."),
    Column("paragraph", "The paragraph's number; empty when the note relates to the whole document."),
    Column("document_title", "The document's title."),
)
JSON_FIELDS = (
    Column("id, url, title, date, end, city, format, kind, summary",
           "As in notes.csv; a field the note does not give is null."),
    Column("venue", "City and host State as one line (\"Vientiane, Lao People's Democratic Republic\")."),
    Column("country", "The host State: {name, iso3, iso2}, or null."),
    Column("organizers", "A list of {type: \"state\", name, iso3, iso2} and {type: \"organization\", acronym, name}."),
    Column("states", "A list of {name, iso3, iso2}."),
    Column("organizations", "A list of {acronym, name}."),
    Column("paragraphs", "A list of {reference, document, paragraph}; paragraph is null for a whole document."),
)

DATA_FILES = (
    DataFile("data/notes.json", "notes_json", "All notes, as JSON",
             "An object with the archive's title, its address, the number of notes and the list "
             "of notes, one object per note, one note per line. Text is exactly as published "
             "(no spreadsheet quoting).", JSON_FIELDS),
    DataFile("data/notes.csv", "notes_csv", "All notes, one row per note",
             "Lists are joined by \u201c; \u201d; the three tables below give the same relations "
             "one pair per row, which is easier to count and filter.", NOTE_COLUMNS),
    DataFile("data/note-states.csv", "note_states_csv", "Notes and States, one row per pair and role",
             "Every State a note names, with the role it had.", STATE_COLUMNS),
    DataFile("data/note-organizations.csv", "note_organizations_csv",
             "Notes and organizations, one row per pair and role",
             "Every organization a note names, with the role it had.", ORGANIZATION_COLUMNS),
    DataFile("data/note-paragraphs.csv", "note_paragraphs_csv", "Notes and paragraphs, one row per pair",
             "Every paragraph or whole document a note relates to.", PARAGRAPH_COLUMNS),
)


def oldest_first(notes) -> list[Note]:
    """The model's notes (newest first, by date then id) the other way round, as data files
    list them."""
    return notes[::-1]


# --- spreadsheet safety and CSV ------------------------------------------------------------

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (or, for tab and
# carriage return, lets a formula hide behind them); the full-width signs count in some locales.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """A cell that would start a formula gets a leading apostrophe, which spreadsheets read
    as "this is text" (and do not show); other cells are left exactly as they are."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_bytes(columns: tuple[Column, ...], rows) -> bytes:
    """A CSV file: header row, then `rows` (already spreadsheet-safe), UTF-8 with BOM, CR LF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # QUOTE_MINIMAL: RFC 4180's quoting
    writer.writerow([c.name for c in columns])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def csv_record(cells) -> str:
    """One CSV line, quoted as csv_bytes quotes, ending in CR LF: a row to reuse in many files."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_bytes_of_records(columns: tuple[Column, ...], records) -> bytes:
    return (csv_record([c.name for c in columns]) + "".join(records)).encode("utf-8-sig")


def _cells(*values: str) -> tuple[str, ...]:
    return tuple(spreadsheet_safe(v) for v in values)


def _joined(values) -> str:
    return LIST_SEPARATOR.join(values)


# --- notes.csv and the terms' own tables ---------------------------------------------------

def term_row(note: Note, links: Links) -> tuple[str, ...]:
    """A note's row in a term's own table, in TERM_COLUMNS order."""
    country = note.country
    return _cells(
        note.id, links.absolute(note_path(note.id)), note.title, note.date.isoformat(),
        note.end.isoformat() if note.end else "", note.city, country.name if country else "",
        country.iso3 if country else "", note.format, note.kind)


def note_row(note: Note, links: Links) -> tuple[str, ...]:
    """A note's row of notes.csv, in NOTE_COLUMNS order: its term_row, then its lists."""
    return term_row(note, links) + _cells(
        _joined(o.label for o in note.organizers),
        _joined(s.name for s in note.states), _joined(s.iso3 for s in note.states),
        _joined(o.acronym for o in note.organizations), _joined(p.label for p in note.paragraphs),
        note.summary)


def notes_csv(notes, links: Links) -> bytes:
    """notes.csv: every note's row, oldest first."""
    return csv_bytes(NOTE_COLUMNS, (note_row(n, links) for n in oldest_first(notes)))


def term_record(note: Note, links: Links) -> str:
    """A note's line in the table of each term it names: made once, joined into many files
    (formatting the same rows again for each term cost most of the time of these tables)."""
    return csv_record(term_row(note, links))


def term_csv(term: Term, record_of) -> bytes:
    """A term's own table: its notes' lines (from `record_of(note)`: term_record, or a cache
    of it), with the term's roles in each note for States and organizations.

    Only the note's own fields: its lists of States, organizations and paragraphs would
    repeat notes.csv once per term (over 100 MB for 5,000 notes); join on `id` for them.
    """
    notes = oldest_first(term.notes)
    if not term.roles:
        return csv_bytes_of_records(TERM_COLUMNS, (record_of(n) for n in notes))
    roles: dict[str, str] = {}
    for role, role_notes in term.roles:
        for note in role_notes:  # one note may give the term several roles
            roles[note.id] = f"{roles[note.id]}{LIST_SEPARATOR}{role}" if note.id in roles else role
    # Role names are plain words: the cell is added to the line as it is, needing no quotes.
    return csv_bytes_of_records(TERM_COLUMNS + (ROLES_COLUMN,),
                                (f"{record_of(n)[:-2]},{roles[n.id]}\r\n" for n in notes))


# --- the long tables -----------------------------------------------------------------------

def note_states_csv(notes) -> bytes:
    return csv_bytes(STATE_COLUMNS, _relation_rows(notes, state_roles, lambda s: (s.name, s.iso3)))


def note_organizations_csv(notes) -> bytes:
    return csv_bytes(ORGANIZATION_COLUMNS, _relation_rows(notes, organization_roles,
                                                          lambda o: (o.acronym, o.name)))


def note_paragraphs_csv(notes) -> bytes:
    return csv_bytes(PARAGRAPH_COLUMNS, _relation_rows(
        notes, lambda n: ((p, None) for p in n.paragraphs),
        lambda p: (p.label, p.document.key, "" if p.number is None else str(p.number), p.document.title)))


def _relation_rows(notes, named_in, cells_of):
    """The rows of a long table, oldest note first: (note id, role, *cells_of(entity)) for
    each (entity, role) that `named_in(note)` yields, or without the role when it is None.

    An entity recurs in thousands of rows: its cells are made spreadsheet-safe once, and a
    note's id once per note. Roles are the plain words of the model, which need no care."""
    safe: dict[str, tuple[str, ...]] = {}
    for note in oldest_first(notes):
        note_id = (spreadsheet_safe(note.id),)
        for entity, role in named_in(note):
            cells = safe.get(entity.slug)
            if cells is None:
                cells = safe[entity.slug] = _cells(*cells_of(entity))
            yield note_id + cells if role is None else note_id + (role,) + cells


# --- notes.json ----------------------------------------------------------------------------

def _state_record(state: State) -> dict:
    return {"name": state.name, "iso3": state.iso3, "iso2": state.iso2}


def _organization_record(organization: Organization) -> dict:
    return {"acronym": organization.acronym, "name": organization.name}


def _organizer_record(organizer) -> dict:
    if isinstance(organizer, State):
        return {"type": "state", **_state_record(organizer)}
    return {"type": "organization", **_organization_record(organizer)}


def note_record(note: Note, links: Links) -> dict:
    """A note's object in notes.json: every canonical field, absent ones as null."""
    return {
        "id": note.id,
        "url": links.absolute(note_path(note.id)),
        "title": note.title,
        "date": note.date.isoformat(),
        "end": note.end.isoformat() if note.end else None,
        "city": note.city or None,
        "country": _state_record(note.country) if note.country else None,
        "venue": note.venue or None,
        "format": note.format or None,
        "kind": note.kind or None,
        "organizers": [_organizer_record(o) for o in note.organizers],
        "states": [_state_record(s) for s in note.states],
        "organizations": [_organization_record(o) for o in note.organizations],
        "paragraphs": [{"reference": p.label, "document": p.document.key, "paragraph": p.number}
                       for p in note.paragraphs],
        "summary": note.summary or None,
    }


def notes_json(notes, links: Links, title: str) -> bytes:
    """{"title", "url", "count", "notes": [...]}, one note per line so that diffs stay readable."""
    ordered = oldest_first(notes)
    head = json_text({"title": title, "url": links.absolute(""), "count": len(ordered)})
    lines = ",\n".join(json_text(note_record(n, links)) for n in ordered)
    return (head[:-1] + ',"notes":[\n' + lines + ("\n" if lines else "") + "]}\n").encode("utf-8")
