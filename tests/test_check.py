"""`python build.py check [PATH…]`: every problem of every file at once, each as
`path:line: message` (lines counted from the top of the file, the first `---` being
line 1), sorted, with a summary line, and exit status 1; never a traceback.

The tests run the real command line in a subprocess, on archives written into temporary
folders (conftest's write_project / note_text) and on one synthetic archive of 300 good
and 10 broken notes (gen_notes.py --broken 10), generated once for the module.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, Page, gen_notes, note_text, run_cli, write_project

PROBLEM = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+): (?P<message>.+)$")
VALID_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
# `3 problems in 2 of 1,204 notes`; warnings are counted apart: `… problems and 1 warning in …`.
SUMMARY = re.compile(r"^\D*(?P<count>[\d,]+) problems?(?: and [\d,]+ warnings?)? in (?P<files>[\d,]+) "
                     r"(?:of [\d,]+ notes?|files?)\b")


# --- helpers -----------------------------------------------------------------------------

class Result:
    """One run of `build.py check`: exit status, and the problems it printed."""

    def __init__(self, completed):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        # Never a traceback, whatever the input: asserted for every run in this file.
        assert "Traceback" not in completed.stderr, completed.stderr
        assert "Traceback" not in completed.stdout, completed.stdout
        self.lines = [line for line in (completed.stderr + completed.stdout).splitlines() if line.strip()]
        found = [(m["path"], int(m["line"]), m["message"]) for m in map(PROBLEM.match, self.lines) if m]
        # Warnings (`path:line: warning: …`) never fail a check; the tests here are about errors.
        self.problems = [p for p in found if not p[2].startswith("warning: ")]
        self.warnings = [p for p in found if p[2].startswith("warning: ")]

    def at(self, path: str, line: int | None = None) -> list[str]:
        """Messages reported for `path` (and, if given, on `line`)."""
        return [m for p, n, m in self.problems if p == path and (line is None or n == line)]

    def one(self, path: str, line: int) -> str:
        """The single message reported for `path`, which must be on `line`."""
        found = [(n, m) for p, n, m in self.problems if p == path]
        assert len(found) == 1 and found[0][0] == line, (
            f"expected exactly one problem, on {path}:{line}; got:\n{self.output}")
        return found[0][1]

    @property
    def output(self) -> str:
        return self.stderr + self.stdout


def check(root: Path, *paths) -> Result:
    return Result(run_cli(["check", *map(str, paths)], root))


def check_notes(tmp_path: Path, notes: dict) -> Result:
    return check(write_project(tmp_path / "project", notes))


def line_of(text: str | bytes, fragment: str | bytes) -> int:
    """The 1-based file line on which `fragment` first appears."""
    index = text.index(fragment)
    return text.count("\n" if isinstance(text, str) else b"\n", 0, index) + 1


def build(root: Path) -> Path:
    completed = run_cli(["build"], root)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stderr
    return root / "public"


def note_page(site: Path, note_id: str) -> tuple[Page, str]:
    html = (site / "notes" / note_id / "index.html").read_text(encoding="utf-8")
    return Page(html), html


def term_links(page: Page, section: str) -> set[str]:
    """The links of a note page to single terms of one section ('/states/japan/')."""
    return {link for link in page.links if re.fullmatch(rf"/{section}/[^/]+/", link)}


def dd_texts(html: str) -> list[str]:
    """The text of every <dd> of a page (a note's metadata values)."""
    return [" ".join(Page(value).text.split()) for value in re.findall(r"<dd>(.*?)</dd>", html, re.S)]


def citation_title(page: Page) -> str:
    return next(a["content"] for a in page.find_all("meta", name="citation_title"))


# --- the synthetic archive: 300 good notes and 10 broken ones ----------------------------

BROKEN_KINDS = ["yaml-syntax", "unknown-state", "bad-date", "missing-title", "end-before-date",
                "unknown-organization", "unknown-paragraph", "no-front-matter", "duplicate-slug",
                "not-utf8"]


@pytest.fixture(scope="module")
def broken_archive(tmp_path_factory):
    """(project root, {kind: notes/… path}, check result) for gen_notes 300 + 10 broken."""
    root = write_project(tmp_path_factory.mktemp("broken") / "project", {})
    gen_notes(root / "notes", 300, broken=10)
    listed = (root / "notes" / "BROKEN.txt").read_text(encoding="utf-8").split("\n")
    broken = {}
    for entry in filter(None, listed):
        relative, kind = entry.split("\t")
        broken[kind] = "notes/" + relative
    assert sorted(broken) == sorted(BROKEN_KINDS)
    return root, broken, check(root)


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory, broken_archive):
    """The same 300 good notes, without the ten broken files."""
    source, broken, _ = broken_archive
    root = write_project(tmp_path_factory.mktemp("good") / "project", {})
    shutil.rmtree(root / "notes")
    shutil.copytree(source / "notes", root / "notes")
    (root / "notes" / "BROKEN.txt").unlink()
    for path in broken.values():
        (root / path).unlink()
    return root


