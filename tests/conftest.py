"""Shared fixtures: write real archives into temporary folders, build them, read the HTML.

Helpers here are what every test file uses; a test states its archive as a dict of
files (path -> text), the way Hugo's integration tests do.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GEN_NOTES = SHARED / "tools" / "gen_notes.py"

sys.path.insert(0, str(ROOT))

from infonotes.cli import main as cli_main  # noqa: E402

MEMORY_FOLDER = Path("/dev/shm")


def pytest_configure(config):
    """The tests' temporary folders in memory when the machine has a memory file system:
    the tests write and remove hundreds of thousands of files, and on a disk (ext4 without
    a journal here) creating files right after many were removed is slow. One folder per
    run, so that two runs never share one; xdist's workers make theirs inside it."""
    if config.option.basetemp is None and not hasattr(config, "workerinput") and _writable(MEMORY_FOLDER):
        config.option.basetemp = tempfile.mkdtemp(prefix="infonotes-tests-", dir=MEMORY_FOLDER)
        config.stash[_MADE_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config):
    made = config.stash.get(_MADE_BASETEMP, None)
    if made:
        shutil.rmtree(made, ignore_errors=True)


_MADE_BASETEMP = pytest.StashKey[str]()


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def note_text(title="A workshop", date="2020-05-04", body="## Overview\n\nSome text.\n", **fields) -> str:
    """A valid note's text; keyword arguments add or replace front matter lines verbatim."""
    lines = [f"title: {title}", f"date: {date}"] if title is not None else [f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


def write_project(root: Path, notes: dict[str, str | bytes], site_toml: str | None = None) -> Path:
    """A project folder: site.toml pointing at the repository's catalogs, templates and
    theme, and `notes` (relative path -> text or bytes) under root/notes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(site_toml or (
        'title = "Test archive"\n'
        'description = "Notes for the tests."\n'
        'base_url = "https://example.org/"\n'
        "[paths]\n"
        f'data = "{ROOT / "data"}"\n'
        f'templates = "{ROOT / "templates"}"\n'
        f'theme = "{ROOT / "theme"}"\n'
        'notes = "notes"\n'
        'output = "public"\n'), encoding="utf-8")
    notes_dir = root / "notes"
    notes_dir.mkdir(exist_ok=True)
    for relative, content in notes.items():
        path = notes_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` for real, in a subprocess, from `cwd`."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def gen_notes(out: Path, count: int, broken: int = 0, seed: int = 1540) -> Path:
    args = [sys.executable, str(GEN_NOTES), "--count", str(count), "--out", str(out), "--seed", str(seed)]
    if broken:
        args += ["--broken", str(broken)]
    subprocess.run(args, check=True, capture_output=True)
    return out


class Page(HTMLParser):
    """A parsed HTML page: its links, assets, ids, text, and elements by tag."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.ids: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self._text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        if tag == "link" and "href" in attributes:
            self.assets.append(attributes["href"])
        if tag in ("script", "img", "iframe") and "src" in attributes:
            self.assets.append(attributes["src"])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def find_all(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The repository's own sample archive, built once for the session."""
    out = tmp_path_factory.mktemp("sample") / "public"
    assert cli_main(["--config", str(ROOT / "site.toml"), "build", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def generated_300(tmp_path_factory) -> Path:
    """A gen_notes.py --count 300 archive (notes only)."""
    return gen_notes(tmp_path_factory.mktemp("gen300") / "notes", 300)


@pytest.fixture(scope="session")
def site_300(tmp_path_factory, generated_300) -> Path:
    """The 300-note archive, built once for the session."""
    out = tmp_path_factory.mktemp("site300") / "public"
    code = cli_main(["--config", str(ROOT / "site.toml"), "build", "--notes", str(generated_300),
                     "--out", str(out)])
    assert code == 0
    return out


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("Debian's chromium is needed for the browser tests: `make test` installs it")
    return found


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (Debian's, driven by Playwright) for the whole run."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def static_server(folder: Path):
    """A plain static server of `folder` on 127.0.0.1, on a free port; yields its base URL
    (without a final slash)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
