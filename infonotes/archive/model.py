"""The site's nouns: a checked Note, and the SiteModel of notes and their taxonomies.

A SiteModel is a pure function of the checked notes and the catalog: the render stage
reads it and never changes it.
"""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from infonotes.archive.catalog import REGIONS, Catalog, Document, Organization, Paragraph, State, paragraph

FORMATS = ("in-person", "hybrid", "virtual")
RELATED_GROUPS = ("state", "organization", "paragraph")
"""The groups of terms whose co-occurrence term pages chart (a whole document counts as a paragraph)."""
STATE_ROLES = ("host", "organizer", "participant")
ORGANIZATION_ROLES = ("organizer", "participant")


@dataclass(frozen=True, slots=True)
class Note:
    """One checked note: every name resolved to a catalog entry, the body rendered."""

    id: str
    source: str
    """The file it came from, as shown in messages."""
    title: str
    date: dt.date
    end: dt.date | None
    city: str
    country: State | None
    format: str
    kind: str
    organizers: tuple[State | Organization, ...]
    states: tuple[State, ...]
    organizations: tuple[Organization, ...]
    paragraphs: tuple[Paragraph, ...]
    summary: str
    draft: bool
    body_html: str
    body_text: str = ""
    """The body as plain text, for the search index: kept once the note's page is written."""
    former_ids: tuple[str, ...] = ()
    """Ids the note had before it was renamed, oldest first: each old address redirects here."""
    former_id_lines: tuple[int, ...] = ()
    """The file line of each former id, for messages."""

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def venue(self) -> str:
        return ", ".join(p for p in (self.city, self.country.name if self.country else "") if p)

    @property
    def last_day(self) -> dt.date:
        return self.end or self.date


def newest_first(notes) -> list[Note]:
    return sorted(notes, key=lambda n: (n.date, n.id), reverse=True)


@dataclass(frozen=True)
class Term:
    """A State, organization, document, paragraph or year that has notes, so gets a page."""

    kind: str
    """'state', 'organization', 'document', 'paragraph' or 'year'."""
    slug: str
    label: str
    entity: object
    notes: tuple[Note, ...]
    """Newest first."""
    roles: tuple[tuple[str, tuple[Note, ...]], ...] = ()
    """For States and organizations: (role, notes newest first) for each role that has notes."""


@dataclass(frozen=True)
class SiteModel:
    notes: tuple[Note, ...]
    """Published notes, newest first."""
    years: tuple[Term, ...]
    states: tuple[Term, ...]
    organizations: tuple[Term, ...]
    documents: tuple[Term, ...]
    paragraphs: tuple[Term, ...]
    catalog: Catalog = field(repr=False)
    keys_of_note: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict, repr=False)
    """Note id -> the keys ('state:japan') of the terms it names, one tuple per group of
    RELATED_GROUPS."""
    terms_by_key: dict[str, Term] = field(default_factory=dict, repr=False)
    notes_naming: tuple[dict[str, int], ...] = field(default_factory=tuple, repr=False)
    """One dict per group of RELATED_GROUPS: term key -> the notes that name the term, as a
    set of positions in `notes` held in the bits of an int (see `notes_naming`)."""

    def related(self, term: Term, groups: tuple[str, ...], top: int) -> dict[str, list[tuple[Term, int]]]:
        """For each group ('state', 'organization', 'paragraph'): the `top` terms that the
        notes of `term` (a State, organization or paragraph) name most often, with how many
        of its notes name them (ties by label), `term` itself left out."""
        own = _term_key(term.kind, term.slug)
        mine = self.notes_naming[RELATED_GROUPS.index(term.kind)][own]
        found = {}
        for group in groups:
            # The notes two terms share are the common bits of their sets: one `&` and a bit
            # count per term of the group, instead of counting every name of every note of
            # the term, which was most of the work of the term pages.
            counts = {key: (mine & theirs).bit_count()
                      for key, theirs in self.notes_naming[RELATED_GROUPS.index(group)].items() if key != own}
            counts = {key: count for key, count in counts.items() if count}
            if len(counts) > top:  # only what can make the top needs its label for the tie-break
                floor = heapq.nlargest(top, counts.values())[-1]
                counts = {key: count for key, count in counts.items() if count >= floor}
            pairs = [(self.terms_by_key[key], count) for key, count in counts.items()]
            found[group] = sorted(pairs, key=most_first)[:top]
        return found

    def states_by_region(self) -> list[tuple[str, list[Term]]]:
        groups = defaultdict(list)
        for term in self.states:
            groups[term.entity.region].append(term)
        return [(region, groups[region]) for region in REGIONS if groups[region]]

    def paragraphs_of(self, document: Document) -> list[Term]:
        return [t for t in self.paragraphs if t.entity.document == document]


def build_model(notes, catalog: Catalog, drafts: bool = False) -> SiteModel:
    """Group the notes into the taxonomies that get pages; only terms with notes appear."""
    published = tuple(newest_first(n for n in notes if drafts or not n.draft))
    states = _state_terms(published, catalog)
    organizations = _organization_terms(published, catalog)
    documents = _document_terms(published, catalog)
    paragraphs = _paragraph_terms(published, catalog)
    keys_of_note = {note.id: note_term_keys(note) for note in published}
    return SiteModel(
        notes=published,
        years=_year_terms(published),
        states=states,
        organizations=organizations,
        documents=documents,
        paragraphs=paragraphs,
        catalog=catalog,
        keys_of_note=keys_of_note,
        terms_by_key={_term_key(t.kind, t.slug): t for terms in (states, organizations, documents, paragraphs)
                      for t in terms},
        notes_naming=notes_naming(published, keys_of_note),
    )


