"""Page bytes from the notes and the model, through the Jinja templates.

Two renderers share one set of templates:

- `NotePages` makes a note's own page from that note alone, so it runs in the same
  worker that has just read and checked the note, while the note's HTML body is at hand.
- `SitePages` makes every other page (indexes, terms, feeds, sitemap, open data) from
  the model: one method a kind of `PagePlan` (plan.py), chosen in `PAGE_MAKERS`.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from infonotes.archive.model import Note, SiteModel, Term
from infonotes.archive.related import Neighbours
from infonotes.config import Config
from infonotes.pages import charts, cite, opendata, views
from infonotes.pages.plan import REDIRECT_KINDS, PagePlan, filter_roles, plan_pages, site_addresses
from infonotes.pages.urls import Links, file_of, note_path, term_path
from infonotes.problems import InputError, Problem

STYLESHEET = "assets/style.css"
NAV = (("Notes", "notes/"), ("States", "states/"), ("Organizations", "organizations/"),
       ("Paragraphs", "paragraphs/"), ("Search", "search/"), ("Open data", "data/"))
ICONS = ("assets/favicon.svg", "assets/favicon.png")
# The citation files a note page offers for download: (extension, link text, media type,
# writer). They travel inside the page as data: URIs: as files beside it they were three
# quarters of the files of a site, and creating a file costs more than the page's work.
CITATION_FILES = (("bib", "BibTeX", "application/x-bibtex", cite.bibtex),
                  ("ris", "RIS", "application/x-research-info-systems", cite.ris),
                  ("json", "CSL-JSON", "application/vnd.citationstyles.csl+json", cite.csl_json))


@dataclass(frozen=True)
class Offline:
    """What the footer of an offline copy (the bundle) says, on every page."""

    site_url: str
    """The published archive, which the copy links to."""
    as_of: Markup
    """The newest note's date, as HTML. Note pages are made as soon as their note is
    read, before that date is known, so the bundle passes a placeholder here and puts the
    date in when it packs the pages."""


def make_environment(templates_dir: Path) -> jinja2.Environment:
    # autoescape=True for every template, XML included: note text must never become markup.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_range"] = views.date_range
    env.filters["plural"] = views.plural
    env.globals["format_label"] = views.FORMAT_LABELS.get
    env.globals["role_label"] = views.ROLE_LABELS.get
    env.globals["role_heading"] = views.ROLE_HEADINGS.get
    return env


class _Pages:
    """What every page shares: the environment, the links, the frame around the content."""

    def __init__(self, config: Config, links: Links, offline: Offline | None = None):
        self.config = config
        self.links = links
        self.offline = offline
        self.env = make_environment(config.templates_dir)
        self._compile_templates()

    def _compile_templates(self) -> None:
        # Compile every template once, up front, so that a syntax error is one clear
        # message before any page is written rather than a failure inside a worker.
        problems = []
        for name in self.env.list_templates():
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                problems.append(template_problem(error))
        if problems:
            raise InputError(problems)

    def _render(self, template: str, where: str, **context) -> bytes:
        try:
            return self.env.get_template(template).render(**context).encode("utf-8")
        except Exception as error:
            problem = template_problem(error, f" (while making {where or 'the home page'})")
            if problem is None:
                raise
            raise InputError([problem]) from None

    def _page(self, template: str, here: str, title: str, *, crumbs=(), feed=None,
              description: str = "", canonical: str | None = None, pager=(None, None), **context) -> bytes:
        def url(to_path: str) -> str:
            return self.links.href(here, to_path)

        def feed_url(to_path: str) -> str:
            # From an offline copy's disk, a feed opens as raw XML: readers subscribe to
            # the published one.
            return self.links.absolute(to_path) if self.offline else url(to_path)

        return self._render(
            template, here,
            site=self.config,
            page={"path": here, "title": title, "crumbs": crumbs, "feed": feed,
                  "prev": pager[0], "next": pager[1],
                  "description": description or self.config.description,
                  "canonical": self.links.absolute(here if canonical is None else canonical)},
            url=url,
            feed_url=feed_url,
            stylesheet=url(STYLESHEET),
            icons=[url(icon) for icon in ICONS],
            nav=NAV,
            offline=self.offline,
            **context,
        )


class NotePages(_Pages):
    """A note's page, from the note alone."""

    def __init__(self, config: Config, links: Links, offline: Offline | None = None):
        super().__init__(config, links, offline)
        # The same States and organizations are linked from thousands of note pages:
        # render each link once (per folder depth, for relative links).
        self._link_items: dict[tuple, Markup] = {}

    def files(self, note: Note) -> list[tuple[str, bytes]]:
        """(address, bytes) of everything that depends on the note alone: its page."""
        return [(note_path(note.id), self.render(note))]

    def render(self, note: Note) -> bytes:
        here = note_path(note.id)
        fields = self.citation_fields(note)
        return self._page(
            "note.html", here, note.title, note=note,
            description=note.summary or f"Information note on {note.title}.",
            crumbs=[("Notes", "notes/"), (str(note.year), f"notes/{note.year}/"), (note.title, None)],
            country=views.entity_link(note.country) if note.country else None,
            organizers=[self._link_item(o, here) for o in note.organizers],
            states=[self._link_item(s, here) for s in note.states],
            organizations=[self._link_item(o, here) for o in note.organizations],
            paragraphs=[self._link_item(p, here) for p in note.paragraphs],
            cited=[views.entity_link(p) for p in note.paragraphs],
            citation=cite.plain_text(fields),
            citation_meta=cite.meta_tags(fields),
            citation_files=[(label, cite.data_uri(media_type, write(fields)), f"{note.id}.{extension}", media_type)
                            for extension, label, media_type, write in CITATION_FILES],
        )

    def note_links(self, note: Note, neighbours: Neighbours) -> bytes:
        """The part of a note's page that needs the whole archive: related notes, and the
        notes before and after it (see `with_note_links`)."""
        here = note_path(note.id)
        return self._render("_note_neighbours.html", here, neighbours=neighbours, entry=self._related_entry,
                            url=lambda to: self.links.href(here, to))

    def _related_entry(self, note: Note) -> Markup:
        # Every note page is at the same depth: a note's entry reads the same on each page
        # that lists it. (`serve` keeps this renderer: the key holds what the entry shows.)
        key = ("note", note.id, note.title, note.date, note.end, note.venue)
        item = self._link_items.get(key)
        if item is None:
            here = note_path(note.id)
            html = self._render("_list_item.html", here, note=note, heading="",
                                url=lambda to: self.links.href(here, to)).decode("utf-8")
            item = self._link_items[key] = Markup(html.strip())
        return item

    def _link_item(self, entity, here: str) -> Markup:
        key = (type(entity).__name__, entity.slug, here.count("/") if self.links.relative else 0)
        item = self._link_items.get(key)
        if item is None:
            html = self._render("_link_item.html", here, link=views.entity_link(entity),
                                url=lambda to: self.links.href(here, to)).decode("utf-8")
            item = self._link_items[key] = Markup(html.strip())
        return item

    def citation_fields(self, note: Note) -> cite.CitationFields:
        config = self.config
        return cite.citation_fields(note, url=self.links.absolute(note_path(note.id)), author=config.author,
                                    publisher=config.publisher, collection=config.title,
                                    language=config.language)


