"""The search index and store keep DESIGN's "Search" promises (issue 4).

- search/index.js holds the postings of lunr.py's own index of the published notes
  (`lunr(ref, fields, documents)`), compactly, in a classic script; what the page computes
  from them (`lunr_reference.lunr_index_data` does the same in Python) is lunr.py's
  serialized index, value for value and, in Python, byte for byte. (test_search_page.py
  proves it for theme/search.js in Chromium.) Every number of the format survives encoding.
- Golden queries, run with lunr.py on the index of the BUILT site (`lunr_reference.search`,
  which does what the page does: lunr's syntax with words trimmed, or plain words when it
  does not parse), find exactly the notes worked out here independently: from the notes'
  files (PyYAML, not the project's reader) and the catalogs, or stated by hand for an
  archive written for these tests. Malformed queries never fail: lunr refuses them, and
  the plain search for their words finds the notes holding those words.
- `lunr_js_stemmer` is lunr.js's stemmer (compared with lunr.js itself, in Node.js), for an
  index built to be searched by lunr.js exactly.
- Documents go in by note id with short refs; the same notes give the same bytes.
- search/store.js has the shape the search page relies on, and no note text can end a
  <script> element in either file.
"""
from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import yaml
from lunr import lunr
from lunr.builder import Builder
from lunr.exceptions import QueryParseError
from lunr.index import Index
from lunr.stemmer import porter_stemmer
from lunr.stemmer import stemmer as lunr_py_stemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.stop_word_filter import stop_word_filter
from lunr.tokenizer import SEPARATOR_CHARS, Tokenizer
from lunr.trimmer import trimmer

from infonotes.archive.catalog import load_catalog
from infonotes.archive.model import build_model
from infonotes.commands.build import load_notes_from, notes_in
from infonotes.search.documents import FIELDS, iter_search_documents, plain_text
from infonotes.search.files import INDEX_PATH, STORE_PATH, script, to_json
from infonotes.search.index_format import compact_index, encode_numbers
from infonotes.search.postings import (
    _SPLIT_TOO,
    STOP_WORDS_KEPT_IN,
    FieldCounter,
    field_tokens,
    index_postings,
    lunr_tokens,
    possessive_dropper,
)
from infonotes.search.stemmer import lunr_js_stemmer, porter_js
from infonotes.search.store import SNIPPET_CHARS, snippet_text

from conftest import ROOT, cli_main, note_text, write_project
from lunr_reference import (
    decode_numbers,
    field_lengths,
    index_json,
    load_index,
    lunr_index_data,
    plain_query,
    script_json,
    search,
)

SAMPLE_NOTES = ROOT / "notes"
DOC_SHAPE = ("title", "date", "end", "venue", "path", "summary", "text", "year", "states",
             "organizations", "paragraphs")


# --- Reading what a build wrote ---------------------------------------------------------------

def index_text(site: Path) -> str:
    return script_json((site / "search/index.js").read_bytes(), "SEARCH_INDEX")


def lunr_index_of(site: Path) -> dict:
    """The serialized lunr index the page computes from the built search/index.js."""
    return lunr_index_data(json.loads(index_text(site)))


def store_of(site: Path) -> dict:
    return json.loads(script_json((site / "search/store.js").read_bytes(), "SEARCH_STORE"))


@functools.cache
def _loaded(site: Path) -> tuple[Index, list[str]]:
    index = load_index(index_text(site))
    ids = [re.fullmatch(r"notes/([^/]+)/", doc[4])[1] for doc in store_of(site)["docs"]]
    return index, ids


def found(site: Path, q: str) -> set[str]:
    """The note ids the search page would list for `q` (lunr.py standing in for lunr.js)."""
    index, ids = _loaded(site)
    return {ids[int(hit["ref"])] for hit in search(index, q)}


def model_of(notes_dir: Path):
    """The site model a build makes of a notes folder (pages not written: each note gets
    its plain text as in a build, where the worker that writes its page keeps it)."""
    catalog = load_catalog(ROOT / "data")
    notes = load_notes_from(notes_in(notes_dir), catalog, workers=1)
    return build_model([replace(note, body_text=plain_text(note.body_html)) for note in notes], catalog)


def search_documents(model) -> list[dict]:
    """The documents the build gives the index, in their order."""
    return list(iter_search_documents(model))


def lunr_py_json(documents: list[dict], as_it_comes: bool = False) -> str:
    """lunr.py's own Builder: the reference. By default with the index's pipeline (possessive
    endings dropped, lunr.js's stemmer, stop words kept in the names' fields); `as_it_comes`:
    lunr.py's defaults."""
    if as_it_comes:
        built = lunr(ref="ref", fields=FIELDS, documents=documents)
    else:
        builder = Builder()
        builder.pipeline.add(possessive_dropper, trimmer, stop_word_filter, lunr_js_stemmer)
        builder.pipeline.skip(stop_word_filter, list(STOP_WORDS_KEPT_IN))
        builder.search_pipeline.add(lunr_js_stemmer)
        built = lunr(ref="ref", fields=FIELDS, documents=documents, builder=builder)
    return json.dumps(built.serialize(), separators=(",", ":"), ensure_ascii=False)


