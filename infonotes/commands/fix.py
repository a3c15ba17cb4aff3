"""`check --fix`: rewrite what needs no judgment, and nothing else.

Only names and references that resolve are touched: a State, organization or organizer
written as an alias, a code or in another case becomes its canonical name ('Lao PDR' ->
"Lao People's Democratic Republic", 'unoda' -> 'UNODA'), and a paragraph reference
becomes the canonical form ('res. 2663 op 17' -> '2663 OP17'). Each fix replaces the
exact characters of one value, found from the YAML parser's marks, so list order,
comments, quoting, line endings and the body stay byte for byte as they were. A file is
written to a temporary file beside it and moved over it in one rename.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from infonotes.archive import yamlnodes
from infonotes.archive.catalog import Catalog
from infonotes.archive.load import split_front_matter
from infonotes.archive.yamlnodes import scalar_text
from infonotes.output.write import write_atomically
from infonotes.problems import InputError

FIXED_FIELDS = ("country", "organizers", "states", "organizations", "paragraphs")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Fix:
    """One value to rewrite: on file line `line`, the characters [column, end_column)."""

    path: str
    """As shown in messages."""
    line: int
    column: int
    end_column: int
    field: str
    old: str
    """The characters written now (quotes included)."""
    new: str
    """The characters to write instead."""


def plan_fixes(path: Path, shown: str, catalog: Catalog) -> list[Fix]:
    """The fixes one note needs; none when the file cannot be read as a note."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    text = text.removeprefix(_BOM).replace("\r\n", "\n").replace("\r", "\n")
    try:
        front_text, _, front_line, _ = split_front_matter(text, shown)
        front = yamlnodes.parse(front_text, front_line, spans=True)
    except (InputError, yamlnodes.YamlProblem):
        return []
    if not isinstance(front, yamlnodes.Mapping):
        return []
    lines = text.split("\n")
    fixes = []
    for key, value in front.items:
        if key.text not in FIXED_FIELDS:
            continue
        items = value.items if isinstance(value, yamlnodes.Sequence) else (value,)
        for item in items:
            fix = _fix(item, key.text, catalog, lines, shown)
            if fix is not None:
                fixes.append(fix)
    return fixes


def canonical(field: str, text: str, catalog: Catalog) -> str | None:
    """The canonical spelling of a value of `field`, or None if it does not resolve."""
    if field in ("country", "states"):
        found = catalog.find_state(text)
    elif field == "organizations":
        found = catalog.find_organization(text)
    elif field == "organizers":
        found = catalog.find_state(text) or catalog.find_organization(text)
    else:
        found = catalog.find_paragraph(text)[0]
    return found.label if found is not None else None


def _fix(item, field: str, catalog: Catalog, lines: list[str], shown: str) -> Fix | None:
    if not isinstance(item, yamlnodes.Scalar) or item.is_empty:
        return None
    if item.line != item.end_line or item.style not in ("", "'", '"'):
        return None  # a value over several lines or a block: leave it to people
    if item.text != item.text.strip() or "\n" in item.text:
        return None
    target = canonical(field, item.text, catalog)
    if target is None or target == item.text:
        return None
    old = lines[item.line - 1][item.column:item.end_column]
    try:  # the span must spell the value (a YAML-only line break would shift the marks)
        again = yamlnodes.parse(old)
    except yamlnodes.YamlProblem:
        return None
    if not isinstance(again, yamlnodes.Scalar) or again.text != item.text:
        return None
    return Fix(shown, item.line, item.column, item.end_column, field, old, scalar_text(target, item.style))


def apply_fixes(path: Path, fixes: list[Fix]) -> bool:
    """Rewrite the spans of `fixes` in `path`, atomically; False if the file changed
    since it was read (then nothing is written)."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    bom = _BOM if text.startswith(_BOM) else ""
    parts = re.split(r"(\r\n|\r|\n)", text[len(bom):])
    lines, endings = parts[0::2], parts[1::2]
    for fix in sorted(fixes, key=lambda f: (f.line, f.column), reverse=True):
        line = lines[fix.line - 1]
        if line[fix.column:fix.end_column] != fix.old:
            return False
        lines[fix.line - 1] = line[:fix.column] + fix.new + line[fix.end_column:]
    rebuilt = bom + "".join(line + ending for line, ending in zip(lines, endings + [""]))
    write_atomically(path, rebuilt.encode("utf-8"))
    return True
