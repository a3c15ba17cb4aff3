"""Check a Source against the note format and the catalogs: a Note, or its problems.

Every rule reports through `_Checker.problem`, so one pass over a note yields every
problem it has, each with the line of the field (or list item) at fault.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from pathlib import Path

from infonotes.archive import yamlnodes
from infonotes.archive.catalog import Catalog, Organization, State
from infonotes.archive.load import Source, display_path, note_id
from infonotes.archive.model import FORMATS, Note
from infonotes.archive.text import close_matches, name_key, slugify
from infonotes.problems import WARNING, Problem, did_you_mean

FIELDS = ("title", "date", "end", "city", "country", "format", "kind", "organizers",
          "states", "organizations", "paragraphs", "summary", "draft")
LATER_FIELDS = ("former_ids",)
"""Fields a note gets only after it was published (a rename), which `new` does not write."""
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
    "former_id": "former_ids", "old_ids": "former_ids", "aliases": "former_ids", "redirect_from": "former_ids",
}
_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")
_REQUIRED_MESSAGES = {
    "title": "'title' is required: add a line 'title: …' with the name of the event",
    "date": "'date' is required (the first day, YYYY-MM-DD): add a line 'date: YYYY-MM-DD'",
}


def check_source(source: Source, catalog: Catalog, body_html: str) -> tuple[Note | None, list[Problem]]:
    """The checked Note, or None and the problems that stop it (errors only: warnings
    never stop a build)."""
    return _Checker(source, catalog).note(body_html)


def check_with_warnings(source: Source, catalog: Catalog) -> tuple[Note | None, list[Problem]]:
    """As check_source (without rendering the body), plus the warnings: what `check` shows.
    Warnings are what a reviewer would ask about but the site can be built with: a missing
    summary, an `end` more than a year after `date`, a name listed twice, a body without
    headings, an empty section."""
    checker = _Checker(source, catalog)
    note, errors = checker.note("")
    return note, errors + checker.warnings + _other_warnings(source)


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


def check_former_ids(ids: dict[str, str], notes) -> list[Problem]:
    """A former id may not be a current id (`ids`: id -> file, drafts included) nor
    another note's former id: each old address redirects to one note."""
    problems = []
    claimed: dict[str, str] = {}
    for note in sorted(notes, key=lambda n: n.source):
        for former, line in zip(note.former_ids, note.former_id_lines):
            if former in ids:
                problems.append(Problem(note.source, line, (
                    f"'{former}' in 'former_ids' is the id of a current note ({ids[former]}); "
                    "a former id is an address that no note has any more: remove it here, or "
                    "rename that note")))
            elif former in claimed:
                problems.append(Problem(note.source, line, (
                    f"'{former}' is also a former id of {claimed[former]}; an old address can "
                    "redirect to one note only: keep it in one of the two notes")))
            else:
                claimed[former] = note.source
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
        self.warnings: list[Problem] = []

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
            value = front.get(key)
            if value is None or _is_empty(value) or (isinstance(value, yamlnodes.Scalar) and not value.text.strip()):
                self.problem(value.line if value else front.line, _REQUIRED_MESSAGES[key])
        date = self._date(front, "date")
        end = self._date(front, "end")
        if not _ID.match(self.source.id):
            name = Path(self.source.path).name
            self.problem(1, f"the file name '{name}' is not a valid note id; name the file "
                            "YYYY-MM-DD-words-with-hyphens.md in lowercase ASCII (for example "
                            f"'{suggested_id(self.source.id, date)}.md')")
        if date and end and end < date:
            self.problem(front.get("end").line, f"end {end.isoformat()} is before date {date.isoformat()}; "
                                                "'end' is the last day of the event: correct it, or "
                                                "remove the line if the event lasted one day")
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
            **self._former_ids(front),
        )
        return (None if self.problems else note), self.problems

    def _former_ids(self, front) -> dict:
        """The ids the note had before a rename: each must be a well-formed id, not its own."""
        value = front.get("former_ids")
        if value is None or _is_empty(value):
            return {}
        items = value.items if isinstance(value, yamlnodes.Sequence) else (value,)
        found: dict[str, int] = {}
        for item in items:
            if not isinstance(item, yamlnodes.Scalar) or _is_empty(item):
                self.problem(item.line, "each item of 'former_ids' must be one former id, the old "
                                        "file name without '.md'")
                continue
            former = item.text.strip().removesuffix(".md").removesuffix(".markdown")
            if not _ID.match(former):
                self.problem(item.line, f"'{item.text}' in 'former_ids' is not a note id; write the "
                                        "old file name without '.md', like '2023-03-07-regional-workshop'")
            elif former == self.source.id:
                self.problem(item.line, f"'{former}' in 'former_ids' is this note's own id; list only "
                                        "the ids the note had before it was renamed")
            elif former not in found:
                found[former] = item.line
        return {"former_ids": tuple(found), "former_id_lines": tuple(found.values())}

    def _unknown_fields(self, front: yamlnodes.Mapping) -> None:
        known = FIELDS + LATER_FIELDS
        for key, _ in front.items:
            if key.text in known:
                continue
            guess = FIELD_SYNONYMS.get(name_key(key.text)) or next(iter(
                close_matches(key.text, {f: f for f in known}, 1)), None)
            hint = f" (did you mean '{guess}:'?)" if guess else f"; the fields are: {', '.join(known)}"
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
        if not DATE.match(text):
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
        found: dict = {}
        for item in items:
            if not isinstance(item, yamlnodes.Scalar):
                self.problem(item.line, f"each item of '{key}' must be a single name")
                continue
            if _is_empty(item):
                self.problem(item.line, f"an item of '{key}' is empty")
                continue
            entity = resolve(item)
            if entity is None:
                continue
            if entity in found:
                self._listed_twice(key, entity, found[entity], item)
            else:
                found[entity] = item
        return tuple(found)

    def _listed_twice(self, key: str, entity, first: yamlnodes.Scalar, again: yamlnodes.Scalar) -> None:
        what = {"states": "State", "organizations": "organization", "paragraphs": "paragraph"}.get(key, "organizer")
        if first.text == again.text:
            written = f"on lines {first.line} and {again.line}" if first.line != again.line else "twice"
        else:
            where = f" on line {first.line}" if first.line != again.line else ""
            written = f"'{first.text}'{where} and '{again.text}'"
        self.warnings.append(Problem(self.source.path, again.line, (
            f"the {what} {entity.label} is listed twice in '{key}' ({written}); remove one of them"),
            WARNING))

    def _state(self, item: yamlnodes.Scalar) -> State | None:
        state = self.catalog.find_state(item.text)
        if state is None:
            message = unknown_state(self.catalog, item.text)
            if self.catalog.find_organization(item.text):
                message = f"'{item.text}' is an organization, not a State; list it under 'organizations:'"
            self.problem(item.line, message)
        return state

    def _organization(self, item: yamlnodes.Scalar) -> Organization | None:
        organization = self.catalog.find_organization(item.text)
        if organization is None:
            hint = did_you_mean(self.catalog.suggest_organizations(item.text))
            message = (f"unknown organization '{item.text}'{hint}; check the spelling, or add "
                       "the organization to data/organizations.yaml (see CONTRIBUTING.md)")
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


