"""The catalogs: States, organizations and the documents whose paragraphs notes cite.

Loaded from `data/*.yaml`. Every name, alias and code is indexed under `name_key`, so a
note may write "Lao PDR", "LAO" or "lao people's democratic republic" and mean one State.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from infonotes.archive import yamlnodes
from infonotes.archive.text import close_matches, name_key, slugify
from infonotes.problems import InputError, Problem, did_you_mean

REGIONS = ("Africa", "Asia-Pacific", "Eastern Europe", "Latin America and the Caribbean",
           "Western Europe and Others", "Observer States")
ORGANIZATION_KINDS = ("international", "regional", "arrangement", "ngo", "academic", "industry")


# Entities compare and hash by their slug alone: notes come back from worker processes
# holding copies, and a copy must still be the same State.
@dataclass(frozen=True, slots=True)
class State:
    slug: str
    name: str = field(compare=False)
    iso3: str = field(compare=False)
    iso2: str = field(compare=False)
    region: str = field(compare=False)
    aliases: tuple[str, ...] = field(compare=False, default=())
    """Every other name a note may use, former names included."""
    observer: bool = field(compare=False, default=False)
    former_names: tuple[str, ...] = field(compare=False, default=())
    """Names the State had before (Swaziland): notes may use them, and the page
    address each one gives redirects to the State's page."""

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Organization:
    slug: str
    acronym: str = field(compare=False)
    name: str = field(compare=False)
    kind: str = field(compare=False)
    aliases: tuple[str, ...] = field(compare=False, default=())
    """Every other name a note may use, former names included."""
    former_names: tuple[str, ...] = field(compare=False, default=())
    """Acronyms and names the organization had before a rename or merger (OAU)."""

    @property
    def label(self) -> str:
        return self.acronym


