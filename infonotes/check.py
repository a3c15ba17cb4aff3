"""Stage 2: check a Source against DESIGN's note format and the catalogs.

Every rule reports through `_Checker.problem`, so one pass over a note yields every
problem it has, each with the line of the field (or list item) at fault.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

from . import yamlnodes
from .catalog import Catalog, Organization, State
from .load import Source, display_path, note_id
from .model import FORMATS, Note
from .problems import Problem, did_you_mean
from .text import close_matches, name_key, slugify

FIELDS = ("title", "date", "end", "city", "country", "format", "kind", "organizers",
          "states", "organizations", "paragraphs", "summary", "draft")
REQUIRED = ("title", "date")
# What contributors write instead of our field names; difflib catches the typos.
FIELD_SYNONYMS = {
    "state": "states", "participants": "states", "countries": "states", "participating states": "states",
    "organisation": "organizations", "organisations": "organizations", "organization": "organizations",
    "orgs": "organizations", "organiser": "organizers", "organisers": "organizers",
    "organizer": "organizers", "hosts": "organizers", "host": "country", "location": "city",
    "place": "city", "venue": "city", "start": "date", "start_date": "date", "begin": "date",
    "end_date": "end", "until": "end", "to": "end", "paragraph": "paragraphs", "refs": "paragraphs",
    "references": "paragraphs", "resolutions": "paragraphs", "type": "kind", "name": "title",
    "description": "summary", "abstract": "summary", "mode": "format",
}
_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def check_source(source: Source, catalog: Catalog, body_html: str) -> tuple[Note | None, list[Problem]]:
    """The checked Note, or None and the problems that stop it."""
    return _Checker(source, catalog).note(body_html)


def check_ids(paths: list[Path]) -> list[Problem]:
    """Two files for one id (also `x.md` beside `x.markdown`): each file is told of the others."""
    problems = []
    by_id = defaultdict(list)
    for path in paths:
        by_id[note_id(path)].append(display_path(path))
    for id_, same in sorted(by_id.items()):
        if len(same) < 2:
            continue
        for shown in same:
            others = ", ".join(o for o in same if o != shown)
            problems.append(Problem(shown, 1, (
                f"another note has the same id '{id_}' ({others}); a note's id is its file "
                "name without extension and must be unique: rename or remove one of them")))
    return problems


def suggested_id(id_: str, date: dt.date | None) -> str:
    """A valid id close to `id_`: its words as a slug, after the note's date."""
    words = slugify(id_)
    if re.match(r"^\d{4}-\d{2}-\d{2}-", words):
        return words
    return f"{date.isoformat() if date else '2024-01-31'}-{words or 'title-of-the-event'}"