def _term_key(kind: str, slug: str) -> str:
    # Strings, not (kind, entity) pairs: they hash fast, and counting pairs is the hot loop.
    return f"{kind}:{slug}"


def notes_naming(notes, keys_of_note) -> tuple[dict[str, int], ...]:
    """For each group of RELATED_GROUPS: term key -> the notes that name the term, as an int
    whose bit i is set when `notes[i]` does. Python's ints make compact sets of a few
    thousand members that intersect and count in C."""
    groups = tuple({} for _ in RELATED_GROUPS)
    for position, note in enumerate(notes):
        bit = 1 << position
        for naming, keys in zip(groups, keys_of_note[note.id]):
            for key in keys:
                naming[key] = naming.get(key, 0) | bit
    return groups


def note_term_keys(note: Note) -> tuple[tuple[str, ...], ...]:
    """The keys of the States, organizations and paragraphs a note names, in any role,
    once each (one tuple per group of RELATED_GROUPS); a reference to a whole document
    counts as the document."""
    states = tuple(dict.fromkeys(_term_key("state", s.slug) for s in _note_states(note)))
    organizations = tuple(dict.fromkeys(_term_key("organization", o.slug) for o in _note_organizations(note)))
    paragraphs = tuple(dict.fromkeys(_term_key("paragraph" if p.number is not None else "document", p.slug)
                                     for p in note.paragraphs))
    return states, organizations, paragraphs


def _note_states(note: Note):
    return (state for state, _ in state_roles(note))


def _note_organizations(note: Note):
    return (organization for organization, _ in organization_roles(note))


def most_first(pair: tuple[Term, int]):
    term, count = pair
    return -count, term.label.casefold(), term.slug


def _year_terms(notes) -> tuple[Term, ...]:
    by_year = defaultdict(list)
    for note in notes:
        by_year[note.year].append(note)
    return tuple(Term("year", str(y), str(y), y, tuple(by_year[y])) for y in sorted(by_year, reverse=True))


def _roles_terms(kind, entities, notes, roles_of, role_names) -> tuple[Term, ...]:
    # Keyed by slug: hashing a string is much cheaper than hashing a dataclass.
    by_role = {e.slug: defaultdict(list) for e in entities}
    by_entity = {e.slug: [] for e in entities}
    for note in notes:  # newest first, so every list below is too
        for entity, role in roles_of(note):
            by_role[entity.slug][role].append(note)
            listed = by_entity[entity.slug]
            if not listed or listed[-1] is not note:  # one note may hold several roles
                listed.append(note)
    return tuple(
        Term(kind, e.slug, e.label, e, tuple(by_entity[e.slug]),
             tuple((r, tuple(by_role[e.slug][r])) for r in role_names if by_role[e.slug].get(r)))
        for e in entities if by_entity[e.slug])


def state_roles(note: Note):
    """(State, role) for every State a note names: hosts first, then State organizers, then participants."""
    if note.country:
        yield note.country, "host"
    for organizer in note.organizers:
        if isinstance(organizer, State):
            yield organizer, "organizer"
    for state in note.states:  # the checker already dropped repeats within a list
        yield state, "participant"


def organization_roles(note: Note):
    """(organization, role) for every organization a note names: organizers, then participants."""
    for organizer in note.organizers:
        if isinstance(organizer, Organization):
            yield organizer, "organizer"
    for organization in note.organizations:
        yield organization, "participant"


def _state_terms(notes, catalog: Catalog):
    ordered = sorted(catalog.states, key=lambda s: s.slug)
    return _roles_terms("state", ordered, notes, state_roles, STATE_ROLES)


def _organization_terms(notes, catalog: Catalog):
    ordered = sorted(catalog.organizations, key=lambda o: o.acronym.casefold())
    return _roles_terms("organization", ordered, notes, organization_roles, ORGANIZATION_ROLES)


def _document_terms(notes, catalog: Catalog):
    # A document's page lists the notes citing it as a whole or any of its paragraphs.
    by_document = defaultdict(list)
    for note in notes:
        for document in dict.fromkeys(p.document for p in note.paragraphs):
            by_document[document].append(note)
    return tuple(Term("document", d.slug, d.key, d, tuple(by_document[d]))
                 for d in catalog.documents if by_document[d])


def _paragraph_terms(notes, catalog: Catalog):
    by_paragraph = defaultdict(list)
    for note in notes:
        for ref in note.paragraphs:
            if ref.number is not None:
                by_paragraph[(ref.document.slug, ref.number)].append(note)
    terms = []
    for document in catalog.documents:
        for number in range(1, document.count + 1):
            found = by_paragraph.get((document.slug, number))
            if found:
                ref = paragraph(document, number)
                terms.append(Term("paragraph", ref.slug, ref.label, ref, tuple(found)))
    return tuple(terms)
