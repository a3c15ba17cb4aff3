"""The search index and store: two classic scripts the search page loads.

    search/index.js   window.SEARCH_INDEX = <a serialized lunr index>;
    search/store.js   window.SEARCH_STORE = {docs, states, organizations, paragraphs};

A pure function of the model. The index is exactly what lunr.py (pinned, 0.8.0, whose
serialized version is lunr.js's, 2.3.9) serializes for the same documents and fields with
the index's pipeline (lunr's trimmer and stop-word filter, then lunr.js's Porter stemmer,
STEMMER; stop words kept in the names' fields, STOP_WORDS_KEPT_IN), byte for byte; the
tests prove it, and that with lunr.py's own pipeline it is lunr.py as it comes. lunr.py
costs about 13 ms a note, almost all of it running its pipeline on every word again and
again; `index_json` runs the pipeline once per distinct word and computes the inverted
index and the BM25 field vectors the way lunr.py's Builder does (same term order, same
float operations, same rounding).

Documents go in sorted by note id and their refs are their positions ("0", "1", …), so
the same notes always give the same bytes. The store's `docs` list is in the same order:
a result's ref is its position in the store.
"""
from __future__ import annotations

import html
import json
import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from functools import partial
from array import array
from itertools import count as itertools_count, repeat
from operator import add, mul, rshift, truediv

import lunr as lunr_package
from lunr.pipeline import Pipeline
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import trimmer

from .catalog import Organization, State
from .model import Note, SiteModel
from .parallel import map_slices
from .text import ascii_fold
from .urls import note_path

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

SNIPPET_CHARS = 400
"""How much of a note's text the store keeps for snippets (cut at a word boundary)."""

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
    return [search_document(str(i), note) for i, note in enumerate(search_notes(model))]


# --- the index ------------------------------------------------------------------------
#
# lunr.py's Builder, step by step (lunr/builder.py, vector.py, idf.py, index.py), and how
# it is done here with the same results:
# - each field value is lowercased as a whole, split on lunr's separators (white space,
#   no-break space, hyphen) and each token run through the pipeline; here the pipeline
#   runs once per distinct token (`_Terms` remembers), and Counter counts the terms.
# - terms get their `_index` in order of first appearance (document, field, position);
#   here each term gets a number when first met (they grow in that order), and the
#   numbers are made consecutive at the end.
# - the idf of a term counts (field, document) pairs, not documents.
# - a field vector holds, for each term of the field in `_index` order, round(score, 3)
#   with score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / average)) + tf),
#   times the field boost (times a document boost of 1); the same operations, in the same
#   order, are done here element-wise with map(); format(score, ".3f") is the correctly
#   rounded decimal that round(score, 3) stands for, so trimming its zeros gives the JSON
#   of round(score, 3).
# - serialize() lists the inverted index sorted by term, each posting {field: {ref: {}}
#   for every field, "_index": n}, and the field vectors in (document, field) order;
#   here the JSON text is written directly, with json.dumps for every string.

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


def index_pipeline(stem=None, stop_words: bool = True) -> Pipeline:
    """The index's pipeline: lunr's trimmer, stop-word filter and `stem` (default STEMMER)."""
    pipeline = Pipeline()
    pipeline.add(*(f for f in (trimmer, stop_word_filter if stop_words else None, stem or STEMMER) if f))
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
        try:
            counts = Counter(map(self.known.__getitem__, tokens))
        except KeyError:
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


class _Decimals(dict):
    """score -> the JSON of round(score, 3). format(score, ".3f") is the correctly rounded
    decimal that round() returns the nearest float to, so its digits without trailing
    zeros are that float's repr: '1.500' -> '1.5', '2.000' -> '2.0'. Two scores in three
    recur (same idf, tf and field length); the cache is emptied now and then to stay small."""

    def __missing__(self, score: float) -> str:
        if len(self) >= 100_000:
            self.clear()
        text = format(score, ".3f").rstrip("0")
        text = self[score] = text + "0" if text.endswith(".") else text
        return text


def index_json(documents: list[dict], fields: list[dict] = FIELDS, ref: str = "ref",
               workers: int | None = 1, stem=None, stop_words_kept_in=None) -> str:
    """json.dumps(lunr.lunr(ref, fields, documents).serialize(), separators=(",", ":"),
    ensure_ascii=False), byte for byte, in a fraction of the time; with `stem` (default
    STEMMER) as the builder's stemmer, and its stop-word filter skipped for the fields
    `stop_words_kept_in` (default STOP_WORDS_KEPT_IN).

    With `workers` (None: one per core), field vectors are computed in forked worker
    processes; the result is the same.
    """
    return "".join(index_parts(documents, fields, ref, workers, stem, stop_words_kept_in))


