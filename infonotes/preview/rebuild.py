"""`serve`'s builds: the first one in full, then only what a change touches.

A `Published` is the last good build: the notes it was made of, the model, the page
plans and the renderers with their caches. A rebuild takes it and the changed paths and
returns `Writes` (site path -> new bytes, a finished file to move in, or None to delete)
and the next `Published`; `serve` applies the writes while requests wait, so that no
request ever sees half of a rebuild. A rebuild that finds a problem returns the problems
and writes nothing: the folder keeps the last good site.

Which pages a changed note touches is read from the page plans, not from a list of page
kinds: a plan about a term (a State, a year, a paragraph…) depends on the notes that term
lists, a plan about no term (home, indexes, feeds, sitemap…) may depend on any note. So a
note's change re-renders the plans of every term that lists it before or after the change,
the plans about no term, and, when a term appears or disappears, the plans of every term
of that kind (a year page lists the other years). Then only the pages whose bytes differ
from the folder's are written. The result is byte-identical to a full build of the same
files, which the tests check for every kind of change.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infonotes.archive.catalog import Catalog
from infonotes.archive.check import check_former_ids, check_ids
from infonotes.archive.load import NOTE_SUFFIXES, display_path
from infonotes.archive.model import Note, SiteModel, Term, build_model
from infonotes.archive.related import Neighbours, note_neighbours
from infonotes.commands.build import NotePageWriter, build_site, load_notes_from, notes_in
from infonotes.config import Config, load_config
from infonotes.output.write import PagesInMemory, files_under, refuse_collisions
from infonotes.pages.assets import ASSETS, LUNR_ASSET, theme_files
from infonotes.pages.plan import PagePlan, plan_pages
from infonotes.pages.opendata import DATA_PAGE
from infonotes.pages.render import SIZE_MARK, NotePages, SitePages, with_file_sizes, with_note_links
from infonotes.pages.urls import Links, file_of, note_path
from infonotes.problems import InputError
from infonotes.search.files import search_files
from infonotes.search.postings import FieldCounter

Stamp = tuple[int, int, int]
"""(mtime in ns, size, inode) of a note file when it was read: an editor's atomic save
gives the file a new inode even within one clock tick."""

Writes = dict[str, "bytes | Path | None"]
"""Site file path ('states/japan/index.html') -> its new bytes, a finished file to move
there, or None to remove it."""




@dataclass(frozen=True)
class Request:
    """What `serve` was asked to build."""

    config_path: Path
    notes_dir: Path | None = None
    drafts: bool = False

    def notes_folder(self, config: Config) -> Path:
        return self.notes_dir or config.notes_dir


@dataclass(frozen=True)
class Published:
    """The last good build: what the served folder holds, and what it was made from."""

    config: Config
    catalog: Catalog
    notes: Mapping[str, Note]
    """Every checked note file, drafts included, as the model holds them (no HTML body)."""
    stamps: Mapping[str, Stamp]
    """Of the note files, when they were read."""
    model: SiteModel
    plans: tuple[PagePlan, ...]
    members: Mapping[str, frozenset]
    """Note id -> the (kind, slug) of every term whose pages list it."""
    note_pages: NotePages
    site_pages: SitePages
    neighbours: Mapping[str, Neighbours]
    """Note id -> the notes its page links to (related, before and after)."""
    model_lags: bool = False
    """Some notes' body texts in `model` are older than in `notes` (after a body edit: only
    the search index reads them)."""


@dataclass(frozen=True)
class Outcome:
    published: Published | None
    """The next state: the previous one when an incremental rebuild found problems, None
    when a full build did."""
    writes: Writes
    problems: tuple = ()
    model_changed: bool = False
    """The search index must be made again from `published.model`."""
    full: bool = False
    """A full build: `writes` already hold the search index of `published.model`."""
    files: int = 0
    """How many files a full build wrote."""
    leftover: Path | None = None
    """A folder to remove once the writes are applied (what a full rebuild built)."""


# --- the first build, and full rebuilds -------------------------------------------------


def full_build(request: Request, folder: Path, build=build_site) -> Outcome:
    """Build everything with `build` (`build_site`, which forks its workers: from a process
    that runs threads, `Builder.build`). Into `folder` itself when it does not exist yet;
    else into a folder beside it, and the writes are the files that differ from it."""
    try:
        config = load_config(request.config_path)
        notes_dir = request.notes_folder(config)
        stamps = scan_notes(notes_dir)  # before reading: an edit made meanwhile shows next time
        target = folder if not folder.exists() else folder.parent / (folder.name + ".next")
        shutil.rmtree(target, ignore_errors=True)
        result = build(config, notes_dir=notes_dir, output_dir=target, drafts=request.drafts)
    except InputError as error:
        return Outcome(None, {}, tuple(error.problems))
    writes = {} if target == folder else differing_files(target, folder)
    by_shown = {display_path(Path(path)): path for path in stamps}
    # A file added while the build ran is not in `stamps`: the next rebuild reads it.
    notes = {by_shown[note.source]: note for note in result.checked if note.source in by_shown}
    links = Links(config.base_url, config.base_path)
    plans = tuple(plan_pages(result.model))
    published = Published(config, result.model.catalog, notes, {p: stamps[p] for p in notes}, result.model,
                          plans, memberships(plans), NotePages(config, links),
                          SitePages(config, links, result.model), result.neighbours)
    return Outcome(published, writes, model_changed=True, full=True, files=result.files,
                   leftover=None if target == folder else target)


def differing_files(built: Path, folder: Path) -> Writes:
    """The files of `built` whose bytes differ from `folder`'s, and `folder`'s files that
    `built` no longer has."""
    writes: Writes = {}
    seen = set()
    for path in files_under(built):
        seen.add(path)
        if not _same_bytes(built / path, folder / path):
            writes[path] = built / path
    for path in files_under(folder):
        if path not in seen:
            writes[path] = None
    return writes


def _same_bytes(one: Path, other: Path) -> bool:
    return _holds(other, one.read_bytes())


def warm_up(published: Published, stopping=lambda: False) -> None:
    """Render every page about no term once, for nothing: this fills the renderer's cache
    of list entries (all notes appear on the notes index), so that the first rebuild
    after start is as quick as the next ones. Stops early once `stopping()`."""
    for plan in published.plans:
        if stopping():
            return
        if term_key(plan.subject) is None:
            published.site_pages.render(plan)


# --- incremental rebuilds of notes ------------------------------------------------------


def rebuild_notes(published: Published, request: Request, folder: Path) -> Outcome:
    """Re-read the note files that changed since `published` (or were broken), and
    re-render the pages that list them; the writes hold only pages whose bytes differ."""
    try:
        current = scan_notes(request.notes_folder(published.config))
        changed = [p for p, stamp in current.items() if published.stamps.get(p) != stamp]
        gone = [p for p in published.notes if p not in current]
        if not changed and not gone:
            return Outcome(published, {})
        pages: dict[str, bytes] = {}
        fresh = _read_notes(published, changed, pages, request.drafts)
        notes = {path: note for path, note in published.notes.items() if path in current}
        notes.update(zip(_paths_of(fresh, changed), fresh))
        problems = archive_problems(current, notes.values())
        if problems:
            raise InputError(problems)
        return _rerender(published, request, folder, current, changed, gone, fresh, notes, pages)
    except InputError as error:
        return Outcome(published, {}, tuple(error.problems))


def archive_problems(files, notes) -> list:
    """What no single note shows, over the whole archive, as the full build checks it: two
    files with one id, a former id that is taken. (Only the files and ids concerned are
    turned into paths to show: that is most of the cost, for thousands of notes.)"""
    ids = defaultdict(list)
    for path in files:
        ids[os.path.basename(path).rsplit(".", 1)[0]].append(path)
    same = [Path(p) for paths in ids.values() if len(paths) > 1 for p in paths]
    formers = {former for note in notes for former in note.former_ids}
    taken = {i: display_path(Path(ids[i][0])) for i in formers if i in ids}
    return check_ids(sorted(same)) + check_former_ids(taken, notes)


def _read_notes(published: Published, files: list[str], pages: dict[str, bytes], drafts: bool) -> list[Note]:
    """Read and check `files` as the full build does, adding their pages to `pages`."""
    memory = PagesInMemory()
    notes = load_notes_from([Path(p) for p in sorted(files)], published.catalog, workers=1,
                            pages=NotePageWriter(memory, published.note_pages, drafts))
    pages.update(memory.files)
    return notes


def _paths_of(notes: list[Note], files: list[str]) -> list[str]:
    by_shown = {display_path(Path(path)): path for path in files}
    return [by_shown[note.source] for note in notes]


def _rerender(published: Published, request: Request, folder: Path, current: dict[str, Stamp],
              changed: list[str], gone: list[str], fresh: list[Note], notes: dict[str, Note],
              pages: dict[str, bytes]) -> Outcome:
    before = {published.notes[p].id: published.notes[p] for p in changed + gone if p in published.notes}
    after = {note.id: note for note in fresh}
    changed_ids = {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}
    if not changed_ids:  # the same notes: only their own pages may differ (a changed link, say)
        fill_note_links(published.note_pages, published.neighbours, fresh, pages)
        following = dataclasses.replace(published, notes=notes, stamps=current)
        return Outcome(following, _differing(pages, folder))
    if all(_as_listed(before.get(i)) == _as_listed(after.get(i)) for i in changed_ids):
        # Only body texts changed, which no page but the note's own shows (the tests of a
        # body edit check it against a full build): the model of the pages stays, and the
        # search index, which does read bodies, is made from `notes` afterwards.
        fill_note_links(published.note_pages, published.neighbours, fresh, pages)
        following = dataclasses.replace(published, notes=notes, stamps=current, model_lags=True)
        return Outcome(following, _differing(pages, folder), model_changed=True)
    model = build_model(notes.values(), published.catalog, request.drafts)
    plans = tuple(plan_pages(model))
    refuse_collisions([p.path for p in plans] + [note_path(n.id) for n in model.notes])
    members = memberships(plans)
    site_pages = published.site_pages.for_model(model, changed_ids)
    for plan in plans_to_render(published, plans, members, changed_ids):
        pages[file_of(plan.path)] = site_pages.render(plan)
    fill_file_sizes(pages, folder)
    neighbours = note_neighbours(model)
    fill_note_links(published.note_pages, neighbours, fresh, pages)
    relink_note_pages(published, neighbours, changed_ids, model, folder, pages)
    writes = _differing(pages, folder)
    # What may have to go: the old plans' files, and every file of a changed note's folder
    # (its page and the files beside it); what stays: the new plans' and the new notes' files.
    kept = {file_of(p.path) for p in plans} | pages.keys()
    for path in _old_files(published, changed_ids, folder):
        if path not in kept:
            writes[path] = None
    following = Published(published.config, published.catalog, notes, current, model, plans, members,
                          published.note_pages, site_pages, neighbours)
    return Outcome(following, writes, model_changed=True)


def fill_file_sizes(pages: dict[str, bytes], folder: Path) -> None:
    """The sizes of the downloads on the /data/ page, as the full build gives them: of the
    files just rendered, else of the served ones."""
    page = file_of(DATA_PAGE)
    if page not in pages:
        return
    wanted = {m.decode("utf-8") for m in SIZE_MARK.findall(pages[page])}
    sizes = {path: len(pages[path]) if path in pages else (folder / path).stat().st_size
             for path in wanted if path in pages or (folder / path).is_file()}
    pages[page] = with_file_sizes(pages[page], sizes)


def fill_note_links(note_pages: NotePages, neighbours: Mapping[str, Neighbours], fresh: list[Note],
                    pages: dict[str, bytes]) -> None:
    """Put the related notes and the notes before and after in the pages just rendered."""
    for note in fresh:
        path = file_of(note_path(note.id))
        if path in pages and note.id in neighbours:
            pages[path] = with_note_links(pages[path], note_pages.note_links(note, neighbours[note.id]))


def relink_note_pages(published: Published, neighbours: Mapping[str, Neighbours], changed_ids: set[str],
                      model: SiteModel, folder: Path, pages: dict[str, bytes]) -> None:
    """The pages of the other notes whose links changed: another related note, before or
    after, or one of them retitled or moved in time."""
    for note in model.notes:
        path = file_of(note_path(note.id))
        if path in pages:
            continue
        mine = neighbours[note.id]
        before = published.neighbours.get(note.id)
        if before is not None and before.ids() == mine.ids() and not changed_ids.intersection(mine.linked()):
            continue
        try:
            served = (folder / path).read_bytes()
        except FileNotFoundError:
            continue
        pages[path] = with_note_links(served, published.note_pages.note_links(note, mine))


def _as_listed(note: Note | None) -> Note | None:
    return None if note is None else dataclasses.replace(note, body_text="")


def search_model(published: Published, drafts: bool) -> SiteModel:
    """The model the search index is made of: with every note's newest body text."""
    if not published.model_lags:
        return published.model
    return build_model(published.notes.values(), published.catalog, drafts)


