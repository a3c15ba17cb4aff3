"""`new`: a note file from the template, in notes/YYYY/, never over an existing one."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .problems import InputError, Problem
from .text import slugify

_STOP_WORDS = {"a", "an", "and", "the", "of", "on", "in", "for", "to", "with", "at", "by"}

TEMPLATE = """\
---
title: {title}
date: {date}
# end: {date}            # the last day, if the event lasted more than one day
# city:                     # where it took place
# country:                  # the host State: a name, alias or ISO code (e.g. Lao PDR, LAO)
# format: in-person         # in-person | hybrid | virtual
# kind: workshop            # workshop, conference, country visit, round-table, ...
organizers: []              # States and/or organizations
states: []                  # participating States
organizations: []           # participating organizations (acronyms, e.g. UNODA)
paragraphs: []              # e.g. 2663 OP17, PoW-2023 13, or 2325 for a whole document
summary:                    # one or two sentences for lists and feeds
---

## Background

## Overview

## Highlights
"""


def note_slug(title: str, words: int = 8) -> str:
    kept = [w for w in slugify(title).split("-") if w and w not in _STOP_WORDS]
    return "-".join(kept[:words]) or "note"


def new_note(notes_dir: Path, title: str, date: str) -> Path:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError([Problem("--date", 1, f"'{date}' is not a date written YYYY-MM-DD")]) from None
    path = notes_dir / str(day.year) / f"{day.isoformat()}-{note_slug(title)}.md"
    if path.exists() or path.with_suffix(".markdown").exists():
        raise InputError([Problem(str(path), 1, "a note with this id already exists; "
                                                "choose another title or edit that note")])
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(TEMPLATE.format(title=quoted, date=day.isoformat()))
    return path