_SHIFT = 32
_TF = (1 << _SHIFT) - 1


def index_parts(documents: list[dict], fields: list[dict] = FIELDS, ref: str = "ref",
                workers: int | None = 1, stem=None, stop_words_kept_in=None) -> list[str]:
    """`index_json` in pieces (whole JSON values and the punctuation between them), so
    that the index never has to be held twice as one string."""
    names = [f["field_name"] for f in fields]
    boosts = [f.get("boost", 1) for f in fields]
    refs = [str(document[ref]) for document in documents]
    values = [[document[name] for name in names] for document in documents]
    if any(isinstance(v, (list, tuple)) for row in values for v in row):
        raise TypeError("index fields must be strings")  # lunr makes one token of each item
    kept = STOP_WORDS_KEPT_IN if stop_words_kept_in is None else stop_words_kept_in
    filtered, unfiltered = _Terms(index_pipeline(stem)), _Terms(index_pipeline(stem, stop_words=False))
    field_terms = [unfiltered if name in kept else filtered for name in names]

    # Each field of each document: its terms counted, then kept as one array of
    # (term number << 32 | tf), sorted. Term numbers grow in order of first appearance
    # (a term keeps the number it got first), so sorting by them is sorting by lunr's
    # _index; arrays take a tenth of the memory of the counts. The postings (term ->
    # documents, per field) are arrays too. Counting runs in this process: sending counts
    # back from workers costs about what counting in parallel would save.
    numbers: dict[str, int] = {}        # term -> its number, in order of first appearance
    numbering = itertools_count()
    postings = [defaultdict(partial(array, "I")) for _ in names]
    vectors_in: list[tuple[int, int, array, int]] = []  # (document, field, terms, length)
    totals = [0] * len(names)
    most = 0                            # the largest tf
    shift = (1 << _SHIFT).__mul__
    for number, row in enumerate(values):
        for position, (value, terms) in enumerate(zip(row, field_terms)):
            counts = terms.count(lunr_tokens(str(value))) if value is not None else None
            if not counts:
                vectors_in.append((number, position, array("Q"), 0))
                continue
            held = array("Q", sorted(map(add, map(shift, map(numbers.setdefault, counts, numbering)),
                                         counts.values())))
            deque(map(array.append, map(postings[position].__getitem__, counts), repeat(number)), 0)
            length = sum(counts.values())
            totals[position] += length
            most = max(most, max(counts.values()))
            vectors_in.append((number, position, held, length))

    count = len(documents)
    averages = [total / count for total in totals] if count else totals
    dense = dict(zip(numbers.values(), range(len(numbers))))  # term number -> lunr's _index
    context = _VectorContext(
        keys=[[_json_string(f"{name}/{r}") for name in names] for r in refs],
        boosts=boosts, averages=averages, dense=dense, most=most,
        index_text=[str(i) for i in range(len(numbers))],
        idf=[_idf(sum(len(p.get(term, ())) for p in postings), count) for term in numbers])
    parts = ['{"version":', json.dumps(lunr_package.__TARGET_JS_VERSION__), ',"fields":', to_json(names),
             ',"fieldVectors":[']
    vectors = map_slices(partial(_vector_slice, context), vectors_in, workers)
    del vectors_in
    parts += _between(vectors, ",")
    parts.append('],"invertedIndex":[')
    ref_keys = [_json_string(r) + ":{}" for r in refs]
    field_keys = [_json_string(name) for name in names]
    inverted = []
    for term in sorted(numbers):
        entries = [f"{field_keys[i]}:{{{','.join(map(ref_keys.__getitem__, postings[i].get(term, ())))}}}"
                   for i in range(len(names))]
        inverted.append(f"[{_json_string(term)},{{{','.join(entries)},\"_index\":{dense[numbers[term]]}}}]")
    parts += _between(inverted, ",")
    parts.append('],"pipeline":["stemmer"]}')  # lunr.py's default search pipeline
    return parts


def _between(items: list[str], separator: str) -> list[str]:
    """[a, sep, b, sep, c]."""
    out = [separator] * (2 * len(items) - 1) if items else []
    out[0::2] = items
    return out


_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _json_string(text: str) -> str:
    """json.dumps(text, ensure_ascii=False), quicker for the usual text that needs no escape."""
    return json.dumps(text, ensure_ascii=False) if _JSON_ESCAPED.search(text) else f'"{text}"'