NOTE_LINKS = (b"<!--note-links-->", b"<!--/note-links-->")
"""Where note.html leaves room for `NotePages.note_links`: a note's page is written as soon
as its note is read, before the other notes are known, and filled in after the model."""


def with_note_links(page: bytes, links: bytes) -> bytes:
    """The page with `links` between the NOTE_LINKS marks (a template without them gets none)."""
    start, end = NOTE_LINKS
    opening = page.find(start)
    closing = page.find(end, opening)
    if opening < 0 or closing < 0:
        return page
    return page[: opening + len(start)] + links + page[closing:]


SIZE_MARK = re.compile(rb"<!--size:([^>]+?)-->")
"""Where a page shows the size of another file of the site (the /data/ page's downloads):
pages are written in parallel, so the sizes go in once every file is written."""


def size_mark(path: str) -> Markup:
    return Markup(f"<!--size:{file_of(path)}-->")


def with_file_sizes(page: bytes, sizes: dict[str, int]) -> bytes:
    """The page with each SIZE_MARK replaced by its file's size (left as it is when unknown)."""
    def size(match: re.Match) -> bytes:
        known = sizes.get(match[1].decode("utf-8"))
        return match[0] if known is None else views.file_size(known).encode("utf-8")
    return SIZE_MARK.sub(size, page)