def test_broken_archive_fails_with_exit_status_1(broken_archive):
    _, _, result = broken_archive
    assert result.code == 1
    summary = SUMMARY.match(result.lines[-1])
    assert summary, result.output
    assert int(summary["count"]) == len(result.problems)


def _expected_line(kind: str, path: Path) -> int | tuple[int, ...]:
    data = path.read_bytes()
    if kind == "not-utf8":
        return line_of(data, b"\xff")
    text = data.decode("utf-8")
    return {
        "yaml-syntax": lambda: line_of(text, "title: [unclosed"),
        "unknown-state": lambda: line_of(text, "- Atlantis\n"),
        "bad-date": lambda: line_of(text, "date: 2019-02-30"),
        "missing-title": lambda: (1, 2),  # the front matter's start: no line holds a title
        "end-before-date": lambda: line_of(text, "end: 1999-01-01"),
        "unknown-organization": lambda: line_of(text, "- UNOFFICIAL-ORG\n"),
        "unknown-paragraph": lambda: line_of(text, "- 1540 OP99\n"),
        "no-front-matter": lambda: 1,
        "duplicate-slug": lambda: 1,
    }[kind]()


def _expected_wording(kind: str, path: Path) -> list[str]:
    twin = path.with_suffix(".md").name
    return {
        "yaml-syntax": ["unclosed '['"],
        "unknown-state": ["unknown State 'Atlantis'"],
        "bad-date": ["2019-02-30", "does not exist"],
        "missing-title": ["'title' is required"],
        "end-before-date": ["1999-01-01", "before"],
        "unknown-organization": ["unknown organization 'UNOFFICIAL-ORG'"],
        "unknown-paragraph": ["'1540 OP99'", "1 to 12"],
        "no-front-matter": ["no front matter"],
        "duplicate-slug": ["same id", twin],
        "not-utf8": ["not UTF-8", "0xff"],
    }[kind]


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_each_broken_file_is_reported_at_its_line_with_an_understandable_message(broken_archive, kind):
    root, broken, result = broken_archive
    path = broken[kind]
    messages_by_line = [(n, m) for p, n, m in result.problems if p == path]
    assert messages_by_line, f"{path} ({kind}) is not reported as {path}:LINE: …\n{result.output}"
    expected_line = _expected_line(kind, root / path)
    lines = expected_line if isinstance(expected_line, tuple) else (expected_line,)
    wording = _expected_wording(kind, root / path)
    assert any(n in lines and all(w in m for w in wording) for n, m in messages_by_line), (
        f"expected {path}:{expected_line}: … {wording}; got {messages_by_line}")


def test_the_300_good_notes_of_the_broken_archive_are_not_blamed(broken_archive):
    """Only the broken files (and the good twin of the duplicated id) are named."""
    root, broken, result = broken_archive
    twin = str(Path(broken["duplicate-slug"]).with_suffix(".md"))
    assert (root / twin).exists()
    allowed = set(broken.values()) | {twin}
    assert {p for p, _, _ in result.problems} <= allowed
    assert len(result.problems) in (10, 11)  # one per defect; the id clash may name both files


def test_the_300_good_notes_alone_check_cleanly(good_archive):
    result = check(good_archive)
    assert result.code == 0, result.output
    assert result.problems == []
    assert re.search(r"\b300\b", result.stdout), result.stdout


# --- every problem at once, sorted, summarized ------------------------------------------

