"""What templates see: small, already-formatted views built from the model.

Templates never reach into the model's internals; everything they show comes from here,
so the same view can feed an HTML page, a feed and (later) the search store.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from infonotes.archive.catalog import Organization, State
from infonotes.archive.model import Note, Term
from infonotes.pages.urls import term_path

ROLE_HEADINGS = {"host": "Hosted", "organizer": "Organized", "participant": "Took part"}
FORMAT_LABELS = {"in-person": "In person", "hybrid": "Hybrid", "virtual": "Virtual"}


def date_range(start: dt.date, end: dt.date | None) -> str:
    """'12 December 2018', '12–13 December 2018', '30 November – 2 December 2018'."""
    if end is None or end == start:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} \u2013 {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} \u2013 {end.day} {end:%B %Y}"


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    path: str
    title: str = ""
    """A longer name for the link's title attribute (an organization's full name)."""


def entity_link(entity) -> Link:
    if isinstance(entity, State):
        return Link(entity.name, term_path("state", entity.slug))
    if isinstance(entity, Organization):
        return Link(entity.acronym, term_path("organization", entity.slug), entity.name)
    if entity.number is None:  # a whole document: its title says more than its key
        return Link(entity.document.title, term_path("document", entity.slug), entity.description)
    return Link(entity.label, term_path("paragraph", entity.slug), entity.description)


def by_year(notes) -> list[tuple[int, list[Note]]]:
    """Notes (already newest first) grouped under their years, newest year first."""
    # Newest first, a year's notes are next to each other: grouping them needs no sorting.
    return [(year, list(group)) for year, group in groupby(notes, key=attrgetter("date.year"))]


def describe(term: Term) -> str:
    """One line for the page's meta description and its feed's subtitle."""
    count = len(term.notes)
    noun = "information note" if count == 1 else "information notes"
    entity = term.entity
    if term.kind == "state":
        return f"{count} {noun} on 1540 events hosted, organized or attended by {entity.name}."
    if term.kind == "organization":
        return f"{count} {noun} on 1540 events organized or attended by {entity.name} ({entity.acronym})."
    if term.kind == "document":
        return f"{count} {noun} citing {entity.title} or its paragraphs."
    if term.kind == "paragraph":
        return f"{count} {noun} relating to {term.label} of {entity.document.title}."
    return f"{count} {noun} on events in {term.label}."


def term_title(term: Term) -> str:
    entity = term.entity
    if term.kind == "organization":
        return f"{entity.acronym}: {entity.name}" if entity.acronym != entity.name else entity.name
    if term.kind == "document":
        return entity.title
    if term.kind == "paragraph":
        return f"{term.label}: {entity.document.title}, paragraph {entity.number}"
    if term.kind == "year":
        return f"Notes of {term.label}"
    return term.label


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"
