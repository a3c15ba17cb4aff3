"""The JSON Schema (draft 2020-12) of a note's front matter, made from the catalogs.

`python build.py schema` writes it to data/note.schema.json, which is committed; a
test fails when the committed file is older than the catalogs. Editors that run a YAML
language server on the front matter use it (the `# yaml-language-server: $schema=…`
line of the note template) to complete State, organization and paragraph names and to
underline mistakes as they are typed.

The schema accepts what the checker accepts, as an editor reads the YAML: an editor
follows YAML 1.2, where `2018-12-12` and `yes` stay strings but `0777` is a number and
`false` a boolean (our own reader keeps every value as typed; the tests read a front
matter the way an editor does to prove both agree). Names are accepted in
any case, with or without accents and with any apostrophe, as the checker does; the
`enum`s list the spellings of the catalogs for completion. What only the checker can
tell (a day that does not exist, `end` before `date`, a note's id) it tells.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from infonotes.archive.catalog import Catalog, load_catalog
from infonotes.archive.load import display_path
from infonotes.archive.text import ascii_fold
from infonotes.config import Config
from infonotes.output.write import write_atomically
from infonotes.problems import InputError, Problem

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILE_NAME = "note.schema.json"

_DATE = r"^\s*[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])\s*$"
_NOTE_ID = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*(?:\.md|\.markdown)?\s*$"
_SYNTAX = set("^$\\.*+?()[]{}|/")
_APOSTROPHE_CLASS = "['\u2019\u2018`\u02bc]"


@dataclass(frozen=True)
class SchemaFile:
    path: Path
    current: bool
    """True when the file held the catalogs' schema already (nothing was written)."""


def update_schema(config: Config, out: Path | None = None, *, check: bool = False) -> SchemaFile:
    """Write the schema of the site's catalogs to `out` (a file or a folder; default: the data
    folder) unless it is current; with `check`, write nothing and only say whether it is."""
    text = schema_text(load_catalog(config.data_dir, display_path(config.data_dir)))
    target = out or config.data_dir / FILE_NAME
    if target.is_dir():
        target = target / FILE_NAME
    if not check and not target.parent.is_dir():
        raise InputError([Problem(str(target.parent), 0, "no such folder: create it first, or choose "
                                                         "another --out")])
    current = target.is_file() and target.read_text(encoding="utf-8") == text
    if not current and not check:
        write_atomically(target, text.encode("utf-8"))
    return SchemaFile(target, current)


def note_schema(catalog: Catalog) -> dict:
    """The schema as a dict, always in the same order (the file is compared byte for byte)."""
    nullable_text = {"type": ["string", "number", "boolean", "null"]}
    return {
        "$schema": DRAFT,
        "title": "Front matter of an information note",
        "description": ("Generated from data/states.yaml, data/organizations.yaml and "
                        "data/paragraphs.yaml by `python build.py schema`; do not edit by hand."),
        "type": "object",
        "required": ["title", "date"],
        "additionalProperties": False,
        "properties": {
            "title": {
                "description": "Required: the name of the event, as on its invitation or agenda.",
                "anyOf": [{"type": "string", "pattern": r"\S"}, {"type": ["number", "boolean"]}],
            },
            "date": {"description": "Required: the first day of the event, YYYY-MM-DD.",
                     "type": "string", "pattern": _DATE},
            "end": {"description": "The last day, YYYY-MM-DD, if the event lasted more than one day.",
                    "anyOf": [{"type": "string", "pattern": _DATE}, {"type": "null"}]},
            "city": {"description": "The city where the event took place.", **nullable_text},
            "country": {"description": "The host State: its name, an alias or its ISO alpha-3 code.",
                        "anyOf": [{"$ref": "#/$defs/state"}, {"type": "null"}]},
            "format": {"description": "in-person, hybrid or virtual.",
                       "enum": ["in-person", "hybrid", "virtual", None]},
            "kind": {"description": "workshop, conference, country visit, round-table, …", **nullable_text},
            "organizers": _list("States and/or organizations that organized the event.", "organizer"),
            "states": _list("The participating States.", "state"),
            "organizations": _list("The participating organizations.", "organization"),
            "paragraphs": _list("Paragraphs the event relates to: 2663 OP17, PoW-2023 13, or a "
                                "document key alone for the whole document.", "paragraph"),
            "summary": {"description": "One or two sentences for lists, feeds and search results.",
                        **nullable_text},
            "draft": {"description": "true keeps the note off the site (it is built with --drafts only).",
                      "anyOf": [{"type": "boolean"}, {"type": "null"},
                                {"type": "string", "pattern": "^\\s*(?:" + "|".join(
                                    _any_case(w) for w in ("true", "yes", "on", "false", "no", "off"))
                                 + ")\\s*$"}]},
            "former_ids": {"description": ("Ids the note had before it was renamed (old file names "
                                           "without .md), oldest first: each old address redirects "
                                           "here. A list, or a single value."),
                           "anyOf": [{"type": "array", "items": {"$ref": "#/$defs/note_id"}},
                                     {"$ref": "#/$defs/note_id"}, {"type": "null"}]},
        },
        "$defs": {
            "state": _names("A UN Member or observer State: its UN short name, an alias or its "
                            "ISO alpha-3 code, in any case (data/states.yaml).",
                            [(s.name, [s.name, *s.aliases, s.iso3]) for s in catalog.states]),
            "organization": _names("An organization: its acronym, full name or an alias, in any "
                                   "case (data/organizations.yaml).",
                                   [(o.acronym, [o.acronym, o.name, *o.aliases]) for o in catalog.organizations]),
            "organizer": {"description": "A State or an organization.",
                          "anyOf": [{"$ref": "#/$defs/state"}, {"$ref": "#/$defs/organization"}]},
            "paragraph": _paragraphs(catalog),
            "note_id": {"description": "A note's id: its file name without extension, "
                                       "YYYY-MM-DD-words-with-hyphens.",
                        "type": "string", "pattern": _NOTE_ID},
        },
    }


