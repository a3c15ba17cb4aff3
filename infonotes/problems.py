"""Problems found in the input, reported to people as `path:line: message`.

How a problem is shown (a plain line, a GitHub annotation, a summary) is decided in one
place, `report.py`; this module only holds what a problem is.
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
        from infonotes.report import plain  # one place formats problems
        return plain(self)


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