def test_every_problem_of_every_file_is_reported_at_once_sorted_with_a_summary(tmp_path):
    a = ("---\ntitle: A\ndate: 2020-02-30\ncity: Vienna\nkind: workshop\nformat: hybrid\n"
         "summary: s\nstates:\n- Japan\n- Norway\norganisations: [IAEA]\n---\n\nText.\n")
    b = note_text(title="B", date="2020-05-03", format="in person", draft="maybe")
    result = check_notes(tmp_path, {"2020/2020-05-04-a.md": a, "2020/2020-05-03-b.md": b})
    assert result.code == 1
    assert [(p, n) for p, n, _ in result.problems] == [
        ("notes/2020/2020-05-03-b.md", 4),
        ("notes/2020/2020-05-03-b.md", 5),
        ("notes/2020/2020-05-04-a.md", 3),
        ("notes/2020/2020-05-04-a.md", 11),  # sorted as numbers, not as text
    ], result.output
    messages = [m for _, _, m in result.problems]
    assert "in person" in messages[0] and "in-person" in messages[0]
    assert "'draft'" in messages[1] and "maybe" in messages[1]
    assert "2020-02-30" in messages[2]
    assert "organisations" in messages[3] and "organizations:" in messages[3]
    summary = SUMMARY.match(result.lines[-1])
    assert summary and (summary["count"], summary["files"]) == ("4", "2"), result.output
    assert len(result.lines) - len(result.warnings) == 5, result.output


# --- YAML corners ------------------------------------------------------------------------

@pytest.mark.parametrize("fields, line", [
    ({"states": "[NO]"}, 4),
    ({"states": "\n- Japan\n- NO"}, 6),
    ({"country": "NO"}, 4),
    ({"organizers": "[Japan, no]"}, 4),
])
def test_NO_is_never_read_as_false_and_suggests_norway(tmp_path, fields, line):
    result = check_notes(tmp_path, {"2020/2020-05-04-n.md": note_text(**fields)})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-n.md", line)
    assert re.search(r"'(NO|no)'", message) and "Norway" in message, message
    assert "false" not in message.lower()


def test_yaml_1_1_look_alikes_stay_the_strings_that_were_typed(tmp_path):
    notes = {
        "2020/2020-05-04-values.md": note_text(title="Values", city="0777", kind="on", summary="1:20"),
        "2020/2020-05-05-octal.md": note_text(title="0777", date="2020-05-05"),
        "2020/2020-05-06-on.md": note_text(title="on", date="2020-05-06"),
        "2020/2020-05-07-sexagesimal.md": note_text(title="1:20", date="2020-05-07"),
        "2020/2020-05-08-yes.md": note_text(title="yes", date="2020-05-08"),
        "2020/2020-05-09-float.md": note_text(title="1e3", date="2020-05-09"),
    }
    root = write_project(tmp_path / "project", notes)
    assert check(root).code == 0
    site = build(root)
    page, html = note_page(site, "2020-05-04-values")
    values = dd_texts(html)
    assert any(v == "0777" or v.startswith("0777,") for v in values), values
    assert "on" in values, values
    assert "511" not in page.text and "True" not in page.text
    assert "1:20" in page.text  # not 80, as YAML 1.1 would read it
    for note_id, title in [("2020-05-05-octal", "0777"), ("2020-05-06-on", "on"),
                           ("2020-05-07-sexagesimal", "1:20"), ("2020-05-08-yes", "yes"),
                           ("2020-05-09-float", "1e3")]:
        page, _ = note_page(site, note_id)
        assert citation_title(page) == title


def test_duplicate_keys_are_rejected_naming_both_lines(tmp_path):
    text = note_text(city="Vienna", kind="workshop").replace("kind: workshop", "city: Geneva")
    result = check_notes(tmp_path, {"2020/2020-05-04-d.md": text})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-d.md", 5)
    assert "city" in message and "line 4" in message


def test_anchors_and_aliases_are_rejected_at_their_lines(tmp_path):
    text = note_text(states="&these [Japan, Norway]", organizations="*these")
    result = check_notes(tmp_path, {"2020/2020-05-04-a.md": text})
    assert result.code == 1
    assert [n for p, n, _ in result.problems] == [4, 5], result.output
    assert "anchor" in result.at("notes/2020/2020-05-04-a.md", 4)[0]
    assert "alias" in result.at("notes/2020/2020-05-04-a.md", 5)[0]


