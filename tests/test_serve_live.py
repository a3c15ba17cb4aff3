"""Live preview: `python build.py serve` run for real over a temporary copy of an archive.

A browser tab reloads by itself when a note is saved, shows the problems of a broken
note in an overlay and goes back to the page once it is fixed; every kind of change
gives, in the served folder, the bytes a full build of the same files gives; the server
never serves a file outside its folder, and a run of broken saves never stops it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli_main, gen_notes, note_text, write_project
from test_serve_plain import NOTES, Server, free_port

REBUILD_TIMEOUT = 120

NOTE = "2020/2020-05-04-virtual-workshop.md"
NOTE_URL = "/notes/2020-05-04-virtual-workshop/"


# --- helpers ---------------------------------------------------------------------------


def own_project(root: Path, notes: dict[str, str] | None = None, notes_dir: Path | None = None) -> Path:
    """A project with its own copies of the catalogs, templates and theme (the tests edit them)."""
    for name in ("data", "templates", "theme"):
        shutil.copytree(ROOT / name, root / name)
    project = write_project(root, notes or {}, site_toml=(
        'title = "Test archive"\n'
        'description = "Notes for the tests."\n'
        'base_url = "https://example.org/"\n'
        "[paths]\n"
        'data = "data"\ntemplates = "templates"\ntheme = "theme"\nnotes = "notes"\noutput = "public"\n'))
    if notes_dir is not None:
        shutil.rmtree(project / "notes")
        shutil.copytree(notes_dir, project / "notes")
    return project


def status(server: Server) -> dict:
    code, _, body = server.get("/__live/status")
    assert code == 200
    return json.loads(body)


def settled(server: Server, builds_before: int, timeout: float = REBUILD_TIMEOUT) -> dict:
    """Wait until a rebuild after `builds_before` is over and the search index caught up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"serve exited with {server.process.returncode}:\n{server.output()[-3000:]}")
        now = status(server)
        if now["builds"] > builds_before and not now["busy"]:
            time.sleep(0.15)  # no other batch of the same change on its way
            again = status(server)
            if again["builds"] == now["builds"] and not again["busy"]:
                return again
        time.sleep(0.05)
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


def assert_same_as_full_build(server: Server, project: Path, work: Path, what: str) -> None:
    reference = work / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    assert cli_main(["--config", str(project / "site.toml"), "build", "--out", str(reference)]) == 0
    expected, served = tree(reference), tree(served_folder(server))
    missing = sorted(expected.keys() - served.keys())
    extra = sorted(served.keys() - expected.keys())
    differing = sorted(p for p in expected.keys() & served.keys() if expected[p] != served[p])
    assert not (missing or extra or differing), (
        f"after {what}, the served folder differs from a full build: missing {missing[:5]} "
        f"({len(missing)}), extra {extra[:5]} ({len(extra)}), differing {differing[:5]} ({len(differing)})")
    shutil.rmtree(reference)


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


# --- a 2,000-note archive: every kind of change, compared with a full build ------------


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    work = tmp_path_factory.mktemp("live-big")
    notes = gen_notes(work / "generated", 2000)
    project = own_project(work / "project", notes_dir=notes)
    running = start(project, work / "logs")
    try:
        yield running, project, work
    finally:
        folder = served_folder(running)
        # Removing a 2,000-note site takes a while on a busy machine: wait for it.
        assert running.stop(timeout=180) == 0, running.output()[-3000:]
        assert not folder.parent.exists(), "the temporary folder of serve was left behind"


def _first_note(project: Path, year: str) -> Path:
    return sorted((project / "notes" / year).glob("*.md"))[0]


def _edit_body(project: Path) -> None:
    note = _first_note(project, "2015")
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more word.\n", encoding="utf-8")


def _add_state(project: Path) -> None:
    note = _first_note(project, "2016")
    text = note.read_text(encoding="utf-8")
    assert "\nstates:\n" in text
    note.write_text(text.replace("\nstates:\n", "\nstates:\n- Tuvalu\n", 1), encoding="utf-8")


def _move_to_another_year(project: Path) -> None:
    note = _first_note(project, "2017")
    text = note.read_text(encoding="utf-8")
    date = re.search(r"^date: (\d{4})-(\d\d-\d\d)$", text, re.M)
    text = text.replace(date.group(0), f"date: 2011-{date.group(2)}")
    text = re.sub(r"^end: .*\n", "", text, flags=re.M)
    note.write_text(text, encoding="utf-8")


def _add_note(project: Path) -> None:
    path = project / "notes" / "2024" / "2024-02-02-live-preview-added-note.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(note_text(title="An added note", date="2024-02-02", country="Fiji",
                              states="[Samoa, Tonga]", organizations="[UNODA]", paragraphs="[2663 OP17]"),
                    encoding="utf-8")


def _rename_note(project: Path) -> None:
    note = _first_note(project, "2018")
    os.rename(note, note.with_name(note.stem + "-renamed.md"))


def _delete_note(project: Path) -> None:
    _first_note(project, "2019").unlink()


def _rename_keeping_the_address(project: Path) -> None:
    note = _first_note(project, "2021")
    text = note.read_text(encoding="utf-8")
    note.unlink()  # first, so that the old id is free at every moment
    note.with_name(note.stem + "-moved.md").write_text(
        text.replace("\ntitle: ", f"\nformer_ids: [{note.stem}]\ntitle: ", 1), encoding="utf-8")


