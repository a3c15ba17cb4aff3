"""The search index and store: two classic scripts the search page loads.

    search/index.js   window.SEARCH_INDEX = <the postings of lunr's index, compactly>;
    search/store.js   window.SEARCH_STORE = {docs, states, organizations, paragraphs};

A pure function of the model. The index is the postings (terms, and for each term and
field the documents with the term's frequency in each) from which the page computes
exactly the index that lunr.py (pinned, 0.8.0, whose serialized version is lunr.js's,
2.3.9) builds for the same documents and fields with the index's pipeline (possessive
endings dropped, POSSESSIVE; lunr's trimmer and stop-word filter; lunr.js's Porter
stemmer, STEMMER; stop words kept in the names' fields, STOP_WORDS_KEPT_IN);
`lunr_index_data` computes it here the way the page does, and the tests prove that both
give lunr.py's index, and that with lunr.py's own pipeline it is lunr.py as it comes. lunr.py costs about 13 ms a note, almost all of it
running its pipeline on every word again and again; `index_postings` runs the pipeline
once per distinct word.

Documents go in sorted by note id and their refs are their positions ("0", "1", …), so
the same notes always give the same bytes. The store's `docs` list is in the same order:
a result's ref is its position in the store.
"""
from __future__ import annotations

import html
import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count as itertools_count

import lunr as lunr_package
from lunr.pipeline import Pipeline
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import trimmer

from infonotes.archive.catalog import Organization, State
from infonotes.archive.model import Note, SiteModel
from infonotes.archive.text import ascii_fold
from infonotes.pages.urls import note_path

INDEX_PATH = "search/index.js"
STORE_PATH = "search/store.js"

FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "summary", "boost": 2},
    {"field_name": "body", "boost": 1},
    {"field_name": "states", "boost": 3},
    {"field_name": "organizations", "boost": 3},
    {"field_name": "paragraphs", "boost": 3},
    {"field_name": "venue", "boost": 3},
]
"""The indexed fields, as lunr.py's `lunr(fields=…)` takes them."""

SNIPPET_CHARS = 280
"""How much of a note's text the store keeps for snippets (cut at a word boundary): about
one snippet's worth (the page shows 36 words at most). It is most of the store, and the
page downloads the store with the index: 400 characters would put the two above the
budget of 300 bytes gzipped per note."""

# lunr's Builder defaults.
_K1 = 1.2
_B = 0.75


# --- plain text -----------------------------------------------------------------------

# Inline elements vanish without a trace ("<strong>UNODA</strong>'s" is one word); any
# other tag (a paragraph, a list item, a heading, a line break) separates words.
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|em|i|kbd|mark|s|small|span|strong|sub|sup|u)(?:\s[^>]*)?>")
_ANY_TAG = re.compile(r"<[^>]*>")


def plain_text(body_html: str) -> str:
    """The words of a rendered body: tags removed, entities unescaped, spaces collapsed."""
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", body_html))
    return " ".join((html.unescape(text) if "&" in text else text).split())


# --- the documents --------------------------------------------------------------------

def search_notes(model: SiteModel) -> list[Note]:
    """The documents of the index and store, in their order: published notes by id."""
    return sorted(model.notes, key=lambda n: n.id)


def note_states(note: Note) -> list[State]:
    """Every State a note names: host, State organizers, participants; each once."""
    found = [note.country] if note.country else []
    found += [o for o in note.organizers if isinstance(o, State)]
    found += note.states
    return list(dict.fromkeys(found))


def note_organizations(note: Note) -> list[Organization]:
    """Every organization a note names: organizers and participants; each once."""
    found = [o for o in note.organizers if isinstance(o, Organization)]
    found += note.organizations
    return list(dict.fromkeys(found))


POSSESSIVE = re.compile(r"(\w)['\u2019][sS](?!\w)")
"""An English possessive ending ("Norway's", "the Committee’s"): the first step of the
index's pipeline drops it from every word, and the search page from every query word, so
that "Norway" finds "Norway's" and "Norway's" finds "Norway". lunr alone would index
"norway's" as a word of its own (its trimmer leaves a word with punctuation inside as it
is)."""


