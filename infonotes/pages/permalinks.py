"""Permanent links: an address the published site had never stops working.

Three things keep that promise:

- a renamed note lists its old ids under `former_ids:`, and each old address becomes a
  redirect page (`plan.plan_pages` plans them, `templates/redirect.html` makes them);
- a renamed State or organization lists its old names under `former_names:` in its
  catalog, and the address each old name gives redirects to the current page;
- the build writes every address it publishes to `/data/urls.txt`, and `check` compares
  the archive with the list of the last published site (`published-urls.txt` beside
  site.toml, or `check --published FILE|URL`): an address that would disappear is an
  error that says how to keep it, unless retired-urls.txt lists it (gone on purpose).
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from infonotes.archive.model import Note, SiteModel
from infonotes.pages.plan import site_addresses
from infonotes.pages.urls import note_path
from infonotes.problems import WARNING, Problem

_NOTE_ADDRESS = re.compile(r"^/notes/(\d{4}-\d{2}-\d{2}-[a-z0-9-]+)/$")
_TERM_SECTIONS = ("/states/", "/organizations/", "/paragraphs/")
RETIRE = "add the address as a line of retired-urls.txt (beside site.toml)"


@dataclass(frozen=True)
class PublishedList:
    """The addresses of the last published site, as read from a file or a URL."""

    where: str
    """The file or URL, as shown in messages."""
    addresses: tuple[tuple[int, str], ...]
    """(line, address) for every address listed."""


def read_published(source: str, shown: str | None = None) -> tuple[PublishedList | None, list[Problem]]:
    """The published list from a file or an http(s) URL.

    A site that cannot be reached gives a warning, not an error: the check of the notes
    must not fail because the network did.
    """
    where = shown or source
    if re.match(r"^https?://", source):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:
                text = response.read().decode("utf-8")
        except (urllib.error.URLError, OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "reason", error)
            return None, [Problem(where, 1, f"cannot read the list of published addresses ({reason}); "
                                            "pages that would disappear were not checked", WARNING)]
    else:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return None, [Problem(where, 1, "the list of published addresses does not exist; give "
                                            "the published site's data/urls.txt (a file or its URL)")]
        except (OSError, UnicodeDecodeError) as error:
            return None, [Problem(where, 1, f"cannot read the list of published addresses: {error}")]
    addresses = tuple((number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
                      if line.strip() and not line.lstrip().startswith("#"))
    return PublishedList(where, addresses), []


def dropped_addresses(published: PublishedList, model: SiteModel, retired: set[str] | frozenset[str] = frozenset()) -> list[Problem]:
    """An error for each published address the site would no longer have, but the
    `retired` ones (removed on purpose)."""
    current = set(site_addresses(model)) | set(retired)
    listed = {address for _, address in published.addresses}
    new_notes = [n for n in model.notes if "/" + note_path(n.id) not in listed]
    problems = []
    for line, address in published.addresses:
        if address in current or _file_of_dropped_page(address, listed, current):
            continue
        problems.append(_dropped(published.where, line, address, new_notes))
    return problems


def _file_of_dropped_page(address: str, listed: set[str], current: set[str]) -> bool:
    # A term's feed and table go with its page: one message for the page says all.
    folder = address.rsplit("/", 1)[0] + "/"
    return not address.endswith("/") and folder in listed and folder not in current


def _dropped(where: str, line: int, address: str, new_notes: list[Note]) -> Problem:
    gone = f"the published address {address} would disappear"
    match = _NOTE_ADDRESS.match(address)
    if match:
        old = match[1]
        renamed = [n for n in new_notes if n.id[:10] == old[:10]]
        if len(renamed) == 1:
            return Problem(renamed[0].source, 1, (
                f"{gone}: if this note was renamed from '{old}', add 'former_ids: [{old}]' to its "
                "front matter so that the old address redirects here"))
        return Problem(where, line, (
            f"{gone}: no note has the id '{old}' any more. If the note was renamed, add "
            f"'former_ids: [{old}]' to its new file; if it was removed on purpose, {RETIRE}"))
    if address.startswith(_TERM_SECTIONS):
        return Problem(where, line, (
            f"{gone}. If a State or organization was renamed in data/, add its old name under "
            "'former_names:' in its catalog entry so that the old address redirects; if no note "
            f"names it any more on purpose, {RETIRE}"))
    return Problem(where, line, f"{gone}; if that is intended, {RETIRE}")
