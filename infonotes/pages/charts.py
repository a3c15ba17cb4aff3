"""Bar charts, drawn at build time as inline SVG: no JavaScript, no chart library.

Pure functions from counts to a `Chart`: the bars with their geometry and the text
alternative. `templates/_chart.html` draws it, as an SVG picture with `role="img"`, its
title and a description that gives every number, followed by the same numbers as a table.
The bars and the table's rows, which repeat, are written as markup by `Chart.bar_marks`
and `Chart.table_rows`; every text is escaped, there as by Jinja: labels come from the
catalogs and from contributors.

The charts of the site:

- home: notes per year;
- States index: notes per regional group;
- a State, organization or paragraph page: that term's notes per year, and the terms
  of the other two kinds that its notes name most often (`SiteModel.related`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

from markupsafe import Markup, escape

from infonotes.archive.catalog import REGIONS
from infonotes.archive.model import SiteModel, Term
from infonotes.pages.urls import term_path

WIDTH = 360
"""The picture's width in its own units: about a phone's column, so that its 13-unit text
is drawn at 12 CSS px or more on a 390 px screen; wider screens draw it at its own size."""
ROW = 22
BAR_HEIGHT = 14
CHAR_WIDTH = 9.0
"""A generous estimate of one character's width at the chart's font size (13 px): wide
letters and wide fonts included, since a label must never be cut."""
LABEL_COLUMN = 100
"""Labels that fit this width stand left of their bars; longer ones get a line of their
own above the bar, wrapped, so that no label is ever cut."""
LINE = 16
VALUE_ROOM = 48
MIN_NOTES = 10
MIN_YEARS = 3
"""A term's charts say something from this many notes over this many years: below, the
list of notes says it all."""
RELATED_TOP = 10
RELATED_KINDS = {
    "state": (("organization", "Organizations"), ("paragraph", "Paragraphs")),
    "organization": (("state", "States"), ("paragraph", "Paragraphs")),
    "paragraph": (("state", "States"), ("organization", "Organizations")),
}
"""For each kind of term page: the kinds of related terms it charts, and their heading."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    path: str | None
    """The page of what the bar counts (a year, a State…), linked from the table."""
    lines: tuple[tuple[str, float], ...]
    """The label as drawn: (text, baseline y) of each of its lines."""
    y: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    """Unique on its page: the ids of the chart's title and description derive from it."""
    title: str
    summary: str
    """Every number in words: the picture's text alternative."""
    column: str
    """The table's heading for the labels: 'Year', 'State', …"""
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_x: float
    bar_x: float
    bar_height: int
    label_anchor: str = "end"
    """'end': labels in a column left of the bars; 'start': each label above its bar."""

    def bar_marks(self) -> list[Markup]:
        """Each bar as the SVG draws it: its label, its bar and its value, one piece of
        markup a bar, the lines after the first indented as in templates/_chart.html.

        Made here rather than in the template: a term page draws dozens of bars of ten
        numbers each, and every template expression is one more escape call. The label is
        the only text (it comes from the catalogs): it is escaped here."""
        return [Markup("\n    ".join(
            [f'<text class="chart-label" x="{self.label_x}" y="{y}" text-anchor="{self.label_anchor}">'
             f'{escape(text)}</text>' for text, y in bar.lines]
            + [f'<rect class="chart-bar" x="{self.bar_x}" y="{bar.y}" width="{bar.width}" height="{self.bar_height}"/>',
               f'<text class="chart-value" x="{bar.value_x}" y="{bar.text_y}">{bar.value:,}</text>']))
            for bar in self.bars]

    def table_rows(self, url) -> list[Markup]:
        """Each bar as a row of the chart's table: its label, linked to `url(bar.path)` when it
        has a page, and its value. Made here for the reason bar_marks is; every text is escaped."""
        return [Markup(f'<tr><th scope="row">{_table_label(bar, url)}</th><td>{bar.value:,}</td></tr>')
                for bar in self.bars]


def _table_label(bar: Bar, url) -> Markup:
    if bar.path:
        return Markup(f'<a href="{escape(url(bar.path))}">{escape(bar.label)}</a>')
    return escape(bar.label)


