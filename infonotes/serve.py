"""`serve`: build into a folder of its own and serve it on 127.0.0.1.

Plain serving for now: rebuild on change and browser reload come with live preview.
"""
from __future__ import annotations

import errno
import functools
import http.server
import shutil
import sys
import tempfile
from pathlib import Path

from .build import build_site
from .config import Config


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files of one folder only; missing paths get the site's 404 page."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory, "404.html")
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def list_directory(self, path):  # a published site has no folder listings either
        self.send_error(404)
        return None

    def log_message(self, format, *args):  # one short line a request, on stderr
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(directory: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, notes_dir: Path | None = None,
          drafts: bool = False) -> int:
    folder = Path(tempfile.mkdtemp(prefix="infonotes-serve-"))
    site = folder / "site"
    try:
        result = build_site(config, notes_dir=notes_dir, output_dir=site, drafts=drafts)
        print(f"built {result.files:,} files from {result.notes:,} notes")
        if host == "0.0.0.0":
            print("warning: serving on every network interface; anyone on your network can "
                  "read the preview", file=sys.stderr)
        try:
            server = make_server(site, host, port)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                print(f"port {port} is already in use; try --port {port + 1}", file=sys.stderr)
                return 1
            raise
        print(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopped")
        finally:
            server.server_close()
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