def build(project: Path, out: Path, *extra: str) -> Path:
    assert cli_main(["--config", str(project / "site.toml"), "build", "--out", str(out), *extra]) == 0
    return out


# --- An independent reading of the notes: which notes hold which words ---------------------------

def fold(text: str) -> str:
    text = text.replace("\u2019", "'")
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().split())


@functools.cache
def catalog_facts() -> tuple[dict, dict, dict]:
    """name/alias/code (folded) -> entry, for States, organizations and documents."""
    data = ROOT / "data"
    states, orgs, docs = {}, {}, {}
    for entry in yaml.safe_load((data / "states.yaml").read_text(encoding="utf-8")):
        for name in [entry["name"], entry["iso3"], *(entry.get("aliases") or []), *(entry.get("former_names") or [])]:
            states[fold(str(name))] = entry
    for entry in yaml.safe_load((data / "organizations.yaml").read_text(encoding="utf-8")):
        for name in [entry["acronym"], entry["name"], *(entry.get("aliases") or []), *(entry.get("former_names") or [])]:
            orgs[fold(str(name))] = entry
    for entry in yaml.safe_load((data / "paragraphs.yaml").read_text(encoding="utf-8")):
        docs[fold(str(entry["key"]))] = entry
    return states, orgs, docs


def _list(value) -> list[str]:
    return [] if value is None else [str(v) for v in (value if isinstance(value, list) else [value])]


@dataclass
class NoteWords:
    id: str
    draft: bool
    fields: dict[str, str]
    """The text of each indexed field as DESIGN describes it, from the file and catalogs."""
    states: list[str] = field(default_factory=list)
    """Canonical names of every State the note names (host, organizers, participants)."""
    orgs: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    """Labels: '2663 OP17', 'PoW-2023 13', or a document key."""

    def words(self, *names: str) -> set[str]:
        """The words of these fields (all by default), cut as DESIGN says the index cuts
        them: lowercased, possessive endings ('s) dropped, cut on white space and hyphens,
        punctuation trimmed; stop words out."""
        texts = [re.sub(r"(?<=\w)['’]s(?!\w)", "", self.fields[n].lower()) for n in (names or self.fields)]
        cut = (re.sub(r"^\W+|\W+$", "", w) for t in texts for w in re.split(r"[\s\-]+", t))
        return {w for w in cut if w and w not in STOP_WORDS}

    def stems(self, *names: str) -> set[str]:
        if not names:
            return self.all_stems
        return {porter_stemmer.stem(w) for w in self.words(*names)}

    @functools.cached_property
    def all_stems(self) -> set[str]:
        """The stems of every field: the golden queries ask for them again and again."""
        return {porter_stemmer.stem(w) for w in self.words()}


def read_note(path: Path) -> NoteWords:
    text = path.read_text(encoding="utf-8")
    _, front_text, body = text.split("---\n", 2)
    front = yaml.safe_load(front_text)
    states, orgs, docs = catalog_facts()
    named_states, named_orgs, labels, paragraph_text = [], [], [], []
    host = states[fold(str(front["country"]))] if front.get("country") else None
    for name in ([str(front["country"])] if host else []) + _list(front.get("organizers")) + _list(front.get("states")):
        if fold(name) in states and states[fold(name)] not in named_states:
            named_states.append(states[fold(name)])
    for name in _list(front.get("organizers")) + _list(front.get("organizations")):
        if fold(name) in orgs and orgs[fold(name)] not in named_orgs:
            named_orgs.append(orgs[fold(name)])
    for reference in _list(front.get("paragraphs")):
        match = re.fullmatch(r"(\S+)(?:\s+(?:OP)?(\d+))?", reference.strip(), re.IGNORECASE)
        doc = docs[fold(match[1])]
        if match[2]:
            label = f"{doc['key']} OP{int(match[2])}" if doc["kind"] == "resolution" else f"{doc['key']} {int(match[2])}"
            paragraph_text.append(label)
        else:
            label = str(doc["key"])
            paragraph_text.append(f"{doc['key']} {doc['title']}")
        labels.append(label)
    fields = {
        "title": str(front["title"]),
        "summary": str(front.get("summary") or ""),
        "body": body,
        "states": " ".join(" ".join([s["name"], s["iso3"], *(s.get("aliases") or []), *(s.get("former_names") or [])]) for s in named_states),
        "organizations": " ".join(" ".join([o["acronym"], o["name"], *(o.get("aliases") or []), *(o.get("former_names") or [])]) for o in named_orgs),
        "paragraphs": " ".join(paragraph_text),
        "venue": " ".join([str(front.get("city") or ""), host["name"] if host else ""]),
    }
    return NoteWords(path.stem, str(front.get("draft", "false")).lower() in ("true", "yes"), fields,
                     [s["name"] for s in named_states], [str(o["acronym"]) for o in named_orgs], labels)


@functools.cache
def published(notes_dir: Path) -> dict[str, NoteWords]:
    notes = [read_note(p) for p in sorted(notes_dir.rglob("*.md"))]
    return {n.id: n for n in notes if not n.draft}