def unknown_state(catalog: Catalog, text: str) -> str:
    """What to say of a name that is no State (in `check` and `new --country` alike)."""
    hint = did_you_mean(close_states(catalog, text)) or (
        "; write a State's UN short name, an alias or its ISO alpha-3 code, as listed "
        "in data/states.yaml")
    return f"unknown State '{text}'{hint}"


def close_states(catalog: Catalog, text: str) -> list[str]:
    """The catalog's suggestions that are close to one spelling of their State (a
    two-letter code is always told which State it stands for): 'Atlantis' gets none
    rather than 'Albania', 'Cambodja' gets Cambodia and not Samoa."""
    key = name_key(text)
    close = []
    for name in catalog.suggest_states(text):
        state = catalog.find_state(name)
        spellings = (state.name, state.iso3, *state.aliases) if state else (name,)
        if len(text.strip()) == 2 or max(difflib.SequenceMatcher(None, key, name_key(s)).ratio()
                                         for s in spellings) >= 0.7:
            close.append(name)
    return close


def _is_empty(node) -> bool:
    return isinstance(node, yamlnodes.Scalar) and node.is_empty


# --- warnings: shown by `check`, failing it only with --strict, never stopping a build ---

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLOCK_START = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)]|>)(?:\s|$)|^ {0,3}(?:[-*_][ \t]*){3,}$|^( {4}|\t)")