def _make_draft(project: Path) -> None:
    note = _first_note(project, "2022")
    text = note.read_text(encoding="utf-8")
    assert "\ndraft:" not in text
    note.write_text(text.replace("\ntitle: ", "\ndraft: true\ntitle: ", 1), encoding="utf-8")


def _publish_draft(project: Path) -> None:
    replace_in(_first_note(project, "2022"), "\ndraft: true\n", "\ndraft: false\n")


def _edit_template(project: Path) -> None:
    base = project / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "</footer>\n<!-- edited -->", 1),
                    encoding="utf-8")


def _edit_catalog(project: Path) -> None:
    replace_in(project / "data" / "organizations.yaml", "name: ASEAN Regional Forum,",
               "name: ASEAN Regional Forum (edited),")


def _atomic_save(project: Path) -> None:
    note = _first_note(project, "2020")
    atomic_write(note, note.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Saved ", 1))


CHANGES = [("a body edit", _edit_body), ("a State added", _add_state), ("a date in another year",
           _move_to_another_year), ("a note added", _add_note), ("a note renamed", _rename_note),
           ("a note deleted", _delete_note), ("a note renamed with its former id", _rename_keeping_the_address),
           ("a note made a draft", _make_draft), ("the draft published again", _publish_draft),
           ("a template edit", _edit_template),
           ("a catalog edit", _edit_catalog), ("an atomic save", _atomic_save)]


@pytest.mark.parametrize("what, action", CHANGES, ids=[what for what, _ in CHANGES])
def test_incremental_rebuild_equals_a_full_build(big, what, action):
    running, project, work = big
    after = change(running, lambda: action(project))
    assert after["problems"] == [], after["problems"]
    assert_same_as_full_build(running, project, work, what)
    folder = served_folder(running)
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name], "a full rebuild left a folder behind"


# --- the parts, without a server --------------------------------------------------------


def test_changed_paths_are_classified(tmp_path):
    from infonotes.preview.watch import CATALOG, CONFIG, NOTE, TEMPLATE, THEME, Roots, change_kind
    roots = Roots(tmp_path / "site.toml", tmp_path / "notes", tmp_path / "data", tmp_path / "templates",
                  tmp_path / "theme")
    table = [
        ("site.toml", CONFIG), ("other.toml", None), ("README.md", None),
        ("notes/2020/2020-05-04-x.md", NOTE), ("notes/2020/2020-05-04-x.markdown", NOTE),
        ("notes/2020", NOTE), ("notes/2020/picture.png", None),
        ("notes/2020/.2020-05-04-x.md.swp", None), ("notes/2020/2020-05-04-x.md~", None),
        ("notes/2020/4913", None), ("notes/2020/.#2020-05-04-x.md", None), ("notes/2020/#x.md#", None),
        ("notes/2020/x.md.swx", None), ("notes/.git/index", None), ("notes/2020/x.md___jb_tmp___", None),
        ("data/states.yaml", CATALOG), ("data/organizations.yml", CATALOG), ("data/note.schema.json", None),
        ("data/.states.yaml.swp", None), ("templates/base.html", TEMPLATE), ("templates/.base.html.swp", None),
        ("theme/style.css", THEME), ("theme/style.css~", None), ("elsewhere/x.md", None),
    ]
    for path, kind in table:
        assert change_kind(tmp_path / path, roots) == kind, path


def test_url_paths_that_could_leave_the_folder_are_refused():
    from infonotes.preview.server import site_relative
    table = [
        ("/", ""), ("/states/", "states/"), ("/states/japan/feed.xml", "states/japan/feed.xml"),
        ("/notes/a%20b/", "notes/a b/"), ("/..", None), ("/../x", None), ("/%2e%2e/x", None),
        ("/%2E%2e/x", None), ("/a/%2e/b", None), ("/a%2fb", None), ("/a%5cb", None), ("/a\\b", None),
        ("/a%00b", None), ("//etc/passwd", None), ("/a//b", None), ("etc/passwd", None),
        ("http://x/etc/passwd", None), ("/%ff/x", None), ("/.", None),
    ]
    for raw, expected in table:
        assert site_relative(raw) == expected, raw


def test_scan_finds_the_notes_the_build_finds(generated_300, tmp_path):
    from infonotes.archive.load import find_note_files
    from infonotes.preview.rebuild import scan_notes
    notes = tmp_path / "notes"
    shutil.copytree(generated_300, notes)
    (notes / ".hidden").mkdir()
    (notes / ".hidden" / "2020-01-01-x.md").write_text("x")
    (notes / "2020" / ".2020-01-01-y.md").write_text("x")
    (notes / "2020" / "picture.png").write_text("x")
    (notes / "linked").symlink_to(notes / "2020")
    assert sorted(scan_notes(notes)) == [str(p) for p in find_note_files(notes)]


def test_quiet_batches(tmp_path):
    import threading

    from infonotes.preview.watch import NOTE, ChangeQueue
    queue = ChangeQueue()

    def burst():
        for i in range(20):
            queue.put(tmp_path / f"{i}.md", NOTE)
            time.sleep(0.01)

    writer = threading.Thread(target=burst)
    writer.start()
    batch = queue.take(quiet=0.1)
    writer.join()
    assert len(batch) == 20, "a burst of changes is one batch"
    queue.stop()
    assert queue.take() is None


def test_requests_wait_for_the_rebuild_to_end():
    import threading

    from infonotes.preview.server import FolderLock
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
