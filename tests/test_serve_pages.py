"""`serve`'s rebuild of the paginated lists (issue 18): a note's change can add or remove a
page of a list, move notes from one page to the next, or give a State a role's list of its
own; after each, the folder is what a full build makes, byte for byte. In process, on the
functions `serve` runs (preview/rebuild.py), over a State with a little more than a page."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from infonotes.preview.rebuild import Request, apply, full_build, rebuild_notes

from conftest import cli_main, note_text, write_project


def _notes(count: int) -> dict[str, str]:
    notes = {}
    for i in range(count):
        year = 2015 + i % 4
        notes[f"{year}/{year}-03-{i % 28 + 1:02d}-meeting-{i:02d}.md"] = note_text(
            f"Meeting {i}", f"{year}-03-{i % 28 + 1:02d}", country="Thailand", states="[Japan]",
            summary="Notes for the pages.")
    return notes


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _touch_and_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 10_000_000
    os.utime(path, ns=(later, later))


def _add_page(notes: Path) -> None:  # 51 -> 52 notes: page 2 gets one more
    _touch_and_write(notes / "2019/2019-01-05-added.md",
                     note_text("Added", "2019-01-05", country="Thailand", states="[Japan]"))


def _remove_page(notes: Path) -> None:  # down to 50: Japan's page 2 goes
    for path in sorted(notes.rglob("*.md"))[:2]:
        path.unlink()


def _move_to_the_front(notes: Path) -> None:  # the oldest note becomes the newest: every page shifts
    oldest = sorted(notes.rglob("*.md"))[0]
    text = oldest.read_text(encoding="utf-8")
    oldest.unlink()
    _touch_and_write(notes / "2024" / ("2024-06-01-" + oldest.name[11:]), text.replace(
        "date: " + oldest.name[:10], "date: 2024-06-01"))


def _give_a_new_role(notes: Path) -> None:  # Japan hosts once: its host and participant lists appear
    path = sorted(notes.rglob("*.md"))[-1]
    _touch_and_write(path, path.read_text(encoding="utf-8").replace("country: Thailand", "country: Japan"))


def _retitle(notes: Path) -> None:  # the notes that link to it as related, before or after show the new title
    path = sorted(notes.rglob("*.md"))[20]
    text = path.read_text(encoding="utf-8")
    _touch_and_write(path, text.replace("title: Meeting", "title: Renamed meeting", 1))


def _share_a_paragraph(notes: Path) -> None:  # two notes become each other's most related
    for path in sorted(notes.rglob("*.md"))[3:5]:
        text = path.read_text(encoding="utf-8")
        _touch_and_write(path, text.replace("states: [Japan]", "states: [Japan]\nparagraphs: [2663 OP17]", 1))


CHANGES = [_add_page, _remove_page, _move_to_the_front, _give_a_new_role, _retitle, _share_a_paragraph]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__.strip("_"))
def test_a_rebuild_of_the_paginated_lists_equals_a_full_build(tmp_path, change):
    project = write_project(tmp_path / "p", _notes(51))
    request = Request(project / "site.toml")
    folder = tmp_path / "served"
    first = full_build(request, folder)
    assert first.published is not None, first.problems
    assert (folder / "states/japan/page/2/index.html").is_file()
    change(project / "notes")
    outcome = rebuild_notes(first.published, request, folder)
    assert not outcome.problems, outcome.problems
    apply(folder, outcome.writes)
    assert cli_main(["--config", str(project / "site.toml"), "build", "--no-search", "--out", str(tmp_path / "full")]) == 0
    served = {p: b for p, b in tree(folder).items() if not p.startswith("search/")}
    expected = {p: b for p, b in tree(tmp_path / "full").items() if not p.startswith("search/")}
    # The search page says whether an index exists: a --no-search build's differs by that.
    served.pop("search/index.html", None), expected.pop("search/index.html", None)
    missing, extra = sorted(expected.keys() - served.keys()), sorted(served.keys() - expected.keys())
    differing = sorted(p for p in expected.keys() & served.keys() if expected[p] != served[p])
    assert not (missing or extra or differing), (missing[:5], extra[:5], differing[:5])