@pytest.mark.parametrize("value", [
    '!!python/object/apply:os.system ["touch PWNED"]',
    "!!python/object:builtins.object {}",
    "!!python/name:os.system",
])
def test_yaml_tags_are_rejected_and_never_run(tmp_path, value):
    root = write_project(tmp_path / "project", {"2020/2020-05-04-t.md": note_text(city=value)})
    result = check(root)
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-t.md", 4)
    assert "!!python/" in message and "tag" in message
    assert not (root / "PWNED").exists()


def test_a_tab_in_the_indentation_is_rejected_at_its_line(tmp_path):
    text = "---\ntitle: T\ndate: 2020-05-04\nstates:\n\t- Japan\n---\n\nText.\n"
    result = check_notes(tmp_path, {"2020/2020-05-04-t.md": text})
    assert result.code == 1
    assert "tab" in result.one("notes/2020/2020-05-04-t.md", 5)


def test_a_tab_inside_a_value_is_fine(tmp_path):
    result = check_notes(tmp_path, {"2020/2020-05-04-t.md": note_text(title="Round\ttable")})
    assert result.code == 0, result.output


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_is_reported_where_it_opened(tmp_path, quote):
    text = (f"---\ntitle: T\ndate: 2020-05-04\ncity: Vienna\nkind: {quote}workshop\n"
            "summary: Some words.\nstates:\n- Japan\n- Norway\n---\n\nText.\n")
    result = check_notes(tmp_path, {"2020/2020-05-04-q.md": text})
    assert result.code == 1
    assert "quote" in result.one("notes/2020/2020-05-04-q.md", 5)


def test_an_unclosed_bracket_is_reported_where_it_opened(tmp_path):
    text = note_text(city="Vienna", states="[Japan, Norway", summary="Words.", kind="workshop")
    result = check_notes(tmp_path, {"2020/2020-05-04-b.md": text})
    assert result.code == 1
    assert "'['" in result.one("notes/2020/2020-05-04-b.md", 5)


def test_a_utf8_bom_is_accepted_and_does_not_shift_lines(tmp_path):
    bom = b"\xef\xbb\xbf"
    result = check_notes(tmp_path, {
        "2020/2020-05-04-good.md": bom + note_text(states="[Japan]").encode("utf-8"),
        "2020/2020-05-05-bad.md": bom + note_text(date="2020-05-05", states="[Atlantis]").encode("utf-8"),
    })
    assert result.at("notes/2020/2020-05-04-good.md") == []
    assert "Atlantis" in result.one("notes/2020/2020-05-05-bad.md", 4)


def test_a_utf8_bom_note_builds_with_its_title_intact(tmp_path):
    root = write_project(tmp_path / "project", {
        "2020/2020-05-04-bom.md": b"\xef\xbb\xbf" + note_text(title="With a mark").encode("utf-8")})
    assert check(root).code == 0
    page, _ = note_page(build(root), "2020-05-04-bom")
    assert citation_title(page) == "With a mark"


def test_crlf_line_endings_are_accepted_and_lines_still_count(tmp_path):
    good = note_text(states="\n- Japan\n- Norway", body="## Overview\n\nText.\n").replace("\n", "\r\n")
    bad = note_text(date="2020-05-05", city="Vienna", states="\n- Japan\n- Atlantis").replace("\n", "\r\n")
    result = check_notes(tmp_path, {"2020/2020-05-04-good.md": good.encode("utf-8"),
                                    "2020/2020-05-05-bad.md": bad.encode("utf-8")})
    assert result.at("notes/2020/2020-05-04-good.md") == []
    assert "Atlantis" in result.one("notes/2020/2020-05-05-bad.md", 7)
    only_good = check(tmp_path / "project", "notes/2020/2020-05-04-good.md")
    assert only_good.code == 0, only_good.output


def test_a_file_without_front_matter_is_reported_at_line_1(tmp_path):
    text = "title: T\ndate: 2020-05-04\n\nSome text.\n"
    result = check_notes(tmp_path, {"2020/2020-05-04-f.md": text})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-f.md", 1)
    assert "no front matter" in message and "---" in message


def test_an_empty_file_is_reported_at_line_1(tmp_path):
    result = check_notes(tmp_path, {"2020/2020-05-04-e.md": ""})
    assert result.code == 1
    assert "front matter" in result.one("notes/2020/2020-05-04-e.md", 1)


