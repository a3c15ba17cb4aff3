"""`build`: check the archive, then write the whole site. `build_site` is the checklist.

Steps hand data forward only. Every file goes into a staging folder (output/write.py);
any problem in the input stops the build before `publish`, so the output folder changes
only when everything succeeded.
"""
from __future__ import annotations

import dataclasses
import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from infonotes.archive.catalog import Catalog, load_catalog
from infonotes.archive.check import check_former_ids, check_ids, check_source
from infonotes.archive.load import Source, display_path, find_note_files, note_id, read_source
from infonotes.archive.markdown import make_markdown
from infonotes.archive.model import Note, SiteModel, build_model
from infonotes.archive.related import Neighbours, note_neighbours
from infonotes.config import Config
from infonotes.output.parallel import map_chunks, worker_count
from infonotes.output.write import Staging
from infonotes.pages.assets import asset_files
from infonotes.pages.plan import PagePlan, plan_pages
from infonotes.pages.opendata import DATA_PAGE
from infonotes.pages.render import NotePages, Offline, SitePages, with_file_sizes, with_note_links
from infonotes.pages.urls import Links, note_path
from infonotes.problems import InputError, Problem
from infonotes.search.documents import plain_text
from infonotes.search.files import search_files


@dataclass
class Timings:
    """How long each step of a build took, in the order they ran (printed after `built`)."""

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
    """Published notes."""
    files: int
    bytes: int
    timings: Timings
    model: SiteModel
    """What was built: `serve` keeps it to rebuild only what a change touches."""
    checked: tuple[Note, ...]
    """Every checked note, drafts included, as the model holds them (no HTML body)."""
    neighbours: dict[str, Neighbours]
    """Note id -> the notes its page links to (related, before and after)."""


def build_site(config: Config, *, notes_dir: Path | None = None, output_dir: Path | None = None,
               drafts: bool = False, workers: int | None = None, links: Links | None = None,
               offline: Offline | None = None, search: bool = True) -> BuildResult:
    """Check everything, then write the whole site; raise InputError on any problem.

    `links` and `offline` make an offline copy (the bundle): relative links that name
    their files, and a footer that says what the copy is. Without `search`, the search
    index is left out (the search page says search is not available).
    """
    step = Timings()
    links = links or Links(config.base_url, config.base_path)
    catalog = step.run("catalogs", load_catalog, config.data_dir, display_path(config.data_dir))
    files = step.run("find", notes_in, notes_dir or config.notes_dir)
    note_pages = step.run("templates", NotePages, config, links, offline)
    with Staging(output_dir or config.output_dir) as site:
        # A note's page depends on that note alone: the process that reads a note writes
        # its page, while the HTML of its body is at hand.
        notes = step.run("notes and their pages", load_notes_from, files, catalog, workers=workers,
                         pages=NotePageWriter(site, note_pages, drafts), keep_text=search)
        model = step.run("model", build_model, notes, catalog, drafts)
        plans = step.run("plans", plan_pages, model)
        neighbours = step.run("related notes", note_neighbours, model)
        site_pages = SitePages(config, links, model, offline)
        # The note pages get their links to other notes along with the site pages.
        work = partial(_write_pages, site, site_pages, partial(_fill_note_links, site, note_pages, neighbours))
        items = [*plans, *model.notes]
        if search:
            # The index is one job that does not split: this process makes it while the
            # other cores write the site pages, then helps them finish.
            index = partial(step.run, "search index", write_search_index, site, model)
            grown, _ = step.run("site pages and search index", site.map_beside, work, items, index,
                                _other_cores(workers))
        else:
            grown = step.run("site pages", site.map_chunks, work, items, workers)
        site.grew(sum(grown))
        step.run("file sizes", show_file_sizes, site)
        step.run("assets", copy_assets, site, config.theme_dir)
        step.run("publish", site.publish)
    return BuildResult(len(model.notes), len(site.written), site.size, step, model, tuple(notes), neighbours)


def notes_in(notes_dir: Path) -> list[Path]:
    if not notes_dir.is_dir():
        raise InputError([Problem(str(notes_dir), 1, "the notes folder does not exist")])
    return find_note_files(notes_dir)


# --- the notes, and their pages ---------------------------------------------------------

BATCH = 50
"""Notes that go through each stage (read, Markdown, check, page) before the next stage
starts: a stage run over many notes keeps its code and data in the CPU's caches."""


