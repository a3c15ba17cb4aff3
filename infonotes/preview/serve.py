"""`serve`: build into a folder of its own, serve it on this machine, watch the inputs,
rebuild what changed and reload the browsers.

The parts are in preview/: the builder process (builder.py), the HTTP server (server.py),
what its threads share (state.py), the rebuild and search threads (threads.py), what a
change touches (rebuild.py) and the watcher (watch.py). This command wires them in an
order that matters: a process forked from one that runs threads can deadlock, so the
builder, which makes every later full build, is forked first, and the first build runs
here (its workers fork) before any thread starts; only then do the watcher, the rebuild
and search threads and the server start.
"""
from __future__ import annotations

import errno
import os
import sys
import tempfile
import threading
import time
import webbrowser
from contextlib import contextmanager
from pathlib import Path

from infonotes.config import load_config
from infonotes.preview import rebuild
from infonotes.preview.builder import Builder
from infonotes.preview.server import SiteServer, make_server, write_waiting_page
from infonotes.preview.state import FolderLock, Served, Status
from infonotes.preview.threads import SearchJobs, problems_as_dicts, rebuild_loop, refresh_search, say_problems
from infonotes.preview.watch import ChangeQueue, Roots, start_watching

THREAD_STOP_TIMEOUT = 5.0
"""Seconds each thread is given to end once told to stop."""


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 8000, notes_dir: Path | None = None,
          drafts: bool = False, open_browser: bool = False) -> int:
    """Serve until Ctrl-C; the exit status (1 when it cannot listen on that address)."""
    request = rebuild.Request(config_path, notes_dir, drafts)
    roots = Roots.of(config_path, load_config(config_path), notes_dir)
    with tempfile.TemporaryDirectory(prefix="infonotes-serve-", ignore_cleanup_errors=True) as temporary, \
            Builder.start() as builder:  # left first: the builder writes no more when the folder goes
        folder = Path(temporary) / "site"
        served = Served(Path(os.path.realpath(folder)), FolderLock(), Status())
        server = _listen(served, host, port)  # before building: a taken port is said at once
        if server is None:
            return 1
        with server:
            published = _first_build(request, folder, served)
            with _watching_and_rebuilding(served, request, published, roots, builder):
                _serve_until_interrupted(server, f"http://{host}:{port}/", open_browser)
    return 0


def _listen(served: Served, host: str, port: int) -> SiteServer | None:
    """The server, listening; None when it cannot listen there (and it says why)."""
    try:
        server = make_server(served, host, port)
    except (OSError, OverflowError) as error:  # OverflowError: a port beyond 0-65535
        if getattr(error, "errno", None) == errno.EADDRINUSE:
            print(f"port {port} is already in use; try --port {port + 1}", file=sys.stderr)
        else:
            reason = getattr(error, "strerror", None) or error
            print(f"cannot listen on {host}:{port}: {reason}; try another --host or --port "
                  "(a port from 1024 to 65535)", file=sys.stderr)
        return None
    if host == "0.0.0.0":
        print("warning: serving on every network interface; anyone on your network can "
              "read the preview", file=sys.stderr)
    return server


def _first_build(request: rebuild.Request, folder: Path, served: Served) -> rebuild.Published | None:
    """The whole site, built in this process while it has no other thread: the build's
    workers fork safely, and nothing is pickled. None when the archive has problems."""
    start = time.perf_counter()
    outcome = rebuild.full_build(request, folder)
    if outcome.problems:
        _wait_for_a_good_build(served, outcome.problems)
    else:
        print(f"built {outcome.files:,} files from {len(outcome.published.model.notes):,} notes in "
              f"{time.perf_counter() - start:.1f} s into {folder}", flush=True)
    return outcome.published


def _wait_for_a_good_build(served: Served, problems) -> None:
    """The first build failed: say why, and serve a page that says so at every address
    (the live-reload overlay lists the problems) until a save fixes them; the rebuild
    thread then makes the whole site."""
    say_problems(problems, good_build=False)
    write_waiting_page(served.folder)
    served.status.update(problems=problems_as_dicts(problems), builds=1)


@contextmanager
def _watching_and_rebuilding(served: Served, request: rebuild.Request, published: rebuild.Published | None,
                             roots: Roots, builder: Builder):
    """The watcher, the rebuild thread and the search thread, running until the block ends."""
    queue, jobs = ChangeQueue(), SearchJobs()
    observer = start_watching(roots, queue)
    threads = [threading.Thread(target=rebuild_loop, name="rebuild", daemon=True,
                                args=(served, request, published, queue, jobs, builder.build)),
               threading.Thread(target=refresh_search, name="search", daemon=True,
                                args=(served, jobs, request.drafts))]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        served.status.stop()
        queue.stop()
        jobs.stop()
        builder.stop()  # abandons a full rebuild in progress: the rebuild thread waiting for it ends
        observer.stop()
        for thread in threads:
            thread.join(timeout=THREAD_STOP_TIMEOUT)


def _serve_until_interrupted(server: SiteServer, url: str, open_browser: bool) -> None:
    print(f"serving on {url} (Ctrl-C to stop); watching for changes", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
