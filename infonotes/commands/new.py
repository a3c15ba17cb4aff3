"""`new`: a note file from the template, in notes/YYYY/, never over an existing one.

The template has every field of the note format, each with a comment saying what goes
there, and a `# yaml-language-server: $schema=…` line that points editors at the
committed JSON Schema (data/note.schema.json) for completion and inline errors.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from infonotes.archive.catalog import Catalog, load_catalog
from infonotes.archive.check import DATE, unknown_state
from infonotes.archive.load import NOTE_SUFFIXES, display_path, find_note_files, note_id
from infonotes.archive.text import slugify
from infonotes.archive.yamlnodes import scalar_text
from infonotes.commands.schema import FILE_NAME
from infonotes.config import Config
from infonotes.problems import InputError, Problem

# Words that carry no meaning in an id: "Workshop on the Implementation of Resolution
# 1540 in the Caribbean" -> "workshop-implementation-resolution-1540-caribbean".
_STOP_WORDS = {
    "a", "an", "and", "the", "of", "on", "in", "for", "to", "with", "at", "by", "from", "into",
    "its", "their", "as", "or", "under", "about", "s",
}
SLUG_WORDS = 8
SLUG_CHARACTERS = 60

# Every field of the note format, in its order, with what goes there.
FIELD_COMMENTS = (
    ("title", "required: the name of the event, as on its invitation or agenda"),
    ("date", "required: the first day, YYYY-MM-DD"),
    ("end", "the last day (YYYY-MM-DD) if the event lasted more than one day"),
    ("city", "the city where it took place; leave empty for a virtual event"),
    ("country", "the host State: its name, an alias or its ISO code (Lao PDR, LAO)"),
    ("format", "in-person | hybrid | virtual"),
    ("kind", "workshop, conference, country visit, round-table, …"),
    ("organizers", "States and/or organizations, e.g. [Japan, UNODA]"),
    ("states", "participating States, e.g. [Viet Nam, Thailand]"),
    ("organizations", "participating organizations, e.g. [IAEA, 1540 GoE]"),
    ("paragraphs", 'e.g. [2663 OP17, PoW-2023 13, "2325"] ("2325": the whole resolution)'),
    ("summary", "one or two sentences for lists, feeds and search results"),
    ("draft", "true keeps the note off the site until it is ready"),
)
BODY = "\n## Background\n\n## Overview\n\n## Highlights\n"
_COMMENT_COLUMN = 28


def template(values: dict[str, str], schema: str) -> str:
    """The note text: `values` (already YAML) for some fields, the others empty."""
    lines = ["---", f"# yaml-language-server: $schema={schema}"]
    for field, comment in FIELD_COMMENTS:
        written = f"{field}: {values.get(field, '')}".rstrip()
        lines.append(written + " " * max(1, _COMMENT_COLUMN - len(written)) + "# " + comment)
    return "\n".join(lines) + "\n---\n" + BODY


def note_slug(title: str, words: int = SLUG_WORDS, characters: int = SLUG_CHARACTERS) -> str:
    """Lowercase ASCII words of the title without stop words: at most `words` words and
    `characters` characters, cut between words."""
    kept = [w for w in slugify(title).split("-") if w and w not in _STOP_WORDS][:words]
    while len(kept) > 1 and len("-".join(kept)) > characters:
        kept.pop()
    return "-".join(kept)[:characters].strip("-") or "note"


def new_note_for_site(config: Config, title: str, date: str, *, end: str | None = None,
                      country: str | None = None, notes_dir: Path | None = None) -> Path:
    """`new_note` in the site's notes folder (or `notes_dir`), with its catalogs and schema."""
    catalog = load_catalog(config.data_dir, display_path(config.data_dir)) if country else None
    return new_note(notes_dir or config.notes_dir, title, date, end=end, country=country, catalog=catalog,
                    schema=config.data_dir / FILE_NAME)


def new_note(notes_dir: Path, title: str, date: str, end: str | None = None, country: str | None = None,
             catalog: Catalog | None = None, schema: Path | None = None) -> Path:
    """Write the new note; raise InputError (nothing written) when an argument is wrong or
    a note with the same id exists anywhere under `notes_dir`."""
    title = " ".join(title.split())
    problems = []
    if not title:
        problems.append(Problem("title", 0, "the title is empty; give the name of the event in quotes"))
    day = _day(date, "--date", problems)
    last = _day(end, "--end", problems) if end else None
    if day and last and last < day:
        problems.append(Problem("--end", 0, f"{last.isoformat()} is before --date {day.isoformat()}; "
                                            "--end is the last day of the event"))
    host = ""
    if country:
        state = catalog.find_state(country) if catalog else None
        if state is None:
            problems.append(Problem("--country", 0, unknown_state(catalog, country) if catalog else
                                    f"unknown State '{country}'"))
        else:
            host = state.name
    if problems:
        raise InputError(problems)
    id_ = f"{day.isoformat()}-{note_slug(title)}"
    path = notes_dir / str(day.year) / f"{id_}.md"
    existing = _existing(notes_dir, id_)
    if existing is not None:
        raise InputError([Problem(display_path(existing), 1, (
            "a note with this id already exists; edit that note, or choose a title that "
            "differs in its first words"))])
    if notes_dir.exists() and not notes_dir.is_dir():
        raise InputError([Problem(display_path(notes_dir), 0, "this is a file, not the notes folder: "
                                                              "give --notes a folder")])
    path.parent.mkdir(parents=True, exist_ok=True)
    schema_ref = _relative(schema, path.parent) if schema else "../../data/note.schema.json"
    values = {"title": _quoted(title), "date": day.isoformat(), "end": "",
              "country": _yaml_text(host), "organizers": "[]", "states": "[]",
              "organizations": "[]", "paragraphs": "[]", "draft": "false"}
    if last and last != day:
        values["end"] = last.isoformat()
    text = template(values, schema_ref)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path


def _day(text: str, option: str, problems: list[Problem]) -> dt.date | None:
    try:
        if not DATE.match(text):  # fromisoformat also reads week dates ('2024-W01-1')
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(option, 0, f"'{text}' is not a date written YYYY-MM-DD (e.g. 2024-05-06)"))
        return None


def _existing(notes_dir: Path, id_: str) -> Path | None:
    """A file with this id anywhere under the notes folder (ids are unique across years)."""
    year = notes_dir / id_[:4]
    for suffix in NOTE_SUFFIXES:
        if (year / f"{id_}{suffix}").exists():
            return year / f"{id_}{suffix}"
    if notes_dir.is_dir():
        for path in find_note_files(notes_dir):
            if note_id(path) == id_:
                return path
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml_text(text: str) -> str:
    return scalar_text(text, "") if text else ""


def _relative(target: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(Path(target).resolve(), Path(folder).resolve())).as_posix()
    except ValueError:  # another drive (Windows): an absolute address
        return Path(target).resolve().as_uri()