def schema_text(catalog: Catalog) -> str:
    return json.dumps(note_schema(catalog), indent=2, ensure_ascii=False) + "\n"


def _list(description: str, item: str) -> dict:
    ref = {"$ref": f"#/$defs/{item}"}
    return {"description": description + " A list, or a single value.",
            "anyOf": [{"type": "array", "items": ref}, ref, {"type": "null"}]}


def _names(description: str, entries: list[tuple[str, list[str]]]) -> dict:
    spellings: list[str] = []
    for _, names in entries:
        spellings += [n for n in names if n not in spellings]
    alternatives = sorted({_spelling_pattern(n) for n in spellings})
    return {
        "description": description,
        "anyOf": [
            {"enum": spellings},
            {"type": "string", "pattern": "^\\s*(?:" + "|".join(alternatives) + ")\\s*$"},
        ],
    }


def _spelling_pattern(name: str) -> str:
    """A regular expression (valid in Python and in ECMAScript with or without the u
    flag) for `name` in any case, with or without its accents, with any apostrophe and
    any run of spaces: the strings the checker's name_key takes for `name`."""
    parts = []
    for char in " ".join(name.split()):
        if char == " ":
            parts.append("\\s+")
        elif char in "'\u2019\u2018`\u02bc":
            parts.append(_APOSTROPHE_CLASS)
        elif char.isalpha():
            variants = {char.lower(), char.upper(), ascii_fold(char).lower(), ascii_fold(char).upper()}
            variants = sorted(v for v in variants if len(v) == 1)
            parts.append("[" + "".join(variants) + "]" if len(variants) > 1 else variants[0])
        else:
            parts.append("\\" + char if char in _SYNTAX else char)
    return "".join(parts)


def _any_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else ("\\" + c if c in _SYNTAX else c)
                   for c in text)


def _paragraphs(catalog: Catalog) -> dict:
    """Every form `Catalog.find_paragraph` reads ('2663 OP17', '2663 (2022) OP17',
    'res. 2663 op 17', 'resolution 2663, OP 17', 'PoW-2023 13', '2325'), with the
    paragraph numbers each document has."""
    labels = []
    documents = []
    for document in catalog.documents:
        labels.append(document.key)
        labels += [document.paragraph_label(n) for n in range(1, document.count + 1)]
        documents.append(_document_pattern(document))
    prefix = ("(?:(?:" + _any_case("un") + "\\s*)?(?:" + _any_case("security") + "\\s+"
              + _any_case("council") + "\\s+)?(?:" + "|".join(
                  [_any_case("resolution"), _any_case("res") + "\\.?", _any_case("unscr"),
                   _any_case("s/res/")]) + ")\\s*)?")
    whole_documents = [int(d.key) for d in catalog.documents if d.key.isdigit()]
    return {
        "description": ("A paragraph of a document of data/paragraphs.yaml, e.g. 2663 OP17, "
                        "PoW-2023 13; a document key alone names the whole document."),
        "anyOf": [
            {"enum": labels},
            {"type": "string", "pattern": "^\\s*" + prefix + "(?:" + "|".join(documents) + ")\\s*$"},
            {"type": "integer", "enum": whole_documents},
        ],
    }


def _document_pattern(document) -> str:
    match = re.fullmatch(r"([A-Za-z]+)[-\s]?(\d{4})", document.key)
    if match:
        key = _any_case(match[1]) + "(?:-|\\s+)?" + match[2]
    else:
        key = _any_case(document.key)
    numbers = "|".join(str(n) for n in range(document.count, 0, -1))
    marker = "(?:" + "|".join([_any_case("op"), _any_case("operative") + "\\s+" + _any_case("paragraph"),
                               _any_case("para") + "(?:" + _any_case("graph") + ")?", "[pP]", "§"]) + ")"
    return (key + "(?:\\s*\\(\\s*[0-9]{4}\\s*\\))?\\s*,?(?:\\s*" + marker + "\\s*\\.?)?"
            + "\\s*(?:0*(?:" + numbers + "))?")


# --- the front matter as an editor sees it -------------------------------------------
