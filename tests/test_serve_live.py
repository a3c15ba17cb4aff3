"""Live preview: `python build.py serve` run for real over a temporary copy of an archive.

A browser tab reloads by itself when a note is saved, shows the problems of a broken
note in an overlay and goes back to the page once it is fixed; every kind of change
gives, in the served folder, the bytes a full build of the same files gives; no process
forks while it runs threads; the server never serves a file outside its folder, and a
run of broken saves never stops it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from infonotes.archive.load import find_note_files
from infonotes.preview import watch
from infonotes.preview.rebuild import scan_notes
from infonotes.preview.server import site_relative
from infonotes.preview.state import FolderLock
from infonotes.preview.watch import QUIET

from conftest import ROOT, cli_main, note_text, write_project
from test_serve_plain import NOTES, Server, free_port

REBUILD_TIMEOUT = 120

NOTE = "2020/2020-05-04-virtual-workshop.md"
NOTE_URL = "/notes/2020-05-04-virtual-workshop/"


# --- helpers ---------------------------------------------------------------------------


def own_project(root: Path, notes: dict[str, str]) -> Path:
    """A project with its own copies of the catalogs, templates and theme (the tests edit them)."""
    for name in ("data", "templates", "theme"):
        shutil.copytree(ROOT / name, root / name)
    project = write_project(root, notes, site_toml=(
        'title = "Test archive"\n'
        'description = "Notes for the tests."\n'
        'base_url = "https://example.org/"\n'
        "[paths]\n"
        'data = "data"\ntemplates = "templates"\ntheme = "theme"\nnotes = "notes"\noutput = "public"\n'))
    return project


def status(server: Server) -> dict:
    code, _, body = server.get("/__live/status")
    assert code == 200
    return json.loads(body)


STILL = 2 * QUIET
"""Seconds a finished rebuild must stay the last one: a batch of the same change still on
its way would have started by then (the watcher takes a batch after QUIET seconds)."""


def settled(server: Server, builds_before: int, timeout: float = REBUILD_TIMEOUT) -> dict:
    """Wait until a rebuild after `builds_before` is over and the search index caught up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"serve exited with {server.process.returncode}:\n{server.output()[-3000:]}")
        now = status(server)
        if now["builds"] > builds_before and not now["busy"]:
            time.sleep(STILL)
            again = status(server)
            if again["builds"] == now["builds"] and not again["busy"]:
                return again
        time.sleep(0.02)
    pytest.fail(f"no rebuild within {timeout} s:\n{server.output()[-3000:]}")


def change(server: Server, action) -> dict:
    """Do `action()` to the files, then wait for the rebuild it causes."""
    before = status(server)["builds"]
    action()
    return settled(server, before)


def served_folder(server: Server) -> Path:
    found = re.search(r" into (\S+)\n", server.output())
    assert found, server.output()
    return Path(found.group(1))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def full_build(project: Path, out: Path) -> dict[str, bytes]:
    """The files of a full build of the project. (Into a new folder each time: on ext4,
    creating files right after many were removed is slow.)"""
    assert cli_main(["--config", str(project / "site.toml"), "build", "--out", str(out)]) == 0
    return tree(out)


def assert_served_is(server: Server, expected: dict[str, bytes], what: str) -> None:
    served = tree(served_folder(server))
    missing = sorted(expected.keys() - served.keys())
    extra = sorted(served.keys() - expected.keys())
    differing = sorted(p for p in expected.keys() & served.keys() if expected[p] != served[p])
    assert not (missing or extra or differing), (
        f"after {what}, the served folder differs from a full build: missing {missing[:5]} "
        f"({len(missing)}), extra {extra[:5]} ({len(extra)}), differing {differing[:5]} ({len(differing)})")


def atomic_write(path: Path, text: str) -> None:
    """As editors save: write a temporary file beside it, then rename it over the file."""
    temporary = path.with_name(path.name + ".tmp~")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def start(project: Path, logs: Path, *extra: str) -> Server:
    running = Server(project, free_port(), logs, *extra)
    running.wait_until_up()
    return running


