"""The Python reference of what theme/search.js computes, for the tests.

The build ships the postings of lunr's index (infonotes/search/index_format.py describes
their format); the search page expands them into lunr's serialized index and runs what
readers type on it. This module does both in Python, the same way: `lunr_index_data`
reads search/index.js's data back (`read_postings`) and computes lunr's serialized
index from it as theme/search.js does, and `search` runs a query on a lunr.py Index the
way the page runs it on lunr.js. The tests use it to prove that the shipped postings
expand to lunr.py's own index of the same notes, value for value (and, through
`index_json`, byte for byte), and that the page finds what Python finds. Nothing in the
build uses it.
"""
from __future__ import annotations

import json
import re
from itertools import count as itertools_count

from lunr.exceptions import QueryParseError
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.query_parser import QueryParser

from infonotes.search.documents import FIELDS
from infonotes.search.files import to_json
from infonotes.search.index_format import FINAL_DIGITS, INDEX_FORMAT, MORE_DIGITS, compact_index
from infonotes.search.postings import Postings, index_postings, without_possessives
from infonotes.search.stemmer import STEMMER

# lunr's Builder defaults.
_K1 = 1.2
_B = 0.75


# --- the postings, read back from search/index.js -------------------------------------

def decode_numbers(text: str) -> list[int]:
    """The integers `index_format.encode_numbers` wrote."""
    final = {c: d for d, c in enumerate(FINAL_DIGITS)}
    more = {c: d for d, c in enumerate(MORE_DIGITS)}
    numbers, value, pending = [], 0, False
    for char in text:
        if char in final:
            numbers.append(value * 32 + final[char])
            value, pending = 0, False
        else:
            value, pending = value * 32 + more[char], True
    if pending:
        raise ValueError("the numbers end in the middle of one")
    return numbers


def read_postings(data: dict) -> Postings:
    """The postings of search/index.js's data (`compact_index`'s inverse)."""
    if data.get("format") != INDEX_FORMAT:
        raise ValueError(f"not a {INDEX_FORMAT} index")
    fields, terms = tuple(data["fields"]), tuple(data["terms"])
    counts = iter(decode_numbers(data["counts"]))
    gaps = iter(decode_numbers(data["gaps"]))
    frequencies = iter(decode_numbers(data["frequencies"]))
    documents, tfs = [], []
    for _ in terms:
        term_docs, term_tfs = [], []
        for _ in fields:
            docs, position = [], -1
            for _ in range(next(counts)):
                position += next(gaps) + 1
                docs.append(position)
            term_docs.append(docs)
            term_tfs.append([next(frequencies) + 1 for _ in docs])
        documents.append(tuple(term_docs))
        tfs.append(tuple(term_tfs))
    if any(next(numbers, None) is not None for numbers in (counts, gaps, frequencies)):
        raise ValueError("numbers left over: the index is damaged")
    refs = tuple(data.get("refs") or map(str, range(data["count"])))
    return Postings(fields, tuple(data["boosts"]), refs, terms, tuple(documents), tuple(tfs))


# --- lunr's serialized index, from the postings ---------------------------------------
#
# What lunr.py's Builder does with the postings (builder.py, idf.py, vector.py,
# index.py), and what theme/search.js does the same way in the browser:
# - a field vector holds, for each term of a field of a document, in `_index` order,
#   round(score, 3) with score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length /
#   average length of the field)) + tf), times the field's boost, times the document's
#   (1); the same float operations in the same order give the same float.
# - the inverted index lists terms sorted, each {field: {ref: {}}, ..., "_index": n}; the
#   field vectors come in (document, field) order, empty fields too.


def lunr_index_data(data: dict) -> dict:
    """lunr's serialized index (what lunr.py's Index.serialize returns) of the data of
    search/index.js."""
    postings = read_postings(data)
    idfs = dict(data["idf"])
    return {
        "version": data["version"],
        "fields": list(postings.fields),
        "fieldVectors": _field_vectors(postings, idfs),
        "invertedIndex": [[term, _posting(postings, number)]
                          for term, number in sorted(zip(postings.terms, itertools_count()))],
        "pipeline": ["stemmer"],  # lunr's default search pipeline: the stemmer
    }


def _posting(postings: Postings, number: int) -> dict:
    posting = {field: {postings.refs[doc]: {} for doc in docs}
               for field, docs in zip(postings.fields, postings.documents[number])}
    posting["_index"] = number
    return posting


def field_lengths(postings: Postings) -> list[list[int]]:
    """field -> document -> how many terms the field has in the document."""
    lengths = [[0] * len(postings.refs) for _ in postings.fields]
    for term_docs, term_tfs in zip(postings.documents, postings.frequencies):
        for field_lengths_, docs, tfs in zip(lengths, term_docs, term_tfs):
            for doc, tf in zip(docs, tfs):
                field_lengths_[doc] += tf
    return lengths