def having_any(notes: dict[str, NoteWords], *words: str) -> set[str]:
    """Notes holding a word with the stem of one of `words` (lunr's default: any word)."""
    stems = {porter_stemmer.stem(w.lower()) for w in words}
    return {i for i, n in notes.items() if n.stems() & stems}


def having_all(notes: dict[str, NoteWords], *words: str) -> set[str]:
    stems = {porter_stemmer.stem(w.lower()) for w in words}
    return {i for i, n in notes.items() if stems <= n.stems()}


# --- The index is lunr.py's, byte for byte ---------------------------------------------------------

@pytest.mark.parametrize("site_name, notes", [("sample_site", SAMPLE_NOTES), ("site_300", None)])
def test_built_index_is_lunr_py_serialized_index(request, site_name, notes, generated_300):
    site = request.getfixturevalue(site_name)
    documents = search_documents(model_of(notes or generated_300))
    reference = lunr_py_json(documents)
    shipped = compact_index(index_postings(documents))
    assert (site / "search/index.js").read_bytes() == script("SEARCH_INDEX", to_json(shipped))
    assert json.loads(index_text(site)) == shipped  # the script's escapes change no value
    assert to_json(lunr_index_of(site)) == reference  # what the page computes, in Python
    assert index_json(documents) == reference
    assert json.loads(reference)["version"] == shipped["version"] == "2.3.9"  # the lunr.js the page loads
    assert len(documents) == len(published(notes or generated_300)) == shipped["count"]


def test_built_index_is_small(site_300):
    data = (site_300 / "search/index.js").read_bytes()
    count = json.loads(index_text(site_300))["count"]
    assert len(gzip.compress(data, 9)) / count <= 300  # DESIGN's budget: bytes gzipped per note


@pytest.mark.parametrize("numbers", [[], [0], [31, 32, 33], [1023, 1024, 1025, 2 ** 32 - 1, 2 ** 40 + 7],
                                     list(range(3000)), [0] * 50])
def test_numbers_survive_encoding(numbers):
    text = encode_numbers(numbers)
    assert decode_numbers(text) == numbers
    assert not set(text) & set('"\\<>&\'') and text.isascii()  # nothing to escape in JSON or HTML
    with pytest.raises(ValueError):
        decode_numbers(text + "g")  # a number cut short


def test_small_numbers_take_one_character():
    assert [len(encode_numbers([n])) for n in (0, 31, 32, 1023, 1024)] == [1, 1, 2, 2, 3]


def test_postings_are_lunr_py_builders(generated_300):
    # The inverted index and field lengths of lunr.py's Builder itself, term by term.
    documents = search_documents(model_of(generated_300))[:60]
    builder = Builder()
    builder.pipeline.add(possessive_dropper, trimmer, stop_word_filter, lunr_js_stemmer)
    builder.pipeline.skip(stop_word_filter, list(STOP_WORDS_KEPT_IN))
    built = lunr(ref="ref", fields=FIELDS, documents=documents, builder=builder)
    postings = index_postings(documents)
    assert postings.terms == tuple(sorted(built.inverted_index, key=lambda t: built.inverted_index[t]["_index"]))
    for term, docs, tfs in zip(postings.terms, postings.documents, postings.frequencies):
        for field, field_docs, field_tfs in zip(postings.fields, docs, tfs):
            assert [postings.refs[d] for d in field_docs] == list(built.inverted_index[term][field]), term
            assert list(field_tfs) == [builder.field_term_frequencies[f"{field}/{postings.refs[d]}"][term]
                                 for d in field_docs]
    lengths = field_lengths(postings)
    for field, by_doc in zip(postings.fields, lengths):
        assert by_doc == [builder.field_lengths[f"{field}/{ref}"] for ref in postings.refs]


def test_search_is_a_timed_build_step_after_the_model(search_project, tmp_path, capsys):
    build(search_project, tmp_path / "out")
    timings = capsys.readouterr().out.rsplit("[", 1)[1].rstrip().removesuffix("]")
    steps = [re.fullmatch(r"([a-z ]+) [\d.]+s", step)[1] for step in timings.split(", ")]
    # The index is made while the site pages are written: its time is part of theirs.
    assert steps.index("model") < steps.index("search index") == steps.index("site pages and search index") - 1 \
        < steps.index("publish")


def test_a_remembering_counter_gives_the_same_index_and_counts_only_what_changed(generated_300):
    # `serve` keeps one FieldCounter for the session: the index after an edit must be the
    # one a fresh build makes, and only the edited values are counted again.
    documents = search_documents(model_of(generated_300))
    counter = FieldCounter(remember=True)
    assert index_postings(documents, counter=counter) == index_postings(documents)
    edited = [dict(d) for d in documents]
    edited[7]["body"] = edited[7]["body"] + " newly inspected laboratories"
    counted = []
    for terms in (counter.filtered, counter.unfiltered):
        original = terms.count
        terms.count = lambda tokens, original=original: counted.append(tokens) or original(tokens)
    assert index_postings(edited, counter=counter) == index_postings(edited)
    assert counted == [field_tokens(edited[7]["body"])]
    assert len(counter.known) == len({(f["field_name"], d[f["field_name"]]) for d in edited
                                      for f in FIELDS if isinstance(d[f["field_name"]], str)})


