"""How problems reach people: the one place that turns Problems into text.

`check`, `build`, the `serve` overlay and the pull-request annotations all format
problems here, so a contributor reads the same sentence wherever a mistake shows up:

    notes/2024/2024-05-06-workshop.md:7: unknown State 'Cambodja' (did you mean Cambodia?)
    notes/2024/2024-05-06-workshop.md:14: warning: 'summary' is missing; …

and, when GITHUB_ACTIONS=true, as workflow commands that GitHub shows on the pull
request's diff:

    ::error file=notes/2024/2024-05-06-workshop.md,line=7,title=…::unknown State …
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from infonotes.problems import WARNING, Problem


def annotation(problem: Problem) -> str:
    """A GitHub workflow command: `::error file=…,line=…,title=…::message`."""
    command = "warning" if problem.severity == WARNING else "error"
    title = "note check: warning" if problem.severity == WARNING else "note check"
    where = f"file={_property(problem.path)},line={problem.line}," if problem.line >= 1 else ""
    return f"::{command} {where}title={_property(title)}::{_data(problem.message)}"


def as_dict(problem: Problem) -> dict:
    """For pages and tools (the serve overlay): the fields and the plain line."""
    return {"path": problem.path, "line": problem.line, "severity": problem.severity,
            "message": problem.message, "text": str(problem)}


def grouped(problems: Iterable[Problem]) -> list[str]:
    """One line a problem, sorted by file then line; a blank line between files."""
    lines: list[str] = []
    previous = None
    for problem in sorted(problems, key=_order):
        if previous is not None and problem.path != previous:
            lines.append("")
        lines.append(str(problem))
        previous = problem.path
    return lines


def summary(problems: list[Problem], checked: Iterable[str] | None = None, *,
            strict: bool = False, notes_checked: bool = True) -> str:
    """The last line of a report: `3 problems in 2 of 1,204 notes`.

    Errors are counted as problems, warnings apart (`3 problems and 1 warning in …`).
    `checked` holds the (displayed) paths of the notes checked; without it the summary
    counts files, as a build does.
    """
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    counted = " and ".join(part for part in (
        _count(errors, "problem") if errors else "", _count(warnings, "warning") if warnings else "") if part)
    paths = {p.path for p in problems}
    if checked is None:
        return f"{counted or '0 problems'} in {_count(len(paths), 'file')}"
    checked = checked if isinstance(checked, (set, frozenset)) else set(checked)
    if not problems:
        return f"{_count(len(checked), 'note')} checked: no problems"
    in_notes = paths & checked
    others = sorted(paths - checked)
    places = []
    if in_notes or not others:
        places.append(f"{len(in_notes):,} of {_count(len(checked), 'note')}")
    if others:
        places.append(", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else ""))
    text = f"{counted} in {' and in '.join(places)}"
    if not notes_checked:
        text += "; the notes are checked once the catalogs have no problems"
    elif checked and not in_notes:  # the problems are all elsewhere (a catalog, a path given)
        text += f"; the {_count(len(checked), 'note')} checked {'has' if len(checked) == 1 else 'have'} none"
    if notes_checked and not errors:
        text += (" (--strict: warnings fail the check)" if strict else
                 " (warnings do not fail the check; --strict makes them fail)")
    return text


def print_report(problems: list[Problem], checked: Iterable[str] | None = None, *,
                 strict: bool = False, notes_checked: bool = True, github: bool | None = None,
                 stream=None) -> None:
    """Print the grouped problems and the summary (stderr), and the GitHub annotations
    (stdout) when running in GitHub Actions. A clean check prints its line on stdout."""
    stream = stream or sys.stderr
    if checked is not None and not problems and notes_checked:
        print(summary(problems, checked), file=sys.stdout)
        return
    for line in grouped(problems):
        print(line, file=stream)
    if problems:
        print("", file=stream)
    print(summary(problems, checked, strict=strict, notes_checked=notes_checked), file=stream)
    if in_github_actions() if github is None else github:
        stream.flush()
        for problem in sorted(problems, key=_order):
            print(annotation(problem), file=sys.stdout)


def fixed(fix) -> str:
    """One line per change made by `check --fix`: `path:line: field: old -> new`."""
    return f"{fix.path}:{fix.line}: {fix.field}: {fix.old} -> {fix.new}"


def fixed_summary(fixes) -> str:
    files = len({fix.path for fix in fixes})
    if not fixes:
        return "nothing to fix"
    return f"fixed {_count(len(fixes), 'value')} in {_count(files, 'file')}"


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _order(problem: Problem):
    return (problem.path, problem.line, problem.severity == WARNING, problem.message)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# GitHub's escaping of workflow command data and properties (actions/toolkit, command.ts).
def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
