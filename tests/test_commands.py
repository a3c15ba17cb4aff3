"""The command line of DESIGN's table: `new`, `--help`, and exit statuses."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, note_text, run_cli, write_project


def test_new_writes_a_note_in_its_year_folder_that_checks_cleanly(tmp_path):
    project = write_project(tmp_path / "p", {})
    result = run_cli(["--config", str(project / "site.toml"), "new",
                      "Regional Workshop on the Export Control of Dual-Use Goods", "--date", "2024-05-06"],
                     cwd=project)
    assert result.returncode == 0, result.stderr
    path = project / "notes" / "2024" / "2024-05-06-regional-workshop-export-control-dual-use-goods.md"
    assert result.stdout.strip().endswith(str(path.relative_to(project))) or str(path) in result.stdout
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert 'title: "Regional Workshop on the Export Control of Dual-Use Goods"' in text
    assert "date: 2024-05-06" in text
    checked = run_cli(["--config", str(project / "site.toml"), "check"], cwd=project)
    assert checked.returncode == 0, checked.stderr


def test_new_refuses_to_overwrite_and_rejects_a_bad_date(tmp_path):
    project = write_project(tmp_path / "p", {"2024/2024-05-06-workshop.md": note_text(date="2024-05-06")})
    config = ["--config", str(project / "site.toml")]
    before = (project / "notes/2024/2024-05-06-workshop.md").read_bytes()
    again = run_cli([*config, "new", "Workshop", "--date", "2024-05-06"], cwd=project)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    assert (project / "notes/2024/2024-05-06-workshop.md").read_bytes() == before
    bad = run_cli([*config, "new", "Workshop", "--date", "2024-02-30"], cwd=project)
    assert bad.returncode == 1
    assert "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_help_names_every_command(tmp_path):
    result = run_cli(["--help"], cwd=tmp_path)
    assert result.returncode == 0
    for command in ("build", "check", "serve", "new"):
        assert command in result.stdout


def test_a_missing_notes_folder_or_config_is_a_clear_error(tmp_path):
    project = write_project(tmp_path / "p", {})
    result = run_cli(["--config", str(project / "site.toml"), "build", "--notes", str(tmp_path / "nowhere")],
                     cwd=project)
    assert result.returncode == 1
    assert "the notes folder does not exist" in result.stderr and "Traceback" not in result.stderr
    missing = run_cli(["--config", str(tmp_path / "none.toml"), "build"], cwd=tmp_path)
    assert missing.returncode == 1
    assert "none.toml:1: the settings file does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    # `python build.py build | head -0`: the reader is gone before the first line is written.
    project = write_project(tmp_path / "p", {"2023/2023-03-07-meeting.md": note_text("Meeting", "2023-03-07")})
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--out", str(tmp_path / "out")],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors


@pytest.mark.parametrize("args, message", [
    (["build", "--base-url", "ftp:/x"], "--base-url: the address must be absolute"),
    (["build", "--base-url", "https://"], "--base-url: the address must be absolute"),
    (["schema", "--out", "missing-folder/note.schema.json"], "no such folder"),
    (["new", "Week dates", "--date", "2024-W01-1"], "is not a date written YYYY-MM-DD"),
    (["new", "A file", "--date", "2024-01-02", "--notes", "site.toml"], "a file, not the notes folder"),
])
def test_bad_arguments_are_told_without_a_traceback(tmp_path, args, message):
    project = write_project(tmp_path / "p", {"2023/2023-03-07-meeting.md": note_text("Meeting", "2023-03-07")})
    result = run_cli(args, project)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert not (project / "notes" / "2024").exists()