EDGE_DOCUMENTS = [
    {"ref": "0", "title": "Export-control?  Questions\u00a0answered", "summary": "", "body": None,
     "states": "Lao People's Democratic Republic LAO Lao PDR Laos", "organizations": "UNODA", "paragraphs": "2663 OP17",
     "venue": "Vientiane, Lao People's Democratic Republic"},
    {"ref": "1", "title": "ΟΔΥΣΣΕΥΣ Σ ς — «Türkiye» naïve café", "summary": "the of and", "body": "Tabs\tand\nlines\x1cand"
     "\u2009thin\u3000spaces, \\backslash \"quotes\" </script><script>alert(1)</script> <!-- u.s. e.g. 1540-related",
     "states": "", "organizations": "", "paragraphs": "PoW-2023 13 2325 Resolution 2325 (2016)", "venue": ""},
    {"ref": "2", "title": "inspections inspection inspected inspecting INSPECTIONS", "summary": "a a a a a",
     "body": "control controls controlled control. control, (control) 'control' control's CONTROL’S "
             "control's? 's x's's", "states": "Japan JPN",
     "organizations": "", "paragraphs": "", "venue": "Tokyo, Japan"},
]


def test_index_matches_lunr_py_on_awkward_text():
    # Separators lunr does and does not split on, Greek final sigma, stop-word-only and
    # empty fields, a field empty in every document, JSON escapes, repeated stems.
    assert index_json(EDGE_DOCUMENTS) == lunr_py_json(EDGE_DOCUMENTS)
    one = [dict(EDGE_DOCUMENTS[1], ref="only")]
    assert index_json(one) == lunr_py_json(one)
    # The same computation with lunr.py's own pipeline gives lunr.py as it comes.
    for documents in (EDGE_DOCUMENTS, one):
        assert index_json(documents, stem=lunr_py_stemmer, stop_words_kept_in=(), possessives=False) == \
            lunr_py_json(documents, as_it_comes=True)


def test_tokens_split_where_lunr_splits():
    # str.split() splits on more white space than lunr does; lunr_tokens knows which.
    lunr_separators = set(SEPARATOR_CHARS)
    others = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c not in lunr_separators]
    assert others == [c for c in map(chr, range(sys.maxunicode + 1)) if _SPLIT_TOO.fullmatch(c)]
    for text in ["a-b c\u2009d\x1ce\u3000f\xa0g", "plain words only", "ÉCOLE\u2028x", "--a--", "", "x\x1dy"]:
        assert lunr_tokens(text) == [str(t) for t in Tokenizer(text)]


def test_empty_archive_gives_a_loadable_index():
    text = index_json([])
    index = Index.load(json.loads(text))
    assert index.search("anything") == []
    assert json.loads(text)["fieldVectors"] == [] and json.loads(text)["invertedIndex"] == []


# --- Documents, refs, determinism ----------------------------------------------------------------

@pytest.mark.parametrize("site_name, notes", [("sample_site", SAMPLE_NOTES), ("site_300", None)])
def test_documents_in_id_order_with_short_refs(request, site_name, notes, generated_300):
    site = request.getfixturevalue(site_name)
    expected_ids = sorted(published(notes or generated_300))
    data = lunr_index_of(site)
    refs = list(dict.fromkeys(ref.split("/", 1)[1] for ref, _ in data["fieldVectors"]))
    assert refs == [str(i) for i in range(len(expected_ids))]
    assert [ref.split("/")[0] for ref, _ in data["fieldVectors"][:len(data["fields"])]] == data["fields"]
    assert data["fields"] == ["title", "summary", "body", "states", "organizations", "paragraphs", "venue"]
    assert [doc[4] for doc in store_of(site)["docs"]] == [f"notes/{i}/" for i in expected_ids]


def test_index_and_store_are_byte_identical_across_builds(tmp_path, search_project, search_site):
    again = build(search_project, tmp_path / "again", "--jobs", "1")
    for path in (INDEX_PATH, STORE_PATH):
        assert (again / path).read_bytes() == (search_site / path).read_bytes(), path


# --- Golden queries: an archive written for them, every answer stated by hand -----------------------

