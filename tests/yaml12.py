"""A front matter as a YAML 1.2 editor reads it, to test the note schema with.

Our reader (infonotes.archive.yamlnodes) keeps every value as it was typed; a YAML
language server in an editor validates the JSON values of YAML 1.2's core schema. The
schema tests convert a front matter here the way the editor does, so that they check
the schema against what editors really validate.
"""
from __future__ import annotations

import re

from infonotes.archive import yamlnodes

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def as_editor_sees(node):
    """A yamlnodes tree as JSON values under YAML 1.2's core schema (what a YAML
    language server validates): plain scalars become null, booleans and numbers where
    YAML 1.2 says so, everything else a string."""
    if isinstance(node, yamlnodes.Mapping):
        return {key.text: as_editor_sees(value) for key, value in node.items}
    if isinstance(node, yamlnodes.Sequence):
        return [as_editor_sees(item) for item in node.items]
    if node is None:
        return None
    text = node.text
    if not node.plain:
        return text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text
