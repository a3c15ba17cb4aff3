"""Find note files and read each into a Source (front matter nodes + body).

Only reading happens here: bytes to text, text to front matter and body. What the
fields mean is check.py's business.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from infonotes.archive import yamlnodes
from infonotes.problems import InputError, Problem

NOTE_SUFFIXES = (".md", ".markdown")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Source:
    """One note file as read, before any of its fields is checked."""

    path: str
    """As shown in messages."""
    id: str
    """The file name without its extension: the note's permanent id."""
    front: yamlnodes.Node | None
    body: str
    body_line: int
    """The file line on which the body starts."""


def find_note_files(root: Path) -> list[Path]:
    """Every note file under `root`, in a stable order. Hidden folders and files are skipped."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found.extend(Path(folder, f) for f in files
                     if f.endswith(NOTE_SUFFIXES) and not f.startswith("."))
    return sorted(found)


def display_path(path: Path) -> str:
    """The path relative to the working folder when it lies inside it, else as given."""
    text = os.path.abspath(path)
    here = os.getcwd() + os.sep
    return text[len(here):] if text.startswith(here) else str(path)


def read_source(path: Path, shown: str) -> Source:
    """Read one note file; raise InputError (with lines) for what cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError([Problem(shown, 1, f"cannot read the file: {error.strerror}")]) from None
    text = _decode(data, shown)
    front_text, body, front_line, body_line = split_front_matter(text, shown)
    try:
        front = yamlnodes.parse(front_text, front_line)
    except yamlnodes.YamlProblem as error:
        raise InputError([Problem(shown, line, message) for line, message in error.found]) from None
    return Source(shown, note_id(path), front, body, body_line)


def note_id(path: Path) -> str:
    return path.name.rsplit(".", 1)[0]


def _decode(data: bytes, shown: str) -> str:
    if data.startswith(_BOM):  # editors on Windows add one; it means nothing here
        data = data[len(_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError([Problem(shown, line, (
            f"the file is not UTF-8: byte 0x{data[error.start]:02x} at column {column} cannot be "
            "read; save the file as UTF-8 (Unicode) in your editor"))]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, shown: str) -> tuple[str, str, int, int]:
    """(front matter text, body, file line of the first front matter line, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise InputError([Problem(shown, 1, (
            "no front matter: a note starts with a line '---', then its fields "
            "('title: …', 'date: YYYY-MM-DD', …), then another '---' line; did you forget the first '---'?"))])
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return ("\n".join(lines[1:number]), "\n".join(lines[number + 1:]), 2, number + 2)
    raise InputError([Problem(shown, 1, (
        "the front matter is never closed: add a line '---' after the last field, "
        "before the text of the note"))])