def without_possessives(text: str) -> str:
    return POSSESSIVE.sub(r"\1", text) if "'" in text or "\u2019" in text else text


def possessive_dropper(token, i=None, tokens=None):
    """A lunr.py pipeline function: the token without its possessive ending."""
    return token.update(lambda word, metadata=None: without_possessives(word))


possessive_dropper.label = "possessive"  # an index step only: the serialized index never names it


def search_document(ref: str, note: Note) -> dict:
    """One note as lunr sees it: a string per field."""
    states = " ".join(" ".join((s.name, *s.aliases, s.iso3)) for s in note_states(note))
    organizations = " ".join(" ".join((o.acronym, o.name, *o.aliases)) for o in note_organizations(note))
    paragraphs = " ".join(p.label if p.number is not None else f"{p.document.key} {p.document.title}"
                          for p in note.paragraphs)
    return {"ref": ref, "title": note.title, "summary": note.summary, "body": note.body_text,
            "states": states, "organizations": organizations, "paragraphs": paragraphs,
            "venue": note.venue}


def search_documents(model: SiteModel) -> list[dict]:
    """The documents given to the index, refs "0", "1", … in note id order."""
    return list(iter_search_documents(model))


def iter_search_documents(model: SiteModel) -> Iterator[dict]:
    """`search_documents`, one at a time: the index needs each only once."""
    return (search_document(str(i), note) for i, note in enumerate(search_notes(model)))


# --- the index: lunr's words --------------------------------------------------------
#
# lunr's Builder lowercases each field value as a whole, splits it on lunr's separators
# (white space, no-break space, hyphen) and runs each token through the pipeline; here
# the pipeline runs once per distinct token (`_Terms` remembers). Terms get their
# `_index` in order of first appearance (document, field, position in the field).

_SEPARATOR = re.compile("[" + re.escape(SEPARATOR_CHARS) + "]+")
_SPLIT_TOO = re.compile("[\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
"""Characters that str.split() splits on and lunr's tokenizer does not."""


def lunr_tokens(text: str) -> list[str]:
    """lunr's Tokenizer on a string, as strings: lowercased, split on its separators."""
    text = text.lower()
    if text.isascii():
        exotic = "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text
    else:
        exotic = _SPLIT_TOO.search(text) is not None
    if exotic:
        return [t for t in _SEPARATOR.split(text) if t]
    return text.replace("-", " ").split()


STOP_WORDS_KEPT_IN: tuple[str, ...] = ("states", "organizations")
"""Fields whose stop words are indexed (lunr's Pipeline.skip of the stop-word filter).
lunr's list holds the codes and acronyms AND, ARE, CAN, NOR, US and WHO: with the default
pipeline, "WHO" or "NOR" finds nothing. ("states", "organizations") keeps them, and the
stop words of names with them ("the" then finds 'Organisation for the Prohibition…');
queries are not filtered (lunr's search pipeline is the stemmer alone)."""


def index_pipeline(stem=None, stop_words: bool = True, possessives: bool = True) -> Pipeline:
    """The index's pipeline: `possessive_dropper`, then lunr's trimmer, stop-word filter and
    `stem` (default STEMMER). Without `possessives` (and with lunr.py's stemmer), lunr.py's
    own pipeline: the tests compare with it."""
    pipeline = Pipeline()
    steps = (possessive_dropper if possessives else None, trimmer, stop_word_filter if stop_words else None,
             stem or STEMMER)
    pipeline.add(*(f for f in steps if f))
    return pipeline


# lunr.js 2.3.9's Porter stemmer (lunr.stemmer), line for line. JavaScript's regular
# expressions see UTF-16 code units and their '.' and '$' differ from Python's: `_ANY`
# and `\Z` stand for them, and words with characters beyond U+FFFF are stemmed as the
# surrogate pairs JavaScript sees.
_ANY = "[^\n\r\u2028\u2029]"
_c, _v = "[^aeiou]", "[aeiouy]"
_CS, _VS = _c + "[^aeiouy]*", _v + "[aeiou]*"
_MGR0 = re.compile("^(" + _CS + ")?" + _VS + _CS)
_MEQ1 = re.compile("^(" + _CS + ")?" + _VS + _CS + "(" + _VS + ")?\\Z")
_MGR1 = re.compile("^(" + _CS + ")?" + _VS + _CS + _VS + _CS)
_S_V = re.compile("^(" + _CS + ")?" + _v)
_1A, _1A2 = re.compile(f"^({_ANY}+?)(ss|i)es\\Z"), re.compile(f"^({_ANY}+?)([^s])s\\Z")
_1B, _1B2 = re.compile(f"^({_ANY}+?)eed\\Z"), re.compile(f"^({_ANY}+?)(ed|ing)\\Z")
_LAST = re.compile(f"{_ANY}\\Z")
_1B_AT = re.compile("(at|bl|iz)\\Z")
_1B_DOUBLE = re.compile("([^aeiouylsz])\\1\\Z")
_CVC = re.compile("^" + _CS + _v + "[^aeiouwxy]\\Z")
_1C = re.compile(f"^({_ANY}+?[^aeiou])y\\Z")
_STEP2 = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
          "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
          "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al",
          "iviti": "ive", "biliti": "ble", "logi": "log"}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_2 = re.compile(f"^({_ANY}+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|"
                f"alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)\\Z")