# --- a small archive, in a browser ----------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return own_project(tmp_path_factory.mktemp("live-project"), NOTES)


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    running = start(project, tmp_path_factory.mktemp("live-logs"))
    try:
        yield running
    finally:
        folder = served_folder(running)
        assert running.stop() == 0, running.output()
        assert not folder.parent.exists(), "the temporary folder of serve was left behind"


@pytest.fixture()
def tab(chromium):
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_page_reloads_by_itself_shows_problems_and_recovers(server, project, tab):
    note = project / "notes" / NOTE
    good = note.read_text(encoding="utf-8")
    tab.goto(f"http://127.0.0.1:{server.port}{NOTE_URL}")
    assert tab.locator("h1").inner_text() == "A virtual workshop"
    tab.evaluate("window.__untouched = true")  # gone once the page reloads

    change(server, lambda: note.write_text(good.replace("A virtual workshop", "A renamed workshop"),
                                           encoding="utf-8"))
    tab.wait_for_function("document.querySelector('h1') && "
                          "document.querySelector('h1').textContent === 'A renamed workshop'", timeout=15000)
    assert tab.evaluate("window.__untouched") is None, "the title changed without a reload?"

    # Bad YAML: the overlay names the file and the line, and the page stays as it was.
    broken = good.replace("A virtual workshop", "A renamed workshop").replace("states: [Norway]",
                                                                               "states: [Norway")
    change(server, lambda: note.write_text(broken, encoding="utf-8"))
    overlay = tab.locator("#live-reload-problems")
    overlay.wait_for(state="visible", timeout=15000)
    assert re.search(r"notes/2020/2020-05-04-virtual-workshop\.md:\d+: ", overlay.inner_text())
    assert tab.locator("h1").inner_text() == "A renamed workshop"

    # An unknown State: another problem, the overlay says which.
    change(server, lambda: note.write_text(good.replace("[Norway]", "[Norwey]"), encoding="utf-8"))
    tab.wait_for_function("document.getElementById('live-reload-problems') && "
                          "document.getElementById('live-reload-problems').textContent.includes('Norwey')",
                          timeout=15000)
    assert f"{NOTE}:{good.splitlines().index('states: [Norway]') + 1}:" in overlay.inner_text()

    # Fixed: the overlay goes, the page comes back with the fixed note.
    tab.evaluate("window.__untouched = true")
    change(server, lambda: note.write_text(good, encoding="utf-8"))
    tab.wait_for_function("!document.getElementById('live-reload-problems') && "
                          "document.querySelector('h1') && "
                          "document.querySelector('h1').textContent === 'A virtual workshop'", timeout=15000)
    assert tab.evaluate("window.__untouched") is None


def test_overlay_text_is_never_markup(server, project, tab):
    note = project / "notes" / NOTE
    good = note.read_text(encoding="utf-8")
    tab.goto(f"http://127.0.0.1:{server.port}{NOTE_URL}")
    evil = good.replace("states: [Norway]", "states: [\"<img src=x onerror=window.__owned=1>\"]")
    try:
        change(server, lambda: note.write_text(evil, encoding="utf-8"))
        tab.locator("#live-reload-problems").wait_for(state="visible", timeout=15000)
        assert "<img" in tab.locator("#live-reload-problems").inner_text()
        assert tab.locator("#live-reload-problems img").count() == 0
        assert tab.evaluate("window.__owned") is None
    finally:
        change(server, lambda: note.write_text(good, encoding="utf-8"))


def test_stylesheet_change_swaps_it_without_reload(server, project, tab):
    style = project / "theme" / "style.css"
    tab.goto(f"http://127.0.0.1:{server.port}/")
    tab.evaluate("window.__untouched = true")
    original = style.read_text(encoding="utf-8")
    try:
        change(server, lambda: style.write_text(original + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n",
                                                encoding="utf-8"))
        tab.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=15000)
        assert tab.evaluate("window.__untouched") is True, "the page reloaded for a stylesheet"
        code, _, css = server.get("/assets/style.css")
        assert code == 200 and b"rgb(1, 2, 3)" in css
    finally:
        change(server, lambda: style.write_text(original, encoding="utf-8"))


