"""`bundle`: the whole archive in one zip that works from a USB stick, search included.

    build the site offline into a temporary folder (relative links that name their
    files, the offline footer) -> compress every file, in parallel -> lay out the zip
    -> write it beside the target, then rename it over the target

The same notes give the same zip, byte for byte, so that anyone can check a copy by its
sha256: the top folder is named after the site and the newest note's date (never the
day of the build), every member carries that date and the mode rw-r--r--, members are
in path order, and the compression level is fixed. A problem in the notes stops the run
before a zip is begun; an interrupted run leaves no zip at the target (at most the one
that was there before).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from markupsafe import Markup

from infonotes.archive.load import find_note_files
from infonotes.archive.model import SiteModel
from infonotes.archive.text import slugify
from infonotes.commands.build import Timings, build_site
from infonotes.config import Config
from infonotes.output.parallel import map_chunks
from infonotes.output.write import files_under, write_atomically
from infonotes.output.ziparchive import Member, ZipTooLarge, deflate, zip_bytes
from infonotes.pages.render import Offline
from infonotes.pages.urls import Links
from infonotes.pages.views import date_range
from infonotes.problems import InputError, Problem

LEVEL = 2
"""The deflate level, fixed: another level (or another zlib) gives other bytes. A low one:
the higher levels cost much more time for a zip only a little smaller (`bench.py --bundle`
measures both)."""
AS_OF = Markup("<!--infonotes:offline-as-of-->")
"""Stands for the newest note's date in the pages until they are packed. Note text can
never produce it: every note string is escaped, and Markdown's raw HTML is off."""
AS_OF_BYTES = AS_OF.encode("utf-8")
README = "README.txt"
EARLIEST = dt.date(1980, 1, 1)
"""The first day a zip timestamp can hold: the date of a bundle without notes."""
MEMORY_FOLDER = Path("/dev/shm")
ROOM_PER_NOTE = 100_000
"""Bytes of built site per note to expect, with a margin (about 47,000 at 5,000 notes)."""


@dataclass(frozen=True)
class BundleResult:
    path: Path
    size: int
    """Bytes."""
    notes: int
    files: int
    sha256: str
    timings: Timings


def make_bundle(config: Config, *, out: str | None = None, notes_dir: Path | None = None,
                workers: int | None = None) -> BundleResult:
    """Check and build the archive offline, then write it as one zip; raise InputError on
    any problem, before anything is written.

    `out` is the zip's path, or a folder (existing, or written with a final '/') to put
    it in under its own name; default: its own name in the current folder.
    """
    refuse_unwritable(zip_folder(out))  # before the build: it takes seconds
    links = Links(config.base_url, config.base_path, relative=True)
    offline = Offline(site_url=config.base_url, as_of=AS_OF)
    notes_dir = notes_dir or config.notes_dir
    with tempfile.TemporaryDirectory(prefix="infonotes-bundle-", dir=scratch_folder(notes_dir)) as work:
        site = Path(work) / "site"
        built = build_site(config, notes_dir=notes_dir, output_dir=site, workers=workers,
                           links=links, offline=offline)
        timings = built.timings
        newest = newest_date(built.model)
        top = folder_name(config.title, newest)
        members = timings.run("compress", compress_site, site, top, as_of_html(newest), workers)
    members.append(deflate(f"{top}/{README}", readme_text(config, newest, built.notes).encode("utf-8"), LEVEL))
    members.sort(key=lambda member: member.name)
    try:
        data = timings.run("zip", zip_bytes, members, newest or EARLIEST)
    except ZipTooLarge as error:
        raise InputError([Problem("bundle", 0, f"the zip cannot be written: {error}")]) from None
    target = bundle_path(out, top)
    timings.run("write", _write, target, data)
    return BundleResult(target, len(data), built.notes, len(members), hashlib.sha256(data).hexdigest(), timings)


