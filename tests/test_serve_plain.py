"""`python build.py serve`, run for real in a subprocess: it builds, serves the site on
127.0.0.1, answers missing pages with the site's 404 page, never serves a file outside its
folder, stops cleanly on Ctrl-C, and says what to do when the port is taken.

(Plain serving; rebuild on change and browser reload are tested with live preview.)
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, note_text, write_project

NOTES = {
    "2018/2018-12-12-round-table-south-east-asia.md": note_text(
        title="Round-table for South-East Asia", date="2018-12-12", city="Vientiane",
        country="Lao PDR", states="[Cambodia, Viet Nam]", organizations="[UNICRI]",
        paragraphs="[2663 OP17]"),
    "2020/2020-05-04-virtual-workshop.md": note_text(
        title="A virtual workshop", date="2020-05-04", format="virtual", states="[Norway]"),
    "2023/2023-03-07-regional-meeting.md": note_text(
        title="Regional meeting of stakeholders", date="2023-03-07", country="Thailand",
        organizations="[UNODA, EU]"),
}

START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_sigint():
    # A process started in the background by a non-interactive shell inherits SIGINT as
    # ignored; Ctrl-C in a terminal is what this models, so start from the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Server:
    """`python build.py --config PROJECT/site.toml serve --port PORT`, output into files.

    `launcher` goes between the interpreter and build.py (`-c CODE`: a wrapper that runs
    build.py itself); `env` adds to the environment.
    """

    def __init__(self, project: Path, port: int, logs: Path, *extra: str, launcher: tuple[str, ...] = (),
                 env: dict[str, str] | None = None):
        self.port = port
        logs.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = logs / "stdout.txt", logs / "stderr.txt"
        self._out, self._err = open(self.out_path, "wb"), open(self.err_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, *launcher, str(ROOT / "build.py"), "--config", str(project / "site.toml"),
             "serve", "--port", str(port), *extra],
            cwd=ROOT, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
            preexec_fn=_default_sigint, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})

    def output(self) -> str:
        return (self.out_path.read_text(encoding="utf-8", errors="replace")
                + self.err_path.read_text(encoding="utf-8", errors="replace"))

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode} before answering:\n{self.output()}")
            try:
                status, _, _ = self.get("/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"serve did not answer on port {self.port} within {START_TIMEOUT} s:\n{self.output()}")

    def get(self, raw_path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        """One request with the path sent exactly as given (http.client does not normalize it)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, raw_path)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        self._err.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("serve-project"), NOTES)


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    running = Server(project, free_port(), tmp_path_factory.mktemp("serve-logs"))
    try:
        running.wait_until_up()
        yield running
    finally:
        running.stop()


def test_home_page_is_html(server):
    status, headers, body = server.get("/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert b"<!DOCTYPE html>" in body and b"Test archive" in body
    assert b"Round-table for South-East Asia" in body


def test_section_pages_answer(server):
    for path in ("/states/", "/notes/", "/organizations/", "/paragraphs/",
                 "/notes/2018-12-12-round-table-south-east-asia/", "/states/norway/"):
        status, headers, body = server.get(path)
        assert status == 200, path
        assert headers["content-type"].startswith("text/html"), path
    status, _, body = server.get("/states/")
    assert b"Cambodia" in body and b"Viet Nam" in body
    status, headers, body = server.get("/feed.xml")
    assert status == 200 and b"<feed" in body


def test_head_request(server):
    status, headers, body = server.get("/", method="HEAD")
    assert status == 200 and body == b""


def test_missing_path_gives_the_sites_404_page(server, project):
    status, headers, body = server.get("/no/such/page/")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert b"Page not found" in body
    assert b"Test archive" in body, "the 404 page should be the site's own, with its header"
    status, _, body = server.get("/notes/1999-01-01-never-written/")
    assert status == 404 and b"Page not found" in body


TRAVERSALS = [
    "/../site.toml",
    "/../../site.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc/passwd",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    "/..\\..\\etc\\passwd",
    "//etc/passwd",
    "/states/../../../../../../etc/passwd",
    "/%2fetc%2fpasswd",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_path_traversal_never_leaves_the_served_folder(server, raw_path):
    status, headers, body = server.get(raw_path)
    assert b"root:" not in body, f"{raw_path} served /etc/passwd"
    assert b"base_url" not in body and b"[paths]" not in body, f"{raw_path} served site.toml"
    if status == 200:
        assert headers.get("content-type", "").startswith("text/html"), (raw_path, headers)
        assert b"<!DOCTYPE html>" in body[:200] and b"Test archive" in body, \
            f"{raw_path} gave 200 with something that is not a page of the site: {body[:200]!r}"
    else:
        assert status in (301, 400, 403, 404), (raw_path, status)
    if status == 301:  # a redirect must stay on this site
        location = headers.get("location", "")
        assert not location.startswith("//") and "://" not in location, (raw_path, location)


def test_binds_loopback_by_default(server):
    out = server.output()
    assert f"http://127.0.0.1:{server.port}/" in out
    listening = _listening_addresses(server.port)
    if listening is None:
        pytest.skip("no /proc/net/tcp on this system")
    assert listening == {"127.0.0.1"}, f"listening on {listening}"


def _listening_addresses(port: int) -> set[str] | None:
    """The local addresses with a listening TCP socket on `port` (Linux's /proc/net/tcp{,6})."""
    found, seen_table = set(), False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        seen_table = True
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            if len(address) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
            else:
                raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8))
                found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found if seen_table else None


