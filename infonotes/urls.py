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


@dataclass(frozen=True)
class Links:
    base_url: str
    base_path: str
    relative: bool = False

    def href(self, from_path: str, to_path: str) -> str:
        """The link from the page at `from_path` to the address `to_path` (both site-relative)."""
        if not self.relative:
            return self.base_path + to_path
        target = file_of(to_path)
        here = posixpath.dirname(file_of(from_path)) or "."
        return posixpath.relpath(target, here)

    def absolute(self, to_path: str) -> str:
        return self.base_url + to_path
