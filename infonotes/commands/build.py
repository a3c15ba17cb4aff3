"""The build, as a checklist: each step one call, each step timed.

    catalogs -> notes (read, check, render Markdown, write the note's page) -> model
             -> site pages (indexes, terms, feeds, sitemap), with the search index and
                store made beside them -> assets -> publish

Steps hand data forward only. Pages go to a staging folder; any problem in the input
stops the build before `publish`, so the output folder changes only when all succeeded.
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
from infonotes.config import Config
from infonotes.output.parallel import map_chunks, worker_count
from infonotes.output.write import Staging, refuse_collisions
from infonotes.pages.render import NotePages, Offline, SitePages, plan_pages
from infonotes.pages.urls import Links, note_path
from infonotes.problems import InputError, Problem
from infonotes.search.index import plain_text, search_files


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
    files: int
    bytes: int
    timings: Timings
    model: SiteModel | None = None
    """What was built: `serve` keeps it to rebuild only what a change touches."""
    checked: tuple[Note, ...] = ()
    """Every checked note, drafts included, as the model holds them (no HTML body)."""


def build_site(config: Config, *, notes_dir: Path | None = None, output_dir: Path | None = None,
               drafts: bool = False, workers: int | None = None, links: Links | None = None,
               offline: Offline | None = None, search: bool = True) -> BuildResult:
    """Check everything, then write the whole site; raise InputError on any problem.

    `links` and `offline` make an offline copy (the bundle): relative links that name
    their files, and a footer that says what the copy is. Without `search`, the search
    index is left out (the search page says search is not available).
    """
    timings = Timings()
    links = links or Links(config.base_url, config.base_path)
    catalog = timings.run("catalogs", load_catalog, config.data_dir, display_path(config.data_dir))
    files = timings.run("find", notes_in, notes_dir or config.notes_dir)
    note_pages = timings.run("templates", NotePages, config, links, offline)
    with Staging(output_dir or config.output_dir) as staging:
        write_note_page = partial(_write_note_page, staging, note_pages, drafts)
        notes, sizes = timings.run("notes", load_notes_from, files, catalog, workers, write_note_page, search)
        model = timings.run("model", build_model, notes, catalog, drafts)
        site_pages = SitePages(config, links, model, offline)
        plans = plan_pages(model)
        refuse_collisions([p.path for p in plans] + [note_path(n.id) for n in model.notes])
        sizes += _write_pages_and_search(timings, staging, plans, site_pages, model, workers, search)
        sizes += timings.run("assets", _copy_assets, staging, config.theme_dir)
        timings.run("publish", staging.publish)
    return BuildResult(len(model.notes), len(sizes), sum(sizes), timings, model, tuple(notes))


def _write_pages_and_search(timings: Timings, staging: Staging, plans, site_pages: SitePages, model: SiteModel,
                            workers: int | None, search: bool) -> list[int]:
    """The site pages, and the search index unless `search` is off; the size of each file.

    The index is one job that does not split: this process makes it while the other
    cores' workers write the pages, then helps them finish (with one core, one after
    the other).
    """
    if not search:
        return timings.run("pages", staging.write_pages, plans, site_pages.render, workers)
    cores = worker_count() if workers is None else workers
    make_index = partial(timings.run, "search", _write_search_files, staging, model)
    # Timed as a whole, "pages with search": the "search" inside it is this process's part.
    sizes, search_sizes = timings.run("pages with search", staging.write_pages_beside, plans, site_pages.render,
                                      make_index, cores - 1)
    return sizes + search_sizes


def notes_in(notes_dir: Path) -> list[Path]:
    if not notes_dir.is_dir():
        raise InputError([Problem(str(notes_dir), 1, "the notes folder does not exist")])
    return find_note_files(notes_dir)


BATCH = 50
"""Notes that go through each stage (read, Markdown, check, page) before the next stage
starts: a stage run over many notes keeps its code and data in the CPU's caches, which
makes the notes step about a tenth quicker than taking each note through all stages."""


def load_notes_from(files: list[Path], catalog: Catalog, workers: int | None = None,
                    write_page=None, keep_text: bool = True) -> tuple[list[Note], list[int]]:
    """Read, check and render every note in parallel; every problem of every file at once.

    With `write_page`, each good note's page (which depends on the note alone) is written
    by the process that read it, `write_page` giving the size of each file it wrote; and
    the note comes back without its HTML body (the pages that list notes never need it)
    but with its plain text for the search index (unless `keep_text` is off: a build
    without search has no use for it).
    """
    problems = check_ids(files)
    read_and_check = partial(_read_and_check, catalog, write_page, keep_text, make_markdown())
    results = map_chunks(read_and_check, files, workers, chunk=BATCH)
    notes, sizes = [], []
    for note, found, written in results:
        problems += found
        if note is not None:
            notes.append(note)
        sizes += written
    problems += check_former_ids({note_id(p): display_path(p) for p in files}, notes)
    if problems:
        raise InputError(problems)
    return notes, sizes


def _read_and_check(catalog: Catalog, write_page, keep_text: bool, markdown, files: list[Path]) -> list:
    results = []
    with _no_cycle_collection():
        for start in range(0, len(files), BATCH):
            results += _read_and_check_batch(catalog, write_page, keep_text, markdown, files[start:start + BATCH])
    return results


@contextmanager
def _no_cycle_collection():
    """Reading and rendering notes makes no reference cycles (a collection after a thousand
    notes finds nothing to free), so the cycle collector would only walk the objects of the
    notes done so far, again and again, every few hundred allocations: 3% of the step."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_and_check_batch(catalog: Catalog, write_page, keep_text: bool, markdown, files: list[Path]) -> list:
    """(note or None, its problems, sizes of the files written) for each file, in order."""
    sources = [_read_or_problems(path) for path in files]
    bodies = [markdown.render(source.body) if isinstance(source, Source) else "" for source in sources]
    checked = [check_source(source, catalog, body) if isinstance(source, Source) else (None, source)
               for source, body in zip(sources, bodies)]
    results = []
    for note, problems in checked:
        written = []
        if note is not None and write_page is not None:
            written = write_page(note)
            text = plain_text(note.body_html) if keep_text else ""
            note = dataclasses.replace(note, body_html="", body_text=text)
        results.append((note, problems, written))
    return results


