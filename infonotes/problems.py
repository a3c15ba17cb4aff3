"""Problems found in the input, reported to people as `path:line: message`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with one input file."""

    path: str
    """The file, as the user would type it (relative to the working folder when possible)."""
    line: int
    """1-based, counted from the top of the file, front matter included."""
    message: str
    """What is wrong and, when we can tell, what to write instead."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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
