"""What templates see: small, already-formatted views built from the model.

Templates never reach into the model's internals; everything they show comes from here,
so the same view can feed an HTML page, a feed and (later) the search store.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
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


def file_size(size: int) -> str:
    """A download's size as readers read it: '812 bytes', '46 KB', '3.9 MB'."""
    if size < 1000:
        return plural(size, "byte")
    if size < 1_000_000:
        return f"{round(size / 1000):,} KB"
    return f"{size / 1_000_000:,.1f} MB"


# --- Paginated lists of notes (term pages, year pages, /notes/) ---------------------------

PAGE_SIZE = 50
"""Notes a list page shows: a term's list is cut into pages of this many, newest first."""
ROLE_LABELS = {"host": "Host", "organizer": "Organizer", "participant": "Participant"}


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def page_path(base: str, number: int) -> str:
    """The address of page `number` of the list whose first page is `base`."""
    return base if number == 1 else f"{base}page/{number}/"


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a list of notes: which notes, where the other pages and years are."""

    base: str
    """The address of the list's first page."""
    number: int
    pages: int
    total: int
    notes: tuple
    years: tuple[tuple[int, int, str], ...]
    """(year, notes of that year in the whole list, address of the page where it starts),
    newest first: the year jump list (the page's year heading has the id 'year-YYYY')."""

    @property
    def prev(self) -> str | None:
        return page_path(self.base, self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return page_path(self.base, self.number + 1) if self.number < self.pages else None

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.notes) - 1

    def page_links(self) -> list[tuple[int | None, str | None]]:
        """(number, address) for the pagination: first, last and the two around the current
        page, with (None, None) where numbers are left out."""
        shown = sorted({1, self.pages, *range(max(1, self.number - 2), min(self.pages, self.number + 2) + 1)})
        found: list[tuple[int | None, str | None]] = []
        for number in shown:
            if found and found[-1][0] is not None and number - found[-1][0] > 1:
                found.append((None, None))
            found.append((number, page_path(self.base, number)))
        return found


def year_starts(base: str, notes) -> tuple[tuple[int, int, str], ...]:
    """For the jump list: each year of `notes` (newest first), its count, and the page
    where its first note is."""
    found = []
    position = 0
    for year, group in groupby(notes, key=attrgetter("date.year")):
        count = sum(1 for _ in group)
        found.append((year, count, page_path(base, position // PAGE_SIZE + 1)))
        position += count
    return tuple(found)


def listing(base: str, notes, number: int, years=None) -> Listing:
    start = (number - 1) * PAGE_SIZE
    return Listing(base, number, page_count(len(notes)), len(notes), tuple(notes[start:start + PAGE_SIZE]),
                   years if years is not None else year_starts(base, notes))


def roles_by_note(term: Term) -> dict[str, tuple[str, ...]]:
    """Note id -> the roles (host, organizer, participant) it gives the term, in that order."""
    found: dict[str, tuple[str, ...]] = {}
    for role, notes in term.roles:
        for note in notes:
            found[note.id] = found.get(note.id, ()) + (role,)
    return found


def by_letter(terms) -> list[tuple[str, list[Term]]]:
    """Terms under the first letter of their label (accents folded: Åland under A), A to Z."""
    groups: dict[str, list[Term]] = {}
    for term in sorted(terms, key=lambda t: (first_letter(t.label), t.label.casefold())):
        groups.setdefault(first_letter(term.label), []).append(term)
    return list(groups.items())


def first_letter(label: str) -> str:
    letter = unicodedata.normalize("NFKD", label[:1])[:1].upper()
    return letter if letter.isalpha() else "#"