def bar_chart(chart_id: str, title: str, column: str, counts: list[tuple[str, int, str | None]],
              unit: tuple[str, str] = ("note", "notes")) -> Chart:
    """A horizontal bar chart of (label, count, page path or None), in the given order."""
    longest = max((len(label) for label, _, _ in counts), default=0)
    beside = longest * CHAR_WIDTH <= LABEL_COLUMN
    bar_x = longest * CHAR_WIDTH + 12 if beside else 0
    room = WIDTH - bar_x - VALUE_ROOM
    top = max((count for _, count, _ in counts), default=0) or 1
    bars = []
    y = 0.0
    for label, count, path in counts:
        width = round(room * count / top, 1) if count else 0
        lines: list[tuple[str, float]] = []
        if not beside:
            for text in wrap(label, int(WIDTH / CHAR_WIDTH)):
                y += LINE
                lines.append((text, y - 4))
        bar_y = y + (ROW - BAR_HEIGHT) / 2
        text_y = y + ROW / 2 + 4.5
        if beside:
            lines.append((label, text_y))
        bars.append(Bar(label, count, path, tuple(lines), bar_y, width, text_y, round(bar_x + width + 6, 1)))
        y += ROW + (4 if not beside else 0)
    summary = "; ".join(f"{label}: {count:,} {unit[0] if count == 1 else unit[1]}"
                        for label, count, _ in counts)
    return Chart(chart_id, title, f"{summary}." if counts else "None.", column,
                 tuple(bars), WIDTH, int(max(y, ROW)), round(bar_x - 6, 1) if beside else 2, bar_x,
                 BAR_HEIGHT, "end" if beside else "start")


def wrap(label: str, fits: int) -> list[str]:
    """The label in lines of at most `fits` characters, cut between words (a word longer
    than a line is cut where it must)."""
    lines: list[str] = []
    for word in label.split():
        while len(word) > fits:
            if lines and not lines[-1]:
                lines.pop()
            lines += [word[:fits]]
            word = word[fits:]
        if lines and len(lines[-1]) + 1 + len(word) <= fits:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def year_counts(notes, link: bool = False) -> list[tuple[str, int, str | None]]:
    """Notes per year, oldest first, with the years between that have none."""
    counted = Counter(map(attrgetter("date.year"), notes))  # a big term's notes: counted in C
    if not counted:
        return []
    years = range(min(counted), max(counted) + 1)
    return [(str(y), counted[y], term_path("year", str(y)) if link and counted[y] else None) for y in years]


def home_charts(model: SiteModel) -> list[Chart]:
    return [bar_chart("chart-years", "Notes per year", "Year", year_counts(model.notes, link=True))]


def region_counts(model: SiteModel) -> list[tuple[str, int, str | None]]:
    """For each regional group: how many notes name at least one of its States, in any role."""
    region_of = {term.slug: term.entity.region for term in model.states}
    counted: Counter = Counter()
    for note in model.notes:
        regions = {region_of[key.split(":", 1)[1]] for key in model.keys_of_note[note.id][0]}
        counted.update(regions)
    return [(region, counted[region], None) for region in REGIONS if counted[region]]


def states_index_charts(model: SiteModel) -> list[Chart]:
    return [bar_chart("chart-regions", "Notes per regional group", "Regional group", region_counts(model))]


def says_something(notes) -> bool:
    return len(notes) >= MIN_NOTES and len({note.date.year for note in notes}) >= MIN_YEARS


def term_charts(model: SiteModel, term: Term) -> list[Chart]:
    """A term page's charts, when they say something: its notes per year, then the terms
    named most often with it."""
    if not says_something(term.notes):
        return []
    charts = [bar_chart("chart-years", f"Notes per year: {term.label}", "Year", year_counts(term.notes))]
    groups = RELATED_KINDS.get(term.kind, ())
    found = model.related(term, tuple(kind for kind, _ in groups), RELATED_TOP)
    for kind, heading in groups:
        related = found[kind]
        if related:
            counts = [(t.label, count, term_path(t.kind, t.slug)) for t, count in related]
            charts.append(bar_chart(f"chart-{kind}s", f"{heading} named most often in the notes of {term.label}",
                                    heading[:-1], counts))
    return charts