SEARCH_NOTES = {
    "2021/2021-03-01-customs-inspections-mekong.md": note_text(
        "Customs inspections in the Mekong region", "2021-03-01",
        body="## Overview\n\nOfficers described their **inspections** of cargo at the border.\n",
        city="Hanoi", country="Vietnam", states="[Lao PDR, Viet Nam]", organizations="[UNODA]",
        paragraphs="[2663 OP17]", summary="Checks at borders."),
    "2021/2021-04-01-one-inspection-visit.md": note_text(
        "An inspection visit", "2021-04-01", body="One inspection was observed by experts.\n",
        city="Ankara", country="Turkey", states="[Turkey, Norway]", organizations="[OPCW]",
        paragraphs="[1540 OP3]", summary="A visit."),
    "2021/2021-05-01-export-control-questions.md": note_text(
        "Export-control? Questions answered", "2021-05-01",
        body="What is export control? Licensing, brokering and transit were discussed.\n",
        city="Tokyo", country="JPN", states="[Japan]", organizations="[UNODC, WHO]",
        paragraphs='[PoW-2023 13, 2663 OP9]', summary="Frequently asked."),
    "2021/2021-06-01-hostile-text.md": note_text(
        '"</script><script>alert(1)</script>"', "2021-06-01",
        body="</script><script>alert(1)</script> and <img src=x onerror=alert(1)> shown as text.\n",
        states="[Japan]", summary='"<!-- </SCRIPT> -->"'),
    "2021/2021-07-01-draft-inspections.md": note_text(
        "Draft inspections", "2021-07-01", body="Unpublished inspection of Viet Nam.\n",
        states="[Viet Nam]", draft="true"),
    "2021/2021-08-01-whole-resolution.md": note_text(
        "Reporting under the resolution", "2021-08-01",
        body="Reports were reviewed. The Committee's experts read Austria’s report.\n",
        city="Vienna", country="Austria", organizers="[Austria, UNODA]", paragraphs='["2325"]'),
}
NOTE = {name.split("/")[1][11:-3]: name.split("/")[1][:-3] for name in SEARCH_NOTES}
CUSTOMS, ONE, EXPORT, HOSTILE, DRAFT, WHOLE = (NOTE[k] for k in (
    "customs-inspections-mekong", "one-inspection-visit", "export-control-questions", "hostile-text",
    "draft-inspections", "whole-resolution"))
ALL = {CUSTOMS, ONE, EXPORT, HOSTILE, WHOLE}

GOLDEN = [
    # plain words and stems
    ("customs", {CUSTOMS}),
    ("inspections", {CUSTOMS, ONE}),          # 'inspection' too: one stem
    ("inspection", {CUSTOMS, ONE}),
    ("INSPECTIONS", {CUSTOMS, ONE}),
    ("inspect*", {CUSTOMS, ONE}),              # a wildcard, lunr syntax
    ("licensing", {EXPORT}),
    ("license", {EXPORT}),                      # 'licensing': one stem
    ("reports", {WHOLE}),
    # possessive endings: dropped from the words of the notes and of the queries alike
    ("committee", {WHOLE}),                     # the body says "Committee's"
    ("Committee's", {WHOLE}),
    ("COMMITTEE’S?", {WHOLE}),
    ("Austria's", {WHOLE}),                     # a State (host) and "Austria’s" in the body
    ("body:austria", {WHOLE}),                  # "Austria’s", curly apostrophe
    ("Lao People's", {CUSTOMS}),
    ("the", {ONE}),                             # a stop word: only in names ('Organisation for the Prohibition…')
    ("img", {HOSTILE}),
    # aliases, canonical names and ISO codes of States (host and participants)
    ("Vietnam", {CUSTOMS}),
    ("Viet Nam", {CUSTOMS}),
    ("VNM", {CUSTOMS}),
    ("Lao PDR", {CUSTOMS}),
    ("Laos", {CUSTOMS}),
    ("LAO", {CUSTOMS}),
    ("Lao People's Democratic Republic", {CUSTOMS}),
    ("Turkey", {ONE}),
    ("Türkiye", {ONE}),
    ("TUR", {ONE}),
    ("Japan", {EXPORT, HOSTILE}),
    ("Norway", {ONE}),                          # lunr.py stems it 'norwai', lunr.js 'norway'
    ("NOR", {ONE}),                             # a stop word of lunr's, kept in names (STOP_WORDS_KEPT_IN)
    ("Austria", {WHOLE}),                       # a State organizer and host
    # organizations: acronyms, full names, aliases, organizers
    ("UNODA", {CUSTOMS, WHOLE}),
    ("ODA", {CUSTOMS, WHOLE}),
    ("Disarmament", {CUSTOMS, WHOLE}),
    ("OPCW", {ONE}),
    ("Prohibition of Chemical Weapons", {ONE}),
    ("UNODC", {EXPORT}),
    ("WHO", {EXPORT}),                          # a stop word of lunr's, kept in names (STOP_WORDS_KEPT_IN)
    ("World Health", {EXPORT}),
    ("drugs crime", {EXPORT}),
    # paragraphs: labels (2663 OP17 is the words '2663' and 'op17'), whole documents
    ("2663 OP17", {CUSTOMS, EXPORT}),           # any word: EXPORT cites 2663 OP9
    ("+2663 +OP17", {CUSTOMS}),                 # every word: lunr syntax
    ("OP17", {CUSTOMS}),
    ("op3", {ONE}),
    ("PoW-2023 13", {EXPORT}),
    ("2325", {WHOLE}),
    ("Resolution 2325 (2016)", {WHOLE}),
    # venue: city and host country
    ("Hanoi", {CUSTOMS}),
    ("Vienna", {WHOLE}),
    ("Ankara", {ONE}),
    # punctuation is trimmed on the query side as on the index side
    ("export-control?", {EXPORT}),
    ("Export control?", {EXPORT}),
    ('"export control"', {EXPORT}),
    ("(licensing),", {EXPORT}),
    # lunr syntax that parses
    ("title:customs", {CUSTOMS}),
    ("summary:borders", {CUSTOMS}),
    ("body:customs", set()),
    ("states:japan", {EXPORT, HOSTILE}),
    ("organizations:unoda", {CUSTOMS, WHOLE}),
    ("paragraphs:op9", {EXPORT}),
    ("venue:vienna", {WHOLE}),
    ("+inspection -turkey", {CUSTOMS}),
    ("+inspection -norway", {CUSTOMS}),
    ("-inspection", ALL - {CUSTOMS, ONE}),
    # malformed for lunr: a plain search for the words, never an error
    ("inspections:", {CUSTOMS, ONE}),
    ("foo:", set()),
    ("foo:customs", {CUSTOMS}),
    ("inspection~", {CUSTOMS, ONE}),
    ("inspection^", {CUSTOMS, ONE}),
    ("+", set()),
    ("-", set()),
    ("~", set()),
    ('"', set()),
    ("*", set()),
    ("^", set()),
    (":", set()),
    ("\\", set()),
    ("", set()),
]


