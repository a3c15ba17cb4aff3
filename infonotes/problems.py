"""Problems found in the input, as data: what is wrong, in which file, on which line.

A problem's own text is the line people read, `path:line: message`; how problems are
gathered for a terminal, a GitHub annotation or the preview's overlay is `report.py`'s.
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
"""Stops `check` (exit status 1) and `build`."""
WARNING = "warning"
"""Shown by `check`, but fails it only with `--strict`; never stops a build."""


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with one input file."""

    path: str
    """The file, as the user would type it (relative to the working folder when possible)."""
    line: int
    """1-based, counted from the top of the file, front matter included."""
    message: str
    """What is wrong and, when we can tell, what to write instead."""
    severity: str = ERROR
    """ERROR or WARNING."""

    @property
    def is_error(self) -> bool:
        return self.severity != WARNING

    def __str__(self) -> str:
        """`path:line: message`, with `warning: ` before the message of a warning; only
        `path: message` for a problem that is not in a file (a command-line argument)."""
        marker = "warning: " if self.severity == WARNING else ""
        if self.line < 1:
            return f"{self.path}: {marker}{self.message}"
        return f"{self.path}:{self.line}: {marker}{self.message}"


class InputError(Exception):
    """The input has problems; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s)")

    def __reduce__(self):  # travels back from worker processes
        return (InputError, (self.problems,))


def did_you_mean(suggestions: list[str]) -> str:
    """' (did you mean X?)', ' (did you mean X or Y?)', or '' when there is nothing to suggest."""
    if not suggestions:
        return ""
    if len(suggestions) == 1:
        return f" (did you mean {suggestions[0]}?)"
    return f" (did you mean {', '.join(suggestions[:-1])} or {suggestions[-1]}?)"