_3 = re.compile(f"^({_ANY}+?)(icate|ative|alize|iciti|ical|ful|ness)\\Z")
_4 = re.compile(f"^({_ANY}+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)\\Z")
_4B = re.compile(f"^({_ANY}+?)(s|t)(ion)\\Z")
_5 = re.compile(f"^({_ANY}+?)e\\Z")
_5_LL = re.compile("ll\\Z")


def porter_js(word: str) -> str:
    """lunr.js's porterStemmer(word)."""
    astral = any(ord(ch) > 0xFFFF for ch in word)
    w = word.encode("utf-16-le", "surrogatepass").decode("latin-1") if astral else word
    if astral:  # one character a UTF-16 code unit, as JavaScript counts and matches
        w = "".join(chr(ord(a) | ord(b) << 8) for a, b in zip(w[0::2], w[1::2]))
    w = _porter_js(w)
    return w.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass") if astral else w


def _porter_js(w: str) -> str:
    if len(w) < 3:
        return w
    firstch = w[0]
    if firstch == "y":
        w = "Y" + w[1:]
    if _1A.search(w):
        w = _1A.sub(r"\1\2", w, 1)
    elif _1A2.search(w):
        w = _1A2.sub(r"\1\2", w, 1)
    found = _1B.search(w)
    if found:
        if _MGR0.search(found[1]):
            w = _LAST.sub("", w, 1)
    else:
        found = _1B2.search(w)
        if found and _S_V.search(found[1]):
            w = found[1]
            if _1B_AT.search(w):
                w += "e"
            elif _1B_DOUBLE.search(w):
                w = _LAST.sub("", w, 1)
            elif _CVC.search(w):
                w += "e"
    found = _1C.search(w)
    if found:
        w = found[1] + "i"
    found = _2.search(w)
    if found and _MGR0.search(found[1]):
        w = found[1] + _STEP2[found[2]]
    found = _3.search(w)
    if found and _MGR0.search(found[1]):
        w = found[1] + _STEP3[found[2]]
    found = _4.search(w)
    if found:
        if _MGR1.search(found[1]):
            w = found[1]
    else:
        found = _4B.search(w)
        if found and _MGR1.search(found[1] + found[2]):
            w = found[1] + found[2]
    found = _5.search(w)
    if found:
        stem = found[1]
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _CVC.search(stem)):
            w = stem
    if _5_LL.search(w) and _MGR1.search(w):
        w = _LAST.sub("", w, 1)
    if firstch == "y":
        w = "y" + w[1:]
    return w


def lunr_js_stemmer(token, i=None, tokens=None):
    """lunr.js's stemmer as a lunr.py pipeline function."""
    return token.update(lambda word, metadata=None: porter_js(word))


