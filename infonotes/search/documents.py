"""What a note is to the search index and store: its documents and the fields they have.

One document per published note, a string per field of FIELDS: besides its own text,
the States it names by name, aliases and code, the organizations by acronym, name and
aliases, and the paragraphs it cites by label, so that any of these finds it. Documents
go in sorted by note id and their refs are their positions ("0", "1", …), so the same
notes always give the same bytes; the store lists the notes in the same order, so that a
result's ref is its position in the store.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator

from infonotes.archive.catalog import Organization, State
from infonotes.archive.model import Note, SiteModel

FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "summary", "boost": 2},
    {"field_name": "body", "boost": 1},
    {"field_name": "states", "boost": 3},
    {"field_name": "organizations", "boost": 3},
    {"field_name": "paragraphs", "boost": 3},
    {"field_name": "venue", "boost": 3},
]
"""The indexed fields, as lunr.py's `lunr(fields=…)` takes them."""


# --- plain text -----------------------------------------------------------------------

# Inline elements vanish without a trace ("<strong>UNODA</strong>'s" is one word); any
# other tag (a paragraph, a list item, a heading, a line break) separates words.
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|em|i|kbd|mark|s|small|span|strong|sub|sup|u)(?:\s[^>]*)?>")
_ANY_TAG = re.compile(r"<[^>]*>")


def plain_text(body_html: str) -> str:
    """The words of a rendered body: tags removed, entities unescaped, spaces collapsed."""
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", body_html))
    return " ".join((html.unescape(text) if "&" in text else text).split())


# --- the documents --------------------------------------------------------------------

def search_notes(model: SiteModel) -> list[Note]:
    """The documents of the index and store, in their order: published notes by id."""
    return sorted(model.notes, key=lambda n: n.id)


def note_states(note: Note) -> list[State]:
    """Every State a note names: host, State organizers, participants; each once."""
    found = [note.country] if note.country else []
    found += [o for o in note.organizers if isinstance(o, State)]
    found += note.states
    return list(dict.fromkeys(found))


def note_organizations(note: Note) -> list[Organization]:
    """Every organization a note names: organizers and participants; each once."""
    found = [o for o in note.organizers if isinstance(o, Organization)]
    found += note.organizations
    return list(dict.fromkeys(found))


def search_document(ref: str, note: Note) -> dict:
    """One note as lunr sees it: a string per field."""
    states = " ".join(" ".join((s.name, *s.aliases, s.iso3)) for s in note_states(note))
    organizations = " ".join(" ".join((o.acronym, o.name, *o.aliases)) for o in note_organizations(note))
    paragraphs = " ".join(p.label if p.number is not None else f"{p.document.key} {p.document.title}"
                          for p in note.paragraphs)
    return {"ref": ref, "title": note.title, "summary": note.summary, "body": note.body_text,
            "states": states, "organizations": organizations, "paragraphs": paragraphs,
            "venue": note.venue}


def iter_search_documents(model: SiteModel) -> Iterator[dict]:
    """The documents given to the index, refs "0", "1", … in note id order, one at a time:
    the index needs each only once."""
    return (search_document(str(i), note) for i, note in enumerate(search_notes(model)))