def plans_to_render(published: Published, plans: tuple[PagePlan, ...], members: Mapping[str, frozenset],
                    changed_ids: set[str]) -> list[PagePlan]:
    """The plans whose page may differ once the notes `changed_ids` changed (see the top)."""
    touched = set()
    for note_id in changed_ids:
        touched |= published.members.get(note_id, frozenset()) | members.get(note_id, frozenset())
    old_terms = {term_key(p.subject) for p in published.plans} - {None}
    new_terms = {term_key(p.subject) for p in plans} - {None}
    reshaped = {kind for kind, _ in old_terms ^ new_terms}
    old_paths = {p.path for p in published.plans}
    chosen = []
    for plan in plans:
        key = term_key(plan.subject)
        if key is None or key in touched or key[0] in reshaped or plan.path not in old_paths:
            chosen.append(plan)
    return chosen


def term_key(subject) -> tuple[str, str] | None:
    """(kind, slug) of a plan's subject when it is a term, ('note', id) when it is a note
    (a redirect from a former address); None for a page about no term."""
    if isinstance(subject, Term):
        return (subject.kind, subject.slug)
    if isinstance(subject, Note):
        return ("note", subject.id)
    return None


def memberships(plans) -> dict[str, frozenset]:
    """Note id -> the keys of the plan subjects that list the note (or are the note)."""
    found = defaultdict(set)
    seen = set()
    for plan in plans:
        key = term_key(plan.subject)
        if key is None or key in seen:
            continue
        seen.add(key)
        for note in plan.subject.notes if isinstance(plan.subject, Term) else (plan.subject,):
            found[note.id].add(key)
    return {note_id: frozenset(keys) for note_id, keys in found.items()}