lunr_js_stemmer.label = "stemmer"  # its name in a serialized pipeline: lunr.js loads its own
STEMMER = lunr_js_stemmer
"""The index's stemmer: lunr.js's Porter stemmer (`lunr_js_stemmer`), not lunr.py's. The page
stems queries with lunr.js, and the two disagree on a few words ('norway', 'turkey',
'paraguay': lunr.py 'norwai', lunr.js 'norway'); an index stemmed by lunr.py would not find
them in the browser. lunr.py's Builder with this stemmer gives the same index (tested)."""


class _Terms:
    """Raw token -> the term lunr's pipeline makes of it (None: a stop word). The pipeline
    runs once per distinct token: words repeat enormously from note to note."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.known: dict[str, str | None] = {}

    def count(self, tokens: list[str]) -> Counter:
        """{term: how many times} for `tokens`, in order of first appearance, stop words
        dropped: what lunr's Builder.add counts for a field."""
        for raw in set(tokens).difference(self.known):
            self.known[raw] = self.term(raw)
        counts = Counter(map(self.known.__getitem__, tokens))
        counts.pop(None, None)
        return counts

    def term(self, raw: str) -> str | None:
        out = self.pipeline.run([Token(raw, {})])
        if len(out) > 1:  # not with the default pipeline: each step keeps one token or none
            raise ValueError(f"the pipeline made {len(out)} terms of '{raw}'")
        return str(out[0]) if out else None


@dataclass(frozen=True)
class Postings:
    """What lunr's Builder learns from the documents, and all that its serialized index is
    made of: every term in order of first appearance (its `_index`), and for each term and
    field the documents that hold it (positions, ascending) with the term's frequency in
    each. A field's length in a document is the sum of its terms' frequencies."""
    fields: tuple[str, ...]
    boosts: tuple[float, ...]
    refs: tuple[str, ...]
    terms: tuple[str, ...]
    documents: tuple[tuple[Sequence[int], ...], ...]    # term -> field -> documents
    frequencies: tuple[tuple[Sequence[int], ...], ...]  # term -> field -> tf in each of them


class FieldCounter:
    """Counts the terms of field values as lunr's Builder does, running the pipeline once
    per distinct token. With `remember`, it also keeps each value's counts from one index
    to the next (only those of the last index): `serve` keeps one for the session, so that
    the index made after an edit counts the words of the edited note alone."""

    def __init__(self, stem=None, stop_words_kept_in=None, remember: bool = False, possessives: bool = True):
        self.kept = STOP_WORDS_KEPT_IN if stop_words_kept_in is None else stop_words_kept_in
        self.filtered = _Terms(index_pipeline(stem, possessives=possessives))
        self.unfiltered = _Terms(index_pipeline(stem, stop_words=False, possessives=possessives))
        self.remember = remember
        self.known: dict[tuple[str, str], Counter] = {}
        self.used: dict[tuple[str, str], Counter] = {}

    def count(self, name: str, value) -> Counter:
        """{term: tf} of one field's value, in order of first appearance (do not change it)."""
        terms = self.unfiltered if name in self.kept else self.filtered
        if not self.remember or not isinstance(value, str):
            return terms.count(field_tokens(value))
        key = (name, value)
        counts = self.known.get(key)
        if counts is None:
            counts = terms.count(field_tokens(value))
        self.used[key] = counts
        return counts

    def index_done(self) -> None:
        """Forget the values the index just made did not have."""
        self.known, self.used = self.used, {}