def test_twenty_broken_saves_keep_the_server_and_the_last_good_site(server, project):
    note = project / "notes" / NOTE
    good = note.read_text(encoding="utf-8")
    breakages = [b"---\ntitle: [unclosed\n", b"no front matter at all\n",
                 good.replace("date: 2020-05-04", "date: 2020-13-45").encode(),
                 good.replace("[Norway]", "[Atlantis]").encode(), b"---\ntitle: caf\xe9\ndate: 2020-05-04\n---\n"]
    try:
        for attempt in range(20):
            data = breakages[attempt % len(breakages)] + f"\n<!-- attempt {attempt} -->\n".encode()
            after = change(server, lambda: note.write_bytes(data))
            assert after["problems"], f"attempt {attempt}: no problem reported"
            assert server.process.poll() is None
            code, _, body = server.get(NOTE_URL)
            assert code == 200 and b"A virtual workshop" in body, f"attempt {attempt}: the last good page is gone"
        out = server.output()
        assert "Traceback" not in out, out[-3000:]
        assert re.search(r"2020-05-04-virtual-workshop\.md:\d+: ", out), "no path:line: message in the terminal"
    finally:
        after = change(server, lambda: note.write_text(good, encoding="utf-8"))
    assert after["problems"] == []


def test_temporary_files_cause_no_rebuild_and_atomic_save_one(server, project):
    notes = project / "notes" / "2020"
    before = status(server)["builds"]
    for name in (".2020-05-04-virtual-workshop.md.swp", "2020-05-04-virtual-workshop.md~", "4913",
                 ".#2020-05-04-virtual-workshop.md", "#2020-05-04-virtual-workshop.md#"):
        (notes / name).write_text("scratch", encoding="utf-8")
        (notes / name).unlink()
    time.sleep(0.6)
    assert status(server)["builds"] == before, "an editor's temporary file started a rebuild"
    note = project / "notes" / NOTE
    good = note.read_text(encoding="utf-8")
    after = change(server, lambda: atomic_write(note, good.replace("Some text.", "Some saved text.")))
    assert after["builds"] == before + 1, "one save, one rebuild"
    code, _, body = server.get(NOTE_URL)
    assert b"Some saved text." in body
    change(server, lambda: atomic_write(note, good))


def test_only_changed_pages_are_written(server, project):
    note = project / "notes" / NOTE
    good = note.read_text(encoding="utf-8")
    folder = served_folder(server)
    stamps = {p: p.stat().st_mtime_ns for p in folder.rglob("*.html")}
    try:
        after = change(server, lambda: note.write_text(good.replace("Some text.", "Some quokka text."),
                                                       encoding="utf-8"))
        assert not after["last"]["full"]
        rewritten = sorted(str(p.relative_to(folder)) for p, t in stamps.items() if p.stat().st_mtime_ns != t)
        assert rewritten == ["notes/2020-05-04-virtual-workshop/index.html"], rewritten
        assert b"Some quokka text." in (folder / "notes/2020-05-04-virtual-workshop/index.html").read_bytes()
        index = (folder / "search" / "index.js").read_text(encoding="utf-8")
        assert "quokka" in index
    finally:
        change(server, lambda: note.write_text(good, encoding="utf-8"))


def test_reload_script_only_in_served_html(server):
    code, headers, body = server.get(NOTE_URL)
    assert code == 200 and b"/__live/events" in body and headers["cache-control"] == "no-store"
    for path, kind in (("/assets/style.css", "text/css"), ("/feed.xml", "application/atom+xml"),
                       ("/sitemap.xml", "application/xml"), ("/robots.txt", "text/plain"),
                       ("/search/index.js", "text/javascript")):
        code, headers, body = server.get(path)
        assert code == 200 and headers["content-type"].startswith(kind), (path, headers)
        assert b"__live" not in body, path
    code, headers, body = server.get("/no/such/page/")
    assert code == 404 and b"Page not found" in body and b"/__live/events" in body
    for path in served_folder(server).rglob("*"):
        if path.is_file():
            assert b"__live" not in path.read_bytes(), f"{path} carries the reload script"


