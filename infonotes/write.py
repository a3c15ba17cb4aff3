"""Stage 5: write every page into a staging folder, then put it in place in one step.

The published folder is only ever replaced by a complete site: a failed build, or one
interrupted halfway, leaves it exactly as it was.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .parallel import map_slices
from .problems import InputError, Problem
from .urls import file_of


@dataclass(frozen=True)
class WriteReport:
    pages: int
    bytes: int


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


def write_site(pages: list, render, output_dir: Path, assets: list[tuple[Path, str]],
               workers: int | None = None) -> WriteReport:
    """Render `pages` (objects with a `.path`) with `render(page) -> bytes` into `output_dir`.

    `assets` are (source file, site-relative path) pairs copied as they are.
    """
    refuse_collisions([p.path for p in pages] + [target for _, target in assets])
    _refuse_foreign_folder(output_dir)
    staging = output_dir.parent / f".{output_dir.name}.building"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        sizes = map_slices(partial(_write_pages, render, staging), pages, workers)
        for source, target in assets:
            destination = staging / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            sizes.append(destination.stat().st_size)
        _swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(pages=len(sizes), bytes=sum(sizes))


def _write_pages(render, staging: Path, pages: list) -> list[int]:
    sizes = []
    made: set[str] = set()
    for page in pages:
        target = staging / file_of(page.path)
        folder = str(target.parent)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        data = render(page)
        target.write_bytes(data)
        sizes.append(len(data))
    return sizes


def _refuse_foreign_folder(output_dir: Path) -> None:
    # Replacing the output folder deletes what was in it: make sure it was a site of ours.
    if output_dir.is_dir() and any(output_dir.iterdir()) and not (output_dir / "index.html").is_file():
        raise InputError([Problem(str(output_dir), 1, (
            "the output folder is not empty and holds no built site (no index.html); "
            "refusing to replace it: choose another --out or empty it first"))])


def _swap_in(staging: Path, output_dir: Path) -> None:
    old = output_dir.parent / f".{output_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if output_dir.exists():
        os.replace(output_dir, old)
    os.replace(staging, output_dir)
    shutil.rmtree(old, ignore_errors=True)