def _read_or_problems(path: Path) -> Source | list[Problem]:
    try:
        return read_source(path, display_path(path))
    except InputError as error:
        return error.problems


def _write_note_page(staging: Staging, pages: NotePages, drafts: bool, note: Note) -> list[int]:
    """The note's page (none for a draft the build leaves out); the size of each file."""
    if note.draft and not drafts:
        return []
    return [staging.write(path, data) for path, data in pages.files(note)]


def _write_search_files(staging: Staging, model) -> list[int]:
    """search/index.js and search/store.js, the search page's data."""
    return [staging.write(path, data) for path, data in search_files(model).items()]


LUNR_ASSET = "assets/lunr.min.js"


def theme_files(theme_dir: Path) -> dict[str, Path]:
    """{site path: source} of the theme: every file of the theme folder but hidden ones,
    published under assets/."""
    if not theme_dir.is_dir():
        return {}
    return {"assets/" + path.relative_to(theme_dir).as_posix(): path for path in sorted(theme_dir.rglob("*"))
            if path.is_file() and not path.name.startswith(".")}


def _copy_assets(staging: Staging, theme_dir: Path) -> list[int]:
    """The theme's files (`theme_files`), and lunr.js for the search page.

    lunr.js comes from the npm registry (pinned in package.json, installed by `make setup`
    into node_modules/ at the project root), never from the repository. The project root is
    the folder that holds the theme (the site.toml folder in the usual layout); the
    package's own checkout is tried next, for settings files kept elsewhere (the tests').
    """
    sizes = [staging.copy(source, path) for path, source in theme_files(theme_dir).items()]
    candidates = [theme_dir.resolve().parent, Path(__file__).resolve().parents[2]]
    for root in dict.fromkeys(candidates):
        lunr_js = root / "node_modules" / "lunr" / "lunr.min.js"
        if lunr_js.is_file():
            sizes.append(staging.copy(lunr_js, LUNR_ASSET))
            return sizes
    raise InputError([Problem(str(candidates[0] / "node_modules" / "lunr" / "lunr.min.js"), 1,
                              "lunr.js is not installed, and the search page needs it: run `make setup` "
                              "(or `npm ci`) in the project folder")])
