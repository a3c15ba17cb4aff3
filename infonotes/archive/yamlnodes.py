"""A strict YAML reader that keeps what the contributor typed, with line numbers.

PyYAML's usual loaders turn `NO` into False, `1:20` into 80 and `0777` into 511, and
forget where each value stood. Notes and catalogs are small, so we read the event
stream (libyaml's fast parser) and build our own nodes instead: every scalar stays the
string that was typed, every node knows its line, and the YAML features a contributor
never needs (anchors, aliases, tags, several documents) are refused with a reason.

It also writes a value back (`scalar_text`) so that it reads as the same string: what
`check --fix` and `new` put into a front matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
import yaml.reader

try:  # libyaml's parser, written in C; fall back only where it is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Scalar:
    text: str
    """Exactly the characters of the value, never converted to a number or a boolean."""
    line: int
    plain: bool
    """True when written without quotes (so that `~` or an empty value can mean nothing)."""
    column: int = 0
    """0-based, in characters: where the value starts on its line (its opening quote, if any)."""
    end_line: int = 0
    end_column: int = 0
    """Where the value ends (after its closing quote): `check --fix` rewrites exactly this span."""
    style: str = ""
    """How it was written: '' plain, "'" or '"' quoted, '|' or '>' a block."""
    # column, end_line, end_column and style are recorded only by parse(..., spans=True).

    @property
    def is_empty(self) -> bool:
        return self.plain and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple
    line: int


@dataclass(frozen=True, slots=True)
class Mapping:
    items: tuple
    """(key Scalar, value node) pairs in the order written."""
    line: int

    def get(self, key: str):
        for k, v in self.items:
            if k.text == key:
                return v
        return None


Node = Scalar | Sequence | Mapping


class YamlProblem(Exception):
    """Carries (line, message) pairs; lines already counted from the top of the file."""

    def __init__(self, found: list[tuple[int, str]]):
        self.found = found
        super().__init__("; ".join(m for _, m in found))


def parse(text: str, first_line: int = 1, spans: bool = False) -> Node | None:
    """Parse one YAML document; `first_line` is the file line where `text` begins.

    With `spans`, every Scalar also records where it starts and ends (column, end_line,
    end_column) and its style, for `check --fix`; without, parsing is faster.

    Returns None for an empty document. Raises YamlProblem with every structural
    problem it can see (duplicate keys, anchors, tags), or with the syntax error.
    """
    tab = _first_tab_in_indentation(text) if "\t" in text else None
    if tab is not None:
        raise YamlProblem([(first_line + tab, "a tab character is used for indentation; "
                            "YAML needs spaces here (replace the tab with two spaces)")])
    builder = _Builder(first_line, spans)
    try:
        root = builder.build(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        raise YamlProblem([_explain(error, first_line)]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = first_line + text.count("\n", 0, max(error.position, 0))
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise YamlProblem([(line, f"the control character #x{code:04x} is not allowed here; delete "
                                  "it (it is often invisible: retype the line)")]) from None
    except yaml.YAMLError as error:  # pragma: no cover - unmarked errors are rare
        raise YamlProblem([(first_line, f"cannot read the YAML: {error}")]) from None
    if builder.found:
        raise YamlProblem(builder.found)
    return root


def _first_tab_in_indentation(text: str) -> int | None:
    for number, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" -")
        if stripped.startswith("\t") or (line.startswith("\t")):
            return number
    return None


def _explain(error: yaml.MarkedYAMLError, first_line: int) -> tuple[int, str]:
    """Turn libyaml's wording into a sentence a contributor can act on."""
    context = error.context or ""
    problem = error.problem or "syntax error"
    at = error.problem_mark.line if error.problem_mark else 0
    opened = error.context_mark.line if error.context_mark else at
    if "quoted scalar" in context:
        return first_line + opened, ("unclosed quote: the quoted text that starts on this "
                                     "line never ends; add the closing quote")
    if "flow sequence" in context:
        return first_line + opened, ("unclosed '[': the list that starts on this line never "
                                     "ends; add ']' or put text that starts with '[' in quotes")
    if "flow mapping" in context:
        return first_line + opened, ("unclosed '{': the mapping that starts on this line never "
                                     "ends; add '}' or put text that starts with '{' in quotes")
    if "mapping values are not allowed" in problem:
        return first_line + at, ("a ':' followed by a space inside a value; put the whole "
                                 "value in quotes")
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return first_line + opened, (f"YAML syntax error: {problem}; check the indentation "
                                     "and that every field is written 'name: value'")
    return first_line + at, f"YAML syntax error: {problem}" + (f" ({context})" if context else "")


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_DOCUMENT_START = yaml.DocumentStartEvent


