"""The build, as a checklist: each step one call, each step timed.

    catalogs -> notes (read, check, render Markdown) -> model -> page plan -> write

Steps only hand data forward. Any problem in the input stops the build before the
write step, so the output folder changes only when everything succeeded.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .catalog import Catalog, load_catalog
from .check import check_ids, check_source
from .config import Config
from .load import display_path, find_note_files, read_source
from .markdown import make_markdown
from .model import Note, build_model
from .parallel import map_slices
from .problems import InputError, Problem
from .render import Renderer, plan_pages
from .urls import Links
from .write import WriteReport, write_site


@dataclass
class Timings:
    steps: list[tuple[str, float]] = field(default_factory=list)

    def run(self, name: str, function, *args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        self.steps.append((name, time.perf_counter() - start))
        return result

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.steps)


@dataclass(frozen=True)
class BuildResult:
    notes: int
    report: WriteReport
    timings: Timings


def build_site(config: Config, *, notes_dir: Path | None = None, output_dir: Path | None = None,
               drafts: bool = False, workers: int | None = None) -> BuildResult:
    """Check everything, then write the whole site; raise InputError on any problem."""
    timings = Timings()
    catalog = timings.run("catalogs", load_catalog, config.data_dir, display_path(config.data_dir))
    notes = timings.run("notes", load_notes, notes_dir or config.notes_dir, catalog, workers)
    model = timings.run("model", build_model, notes, catalog, drafts)
    links = Links(config.base_url, config.base_path)
    renderer = timings.run("templates", Renderer, config, model, links, "assets/style.css")
    pages = timings.run("plan", plan_pages, model)
    report = timings.run("write", write_site, pages, renderer.render, output_dir or config.output_dir,
                         theme_assets(config.theme_dir), workers)
    return BuildResult(len(model.notes), report, timings)


def check_paths(config: Config, paths: list[Path] | None = None, workers: int | None = None) -> int:
    """Check the catalogs and the notes under `paths` (default: the notes folder).

    Returns how many note files were checked; raises InputError with every problem.
    """
    problems: list[Problem] = []
    catalog = None
    try:
        catalog = load_catalog(config.data_dir, display_path(config.data_dir))
    except InputError as error:
        problems += error.problems
    files = note_files(paths or [config.notes_dir])
    if catalog is not None:
        try:
            load_notes_from(files, catalog, workers)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return len(files)


def note_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += find_note_files(path)
        elif path.exists():
            files.append(path)
        else:
            raise InputError([Problem(str(path), 1, "no such file or folder")])
    return sorted(set(files))


def load_notes(notes_dir: Path, catalog: Catalog, workers: int | None = None) -> list[Note]:
    if not notes_dir.is_dir():
        raise InputError([Problem(str(notes_dir), 1, "the notes folder does not exist")])
    return load_notes_from(find_note_files(notes_dir), catalog, workers)


def load_notes_from(files: list[Path], catalog: Catalog, workers: int | None = None) -> list[Note]:
    """Read, check and render every note, in parallel; every problem of every file at once."""
    problems = check_ids(files)
    results = map_slices(partial(_read_and_check, catalog), files, workers)
    notes = []
    for note, found in results:
        problems += found
        if note is not None:
            notes.append(note)
    if problems:
        raise InputError(problems)
    return notes


def _read_and_check(catalog: Catalog, files: list[Path]) -> list[tuple[Note | None, list[Problem]]]:
    markdown = make_markdown()
    results = []
    for path in files:
        try:
            source = read_source(path, display_path(path))
        except InputError as error:
            results.append((None, error.problems))
            continue
        results.append(check_source(source, catalog, markdown.render(source.body)))
    return results


def theme_assets(theme_dir: Path) -> list[tuple[Path, str]]:
    """Every file of the theme folder, published under assets/."""
    if not theme_dir.is_dir():
        return []
    return [(path, "assets/" + path.relative_to(theme_dir).as_posix())
            for path in sorted(theme_dir.rglob("*")) if path.is_file() and not path.name.startswith(".")]