@pytest.fixture(scope="module")
def search_project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("search") / "p", SEARCH_NOTES)


@pytest.fixture(scope="module")
def search_site(search_project) -> Path:
    return build(search_project, search_project / "public")


def test_golden_queries_are_enough():
    assert len(GOLDEN) >= 30 and len({q for q, _ in GOLDEN}) == len(GOLDEN)


@pytest.mark.parametrize("query, expected", GOLDEN, ids=[repr(q) for q, _ in GOLDEN])
def test_golden_query(search_site, query, expected):
    assert found(search_site, query) == expected


def test_golden_answers_agree_with_the_independent_reading(search_project):
    # The hand-stated answers of plain one-word queries are what the notes' words say.
    notes = published(search_project / "notes")
    assert set(notes) == ALL and DRAFT not in notes
    for query, expected in GOLDEN:
        if re.fullmatch(r"[A-Za-z0-9]+", query) and query.lower() not in STOP_WORDS:
            assert having_any(notes, query) == expected, query


MALFORMED = [  # queries lunr's parser refuses, and the words of each, stated by hand
    ("foo:", ["foo"]), ("+", []), ("-", []), ("~", []), ("^", []), ("+-", []), ("title:", ["title"]),
    ("inspection~", ["inspection"]), ("inspection^", ["inspection"]), ("foo:customs", ["foo", "customs"]),
    ("Japan:", ["japan"]),
]


def test_malformed_answers_are_neither_nothing_nor_everything(search_project):
    # So that a fallback finding nothing, or every note, fails the test below.
    notes = published(search_project / "notes")
    answers = [having_any(notes, *words) for _, words in MALFORMED]
    assert set() in answers and sum(0 < len(a) < len(notes) for a in answers) >= 3


@pytest.mark.parametrize("query, words", MALFORMED, ids=[repr(q) for q, _ in MALFORMED])
def test_lunr_refuses_what_the_fallback_answers(search_site, search_project, query, words):
    # lunr.py refuses the query; the page's fallback, a plain search for its words, finds
    # the notes holding one of them, worked out from the notes' files: what the words
    # typed plainly find.
    index, _ = _loaded(search_site)
    with pytest.raises(QueryParseError):
        index.search(query)
    expected = having_any(published(search_project / "notes"), *words)
    assert found(search_site, query) == expected
    assert found(search_site, " ".join(words)) == expected


@pytest.mark.parametrize("query, words", [
    ("foo:", "foo"), ("+", ""), ("-", ""), ("~", ""), ('"', ""), ("*", ""), ("^", ""),
    ("export-control?", "export control"), ("Lao PDR", "lao pdr"), ("+2663 -OP17", "2663 op17"),
    ("inspection~2 title:x^3", "inspection 2 title x 3"), ('"Viet Nam"', "viet nam"),
    ("a\\b", "a\\\\b"), ("«Türkiye»", "türkiye"), ("u.s.", "u.s."), ("  ", ""),
    ("Norway's", "norway"), ("COMMITTEE’S?", "committee"), ("States'", "states"), ("'s", "s"),
])
def test_plain_query(query, words):
    assert plain_query(query) == words
    Index.load(json.loads(index_json(EDGE_DOCUMENTS))).search(plain_query(query) or "x")


# --- Golden queries on the sample archive and the 300-note archive, answers worked out ----------------

def _sample_cases():
    n = published(SAMPLE_NOTES)
    return [
        ("Vientiane", having_any(n, "vientiane")), ("Tokyo", having_any(n, "tokyo")),
        ("Lao PDR", having_any(n, "lao", "pdr")), ("Laos", having_any(n, "laos")),
        ("LAO", having_any(n, "lao")), ("Vietnam", having_any(n, "vietnam")),
        ("VNM", having_any(n, "vnm")), ("2663 OP17", having_any(n, "2663", "op17")),
        ("PoW-2023 13", having_any(n, "pow", "2023", "13")), ("Stimson", having_any(n, "stimson")),
        ("round-tables", having_any(n, "round", "table")), ("+CBRN +plans", having_all(n, "cbrn", "plans")),
        ("experts?", having_any(n, "expert")), ("United Nations University", having_any(n, "united", "nations", "university")),
    ]