def scratch_folder(notes_dir: Path) -> Path | None:
    """Where to build the copy before packing it: in memory (/dev/shm) when it has room,
    since on a disk writing and then deleting some 20,000 files costs seconds; else the
    system's temporary folder (None), which is also where TMPDIR, when set, sends it."""
    if os.environ.get("TMPDIR") or not MEMORY_FOLDER.is_dir() or not notes_dir.is_dir():
        return None
    try:
        free = shutil.disk_usage(MEMORY_FOLDER).free
    except OSError:
        return None
    needed = ROOM_PER_NOTE * max(len(find_note_files(notes_dir)), 1000)
    return MEMORY_FOLDER if free > needed and os.access(MEMORY_FOLDER, os.W_OK) else None


def newest_date(model: SiteModel) -> dt.date | None:
    return max((note.date for note in model.notes), default=None)


def folder_name(title: str, newest: dt.date | None) -> str:
    """The zip's top folder, and its default file name without '.zip':
    '1540-committee-information-notes-2024-05-06'."""
    return f"{slugify(title) or 'archive'}-{newest.isoformat() if newest else 'no-notes'}"


def bundle_path(out: str | None, top: str) -> Path:
    if out is None:
        return Path(f"{top}.zip")
    if out.endswith(("/", os.sep)) or Path(out).is_dir():
        return Path(out) / f"{top}.zip"
    return Path(out)


def zip_folder(out: str | None) -> Path:
    """The folder the zip goes into (`bundle_path`'s, known before the zip's name is)."""
    if out is None:
        return Path(".")
    if out.endswith(("/", os.sep)) or Path(out).is_dir():
        return Path(out)
    return Path(out).parent


def refuse_unwritable(folder: Path) -> None:
    """An InputError if the zip could not be written into `folder` (or into the folders
    to be made for it): its nearest existing ancestor must be a folder we may write in."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError([Problem(str(folder), 0, f"cannot write the bundle there: {existing} is a file, "
                                                 "not a folder")])
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError([Problem(str(folder), 0, f"cannot write the bundle there: {existing} is not "
                                                 "writable; choose another --out")])


def as_of_html(newest: dt.date | None) -> bytes:
    if newest is None:
        return b"no notes yet"
    return f'<time datetime="{newest.isoformat()}">{date_range(newest, None)}</time>'.encode("utf-8")


def compress_site(site: Path, top: str, as_of: bytes, workers: int | None = None) -> list[Member]:
    """Every file of the built site as a member under `top/`, compressed in parallel."""
    names = sorted(files_under(site))
    return map_chunks(partial(_compress_files, site, top, as_of), names, workers)


def _compress_files(site: Path, top: str, as_of: bytes, names: list[str]) -> list[Member]:
    members = []
    for name in names:
        data = (site / name).read_bytes()
        if name.endswith(".html"):
            data = data.replace(AS_OF_BYTES, as_of)
        members.append(deflate(f"{top}/{name}", data, LEVEL))
    return members


def readme_text(config: Config, newest: dt.date | None, notes: int) -> str:
    """How to open the copy, for whoever finds the folder (CRLF: Notepad included)."""
    as_of = date_range(newest, None) if newest else "no notes yet"
    lines = [
        config.title,
        f"Offline copy of the archive as of {as_of} ({notes:,} notes)",
        "",
        "This folder holds the whole archive: every note, the pages by State, organization,",
        "paragraph and year, and the search. It needs no internet connection and no server.",
        "",
        "To read it:",
        "1. Unzip the file first, if you have not (on Windows: right-click it, then",
        "   \"Extract All\"). Pages opened from inside the zip cannot find each other.",
        "2. Open index.html, in this folder, with a web browser: double-click it, or drag it",
        "   onto a browser window.",
        "3. Follow the links, or type words into the search box at the top of any page.",
        "",
        "Search runs inside the browser, from files in this folder. If the search page says",
        "that search is not available, JavaScript is turned off in the browser; every note",
        "can still be reached from the Notes, States, Organizations and Paragraphs pages.",
        "",
        f"The archive is published, and kept up to date, at {config.base_url}",
        "",
    ]
    return "\r\n".join(lines)


def _write(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
    except OSError as error:
        raise InputError([Problem(str(target), 0, f"cannot write the bundle: {error.strerror or error}")]) from None
