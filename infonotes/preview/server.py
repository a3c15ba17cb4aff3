"""`serve`: build into a folder of its own, serve it on 127.0.0.1, watch, rebuild, reload.

Three kinds of threads, and data flowing one way:

- the watcher (watch.py) drops changed paths into a ChangeQueue;
- the rebuild thread takes them in quiet batches, rebuilds (rebuild.py) while holding
  the folder's lock for writing, so that a request made during a rebuild waits for its
  finished result, then publishes a new `Live` value (epoch, problems) that wakes the
  browsers' event streams; the search index is made again afterwards on a thread of its
  own, so that it never delays a reload;
- request threads serve files of the folder only, adding the live-reload script
  (live.js) to HTML, and stream `Live` changes to browsers as Server-Sent Events.
"""
from __future__ import annotations

import dataclasses
import errno
import http.server
import json
import mimetypes
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from infonotes.config import load_config
from infonotes.preview import rebuild
from infonotes.preview.watch import CATALOG, CONFIG, NOTE, TEMPLATE, THEME, ChangeQueue, Roots, start_watching
from infonotes.report import as_dict
from infonotes.search.index import FieldCounter

EVENTS_PATH = "/__live/events"
STATUS_PATH = "/__live/status"
KEEP_ALIVE = 15.0
"""Seconds between comments on an idle event stream: a closed tab is noticed, and an idle
server wakes up only this often."""
SCRIPT = (Path(__file__).parent / "live.js").read_text(encoding="utf-8")