def test_sample_golden_queries(sample_site):
    cases = _sample_cases()
    assert {q for q, e in cases if e} >= {"Vientiane", "Tokyo", "Lao PDR", "Vietnam", "2663 OP17", "Stimson"}
    notes = published(SAMPLE_NOTES)
    assert having_any(notes, "vientiane") != set(notes)  # the words tell the notes apart
    for query, expected in cases:
        assert found(sample_site, query) == expected, query


def _cases_300(n: dict[str, NoteWords]):
    naming = lambda state: {i for i, x in n.items() if state in x.states}  # noqa: E731
    citing = lambda label: {i for i, x in n.items() if label in x.paragraphs}  # noqa: E731
    return [
        # words, stems (the bodies draw on a small vocabulary: titles tell notes apart)
        ("biosecurity", having_any(n, "biosecurity")),
        ("seminars", having_any(n, "seminar")),
        ("briefings", having_any(n, "briefing")),
        ("conferences", having_any(n, "conference")),
        ("parliamentary", having_any(n, "parliamentary")),
        # States by alias, code and name, as named in front matter
        ("Vietnam", naming("Viet Nam")),
        ("VNM", naming("Viet Nam")),
        ("Lao PDR", having_any(n, "lao", "pdr")),
        ("LAO", naming("Lao People's Democratic Republic")),
        ("Turkey", naming("Türkiye")),
        ("states:japan", naming("Japan")),
        # organizations
        ("UNODA", having_any(n, "unoda")),
        ("organizations:opcw", {i for i, x in n.items() if "OPCW" in x.orgs}),
        # paragraphs
        ("2663 OP17", having_any(n, "2663", "op17")),
        ("+2663 +op17", having_all(n, "2663", "op17")),
        ("paragraphs:op17", {i for i, x in n.items() if any(p.endswith(" OP17") for p in x.paragraphs)}),
        ("+1540 +op3", having_all(n, "1540", "op3")),
        # venue
        ("venue:vienna", {i for i, x in n.items() if x.fields["venue"].startswith("Vienna ")}),
        # punctuation and malformed
        ("Maritime-Biosecurity?", having_any(n, "maritime", "biosecurity")),
        ("(parliamentary),", having_any(n, "parliamentary")),
        ("seminars:", having_any(n, "seminar")),
        ("+seminar -biosecurity", having_any(n, "seminar") - having_any(n, "biosecurity")),
        ("+", set()),
    ], naming, citing


def test_300_golden_queries(site_300, generated_300):
    notes = published(generated_300)
    cases, naming, citing = _cases_300(notes)
    # The answers are not trivial: some notes, not all.
    for query, expected in cases[:-1]:
        assert 0 < len(expected) < len(notes), query
    # 'paragraphs:op17' and '+2663 +op17' include the notes citing 2663 OP17.
    assert citing("2663 OP17") <= dict(cases)["+2663 +op17"]
    for query, expected in cases:
        assert found(site_300, query) == expected, query


# --- lunr.js's stemmer, for an index that lunr.js searches exactly ------------------------------

def _words_to_stem() -> list[str]:
    words = {"turkey", "norway", "paraguay", "uruguay", "pays", "try", "lay", "yelling", "y", "yy", "yes",
             "crying", "sky", "skies", "happy", "ponies", "caresses", "agreed", "feed", "hopping", "filing",
             "generalization", "relational", "hopefulness", "electricity", "adjustment", "controll",
             "\u2028ss", "😀y", "ü\U0001F600es", "nation's", "u.s.", "op17", "2663"}
    for path in [*(ROOT / "data").glob("*.yaml"), *sorted(SAMPLE_NOTES.rglob("*.md")), ROOT / "README.md"]:
        words.update(lunr_tokens(path.read_text(encoding="utf-8")))
    return sorted(words)


