"""The two files of the search: classic scripts that the search page loads.

    search/index.js   window.SEARCH_INDEX = <the postings of lunr's index, compactly>;
    search/store.js   window.SEARCH_STORE = {docs, states, organizations, paragraphs};

Classic scripts assigning a global, not JSON to fetch, so that the search page works
over http and from file:// alike. A pure function of the model.
"""
from __future__ import annotations

import json

from infonotes.archive.model import SiteModel
from infonotes.search.documents import iter_search_documents
from infonotes.search.index_format import compact_index
from infonotes.search.postings import FieldCounter, index_postings
from infonotes.search.store import store_data

INDEX_PATH = "search/index.js"
STORE_PATH = "search/store.js"


def to_json(data) -> str:
    """The one JSON form of the index and store: compact, UTF-8 as is."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def script(name: str, json_text: str) -> bytes:
    """A classic script assigning `window.<name>` the JSON `json_text`. `</` and `<!--`
    never appear as such (JSON's `\\/` and `\\u003c` spell them), so no note text can end
    or confuse a <script> element even if the file is ever inlined."""
    if "<" in json_text:
        json_text = json_text.replace("</", "<\\/").replace("<!--", "\\u003c!--")
    return f"window.{name} = {json_text};\n".encode("utf-8")


def search_files(model: SiteModel, counter: FieldCounter | None = None) -> dict[str, bytes]:
    """{site-relative path: bytes} of the search index and store (`counter`: see FieldCounter)."""
    postings = index_postings(iter_search_documents(model), counter=counter)
    return {
        INDEX_PATH: script("SEARCH_INDEX", to_json(compact_index(postings))),
        STORE_PATH: script("SEARCH_STORE", to_json(store_data(model))),
    }
