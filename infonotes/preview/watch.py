"""What `serve` watches, and what a changed path means for the next rebuild.

The watchdog observer runs on a thread of its own and only drops paths into a
ChangeQueue; the rebuild thread takes them as one batch once the files have been
quiet for a moment, so that an editor's atomic save (write a temporary file, rename it
over the note) or a `git checkout` of many files makes one rebuild, not dozens.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from infonotes.archive.load import NOTE_SUFFIXES

NOTE = "note"
CATALOG = "catalog"
TEMPLATE = "template"
THEME = "theme"
CONFIG = "config"

QUIET = 0.05
"""Seconds without a new event before a batch is taken: an atomic save is over in well
under a millisecond, and a reader cannot tell 50 ms from nothing."""

# Events that say something was written, moved or removed. Reading a file (which every
# rebuild does) raises "opened" and "closed_no_write" events, which must never start
# another rebuild.
_WRITE_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed"})


@dataclass(frozen=True)
class Roots:
    """The inputs of a build, as absolute paths: what is watched and how a path is classified."""

    config: Path
    notes: Path
    data: Path
    templates: Path
    theme: Path

    @classmethod
    def of(cls, config_path: Path, config, notes_dir: Path | None) -> "Roots":
        return cls(_absolute(config_path), _absolute(notes_dir or config.notes_dir), _absolute(config.data_dir),
                   _absolute(config.templates_dir), _absolute(config.theme_dir))


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def is_temporary(name: str) -> bool:
    """Editors' scratch files: Vim's swap files and its `4913` probe, Emacs' `#x#` and
    `.#x` locks, backups ending in `~`, JetBrains' safe-write files, hidden files."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", "___jb_tmp___",
                                                          "___jb_old___"))
            or name == "4913")


def change_kind(path: Path, roots: Roots) -> str | None:
    """NOTE, CATALOG, TEMPLATE, THEME or CONFIG for a changed path; None for a path that
    changes nothing in the site (a temporary file, a file outside the inputs)."""
    path = _absolute(path)
    if path == roots.config:
        return CONFIG
    for root, kind in ((roots.notes, NOTE), (roots.data, CATALOG), (roots.templates, TEMPLATE),
                       (roots.theme, THEME)):
        if path != root and root not in path.parents:
            continue
        parts = path.relative_to(root).parts
        if any(is_temporary(part) for part in parts):
            return None
        if kind == NOTE and "." in path.name and not path.name.endswith(NOTE_SUFFIXES):
            return None  # an image or a text file beside the notes; folders still count
        if kind == CATALOG and path != root and not path.name.endswith((".yaml", ".yml")):
            return None  # the catalog is the YAML files; note.schema.json is made from them
        return kind
    return None


class ChangeQueue:
    """Changed paths and their kind, put by the watcher thread, taken in quiet batches."""

    def __init__(self):
        self._changed = threading.Condition()
        self._paths: dict[Path, str] = {}
        self._last = 0.0
        self._stopped = False

    def put(self, path: Path, kind: str) -> None:
        with self._changed:
            self._paths[path] = kind
            self._last = time.monotonic()
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def take(self, quiet: float = QUIET) -> dict[Path, str] | None:
        """Block until paths have changed and nothing more changed for `quiet` seconds;
        then return them all (None once stopped)."""
        with self._changed:
            while not self._stopped:
                if not self._paths:
                    self._changed.wait()
                    continue
                left = self._last + quiet - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                batch, self._paths = self._paths, {}
                return batch
            return None


class _Handler(FileSystemEventHandler):
    """Puts every change that matters into the queue (on the observer's thread)."""

    def __init__(self, roots: Roots, queue: ChangeQueue):
        super().__init__()
        self.roots = roots
        self.queue = queue

    def on_any_event(self, event):
        if event.event_type not in _WRITE_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file in it was added or removed: that file has an event of its own
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(os.fsdecode(raw))
                kind = change_kind(path, self.roots)
                if kind is not None:
                    self.queue.put(path, kind)


def start_watching(roots: Roots, queue: ChangeQueue) -> Observer:
    """A running watchdog observer that puts every relevant change into `queue`."""
    observer = Observer()
    handler = _Handler(roots, queue)
    for folder in dict.fromkeys((roots.notes, roots.data, roots.templates, roots.theme)):
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=True)
    # site.toml: its folder, not recursively (the folder may hold notes/ and much else).
    observer.schedule(handler, str(roots.config.parent), recursive=False)
    observer.daemon = True
    observer.start()
    return observer