@dataclass(frozen=True, slots=True)
class Document:
    slug: str
    key: str = field(compare=False)
    title: str = field(compare=False)
    year: int = field(compare=False)
    kind: str = field(compare=False)
    count: int = field(compare=False)
    """How many numbered paragraphs the document has."""
    description: str = field(compare=False, default="")
    paragraph_descriptions: tuple[tuple[int, str], ...] = field(compare=False, default=())

    @property
    def label(self) -> str:
        return self.key

    def paragraph_label(self, number: int) -> str:
        """'2663 OP17' for a resolution's operative paragraph, 'PoW-2023 13' otherwise."""
        return f"{self.key} OP{number}" if self.kind == "resolution" else f"{self.key} {number}"

    def description_of(self, number: int) -> str:
        return dict(self.paragraph_descriptions).get(number, "")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A reference: one numbered paragraph of a document, or (number None) the whole document."""

    slug: str
    document: Document = field(compare=False)
    number: int | None = field(compare=False)

    @property
    def label(self) -> str:
        return self.document.key if self.number is None else self.document.paragraph_label(self.number)

    @property
    def description(self) -> str:
        if self.number is None:
            return self.document.description
        return self.document.description_of(self.number)


def paragraph(document: Document, number: int | None) -> Paragraph:
    slug = document.slug if number is None else f"{document.slug}-{number}"
    return Paragraph(slug, document, number)


_REFERENCE = re.compile(
    r"""^(?:(?:un\s*)?(?:security\s+council\s+)?(?:resolution|res\.?|unscr|s/res/)\s*)?
        (?P<doc>[a-z]+[-\s]?\d{4}|\d{3,4})
        (?:\s*\(\s*\d{4}\s*\))?
        \s*,?
        (?:\s*(?:op|operative\s+paragraph|para(?:graph)?|p|§)\s*\.?)?
        \s*(?P<number>\d+)?$""", re.IGNORECASE | re.VERBOSE)


@dataclass(frozen=True)
class Catalog:
    states: tuple[State, ...]
    organizations: tuple[Organization, ...]
    documents: tuple[Document, ...]
    _states_by_key: dict[str, State] = field(repr=False)
    _organizations_by_key: dict[str, Organization] = field(repr=False)
    _documents_by_key: dict[str, Document] = field(repr=False)

    def find_state(self, text: str) -> State | None:
        return self._states_by_key.get(name_key(text))

    def find_organization(self, text: str) -> Organization | None:
        return self._organizations_by_key.get(name_key(text))

    def suggest_states(self, text: str) -> list[str]:
        found = close_matches(text, {k: s.name for k, s in self._states_by_key.items()})
        if len(text.strip()) == 2:  # a two-letter ISO code, which we do not accept as a name
            by_iso2 = [s.name for s in self.states if s.iso2 == text.strip().upper()]
            found = by_iso2 + [f for f in found if f not in by_iso2]
        return found[:3]

    def suggest_organizations(self, text: str) -> list[str]:
        return close_matches(text, {k: o.acronym for k, o in self._organizations_by_key.items()})

    def find_paragraph(self, text: str) -> tuple[Paragraph | None, str]:
        """The paragraph a reference names, or None and what is wrong with it."""
        match = _REFERENCE.match(" ".join(text.split()))
        if not match:
            return None, (f"cannot read the paragraph reference '{text}'; write it like "
                          "'2663 OP17', 'PoW-2023 13', or '2325' for a whole document")
        doc_text = match["doc"]
        document = self._documents_by_key.get(_document_key(doc_text))
        if document is None:
            hint = did_you_mean(close_matches(doc_text, {_document_key(d.key): d.key for d in self.documents}))
            return None, f"unknown document '{doc_text}' in '{text}'{hint}"
        if match["number"] is None:
            return paragraph(document, None), ""
        number = int(match["number"])
        if not 1 <= number <= document.count:
            return None, (f"{document.title} has paragraphs 1 to {document.count}; "
                          f"'{text}' names paragraph {number}: check the number")
        return paragraph(document, number), ""

def _document_key(text: str) -> str:
    return re.sub(r"[\s-]", "", text.casefold())


# --- loading -------------------------------------------------------------------------

def load_catalog(data_dir: Path, shown: str | None = None) -> Catalog:
    """Read the three catalog files; raise InputError with every problem found."""
    problems: list[Problem] = []
    reader = _EntryReader(problems)
    states = tuple(reader.entries(data_dir / "states.yaml", _state, shown))
    organizations = tuple(reader.entries(data_dir / "organizations.yaml", _organization, shown))
    documents = tuple(reader.entries(data_dir / "paragraphs.yaml", _document, shown))
    state_index = _index(problems, reader, [(s, [s.name, s.iso3, *s.aliases]) for s in states])
    organization_index = _index(problems, reader, [(o, [o.acronym, o.name, *o.aliases]) for o in organizations])
    _refuse_shared_names(problems, reader, state_index, organization_index)
    _refuse_slug_collisions(problems, reader, [*states, *organizations, *documents])
    _refuse_former_slug_collisions(reader, states)
    _refuse_former_slug_collisions(reader, organizations)
    if problems:
        raise InputError(problems)
    return Catalog(states, organizations, documents, state_index, organization_index,
                   {_document_key(d.key): d for d in documents})


class _EntryReader:
    """Reads catalog files entry by entry, remembering where each entry was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.where: dict[str, tuple[str, int]] = {}

    def entries(self, path: Path, make, shown: str | None):
        display = f"{shown}/{path.name}" if shown else str(path)
        try:
            root = yamlnodes.parse(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            self.problems.append(Problem(display, 1, "catalog file is missing"))
            return
        except UnicodeDecodeError as error:
            self.problems.append(Problem(display, 1, f"catalog file is not UTF-8: {error.reason}"))
            return
        except yamlnodes.YamlProblem as error:
            self.problems.extend(Problem(display, line, message) for line, message in error.found)
            return
        if not isinstance(root, yamlnodes.Sequence):
            self.problems.append(Problem(display, 1, "a catalog is a list of entries, one '- {…}' each"))
            return
        for node in root.items:
            if not isinstance(node, yamlnodes.Mapping):
                self.problems.append(Problem(display, node.line, "each entry must be a mapping '{key: value, …}'"))
                continue
            fields = _Fields(node, display, self.problems)
            entity = make(fields)
            if entity is not None and fields.ok:
                self.where[entity.slug] = (display, node.line)
                yield entity

    def problem(self, entity, message: str) -> None:
        display, line = self.where.get(entity.slug, ("data", 1))
        self.problems.append(Problem(display, line, message))


class _Fields:
    def __init__(self, node: yamlnodes.Mapping, display: str, problems: list[Problem]):
        self.node, self.display, self.problems, self.ok = node, display, problems, True

    def text(self, key: str, required: bool = True) -> str:
        value = self.node.get(key)
        if isinstance(value, yamlnodes.Scalar) and not value.is_empty:
            return value.text.strip()
        if value is not None and not isinstance(value, yamlnodes.Scalar):
            self.fail(f"'{key}' must be a single value", value.line)
        elif required:
            self.fail(f"entry has no '{key}'")
        return ""

    def number(self, key: str) -> int:
        text = self.text(key)
        if text and not text.isdigit():
            self.fail(f"'{key}' must be a whole number, not '{text}'", self.node.get(key).line)
            return 0
        return int(text or 0)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.node.get(key)
        if value is None or (isinstance(value, yamlnodes.Scalar) and value.is_empty):
            return ()
        if not isinstance(value, yamlnodes.Sequence) or not all(isinstance(i, yamlnodes.Scalar) for i in value.items):
            self.fail(f"'{key}' must be a list of names")
            return ()
        return tuple(i.text.strip() for i in value.items)

    def flag(self, key: str) -> bool:
        return self.text(key, required=False).lower() in ("true", "yes")

    def numbered_texts(self, key: str) -> tuple[tuple[int, str], ...]:
        value = self.node.get(key)
        if value is None:
            return ()
        if not isinstance(value, yamlnodes.Mapping):
            self.fail(f"'{key}' must map paragraph numbers to descriptions")
            return ()
        found = []
        for k, v in value.items:
            if not k.text.isdigit() or not isinstance(v, yamlnodes.Scalar):
                self.problems.append(Problem(self.display, k.line, f"'{key}' must map paragraph numbers to descriptions"))
                self.ok = False
                continue
            found.append((int(k.text), v.text.strip()))
        return tuple(sorted(found))

    def fail(self, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.display, line or self.node.line, message))
        self.ok = False


