"""Stage 5: write pages into a staging folder, then put it in place in one step.

The published folder is only ever replaced by a complete site: a failed build, or one
interrupted halfway, leaves it exactly as it was and leaves no staging folder behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

from infonotes.output.parallel import map_beside, map_chunks
from infonotes.pages.urls import file_of
from infonotes.problems import InputError, Problem


def refuse_collisions(paths: list[str]) -> None:
    """Two pages on one file (also when only the case differs) are a bug or a slug clash."""
    seen: dict[str, str] = {}
    problems = []
    for path in paths:
        key = file_of(path).casefold()
        if key in seen:
            problems.append(Problem("site", 1, f"two pages would be written to '{file_of(path)}' "
                                               f"('{seen[key]}' and '{path}'); rename one of them"))
        else:
            seen[key] = path
    if problems:
        raise InputError(problems)


class Staging:
    """A folder beside the output that becomes the output when the build succeeds.

    Use as a context manager: leaving the block without `publish()` (an error, Ctrl-C)
    deletes the staging folder and leaves the output untouched.
    """

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        self.folder = output_dir.parent / f".{output_dir.name}.building"
        self.published = False

    def __enter__(self) -> "Staging":
        _refuse_foreign_folder(self.output_dir)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        return self

    def __exit__(self, *exc) -> None:
        if not self.published:
            shutil.rmtree(self.folder, ignore_errors=True)

    def write(self, path: str, data: bytes) -> int:
        """Write one page at a site-relative address; returns its size."""
        target = self.folder / file_of(path)
        try:
            target.write_bytes(data)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return len(data)

    def write_pages(self, pages: list, render, workers: int | None = None) -> list[int]:
        """Render `pages` (objects with `.path`) with `render(page) -> bytes`, in parallel;
        the size of each file written."""
        return map_chunks(partial(_write_slice, self, render), pages, workers)

    def write_pages_beside(self, pages: list, render, job, workers: int | None = None) -> tuple[list[int], object]:
        """`write_pages` while this process runs `job()` (see `map_beside`): (the sizes,
        what `job` returned)."""
        return map_beside(partial(_write_slice, self, render), pages, job, workers)

    def copy(self, source: Path, path: str) -> int:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target.stat().st_size

    def publish(self) -> None:
        old = self.output_dir.parent / f".{self.output_dir.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.output_dir.exists():
            os.replace(self.output_dir, old)
        os.replace(self.folder, self.output_dir)
        self.published = True
        shutil.rmtree(old, ignore_errors=True)


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, as a folder-relative path with '/' ('states/japan/index.html')."""
    found = []
    for parent, _, names in os.walk(folder):
        relative = os.path.relpath(parent, folder)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found += [prefix + name for name in names]
    return found


def _write_slice(staging: Staging, render, pages: list) -> list[int]:
    return [staging.write(page.path, render(page)) for page in pages]


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
