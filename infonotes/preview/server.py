"""The preview's HTTP server: the files of its folder, and the live-reload events.

Request threads serve files of the folder only (`site_relative`, `inside`), adding the
live-reload script (live.js) to HTML, and stream `Live` changes to browsers as
Server-Sent Events. A request made while a rebuild writes the folder waits for it
(state.py's `FolderLock`).
"""
from __future__ import annotations

import http.server
import json
import mimetypes
import os
import sys
from pathlib import Path
from urllib.parse import unquote

from infonotes.preview.state import Live, Served, Status

EVENTS_PATH = "/__live/events"
STATUS_PATH = "/__live/status"
KEEP_ALIVE = 15.0
"""Seconds between comments on an idle event stream: a closed tab is noticed, and an idle
server wakes up only this often."""
SCRIPT = (Path(__file__).parent / "live.js").read_text(encoding="utf-8")

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


def write_waiting_page(folder: Path) -> None:
    """The page every address shows while no build has succeeded (the live-reload overlay
    lists the problems on it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("index.html", "404.html"):
        (folder / name).write_text(WAITING_PAGE, encoding="utf-8")
