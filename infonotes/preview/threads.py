"""The preview's rebuild thread and search thread.

- The rebuild thread takes the watcher's changes in quiet batches and rebuilds
  (rebuild.py) while holding the folder's lock for writing, so that a request made
  during a rebuild waits for its finished result; then it publishes a new `Live` value
  (epoch, problems), which wakes the browsers' event streams. Full rebuilds are made by
  the builder process (builder.py): this process runs threads, and must not fork.
- The search thread makes the search index of each newest build afterwards, so that it
  never delays a reload.
"""
from __future__ import annotations

import dataclasses
import shutil
import sys
import threading
import time
import traceback

from infonotes.preview import rebuild
from infonotes.preview.builder import BuilderStopped
from infonotes.preview.state import Served
from infonotes.preview.watch import CATALOG, CONFIG, NOTE, TEMPLATE, THEME, ChangeQueue
from infonotes.report import as_dict, print_report
from infonotes.search.postings import FieldCounter

WAITING = "the preview waits for a build without problems: fix the files above and save"
KEEPING = "the preview keeps showing the last good build; fix the files above and save"


def say_problems(problems, good_build: bool) -> None:
    """In the terminal: every problem, and what the preview shows until they are fixed."""
    print_report(list(problems))
    print(KEEPING if good_build else WAITING, flush=True)


def problems_as_dicts(problems) -> tuple[dict, ...]:
    """As the status and the browsers' overlay show them."""
    return tuple(as_dict(p) for p in problems)


class SearchJobs:
    """The newest build whose search index is wanted; older ones are skipped."""

    def __init__(self):
        self._changed = threading.Condition()
        self._job = None
        self._stopped = False

    def put(self, published, epoch: int) -> None:
        with self._changed:
            self._job = (published, epoch)
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def take(self):
        with self._changed:
            self._changed.wait_for(lambda: self._job is not None or self._stopped)
            if self._stopped:
                return None
            job, self._job = self._job, None
            return job


def refresh_search(served: Served, jobs: SearchJobs, drafts: bool) -> None:
    """The search thread: make the index of each newest build, write it if it differs."""
    counter = FieldCounter(remember=True)  # this thread's alone: each index counts only what changed
    while (job := jobs.take()) is not None:
        published, epoch = job
        start = time.perf_counter()
        try:
            writes = rebuild.search_writes(rebuild.search_model(published, drafts), served.folder, counter)
        except Exception:  # a bug: say so, keep serving the previous index
            if not served.status.stopping:
                traceback.print_exc()
            continue
        with served.lock.writing():
            if served.status.current().search >= epoch:
                continue  # a full rebuild wrote a newer index meanwhile
            rebuild.apply(served.folder, writes)
            live = served.status.current()
            served.status.update(search=epoch, last={**live.last, "search_done": time.time(),
                                                     "search_seconds": time.perf_counter() - start})
        print(f"search index updated in {time.perf_counter() - start:.2f} s", flush=True)


def rebuild_loop(served: Served, request: rebuild.Request, published: rebuild.Published | None,
                 queue: ChangeQueue, jobs: SearchJobs, build) -> None:
    """The rebuild thread: one rebuild for each quiet batch of changes. With no site built
    yet (`published` None: the first build failed), every change makes a full build, which
    `build` makes (`Builder.build`: never `build_site` itself, which forks)."""
    if published is not None:
        _warm_up(served, published)
    pending: set[str] = set()  # kinds of change a failed rebuild has not applied yet
    while (batch := queue.take()) is not None:
        started = time.time()
        kinds = pending | set(batch.values())
        served.status.update(rebuilding=True)
        try:
            with served.lock.writing():
                outcome, written = _rebuild(served, request, published, kinds, build)
        except Exception as error:  # a bug or no builder, not a problem of the input: say so, keep serving
            time.sleep(0.2)  # Ctrl-C also stops the builder and its workers: let the main thread say stop
            if served.status.stopping:
                return
            if isinstance(error, BuilderStopped):
                print(error, file=sys.stderr, flush=True)
            else:
                traceback.print_exc()
            served.status.update(rebuilding=False, builds=served.status.current().builds + 1)
            pending = kinds | {CONFIG}  # what state the folder is in is unknown: rebuild it all
            continue
        if outcome.published is not None:
            published = outcome.published
        pending = kinds if outcome.problems else set()
        _announce(served, outcome, written, started, jobs, published)
        if outcome.leftover is not None:  # after the reload event: the tabs need not wait for it
            served.status.update(rebuilding=True)
            shutil.rmtree(outcome.leftover, ignore_errors=True)
            served.status.update(rebuilding=False)
        if outcome.full and not outcome.problems:
            _warm_up(served, published)


def _warm_up(served: Served, published) -> None:
    """Fill the renderers' caches, after the reload (so it does not wait), counted as busy."""
    served.status.update(rebuilding=True)
    rebuild.warm_up(published, lambda: served.status.stopping)
    served.status.update(rebuilding=False)


def _rebuild(served: Served, request, published, kinds: set[str], build):
    """(the outcome, the paths written) of one rebuild, applied to the folder. Settings,
    catalogs and templates may change any page: they are rebuilt in full."""
    if published is None or kinds & {CONFIG, CATALOG, TEMPLATE}:
        outcome = rebuild.full_build(request, served.folder, build)
    else:
        outcome = rebuild.rebuild_notes(published, request, served.folder) if NOTE in kinds else \
            rebuild.Outcome(published, {})
        if THEME in kinds and not outcome.problems:
            theme = rebuild.rebuild_theme(published, served.folder)
            outcome = dataclasses.replace(outcome, writes={**outcome.writes, **theme.writes})
    rebuild.apply(served.folder, outcome.writes)
    return outcome, sorted(outcome.writes)


def _announce(served: Served, outcome: rebuild.Outcome, written: list[str], started: float,
              jobs: SearchJobs, published) -> None:
    """Tell browsers (a new epoch, or problems), the terminal, and the search thread."""
    live = served.status.current()
    seconds = time.time() - started
    changes = {"rebuilding": False, "builds": live.builds + 1,
               "problems": problems_as_dicts(outcome.problems),
               "last": {"started": started, "finished": time.time(), "seconds": seconds,
                        "written": len(written), "full": outcome.full}}
    search_was_current = live.search == live.epoch
    if written or outcome.model_changed:
        epoch = live.epoch + 1
        css_only = bool(written) and all(path.endswith(".css") for path in written)
        changes.update(epoch=epoch, css_from=live.css_from if css_only else epoch)
        if outcome.full or (search_was_current and not outcome.model_changed):
            changes["search"] = epoch
    if outcome.problems:
        say_problems(outcome.problems, good_build=published is not None)
    elif written:
        kind = "full rebuild" if outcome.full else "rebuilt"
        print(f"{kind} in {seconds * 1000:.0f} ms: {len(written)} file{'s' if len(written) != 1 else ''} "
              "changed", flush=True)
    new = served.status.update(**changes)
    if published is not None and new.search < new.epoch:  # the search thread makes it, and says so
        jobs.put(published, new.epoch)
