"""Every file the project writes goes through here.

- `Staging`: the site is written into a folder beside the output, which replaces the
  output in one rename once the build has succeeded. A failed build, or one interrupted
  halfway, leaves the output exactly as it was and leaves no staging folder behind.
  Every file of the site, whichever process writes it, is recorded by the staging
  folder, and two files on one path (also when only the case differs, as on the file
  systems of Windows and macOS, where a bundle is often opened) stop the build.
- `write_atomically`: one file (a note fixed by `check --fix`, the schema, the bundle's
  zip) written beside its target and renamed over it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from infonotes.output.parallel import CHUNK, map_beside, map_chunks
from infonotes.pages.assets import ASSETS
from infonotes.pages.urls import file_of
from infonotes.problems import InputError, Problem


def refuse_collisions(paths: Iterable[str]) -> None:
    """Two files on one path (also when only the case differs) are a bug or a slug clash."""
    seen: dict[str, str] = {}
    problems = []
    for path in paths:
        key = file_of(path).casefold()
        if key in seen:
            problems.append(_collision(file_of(path), f" ('{seen[key]}' and '{path}')"))
        else:
            seen[key] = path
    if problems:
        raise InputError(problems)


def _collision(name: str, which: str = "") -> Problem:
    hint = ("a file of the theme folder has the name of another file of assets/ (lunr.min.js, or "
            "one that differs only in case): rename it" if name.startswith(ASSETS) else "rename one of them")
    return Problem("site", 1, f"two pages would be written to '{name}'{which}; {hint}")


class Staging:
    """A folder beside the output that becomes the output when the build succeeds.

    Use as a context manager: leaving the block without `publish()` (an error, Ctrl-C)
    deletes the staging folder and leaves the output untouched. Write only through it:
    `write` and `copy` here, `map_chunks` and `map_beside` for work spread over worker
    processes, whose writes come back to be recorded here.
    """

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        self.folder = output_dir.parent / f".{output_dir.name}.building"
        self.published = False
        self.written: list[tuple[str, int]] = []
        """(site-relative path, size) of every file written, in any process."""
        self.added = 0
        """Bytes that `rewrite` added to files written before."""

    def __enter__(self) -> "Staging":
        _refuse_foreign_folder(self.output_dir)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        return self

    def __exit__(self, *exc) -> None:
        if not self.published:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def size(self) -> int:
        return sum(size for _, size in self.written) + self.added

    def write(self, path: str, data: bytes) -> None:
        """Write one file at a site-relative address ('states/japan/' is its index.html)."""
        name = file_of(path)
        target = self.folder / name
        try:
            _write_new(target, data, name)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_new(target, data, name)
        self.written.append((name, len(data)))

    def rewrite(self, path: str, change) -> int:
        """Replace a file written before with change(its bytes); how many bytes it grew."""
        name = file_of(path)
        with open(self.folder / name, "r+b") as file:
            data = file.read()
            changed = change(data)
            if changed != data:
                file.seek(0)
                file.write(changed)
                file.truncate()
        return len(changed) - len(data)

    def grew(self, added: int) -> None:
        """Count bytes added by `rewrite` in worker processes."""
        self.added += added

    def copy(self, source: Path, path: str) -> None:
        self.write(path, source.read_bytes())

    def map_chunks(self, function, items: list, workers: int | None = None, chunk: int = CHUNK) -> list:
        """`parallel.map_chunks` for a `function` that writes through this folder."""
        return self._results(map_chunks(partial(_recording, self, function), items, workers, chunk))

    def map_beside(self, function, items: list, job, workers: int | None = None) -> tuple[list, object]:
        """`parallel.map_beside` for a `function` that writes through this folder (and a
        `job` that may too: it runs in this process)."""
        parts, done = map_beside(partial(_recording, self, function), items, job, workers)
        return self._results(parts), done

    def _results(self, parts) -> list:
        # What a worker wrote it recorded in its own copy of this object: record it here.
        results = []
        for pid, part, written in parts:
            if pid != os.getpid():
                self.written += written
            results += part
        return results

    def publish(self) -> None:
        """Refuse two files on one path; then the staging folder becomes the output."""
        refuse_collisions(path for path, _ in self.written)
        old = self.output_dir.parent / f".{self.output_dir.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.output_dir.exists():
            os.replace(self.output_dir, old)
        os.replace(self.folder, self.output_dir)
        self.published = True
        shutil.rmtree(old, ignore_errors=True)


class PagesInMemory:
    """Takes what a build step writes, as `Staging` does, into a dict instead of a folder:
    `serve` compares the files of a rebuild with the served folder's before writing any."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        """Site file path ('states/japan/index.html') -> its bytes."""

    def write(self, path: str, data: bytes) -> None:
        self.files[file_of(path)] = data

    def rewrite(self, path: str, change) -> int:
        name = file_of(path)
        before = self.files[name]
        self.files[name] = change(before)
        return len(self.files[name]) - len(before)

    def grew(self, added: int) -> None:
        pass

    def map_chunks(self, function, items: list, workers: int | None = None, chunk: int = CHUNK) -> list:
        return map_chunks(function, items, 1, chunk)  # in this process: its dict is the one filled


def _recording(staging: Staging, function, items: list) -> list:
    """[(this process, function(items), the files it wrote meanwhile)]: one element, for
    the one chunk, which map_chunks puts in the order of the chunks."""
    mark = len(staging.written)
    results = function(items)
    return [(os.getpid(), results, staging.written[mark:])]


def _write_new(target: Path, data: bytes, name: str) -> None:
    # "x": a file that exists already means two pages for one path, whichever process wrote it first.
    try:
        with open(target, "xb") as out:
            out.write(data)
    except FileExistsError:
        raise InputError([_collision(name)]) from None


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, as a folder-relative path with '/' ('states/japan/index.html')."""
    found = []
    for parent, _, names in os.walk(folder):
        relative = os.path.relpath(parent, folder)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found += [prefix + name for name in names]
    return found


def _refuse_foreign_folder(output_dir: Path) -> None:
    # Replacing the output folder deletes what was in it: make sure it was a site of ours.
    if output_dir.is_dir() and any(output_dir.iterdir()) and not (output_dir / "index.html").is_file():
        raise InputError([Problem(str(output_dir), 1, (
            "the output folder is not empty and holds no built site (no index.html); "
            "refusing to replace it: choose another --out or empty it first"))])


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary file beside `path`, then rename it over `path` in one step: a
    crash leaves either the old file or the new one, never half of one."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