def test_a_front_matter_never_closed_is_reported_where_it_opened(tmp_path):
    text = "---\ntitle: T\ndate: 2020-05-04\n\nSome text.\n"
    result = check_notes(tmp_path, {"2020/2020-05-04-f.md": text})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-f.md", 1)
    assert "never closed" in message and "---" in message


def test_a_front_matter_that_is_not_fields_is_reported(tmp_path):
    result = check_notes(tmp_path, {"2020/2020-05-04-l.md": "---\n- a\n- b\n---\n\nText.\n"})
    assert result.code == 1
    assert "name: value" in result.one("notes/2020/2020-05-04-l.md", 2)


def test_a_control_character_is_one_problem_on_its_own_line(tmp_path):
    """A stray escape character pasted into a value: one `path:line: message` line, at the
    line that holds the character (every line of the report has that form)."""
    text = note_text(city="Vienna", kind="work\x1bshop")
    result = check_notes(tmp_path, {"2020/2020-05-04-c.md": text})
    assert result.code == 1
    result.one("notes/2020/2020-05-04-c.md", 5)
    assert all(PROBLEM.match(line) for line in result.lines[:-1]), result.output
    assert "<unicode string>" not in result.output


# --- dates -------------------------------------------------------------------------------

def test_a_day_that_does_not_exist_is_an_error_at_its_line(tmp_path):
    result = check_notes(tmp_path, {"2018/2018-02-28-x.md": note_text(date="2018-02-30")})
    assert result.code == 1
    message = result.one("notes/2018/2018-02-28-x.md", 3)
    assert "2018-02-30" in message and "does not exist" in message


def test_a_date_in_another_format_explains_yyyy_mm_dd(tmp_path):
    result = check_notes(tmp_path, {"2018/2018-12-12-x.md": note_text(date="12/12/2018")})
    assert result.code == 1
    message = result.one("notes/2018/2018-12-12-x.md", 3)
    assert "12/12/2018" in message and "YYYY-MM-DD" in message


def test_a_date_written_as_a_list_gives_one_clear_problem(tmp_path):
    result = check_notes(tmp_path, {"2018/2018-12-12-x.md": note_text(date="[2018-12-12]")})
    assert result.code == 1
    message = result.one("notes/2018/2018-12-12-x.md", 3)
    assert "'date'" in message and "''" not in message


def test_a_missing_date_is_required(tmp_path):
    text = "---\ntitle: T\ncity: Vienna\n---\n\nText.\n"
    result = check_notes(tmp_path, {"2018/2018-12-12-x.md": text})
    assert result.code == 1
    [message] = result.at("notes/2018/2018-12-12-x.md")
    assert "'date' is required" in message and "YYYY-MM-DD" in message


def test_end_before_date_is_an_error_at_the_end_line(tmp_path):
    result = check_notes(tmp_path, {"2018/2018-12-12-x.md": note_text(date="2018-12-12", end="2018-12-11")})
    assert result.code == 1
    message = result.one("notes/2018/2018-12-12-x.md", 4)
    assert "2018-12-11" in message and "2018-12-12" in message and "before" in message


def test_end_equal_to_date_is_fine(tmp_path):
    result = check_notes(tmp_path, {"2018/2018-12-12-x.md": note_text(date="2018-12-12", end="2018-12-12")})
    assert result.code == 0, result.output
    assert result.problems == []


# --- names of States, organizations and organizers ---------------------------------------

NAME_GROUPS = {
    "lao": (["Lao PDR", "LAO", "lao people's democratic republic", "Laos"], "Lao People's Democratic Republic"),
    "vietnam": (["Viet Nam", "Vietnam", "VNM", "viet nam"], "Viet Nam"),
    "turkiye": (["Türkiye", "Turkey", "turkiye", "TUR"], "Türkiye"),
    "ivoire": (["Côte d'Ivoire", "Cote d\u2019Ivoire", "cote d'ivoire", "CIV"], "Côte d'Ivoire"),
}