def _field_vectors(postings: Postings, idfs: dict[int, float]) -> list:
    count = len(postings.refs)
    lengths = field_lengths(postings)
    averages = [sum(field) / count if count else 0 for field in lengths]
    vectors = [[[] for _ in postings.fields] for _ in postings.refs]
    # Terms in `_index` order: each vector's elements come out sorted by index.
    for number, (term_docs, term_tfs) in enumerate(zip(postings.documents, postings.frequencies)):
        term_idf = idfs[sum(map(len, term_docs))]
        for field, (docs, tfs) in enumerate(zip(term_docs, term_tfs)):
            boost = postings.boosts[field]
            for doc, tf in zip(docs, tfs):
                score = term_idf * ((_K1 + 1) * tf) / (
                    _K1 * (1 - _B + _B * (lengths[field][doc] / averages[field])) + tf)
                # times the field's boost, then the document's (1: no change)
                vectors[doc][field] += [number, round(score * boost, 3)]
    return [[f"{field}/{ref}", vector]
            for ref, fields in zip(postings.refs, vectors) for field, vector in zip(postings.fields, fields)]


def index_json(documents: list[dict], fields: list[dict] = FIELDS, ref: str = "ref",
               stem=None, stop_words_kept_in=None, possessives: bool = True) -> str:
    """json.dumps(lunr.lunr(ref, fields, documents).serialize(), separators=(",", ":"),
    ensure_ascii=False), byte for byte: the index that search/index.js expands to (with
    `stem`, `stop_words_kept_in` and `possessives` as `index_postings` takes them)."""
    postings = index_postings(documents, fields, ref, stem, stop_words_kept_in, possessives=possessives)
    return to_json(lunr_index_data(json.loads(to_json(compact_index(postings)))))


# --- the files, read back -------------------------------------------------------------

def script_json(data: bytes, name: str) -> str:
    """The JSON text of a file written by `files.script` (escapes left in: they are valid JSON)."""
    text = data.decode("utf-8")
    prefix, suffix = f"window.{name} = ", ";\n"
    if not (text.startswith(prefix) and text.endswith(suffix)):
        raise ValueError(f"not a window.{name} script")
    return text[len(prefix):-len(suffix)]


# --- queries (what the search page does with what readers type) -----------------------

_SYNTAX = re.compile(r'[:+\-~^*"]')
"""lunr's query syntax characters (and the double quote): plain searches drop them."""
_TRIM = re.compile(r"^\W*?(\w+)\W*?$")  # lunr.py's trimmer
_TRIM_WILDCARD = re.compile(r"^[^\w*]*?([\w*]+)[^\w*]*?$")
_WORD_CHAR = re.compile(r"\w")


def tidy_word(word: str, wildcard: bool = False) -> str:
    """A query word without its possessive ending and trimmed of punctuation at both ends,
    as the index has its words ("control?" -> "control", "Norway's" -> "Norway"); '' for a
    word with no letter or digit."""
    if not _WORD_CHAR.search(word):
        return ""
    word = without_possessives(word)
    found = (_TRIM_WILDCARD if wildcard else _TRIM).match(word)
    return found.group(1) if found else word


def plain_words(q: str) -> list[str]:
    """The words of a query with every bit of lunr syntax dropped: the fallback search."""
    return [w for w in (tidy_word(w) for w in _SYNTAX.sub(" ", q).lower().split()) if w]


def plain_query(q: str) -> str:
    """`plain_words(q)` as a query string that lunr's parser reads as those plain words
    (a backslash, lunr's escape character, is escaped); '' when there are none."""
    return " ".join(w.replace("\\", "\\\\") for w in plain_words(q))


def load_index(json_text: str):
    """A lunr.py Index of search/index.js's JSON (what the page makes of it), stemming
    queries as the index stemmed its words (with STEMMER; lunr.py's Index.load would pick
    lunr.py's stemmer by name)."""
    index = Index.load(lunr_index_data(json.loads(json_text)))
    index.pipeline = Pipeline()
    index.pipeline.add(STEMMER)
    return index


def search(index, q: str) -> list[dict]:
    """Run `q` on a lunr.py Index the way the search page runs it on lunr.js:

    lunr's query syntax when it parses (`+word -word field:word word~1 word^2 wor*`),
    each term trimmed of punctuation as the index's words are; when it does not parse,
    or leaves no word, a plain search for `plain_words(q)`. Never raises.
    """
    query = index.create_query()
    try:
        QueryParser(q, query).parse()
        kept = []
        for clause in query.clauses:
            clause.term = tidy_word(clause.term, "*" in clause.term)
            if clause.term:
                kept.append(clause)
        query.clauses = kept
    except QueryParseError:
        query.clauses = []
    if query.clauses:
        return index.query(query)
    words = plain_query(q)
    return index.search(words) if words else []
