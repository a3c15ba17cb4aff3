"""The pictures of the archive (issue 8, "Pictures"): bar charts drawn at build time as
inline SVG, with their numbers also given as text.

What each chart must show is counted here from the notes' front matter and the catalogs
(test_site's independent reading), never from the generator; the charts are parsed out
of the built pages and compared with it: bars, numbers, the table and the text
alternative.
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_site import Expected, expected_site

from infonotes.pages.charts import bar_chart

from conftest import ROOT, cli_main, note_text, write_project

TOP = 10


# --- Reading charts out of a page -------------------------------------------------------------

class Charts(HTMLParser):
    """Every <figure class="chart"> of a page: its caption, the SVG's role, name and
    description, the bars as drawn (label, width, value) and the rows of its table."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.charts: list[dict] = []
        self.texts_by_id: dict[str, str] = {}
        self._chart: dict | None = None
        self._capture: tuple[str, list[str]] | None = None
        self._row: list | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "chart" in a.get("class", "").split():
            self._chart = {"bars": [], "rows": [], "labels": [], "values": [], "widths": []}
            self.charts.append(self._chart)
        chart = self._chart
        if chart is None:
            return
        if tag == "svg":
            chart["svg"] = a
        if tag in ("figcaption", "title", "desc") or (tag == "text" and a.get("class") in ("chart-label", "chart-value")):
            self._capture = (a.get("id") or a.get("class") or tag, [])
        if tag == "rect" and a.get("class") == "chart-bar":
            chart["widths"].append(float(a["width"]))
        if tag == "tr":
            self._row = []
        if tag in ("th", "td") and self._row is not None:
            self._cell = []
        if tag == "a" and self._row is not None:
            self._row.append(("href", a["href"]))

    def handle_data(self, data):
        if self._capture is not None:
            self._capture[1].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        chart = self._chart
        if self._capture is not None and tag in ("figcaption", "title", "desc", "text"):
            key, parts = self._capture
            text = "".join(parts).strip()
            self.texts_by_id[key] = text
            if tag == "figcaption":
                chart["caption"] = text
            elif key == "chart-label":
                chart["labels"].append(text)
            elif key == "chart-value":
                chart["values"].append(int(text.replace(",", "")))
            self._capture = None
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and chart is not None:
            cells = [c for c in self._row if not isinstance(c, tuple)]
            links = [c[1] for c in self._row if isinstance(c, tuple)]
            if cells and cells[-1] != "Notes":
                chart["rows"].append((cells[0], int(cells[-1].replace(",", "")), links[0] if links else None))
            self._row = None
        if tag == "figure":
            self._chart = None


def charts_of(page: Path) -> dict[str, dict]:
    """Charts by the start of their caption ('Notes per year', 'Organizations', …)."""
    parsed = Charts(page.read_text(encoding="utf-8"))
    for chart in parsed.charts:
        svg = chart["svg"]
        chart["name"] = parsed.texts_by_id.get(svg.get("aria-labelledby", ""), "")
        chart["description"] = parsed.texts_by_id.get(svg.get("aria-describedby", ""), "")
    return {re.split(r"[: ]", c["caption"].replace("Notes per", "Notes_per"), maxsplit=1)[0]: c
            for c in parsed.charts}


def assert_chart_shows(chart: dict, expected: list[tuple[str, int]], where: str) -> None:
    """The bars, the numbers drawn, the table and the text alternative all say `expected`."""
    labels = [label for label, _ in expected]
    values = [value for _, value in expected]
    assert [row[:2] for row in chart["rows"]] == expected, f"{where}: table"
    assert chart["values"] == values, f"{where}: numbers drawn"
    assert len(chart["labels"]) == len(labels)
    for drawn, label in zip(chart["labels"], labels):  # long labels are cut with an ellipsis
        assert drawn == label or (drawn.endswith("\u2026") and label.startswith(drawn[:-1])), where
    top = max(values)
    widest = max(chart["widths"])
    for width, value in zip(chart["widths"], values):
        assert width == pytest.approx(widest * value / top, abs=0.2), f"{where}: bar length of {value}"
    assert chart["svg"].get("role") == "img"
    assert chart["name"] == chart["caption"], f"{where}: the picture is named by its caption"
    words = "; ".join(f"{label}: {value:,} {'note' if value == 1 else 'notes'}" for label, value in expected)
    assert chart["description"] == words + ".", f"{where}: text alternative"


# --- Counting from the front matter -----------------------------------------------------------

@pytest.fixture(scope="module")
def expected(generated_300) -> Expected:
    return expected_site(generated_300)


def per_year(ids, expected: Expected) -> list[tuple[str, int]]:
    years = Counter(expected.notes[i].date.year for i in ids)
    return [(str(y), years[y]) for y in range(min(years), max(years) + 1)]


def names_in(note, kind: str) -> dict[str, str]:
    """slug -> label of the States, organizations or paragraphs a note names, in any role."""
    if kind == "state":
        states = ([note.host] if note.host else []) + note.organizer_states + note.states
        return {s.slug: s.name for s in states}
    if kind == "organization":
        return {o.slug: o.acronym for o in note.organizer_orgs + note.orgs}
    found = {}
    for doc, number in note.paragraphs:
        if number is None:
            found[doc.slug] = doc.key
        else:
            found[f"{doc.slug}-{number}"] = f"{doc.key} OP{number}" if doc.kind == "resolution" else f"{doc.key} {number}"
    return found