def test_names_aliases_and_codes_all_resolve_to_one_canonical_state(tmp_path):
    notes = {}
    for number, (slug, (names, _)) in enumerate(NAME_GROUPS.items(), start=1):
        listed = "".join(f'\n- "{n}"' for n in names)
        notes[f"2020/2020-05-0{number}-{slug}.md"] = note_text(date=f"2020-05-0{number}", states=listed)
    notes["2020/2020-06-01-host.md"] = note_text(date="2020-06-01", country="Lao PDR", city="Vientiane")
    notes["2020/2020-06-02-curly.md"] = note_text(date="2020-06-02", states="[Cote d\u2019Ivoire, Laos]")
    root = write_project(tmp_path / "project", notes)
    result = check(root)
    assert result.code == 0, result.output
    site = build(root)
    for number, (slug, (_, canonical)) in enumerate(NAME_GROUPS.items(), start=1):
        page, _ = note_page(site, f"2020-05-0{number}-{slug}")
        assert len(term_links(page, "states")) == 1, (slug, term_links(page, "states"))
        assert canonical in page.text
    page, _ = note_page(site, "2020-06-01-host")
    assert "Lao People's Democratic Republic" in page.text and "Lao PDR" not in page.text
    page, _ = note_page(site, "2020-06-02-curly")
    assert len(term_links(page, "states")) == 2
    assert "Côte d'Ivoire" in page.text


def test_a_misspelled_state_suggests_the_right_one(tmp_path):
    result = check_notes(tmp_path, {"2020/2020-05-04-x.md": note_text(states="\n- Norway\n- Japn")})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-x.md", 6)
    assert "unknown State 'Japn'" in message and "did you mean" in message and "Japan" in message


def test_a_misspelled_organization_suggests_the_right_one(tmp_path):
    result = check_notes(tmp_path, {"2020/2020-05-04-x.md": note_text(organizations="[IAEA, UNODAA]")})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-x.md", 4)
    assert "unknown organization 'UNODAA'" in message and "UNODA" in message.split("'UNODAA'", 1)[1]


def test_an_organization_under_states_and_a_state_under_organizations_are_named_as_such(tmp_path):
    text = note_text(states="\n- Japan\n- IAEA", organizations="\n- UNODA\n- Japan")
    result = check_notes(tmp_path, {"2020/2020-05-04-x.md": text})
    assert result.code == 1
    path = "notes/2020/2020-05-04-x.md"
    assert [(n) for p, n, _ in result.problems] == [6, 9], result.output
    [under_states] = result.at(path, 6)
    assert "'IAEA' is an organization" in under_states and "organizations:" in under_states
    [under_organizations] = result.at(path, 9)
    assert "'Japan' is a State" in under_organizations and "states:" in under_organizations


def test_an_organizer_may_be_a_state_or_an_organization(tmp_path):
    root = write_project(tmp_path / "project", {
        "2020/2020-05-04-x.md": note_text(organizers="[Japan, IAEA, Lao PDR, EU CBRN CoE]")})
    assert check(root).code == 0
    page, _ = note_page(build(root), "2020-05-04-x")
    assert {"/states/japan/", "/states/lao-peoples-democratic-republic/"} <= term_links(page, "states")
    assert "/organizations/iaea/" in term_links(page, "organizations")
    assert len(term_links(page, "organizations")) == 2


def test_an_unknown_organizer_suggests_from_both_catalogs(tmp_path):
    text = note_text(organizers="\n- Jpaan\n- UNODAA")
    result = check_notes(tmp_path, {"2020/2020-05-04-x.md": text})
    assert result.code == 1
    path = "notes/2020/2020-05-04-x.md"
    [state_like] = result.at(path, 5)
    [organization_like] = result.at(path, 6)
    for message in (state_like, organization_like):
        assert "organizer" in message and "neither a State nor an organization" in message
    assert "'Jpaan'" in state_like and "Japan" in state_like          # from the States
    assert "'UNODAA'" in organization_like and "UNODA" in organization_like.split("'UNODAA'", 1)[1]


# --- paragraph references ----------------------------------------------------------------

ACCEPTED_REFERENCES = [
    ("2663 OP17", "/paragraphs/2663-17/"),
    ("2663 (2022) OP17", "/paragraphs/2663-17/"),
    ("res. 2663 op 17", "/paragraphs/2663-17/"),
    ("resolution 2663, OP 17", "/paragraphs/2663-17/"),
    ("PoW-2023 13", "/paragraphs/pow-2023-13/"),
    ("2325", "/paragraphs/2325/"),
]


