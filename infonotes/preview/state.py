"""What the preview's threads share: the folder and its lock, and the `Live` status.

The rebuild and search threads (threads.py) write the folder while holding its lock and
publish each change as a new `Live` value; request threads (server.py) read the folder
under the same lock, and wait on `Status` for the next value to tell the browsers.
"""
from __future__ import annotations

import dataclasses
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Live:
    """What browsers and tools are told about the preview; replaced, never changed."""

    epoch: int = 0
    """Counts the rebuilds that changed the site."""
    css_from: int = 0
    """The epoch since which every rebuild changed stylesheets only (a browser at that
    epoch or later may swap its stylesheets instead of reloading)."""
    search: int = 0
    """The epoch whose notes the search index holds."""
    builds: int = 0
    """Every rebuild, successful or not."""
    problems: tuple = ()
    """`report.as_dict` of each problem of the last rebuild; empty when it succeeded."""
    rebuilding: bool = False
    last: dict = dataclasses.field(default_factory=dict)
    """Timings of the last rebuild (wall clock, for the benchmark)."""

    @property
    def busy(self) -> bool:
        return self.rebuilding or self.search < self.epoch

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "css_from": self.css_from, "search": self.search, "builds": self.builds,
                "problems": list(self.problems), "busy": self.busy, "last": self.last}


class Status:
    """The current `Live` value, and a way to wait for the next one."""

    def __init__(self):
        self._changed = threading.Condition()
        self._live = Live()
        self.stopping = False

    def current(self) -> Live:
        with self._changed:
            return self._live

    def update(self, **changes) -> Live:
        with self._changed:
            self._live = dataclasses.replace(self._live, **changes)
            self._changed.notify_all()
            return self._live

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    def wait_newer(self, seen: Live, timeout: float) -> Live:
        with self._changed:
            self._changed.wait_for(lambda: self._live is not seen or self.stopping, timeout)
            return self._live


class FolderLock:
    """Many requests read the folder at once; a rebuild writes it alone, and requests
    made meanwhile wait for it to finish."""

    def __init__(self):
        self._free = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self):
        with self._free:
            self._free.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._free:
                self._readers -= 1
                self._free.notify_all()

    @contextmanager
    def writing(self):
        with self._free:
            self._free.wait_for(lambda: not self._writing)
            self._writing = True  # new readers wait from now on
            self._free.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._free:
                self._writing = False
                self._free.notify_all()


@dataclass(frozen=True)
class Served:
    """The folder, its lock and the status: what every thread of the preview holds (the
    server hands it to each request handler)."""

    folder: Path
    """Resolved: every file served must resolve to a path inside it."""
    lock: FolderLock
    status: Status