def test_directory_without_slash_redirects(server):
    code, headers, _ = server.get("/states")
    assert code == 301 and headers["location"] == "/states/"
    code, headers, _ = server.get("/notes/2020-05-04-virtual-workshop?x=1")
    assert code == 301 and headers["location"] == "/notes/2020-05-04-virtual-workshop/?x=1"


def test_event_stream_says_hello_with_the_epoch(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(b"GET /__live/events HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"event: hello" not in received or not received.endswith(b"\n\n"):
            received += connection.recv(4096)
    assert b"text/event-stream" in received
    assert b'"epoch": ' in received


TRAVERSALS = [
    "/../site.toml", "/../../site.toml", "/..", "/../", "/.%2e/site.toml", "/%2e%2e/site.toml",
    "/%2E%2E/%2E%2E/etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2f..%2fsite.toml",
    "/notes/%2e%2e/%2e%2e/site.toml", "/..\\site.toml", "/%5c..%5c..%5csite.toml", "/..%5csite.toml",
    "//etc/passwd", "///etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd%00.html", "/%00", "/index.html%00",
    "/states/../../../../../../etc/passwd", "/./../site.toml", "/%252e%252e/site.toml",
    "/%c0%ae%c0%ae/site.toml", "/notes/..;/..;/site.toml", "http://127.0.0.1/../site.toml",
    "/escape/passwd", "/escape", "/escape-file", "/notes/escape/passwd",
]


@pytest.fixture(scope="module")
def escapes(server, project):
    """Symbolic links in the served folder that lead out of it."""
    folder = served_folder(server)
    links = [folder / "escape", folder / "escape-file", folder / "notes" / "escape"]
    links[0].symlink_to("/etc")
    links[1].symlink_to(project / "site.toml")
    links[2].symlink_to("/etc")
    yield
    for link in links:
        link.unlink(missing_ok=True)  # a full rebuild may have removed it already


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_no_file_from_outside_the_folder(server, escapes, raw_path):
    assert len(TRAVERSALS) >= 20
    code, headers, body = server.get(raw_path)
    assert b"root:" not in body, f"{raw_path} served /etc/passwd"
    assert b"[paths]" not in body, f"{raw_path} served site.toml"
    assert code in (301, 400, 403, 404), (raw_path, code)
    if code == 301:
        location = headers.get("location", "")
        assert location.startswith("/") and not location.startswith("//"), (raw_path, location)


def test_raw_socket_traversal(server, escapes):
    for raw in (b"GET /../../../../etc/passwd HTTP/1.0\r\n\r\n", b"GET /..%00/site.toml HTTP/1.0\r\n\r\n",
                b"GET ../site.toml HTTP/1.0\r\n\r\n", b"GET /escape/passwd HTTP/1.0\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
            connection.sendall(raw)
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        assert b"root:" not in received and b"[paths]" not in received, raw
        assert received.startswith((b"HTTP/1.0 4", b"HTTP/1.1 4")), (raw, received[:100])


def test_any_interface_warns(project, tmp_path):
    running = Server(project, free_port(), tmp_path / "logs", "--host", "0.0.0.0")
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in running.output() and time.monotonic() < deadline:
            assert running.process.poll() is None, running.output()
            time.sleep(0.1)
        assert "warning: serving on every network interface" in running.output()
    finally:
        running.stop()
    assert "Traceback" not in running.output()


def test_open_starts_a_browser(project, tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the address in place of %s
    monkeypatch.setenv("BROWSER", f"sh -c 'echo \"$0\" > {opened}' %s")
    running = Server(project, free_port(), tmp_path / "logs", "--open")
    try:
        deadline = time.monotonic() + 60
        while not opened.exists() and time.monotonic() < deadline:
            assert running.process.poll() is None, running.output()
            time.sleep(0.1)
        assert opened.read_text().strip() == f"http://127.0.0.1:{running.port}/"
    finally:
        running.stop()


# --- every kind of change, compared with a full build -----------------------------------

ARCHIVE = {
    "2019/2019-03-12-export-control-workshop.md": note_text(
        title="Workshop on export control", date="2019-03-12", end="2019-03-13", city="Bangkok",
        country="Thailand", organizers="[Thailand, UNODA]", states="[Cambodia, Lao PDR, Viet Nam]",
        organizations="[UNODA, ARF]", paragraphs='[2663 OP17, "1540"]', summary="Export control."),
    "2019/2019-10-01-briefing-on-reporting.md": note_text(
        title="Briefing on national reports", date="2019-10-01", format="virtual", states="[Norway, Japan]",
        organizations="[EU]", paragraphs='["2325"]'),
    "2020/2020-02-20-country-visit-fiji.md": note_text(
        title="Country visit to Fiji", date="2020-02-20", city="Suva", country="Fiji", kind="country visit",
        states="[Samoa, Tonga]", organizations="[UNODA]", paragraphs="[2663 OP17]"),
    "2020/2020-11-05-conference-in-tokyo.md": note_text(
        title="Conference on border security", date="2020-11-05", format="hybrid", city="Tokyo",
        country="Japan", organizers="[Japan]", states="[Norway, Thailand, USA]", organizations="[ARF, UNICRI]",
        paragraphs='["1810"]', body="## Overview\n\nBorders.\n\n## Outcome\n\nA plan.\n"),
    "2021/2021-04-14-round-table-on-financing.md": note_text(
        title="Round-table on proliferation financing", date="2021-04-14", states="[Viet Nam, Japan, Samoa]",
        organizations="[UNICRI, EU]", paragraphs="[2663 OP17]"),
    "2021/2021-09-30-training-course.md": note_text(
        title="Training course for customs officers", date="2021-09-30", country="Cambodia",
        states="[Cambodia, Lao PDR]", paragraphs='["1540"]'),
    "2022/2022-06-07-regional-meeting.md": note_text(
        title="Regional meeting of the Pacific", date="2022-06-07", city="Apia", country="Samoa",
        states="[Fiji, Tonga, Samoa]", organizations="[UNODA, EU]", paragraphs='["2325", "1810"]'),
    "2022/2022-12-01-seminar-on-biosecurity.md": note_text(
        title="Seminar on biosecurity", date="2022-12-01", format="virtual", states="[Norway, USA]",
        organizations="[ARF]", paragraphs="[2663 OP17]"),
}
"""The archive the changes start from: a few years, and States, organizations and
paragraphs that several notes name, so that a change touches term pages of every kind;
enough pages that a full build forks workers, and few files all the same (on ext4,
creating files soon after many were removed is slow)."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """The project every change starts from; nothing edits it."""
    return own_project(tmp_path_factory.mktemp("live-pristine"), ARCHIVE)


@pytest.fixture(scope="module")
def pristine_site(pristine, tmp_path_factory) -> dict[str, bytes]:
    return full_build(pristine, tmp_path_factory.mktemp("live-pristine-site") / "site")


FORK_LOG = "INFONOTES_TEST_FORK_LOG"
FORK_GUARD = f"""
import os, runpy, sys, threading

from infonotes.output import parallel

def record_fork():
    names = ",".join(sorted(thread.name for thread in threading.enumerate()))
    with open(os.environ["{FORK_LOG}"], "a", encoding="utf-8") as log:
        log.write(f"{{os.getpid()}} {{threading.active_count()}} {{names}}\\n")

os.register_at_fork(before=record_fork)
parallel.worker_count = lambda: 2  # so that a build forks a worker on a machine with one core too
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
"""Runs build.py (the argument after `-c CODE`), writing a line for each fork that any of
its processes makes: the process, how many threads it runs, and their names."""


@dataclass(frozen=True)
class Fork:
    """A line of FORK_GUARD's log: the process that forked, how many threads it ran
    then, and their names."""

    pid: int
    threads: int
    names: str

    @classmethod
    def parse(cls, line: str) -> "Fork":
        pid, threads, names = line.split(" ", 2)
        return cls(int(pid), int(threads), names)


def forks_in(log: Path) -> list[Fork]:
    return [Fork.parse(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


@dataclass(frozen=True)
class Preview:
    server: Server
    project: Path
    """A copy of the pristine project, which the changes edit."""
    forks: Path
    """The log of FORK_GUARD."""


@pytest.fixture(scope="module")
def preview(pristine, tmp_path_factory):
    """`serve` over a copy of the pristine project, run by FORK_GUARD."""
    work = tmp_path_factory.mktemp("live-changes")
    project, forks = work / "project", work / "forks.txt"
    shutil.copytree(pristine, project)
    running = Server(project, free_port(), work / "logs", launcher=("-c", FORK_GUARD), env={FORK_LOG: str(forks)})
    try:
        running.wait_until_up()
        yield Preview(running, project, forks)
    finally:
        folder = served_folder(running)
        assert running.stop() == 0, running.output()[-3000:]
        assert not folder.parent.exists(), "the temporary folder of serve was left behind"


@pytest.fixture()
def pristine_preview(preview, pristine, pristine_site) -> Preview:
    """The preview with the pristine project again, its served folder checked to be the
    pristine site: each change starts from there, whatever ran before it."""
    before = status(preview.server)["builds"]
    if restore(preview.project, pristine):
        settled(preview.server, before)
    assert_served_is(preview.server, pristine_site, "the pristine archive was put back")
    return preview


def restore(project: Path, pristine: Path) -> bool:
    """Make the project's inputs the pristine ones again (removals first: a renamed note's
    former id is then free when the note is written back); True when anything changed."""
    changed = False
    for name in ("notes", "data", "templates", "theme"):
        wanted, found = tree(pristine / name), tree(project / name)
        for path in sorted(found.keys() - wanted.keys()):
            (project / name / path).unlink()
            changed = True
        for path, data in wanted.items():
            if found.get(path) != data:
                (project / name / path).parent.mkdir(parents=True, exist_ok=True)
                (project / name / path).write_bytes(data)
                changed = True
        for folder in sorted((project / name).rglob("*"), reverse=True):  # deepest first
            if folder.is_dir() and not (pristine / name / folder.relative_to(project / name)).exists():
                folder.rmdir()
    return changed


def _note(project: Path, position: int) -> Path:
    """A note of the archive, by its place in path order: each change takes another."""
    return sorted((project / "notes").glob("*/*.md"))[position]


def _edit_body(project: Path) -> None:
    note = _note(project, 0)
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more word.\n", encoding="utf-8")


def _add_state(project: Path) -> None:
    replace_in(_note(project, 1), "\nstates: [", "\nstates: [Tuvalu, ")


def _move_to_another_year(project: Path) -> None:
    note, newest = _note(project, 2), _note(project, -1)
    assert note.parent.name != newest.parent.name
    text = note.read_text(encoding="utf-8")
    date = re.search(r"^date: (\d{4})-(\d\d-\d\d)$", text, re.M)
    text = text.replace(date.group(0), f"date: {newest.parent.name}-{date.group(2)}")
    text = re.sub(r"^end: .*\n", "", text, flags=re.M)
    note.write_text(text, encoding="utf-8")


def _add_note(project: Path) -> None:
    path = project / "notes" / "2024" / "2024-02-02-live-preview-added-note.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(note_text(title="An added note", date="2024-02-02", country="Fiji",
                              states="[Samoa, Tonga]", organizations="[UNODA]", paragraphs="[2663 OP17]"),
                    encoding="utf-8")


def _rename_note(project: Path) -> None:
    note = _note(project, 3)
    os.rename(note, note.with_name(note.stem + "-renamed.md"))


def _delete_note(project: Path) -> None:
    _note(project, 4).unlink()


def _rename_keeping_the_address(project: Path) -> None:
    note = _note(project, 5)
    text = note.read_text(encoding="utf-8")
    note.unlink()  # first, so that the old id is free at every moment
    note.with_name(note.stem + "-moved.md").write_text(
        text.replace("\ntitle: ", f"\nformer_ids: [{note.stem}]\ntitle: ", 1), encoding="utf-8")


def _make_draft(project: Path) -> None:
    note = _note(project, 6)
    text = note.read_text(encoding="utf-8")
    assert "\ndraft:" not in text
    note.write_text(text.replace("\ntitle: ", "\ndraft: true\ntitle: ", 1), encoding="utf-8")


def _publish_draft(project: Path) -> None:
    replace_in(_note(project, 6), "\ndraft: true\n", "\ndraft: false\n")


def _edit_template(project: Path) -> None:
    base = project / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "</footer>\n<!-- edited -->", 1),
                    encoding="utf-8")


def _edit_catalog(project: Path) -> None:
    replace_in(project / "data" / "organizations.yaml", "name: ASEAN Regional Forum,",
               "name: ASEAN Regional Forum (edited),")


def _atomic_save(project: Path) -> None:
    note = _note(project, 7)
    atomic_write(note, note.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Saved ", 1))


@dataclass(frozen=True)
class Change:
    what: str
    action: Callable[[Path], None]
    """Edits the project."""
    setup: Callable[[Path], None] | None = None
    """A change made and rebuilt before `action`, which needs it (the draft it publishes)."""


# The full rebuilds last: putting their files back makes another full rebuild.
CHANGES = [Change("a body edit", _edit_body), Change("an atomic save", _atomic_save),
           Change("a State added", _add_state), Change("a date in another year", _move_to_another_year),
           Change("a note added", _add_note), Change("a note renamed", _rename_note),
           Change("a note deleted", _delete_note),
           Change("a note renamed with its former id", _rename_keeping_the_address),
           Change("a note made a draft", _make_draft),
           Change("the draft published again", _publish_draft, setup=_make_draft),
           Change("a template edit", _edit_template), Change("a catalog edit", _edit_catalog)]


@pytest.mark.parametrize("case", CHANGES, ids=[case.what for case in CHANGES])
def test_incremental_rebuild_equals_a_full_build(pristine_preview, case, tmp_path):
    """The served folder is byte for byte a full build of the changed files; no folder is
    left behind; and no process forked while it ran threads (which can deadlock the child,
    and which Python 3.12+ warns about): a full rebuild's workers come from the builder."""
    running, project = pristine_preview.server, pristine_preview.project
    forks_before = len(forks_in(pristine_preview.forks))
    if case.setup is not None:
        assert change(running, lambda: case.setup(project))["problems"] == []
    before = status(running)["builds"]
    case.action(project)
    expected = full_build(project, tmp_path / "reference")  # while serve rebuilds
    after = settled(running, before)
    assert after["problems"] == [], after["problems"]
    assert_served_is(running, expected, case.what)
    folder = served_folder(running)
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name], "a full rebuild left a folder behind"
    forks = forks_in(pristine_preview.forks)[forks_before:]
    assert [fork for fork in forks if fork.threads > 1] == [], "a process forked while it ran threads"
    if after["last"]["full"]:
        assert forks, "the full rebuild forked no worker: the check above proves nothing"
        assert running.process.pid not in {fork.pid for fork in forks}, "serve forked the rebuild's workers"


# --- the parts, without a server --------------------------------------------------------


def test_changed_paths_are_classified(tmp_path):
    roots = watch.Roots(tmp_path / "site.toml", tmp_path / "notes", tmp_path / "data", tmp_path / "templates",
                        tmp_path / "theme")
    note, catalog, template, theme = watch.NOTE, watch.CATALOG, watch.TEMPLATE, watch.THEME
    table = [
        ("site.toml", watch.CONFIG), ("other.toml", None), ("README.md", None),
        ("notes/2020/2020-05-04-x.md", note), ("notes/2020/2020-05-04-x.markdown", note),
        ("notes/2020", note), ("notes/2020/picture.png", None),
        ("notes/2020/.2020-05-04-x.md.swp", None), ("notes/2020/2020-05-04-x.md~", None),
        ("notes/2020/4913", None), ("notes/2020/.#2020-05-04-x.md", None), ("notes/2020/#x.md#", None),
        ("notes/2020/x.md.swx", None), ("notes/.git/index", None), ("notes/2020/x.md___jb_tmp___", None),
        ("data/states.yaml", catalog), ("data/organizations.yml", catalog), ("data/note.schema.json", None),
        ("data/.states.yaml.swp", None), ("templates/base.html", template), ("templates/.base.html.swp", None),
        ("theme/style.css", theme), ("theme/style.css~", None), ("elsewhere/x.md", None),
    ]
    for path, kind in table:
        assert watch.change_kind(tmp_path / path, roots) == kind, path


def test_url_paths_that_could_leave_the_folder_are_refused():
    table = [
        ("/", ""), ("/states/", "states/"), ("/states/japan/feed.xml", "states/japan/feed.xml"),
        ("/notes/a%20b/", "notes/a b/"), ("/..", None), ("/../x", None), ("/%2e%2e/x", None),
        ("/%2E%2e/x", None), ("/a/%2e/b", None), ("/a%2fb", None), ("/a%5cb", None), ("/a\\b", None),
        ("/a%00b", None), ("//etc/passwd", None), ("/a//b", None), ("etc/passwd", None),
        ("http://x/etc/passwd", None), ("/%ff/x", None), ("/.", None),
    ]
    for raw, expected in table:
        assert site_relative(raw) == expected, raw


def test_scan_finds_the_notes_the_build_finds(pristine, tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(pristine / "notes", notes)
    year = _note(pristine, 0).parent.name
    (notes / ".hidden").mkdir()
    (notes / ".hidden" / "2020-01-01-x.md").write_text("x")
    (notes / year / f".{year}-01-01-y.md").write_text("x")
    (notes / year / "picture.png").write_text("x")
    (notes / "linked").symlink_to(notes / year)
    assert sorted(scan_notes(notes)) == [str(p) for p in find_note_files(notes)]


def test_quiet_batches(tmp_path):
    queue = watch.ChangeQueue()

    def burst():
        for i in range(20):
            queue.put(tmp_path / f"{i}.md", watch.NOTE)
            time.sleep(0.01)

    writer = threading.Thread(target=burst)
    writer.start()
    batch = queue.take(quiet=0.1)
    writer.join()
    assert len(batch) == 20, "a burst of changes is one batch"
    queue.stop()
    assert queue.take() is None


def test_requests_wait_for_the_rebuild_to_end():
    lock, seen = FolderLock(), []

    def request():
        with lock.reading():
            seen.append("read")

    with lock.writing():
        reader = threading.Thread(target=request)
        reader.start()
        time.sleep(0.2)
        assert seen == [], "a request read the folder during a rebuild"
        seen.append("rebuilt")
    reader.join(5)
    assert seen == ["rebuilt", "read"]


def test_broken_template_is_reported_and_a_fix_rebuilds_everything(server, project):
    template = project / "templates" / "404.html"
    good = template.read_text(encoding="utf-8")
    note = project / "notes" / NOTE
    note_good = note.read_text(encoding="utf-8")
    try:
        after = change(server, lambda: template.write_text(good + "{% if %}\n", encoding="utf-8"))
        assert after["problems"] and "404.html:" in after["problems"][0]["text"], after["problems"]
        # A note saved meanwhile waits for the templates to be fixed, then shows.
        after = change(server, lambda: note.write_text(note_good.replace("Some text.", "Text while broken."),
                                                       encoding="utf-8"))
        assert after["problems"], "the template is still broken"
        after = change(server, lambda: template.write_text(good, encoding="utf-8"))
        assert after["problems"] == [] and after["last"]["full"]
        code, _, body = server.get(NOTE_URL)
        assert b"Text while broken." in body
    finally:
        change(server, lambda: (template.write_text(good, encoding="utf-8"),
                                note.write_text(note_good, encoding="utf-8")))
