"""Contributor tooling (issue 7): `new`, `check` output and warnings, `check --fix`, the
JSON Schema of the front matter, the GitHub workflows and the messages of the ten
defect kinds of gen_notes.py --broken.

The first test does what a new contributor does, from `new` to the note on its State's
page; the others pin each piece.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from infonotes import report
from infonotes.archive.catalog import load_catalog
from infonotes.archive.check import FIELDS, check_source
from infonotes.archive.load import find_note_files, read_source
from infonotes.archive.yamlnodes import plain_is_safe, scalar_text
from infonotes.cli import _parser
from infonotes.commands.check import check_archive
from infonotes.commands.schema import FILE_NAME, note_schema, schema_text
from infonotes.config import load_config
from infonotes.problems import WARNING, Problem

from conftest import ROOT, gen_notes, note_text, write_project
from yaml12 import as_editor_sees

jsonschema = pytest.importorskip("jsonschema")

CATALOG = load_catalog(ROOT / "data")
SCHEMA = note_schema(CATALOG)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PROBLEM = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+): (?P<message>.+)$")


def cli(args: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    """`python build.py ARGS` with GITHUB_ACTIONS unset unless given."""
    environment = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    environment.update(env)
    completed = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, env=environment,
                               capture_output=True, text=True, timeout=300)
    assert "Traceback" not in completed.stderr + completed.stdout, completed.stderr
    return completed


def problems_of(completed) -> list[tuple[str, int, str]]:
    return [(m["path"], int(m["line"]), m["message"])
            for m in map(PROBLEM.match, completed.stderr.splitlines()) if m]


# --- the contributor's path ----------------------------------------------------------------

def test_a_new_contributor_goes_from_new_to_the_note_on_its_state_page(tmp_path):
    project = write_project(tmp_path / "p", {})
    made = cli(["new", "Regional Workshop on Export Controls in South-East Asia", "--date", "2024-05-06",
                "--end", "2024-05-07", "--country", "Lao PDR"], project)
    assert made.returncode == 0, made.stderr
    relative = "notes/2024/2024-05-06-regional-workshop-export-controls-south-east-asia.md"
    assert made.stdout.strip() == relative
    path = project / relative
    template = path.read_text(encoding="utf-8")
    assert "country: Lao People's Democratic Republic " in template

    # The contributor fills the fields in, with aliases, a misspelt State and lower case.
    filled = (template
              .replace("city:                  ", "city: Vientiane       ")
              .replace("format:                ", "format: in-person     ")
              .replace("kind:                  ", "kind: workshop        ")
              .replace("organizers: []", "organizers: [Lao PDR, unoda]")
              .replace("states: []                  #", "states:                     #")
              .replace("organizations: []", "organizations: [iaea, 1540 experts]")
              .replace('paragraphs: []', 'paragraphs: [res. 2663 op 17, "2325"]')
              .replace("summary:                ", "summary: Officials of four States met in Vientiane.")
              .replace("## Background\n", "## Background\n\nLao PDR asked for the workshop.\n")
              .replace("## Overview\n", "## Overview\n\nThe experts presented resolution 1540.\n")
              .replace("## Highlights\n", "## Highlights\n\nVietnam offered to host the next one.\n"))
    filled = filled.replace("# participating States, e.g. [Viet Nam, Thailand]\n",
                            "# participating States, e.g. [Viet Nam, Thailand]\n"
                            "  - Lao PDR\n  - Vietnam\n  - Cambodja   # misspelt\n  - thailand\n")
    assert filled.count("\n  - ") == 4, filled
    path.write_text(filled, encoding="utf-8")
    misspelt_line = filled.split("\n").index("  - Cambodja   # misspelt") + 1

    checked = cli(["check"], project)
    assert checked.returncode == 1
    assert problems_of(checked) == [(relative, misspelt_line, "unknown State 'Cambodja' (did you mean Cambodia?)")]
    assert checked.stderr.strip().endswith("1 problem in 1 of 1 note"), checked.stderr

    # The contributor corrects the spelling by hand, then lets --fix do the rest.
    corrected = filled.replace("  - Cambodja   # misspelt", "  - Cambodia   # misspelt")
    path.write_text(corrected, encoding="utf-8")
    fixed = cli(["check", "--fix"], project)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    expected = (corrected
                .replace("organizers: [Lao PDR, unoda]", "organizers: [Lao People's Democratic Republic, UNODA]")
                .replace("  - Lao PDR\n", "  - Lao People's Democratic Republic\n")
                .replace("  - Vietnam\n", "  - Viet Nam\n")
                .replace("  - thailand\n", "  - Thailand\n")
                .replace("organizations: [iaea, 1540 experts]", "organizations: [IAEA, 1540 GoE]")
                .replace("paragraphs: [res. 2663 op 17,", "paragraphs: [2663 OP17,"))
    assert path.read_text(encoding="utf-8") == expected  # the body still says "Lao PDR" and "Vietnam"
    assert "Lao PDR asked" in expected and "Vietnam offered" in expected
    changes = [line for line in fixed.stdout.splitlines() if line.startswith(relative)]
    assert len(changes) == 8, fixed.stdout
    assert f"{relative}:{misspelt_line - 2}: states: Lao PDR -> Lao People's Democratic Republic" in changes

    again = cli(["check", "--strict"], project)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "1 note checked: no problems"

    built = cli(["build"], project)
    assert built.returncode == 0, built.stderr
    note_id = Path(relative).stem
    for state in ("lao-peoples-democratic-republic", "cambodia", "viet-nam", "thailand"):
        page = (project / "public" / "states" / state / "index.html").read_text(encoding="utf-8")
        assert f"/notes/{note_id}/" in page, state


# --- new ---------------------------------------------------------------------------------

def test_new_writes_every_field_with_a_comment_and_the_schema_line(tmp_path):
    project = write_project(tmp_path / "p", {})
    made = cli(["new", "Round-table on Border Security", "--date", "2023-11-20"], project)
    assert made.returncode == 0, made.stderr
    path = project / made.stdout.strip()
    lines = path.read_text(encoding="utf-8").split("\n")
    front = lines[1:lines.index("---", 1)]
    schema_line = front[0]
    assert schema_line.startswith("# yaml-language-server: $schema=")
    schema_path = (path.parent / schema_line.split("=", 1)[1]).resolve()
    assert schema_path == (ROOT / "data" / FILE_NAME).resolve()
    fields = [line.split(":", 1)[0] for line in front[1:]]
    assert tuple(fields) == FIELDS
    assert all(re.search(r"\s# \S", line) for line in front[1:]), front
    # The new note checks (with warnings: no summary yet, empty sections), and validates.
    checked = cli(["check"], project)
    assert checked.returncode == 0, checked.stderr
    source = read_source(path, "n.md")
    VALIDATOR.validate(as_editor_sees(source.front))
    # In a project laid out as the repository, the line is the short relative path.
    from infonotes.commands.new import new_note
    made = new_note(tmp_path / "q" / "notes", "Visit", "2024-01-02", schema=tmp_path / "q" / "data" / FILE_NAME)
    assert "# yaml-language-server: $schema=../../data/note.schema.json\n" in made.read_text(encoding="utf-8")


def test_new_resolves_the_country_and_refuses_what_it_cannot_write(tmp_path):
    project = write_project(tmp_path / "p", {"2024/2024-05-06-workshop-biosecurity.md": note_text(date="2024-05-06")})
    unknown = cli(["new", "Visit", "--date", "2024-05-06", "--country", "Cambodja"], project)
    assert unknown.returncode == 1
    assert "--country: unknown State 'Cambodja' (did you mean Cambodia?)" in unknown.stderr
    code = cli(["new", "Visit", "--date", "2024-05-06", "--country", "khm"], project)
    assert code.returncode == 0, code.stderr
    assert "country: Cambodia " in (project / code.stdout.strip()).read_text(encoding="utf-8")
    backwards = cli(["new", "Visit two", "--date", "2024-05-06", "--end", "2024-05-01"], project)
    assert backwards.returncode == 1 and "--end: 2024-05-01 is before --date 2024-05-06" in backwards.stderr
    bad_end = cli(["new", "Visit two", "--date", "2024-05-06", "--end", "6 May"], project)
    assert bad_end.returncode == 1 and "--end: '6 May' is not a date written YYYY-MM-DD" in bad_end.stderr
    before = (project / "notes/2024/2024-05-06-workshop-biosecurity.md").read_bytes()
    same = cli(["new", "A Workshop on Biosecurity", "--date", "2024-05-06"], project)
    assert same.returncode == 1
    assert "notes/2024/2024-05-06-workshop-biosecurity.md:1: a note with this id already exists" in same.stderr
    assert (project / "notes/2024/2024-05-06-workshop-biosecurity.md").read_bytes() == before
    assert sorted(p.name for p in (project / "notes/2024").iterdir()) == [
        "2024-05-06-visit.md", "2024-05-06-workshop-biosecurity.md"]


def test_a_note_misfiled_under_another_year_still_blocks_its_id(tmp_path):
    project = write_project(tmp_path / "p", {"2023/2024-05-06-visit.md": note_text(date="2024-05-06")})
    same = cli(["new", "Visit", "--date", "2024-05-06"], project)
    assert same.returncode == 1 and "notes/2023/2024-05-06-visit.md:1:" in same.stderr
    assert not (project / "notes/2024").exists()


@pytest.mark.parametrize("title, slug", [
    ("Regional Workshop on the Export Control of Dual-Use Goods", "regional-workshop-export-control-dual-use-goods"),
    ("Séminaire régional : sécurité biologique à Lomé", "seminaire-regional-securite-biologique-lome"),
    ("Côte d’Ivoire’s National Round-Table", "cote-divoires-national-round-table"),
    ("Workshop on the Implementation of Resolution 1540 (2004) and its Follow-up Resolutions in the "
     "Member States of the Caribbean Community", "workshop-implementation-resolution-1540-2004-follow-up"),
    ("The Of And", "note"),
])
def test_the_slug_is_short_ascii_and_without_stop_words(tmp_path, title, slug):
    from infonotes.commands.new import note_slug
    made = note_slug(title)
    assert made == slug
    assert made.isascii() and len(made) <= 60 and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", made)


# --- check: output, warnings, strictness, annotations ------------------------------------

def test_check_groups_problems_by_file_and_counts_the_notes_checked(tmp_path):
    project = write_project(tmp_path / "p", {
        "2020/2020-05-04-a.md": note_text(states="[Atlantis]", summary="s", format="hybird"),
        "2020/2020-05-05-b.md": note_text(date="2020-05-05", organizations="[UNODAA]", summary="s"),
        "2020/2020-05-06-c.md": note_text(date="2020-05-06", summary="s"),
    })
    checked = cli(["check"], project)
    assert checked.returncode == 1
    a, b = "notes/2020/2020-05-04-a.md", "notes/2020/2020-05-05-b.md"
    assert checked.stderr.split("\n") == [
        f"{a}:4: unknown State 'Atlantis'; write a State's UN short name, an alias or its ISO alpha-3 "
        "code, as listed in data/states.yaml",
        f"{a}:6: unknown format 'hybird' (did you mean hybrid?); use one of: in-person, hybrid, virtual",
        "",
        f"{b}:4: unknown organization 'UNODAA' (did you mean UNODA or UNODC?); check the spelling, or add the "
        "organization to data/organizations.yaml (see CONTRIBUTING.md)",
        "",
        "3 problems in 2 of 3 notes",
        "",
    ]
    assert checked.stdout == ""


WARNING_CASES = {
    "summary": (note_text(), 2, "'summary' is missing: add 'summary: …' with one or two sentences "
                                "for lists, feeds and search results"),
    "end": (note_text(summary="s", end="2021-06-01"), 5,
            "end 2021-06-01 is more than a year after date 2020-05-04; check the year ('end' is "
            "the last day of the event)"),
    "twice": (note_text(summary="s", states="\n  - Lao PDR\n  - Japan\n  - LAO"), 8,
              "the State Lao People's Democratic Republic is listed twice in 'states' ('Lao PDR' "
              "on line 6 and 'LAO'); remove one of them"),
    "no-heading": (note_text(summary="s", body="Some text.\n\nMore text.\n"), 7,
                   "the text has no heading; start each part with a heading line such as "
                   "'## Background', '## Overview' or '## Highlights'"),
    "empty-section": (note_text(summary="s", body="## Background\n\n## Overview\n\nText.\n"), 7,
                      "the section '## Background' is empty: write its text or remove the heading"),
}


@pytest.fixture(scope="module")
def warned(tmp_path_factory):
    """One project with one note per warning kind, checked and built once."""
    notes = {f"2020/2020-05-04-{kind}.md": text for kind, (text, _, _) in WARNING_CASES.items()}
    project = write_project(tmp_path_factory.mktemp("warned") / "p", notes)
    return project, cli(["check"], project), cli(["check", "--strict"], project), cli(["build"], project)


@pytest.mark.parametrize("kind", WARNING_CASES)
def test_each_warning_is_shown_at_its_line(warned, kind):
    _, checked, _, _ = warned
    _, line, message = WARNING_CASES[kind]
    assert problems_of(checked).count((f"notes/2020/2020-05-04-{kind}.md", line, "warning: " + message)) == 1, \
        checked.stderr


def test_warnings_fail_only_with_strict_and_never_stop_a_build(warned):
    project, checked, strict, built = warned
    assert checked.returncode == 0
    assert len(problems_of(checked)) == len(WARNING_CASES)
    assert checked.stderr.rstrip().endswith(
        "5 warnings in 5 of 5 notes (warnings do not fail the check; --strict makes them fail)")
    assert strict.returncode == 1
    assert strict.stderr.rstrip().endswith("5 warnings in 5 of 5 notes (--strict: warnings fail the check)")
    assert built.returncode == 0, built.stderr
    assert (project / "public/notes/2020-05-04-twice/index.html").is_file()


def test_sections_over_subsections_code_fences_and_setext_headings_are_read_as_markdown():
    from infonotes.archive.check import check_with_warnings
    body = ("Overview\n========\n\n### Part one\n\n```\n## not a heading\n```\n\n"
            "## Empty\n\nSub-headed\n----------\n\n### Leaf\n\nText.\n")
    path = Path("x/2020-05-04-x.md")
    source = read_source(_written(path, note_text(summary="s", body=body)), "x.md")
    warnings = [(p.line, p.message) for p in check_with_warnings(source, CATALOG)[1]]
    assert warnings == [(16, "the section '## Empty' is empty: write its text or remove the heading")]


def _written(path: Path, text: str) -> Path:
    import tempfile
    folder = Path(tempfile.mkdtemp())
    target = folder / path.name
    target.write_text(text, encoding="utf-8")
    return target


def test_in_github_actions_problems_are_also_annotations(tmp_path):
    project = write_project(tmp_path / "p", {
        "2020/2020-05-04-a.md": note_text(states="[Atlantis, Japan, JPN]", summary="s")})
    checked = cli(["check"], project, GITHUB_ACTIONS="true")
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        "::error file=notes/2020/2020-05-04-a.md,line=4,title=note check::unknown State 'Atlantis'; "
        "write a State's UN short name, an alias or its ISO alpha-3 code, as listed in data/states.yaml",
        "::warning file=notes/2020/2020-05-04-a.md,line=4,title=note check%3A warning::the State Japan "
        "is listed twice in 'states' ('Japan' and 'JPN'); remove one of them",
    ]
    plain = cli(["check"], project)
    assert plain.stdout == "" and plain.stderr == checked.stderr


def test_report_formats_escape_and_summaries():
    error = Problem("notes/a,b:c.md", 3, "100% wrong\nreally")
    assert str(error) == "notes/a,b:c.md:3: 100% wrong\nreally"
    assert report.annotation(error) == "::error file=notes/a%2Cb%3Ac.md,line=3,title=note check::100%25 wrong%0Areally"
    assert str(Problem("--date", 0, "bad")) == "--date: bad"
    warning = Problem("n.md", 1, "w", WARNING)
    assert str(warning) == "n.md:1: warning: w" and not warning.is_error and error.is_error
    assert Problem("n.md", 1, "m") == Problem("n.md", 1, "m", "error")  # the default severity
    checked = ["n.md", "m.md"]
    assert report.summary([error, warning], checked + ["notes/a,b:c.md"]) == \
        "1 problem and 1 warning in 2 of 3 notes"
    assert report.summary([], checked) == "2 notes checked: no problems"
    assert report.summary([Problem("data/states.yaml", 4, "x")], checked, notes_checked=False) == \
        "1 problem in data/states.yaml; the notes are checked once the catalogs have no problems"
    assert report.summary([Problem("a.md", 1, "x"), Problem("b.md", 1, "x")]) == "2 problems in 2 files"
    assert report.summary([Problem("gone.md", 1, "no such file or folder")], checked) == \
        "1 problem in gone.md; the 2 notes checked have none"
    assert report.summary([Problem("gone.md", 1, "x")], ["n.md"]) == "1 problem in gone.md; the 1 note checked has none"
    assert report.summary([Problem("gone.md", 1, "x")], []) == "1 problem in gone.md"
    assert report.as_dict(warning) == {"path": "n.md", "line": 1, "severity": "warning", "message": "w",
                                       "text": "n.md:1: warning: w"}


def test_a_build_that_fails_reports_through_the_same_module(tmp_path):
    project = write_project(tmp_path / "p", {"2020/2020-05-04-a.md": note_text(states="[Atlantis]")})
    built = cli(["build"], project, GITHUB_ACTIONS="true")
    assert built.returncode == 1
    message = ("unknown State 'Atlantis'; write a State's UN short name, an alias or its ISO "
               "alpha-3 code, as listed in data/states.yaml")
    assert f"notes/2020/2020-05-04-a.md:4: {message}" in built.stderr
    assert built.stderr.rstrip().endswith("1 problem in 1 file")
    assert f"::error file=notes/2020/2020-05-04-a.md,line=4,title=note check::{message}" in built.stdout
    assert not (project / "public").exists()


def test_build_base_url_overrides_the_settings(tmp_path):
    project = write_project(tmp_path / "p", {"2020/2020-05-04-a.md": note_text(summary="s")})
    built = cli(["build", "--base-url", "https://someone.github.io/archive"], project)
    assert built.returncode == 0, built.stderr
    home = (project / "public/index.html").read_text(encoding="utf-8")
    assert 'href="/archive/notes/2020-05-04-a/"' in home
    relative = cli(["build", "--base-url", "archive/"], project)
    assert relative.returncode == 1 and "--base-url: the address must be absolute" in relative.stderr


def test_check_never_renders_markdown(generated_300, monkeypatch):
    """`check` is the build's checker without the Markdown rendering (the build's most costly
    step), so that it can run on every save; bench.py prints its time at 5,000 notes."""
    def refuse(*args, **kwargs):
        raise AssertionError("check rendered Markdown")

    monkeypatch.setattr(MarkdownIt, "render", refuse)
    monkeypatch.setattr(MarkdownIt, "renderInline", refuse)
    result = check_archive(load_config(ROOT / "site.toml"), [generated_300], workers=1)
    assert result.problems == [] and len(result.checked) == 300


# --- the ten defect kinds of gen_notes.py --broken -----------------------------------------

def _broken_messages(root: Path, kind: str, relative: str) -> tuple[int, str]:
    path = root / "notes" / relative
    data = path.read_bytes()
    if kind == "not-utf8":
        line = data[:data.index(b"\xff")].count(b"\n") + 1
        return line, ("the file is not UTF-8: byte 0xff at column 1 cannot be read; save the file as "
                      "UTF-8 (Unicode) in your editor")
    text = data.decode("utf-8")

    def line_of(fragment: str) -> int:
        return text[:text.index(fragment)].count("\n") + 1

    if kind == "duplicate-slug":
        twin = "notes/" + str(Path(relative).with_suffix(".md"))
        return 1, (f"another note has the same id '{path.stem}' ({twin}); a note's id is its file name "
                   "without extension and must be unique: rename or remove one of them")
    date = re.search(r"^date: (\S+)$", text, re.M)
    expected = {  # the line: a number, or the text on it
        "yaml-syntax": ("title: [unclosed", "unclosed '[': the list that starts on this line "
                        "never ends; add ']' or put text that starts with '[' in quotes"),
        "unknown-state": ("- Atlantis\n", "unknown State 'Atlantis'; write a State's UN short "
                          "name, an alias or its ISO alpha-3 code, as listed in data/states.yaml"),
        "bad-date": ("date: 2019-02-30", "'date' is 2019-02-30, a day that does not exist; "
                     "check the month and the day"),
        "missing-title": (2, "'title' is required: add a line 'title: …' with the name of the event"),
        "end-before-date": ("end: 1999-01-01", f"end 1999-01-01 is before date "
                            f"{date and date[1]}; 'end' is the last day of the event: correct it, "
                            "or remove the line if the event lasted one day"),
        "unknown-organization": ("- UNOFFICIAL-ORG\n", "unknown organization 'UNOFFICIAL-ORG'; "
                                 "check the spelling, or add the organization to "
                                 "data/organizations.yaml (see CONTRIBUTING.md)"),
        "unknown-paragraph": ("- 1540 OP99\n", "Resolution 1540 (2004) has paragraphs 1 to 12; "
                              "'1540 OP99' names paragraph 99: check the number"),
        "no-front-matter": (1, "no front matter: a note starts with a line '---', then its fields "
                            "('title: …', 'date: YYYY-MM-DD', …), then another '---' line; did you "
                            "forget the first '---'?"),
    }[kind]
    line, message = expected
    return (line_of(line) if isinstance(line, str) else line), message


def test_each_defect_kind_is_told_at_its_line_with_what_to_do(tmp_path):
    root = write_project(tmp_path / "p", {})
    gen_notes(root / "notes", 20, broken=10)
    broken = dict(reversed(line.split("\t")) for line in
                  (root / "notes/BROKEN.txt").read_text(encoding="utf-8").split("\n") if line)
    assert len(broken) == 10
    checked = cli(["check"], root)
    assert checked.returncode == 1
    found = problems_of(checked)
    for kind, relative in broken.items():
        line, message = _broken_messages(root, kind, relative)
        assert ("notes/" + relative, line, message) in found, (kind, [f for f in found if relative in f[0]])
    assert len(found) == 11  # one each, and the id clash told to both files
    assert checked.stderr.rstrip().endswith("11 problems in 11 of 30 notes")


# --- check --fix -------------------------------------------------------------------------

FIX_INPUT = """\
---
title: "Fix: aliases"   # quoted, with a colon
date: 2024-05-07
country: lao pdr    # the host
organizers: [Lao PDR, 'eu cbrn coe', "unoda"]
states:
  - Vietnam   # a comment after an alias
  - "Turkey"
  - 'Cote d''Ivoire'
  - JPN
  - Atlantis
  - Japan