class _Checker:
    def __init__(self, source: Source, catalog: Catalog):
        self.source = source
        self.catalog = catalog
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source.path, line, message))

    def note(self, body_html: str) -> tuple[Note | None, list[Problem]]:
        front = self.source.front
        if not isinstance(front, yamlnodes.Mapping):
            line = front.line if front is not None else 1
            self.problem(line, "the front matter must be fields written 'name: value', one per line "
                               "(title: …, date: YYYY-MM-DD, …)")
            return None, self.problems
        self._unknown_fields(front)
        for key in REQUIRED:
            if front.get(key) is None or _is_empty(front.get(key)):
                self.problem(front.get(key).line if front.get(key) else front.line,
                             f"'{key}' is required" + (" (the first day, YYYY-MM-DD)" if key == "date" else ""))
        date = self._date(front, "date")
        end = self._date(front, "end")
        if not _ID.match(self.source.id):
            name = Path(self.source.path).name
            self.problem(1, f"the file name '{name}' is not a valid note id; name the file "
                            "YYYY-MM-DD-words-with-hyphens.md in lowercase ASCII (for example "
                            f"'{suggested_id(self.source.id, date)}.md')")
        if date and end and end < date:
            self.problem(front.get("end").line, f"end {end.isoformat()} is before date {date.isoformat()}; "
                                                "'end' is the last day of the event")
        note = Note(
            id=self.source.id,
            source=self.source.path,
            title=self._text(front, "title"),
            date=date,
            end=end if end != date else None,
            city=self._text(front, "city"),
            country=self._country(front),
            format=self._format(front),
            kind=self._text(front, "kind"),
            organizers=self._organizers(front),
            states=self._names(front, "states", self._state),
            organizations=self._names(front, "organizations", self._organization),
            paragraphs=self._names(front, "paragraphs", self._paragraph),
            summary=self._text(front, "summary"),
            draft=self._flag(front, "draft"),
            body_html=body_html,
        )
        return (None if self.problems else note), self.problems

    def _unknown_fields(self, front: yamlnodes.Mapping) -> None:
        for key, _ in front.items:
            if key.text in FIELDS:
                continue
            guess = FIELD_SYNONYMS.get(name_key(key.text)) or next(iter(
                close_matches(key.text, {f: f for f in FIELDS}, 1)), None)
            hint = f" (did you mean '{guess}:'?)" if guess else f"; the fields are: {', '.join(FIELDS)}"
            self.problem(key.line, f"unknown field '{key.text}'{hint}")

    def _text(self, front, key: str) -> str:
        value = front.get(key)
        if value is None or _is_empty(value):
            return ""
        if not isinstance(value, yamlnodes.Scalar):
            self.problem(value.line, f"'{key}' must be text, not a list or a mapping")
            return ""
        return " ".join(value.text.split())

    def _date(self, front, key: str) -> dt.date | None:
        value = front.get(key)
        if value is None or _is_empty(value):
            return None
        text = self._text(front, key)
        if not isinstance(value, yamlnodes.Scalar):
            return None  # _text said what is wrong
        if not _DATE.match(text):
            self.problem(value.line, f"'{key}' must be a date written YYYY-MM-DD, not '{text}'")
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.problem(value.line, f"'{key}' is {text}, a day that does not exist; check the "
                                     "month and the day")
            return None

    def _format(self, front) -> str:
        text = self._text(front, "format")
        if text and text not in FORMATS:
            hint = did_you_mean(close_matches(text.replace(" ", "-"), {f: f for f in FORMATS}, 1))
            self.problem(front.get("format").line, f"unknown format '{text}'{hint}; "
                                                   f"use one of: {', '.join(FORMATS)}")
            return ""
        return text

    def _flag(self, front, key: str) -> bool:
        text = self._text(front, key).lower()
        if text and text not in _TRUE + _FALSE:
            self.problem(front.get(key).line, f"'{key}' must be true or false, not '{text}'")
        return text in _TRUE

    def _country(self, front) -> State | None:
        value = front.get("country")
        if value is None or _is_empty(value):
            return None
        if not isinstance(value, yamlnodes.Scalar):
            self.problem(value.line, "'country' is the one host State; list other States under 'states:'")
            return None
        return self._state(value)

    def _organizers(self, front):
        return self._names(front, "organizers", self._organizer)

    def _names(self, front, key: str, resolve) -> tuple:
        """Resolve each item of a list field; a single value counts as a list of one."""
        value = front.get(key)
        if value is None or _is_empty(value):
            return ()
        items = value.items if isinstance(value, yamlnodes.Sequence) else (value,)
        found = []
        for item in items:
            if not isinstance(item, yamlnodes.Scalar):
                self.problem(item.line, f"each item of '{key}' must be a single name")
                continue
            if _is_empty(item):
                self.problem(item.line, f"an item of '{key}' is empty")
                continue
            entity = resolve(item)
            if entity is not None and entity not in found:
                found.append(entity)
        return tuple(found)

    def _state(self, item: yamlnodes.Scalar) -> State | None:
        state = self.catalog.find_state(item.text)
        if state is None:
            message = f"unknown State '{item.text}'{did_you_mean(self.catalog.suggest_states(item.text))}"
            if self.catalog.find_organization(item.text):
                message = f"'{item.text}' is an organization, not a State; list it under 'organizations:'"
            self.problem(item.line, message)
        return state

    def _organization(self, item: yamlnodes.Scalar) -> Organization | None:
        organization = self.catalog.find_organization(item.text)
        if organization is None:
            hint = did_you_mean(self.catalog.suggest_organizations(item.text))
            message = (f"unknown organization '{item.text}'{hint}; "
                       "a new organization is added to data/organizations.yaml")
            if self.catalog.find_state(item.text):
                message = f"'{item.text}' is a State, not an organization; list it under 'states:'"
            self.problem(item.line, message)
        return organization

    def _organizer(self, item: yamlnodes.Scalar):
        found = self.catalog.find_state(item.text) or self.catalog.find_organization(item.text)
        if found is None:
            hint = did_you_mean(self.catalog.suggest_states(item.text)
                                + self.catalog.suggest_organizations(item.text))
            self.problem(item.line, f"unknown organizer '{item.text}': neither a State nor an "
                                    f"organization of the catalog{hint}")
        return found

    def _paragraph(self, item: yamlnodes.Scalar):
        ref, error = self.catalog.find_paragraph(item.text)
        if ref is None:
            self.problem(item.line, error)
        return ref


def _is_empty(node) -> bool:
    return isinstance(node, yamlnodes.Scalar) and node.is_empty
