"""`check`: the catalogs and every note under the given paths, in parallel; errors,
warnings and (with --fix) the fixes that need no judgment.

The same checker as the build (`check.check_source`), without rendering Markdown, plus
the warnings a build does not stop for (`check.check_with_warnings`). Fast enough to run on
every save: a 5,000-note archive in well under two seconds on two cores.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from infonotes.archive.catalog import Catalog, load_catalog
from infonotes.archive.check import check_former_ids, check_ids, check_with_warnings
from infonotes.archive.load import display_path, find_note_files, note_id, read_source
from infonotes.archive.model import build_model
from infonotes.commands.fix import Fix, apply_fixes, plan_fixes
from infonotes.config import Config
from infonotes.output.parallel import map_chunks
from infonotes.pages.permalinks import dropped_addresses, read_published
from infonotes.problems import InputError, Problem


@dataclass
class CheckResult:
    problems: list[Problem]
    """Errors and warnings, sorted."""
    checked: list[str]
    """The note files checked, as shown in messages."""
    notes_checked: bool = True
    """False when the catalogs have errors: notes cannot be checked against them."""
    fixes: list[Fix] = field(default_factory=list)
    """The fixes written (with --fix)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def check_archive(config: Config, paths: list[Path] | None = None, *, fix: bool = False,
                  workers: int | None = None, published: str | None = None) -> CheckResult:
    """Check the catalogs and the notes under `paths` (default: the notes folder).

    The whole archive (no `paths`) is also compared with the list of addresses of the
    published site: `published` (a file or URL), else the settings' published-urls.txt
    when it exists; an address the archive would lose is an error.
    """
    problems: list[Problem] = []
    catalog = None
    try:
        catalog = load_catalog(config.data_dir, display_path(config.data_dir))
    except InputError as error:
        problems += error.problems
    files, missing = _note_files(paths or [config.notes_dir], default=not paths)
    problems += missing
    checked = [display_path(path) for path in files]
    if catalog is None:
        return CheckResult(sorted(set(problems)), checked, notes_checked=False)
    problems += check_ids(files)
    results = map_chunks(partial(_check_files, catalog, fix), files, workers)
    fixes: list[Fix] = []
    by_file: dict[Path, list[Problem]] = {}
    notes = {}
    for path, (found, planned, note) in zip(files, results):
        by_file[path] = found
        fixes += planned
        notes[path] = note
    if fixes:
        fixes = _write_fixes(files, fixes)
        for path in _paths_of(files, fixes):  # check again what was rewritten
            by_file[path], _, notes[path] = _check_files(catalog, False, [path])[0]
    for found in by_file.values():
        problems += found
    good = [note for note in notes.values() if note is not None]
    problems += check_former_ids({note_id(path): display_path(path) for path in files}, good)
    # Which addresses the site will have is known only from the whole archive, free of errors.
    source = published or (str(config.published_urls) if config.published_urls.is_file() else None)
    if source and not paths and not any(p.is_error for p in problems):
        problems += _dropped_addresses(source, good, catalog, config.retired_urls)
    return CheckResult(sorted(set(problems)), checked, True, fixes)


def _dropped_addresses(source: str, notes, catalog: Catalog, retired_file: Path) -> list[Problem]:
    """Errors for the published addresses the archive would lose, but those retired on
    purpose (listed in `retired_file`)."""
    shown = source if "://" in source else display_path(Path(source))
    found, problems = read_published(source, shown)
    retired = set()
    if retired_file.is_file():
        listed, more = read_published(str(retired_file), display_path(retired_file))
        problems += more
        retired = {address for _, address in listed.addresses} if listed else set()
    if found is not None:
        problems += dropped_addresses(found, build_model(notes, catalog), retired)
    return problems


def _note_files(paths: list[Path], default: bool) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files += find_note_files(path)
        elif path.is_file():
            files.append(path)
        elif default:
            problems.append(Problem(display_path(path), 1, "the notes folder does not exist"))
        else:
            problems.append(Problem(display_path(path), 1, "no such file or folder"))
    return sorted(set(files)), problems


def _check_files(catalog: Catalog, fix: bool, files: list[Path]) -> list:
    """For each file: (its errors and warnings, the fixes it needs, the note or None)."""
    results = []
    for path in files:
        shown = display_path(path)
        try:
            source = read_source(path, shown)
        except InputError as error:
            results.append((error.problems, [], None))
            continue
        note, found = check_with_warnings(source, catalog)
        results.append((found, plan_fixes(path, shown, catalog) if fix else [], note))
    return results


def _paths_of(files: list[Path], fixes: list[Fix]) -> list[Path]:
    shown = {fix.path for fix in fixes}
    return [path for path in files if display_path(path) in shown]


def _write_fixes(files: list[Path], fixes: list[Fix]) -> list[Fix]:
    """Apply the fixes file by file; the fixes written."""
    written = []
    for path in _paths_of(files, fixes):
        shown = display_path(path)
        mine = [fix for fix in fixes if fix.path == shown]
        if apply_fixes(path, mine):
            written += mine
    return written
