"""Which other notes a note's page points to: the notes just before and after it in
time, and the few notes most related to it.

"Related" means sharing States, organizations and paragraphs, a shared term counting
more the fewer notes name it (sharing a paragraph cited five times says more than
sharing a State that took part in hundreds of events). Comparing every note with every
other note of each of its terms would grow with the square of a big term's size; so
the candidates are the notes nearest in time within each of the note's terms, a fixed
number a term, and the work stays linear in the size of the archive.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from infonotes.archive.model import Note, SiteModel

RELATED_COUNT = 5
NEAREST_IN_TERM = 4
"""Candidates taken from each of a note's terms: this many on each side of it in time."""
RAREST_TERMS = 8
"""The terms of a note that candidates come from: its rarest, which say the most about it
(a note may name forty States, each of them shared with hundreds of notes)."""


@dataclass(frozen=True, slots=True)
class Neighbours:
    newer: Note | None
    """The next note in time (the model's order: date, then id)."""
    older: Note | None
    related: tuple[Note, ...]
    """At most RELATED_COUNT notes, most related first."""

    def ids(self) -> tuple:
        """What the links on the page depend on, besides those notes' titles and dates."""
        return (_id(self.newer), _id(self.older), tuple(n.id for n in self.related))

    def linked(self) -> set[str]:
        """The ids of every note the page links to."""
        return {note.id for note in (self.newer, self.older, *self.related) if note is not None}


def _id(note: Note | None) -> str:
    return note.id if note is not None else ""


def note_neighbours(model: SiteModel) -> dict[str, Neighbours]:
    """Note id -> its Neighbours, for every published note of the model."""
    notes = model.notes  # newest first
    place = {note.id: position for position, note in enumerate(notes)}
    members = _term_members(model, place)
    # Rarest first: fewest notes, then by key, for the same order every build.
    rarity = {key: rank for rank, key in enumerate(sorted(members, key=lambda key: (len(members[key][0]), key)))}
    found = {}
    for position, note in enumerate(notes):
        found[note.id] = Neighbours(
            newer=notes[position - 1] if position > 0 else None,
            older=notes[position + 1] if position + 1 < len(notes) else None,
            related=_related(note, position, model, members, rarity),
        )
    return found


def _term_members(model: SiteModel, place: dict[str, int]) -> dict[str, tuple[list[int], dict[int, int], float]]:
    """Term key -> (the positions of its notes, newest first; position -> index there; the
    weight of sharing the term). Terms of one note share nothing and are left out."""
    members = {}
    total = len(model.notes)
    for key, term in model.terms_by_key.items():
        if len(term.notes) > 1:
            positions = [place[n.id] for n in term.notes]
            members[key] = (positions, {p: i for i, p in enumerate(positions)},
                            math.log(1 + total / len(positions)))
    return members


def _related(note: Note, position: int, model: SiteModel, members, rarity: dict[str, int]) -> tuple[Note, ...]:
    keys = [key for group in model.keys_of_note[note.id] for key in group if key in members]
    keys.sort(key=rarity.__getitem__)
    scores: dict[int, float] = {}
    for key in keys[:RAREST_TERMS]:
        positions, index, weight = members[key]
        i = index[position]
        for other in positions[max(0, i - NEAREST_IN_TERM): i + NEAREST_IN_TERM + 1]:
            scores[other] = scores.get(other, 0.0) + weight
    scores.pop(position, None)
    # Ties go to the note nearer in time, then to the newer one: the same list every build.
    best = heapq.nsmallest(RELATED_COUNT, [(-score, abs(other - position), other) for other, score in scores.items()])
    return tuple(model.notes[other] for _, _, other in best)