def index_postings(documents: Iterable[dict], fields: list[dict] = FIELDS, ref: str = "ref",
                   stem=None, stop_words_kept_in=None, counter: FieldCounter | None = None,
                   possessives: bool = True) -> Postings:
    """The postings of `documents` as lunr's Builder makes them, with `stem` (default
    STEMMER) in the pipeline and the stop-word filter skipped for the fields
    `stop_words_kept_in` (default STOP_WORDS_KEPT_IN), possessive endings dropped unless
    `possessives` is off; or with `counter`'s settings."""
    names = [f["field_name"] for f in fields]
    counter = counter or FieldCounter(stem, stop_words_kept_in, possessives=possessives)
    numbers: dict[str, int] = {}  # term -> its _index: numbered when first met, as lunr does
    # Per field, term -> (documents, frequencies): one lookup per term of a field of a
    # document, the loop that costs most. Arrays of 32-bit numbers rather than lists of
    # ints: at 10,000 notes, a quarter of the memory.
    by_field: list[dict[str, tuple[array, array]]] = [{} for _ in names]
    refs: list[str] = []
    for position, document in enumerate(documents):
        refs.append(str(document[ref]))
        for name, postings in zip(names, by_field):
            for term, tf in counter.count(name, document[name]).items():
                posting = postings.get(term)
                if posting is None:
                    posting = postings[term] = (array("I"), array("I"))
                    numbers.setdefault(term, len(numbers))
                posting[0].append(position)
                posting[1].append(tf)
    counter.index_done()
    none = ((), ())  # the many fields a term never occurs in share one empty value
    per_term = [[postings.get(term, none) for postings in by_field] for term in numbers]
    return Postings(tuple(names), tuple(f.get("boost", 1) for f in fields), tuple(refs), tuple(numbers),
                    tuple(tuple(docs for docs, _ in fields) for fields in per_term),
                    tuple(tuple(tfs for _, tfs in fields) for fields in per_term))


def field_tokens(value) -> list[str]:
    """lunr's tokens of one field's value: none for a missing value. Lists are refused:
    lunr would make one token of each item, which the index never means to do."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        raise TypeError("index fields must be strings")
    return lunr_tokens(str(value))


def idf(documents_with_term: int, document_count: int) -> float:
    """lunr's idf; `documents_with_term` counts (field, document) pairs, as lunr does."""
    x = (document_count - documents_with_term + 0.5) / (documents_with_term + 0.5)
    return math.log(1 + abs(x))


# --- the index as shipped: postings, compactly -------------------------------------------
#
# search/index.js holds the postings, not lunr's serialized index: the field vectors
# (a BM25 score per term of each field of each document) and the inverted index (an
# object per document per field per term) are ten times the size, gzipped or not, and
# take seconds for the browser to parse. The page computes them from the postings exactly as lunr's
# Builder does (theme/search.js; `lunr_index_data` here is the same computation, and the
# tests prove both give lunr.py's index value for value), then lunr.Index.load loads them.
#
#   format       "postings-1", so that the page can refuse what it cannot read
#   version      the lunr version of the index it expands to
#   fields       the field names; boosts, their boosts
#   count        the number of documents; refs are "0", "1", ... unless `refs` lists them
#   terms        every term, in `_index` order
#   idf          [[documents with the term, its idf], ...] for every such count that
#                occurs: Math.log in browsers is not Python's (they differ in the last
#                bit for about one value in ten), and lunr.py's idf is the one to use
#   counts       per term, per field: how many documents hold it
#   gaps         per term, per field, per document: its position minus the previous
#                one's, minus one (the first counts from -1): mostly 0 for common terms
#   frequencies  per term, per field, per document: the term's frequency minus one
#
# The three lists of numbers are strings of base-32 digits, most significant first, the
# last digit of each number from FINAL_DIGITS and any others from MORE_DIGITS: one
# character for most numbers, no separators, nothing to escape in JSON or in a script;
# half the raw size of JSON arrays of the same numbers, and gzipped a sixth smaller.

INDEX_FORMAT = "postings-1"
FINAL_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
MORE_DIGITS = "ghijklmnopqrstuvwxyz0123456789+/"


def encode_numbers(numbers) -> str:
    """Non-negative integers as base-32 digit strings, one after another."""
    out = []
    for number in numbers:
        digits = FINAL_DIGITS[number & 31]
        number >>= 5
        while number:
            digits = MORE_DIGITS[number & 31] + digits
            number >>= 5
        out.append(digits)
    return "".join(out)


def decode_numbers(text: str) -> list[int]:
    """The integers `encode_numbers` wrote."""
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