def _other_warnings(source: Source) -> list[Problem]:
    """The warnings that need no catalog."""
    found: list[Problem] = []

    def warn(line: int, message: str) -> None:
        found.append(Problem(source.path, line, message, WARNING))

    front = source.front
    if isinstance(front, yamlnodes.Mapping):
        summary = front.get("summary")
        if summary is None or _is_empty(summary) or (isinstance(summary, yamlnodes.Scalar)
                                                     and not summary.text.strip()):
            warn(summary.line if summary is not None else front.line,
                 "'summary' is missing: add 'summary: …' with one or two sentences for lists, "
                 "feeds and search results")
        date, end = _plain_date(front.get("date")), _plain_date(front.get("end"))
        if date and end and (end - date).days > 366:
            warn(front.get("end").line, f"end {end.isoformat()} is more than a year after date "
                                        f"{date.isoformat()}; check the year ('end' is the last "
                                        "day of the event)")
    _body_warnings(source, warn)
    return found


def _plain_date(node) -> dt.date | None:
    if not isinstance(node, yamlnodes.Scalar) or not DATE.match(node.text.strip()):
        return None
    try:
        return dt.date.fromisoformat(node.text.strip())
    except ValueError:
        return None


def _body_warnings(source: Source, warn) -> None:
    """A body without any heading, and headings with nothing under them (Markdown's ATX
    `## …` and setext `…` / `---` headings; code fences are skipped)."""
    headings: list[tuple[int, int, str]] = []  # (file line, level, text)
    filled: list[bool] = []                    # does each heading's section have text?
    fence = ""
    paragraph = None  # (first line, text, `filled` before it) while inside a paragraph
    first_text = None
    for number, line in enumerate(source.body.split("\n"), start=source.body_line):
        stripped = line.strip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
            continue
        if not stripped:
            paragraph = None
            continue
        first_text = first_text or number
        atx = _ATX.match(line)
        if atx:
            headings.append((number, len(atx.group(1)), (atx.group(2) or "").strip()))
            filled.append(False)
            paragraph = None
            continue
        if paragraph is not None and _SETEXT.match(line):
            start, text, before = paragraph
            if filled:
                filled[-1] = before
            headings.append((start, 1 if stripped[0] == "=" else 2, text))
            filled.append(False)
            paragraph = None
            continue
        if filled:
            before = filled[-1]
            filled[-1] = True
        else:
            before = False
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)[:3]
            paragraph = None
        elif _BLOCK_START.match(line):
            paragraph = None
        elif paragraph is None:
            paragraph = (number, stripped, before)
    if first_text is None:
        warn(max(1, source.body_line - 1), "the note has no text: write it below the closing '---', "
                                           "under '## Background', '## Overview' and '## Highlights'")
        return
    if not headings:
        warn(first_text, "the text has no heading; start each part with a heading line such as "
                         "'## Background', '## Overview' or '## Highlights'")
        return
    for index, (line, level, text) in enumerate(headings):
        if filled[index]:
            continue
        following = headings[index + 1] if index + 1 < len(headings) else None
        if following is not None and following[1] > level:
            continue  # a heading over sub-headings
        shown = "#" * level + (" " + text if text else "")
        warn(line, f"the section '{shown}' is empty: write its text or remove the heading")