class _Builder:
    """Builds nodes from the event stream in one pass (this runs for every note)."""

    def __init__(self, first_line: int, spans: bool = False):
        self.first_line = first_line
        self.spans = spans
        self.found: list[tuple[int, str]] = []

    def build(self, events) -> Node | None:
        self.events = iter(events)
        root = None
        documents = 0
        for event in self.events:
            kind = type(event)
            if kind is _DOCUMENT_START:
                documents += 1
                if documents > 1:
                    self.found.append((self._line(event), "a second YAML document starts here; "
                                                          "a note has one front matter block"))
                    return None
            elif kind in (_SCALAR, _ALIAS, _SEQUENCE_START, _MAPPING_START):
                root = self._node(event)
        return root

    def _line(self, event) -> int:
        return self.first_line + event.start_mark.line

    def _refuse_extras(self, event) -> None:
        if event.anchor:
            self.found.append((self._line(event), f"YAML anchors ('&{event.anchor}') are not "
                                                  "allowed; write the value out in full"))
        tag = event.tag
        if tag and not (type(event) is _SCALAR and event.implicit[0]) and tag != "!":
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.found.append((self._line(event), f"YAML tags ('{shown}') are not allowed; "
                                                  "remove the tag"))

    def _node(self, event) -> Node:
        kind = type(event)
        if kind is _ALIAS:
            self.found.append((self._line(event), f"YAML aliases ('*{event.anchor}') are not "
                                                  "allowed; write the value out in full"))
            return Scalar("", self._line(event), True)
        if event.anchor or event.tag:
            self._refuse_extras(event)
        if kind is _SCALAR:
            if self.spans:
                start, end = event.start_mark, event.end_mark
                return Scalar(event.value, self.first_line + start.line, not event.style, start.column,
                              self.first_line + end.line, end.column, event.style or "")
            return Scalar(event.value, self.first_line + event.start_mark.line, not event.style)
        if kind is _SEQUENCE_START:
            items = []
            for item in self.events:
                if type(item) is _SEQUENCE_END:
                    break
                items.append(self._node(item))
            return Sequence(tuple(items), self._line(event))
        return self._mapping(event)

    def _mapping(self, start) -> Mapping:
        items = []
        seen: dict[str, int] = {}
        for event in self.events:
            if type(event) is _MAPPING_END:
                break
            key = self._node(event)
            value = self._node(next(self.events))
            if not isinstance(key, Scalar):
                self.found.append((key.line, "a field name must be plain text"))
                continue
            if key.text in seen:
                self.found.append((key.line, f"duplicate field '{key.text}' (first given on "
                                             f"line {seen[key.text]}); keep only one"))
                continue
            seen[key.text] = key.line
            items.append((key, value))
        return Mapping(tuple(items), self._line(start))


# --- writing values back -------------------------------------------------------------

def scalar_text(value: str, style: str) -> str:
    """`value` written in the style it replaces: quoted as it was, plain when safe."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not plain_is_safe(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


_NOT_A_STRING = re.compile(r"""^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE
    |y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF
    |[-+]?[0-9_]+(?::[0-5]?[0-9])*|0o[0-7]+|0x[0-9a-fA-F]+
    |[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d\d?-\d\d?.*)$""", re.VERBOSE)


def plain_is_safe(value: str) -> bool:
    """True when `value` reads back as this very string, unquoted, in a block list, a
    flow list `[…]` and after `key:`, for us and for YAML 1.1 and 1.2 editors alike."""
    if not value or value != value.strip() or value[0] in "-?:,[]{}#&*!|>'\"%@`":
        return False
    if any(c in value for c in ",[]{}") or ": " in value or " #" in value or value.endswith(":"):
        return False
    if any(ord(c) < 32 for c in value):
        return False
    return not _NOT_A_STRING.match(value)