organizations: [iaea,  1540 experts , UNODA]   # spacing kept
paragraphs:
  - res. 2663 op 17
  - resolution 2325
  - 'resolution 2325'
  - pow 2023 13
  - 2663 (2022) OP18
  - 2325
summary: Lao PDR and Vietnam met.   # not a name: untouched
---

## Overview

Lao PDR, Vietnam and JPN stay as written here.
"""

FIX_OUTPUT = """\
---
title: "Fix: aliases"   # quoted, with a colon
date: 2024-05-07
country: Lao People's Democratic Republic    # the host
organizers: [Lao People's Democratic Republic, 'EU CBRN CoE', "UNODA"]
states:
  - Viet Nam   # a comment after an alias
  - "Türkiye"
  - 'Côte d''Ivoire'
  - Japan
  - Atlantis
  - Japan
organizations: [IAEA,  1540 GoE , UNODA]   # spacing kept
paragraphs:
  - 2663 OP17
  - "2325"
  - '2325'
  - PoW-2023 13
  - 2663 OP18
  - 2325
summary: Lao PDR and Vietnam met.   # not a name: untouched
---

## Overview

Lao PDR, Vietnam and JPN stay as written here.
"""


@pytest.mark.parametrize("newline, bom", [("\n", b""), ("\r\n", b"\xef\xbb\xbf")])
def test_fix_rewrites_names_and_references_and_nothing_else(tmp_path, newline, bom):
    relative = "notes/2024/2024-05-07-fix.md"
    before = bom + FIX_INPUT.replace("\n", newline).encode("utf-8")
    project = write_project(tmp_path / "p", {"2024/2024-05-07-fix.md": before})
    path = project / relative
    path.chmod(0o640)
    fixed = cli(["check", "--fix"], project)
    assert path.read_bytes() == bom + FIX_OUTPUT.replace("\n", newline).encode("utf-8")
    assert fixed.stdout.splitlines() == [
        f"{relative}:4: country: lao pdr -> Lao People's Democratic Republic",
        f"{relative}:5: organizers: Lao PDR -> Lao People's Democratic Republic",
        f"{relative}:5: organizers: 'eu cbrn coe' -> 'EU CBRN CoE'",
        f'{relative}:5: organizers: "unoda" -> "UNODA"',
        f"{relative}:7: states: Vietnam -> Viet Nam",
        f'{relative}:8: states: "Turkey" -> "Türkiye"',
        f"{relative}:9: states: 'Cote d''Ivoire' -> 'Côte d''Ivoire'",
        f"{relative}:10: states: JPN -> Japan",
        f"{relative}:13: organizations: iaea -> IAEA",
        f"{relative}:13: organizations: 1540 experts -> 1540 GoE",
        f"{relative}:15: paragraphs: res. 2663 op 17 -> 2663 OP17",
        f'{relative}:16: paragraphs: resolution 2325 -> "2325"',
        f"{relative}:17: paragraphs: 'resolution 2325' -> '2325'",
        f"{relative}:18: paragraphs: pow 2023 13 -> PoW-2023 13",
        f"{relative}:19: paragraphs: 2663 (2022) OP18 -> 2663 OP18",
        "fixed 15 values in 1 file",
    ]
    # What needs judgment stays, and is still reported after the fixes, at its line.
    assert fixed.returncode == 1
    assert [(n, m.split(";")[0]) for _, n, m in problems_of(fixed)] == [
        (11, "unknown State 'Atlantis'"),
        (12, "warning: the State Japan is listed twice in 'states' (on lines 10 and 12)"),
        (17, "warning: the paragraph 2325 is listed twice in 'paragraphs' (on lines 16 and 17)"),
        (20, "warning: the paragraph 2325 is listed twice in 'paragraphs' (on lines 16 and 20)"),
    ]
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["2024-05-07-fix.md"]  # no temporary file left
    second = cli(["check", "--fix"], project)
    assert path.read_bytes() == bom + FIX_OUTPUT.replace("\n", newline).encode("utf-8")
    assert second.stdout.splitlines() == ["nothing to fix"]


def test_fix_leaves_files_it_cannot_read_and_blocks_alone(tmp_path):
    broken = "---\ntitle: [unclosed\ndate: 2024-05-07\nstates: [Vietnam]\n---\n\nText.\n"
    block = "---\ntitle: T\ndate: 2024-05-07\nstates:\n  - >-\n    Viet\n    Nam\n  - |\n    Vietnam\n---\n\n## A\n\nT.\n"
    project = write_project(tmp_path / "p", {"2024/2024-05-07-broken.md": broken,
                                             "2024/2024-05-07-block.md": block})
    fixed = cli(["check", "--fix"], project)
    assert (project / "notes/2024/2024-05-07-broken.md").read_text(encoding="utf-8") == broken
    assert (project / "notes/2024/2024-05-07-block.md").read_text(encoding="utf-8") == block
    assert fixed.stdout.splitlines()[-1] == "nothing to fix"


@pytest.mark.parametrize("value, written", [
    ("Japan", "Japan"), ("2325", '"2325"'), ("Lao People's Democratic Republic", "Lao People's Democratic Republic"),
    ("Korea, Republic of", '"Korea, Republic of"'), ("NO", '"NO"'), ("1540 GoE", "1540 GoE"),
    ("- x", '"- x"'), ("a: b", '"a: b"'), ("a #b", '"a #b"'), ("1e3", '"1e3"'), ("true", '"true"'),
])
def test_a_canonical_value_is_written_plain_only_when_it_reads_back_the_same(value, written):
    assert scalar_text(value, "") == written
    assert plain_is_safe(value) == (written == value)
    assert scalar_text(value, "'") == "'" + value.replace("'", "''") + "'"
    from infonotes.archive import yamlnodes
    for context in ("k: {}", "k: [{}]", "k:\n  - {}"):
        node = yamlnodes.parse(context.format(scalar_text(value, "")))
        item = node.items[0][1]
        item = item.items[0] if isinstance(item, yamlnodes.Sequence) else item
        assert item.text == value


# --- the JSON Schema -----------------------------------------------------------------------

def test_the_committed_schema_is_up_to_date_with_the_catalogs():
    committed = (ROOT / "data" / FILE_NAME).read_text(encoding="utf-8")
    assert committed == schema_text(CATALOG), (
        "data/note.schema.json is out of date: run `python build.py schema` and commit it")
    checked = cli(["schema", "--check"], ROOT)
    assert checked.returncode == 0, checked.stderr


def test_schema_command_writes_and_checks(tmp_path):
    project = write_project(tmp_path / "p", {})
    out = tmp_path / "s.json"
    assert cli(["schema", "--check", "--out", str(out)], project).returncode == 1
    written = cli(["schema", "--out", str(out)], project)
    assert written.returncode == 0 and json.loads(out.read_text(encoding="utf-8")) == SCHEMA
    assert cli(["schema", "--check", "--out", str(out)], project).returncode == 0


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    states = SCHEMA["$defs"]["state"]["anyOf"][0]["enum"]
    assert {"Lao People's Democratic Republic", "Lao PDR", "LAO", "Viet Nam", "Vietnam", "Türkiye"} <= set(states)
    organizations = SCHEMA["$defs"]["organization"]["anyOf"][0]["enum"]
    assert {"UNODA", "1540 GoE", "EU CBRN CoE"} <= set(organizations)
    paragraphs = SCHEMA["$defs"]["paragraph"]["anyOf"][0]["enum"]
    assert {"2663 OP17", "PoW-2023 13", "2325"} <= set(paragraphs) and "1540 OP13" not in paragraphs


def _accepted_fronts(paths: list[Path]) -> list:
    fronts = []
    for path in paths:
        source = read_source(path, str(path))
        note, problems = check_source(source, CATALOG, "")
        assert note is not None, problems
        fronts.append((path, as_editor_sees(source.front)))
    return fronts


EXTRA_ACCEPTED = [
    note_text(states='[lao pdr, "viet nam", turkiye, "Cote d\u2019Ivoire", TUR, civ, "  Japan  "]'),
    note_text(country="lao people's democratic republic", organizers="[japan, iaea, Eu Cbrn Coe]"),
    note_text(paragraphs='["2663 OP17", 2663 (2022) OP17, res. 2663 op 17, "resolution 2663, OP 17", '
                         'PoW-2023 13, pow 2023 13, 2325, "2325", S/RES/1540 (2004) OP 3, 1540 para. 2, '
                         '2663 OP017, UNSCR 1977 § 4]'),
    note_text(title="0777", city="1:20", kind="on", summary="1e3", draft="yes", format="virtual"),
    note_text(title="true", draft="FALSE", end="2020-05-04", country="~", states="", organizations="[]"),
    note_text(title="'  Spaced  title  '", draft="Off", organizers="Japan", states="Japan", paragraphs="2325"),
]


def test_every_note_the_checker_accepts_validates_against_the_schema(generated_300, tmp_path):
    project = write_project(tmp_path / "p", {f"2020/2020-05-0{i}-x.md": text.replace("2020-05-04", f"2020-05-0{i}")
                                             for i, text in enumerate(EXTRA_ACCEPTED, start=1)})
    paths = (find_note_files(ROOT / "notes") + find_note_files(generated_300)
             + find_note_files(project / "notes"))
    assert len(paths) >= 300 + 2 + len(EXTRA_ACCEPTED)
    for path, front in _accepted_fronts(paths):
        errors = [e.message for e in VALIDATOR.iter_errors(front)]
        assert not errors, (path, errors[:3])


REJECTED = {
    "missing title": ("date: 2020-05-04", "'title' is required"),
    "empty title": ('title: ""\ndate: 2020-05-04', "'title' is required"),
    "bad format": ("title: T\ndate: 2020-05-04\nformat: in person", "unknown format"),
    "unknown State": ("title: T\ndate: 2020-05-04\nstates: [Japan, Atlantis]", "unknown State"),
    "misspelt host": ("title: T\ndate: 2020-05-04\ncountry: Japn", "unknown State"),
    "organization as State": ("title: T\ndate: 2020-05-04\nstates: [IAEA]", "is an organization"),
    "unknown organization": ("title: T\ndate: 2020-05-04\norganizations: [UNODAA]", "unknown organization"),
    "unknown organizer": ("title: T\ndate: 2020-05-04\norganizers: [Atlantis]", "unknown organizer"),
    "paragraph out of range": ("title: T\ndate: 2020-05-04\nparagraphs: [1540 OP13]", "paragraphs 1 to 12"),
    "unknown document": ("title: T\ndate: 2020-05-04\nparagraphs: [2664 OP1]", "unknown document"),
    "unreadable reference": ("title: T\ndate: 2020-05-04\nparagraphs: [hello]", "cannot read"),
    "date format": ("title: T\ndate: 12/12/2018", "YYYY-MM-DD"),
    "date as number": ("title: T\ndate: 20200504", "YYYY-MM-DD"),
    "month 13": ("title: T\ndate: 2020-13-04", "does not exist"),
    "unknown field": ("title: T\ndate: 2020-05-04\nstate: [Japan]", "unknown field"),
    "host as list": ("title: T\ndate: 2020-05-04\ncountry: [Japan]", "the one host State"),
    "draft maybe": ("title: T\ndate: 2020-05-04\ndraft: maybe", "true or false"),
    "title as list": ("title: [a, b]\ndate: 2020-05-04", "must be text"),
    "not fields": ("- a\n- b", "name: value"),
}


@pytest.mark.parametrize("kind", REJECTED)
def test_the_schema_rejects_what_it_can_express_and_so_does_the_checker(tmp_path, kind):
    front, wording = REJECTED[kind]
    path = tmp_path / "2020-05-04-x.md"
    path.write_text(f"---\n{front}\n---\n\n## A\n\nText.\n", encoding="utf-8")
    source = read_source(path, "x.md")
    note, problems = check_source(source, CATALOG, "")
    assert note is None and any(wording in p.message for p in problems), problems
    assert not VALIDATOR.is_valid(as_editor_sees(source.front)), kind


def test_the_schema_patterns_are_the_same_in_an_editor(tmp_path):
    """Editors run the patterns as JavaScript regular expressions (with the u flag):
    each compiles there and accepts exactly what Python's accepts."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is needed (README: `make setup` needs it)")
    samples = ["Lao PDR", "lao pdr", "LAO", "Türkiye", "TURKIYE", "turkiye", "Cote d\u2019Ivoire", "Atlantis",
               "2663 OP17", "res. 2663 op 17", "resolution 2663, OP 17", "PoW-2023 13", "pow2023 13",
               "1540 OP13", "2664 OP1", "in person", "2020-05-04", "2020-13-04", "YES", "maybe", "U.K.", "UxKx"]
    patterns = sorted(_patterns(SCHEMA))
    script = tmp_path / "patterns.js"
    script.write_text(
        "const [patterns, samples] = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(patterns.map(p => { const r = new RegExp(p, 'u');"
        " return samples.map(s => r.test(s)); })));\n", encoding="utf-8")
    ran = subprocess.run([node, str(script)], input=json.dumps([patterns, samples]), capture_output=True,
                         text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    in_javascript = json.loads(ran.stdout)
    in_python = [[re.search(p, s) is not None for s in samples] for p in patterns]
    assert in_javascript == in_python


def _patterns(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern":
                found.add(value)
            else:
                found |= _patterns(value)
    elif isinstance(node, list):
        for item in node:
            found |= _patterns(item)
    return found


# --- editor, GitHub and contributor files ------------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _run_lines(workflow: dict) -> list[str]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            lines += [line.strip() for line in step.get("run", "").splitlines() if line.strip()]
    return lines


def _uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for job in workflow["jobs"].values()
            for step in job.get("steps", []) if "uses" in step]


def test_the_pull_request_workflow_checks_tests_builds_and_uploads_a_preview_read_only():
    text = (WORKFLOWS / "pull-request.yml").read_text(encoding="utf-8")
    workflow = _workflow("pull-request.yml")
    assert "pull_request" in workflow["on"] and "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    assert "secrets." not in text
    runs = " ; ".join(_run_lines(workflow))
    for command in ("build.py check", "-m pytest", "build.py build"):
        assert command in runs, command
    assert "actions/upload-artifact" in _uses(workflow)


def test_the_pages_workflow_publishes_main():
    workflow = _workflow("pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    deploy = next(job for job in workflow["jobs"].values() if any(
        s.get("uses", "").startswith("actions/deploy-pages@") for s in job.get("steps", [])))
    permissions = {**workflow.get("permissions", {}), **deploy.get("permissions", {})}
    assert permissions.get("pages") == "write" and permissions.get("id-token") == "write"
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(_uses(workflow))
    assert "build.py build" in " ; ".join(_run_lines(workflow))


def test_the_commands_the_workflows_call_exist():
    """Every `build.py …` line parses with the real command line, every `make X` names a
    target of the Makefile, every `python X.py` exists."""
    parser = _parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:", makefile, re.M))
    called_commands, called_targets = set(), set()
    for name in ("pull-request.yml", "pages.yml"):
        for line in _run_lines(_workflow(name)):
            for arguments in re.findall(r"build\.py\s+([^;&|]+)", line):
                words = shlex.split(arguments)
                called_commands.add(words[0])
                assert words[0] in commands, line
                try:
                    parser.parse_args(words)
                except SystemExit:
                    pytest.fail(f"{name}: `build.py {arguments}` does not parse")
            called_targets |= set(re.findall(r"\bmake\s+([A-Za-z0-9_.-]+)", line))
            for script in re.findall(r"python\s+(\S+\.py)\b", line):
                assert (ROOT / script).is_file(), script
    assert {"check", "build"} <= called_commands
    assert called_targets and called_targets <= targets, called_targets - targets


def test_the_pull_request_template_has_the_reviewers_checklist():
    text = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = re.findall(r"^- \[ \] (.+)$", text, re.M)
    assert len(boxes) >= 6
    assert any("check" in b for b in boxes) and any("source" in b.lower() for b in boxes)


def test_contributing_explains_the_format_names_preview_check_and_review():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for field in FIELDS:
        assert f"`{field}`" in text, field
    for words in ("build.py new", "make serve", "build.py check", "--fix", "data/organizations.yaml",
                  "data/paragraphs.yaml", "data/states.yaml", "note.schema.json", "build.py schema",
                  "reviewer"):
        assert words in text, words
    example = re.search(r"```yaml\n(---\n.*?\n---\n)", text, re.S)
    assert example, "CONTRIBUTING.md shows an example note"
    path = Path(_written(Path("2023-03-07-regional-workshop-export-control.md"), example[1] + "\n## A\n\nT.\n"))
    source = read_source(path, "example.md")
    note, problems = check_source(source, CATALOG, "")
    assert note is not None, problems
    VALIDATOR.validate(as_editor_sees(source.front))
    # The example of a new organization is a valid catalog line, and really new.
    from infonotes.archive import yamlnodes
    line = re.search(r"^- \{acronym: .*\}$", text, re.M)[0]
    entry = yamlnodes.parse(line).items[0]
    assert CATALOG.find_organization(entry.get("acronym").text) is None
    assert entry.get("kind").text in ("international", "regional", "arrangement", "ngo", "academic", "industry")


def test_the_editor_task_reads_checks_messages():
    tasks = json.loads((ROOT / ".vscode" / "tasks.json").read_text(encoding="utf-8"))
    matcher = tasks["tasks"][0]["problemMatcher"]
    pattern = matcher["pattern"]
    regexp = re.compile(pattern["regexp"])
    found = regexp.match("notes/2024/2024-05-06-x.md:7: warning: the text has no heading")
    assert found[pattern["file"]] == "notes/2024/2024-05-06-x.md" and found[pattern["line"]] == "7"
    assert found[pattern["severity"]] == "warning" and found[pattern["message"]] == "the text has no heading"
    error = regexp.match("notes/2024/2024-05-06-x.md:9: unknown State 'Japn' (did you mean Japan?)")
    assert error[pattern["message"]] == "unknown State 'Japn' (did you mean Japan?)" and not error[pattern["severity"]]
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_workflows_check_against_the_address_the_site_is_really_published_at():
    # A repository named OWNER.github.io is published at the root of that domain, not
    # under /OWNER.github.io/: a wrong address would only ever give "not reachable".
    pages = _steps(_workflow("pages.yml"))
    configure = next(i for i, s in enumerate(pages) if s.get("uses", "").startswith("actions/configure-pages@"))
    check = next(i for i, s in enumerate(pages) if "build.py check" in s.get("run", ""))
    assert configure < check and pages[configure].get("id") == "pages"
    assert pages[check]["env"]["PUBLISHED_URLS"] == "${{ steps.pages.outputs.base_url }}/data/urls.txt"
    pull = next(s for s in _steps(_workflow("pull-request.yml")) if "build.py check" in s.get("run", ""))
    address = pull["env"]["PUBLISHED_URLS"]
    assert "github.event.repository.name == format('{0}.github.io', github.repository_owner)" in address
    assert "format('https://{0}.github.io/data/urls.txt', github.repository_owner)" in address
    assert "format('https://{0}.github.io/{1}/data/urls.txt', github.repository_owner, " \
           "github.event.repository.name)" in address