def _old_files(published: Published, changed_ids: set[str], folder: Path) -> list[str]:
    found = [file_of(p.path) for p in published.plans]
    for note_id_ in changed_ids:
        note_folder = note_path(note_id_)
        if (folder / note_folder).is_dir():
            found += [note_folder + name for name in files_under(folder / note_folder)]
    return found


def _differing(pages: dict[str, bytes], folder: Path) -> Writes:
    return {path: data for path, data in pages.items() if not _holds(folder / path, data)}


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except (FileNotFoundError, NotADirectoryError):
        return False


# --- the theme, and the search index --------------------------------------------------


def rebuild_theme(published: Published, folder: Path) -> Outcome:
    """The theme's files, published under assets/ as the full build copies them."""
    pages = {path: source.read_bytes() for path, source in theme_files(published.config.theme_dir).items()}
    writes = _differing(pages, folder)
    for path in files_under(folder / ASSETS) if (folder / ASSETS).is_dir() else []:
        if ASSETS + path not in pages and ASSETS + path != LUNR_ASSET:
            writes[ASSETS + path] = None
    return Outcome(published, writes)


def search_writes(model: SiteModel, folder: Path, counter: FieldCounter | None = None) -> Writes:
    """The search index and store of `model`, where they differ from the folder's."""
    files = search_files(model, counter)
    return _differing({file_of(path): data for path, data in files.items()}, folder)


