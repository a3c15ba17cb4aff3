"""The store, search/store.js: what the search page shows of the notes it finds.

    window.SEARCH_STORE = {docs, states, organizations, paragraphs};

`docs` lists the notes in the index's order (a result's ref is its position here), each
as [title, date, end, venue, path, summary, text, year, [state], [organization],
[paragraph]]: the text is the start of the note's body, for snippets; the last three
are positions in `states`, `organizations` and `paragraphs`, the facets, each a list of
[label, slug] sorted by label.
"""
from __future__ import annotations

import re

from infonotes.archive.model import SiteModel
from infonotes.archive.text import ascii_fold
from infonotes.pages.urls import note_path
from infonotes.search.documents import note_organizations, note_states, search_notes

SNIPPET_CHARS = 280
"""How much of a note's text the store keeps for snippets (cut at a word boundary): about
one snippet's worth (the page shows 36 words at most). It is most of the store, which the
page downloads with the index: more would spend the size budget per note (DESIGN) on
text no snippet shows."""


def snippet_text(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of `text`, at most `limit` characters, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else text[:limit]).rstrip()


def _natural(label: str) -> list:
    """Sort key: letters without case or accents, numbers by value ('1540 OP2' < '1540 OP10')."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.findall(r"\d+|\D+", ascii_fold(label).casefold())] + [(2, 0, label)]


def _facet(entities) -> tuple[list[list[str]], dict[str, int]]:
    """[[label, slug], …] sorted by label, and slug -> position."""
    unique = {e.slug: e for e in entities}
    ordered = sorted(unique.values(), key=lambda e: (_natural(e.label), e.slug))
    return [[e.label, e.slug] for e in ordered], {e.slug: i for i, e in enumerate(ordered)}


def store_data(model: SiteModel) -> dict:
    """The JSON data of search/store.js (the module's docstring describes it)."""
    notes = search_notes(model)
    states, state_at = _facet(s for n in notes for s in note_states(n))
    organizations, organization_at = _facet(o for n in notes for o in note_organizations(n))
    paragraphs, paragraph_at = _facet(p for n in notes for p in n.paragraphs)
    docs = [[
        note.title,
        note.date.isoformat(),
        note.end.isoformat() if note.end else None,
        note.venue,
        note_path(note.id),
        note.summary,
        snippet_text(note.body_text),
        note.year,
        sorted(state_at[s.slug] for s in note_states(note)),
        sorted(organization_at[o.slug] for o in note_organizations(note)),
        sorted({paragraph_at[p.slug] for p in note.paragraphs}),
    ] for note in notes]
    return {"docs": docs, "states": states, "organizations": organizations, "paragraphs": paragraphs}