@dataclass(frozen=True)
class _VectorContext:
    keys: list[list[str]]       # per document, per field: the JSON of "field/ref"
    boosts: list[int]
    averages: list[float]
    dense: dict[int, int]       # term number -> lunr's _index
    most: int                   # the largest tf
    index_text: list[str]       # _index -> its text
    idf: list[float]            # _index -> the term's idf


def _vector_slice(context: _VectorContext, vectors_in: list) -> list[str]:
    """The JSON of each field vector: [term index, round(score, 3), …] in index order."""
    k1_tf = [(_K1 + 1) * tf for tf in range(context.most + 1)]  # (k1 + 1) * tf, as lunr computes it
    decimals = _Decimals()
    dense, idf, index_text = context.dense.__getitem__, context.idf.__getitem__, context.index_text.__getitem__
    vectors = []
    for number, position, held, length in vectors_in:
        key = context.keys[number][position]
        if not held:  # an empty field (whose average length may be 0)
            vectors.append(f"[{key},[]]")
            continue
        norm = _K1 * (1 - _B + _B * (length / context.averages[position]))
        order = list(map(dense, map(rshift, held, repeat(_SHIFT))))
        tfs = list(map(_TF.__and__, held))
        numerators = map(mul, map(idf, order), map(k1_tf.__getitem__, tfs))
        scores = map(truediv, numerators, map(add, repeat(norm), tfs))
        boost = context.boosts[position]
        if boost != 1:  # (x * 1 == x: lunr's multiplication by a boost of 1 changes nothing)
            scores = map(mul, scores, repeat(boost))
        elements = [""] * (2 * len(order))
        elements[0::2] = map(index_text, order)
        elements[1::2] = map(decimals.__getitem__, scores)
        vectors.append(f"[{key},[{','.join(elements)}]]")
    return vectors


def _idf(documents_with_term: int, document_count: int) -> float:
    # lunr.idf.idf; documents_with_term counts (field, document) pairs, as lunr does.
    x = (document_count - documents_with_term + 0.5) / (documents_with_term + 0.5)
    return math.log(1 + abs(x))


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

def script(name: str, json_text: str | list[str]) -> bytes:
    """A classic script assigning `window.<name>` the JSON `json_text` (a string, or a
    list of pieces that it uses up, each a whole JSON value or the punctuation between).
    `</` and `<!--` never appear as such (JSON's `\\/` and `\\u003c` spell them), so no
    note text can end or confuse a <script> element even if the file is ever inlined."""
    pieces = [json_text] if isinstance(json_text, str) else json_text
    out = bytearray(f"window.{name} = ".encode())
    pieces.reverse()
    while pieces:  # piece by piece, dropping each: the index is never held twice over
        piece = pieces.pop()
        if "<" in piece:
            piece = piece.replace("</", "<\\/").replace("<!--", "\\u003c!--")
        out += piece.encode("utf-8")
    out += b";\n"
    return bytes(out)


def script_json(data: bytes, name: str) -> str:
    """The JSON text of a file written by `script` (escapes left in: they are valid JSON)."""
    text = data.decode("utf-8")
    prefix, suffix = f"window.{name} = ", ";\n"
    if not (text.startswith(prefix) and text.endswith(suffix)):
        raise ValueError(f"not a window.{name} script")
    return text[len(prefix):-len(suffix)]


def search_files(model: SiteModel, workers: int | None = 1) -> dict[str, bytes]:
    """{site-relative path: bytes} of the search index and store (`workers`: as `index_json`)."""
    return {
        INDEX_PATH: script("SEARCH_INDEX", index_parts(search_documents(model), workers=workers)),
        STORE_PATH: script("SEARCH_STORE", to_json(store_data(model))),
    }


# --- queries (what the search page does with what readers type) -----------------------

_SYNTAX = re.compile(r'[:+\-~^*"]')
"""lunr's query syntax characters (and the double quote): plain searches drop them."""
_TRIM = re.compile(r"^\W*?(\w+)\W*?$")  # lunr.py's trimmer
_TRIM_WILDCARD = re.compile(r"^[^\w*]*?([\w*]+)[^\w*]*?$")
_WORD_CHAR = re.compile(r"\w")


def tidy_word(word: str, wildcard: bool = False) -> str:
    """A query word trimmed of punctuation at both ends, as the index trims its words
    ('control?' -> 'control'); '' for a word with no letter or digit."""
    if not _WORD_CHAR.search(word):
        return ""
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
    """A lunr.py Index of a serialized index, stemming queries as the index stemmed its
    words (with STEMMER; lunr.py's Index.load would pick lunr.py's stemmer by name)."""
    from lunr.index import Index

    index = Index.load(json.loads(json_text))
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