# --- applying writes ----------------------------------------------------------------


def apply(folder: Path, writes: Writes) -> None:
    """Write, move in or remove each file; remove the folders a removal leaves empty."""
    for path, data in sorted(writes.items()):
        target = folder / path
        if data is None:
            _remove(folder, target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            os.replace(data, target)
        else:
            target.write_bytes(data)


def _remove(folder: Path, target: Path) -> None:
    try:
        target.unlink()
    except FileNotFoundError:
        return
    parent = target.parent
    while parent != folder:
        try:
            parent.rmdir()
        except OSError:  # not empty
            return
        parent = parent.parent


def scan_notes(notes_dir: Path) -> dict[str, Stamp]:
    """Every note file (the files `load.find_note_files` finds, as strings: making
    thousands of Path objects costs more than the scan) and its stamp. A few milliseconds
    for thousands of notes, and it finds every change, whichever events the watcher saw."""
    if not Path(notes_dir).is_dir():
        notes_in(notes_dir)  # its problem, as a full build says it
    stamps: dict[str, Stamp] = {}
    folders = [str(Path(notes_dir))]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):  # removed meanwhile
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():  # as os.walk, which find_note_files uses
                        folders.append(entry.path)
                elif entry.name.endswith(NOTE_SUFFIXES):
                    info = entry.stat()
                    stamps[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)
            except FileNotFoundError:
                continue
    return stamps
