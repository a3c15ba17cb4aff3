"""The format of search/index.js, "postings-1", and its writer: the one description of it.

theme/search.js, which reads the format in the browser, points here rather than
describing it again; so does tests/lunr_reference.py, its Python reader.

search/index.js is `window.SEARCH_INDEX = <JSON>;` (`files.script`), the JSON being the
object `compact_index` returns. It holds the postings of lunr's index (`Postings`), not
lunr's serialized index: the field vectors (a BM25 score per term of each field of each
document) and the inverted index (an object per term, per field, per document) follow
from the postings, are many times their size, gzipped or not, and are slow for a browser
to parse. The page computes them from the postings exactly as lunr's Builder does and
loads them with lunr.Index.load (the tests prove, in Python and in Chromium, that this
is lunr.py's own index, value for value).

The keys:

    format       "postings-1" (INDEX_FORMAT): the page refuses any other, a format it
                 cannot read
    version      the lunr version of the serialized index the postings expand to
                 (lunr.py's target, the lunr.js the page loads: "2.3.9")
    fields       the field names, in the index's order
    boosts       the boost of each field, in the same order
    count        the number of documents
    refs         the documents' refs, by position; absent when they are "0", "1", … (as
                 the build's are: a ref is then a position in the store)
    terms        every term, in lunr's `_index` order (the order of first appearance:
                 document, field, position in the field)
    idf          [[n, idf], …] for every n that occurs, n being how many (field, document)
                 pairs hold a term, and idf lunr.py's idf for it (`postings.idf`): the page
                 uses these rather than computing them, as Math.log in browsers is not
                 Python's (the two differ in the last bit for some values)
    counts       numbers, one per term (`terms` order) per field (`fields` order): how
                 many documents hold the term in the field
    gaps         numbers, one per term per field per document holding it (documents by
                 ascending position): the position minus the previous one's (of the same
                 term and field) minus one, the first counting from -1 (so it is the
                 position itself): mostly 0 for common terms
    frequencies  numbers, in the order of `gaps`: the term's frequency in that field of
                 that document, minus one

So `counts` holds len(terms) * len(fields) numbers, and `gaps` and `frequencies` as many
as `counts` adds up to. A term is held by sum of its counts (field, document) pairs (the
n of `idf`); a field's length in a document, which its scores depend on, is the sum of
the frequencies of its terms there.

The numbers: `counts`, `gaps` and `frequencies` are each one string of non-negative
integers in base 32, written one after another without separators (`encode_numbers`).
A number's digits come most significant first; its last digit is a character of
FINAL_DIGITS and any digit before it one of MORE_DIGITS, so that a FINAL_DIGITS
character ends a number:

    digit         0 1 2 … 25 26 27 … 31
    FINAL_DIGITS  A B C … Z  a  b  … f
    MORE_DIGITS   g h i … 5  6  7  … /

0 is "A", 31 "f", 32 "hA", 1024 "hgA". Most numbers take one character, and none of
these characters needs escaping in JSON or in a script. A string that ends on a
MORE_DIGITS character, or holds any other character, is a damaged index.
"""
from __future__ import annotations

import lunr as lunr_package

from infonotes.search.postings import Postings, idf

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


def compact_index(postings: Postings) -> dict:
    """The JSON data of search/index.js, in the format described at the top of this module."""
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