@dataclass(frozen=True)
class NotePageWriter:
    """Writes a note's page (none for a draft the build leaves out) into `site`: a
    `Staging` folder, or a `PagesInMemory` for `serve`'s rebuilds."""

    site: object
    pages: NotePages
    drafts: bool

    def write(self, note: Note) -> None:
        if note.draft and not self.drafts:
            return
        for path, data in self.pages.files(note):
            self.site.write(path, data)


def load_notes_from(files: list[Path], catalog: Catalog, *, workers: int | None = None,
                    pages: NotePageWriter | None = None, keep_text: bool = True) -> list[Note]:
    """Read, check and render every note in parallel; every problem of every file at once.

    With `pages`, each good note's page is written by the process that read it, and the
    note comes back without its HTML body (the pages that list notes never need it) but
    with its plain text for the search index (unless `keep_text` is off: a build
    without search has no use for it).
    """
    problems = check_ids(files)
    read = partial(_read_batch, catalog, make_markdown(), pages, keep_text)
    run = pages.site.map_chunks if pages is not None else map_chunks
    notes = []
    for note, found in run(read, files, workers, chunk=BATCH):
        problems += found
        if note is not None:
            notes.append(note)
    problems += check_former_ids({note_id(p): display_path(p) for p in files}, notes)
    if problems:
        raise InputError(problems)
    return notes


def _read_batch(catalog: Catalog, markdown, pages: NotePageWriter | None, keep_text: bool,
                files: list[Path]) -> list[tuple[Note | None, list[Problem]]]:
    """(the note or None, its problems) for each file, in order: each stage over the whole
    batch before the next."""
    with _no_cycle_collection():
        sources = [_read_or_problems(path) for path in files]
        bodies = [markdown.render(source.body) if isinstance(source, Source) else "" for source in sources]
        checked = [check_source(source, catalog, body) if isinstance(source, Source) else (None, source)
                   for source, body in zip(sources, bodies)]
        if pages is None:
            return checked
        return [(_page_written(note, pages, keep_text), problems) for note, problems in checked]


def _page_written(note: Note | None, pages: NotePageWriter, keep_text: bool) -> Note | None:
    """Write the note's page; the note as it travels on, without its HTML body."""
    if note is None:
        return None
    pages.write(note)
    return dataclasses.replace(note, body_html="", body_text=plain_text(note.body_html) if keep_text else "")


@contextmanager
def _no_cycle_collection():
    """Reading and rendering notes makes no reference cycles (a test proves it), so the
    cycle collector would only walk the objects of the notes done so far, again and again,
    every few hundred allocations."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_or_problems(path: Path) -> Source | list[Problem]:
    try:
        return read_source(path, display_path(path))
    except InputError as error:
        return error.problems


# --- what a note's page shows of other notes ---------------------------------------------

def _fill_note_links(site, note_pages: NotePages, neighbours: dict[str, Neighbours], note: Note) -> int:
    """Put the related notes and the notes before and after into the note's page, written
    before the model was known; how many bytes the page grew."""
    links = note_pages.note_links(note, neighbours[note.id])
    return site.rewrite(note_path(note.id), partial(with_note_links, links=links))


# --- the site pages, the search index, the assets ---------------------------------------

def show_file_sizes(site: Staging) -> None:
    """The /data/ page gives the size of each download, known once every file is written."""
    sizes = dict(site.written)
    site.grew(site.rewrite(DATA_PAGE, partial(with_file_sizes, sizes=sizes)))


def _write_pages(site: Staging, site_pages: SitePages, fill_note_links, items: list) -> list[int]:
    """Write the page of each PagePlan, fill in the links of each Note's page; the bytes
    each item added to pages written before (none for a new page)."""
    grown = []
    for item in items:
        if isinstance(item, PagePlan):
            site.write(item.path, site_pages.render(item))
            grown.append(0)
        else:
            grown.append(fill_note_links(item))
    return grown


def _other_cores(workers: int | None) -> int:
    return (worker_count() if workers is None else workers) - 1


def write_search_index(site: Staging, model: SiteModel) -> None:
    """search/index.js and search/store.js, the search page's data."""
    for path, data in search_files(model).items():
        site.write(path, data)


def copy_assets(site: Staging, theme_dir: Path) -> None:
    for path, source in asset_files(theme_dir):
        site.copy(source, path)
