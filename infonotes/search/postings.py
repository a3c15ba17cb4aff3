"""The postings of lunr's index of the documents: what lunr's Builder learns from them.

`index_postings` makes them as lunr.py's Builder (pinned, 0.8.0) does for the same
documents and fields, with the index's pipeline (`index_pipeline`: possessive endings
dropped, POSSESSIVE; lunr's trimmer and stop-word filter; lunr.js's Porter stemmer,
STEMMER; stop words kept in the names' fields, STOP_WORDS_KEPT_IN). lunr's Builder runs
its pipeline on every occurrence of every word; here it runs once per distinct word
(`_Terms`), since words repeat from note to note. The postings are all that lunr's
serialized index is made of: the tests prove that the index computed from them is
lunr.py's own, and, with lunr.py's own pipeline, lunr.py's as it comes.
"""
from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lunr.pipeline import Pipeline
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.trimmer import trimmer

from infonotes.search.documents import FIELDS
from infonotes.search.stemmer import STEMMER

# --- lunr's words ---------------------------------------------------------------------
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


# --- the postings ---------------------------------------------------------------------

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
    # ints: four bytes a number, where a list holds a pointer to an int object.
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
