"""Stage 4: the page plan (every file the site has) and rendering one page to bytes.

`plan_pages` lists every output path with what it shows; `Renderer.render` turns one
plan entry into bytes through a Jinja template and a view of the model. Rendering is
a pure function of the model, so pages can be rendered in any order, in any process.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from .config import Config
from .problems import InputError, Problem
from .model import SiteModel, Term
from .urls import Links, note_path, term_path
from . import views


@dataclass(frozen=True, slots=True)
class PagePlan:
    path: str
    """Site-relative address: 'notes/<id>/', 'states/japan/feed.xml', '404.html'."""
    kind: str
    """Which renderer method makes it."""
    subject: object = None
    """The note, term or list the page is about."""


def plan_pages(model: SiteModel) -> list[PagePlan]:
    """Every page of the site, in a fixed order (the list the writer checks for collisions)."""
    plans = [
        PagePlan("", "home"),
        PagePlan("notes/", "notes"),
        PagePlan("states/", "states"),
        PagePlan("organizations/", "organizations"),
        PagePlan("paragraphs/", "paragraphs"),
        PagePlan("404.html", "not_found"),
        PagePlan("feed.xml", "feed"),
        PagePlan("sitemap.xml", "sitemap"),
        PagePlan("robots.txt", "robots"),
    ]
    plans += [PagePlan(term_path("year", t.slug), "year", t) for t in model.years]
    for terms in (model.states, model.organizations, model.documents, model.paragraphs):
        for term in terms:
            plans.append(PagePlan(term_path(term.kind, term.slug), "term", term))
            plans.append(PagePlan(term_path(term.kind, term.slug) + "feed.xml", "feed", term))
    plans += [PagePlan(note_path(n.id), "note", n) for n in model.notes]
    return plans


def make_environment(config: Config) -> jinja2.Environment:
    # autoescape=True for every template, XML included: note text must never become markup.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_range"] = views.date_range
    env.filters["plural"] = views.plural
    env.globals["format_label"] = views.FORMAT_LABELS.get
    return env


class Renderer:
    """Renders any PagePlan of one model."""

    def __init__(self, config: Config, model: SiteModel, links: Links, stylesheet: str):
        self.config = config
        self.model = model
        self.links = links
        self.env = make_environment(config)
        self.stylesheet = stylesheet
        self.feed_updated = max((n.last_day for n in model.notes), default=None)

        self._compile_templates()

    def render(self, plan: PagePlan) -> bytes:
        method = getattr(self, f"_{plan.kind}")
        try:
            return method(plan).encode("utf-8")
        except Exception as error:
            problem = template_problem(error, self.config.templates_dir,
                                       f" (while making {plan.path or 'the home page'})")
            if problem is None:
                raise
            raise InputError([problem]) from None

    def _compile_templates(self) -> None:
        # Compile every template once, here, so a syntax error is one clear message
        # before any page is written rather than a failure inside a worker.
        problems = []
        for name in self.env.list_templates():
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                problems.append(template_problem(error, self.config.templates_dir))
        if problems:
            raise InputError(problems)

    # --- the context every page shares -----------------------------------------------

    def _page(self, template: str, plan: PagePlan, title: str, *, crumbs=(), feed=None,
              description: str = "", **context) -> str:
        here = plan.path

        def url(to_path: str) -> str:
            return self.links.href(here, to_path)

        return self.env.get_template(template).render(
            site=self.config,
            page={"path": here, "title": title, "crumbs": crumbs, "feed": feed,
                  "description": description or self.config.description,
                  "canonical": self.links.absolute(here)},
            url=url,
            stylesheet=url(self.stylesheet),
            nav=_NAV,
            **context,
        )

    # --- one method a page kind ----------------------------------------------------

    def _home(self, plan):
        model = self.model
        return self._page(
            "home.html", plan, self.config.title,
            feed=("feed.xml", f"{self.config.title}: all notes"),
            latest=model.notes[: self.config.latest_count],
            counts={"notes": len(model.notes), "states": len(model.states),
                    "organizations": len(model.organizations), "paragraphs": len(model.paragraphs),
                    "documents": len(model.documents)},
            years=model.years,
        )

    def _notes(self, plan):
        return self._page("notes.html", plan, "All notes", crumbs=[("Notes", None)],
                          years=self.model.years)

    def _year(self, plan):
        term: Term = plan.subject
        return self._page("year.html", plan, f"Notes of {term.label}", term=term,
                          crumbs=[("Notes", "notes/"), (term.label, None)],
                          description=views.describe(term), years=self.model.years)

    def _note(self, plan):
        note = plan.subject
        return self._page(
            "note.html", plan, note.title, note=note,
            description=note.summary or f"Information note on {note.title}.",
            crumbs=[("Notes", "notes/"), (str(note.year), f"notes/{note.year}/"), (note.title, None)],
            country=views.entity_link(note.country) if note.country else None,
            organizers=[views.entity_link(o) for o in note.organizers],
            states=[views.entity_link(s) for s in note.states],
            organizations=[views.entity_link(o) for o in note.organizations],
            paragraphs=[views.entity_link(p) for p in note.paragraphs],
            citation=self._citation(note),
        )

    def _citation(self, note) -> str:
        return (f"{self.config.title}. \u201c{note.title}\u201d. Information note, "
                f"{views.date_range(note.date, note.end)}. {self.links.absolute(note_path(note.id))}")

    def _states(self, plan):
        return self._page("states.html", plan, "States", crumbs=[("States", None)],
                          regions=self.model.states_by_region())

    def _organizations(self, plan):
        return self._page("organizations.html", plan, "Organizations", crumbs=[("Organizations", None)],
                          terms=self.model.organizations)

    def _paragraphs(self, plan):
        documents = [(t, self.model.paragraphs_of(t.entity)) for t in self.model.documents]
        return self._page("paragraphs.html", plan, "Resolutions and paragraphs",
                          crumbs=[("Paragraphs", None)], documents=documents)

    def _term(self, plan):
        term: Term = plan.subject
        section = {"state": ("States", "states/"), "organization": ("Organizations", "organizations/"),
                   "document": ("Paragraphs", "paragraphs/"), "paragraph": ("Paragraphs", "paragraphs/")}
        crumbs = [section[term.kind]]
        if term.kind == "paragraph":
            document = term.entity.document
            crumbs.append((document.key, term_path("document", document.slug)))
        crumbs.append((term.label, None))
        extra = {}
        if term.kind == "document":
            extra["paragraph_terms"] = self.model.paragraphs_of(term.entity)
        return self._page(
            f"{term.kind}.html", plan, views.term_title(term), term=term,
            description=views.describe(term), crumbs=crumbs,
            feed=(plan.path + "feed.xml", self._feed_title(term)),
            sections=views.role_sections(term), groups=views.by_year(term.notes), **extra)

    def _not_found(self, plan):
        return self._page("404.html", plan, "Page not found", years=self.model.years)

    # --- feeds, sitemap, robots ----------------------------------------------------

    def _feed_title(self, term: Term | None) -> str:
        if term is None:
            return f"{self.config.title}: all notes"
        return f"{self.config.title}: {views.term_title(term)}"

    def _feed(self, plan):
        term = plan.subject
        notes = (term.notes if term else self.model.notes)[: self.config.feed_size]
        page_path = plan.path[: -len("feed.xml")]
        updated = max((n.last_day for n in notes), default=self.feed_updated)
        return self.env.get_template("feed.xml").render(
            site=self.config, title=self._feed_title(term), notes=notes,
            subtitle=views.describe(term) if term else self.config.description,
            feed_url=self.links.absolute(plan.path), page_url=self.links.absolute(page_path),
            updated=updated, entry_url=lambda n: self.links.absolute(note_path(n.id)),
        )

    def _sitemap(self, plan):
        pages = [p for p in plan_pages(self.model) if p.path.endswith("/") or p.path == ""]
        return self.env.get_template("sitemap.xml").render(
            urls=[self.links.absolute(p.path) for p in pages])

    def _robots(self, plan):
        return self.env.get_template("robots.txt").render(sitemap=self.links.absolute("sitemap.xml"))


_NAV = (("Notes", "notes/"), ("States", "states/"), ("Organizations", "organizations/"),
        ("Paragraphs", "paragraphs/"))


def read_stylesheet_name(theme_dir: Path) -> str:
    return "assets/style.css"


def template_problem(error: Exception, templates_dir: Path, context: str = "") -> Problem | None:
    """`templates/x.html:12: message` for an error raised in a template, else None."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(error.filename, error.lineno or 1, f"template error: {error.message}{context}")
    where = None
    trace = error.__traceback__
    while trace is not None:  # Jinja rewrites frames to point at the template lines
        filename = trace.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            where = (filename, trace.tb_lineno)
        trace = trace.tb_next
    if where is None:
        return None
    return Problem(where[0], where[1], f"template error: {error}{context}")