def test_every_reference_form_of_the_design_is_accepted(tmp_path):
    notes = {f"2020/2020-05-0{i}-ref.md": note_text(date=f"2020-05-0{i}", paragraphs=f"\n- {ref}")
             for i, (ref, _) in enumerate(ACCEPTED_REFERENCES, start=1)}
    root = write_project(tmp_path / "project", notes)
    result = check(root)
    assert result.code == 0, result.output
    site = build(root)
    for i, (ref, link) in enumerate(ACCEPTED_REFERENCES, start=1):
        page, _ = note_page(site, f"2020-05-0{i}-ref")
        assert term_links(page, "paragraphs") == {link}, ref


def test_bad_references_are_each_explained_at_their_line(tmp_path):
    text = note_text(city="Vienna", paragraphs="\n- 2663 OP17\n- 1540 OP99\n- 2664 OP1\n- hello\n- PoW-2023 31")
    result = check_notes(tmp_path, {"2020/2020-05-04-p.md": text})
    assert result.code == 1
    path = "notes/2020/2020-05-04-p.md"
    assert [n for p, n, _ in result.problems] == [7, 8, 9, 10], result.output
    [out_of_range] = result.at(path, 7)
    assert "'1540 OP99'" in out_of_range and "1 to 12" in out_of_range and "99" in out_of_range
    [unknown_document] = result.at(path, 8)
    assert "2664" in unknown_document and "did you mean" in unknown_document and "2663" in unknown_document
    [unreadable] = result.at(path, 9)
    assert "'hello'" in unreadable and "2663 OP17" in unreadable
    [programme] = result.at(path, 10)
    assert "'PoW-2023 31'" in programme and "1 to 30" in programme


# --- field names and values --------------------------------------------------------------

@pytest.mark.parametrize("field, value, wording", [
    ("state", "[Japan]", ["unknown field 'state'", "'states:'"]),
    ("organisations", "[IAEA]", ["unknown field 'organisations'", "'organizations:'"]),
    ("format", "in person", ["'in person'", "in-person"]),
    ("draft", "maybe", ["'draft'", "maybe", "true or false"]),
])
def test_field_mistakes_are_explained_with_a_hint(tmp_path, field, value, wording):
    result = check_notes(tmp_path, {"2020/2020-05-04-f.md": note_text(city="Vienna", **{field: value})})
    assert result.code == 1
    message = result.one("notes/2020/2020-05-04-f.md", 5)
    for words in wording:
        assert words in message, message


# --- ids: file names ---------------------------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("2020/2020-05-04-x.md", "2020/2020-05-04-x.markdown"),
    ("2019/2020-05-04-x.md", "2020/2020-05-04-x.markdown"),
])
def test_two_files_with_one_id_are_an_error_naming_both(tmp_path, first, second):
    result = check_notes(tmp_path, {first: note_text(), second: note_text(title="Other")})
    assert result.code == 1
    first, second = "notes/" + first, "notes/" + second
    clashes = [(p, n, m) for p, n, m in result.problems if "same id" in m]
    assert clashes, result.output
    assert all(n == 1 for _, n, _ in clashes)
    # One file is reported, and its message names the other.
    assert any((p, other) in ((first, second), (second, first)) and other in m
               for p, _, m in clashes for other in (first, second)), clashes


@pytest.mark.parametrize("name", ["2020-05-04-Round Table.md", "2020-05-04-UPPER.md", "Workshop Notes.md"])
def test_a_file_name_that_is_not_an_id_is_an_error_suggesting_a_valid_one(tmp_path, name):
    result = check_notes(tmp_path, {f"2020/{name}": note_text()})
    assert result.code == 1
    message = result.one(f"notes/2020/{name}", 1)
    assert f"'{name}'" in message
    suggestion = re.search(r"for example '([^']+)'", message)
    assert suggestion, message
    stem, _, extension = suggestion[1].rpartition(".")
    assert extension == "md" and VALID_ID.match(stem), f"'{suggestion[1]}' is not a valid note file name"


# --- check PATH --------------------------------------------------------------------------

@pytest.fixture
def three_notes(tmp_path):
    return write_project(tmp_path / "project", {
        "2019/2019-01-01-a.md": note_text(date="2019-01-01", states="[Atlantis]"),
        "2020/2020-01-01-b.md": note_text(date="2020-01-01", organizations="[Nowhere Org]"),
        "2020/2020-02-02-c.md": note_text(date="2020-02-02", states="[Japan]"),
    })


def test_check_without_paths_checks_the_whole_notes_folder(three_notes):
    result = check(three_notes)
    assert result.code == 1
    assert [(p, n) for p, n, _ in result.problems] == [
        ("notes/2019/2019-01-01-a.md", 4), ("notes/2020/2020-01-01-b.md", 4)]