def most_often(ids, kind: str, expected: Expected, leave_out: str) -> list[tuple[str, int]]:
    counts, labels = Counter(), {}
    for note_id in ids:
        named = names_in(expected.notes[note_id], kind)
        named.pop(leave_out, None)
        counts.update(named.keys())
        labels.update(named)
    ranked = sorted(counts, key=lambda slug: (-counts[slug], labels[slug].casefold(), slug))[:TOP]
    return [(labels[slug], counts[slug]) for slug in ranked]


# --- The charts of the 300-note site ----------------------------------------------------------

def test_home_page_charts_notes_per_year(site_300, expected):
    chart = charts_of(site_300 / "index.html")["Notes_per"]
    assert_chart_shows(chart, per_year(expected.notes, expected), "home")
    linked = {row[0]: row[2] for row in chart["rows"]}
    for year, count in per_year(expected.notes, expected):
        assert linked[year] == (f"/notes/{year}/" if count else None)


def test_states_index_charts_notes_per_regional_group(site_300, expected):
    regions = Counter()
    for note in expected.notes.values():
        regions.update({s.region for s in ([note.host] if note.host else []) + note.organizer_states + note.states})
    order = ["Africa", "Asia-Pacific", "Eastern Europe", "Latin America and the Caribbean",
             "Western Europe and Others", "Observer States"]
    chart = charts_of(site_300 / "states" / "index.html")["Notes_per"]
    assert_chart_shows(chart, [(r, regions[r]) for r in order if regions[r]], "states index")


OTHER_KINDS = {"state": ("organization", "paragraph"), "organization": ("state", "paragraph"),
               "paragraph": ("state", "organization")}
HEADINGS = {"state": "States", "organization": "Organizations", "paragraph": "Paragraphs"}
SECTIONS = {"state": "states", "organization": "organizations", "paragraph": "paragraphs"}


def _term_notes(expected: Expected, kind: str) -> dict[str, set[str]]:
    if kind == "state":
        return {slug: expected.state_notes(slug) for slug in expected.state_roles}
    return expected.orgs if kind == "organization" else expected.paragraphs


@pytest.mark.parametrize("kind, section", [("state", "states"), ("organization", "organizations"),
                                           ("paragraph", "paragraphs")])
def test_every_term_page_charts_its_years_and_what_appears_with_it(site_300, expected, kind, section):
    terms = _term_notes(expected, kind)
    assert terms
    for slug, ids in terms.items():
        page = site_300 / section / slug / "index.html"
        charts = charts_of(page)
        if len(ids) < 10 or len({expected.notes[i].date.year for i in ids}) < 3:
            assert not charts, f"{page}: charts of too few notes or years say nothing"
            continue
        assert_chart_shows(charts["Notes_per"], per_year(ids, expected), f"{page}: years")
        for other in OTHER_KINDS[kind]:
            shown = most_often(ids, other, expected, leave_out=slug)
            chart = charts.get(HEADINGS[other])
            if not shown:
                assert chart is None
                continue
            assert_chart_shows(chart, shown, f"{page}: {other}")
            assert all(href and href.startswith(f"/{SECTIONS[other]}/") for _, _, href in chart["rows"])


def test_the_biggest_state_page_has_full_related_charts(site_300, expected):
    slug = max(expected.state_roles, key=lambda s: (len(expected.state_notes(s)), s))
    charts = charts_of(site_300 / "states" / slug / "index.html")
    assert set(charts) == {"Notes_per", "Organizations", "Paragraphs"}
    assert len(charts["Organizations"]["rows"]) == TOP and len(charts["Paragraphs"]["rows"]) == TOP


# --- Safety and the pure function -------------------------------------------------------------

def test_a_hostile_catalog_label_is_escaped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    hostile = 'X<script>alert("x")</script>&'
    with (data / "organizations.yaml").open("a", encoding="utf-8") as out:
        out.write(f"- {{acronym: '{hostile}', name: Hostile <i>Org</i>, kind: ngo}}\n")
    root = write_project(tmp_path / "p", {f"{2018 + i % 3}/{2018 + i % 3}-01-{i + 2:02d}-a.md": note_text(
        "A", f"{2018 + i % 3}-01-{i + 2:02d}", country="Japan", organizations=f"['{hostile}']", summary="S.")
        for i in range(10)})
    toml = root / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(str(ROOT / "data"), str(data)), encoding="utf-8")
    assert cli_main(["--config", str(toml), "build"]) == 0
    html = (root / "public" / "states" / "japan" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert html.count("X&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;") >= 3  # drawn, described, tabled
    chart = charts_of(root / "public" / "states" / "japan" / "index.html")["Organizations"]
    assert chart["rows"][0][:2] == (hostile, 10)


def test_bar_chart_geometry():
    chart = bar_chart("c", "T", "Year", [("2019", 4, None), ("2020", 0, None), ("a" * 80, 2, "x/")])
    widths = [bar.width for bar in chart.bars]
    assert widths[1] == 0 and widths[0] == pytest.approx(2 * widths[2])
    assert all(chart.bar_x + w + 40 <= chart.width for w in widths), "bars and numbers fit"
    # A label too long for the column gets lines of its own above the bars: never cut.
    assert "".join(text for text, _ in chart.bars[2].lines) == "a" * 80
    assert all(len(text) * 9 <= chart.width for bar in chart.bars for text, _ in bar.lines)
    for before, bar in zip(chart.bars, chart.bars[1:]):
        assert bar.y >= before.y + chart.bar_height, "bars do not overlap"
        assert all(before.y + chart.bar_height < y < bar.y for _, y in bar.lines), "a label stands above its bar"
    assert chart.height >= chart.bars[-1].y + chart.bar_height
    assert chart.summary == f"2019: 4 notes; 2020: 0 notes; {'a' * 80}: 2 notes."
    assert bar_chart("e", "T", "Year", []).summary == "None."
