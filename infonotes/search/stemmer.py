"""lunr.js's Porter stemmer, in Python: the stemmer of the index.

The search page stems what readers type with lunr.js 2.3.9's stemmer, so the index's
words must be stemmed the same way: lunr.py's stemmer disagrees with it on a few words
(STEMMER says which), and a word it stems otherwise would never be found in the
browser. The tests compare `porter_js` with lunr.js itself, in Node.js.
"""
from __future__ import annotations

import re

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
