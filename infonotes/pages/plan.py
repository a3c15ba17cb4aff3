"""Which pages the site has besides the note pages: one `PagePlan` each, in a fixed order.

The plans are the list of what the site publishes: the writer renders them, the sitemap
and /data/urls.txt list them, and `serve` reads from them which pages a change touches.
"""
from __future__ import annotations

from dataclasses import dataclass

from infonotes.archive.catalog import former_slugs
from infonotes.archive.model import SiteModel, Term
from infonotes.pages import opendata
from infonotes.pages.urls import note_path, term_path
from infonotes.pages.views import page_count, page_path

URLS_PATH = "data/urls.txt"


@dataclass(frozen=True, slots=True)
class PagePlan:
    path: str
    """Site-relative address: 'states/japan/', 'states/japan/feed.xml', '404.html'."""
    kind: str
    """Which SitePages method makes it."""
    subject: object = None
    """The term the page is about, if any."""
    number: int = 1
    """Which page of a paginated list of notes (views.PAGE_SIZE a page)."""
    role: str = ""
    """For a State or organization's list filtered by role: the role ('host'…)."""


def plan_pages(model: SiteModel) -> list[PagePlan]:
    """Every page but the note pages, in a fixed order."""
    plans = [
        PagePlan("", "home"),
        PagePlan("states/", "states"),
        PagePlan("organizations/", "organizations"),
        PagePlan("paragraphs/", "paragraphs"),
        PagePlan("search/", "search"),
        PagePlan("404.html", "not_found"),
        PagePlan("feed.xml", "feed"),
        PagePlan("sitemap.xml", "sitemap"),
        PagePlan("robots.txt", "robots"),
        PagePlan(opendata.DATA_PAGE, "data"),
    ]
    plans += [PagePlan(f.path, f.kind) for f in opendata.DATA_FILES]
    plans += list_plans("notes/", "notes", None, len(model.notes))
    for year in model.years:
        plans += list_plans(term_path("year", year.slug), "year", year, len(year.notes))
    for terms in (model.states, model.organizations, model.documents, model.paragraphs):
        for term in terms:
            plans += term_list_plans(term)
            plans.append(PagePlan(term_path(term.kind, term.slug) + "feed.xml", "feed", term))
            plans.append(PagePlan(term_path(term.kind, term.slug) + opendata.TERM_CSV, "term_csv", term))
    plans.append(PagePlan(URLS_PATH, "urls"))
    plans += former_address_plans(model, plans)
    return plans


def list_plans(base: str, kind: str, subject, total: int, role: str = "") -> list[PagePlan]:
    """The pages of one list of notes: `base`, then base/page/2/, base/page/3/…"""
    return [PagePlan(page_path(base, number), kind, subject, number, role)
            for number in range(1, page_count(total) + 1)]


def term_list_plans(term: Term) -> list[PagePlan]:
    """A term's pages: all its notes, and its notes in each role that `filter_roles` keeps
    (a filter made of links, at base/host/, base/organizer/…)."""
    base = term_path(term.kind, term.slug)
    plans = list_plans(base, "term", term, len(term.notes))
    for role, notes in filter_roles(term):
        plans += list_plans(f"{base}{role}/", "term", term, len(notes), role)
    return plans


def filter_roles(term: Term) -> list[tuple[str, tuple]]:
    """The roles whose notes get a list of their own: those that hold at most half of the
    term's notes. A role most notes have (a State takes part in nearly all its events)
    would repeat the whole list, page for page; its labels on the whole list say as much."""
    return [(role, notes) for role, notes in term.roles if len(notes) * 2 <= len(term.notes)]


REDIRECT_KINDS = ("note_redirect", "term_redirect")


def former_address_plans(model: SiteModel, plans: list[PagePlan]) -> list[PagePlan]:
    """The pages at the addresses a renamed note or term had, so that none dies.

    A note's former id gets a redirect page ("note_redirect", the note as subject). A
    State or organization's former name gets a redirect at its old page address
    ("term_redirect", the term as subject), and a copy of every other file of the term
    (feed, table) at its old address, since feed readers and scripts follow no redirect
    page.
    """
    found = [PagePlan(note_path(former), "note_redirect", note)
             for note in model.notes for former in note.former_ids]
    files_of: dict[tuple[str, str], list[PagePlan]] = {}
    for plan in plans:
        if isinstance(plan.subject, Term) and plan.kind != "term":
            files_of.setdefault((plan.subject.kind, plan.subject.slug), []).append(plan)
    for term in (*model.states, *model.organizations):
        page = term_path(term.kind, term.slug)
        for slug in former_slugs(term.entity):
            old_page = term_path(term.kind, slug)
            found.append(PagePlan(old_page, "term_redirect", term))
            found += [PagePlan(old_page + plan.path[len(page):], plan.kind, term)
                      for plan in files_of.get((term.kind, term.slug), ())]
    return found


def site_addresses(model: SiteModel) -> list[str]:
    """Every address the site publishes, pages, files and redirects, as '/states/japan/':
    the list written to /data/urls.txt, which `check` compares with the published site's."""
    paths = [p.path for p in plan_pages(model)] + [note_path(n.id) for n in model.notes]
    return sorted("/" + path for path in paths)