def compact_index(postings: Postings) -> dict:
    """The JSON data of search/index.js (described above)."""
    count = len(postings.refs)
    with_term = [sum(map(len, fields)) for fields in postings.documents]
    data = {
        "format": INDEX_FORMAT, "version": lunr_package.__TARGET_JS_VERSION__,
        "fields": list(postings.fields), "boosts": list(postings.boosts), "count": count,
        "terms": list(postings.terms),
        "idf": [[n, idf(n, count)] for n in sorted(set(with_term))],
        "counts": encode_numbers(len(docs) for fields in postings.documents for docs in fields),
        "gaps": encode_numbers(_gaps(postings.documents)),
        "frequencies": encode_numbers(tf - 1 for fields in postings.frequencies for tfs in fields for tf in tfs),
    }
    if postings.refs != tuple(map(str, range(count))):
        data["refs"] = list(postings.refs)
    return data


def _gaps(documents):
    """Each document's position minus the previous one's (of the same term and field), minus one."""
    for fields in documents:
        for docs in fields:
            previous = -1
            for position in docs:
                yield position - previous - 1
                previous = position


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


def to_json(data) -> str:
    """The one JSON form of the index and store: compact, UTF-8 as is."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


# --- the store ------------------------------------------------------------------------

def snippet_text(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of `text`, at most `limit` characters, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else text[:limit]).rstrip()


def _natural(label: str) -> list:
    """Sort key: letters without case or accents, numbers by value ('1540 OP2' < '1540 OP10')."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.findall(r"\d+|\D+", ascii_fold(label).casefold())] + [(2, 0, label)]


def _facet(entities) -> tuple[list[list[str]], dict[str, int]]:
    """[[label, slug], …] sorted by label, and slug -> position."""
    unique = {e.slug: e for e in entities}
    ordered = sorted(unique.values(), key=lambda e: (_natural(e.label), e.slug))
    return [[e.label, e.slug] for e in ordered], {e.slug: i for i, e in enumerate(ordered)}


def store_data(model: SiteModel) -> dict:
    notes = search_notes(model)
    states, state_at = _facet(s for n in notes for s in note_states(n))
    organizations, organization_at = _facet(o for n in notes for o in note_organizations(n))
    paragraphs, paragraph_at = _facet(p for n in notes for p in n.paragraphs)
    docs = [[
        note.title,
        note.date.isoformat(),
        note.end.isoformat() if note.end else None,
        note.venue,
        note_path(note.id),
        note.summary,
        snippet_text(note.body_text),
        note.year,
        sorted(state_at[s.slug] for s in note_states(note)),
        sorted(organization_at[o.slug] for o in note_organizations(note)),
        sorted({paragraph_at[p.slug] for p in note.paragraphs}),
    ] for note in notes]
    return {"docs": docs, "states": states, "organizations": organizations, "paragraphs": paragraphs}


# --- the files ------------------------------------------------------------------------

def script(name: str, json_text: str) -> bytes:
    """A classic script assigning `window.<name>` the JSON `json_text`. `</` and `<!--`
    never appear as such (JSON's `\\/` and `\\u003c` spell them), so no note text can end
    or confuse a <script> element even if the file is ever inlined."""
    if "<" in json_text:
        json_text = json_text.replace("</", "<\\/").replace("<!--", "\\u003c!--")
    return f"window.{name} = {json_text};\n".encode("utf-8")


def script_json(data: bytes, name: str) -> str:
    """The JSON text of a file written by `script` (escapes left in: they are valid JSON)."""
    text = data.decode("utf-8")
    prefix, suffix = f"window.{name} = ", ";\n"
    if not (text.startswith(prefix) and text.endswith(suffix)):
        raise ValueError(f"not a window.{name} script")
    return text[len(prefix):-len(suffix)]


def search_files(model: SiteModel, counter: FieldCounter | None = None) -> dict[str, bytes]:
    """{site-relative path: bytes} of the search index and store (`counter`: see FieldCounter)."""
    postings = index_postings(iter_search_documents(model), counter=counter)
    return {
        INDEX_PATH: script("SEARCH_INDEX", to_json(compact_index(postings))),
        STORE_PATH: script("SEARCH_STORE", to_json(store_data(model))),
    }


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
    from lunr.index import Index

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
    from lunr.exceptions import QueryParseError
    from lunr.query_parser import QueryParser

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