def test_check_one_file_checks_only_that_file(three_notes):
    result = check(three_notes, "notes/2020/2020-01-01-b.md")
    assert result.code == 1
    assert [(p, n) for p, n, _ in result.problems] == [("notes/2020/2020-01-01-b.md", 4)]
    assert "Nowhere Org" in result.problems[0][2]
    good = check(three_notes, "notes/2020/2020-02-02-c.md")
    assert good.code == 0, good.output
    assert good.problems == []


def test_check_one_folder_checks_only_that_folder(three_notes):
    result = check(three_notes, "notes/2019")
    assert result.code == 1
    assert [(p, n) for p, n, _ in result.problems] == [("notes/2019/2019-01-01-a.md", 4)]
    result = check(three_notes, "notes/2020")
    assert [(p, n) for p, n, _ in result.problems] == [("notes/2020/2020-01-01-b.md", 4)]


def test_check_a_path_that_does_not_exist(three_notes):
    result = check(three_notes, "notes/2021/2021-01-01-nope.md")
    assert result.code == 1
    assert [(p, n) for p, n, _ in result.problems] == [("notes/2021/2021-01-01-nope.md", 1)]


# --- catalog problems --------------------------------------------------------------------

def _project_with_data(tmp_path: Path) -> Path:
    site = ('title = "Test archive"\nbase_url = "https://example.org/"\n[paths]\n'
            'data = "data"\n'
            f'templates = "{ROOT / "templates"}"\ntheme = "{ROOT / "theme"}"\n'
            'notes = "notes"\noutput = "public"\n')
    root = write_project(tmp_path / "project", {"2020/2020-05-04-a.md": note_text(states="[Japan]")}, site)
    shutil.copytree(ROOT / "data", root / "data")
    return root


def _edit_line(path: Path, starts_with: str, new_line) -> int:
    """Replace the first line that starts with `starts_with`; return its number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    lines[number] = new_line(lines[number])
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


def test_the_unchanged_catalog_copy_checks_cleanly(tmp_path):
    result = check(_project_with_data(tmp_path))
    assert result.code == 0, result.output


def test_an_alias_shared_by_two_states_is_reported_at_its_line(tmp_path):
    root = _project_with_data(tmp_path)
    line = _edit_line(root / "data" / "states.yaml", "- {name: Zimbabwe,",
                      lambda text: text.replace("}", ", aliases: [Vietnam]}"))
    result = check(root)
    assert result.code == 1
    message = result.one("data/states.yaml", line)
    assert "'Vietnam'" in message and "Viet Nam" in message
    assert {p for p, _, _ in result.problems} == {"data/states.yaml"}


def test_a_state_name_used_as_an_organization_alias_is_reported_at_its_line(tmp_path):
    root = _project_with_data(tmp_path)
    line = _edit_line(root / "data" / "organizations.yaml", "- {acronym: IAEA,",
                      lambda text: text.replace("}", ", aliases: [Japan]}"))
    result = check(root)
    assert result.code == 1
    message = result.one("data/organizations.yaml", line)
    assert "Japan" in message and "State" in message
    assert {p for p, _, _ in result.problems} == {"data/organizations.yaml"}


def test_a_paragraph_count_that_is_not_a_number_is_one_problem_at_its_line(tmp_path):
    root = _project_with_data(tmp_path)
    path = root / "data" / "paragraphs.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index('- key: "2663"')
    count_at = text.index("  paragraphs: ", start)
    line = text.count("\n", 0, count_at) + 1
    assert line > line_of(text, '- key: "2663"')
    end = text.index("\n", count_at)
    path.write_text(text[:count_at] + "  paragraphs: thirty" + text[end:], encoding="utf-8")
    result = check(root)
    assert result.code == 1
    message = result.one("data/paragraphs.yaml", line)
    assert "'paragraphs'" in message and "thirty" in message and "number" in message


def test_a_yaml_error_in_a_catalog_is_reported_at_its_line(tmp_path):
    root = _project_with_data(tmp_path)
    line = _edit_line(root / "data" / "states.yaml", "- {name: Japan,", lambda text: text.rstrip("}"))
    result = check(root)
    assert result.code == 1
    assert "'{'" in result.one("data/states.yaml", line)