def test_sigint_stops_it_cleanly(project, tmp_path):
    running = Server(project, free_port(), tmp_path / "logs")
    try:
        running.wait_until_up()
        running.get("/")
        running.get("/no-such-page")
        running.process.send_signal(signal.SIGINT)
        code = running.process.wait(20)
    finally:
        running.stop()
    out = running.output()
    assert code == 0, f"exit {code} after SIGINT:\n{out}"
    assert "Traceback" not in out, out
    with pytest.raises(OSError):  # nobody answers any more
        socket.create_connection(("127.0.0.1", running.port), timeout=2).close()


def test_port_in_use_says_so_and_suggests_another(project, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        running = Server(project, port, tmp_path / "logs")
        try:
            code = running.process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            running.stop()
            pytest.fail(f"serve kept running although port {port} is taken:\n{running.output()}")
        running.stop()
    out = running.output()
    assert code != 0, out
    assert "Traceback" not in out, out
    lowered = out.lower()
    assert str(port) in out and ("in use" in lowered or "taken" in lowered), out
    assert "--port" in out, f"no other port suggested:\n{out}"


@pytest.mark.parametrize("args", [["--port", "70000"], ["--port", "-1"], ["--host", "no-such-host.invalid"]])
def test_an_address_it_cannot_listen_on_is_said_without_a_traceback(project, args):
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", *args], cwd=project,
                            capture_output=True, text=True, timeout=START_TIMEOUT)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "cannot listen on" in result.stderr and "--port" in result.stderr, result.stderr


def test_a_broken_archive_at_start_is_served_as_a_waiting_page_until_fixed(tmp_path):
    # A contributor starts the preview in the middle of an edit: serve must not exit, but
    # say what is wrong (terminal, status, page) and show the site once the note is fixed.
    broken = note_text(title="Half-written", date="2021-02-30", states="[Atlantis]")
    project = write_project(tmp_path / "p", {**NOTES, "2021/2021-02-28-half-written.md": broken})
    note = project / "notes" / "2021" / "2021-02-28-half-written.md"
    running = Server(project, free_port(), tmp_path / "logs")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert running.process.poll() is None, f"serve exited:\n{running.output()}"
            try:
                status, _, body = running.get("/")
                break
            except OSError:
                assert time.monotonic() < deadline, running.output()
                time.sleep(0.1)
        assert b"waiting for the problems to be fixed" in body and b"data-events" in body, body[:300]
        status, _, body = running.get("/states/norway/")
        assert status == 404 and b"waiting for the problems to be fixed" in body
        problems = json.loads(running.get("/__live/status")[2])["problems"]
        texts = " ".join(p["text"] for p in problems)
        assert "2021-02-30" in texts and "Atlantis" in texts, problems
        assert "2021-02-28-half-written.md" in running.output() and "Traceback" not in running.output()

        # Still broken after a save: still waiting, and it says so (there is no good build).
        note.write_text(note_text(title="Half-written", date="2021-02-28", states="[Atlantis]"), encoding="utf-8")
        deadline = time.monotonic() + START_TIMEOUT
        while json.loads(running.get("/__live/status")[2])["builds"] < 2:
            assert time.monotonic() < deadline, f"no rebuild after the save:\n{running.output()}"
            time.sleep(0.1)
        assert running.output().count("the preview waits for a build without problems") == 2, running.output()
        assert "last good build" not in running.output()
        assert b"waiting for the problems to be fixed" in running.get("/")[2]

        note.write_text(note_text(title="Half-written", date="2021-02-28", states="[Norway]"), encoding="utf-8")
        deadline = time.monotonic() + START_TIMEOUT
        while not json.loads(running.get("/__live/status")[2])["epoch"]:
            assert time.monotonic() < deadline, f"no rebuild after the fix:\n{running.output()}"
            time.sleep(0.1)
        live = json.loads(running.get("/__live/status")[2])
        assert live["problems"] == [] and live["search"] == live["epoch"]
        status, _, body = running.get("/states/norway/")
        assert status == 200 and b"Half-written" in body and b"waiting" not in body
        assert running.get("/search/index.js")[0] == 200
    finally:
        running.stop()
