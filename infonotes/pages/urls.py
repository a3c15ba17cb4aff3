"""Where each page lives, and how one page links to another.

A page's address is a folder path relative to the site root ('states/japan/'); its
file is that folder's index.html. Published sites link with root paths under the base
URL ('/states/japan/'); offline copies link relatively and name the file
('../states/japan/index.html') so that they work from file://.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

SECTIONS = {"state": "states", "organization": "organizations", "document": "paragraphs",
            "paragraph": "paragraphs", "year": "notes"}


def note_path(note_id: str) -> str:
    return f"notes/{note_id}/"


def term_path(kind: str, slug: str) -> str:
    return f"{SECTIONS[kind]}/{slug}/"


def file_of(path: str) -> str:
    """The file written for an address: folders get index.html, files stay as they are."""
    return path + "index.html" if path.endswith("/") or path == "" else path


def relative_link(from_file: str, to_file: str) -> str:
    """posixpath.relpath(to_file, the folder of from_file), for two files of the site.

    An offline build makes hundreds of thousands of links, and relpath spends most of
    its time making both paths absolute against the working folder; site paths need only
    their common folders dropped. Paths with '.', '..' or empty segments go to relpath.
    """
    here = from_file.split("/")[:-1]
    target = to_file.split("/")
    if any(part in ("", ".", "..") for part in here + target):
        return posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")
    common = 0
    while common < min(len(here), len(target) - 1) and here[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + target[common:])


@dataclass(frozen=True)
class Links:
    base_url: str
    base_path: str
    relative: bool = False

    def href(self, from_path: str, to_path: str) -> str:
        """The link from the page at `from_path` to the address `to_path` (both site-relative)."""
        if not self.relative:
            return self.base_path + to_path
        return relative_link(file_of(from_path), file_of(to_path))

    def absolute(self, to_path: str) -> str:
        return self.base_url + to_path
