"""Small text helpers shared by the stages: slugs, name keys, suggestions."""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})


def ascii_fold(text: str) -> str:
    """'Côte d’Ivoire' -> "Cote d'Ivoire": drop accents, straighten quotes."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return decomposed.encode("ascii", "ignore").decode("ascii")


@functools.lru_cache(maxsize=8192)  # the same few hundred names recur in every note
def name_key(text: str) -> str:
    """The form under which names are compared: case, accents and spacing ignored."""
    return " ".join(ascii_fold(text).casefold().split())


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; apostrophes vanish (peoples, not people-s)."""
    folded = ascii_fold(text).lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def close_matches(word: str, choices: dict[str, str], count: int = 3) -> list[str]:
    """Display names whose key is close to `word`; `choices` maps key -> display name."""
    found: list[str] = []
    for key in difflib.get_close_matches(name_key(word), list(choices), n=count * 2, cutoff=0.6):
        if choices[key] not in found:
            found.append(choices[key])
    return found[:count]