def _state(f: _Fields) -> State | None:
    name, iso3, iso2, region = f.text("name"), f.text("iso3"), f.text("iso2"), f.text("region")
    if region and region not in REGIONS:
        f.fail(f"unknown region '{region}'{did_you_mean(close_matches(region, {name_key(r): r for r in REGIONS}))}")
    former = f.texts("former_names")
    return State(slugify(name), name, iso3.upper(), iso2.upper(), region, _with_former(f.texts("aliases"), former),
                 f.flag("observer"), former)


def _organization(f: _Fields) -> Organization | None:
    acronym, name, kind = f.text("acronym"), f.text("name"), f.text("kind")
    if kind and kind not in ORGANIZATION_KINDS:
        f.fail(f"unknown kind '{kind}'; use one of {', '.join(ORGANIZATION_KINDS)}")
    former = f.texts("former_names")
    return Organization(slugify(acronym), acronym, name, kind, _with_former(f.texts("aliases"), former), former)


def _with_former(aliases: tuple[str, ...], former: tuple[str, ...]) -> tuple[str, ...]:
    # A former name is read in notes (and found by search) like any alias: keeping it in
    # `aliases` means every reader of the names needs no second list.
    return aliases + tuple(name for name in former if name not in aliases)


def _document(f: _Fields) -> Document | None:
    key = f.text("key")
    document = Document(slugify(key), key, f.text("title"), f.number("year"), f.text("kind"),
                        f.number("paragraphs"), f.text("description", required=False),
                        f.numbered_texts("paragraph_descriptions"))
    for number, _ in document.paragraph_descriptions:
        if f.ok and number > document.count:
            f.fail(f"paragraph {number} is described but the document has {document.count} paragraphs")
    return document


def _index(problems, reader: _EntryReader, entries) -> dict:
    index: dict = {}
    for entity, names in entries:
        for name in names:
            key = name_key(name)
            other = index.get(key)
            if other is not None and other != entity:
                reader.problem(entity, f"the name '{name}' is also used by {other.label}; "
                                       "a name may belong to one entry only")
            index[key] = other or entity
    return index


def _refuse_shared_names(problems, reader, state_index, organization_index) -> None:
    # Organizers resolve against both catalogs, so a name must not mean a State and an
    # organization at once.
    for key in sorted(state_index.keys() & organization_index.keys()):
        organization = organization_index[key]
        written = next((n for n in (organization.acronym, organization.name, *organization.aliases)
                        if name_key(n) == key), key)
        reader.problem(organization, f"the name '{written}' is both a State "
                       f"({state_index[key].name}) and an organization; a name may belong to one entry only")


def _refuse_slug_collisions(problems, reader, entities) -> None:
    seen: dict[tuple[str, str], object] = {}
    for entity in entities:
        key = (type(entity).__name__, entity.slug)
        if key in seen:
            reader.problem(entity, f"'{entity.label}' gets the same web address ('{entity.slug}') "
                                   f"as '{seen[key].label}'; rename one of them")
        seen[key] = entity


def former_slugs(entity) -> list[str]:
    """The page addresses (slugs) of an entity's former names that differ from its own."""
    return list(dict.fromkeys(s for s in (slugify(n) for n in entity.former_names) if s and s != entity.slug))


def _refuse_former_slug_collisions(reader, entities) -> None:
    # A former name's address becomes a redirect page: it must not be another entry's page
    # or another entry's redirect.
    owners = {e.slug: e for e in entities}
    for entity in entities:
        for slug in former_slugs(entity):
            other = owners.get(slug)
            if other is not None and other != entity:
                what = "page" if other.slug == slug else "former name's address"
                reader.problem(entity, f"a former name of {entity.label} gets the address '{slug}', "
                                       f"which is {other.label}'s {what}; a former address may "
                                       "lead to one entry only")
            owners.setdefault(slug, entity)