def test_lunr_js_stemmer_is_lunr_js():
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to compare with lunr.js: the README's set-up installs it")
    words = _words_to_stem()
    script = ("const lunr = require(process.argv[1]);"
              "const words = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(words.map(w => lunr.stemmer(new lunr.Token(w)).toString())));")
    run = subprocess.run([node, "-e", script, str(ROOT / "node_modules/lunr/lunr.js")], input=json.dumps(words),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert [porter_js(w) for w in words] == json.loads(run.stdout)
    assert len(words) > 2000
    # Where lunr.py and lunr.js part: the reason for lunr_js_stemmer.
    assert (porter_stemmer.stem("norway"), porter_js("norway")) == ("norwai", "norway")


def test_index_of_lunr_py_as_it_comes_differs_only_where_expected(search_project):
    # lunr.py's defaults would stem 'norway' as 'norwai' (lunr.js: 'norway') and drop the
    # codes NOR and WHO: the reasons for STEMMER and STOP_WORDS_KEPT_IN.
    documents = search_documents(model_of(search_project / "notes"))
    plain = lunr_py_json(documents, as_it_comes=True)
    ours = index_json(documents)
    assert '"norwai"' in plain and '"who"' not in plain
    assert '"norway"' in ours and '"norwai"' not in ours and '"who"' in ours and '"nor"' in ours


# --- The store ----------------------------------------------------------------------------------

def _check_store(site: Path, notes_dir: Path):
    notes = published(notes_dir)
    ids = sorted(notes)
    store = store_of(site)
    assert set(store) == {"docs", "states", "organizations", "paragraphs"}
    assert len(store["docs"]) == len(ids)
    for name in ("states", "organizations", "paragraphs"):
        entries = store[name]
        assert all(isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in entries)
        assert len({slug for _, slug in entries}) == len(entries), f"{name}: a slug twice"
    index, _ = _loaded(site)
    for position, (note_id, doc) in enumerate(zip(ids, store["docs"])):
        note = notes[note_id]
        assert len(doc) == len(DOC_SHAPE), doc
        record = dict(zip(DOC_SHAPE, doc))
        assert record["path"] == f"notes/{note_id}/"
        assert record["title"] == note.fields["title"]
        assert " ".join(record["summary"].split()) == " ".join(note.fields["summary"].split())
        date = dt.date.fromisoformat(record["date"])
        assert record["date"] == note_id[:10] and record["year"] == date.year
        assert record["end"] is None or dt.date.fromisoformat(record["end"]) > date
        assert isinstance(record["venue"], str) and isinstance(record["text"], str)
        assert len(record["text"]) <= SNIPPET_CHARS
        for name, key, labels in (("states", "states", note.states), ("organizations", "organizations", note.orgs),
                                  ("paragraphs", "paragraphs", note.paragraphs)):
            positions = record[key]
            assert positions == sorted(set(positions)) and all(0 <= p < len(store[name]) for p in positions)
            assert sorted(store[name][p][0] for p in positions) == sorted(set(labels)), (note_id, name)
        # ref = position: the note's own title vector is "title/<position>"
        assert f"title/{position}" in index.field_vectors
    # Every listed State, organization and paragraph is named by some note.
    for name in ("states", "organizations", "paragraphs"):
        used = {p for doc in store["docs"] for p in doc[DOC_SHAPE.index(name)]}
        assert used == set(range(len(store[name]))), name
    return store


@pytest.mark.parametrize("site_name, notes", [("sample_site", SAMPLE_NOTES), ("site_300", None)])
def test_store_shape(request, site_name, notes, generated_300):
    store = _check_store(request.getfixturevalue(site_name), notes or generated_300)
    labels = [label for label, _ in store["states"]]
    assert labels == sorted(labels, key=lambda s: fold(s)), "States sorted by name"


def test_store_of_the_search_archive(search_site, search_project):
    store = _check_store(search_site, search_project / "notes")
    docs = {doc[4]: dict(zip(DOC_SHAPE, doc)) for doc in store["docs"]}
    customs = docs[f"notes/{CUSTOMS}/"]
    assert customs["venue"] == "Hanoi, Viet Nam" and customs["end"] is None and customs["year"] == 2021
    assert [store["states"][i] for i in customs["states"]] == [
        ["Lao People's Democratic Republic", "lao-peoples-democratic-republic"], ["Viet Nam", "viet-nam"]]
    assert [store["paragraphs"][i] for i in customs["paragraphs"]] == [["2663 OP17", "2663-17"]]
    assert [store["paragraphs"][i][0] for i in docs[f"notes/{WHOLE}/"]["paragraphs"]] == ["2325"]
    assert [store["organizations"][i][0] for i in docs[f"notes/{WHOLE}/"]["organizations"]] == ["UNODA"]
    assert customs["text"] == "Overview Officers described their inspections of cargo at the border."
    assert f"notes/{DRAFT}/" not in docs


def test_snippet_text_is_cut_at_a_word():
    words = " ".join(f"word{i}" for i in range(200))
    cut = snippet_text(words)
    assert len(cut) <= SNIPPET_CHARS and words.startswith(cut) and words[len(cut)] == " "
    assert snippet_text("short text") == "short text"
    assert snippet_text("x" * 500) == "x" * SNIPPET_CHARS


def test_plain_text_of_rendered_bodies():
    assert plain_text("<h2>Overview</h2>\n<p>The <strong>UNODA</strong>&#x27;s <em>plan</em> &amp; "
                             "<a href=\"x\">link</a>.</p><ul>\n<li>one</li><li>two</li></ul>") == \
        "Overview The UNODA's plan & link. one two"


# --- No note text can end a script element ------------------------------------------------------

def test_hostile_text_stays_data(search_site):
    for path in (INDEX_PATH, STORE_PATH):
        data = (search_site / path).read_bytes()
        assert b"</script" not in data.lower() and b"<!--" not in data, path
        assert data.startswith(b"window.SEARCH_") and data.endswith(b";\n") and data.count(b"\n") == 1
    docs = {doc[4]: doc for doc in store_of(search_site)["docs"]}
    hostile = docs[f"notes/{HOSTILE}/"]
    assert hostile[0] == "</script><script>alert(1)</script>"
    assert hostile[5] == "<!-- </SCRIPT> -->"
    assert hostile[6].startswith("</script><script>alert(1)</script> and <img src=x onerror=alert(1)>")
    terms = set(json.loads(index_text(search_site))["terms"])
    assert any("</script>" in term for term in terms)  # the escaped text is still the word