WAITING = "the preview waits for a build without problems: fix the files above and save"
WAITING_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The preview is waiting for the problems to be fixed</title>
</head>
<body>
<main>
<h1>The preview is waiting for the problems to be fixed</h1>
<p>The archive could not be built: the problems are listed on this page and in the terminal.
Fix them and save; this page then shows the site by itself.</p>
</main>
</body>
</html>
"""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".zip": "application/zip",
}


# --- what the threads share ---------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """What browsers and tools are told about the preview; replaced, never changed."""

    epoch: int = 0
    """Counts the rebuilds that changed the site."""
    css_from: int = 0
    """The epoch since which every rebuild changed stylesheets only (a browser at that
    epoch or later may swap its stylesheets instead of reloading)."""
    search: int = 0
    """The epoch whose notes the search index holds."""
    builds: int = 0
    """Every rebuild, successful or not."""
    problems: tuple = ()
    """`report.as_dict` of each problem of the last rebuild; empty when it succeeded."""
    rebuilding: bool = False
    last: dict = dataclasses.field(default_factory=dict)
    """Timings of the last rebuild (wall clock, for the benchmark)."""

    @property
    def busy(self) -> bool:
        return self.rebuilding or self.search < self.epoch

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "css_from": self.css_from, "search": self.search, "builds": self.builds,
                "problems": list(self.problems), "busy": self.busy, "last": self.last}


class Status:
    """The current `Live` value, and a way to wait for the next one."""

    def __init__(self):
        self._changed = threading.Condition()
        self._live = Live()
        self.stopping = False

    def current(self) -> Live:
        with self._changed:
            return self._live

    def update(self, **changes) -> Live:
        with self._changed:
            self._live = dataclasses.replace(self._live, **changes)
            self._changed.notify_all()
            return self._live

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    def wait_newer(self, seen: Live, timeout: float) -> Live:
        with self._changed:
            self._changed.wait_for(lambda: self._live is not seen or self.stopping, timeout)
            return self._live


class FolderLock:
    """Many requests read the folder at once; a rebuild writes it alone, and requests
    made meanwhile wait for it to finish."""

    def __init__(self):
        self._free = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self):
        with self._free:
            self._free.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._free:
                self._readers -= 1
                self._free.notify_all()

    @contextmanager
    def writing(self):
        with self._free:
            self._free.wait_for(lambda: not self._writing)
            self._writing = True  # new readers wait from now on
            self._free.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._free:
                self._writing = False
                self._free.notify_all()


@dataclass(frozen=True)
class Served:
    """What request handlers need: attached to the server, read by every handler."""

    folder: Path
    """Resolved: every file served must resolve to a path inside it."""
    lock: FolderLock
    status: Status


# --- requests ---------------------------------------------------------------------


def site_relative(raw_path: str) -> str | None:
    """The folder-relative path a URL path names ('states/japan/'), or None when it could
    name something outside the folder: '..' or '.' segments (also percent-encoded), an
    encoded '/', a backslash, a NUL byte, an empty segment ('//etc'), bad UTF-8."""
    if not raw_path.startswith("/") or "\\" in raw_path:
        return None
    segments = raw_path[1:].split("/")
    decoded = []
    for index, segment in enumerate(segments):
        try:
            text = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return None
        if text in (".", "..") or any(c in text for c in "/\\\x00") or (not text and index < len(segments) - 1):
            return None
        decoded.append(text)
    return "/".join(decoded)


def inside(folder: Path, relative: str) -> Path | None:
    """The real path of `relative` in `folder`, or None when it is missing or leads out of
    the folder (a symbolic link to elsewhere)."""
    real = Path(os.path.realpath(folder / relative))
    if real != folder and folder not in real.parents:
        return None
    return real if real.exists() else None


def content_type(path: Path) -> str:
    if path.name == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def with_live_script(html: bytes, epoch: int) -> bytes:
    """The page with the live-reload script just before </body>."""
    tag = (f'<script data-epoch="{epoch}" data-events="{EVENTS_PATH}">\n{SCRIPT}</script>\n').encode("utf-8")
    end = html.rfind(b"</body>")
    return html + tag if end < 0 else html[:end] + tag + html[end:]


class SiteHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of one folder only; missing paths get the site's 404 page."""

    server_version = "infonotes-serve"

    def do_GET(self):
        self._answer_unless_gone(send_body=True)

    def do_HEAD(self):
        self._answer_unless_gone(send_body=False)

    def _answer_unless_gone(self, send_body: bool) -> None:
        try:
            self._answer(send_body)
        except (BrokenPipeError, ConnectionResetError):  # the browser left (a reload, a closed tab)
            pass

    def _answer(self, send_body: bool) -> None:
        served: Served = self.server.served
        path, _, query = self.path.split("#", 1)[0].partition("?")
        if path == EVENTS_PATH:
            return self._events(served.status)
        if path == STATUS_PATH:
            return self._send(200, "application/json", json.dumps(served.status.current().as_json()).encode(),
                              send_body)
        relative = site_relative(path)
        with served.lock.reading():
            live = served.status.current()
            found = inside(served.folder, relative) if relative is not None else None
            if found is not None and found.is_dir():
                if not path.endswith("/"):
                    return self._redirect(path + "/" + ("?" + query if query else ""))
                found = inside(served.folder, relative + "index.html")
            if found is None or not found.is_file():
                return self._not_found(served, live, send_body)
            body = found.read_bytes()
        kind = content_type(found)
        if kind.startswith("text/html"):
            body = with_live_script(body, live.epoch)
        self._send(200, kind, body, send_body)

    def _not_found(self, served: Served, live: Live, send_body: bool) -> None:
        page = served.folder / "404.html"
        if page.is_file():
            self._send(404, "text/html; charset=utf-8", with_live_script(page.read_bytes(), live.epoch), send_body)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", send_body)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, code: int, kind: str, body: bytes, send_body: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the rebuilt page
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self, status: Status) -> None:
        """Server-Sent Events: `hello` first, then `reload`, `problems` and `search`."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        live = status.current()
        try:
            self._event("hello", {"epoch": live.epoch, "problems": list(live.problems)})
            while not status.stopping:
                newer = status.wait_newer(live, KEEP_ALIVE)
                if newer is live:
                    self.wfile.write(b": idle\n\n")
                    self.wfile.flush()
                    continue
                if newer.epoch != live.epoch:
                    self._event("reload", {"epoch": newer.epoch, "css_from": newer.css_from})
                if newer.problems != live.problems:
                    self._event("problems", list(newer.problems))
                if newer.search != live.search:
                    self._event("search", {"epoch": newer.search})
                live = newer
        except OSError:  # the browser went away
            return

    def _event(self, name: str, data) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode("utf-8"))
        self.wfile.flush()

    def log_message(self, format, *args):  # one short line a request, on stderr
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep Ctrl-C waiting

    def __init__(self, address, served: Served):
        self.served = served
        super().__init__(address, SiteHandler)


def make_server(served: Served, host: str, port: int) -> SiteServer:
    return SiteServer((host, port), served)


# --- rebuilding ----------------------------------------------------------------------


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
                 queue: ChangeQueue, jobs: SearchJobs) -> None:
    """The rebuild thread: one rebuild for each quiet batch of changes. With no site built
    yet (`published` None: the first build failed), every change makes a full build."""
    if published is not None:
        _warm_up(served, published)
    pending: set[str] = set()  # kinds of change a failed rebuild has not applied yet
    while (batch := queue.take()) is not None:
        started = time.time()
        kinds = pending | set(batch.values())
        served.status.update(rebuilding=True)
        try:
            with served.lock.writing():
                outcome, written = _rebuild(served, request, published, kinds)
        except Exception:  # a bug, not a problem of the input: say so and keep serving
            time.sleep(0.2)  # Ctrl-C also fails a full build's workers: let the main thread say stop
            if served.status.stopping:
                return
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


def _rebuild(served: Served, request, published, kinds: set[str]):
    """(the outcome, the paths written) of one rebuild, applied to the folder. Settings,
    catalogs and templates may change any page: they are rebuilt in full."""
    if published is None or kinds & {CONFIG, CATALOG, TEMPLATE}:
        outcome = rebuild.full_build(request, served.folder)
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
    from infonotes.cli import report_problems
    live = served.status.current()
    seconds = time.time() - started
    changes = {"rebuilding": False, "builds": live.builds + 1,
               "problems": tuple(as_dict(p) for p in outcome.problems),
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
        report_problems(outcome.problems)
        print(WAITING if published is None else "the preview keeps showing the last good build; "
              "fix the files above and save", flush=True)
    elif written:
        kind = "full rebuild" if outcome.full else "rebuilt"
        print(f"{kind} in {seconds * 1000:.0f} ms: {len(written)} file{'s' if len(written) != 1 else ''} "
              "changed", flush=True)
    new = served.status.update(**changes)
    if published is not None and new.search < new.epoch:  # the search thread makes it, and says so
        jobs.put(published, new.epoch)


# --- the command ----------------------------------------------------------------------


def _wait_for_a_good_build(served: Served, outcome: rebuild.Outcome) -> None:
    """The first build failed: say why, and serve a page that says so at every address
    (the live-reload overlay lists the problems) until a save fixes them; the rebuild
    thread then makes the whole site."""
    from infonotes.cli import report_problems
    report_problems(outcome.problems)
    print(WAITING, flush=True)
    served.folder.mkdir(parents=True, exist_ok=True)
    for name in ("index.html", "404.html"):
        (served.folder / name).write_text(WAITING_PAGE, encoding="utf-8")
    served.status.update(problems=tuple(as_dict(p) for p in outcome.problems), builds=1)


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 8000, notes_dir: Path | None = None,
          drafts: bool = False, open_browser: bool = False) -> int:
    request = rebuild.Request(config_path, notes_dir, drafts)
    config = load_config(config_path)
    temporary = Path(tempfile.mkdtemp(prefix="infonotes-serve-"))
    folder = temporary / "site"
    threads: list[threading.Thread] = []
    observer = None
    try:
        status = Status()
        served = Served(Path(os.path.realpath(temporary)) / "site", FolderLock(), status)
        try:  # before building: a taken port is said at once
            server = make_server(served, host, port)
        except (OSError, OverflowError) as error:  # OverflowError: a port beyond 0-65535
            if getattr(error, "errno", None) == errno.EADDRINUSE:
                print(f"port {port} is already in use; try --port {port + 1}", file=sys.stderr)
            else:
                reason = getattr(error, "strerror", None) or error
                print(f"cannot listen on {host}:{port}: {reason}; try another --host or --port "
                      "(a port from 1024 to 65535)", file=sys.stderr)
            return 1
        if host == "0.0.0.0":
            print("warning: serving on every network interface; anyone on your network can "
                  "read the preview", file=sys.stderr)
        start = time.perf_counter()
        outcome = rebuild.full_build(request, folder)
        if outcome.problems:
            _wait_for_a_good_build(served, outcome)
        else:
            print(f"built {outcome.files:,} files from {len(outcome.published.model.notes):,} notes in "
                  f"{time.perf_counter() - start:.1f} s into {folder}", flush=True)
        queue, jobs = ChangeQueue(), SearchJobs()
        observer = start_watching(Roots.of(config_path, config, notes_dir), queue)
        threads = [threading.Thread(target=rebuild_loop, args=(served, request, outcome.published, queue, jobs),
                                    name="rebuild", daemon=True),
                   threading.Thread(target=refresh_search, args=(served, jobs, drafts), name="search", daemon=True)]
        for thread in threads:
            thread.start()
        url = f"http://{host}:{port}/"
        print(f"serving on {url} (Ctrl-C to stop); watching for changes", flush=True)
        if open_browser:
            import webbrowser
            webbrowser.open(url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopped", flush=True)
        finally:
            status.stop()
            queue.stop()
            jobs.stop()
            server.server_close()
        return 0
    finally:
        if observer is not None:
            observer.stop()
        for thread in threads:
            thread.join(timeout=5)
        shutil.rmtree(temporary, ignore_errors=True)