class SitePages(_Pages):
    """Every page but the note pages, from the model."""

    def __init__(self, config: Config, links: Links, model: SiteModel, offline: Offline | None = None):
        super().__init__(config, links, offline)
        self.model = model
        # A note's list entry looks the same on every page at the same depth, and the
        # big term pages repeat it thousands of times: render each entry once.
        self._entries: dict[tuple, Markup] = {}

    def for_model(self, model: SiteModel, changed_ids) -> "SitePages":
        """The same renderer over a new model, for `serve`'s incremental rebuilds: the
        templates stay compiled, and the cached list entries stay, but those of the notes
        whose id is in `changed_ids` (their title, date or venue may differ now)."""
        pages = copy.copy(self)
        pages.model = model
        # The cached year jump lists and roles are checked against the list they were made of.
        pages._entries = {key: entry for key, entry in self._entries.items() if key[1] not in changed_ids}
        return pages

    def render(self, plan: PagePlan) -> bytes:
        return PAGE_MAKERS[plan.kind](self, plan)

    def _entry(self, template: str, note: Note, here: str, heading: str = "") -> Markup:
        # A relative link to notes/<id>/ depends on the page's depth and on whether the
        # page is under notes/ too (their common folder is dropped).
        where = (here.count("/"), here.startswith("notes/")) if self.links.relative else 0
        key = (template, note.id, where, heading)
        entry = self._entries.get(key)
        if entry is None:
            html = self._render(template, here, note=note, heading=heading,
                                url=lambda to: self.links.href(here, to)).decode("utf-8")
            entry = self._entries[key] = Markup(html)
        return entry

    def _list_page(self, template: str, plan: PagePlan, title: str, **context) -> bytes:
        here = plan.path

        def item(note: Note, heading: str = "h3") -> Markup:
            return self._entry("_note_item.html", note, here, heading)

        def compact(note: Note) -> Markup:
            return self._entry("_compact_item.html", note, here)

        def by_year(notes) -> list[tuple[int, int, Markup]]:
            """(year, count, the year's list entries as one piece of HTML), newest first."""
            # Every entry is Markup already: a plain join skips escaping each one again.
            return [(year, len(group), Markup("".join([compact(n) for n in group])))
                    for year, group in views.by_year(notes)]

        return self._page(template, here, title, item=item, compact=compact, by_year=by_year,
                          **context)

    # --- one method a page kind ----------------------------------------------------

    def _home(self, plan):
        model = self.model
        return self._list_page(
            "home.html", plan, self.config.title,
            feed=("feed.xml", self._feed_title(None)),
            latest=model.notes[: self.config.latest_count],
            counts={"notes": len(model.notes), "states": len(model.states),
                    "organizations": len(model.organizations), "paragraphs": len(model.paragraphs),
                    "documents": len(model.documents)},
            years=model.years, charts=charts.home_charts(model),
        )

    def _notes(self, plan):
        notes = self.model.notes
        return self._listing_page("notes.html", plan, "All notes", notes, crumbs=[("Notes", None)],
                                  years=self.model.years)

    def _year(self, plan):
        term: Term = plan.subject
        return self._listing_page("year.html", plan, f"Notes of {term.label}", term.notes, term=term,
                                  crumbs=[("Notes", "notes/"), (term.label, None)],
                                  description=views.describe(term), years=self.model.years)

    def _listing_page(self, template: str, plan: PagePlan, title: str, notes, *, term: Term | None = None,
                      role: str = "", crumbs=(), **context) -> bytes:
        """A page of a paginated list of notes: its notes grouped by year, each with the
        roles it gives `term`, the year jump list, the links to the other pages."""
        base = plan.path if plan.number == 1 else plan.path[: -len(f"page/{plan.number}/")]
        shown = views.listing(base, notes, plan.number, self._year_starts(base, notes))
        roles = self._roles_of(term) if term is not None and term.roles else {}
        here = plan.path

        def entry(note: Note) -> Markup:
            return self._entry("_list_item.html", note, here, " ".join(roles.get(note.id, ())))

        groups = [(year, len(group), Markup("".join([entry(n) for n in group])))
                  for year, group in views.by_year(shown.notes)]
        if shown.pages > 1:
            title = f"{title} (page {shown.number} of {shown.pages})"
            crumbs = [*crumbs[:-1], (crumbs[-1][0], base), (f"Page {shown.number}", None)] \
                if shown.number > 1 else crumbs
        context.setdefault("filters", [])
        context.setdefault("page_of_term", "")
        return self._list_page(template, plan, title, listing=shown, groups=groups, term=term, role=role,
                               crumbs=crumbs, pager=(shown.prev, shown.next), **context)

    def _year_starts(self, base: str, notes) -> tuple:
        # Every page of a list shows the same jump list: count the years once a list.
        key = ("year starts", base)
        found = self._entries.get(key)
        if found is None or found[0] is not notes:
            found = self._entries[key] = (notes, views.year_starts(base, notes))
        return found[1]

    def _roles_of(self, term: Term) -> dict[str, tuple[str, ...]]:
        key = ("roles", term.kind, term.slug)
        found = self._entries.get(key)
        if found is None or found[0] is not term:
            found = self._entries[key] = (term, views.roles_by_note(term))
        return found[1]

    def _states(self, plan):
        return self._list_page("states.html", plan, "States", crumbs=[("States", None)],
                               regions=self.model.states_by_region(), alphabet=views.by_letter(self.model.states),
                               charts=charts.states_index_charts(self.model))

    def _organizations(self, plan):
        return self._list_page("organizations.html", plan, "Organizations",
                               crumbs=[("Organizations", None)], terms=self.model.organizations)

    def _paragraphs(self, plan):
        documents = [(t, self.model.paragraphs_of(t.entity)) for t in self.model.documents]
        return self._list_page("paragraphs.html", plan, "Resolutions and paragraphs",
                               crumbs=[("Paragraphs", None)], documents=documents)

    def _term(self, plan):
        term: Term = plan.subject
        section = {"state": ("States", "states/"), "organization": ("Organizations", "organizations/"),
                   "document": ("Paragraphs", "paragraphs/"), "paragraph": ("Paragraphs", "paragraphs/")}
        crumbs = [section[term.kind]]
        if term.kind == "paragraph":
            document = term.entity.document
            crumbs.append((document.key, term_path("document", document.slug)))
        page = term_path(term.kind, term.slug)
        title = views.term_title(term)
        notes = dict(term.roles)[plan.role] if plan.role else term.notes
        if plan.role:
            crumbs += [(term.label, page), (views.ROLE_HEADINGS[plan.role], None)]
            title = f"{title}: {views.ROLE_HEADINGS[plan.role].lower()}"
        else:
            crumbs.append((term.label, None))
        extra = {}
        if term.kind == "document":
            extra["paragraph_terms"] = self.model.paragraphs_of(term.entity) if plan.number == 1 and not plan.role else []
        first_of_all = plan.number == 1 and not plan.role
        extra["charts"] = charts.term_charts(self.model, term) if first_of_all and term.kind != "document" else []
        return self._listing_page(
            f"{term.kind}.html", plan, title, notes, term=term, role=plan.role,
            description=views.describe(term), crumbs=crumbs,
            feed=(page + "feed.xml", self._feed_title(term)), table=page + opendata.TERM_CSV,
            filters=[(role, views.ROLE_HEADINGS[role], len(role_notes), f"{page}{role}/")
                     for role, role_notes in filter_roles(term)],
            counts=[(views.ROLE_HEADINGS[role], len(role_notes)) for role, role_notes in term.roles]
            if len(term.roles) > 1 else [],
            page_of_term=page, **extra)

    def _note_redirect(self, plan):
        note: Note = plan.subject
        return self._redirect(plan.path, note_path(note.id), note.title, "This note")

    def _term_redirect(self, plan):
        term: Term = plan.subject
        return self._redirect(plan.path, term_path(term.kind, term.slug), views.term_title(term),
                              "This page")

    def _redirect(self, here: str, to: str, title: str, what: str) -> bytes:
        # Canonical link (the new address) for search engines, meta refresh for browsers,
        # a visible link in the site's frame for everyone else; the refresh and the link
        # are relative in an offline copy, so that they work from file:// too.
        return self._page("redirect.html", here, f"Moved: {title}", canonical=to,
                          description=f"{what} has moved to {self.links.absolute(to)}",
                          what=what, target_title=title, target=self.links.href(here, to))

    def _urls(self, plan):
        return "".join(address + "\n" for address in site_addresses(self.model)).encode("utf-8")

    def _search(self, plan):
        # The results are made in the browser (assets/search.js) from search/index.js and
        # search/store.js; the page itself carries the form and, for readers without
        # JavaScript, the ways in that need none.
        return self._list_page("search.html", plan, "Search", crumbs=[("Search", None)],
                               description=f"Search the {self.config.title} by word, State, "
                                           "organization, paragraph and year.",
                               years=self.model.years)

    def _not_found(self, plan):
        return self._list_page("404.html", plan, "Page not found", years=self.model.years)

    # --- open data -----------------------------------------------------------------

    def _data(self, plan):
        return self._page("data.html", plan.path, "Open data", crumbs=[("Open data", None)],
                          description=f"The {self.config.title} as data: every note in JSON and CSV, "
                                      "and one table per relation.",
                          files=opendata.DATA_FILES, note_count=len(self.model.notes), size_mark=size_mark,
                          term_columns=opendata.TERM_COLUMNS, roles_column=opendata.ROLES_COLUMN,
                          examples=self._term_table_examples(),
                          separator=opendata.LIST_SEPARATOR)

    def _term_table_examples(self) -> list[tuple[str, str]]:
        """(title, address of its table) of the first State, organization, document and
        paragraph, for the /data/ page to show what a term's own table is."""
        model = self.model
        firsts = [terms[0] for terms in (model.states, model.organizations, model.documents, model.paragraphs)
                  if terms]
        return [(views.term_title(t), term_path(t.kind, t.slug) + opendata.TERM_CSV) for t in firsts]

    def _notes_json(self, plan):
        return opendata.notes_json(self.model.notes, self.links, self.config.title)

    def _notes_csv(self, plan):
        return opendata.notes_csv(self.model.notes, self.links)

    def _note_states_csv(self, plan):
        return opendata.note_states_csv(self.model.notes)

    def _note_organizations_csv(self, plan):
        return opendata.note_organizations_csv(self.model.notes)

    def _note_paragraphs_csv(self, plan):
        return opendata.note_paragraphs_csv(self.model.notes)

    def _term_csv(self, plan):
        return opendata.term_csv(plan.subject, self._term_record)

    def _term_record(self, note: Note) -> str:
        # A note's line recurs in the table of every term it names: make it once. It is kept
        # with the list entries, under the note's id like them, so that whatever drops a
        # changed note's entries drops its line too.
        key = ("term table record", note.id)
        record = self._entries.get(key)
        if record is None:
            record = self._entries[key] = opendata.term_record(note, self.links)
        return record

    # --- feeds, sitemap, robots ----------------------------------------------------

    def _feed_title(self, term: Term | None) -> str:
        if term is None:
            return f"{self.config.title}: all notes"
        return f"{self.config.title}: {views.term_title(term)}"

    def _feed(self, plan):
        term = plan.subject
        notes = (term.notes if term else self.model.notes)[: self.config.feed_size]
        page_path = plan.path[: -len("feed.xml")]
        # The feed's date is its newest entry's, never the build's: same input, same bytes.
        updated = max((n.last_day for n in notes), default=None)
        return self._render(
            "feed.xml", plan.path,
            site=self.config, title=self._feed_title(term), notes=notes,
            subtitle=views.describe(term) if term else self.config.description,
            feed_url=self.links.absolute(plan.path), page_url=self.links.absolute(page_path),
            updated=updated, entry=self._feed_entry,
        )

    def _feed_entry(self, note: Note) -> Markup:
        # A note's entry is the same in every feed that carries it: render it once.
        key = ("_feed_entry.xml", note.id)
        entry = self._entries.get(key)
        if entry is None:
            url = self.links.absolute(note_path(note.id))
            # The entry's id is the note's first address, which a rename never changes:
            # feed readers would show a renamed note as a new one.
            first = self.links.absolute(note_path(note.former_ids[0])) if note.former_ids else url
            entry = Markup(self._render("_feed_entry.xml", url, note=note, entry_url=url,
                                        entry_id=first).decode("utf-8"))
            self._entries[key] = entry
        return entry

    def _sitemap(self, plan):
        paths = [p.path for p in plan_pages(self.model)
                 if (p.path.endswith("/") or p.path == "") and p.kind not in REDIRECT_KINDS]
        paths += [note_path(n.id) for n in self.model.notes]
        return self._render("sitemap.xml", plan.path,
                            urls=[self.links.absolute(p) for p in sorted(paths)])

    def _robots(self, plan):
        return self._render("robots.txt", plan.path, sitemap=self.links.absolute("sitemap.xml"))


PAGE_MAKERS = {
    "home": SitePages._home,
    "notes": SitePages._notes,
    "year": SitePages._year,
    "states": SitePages._states,
    "organizations": SitePages._organizations,
    "paragraphs": SitePages._paragraphs,
    "term": SitePages._term,
    "note_redirect": SitePages._note_redirect,
    "term_redirect": SitePages._term_redirect,
    "urls": SitePages._urls,
    "search": SitePages._search,
    "not_found": SitePages._not_found,
    "data": SitePages._data,
    "notes_json": SitePages._notes_json,
    "notes_csv": SitePages._notes_csv,
    "note_states_csv": SitePages._note_states_csv,
    "note_organizations_csv": SitePages._note_organizations_csv,
    "note_paragraphs_csv": SitePages._note_paragraphs_csv,
    "term_csv": SitePages._term_csv,
    "feed": SitePages._feed,
    "sitemap": SitePages._sitemap,
    "robots": SitePages._robots,
}
"""PagePlan.kind -> the SitePages method that makes that kind of page."""


def template_problem(error: Exception, context: str = "") -> Problem | None:
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
