/* The search page: full-text search with lunr.js, narrowed by State, organization,
 * paragraph and year.
 *
 * Everything comes from classic scripts loaded before this one, so that the page works
 * over http:// and from file:// alike (no fetch, no modules, no workers):
 *   assets/lunr.min.js  lunr.js 2.3.9 (window.lunr)
 *   search/index.js     window.SEARCH_INDEX, the postings of a lunr index, from which
 *                       the lunr index is computed here (see "The index" below); refs
 *                       are positions ("0", "1", ...) into the store's docs
 *   search/store.js     window.SEARCH_STORE = {docs: [[title, date, end, venue, path,
 *                       summary, text, year, [state], [organization], [paragraph]]...],
 *                       states: [[label, slug]...], organizations: [...], paragraphs: [...]}
 *
 * The query and the chosen facets live in the URL (?q=...&state=slug&year=2018), so a
 * search can be linked and the back button works. Note strings are only ever inserted as
 * text (textContent, createTextNode), never as HTML.
 */
(function () {
  "use strict";

  var DOC = {title: 0, date: 1, end: 2, venue: 3, path: 4, summary: 5, text: 6, year: 7};
  var FACETS = [
    {key: "state", legend: "State", plural: "States", list: "states", field: 8},
    {key: "organization", legend: "Organization", plural: "organizations", list: "organizations", field: 9},
    {key: "paragraph", legend: "Paragraph", plural: "paragraphs", list: "paragraphs", field: 10},
    {key: "year", legend: "Year", plural: "years", list: null, field: DOC.year}
  ];
  var PAGE_SIZE = 50;        // results shown at first, and added by "Show more"
  var FACET_SIZE = 8;        // facet values shown before "Show all"
  var DEBOUNCE_MS = 150;
  var SNIPPET_BEFORE = 12;   // words of context before the first match
  var SNIPPET_WORDS = 36;    // words in a snippet at most
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];

  // What the index does to words (lunr.py's tokenizer and trimmer), done to the query and
  // to the snippets too: split on white space and hyphens, trim punctuation at both ends.
  var SEPARATOR = /[ \t\n\r\f\v\u00a0-]+/g;
  var WORD_CHAR, TRIM, TRIM_WILDCARD, POSSESSIVE;
  try {
    WORD_CHAR = new RegExp("[\\p{L}\\p{N}_]", "u");
    POSSESSIVE = new RegExp("([\\p{L}\\p{N}_])['\u2019][sS](?![\\p{L}\\p{N}_])", "gu");
    TRIM = new RegExp("^[^\\p{L}\\p{N}_]*?([\\p{L}\\p{N}_]+)[^\\p{L}\\p{N}_]*?$", "u");
    TRIM_WILDCARD = new RegExp("^[^\\p{L}\\p{N}_*]*?([\\p{L}\\p{N}_*]+)[^\\p{L}\\p{N}_*]*?$", "u");
  } catch (error) {  // a browser without Unicode property escapes
    WORD_CHAR = /\w/;
    POSSESSIVE = /(\w)['\u2019][sS](?!\w)/g;
    TRIM = /^\W*?(\w+)\W*?$/;
    TRIM_WILDCARD = /^[^\w*]*?([\w*]+)[^\w*]*?$/;
  }
  var LUNR_SPECIAL = /[:+\-~^*"]/g;

  var els = {};
  var index = null;
  var store = null;
  var slugs = {};        // facet key -> {slug: position in its list}
  var yearValues = [];   // the years that have notes, newest first
  var state = {q: "", chosen: emptyChoice()};
  var shown = PAGE_SIZE;
  var expanded = {};     // facet key -> showing all values
  var current = [];      // the current results: [{doc: position, match: lunr's matchData or null}]
  var timer = null;
  var stems = {};

  function emptyChoice() {
    var chosen = {};
    FACETS.forEach(function (facet) { chosen[facet.key] = []; });
    return chosen;
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function plural(count, one, many) {
    return count.toLocaleString("en") + " " + (count === 1 ? one : many);
  }

  // --- The index -----------------------------------------------------------------------
  //
  // search/index.js holds the postings of lunr's index in the "postings-1" format, which
  // infonotes/search/index_format.py describes (every key, and the digits of the number
  // strings): every term in lunr's `_index` order, and for each term and field the
  // documents that hold it with the term's frequency in each. lunr's serialized
  // index is computed from them here exactly as lunr's Builder computes it (lunr.py's,
  // whose index the build's tests compare this one with, value for value), then loaded
  // by lunr.Index.load: lunr.js searches the very index lunr.py would have built.

  var INDEX_FORMAT = "postings-1";
  var FINAL_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
  var MORE_DIGITS = "ghijklmnopqrstuvwxyz0123456789+/";
  var K1 = 1.2;              // lunr's Builder defaults
  var B = 0.75;
  var NO_METADATA = {};      // what lunr keeps per document and term: nothing (no metadata
                             // whitelist); lunr only ever reads it, so one object serves all

  /* The numbers of one of the digit strings of search/index.js (their encoding:
     infonotes/search/index_format.py). */
  function decodeNumbers(text) {
    var digit = new Int8Array(128).fill(-1);
    for (var d = 0; d < 32; d++) {
      digit[FINAL_DIGITS.charCodeAt(d)] = d;
      digit[MORE_DIGITS.charCodeAt(d)] = 32 + d;
    }
    var out = new Uint32Array(text.length), count = 0, value = 0, pending = false;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i), v = code < 128 ? digit[code] : -1;
      if (v < 0) throw new Error("the search index is damaged");
      if (v < 32) {
        out[count++] = value * 32 + v;
        value = 0;
        pending = false;
      } else {
        value = value * 32 + v - 32;
        pending = true;
      }
    }
    if (pending) throw new Error("the search index is damaged");
    return out.subarray(0, count);
  }

  /* Python's round(x, 3), which lunr.py's Builder applies to every score: the float
     nearest to x rounded to 3 decimals, exactly, and an exact tie to even. lunr.js's
     Math.round(x * 1000) / 1000 is the same but for x within a hair of a tie. (`| 0`
     rather than Math.floor: a million calls of Math.* cost V8 a tenth of a second here;
     for scores, positive and far below 2^31 / 1000, it is the same.) */
  function roundScore(x) {
    var scaled = x * 1000, below = scaled | 0, fraction = scaled - below;
    if (fraction < 0.499999 && fraction >= 0) return below / 1000;
    if (fraction > 0.500001 && fraction < 1) return (below + 1) / 1000;
    return roundNearTie(x);  // a hair from a tie (or not a score at all)
  }

  /* x * 1000 is a hair from k + 0.5: toFixed, exact by the standard, decides, except at
     an exact tie, where it rounds up and Python to even. Only an odd number of
     sixteenths is exactly halfway between two thousandths (x = n / 2000 with n odd is a
     binary fraction only if 125 divides n). */
  function roundNearTie(x) {
    var sixteenths = x * 16, below = Math.floor(x * 1000);
    if (sixteenths === Math.floor(sixteenths) && sixteenths % 2 === 1) {
      return (below % 2 === 0 ? below : below + 1) / 1000;
    }
    return parseFloat(x.toFixed(3));
  }

  /* The three lists of numbers of search/index.js, decoded. */
  function readNumbers(data) {
    var numbers = {counts: decodeNumbers(data.counts), gaps: decodeNumbers(data.gaps),
                   frequencies: decodeNumbers(data.frequencies)};
    if (numbers.gaps.length !== numbers.frequencies.length) throw new Error("the search index is damaged");
    return numbers;
  }

  /* Walk the postings: visit(term, field, document, tf) for each, terms in `_index`
     order, then fields, then documents ascending. */
  function eachPosting(data, numbers, visit) {
    var counts = numbers.counts, gaps = numbers.gaps, frequencies = numbers.frequencies;
    var fieldCount = data.fields.length, c = 0, g = 0;
    for (var term = 0; term < data.terms.length; term++) {
      for (var field = 0; field < fieldCount; field++) {
        var doc = -1;
        for (var left = counts[c++]; left > 0; left--, g++) {
          doc += gaps[g] + 1;
          visit(term, field, doc, frequencies[g] + 1);
        }
      }
    }
    if (c !== counts.length || g !== gaps.length) {
      throw new Error("the search index is damaged");
    }
  }

  /* lunr's posting of the term `index`: {field: {ref: metadata, ...}, ..., _index: index}.
     Each field's object of documents is made by documentsOf(index, field) when first read
     (by a query, or by toJSON), then kept: a search reads the postings of a few terms,
     and making every term's at once would be half the work of loading the index. */
  function lazyPosting(fields, index, documentsOf) {
    var posting = {};
    fields.forEach(function (name, field) {
      Object.defineProperty(posting, name, {enumerable: true, configurable: true, get: function () {
        var docs = documentsOf(index, field);
        Object.defineProperty(posting, name, {value: docs, enumerable: true, configurable: true, writable: true});
        return docs;
      }});
    });
    posting._index = index;
    return posting;
  }

  /* The serialized lunr index (lunr.py's Index.serialize(), value for value) of the
     data of search/index.js. */
  function lunrIndexData(data) {
    if (!data || data.format !== INDEX_FORMAT) throw new Error("the search index has an unknown format");
    var fields = data.fields, fieldCount = fields.length, count = data.count;
    var refs = data.refs || Array.from({length: count}, function (_, doc) { return String(doc); });
    var numbers = readNumbers(data);

    // A field's length in a document is the sum of its terms' frequencies; a term's idf
    // depends on how many (field, document) pairs hold it.
    var lengths = new Float64Array(fieldCount * count), averages = new Float64Array(fieldCount);
    var withTerm = new Uint32Array(data.terms.length);
    eachPosting(data, numbers, function (term, field, doc, tf) {
      lengths[doc * fieldCount + field] += tf;
      averages[field] += tf;
      withTerm[term] += 1;
    });
    for (var f = 0; f < fieldCount; f++) averages[f] /= count;
    var idfs = {};  // how many pairs hold a term -> lunr.py's idf (Math.log is not Python's)
    data.idf.forEach(function (pair) { idfs[pair[0]] = pair[1]; });

    // The documents of term t in field f are numbers.gaps[starts[t * fieldCount + f]...]
    // up to the next term's or field's start.
    var starts = new Uint32Array(numbers.counts.length + 1);
    for (var s = 0; s < numbers.counts.length; s++) starts[s + 1] = starts[s] + numbers.counts[s];
    function documentsOf(term, field) {
      var docs = {}, doc = -1, gaps = numbers.gaps;
      for (var g = starts[term * fieldCount + field], end = starts[term * fieldCount + field + 1]; g < end; g++) {
        doc += gaps[g] + 1;
        docs[refs[doc]] = NO_METADATA;
      }
      return docs;
    }
    var postings = data.terms.map(function (term, index) {
      return [term, lazyPosting(fields, index, documentsOf)];
    });

    var vectors = [];
    for (var v = 0; v < fieldCount * count; v++) vectors.push([]);
    eachPosting(data, numbers, function (term, field, doc, tf) {
      var score = idfs[withTerm[term]] * ((K1 + 1) * tf)
        / (K1 * (1 - B + B * (lengths[doc * fieldCount + field] / averages[field])) + tf);
      score *= data.boosts[field];  // and by the document's boost, 1
      vectors[doc * fieldCount + field].push(term, roundScore(score));  // terms come in _index order
    });

    var fieldVectors = [];
    for (var d = 0; d < count; d++) {
      for (var k = 0; k < fieldCount; k++) fieldVectors.push([fields[k] + "/" + refs[d], vectors[d * fieldCount + k]]);
    }
    postings.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });  // lunr.Index.load wants them so
    return {version: data.version, fields: fields, fieldVectors: fieldVectors, invertedIndex: postings,
            pipeline: ["stemmer"]};
  }

  // --- Start ---------------------------------------------------------------------------

  function init() {
    ["search", "search-form", "search-q", "search-status", "search-nojs", "search-facets",
     "search-facet-groups", "search-results", "search-more", "search-more-wrap"].forEach(function (id) {
      els[id.replace(/^search-?/, "") || "root"] = document.getElementById(id);
    });
    if (!els.root || !els.q) return;
    if (!window.lunr || !window.SEARCH_INDEX || !window.SEARCH_STORE) {
      fail("The search index could not be loaded, so search is not available right now.");
      return;
    }
    try {
      mark("search-index-start");
      var serialized = lunrIndexData(window.SEARCH_INDEX);
      mark("search-index-computed");
      index = window.lunr.Index.load(serialized);
      window.SEARCH_LUNR.index = index;
      mark("search-index-end");
      measure("search-index-compute", "search-index-start", "search-index-computed");
      measure("search-index-load", "search-index-start", "search-index-end");
      store = window.SEARCH_STORE;
      prepareFacets();
    } catch (error) {
      fail("The search index could not be read, so search is not available right now.");
      return;
    }
    els.nojs.hidden = true;
    els.root.hidden = false;
    els.root.setAttribute("data-state", "ready");

    els.q.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { update(els.q.value, "replace"); }, DEBOUNCE_MS);
    });
    els.form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      update(els.q.value, "push");
    });
    els["facet-groups"].addEventListener("change", onFacetChange);
    els["facet-groups"].addEventListener("click", onFacetClick);
    els.more.addEventListener("click", showMore);
    window.addEventListener("popstate", function () { readUrl(); run(); });

    readUrl();
    run();
    mark("search-ready");
  }

  function fail(message) {
    if (els.status) els.status.textContent = message;
    if (els.root) els.root.setAttribute("data-state", "error");
  }

  function mark(name) {
    try { window.performance.mark(name); } catch (error) { /* timing is optional */ }
  }

  function measure(name, start, end) {
    try { window.performance.measure(name, start, end); } catch (error) { /* optional */ }
  }

  function prepareFacets() {
    FACETS.forEach(function (facet) {
      var map = {};
      if (facet.list) {
        (store[facet.list] || []).forEach(function (entry, position) { map[entry[1]] = position; });
      }
      slugs[facet.key] = map;
    });
    var years = {};
    store.docs.forEach(function (doc) { years[String(doc[DOC.year])] = true; });
    yearValues = Object.keys(years).sort().reverse();
    yearValues.forEach(function (year) { slugs.year[year] = year; });
  }

  // --- The URL -------------------------------------------------------------------------

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    state.q = params.get("q") || "";
    state.chosen = emptyChoice();
    FACETS.forEach(function (facet) {
      params.getAll(facet.key).forEach(function (slug) {
        if (Object.prototype.hasOwnProperty.call(slugs[facet.key], slug)
            && state.chosen[facet.key].indexOf(slug) < 0) {
          state.chosen[facet.key].push(slug);
        }
      });
    });
    if (els.q.value !== state.q) els.q.value = state.q;
    shown = PAGE_SIZE;
  }

  function urlSearch() {
    var params = new URLSearchParams();
    if (state.q.trim()) params.append("q", state.q);
    FACETS.forEach(function (facet) {
      state.chosen[facet.key].forEach(function (slug) { params.append(facet.key, slug); });
    });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function writeUrl(how) {
    var search = urlSearch();
    if (search === window.location.search) return;
    var url = window.location.pathname + search;
    try {
      if (how === "push") window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
    } catch (error) { /* a browser that refuses: the results still show */ }
  }

  function update(q, how) {
    state.q = q;
    shown = PAGE_SIZE;
    writeUrl(how);
    run();
  }

  // --- Searching -----------------------------------------------------------------------

  /* A word as the index has its words (tidy_word in tests/lunr_reference.py): without its
     possessive ending ("Norway's"), trimmed of punctuation at both ends. */
  function tidy(term, wildcard) {
    if (!WORD_CHAR.test(term)) return "";
    term = term.replace(POSSESSIVE, "$1");
    var found = (wildcard ? TRIM_WILDCARD : TRIM).exec(term);
    return found ? found[1] : term;
  }

  /* The hits for a query: lunr's query syntax when it parses, with the words trimmed of
     punctuation as the index's words are; otherwise a plain search for the words. */
  function search(q) {
    var parsed = null;
    try {
      parsed = index.query(function (query) {
        new window.lunr.QueryParser(q, query).parse();
        query.clauses = query.clauses.filter(function (clause) {
          var wildcard = clause.term.indexOf("*") >= 0;
          clause.term = tidy(clause.term, wildcard);
          return clause.term !== "";
        });
        if (!query.clauses.length) throw new Error("no words");
      });
    } catch (error) {
      parsed = null;
    }
    return parsed || plainSearch(q);
  }

  function plainSearch(q) {
    var words = q.replace(LUNR_SPECIAL, " ").toLowerCase().split(/\s+/)
      .map(function (word) { return tidy(word, false); })
      .filter(function (word) { return word !== ""; });
    if (!words.length) return [];
    try {
      return index.query(function (query) {
        words.forEach(function (word) { query.term(word); });
      });
    } catch (error) {
      return [];
    }
  }

  function hasChoice() {
    return FACETS.some(function (facet) { return state.chosen[facet.key].length > 0; });
  }

  function keeps(doc) {
    return FACETS.every(function (facet) {
      var chosen = state.chosen[facet.key];
      if (!chosen.length) return true;
      if (!facet.list) return chosen.indexOf(String(doc[facet.field])) >= 0;
      var have = doc[facet.field] || [];
      return chosen.every(function (slug) { return have.indexOf(slugs[facet.key][slug]) >= 0; });
    });
  }

  function newestFirst(a, b) {
    var da = store.docs[a.doc][DOC.date], db = store.docs[b.doc][DOC.date];
    if (da !== db) return da < db ? 1 : -1;
    return b.doc - a.doc;
  }

  function run() {
    mark("search-run-start");
    var q = state.q.trim();
    var found;
    if (q) {
      found = search(q).map(function (hit) {
        return {doc: parseInt(hit.ref, 10), match: hit.matchData};
      });
    } else if (hasChoice()) {
      found = store.docs.map(function (doc, position) { return {doc: position, match: null}; });
    } else {
      found = null;  // nothing asked yet
    }
    if (found) {
      found = found.filter(function (hit) { return store.docs[hit.doc] && keeps(store.docs[hit.doc]); });
      if (!q) found.sort(newestFirst);
    }
    current = found || [];
    renderStatus(q, found);
    renderFacets(found);
    renderResults(0);
    els.root.setAttribute("data-q", state.q);
    els.root.setAttribute("data-count", found ? String(found.length) : "");
    measure("search-run", "search-run-start");  // a search, as the reader waits for it
  }

  // --- Showing -------------------------------------------------------------------------

  function choiceLabels() {
    var labels = [];
    FACETS.forEach(function (facet) {
      state.chosen[facet.key].forEach(function (slug) { labels.push(labelOf(facet, slug)); });
    });
    return labels;
  }

  function labelOf(facet, slug) {
    if (!facet.list) return slug;
    return store[facet.list][slugs[facet.key][slug]][0];
  }

  function renderStatus(q, found) {
    var text;
    var filters = choiceLabels();
    var within = filters.length ? " (filtered by " + filters.join(", ") + ")" : "";
    if (!found) {
      text = "Type words to search " + plural(store.docs.length, "note", "notes")
        + ", or choose a State, organization, paragraph or year.";
    } else if (found.length === 0) {
      text = (q ? "No notes match \u201c" + q + "\u201d" : "No notes") + within + ". "
        + (filters.length ? "Try removing a filter." : "Try other or fewer words.");
    } else if (q) {
      text = plural(found.length, "note matches", "notes match") + " \u201c" + q + "\u201d" + within + ".";
    } else {
      text = plural(found.length, "note", "notes") + within + ", newest first.";
    }
    els.status.textContent = text;
  }

  function renderFacets(found) {
    var groups = els["facet-groups"];
    var focused = document.activeElement && groups.contains(document.activeElement)
      ? document.activeElement.id : null;
    var docs = found ? found.map(function (hit) { return store.docs[hit.doc]; }) : store.docs;
    while (groups.firstChild) groups.removeChild(groups.firstChild);
    var any = false;
    if (hasChoice()) {
      var clear = el("button", {type: "button", id: "search-clear", "class": "search-clear"}, "Clear all filters");
      groups.appendChild(clear);
    }
    FACETS.forEach(function (facet) {
      var entries = [];
      if (facet.list) {
        var list = store[facet.list] || [];
        var counts = new Array(list.length).fill(0);
        for (var d = 0; d < docs.length; d++) {
          var values = docs[d][facet.field] || [];
          for (var i = 0; i < values.length; i++) counts[values[i]] += 1;
        }
        for (var k = 0; k < counts.length; k++) {
          if (counts[k]) entries.push({slug: list[k][1], label: list[k][0], count: counts[k], order: k});
        }
      } else {
        var byYear = {};
        docs.forEach(function (doc) { var y = String(doc[facet.field]); byYear[y] = (byYear[y] || 0) + 1; });
        entries = Object.keys(byYear).map(function (y) { return {slug: y, label: y, count: byYear[y]}; });
      }
      state.chosen[facet.key].forEach(function (slug) {
        if (!entries.some(function (entry) { return entry.slug === slug; })) {
          entries.push({slug: slug, label: labelOf(facet, slug), count: 0,
                        order: facet.list ? slugs[facet.key][slug] : 0});
        }
      });
      if (!entries.length) return;
      entries.sort(facet.list
        ? function (a, b) { return b.count - a.count || a.order - b.order; }  // the store lists by label
        : function (a, b) { return a.slug < b.slug ? 1 : a.slug > b.slug ? -1 : 0; });
      any = true;
      groups.appendChild(facetGroup(facet, entries));
    });
    els.facets.hidden = !any;
    if (focused) {
      var again = document.getElementById(focused);
      if (again) again.focus();
      else els.q.focus();
    }
  }

  function facetGroup(facet, entries) {
    var id = "facet-" + facet.key;
    var group = el("fieldset", {"class": "facet", id: id});
    group.appendChild(el("legend", {}, facet.legend));
    var list = el("ul", {"class": "facet-values", id: id + "-values"});
    var chosen = state.chosen[facet.key];
    var all = expanded[facet.key] || entries.length <= FACET_SIZE + 2;
    entries.forEach(function (entry, position) {
      var isChosen = chosen.indexOf(entry.slug) >= 0;
      if (!all && position >= FACET_SIZE && !isChosen) return;
      var item = el("li");
      var boxId = id + "-" + entry.slug;
      var box = el("input", {type: "checkbox", id: boxId, "data-facet": facet.key, value: entry.slug});
      box.checked = isChosen;
      var label = el("label", {"for": boxId}, entry.label + " ");
      label.appendChild(el("span", {"class": "count"}, "(" + entry.count.toLocaleString("en") + ")"));
      item.appendChild(box);
      item.appendChild(label);
      list.appendChild(item);
    });
    group.appendChild(list);
    if (entries.length > FACET_SIZE + 2) {
      group.appendChild(el("button", {
        type: "button", "class": "facet-more", id: id + "-more", "data-facet": facet.key,
        "aria-expanded": expanded[facet.key] ? "true" : "false", "aria-controls": id + "-values"
      }, expanded[facet.key] ? "Show fewer " + facet.plural
                             : "Show all " + entries.length.toLocaleString("en") + " " + facet.plural));
    }
    return group;
  }

  function onFacetChange(event) {
    var box = event.target;
    var key = box.getAttribute("data-facet");
    if (!key || box.type !== "checkbox") return;
    var chosen = state.chosen[key];
    var at = chosen.indexOf(box.value);
    if (box.checked && at < 0) chosen.push(box.value);
    if (!box.checked && at >= 0) chosen.splice(at, 1);
    update(els.q.value, "push");
  }

  function onFacetClick(event) {
    var target = event.target;
    if (target.id === "search-clear") {
      state.chosen = emptyChoice();
      update(els.q.value, "push");
      els.q.focus();
    } else if (target.classList.contains("facet-more")) {
      var key = target.getAttribute("data-facet");
      expanded[key] = !expanded[key];
      run();
    }
  }

  function showMore() {
    var from = shown;
    shown += PAGE_SIZE;
    renderResults(from);
  }

  /* Results from position `from` on (0: all again); the first new link gets the focus
     when more are added, so a keyboard reader continues where the list grew. */
  function renderResults(from) {
    var list = els.results;
    if (from === 0) {
      while (list.firstChild) list.removeChild(list.firstChild);
    }
    var end = Math.min(shown, current.length);
    var firstNew = null;
    for (var i = from; i < end; i++) {
      var item = result(current[i]);
      list.appendChild(item);
      if (!firstNew) firstNew = item.querySelector("a");
    }
    var left = current.length - end;
    els["more-wrap"].hidden = left <= 0;
    els.more.textContent = "Show " + Math.min(left, PAGE_SIZE).toLocaleString("en") + " more of "
      + left.toLocaleString("en") + " remaining";
    if (from > 0 && firstNew) firstNew.focus();
  }

  function result(hit) {
    var doc = store.docs[hit.doc];
    var item = el("li", {"class": "note-item search-result"});
    var heading = el("h3", {"class": "note-item-title"});
    var suffix = window.location.protocol === "file:" ? "index.html" : "";
    heading.appendChild(el("a", {href: "../" + doc[DOC.path] + suffix}, doc[DOC.title]));
    item.appendChild(heading);
    var meta = el("p", {"class": "note-item-meta"});
    meta.appendChild(el("time", {datetime: doc[DOC.date]}, dateRange(doc[DOC.date], doc[DOC.end])));
    if (doc[DOC.venue]) meta.appendChild(document.createTextNode(" \u00b7 " + doc[DOC.venue]));
    item.appendChild(meta);
    var terms = {};
    if (hit.match) Object.keys(hit.match.metadata).forEach(function (term) { terms[term] = true; });
    var text = snippet(doc, terms);
    if (text) item.appendChild(text);
    return item;
  }

  function dateRange(start, end) {
    var a = parseDate(start);
    if (!a) return start || "";
    var b = end && end !== start ? parseDate(end) : null;
    if (!b) return a.day + " " + MONTHS[a.month] + " " + a.year;
    if (a.year === b.year && a.month === b.month) {
      return a.day + "\u2013" + b.day + " " + MONTHS[b.month] + " " + b.year;
    }
    if (a.year === b.year) {
      return a.day + " " + MONTHS[a.month] + " \u2013 " + b.day + " " + MONTHS[b.month] + " " + b.year;
    }
    return a.day + " " + MONTHS[a.month] + " " + a.year + " \u2013 " + b.day + " " + MONTHS[b.month] + " " + b.year;
  }

  function parseDate(text) {
    var found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!found) return null;
    return {year: parseInt(found[1], 10), month: parseInt(found[2], 10) - 1, day: parseInt(found[3], 10)};
  }

  // --- Snippets ------------------------------------------------------------------------

  function stem(word) {
    if (!Object.prototype.hasOwnProperty.call(stems, word)) {
      stems[word] = window.lunr.stemmer(new window.lunr.Token(word, {})).toString();
    }
    return stems[word];
  }

  /* The words of a text as the index saw them: [start, end, start of the trimmed word,
     end of the trimmed word, the index term]. */
  function words(text) {
    var out = [];
    var separator = new RegExp(SEPARATOR.source, "g");
    var start = 0;
    var found;
    var push = function (from, to) {
      if (to <= from) return;
      var raw = text.slice(from, to);
      var trimmed = tidy(raw, false);
      var offset = trimmed ? raw.indexOf(trimmed) : 0;
      out.push([from, to, from + offset, from + offset + trimmed.length,
                trimmed ? stem(trimmed.toLowerCase()) : ""]);
    };
    while ((found = separator.exec(text)) !== null) {
      push(start, found.index);
      start = found.index + found[0].length;
    }
    push(start, text.length);
    return out;
  }

  function snippet(doc, terms) {
    var hasTerms = Object.keys(terms).length > 0;
    var sources = [doc[DOC.text] || "", doc[DOC.summary] || ""];
    if (hasTerms) {
      for (var s = 0; s < sources.length; s++) {
        var list = words(sources[s]);
        for (var i = 0; i < list.length; i++) {
          if (list[i][4] && terms[list[i][4]]) return snippetAround(sources[s], list, i, terms);
        }
      }
    }
    var plain = doc[DOC.summary] || doc[DOC.text] || "";
    if (!plain) return null;
    return snippetAround(plain, words(plain), 0, {});
  }

  function snippetAround(text, list, at, terms) {
    var first = Math.max(0, at - SNIPPET_BEFORE);
    var last = Math.min(list.length, first + SNIPPET_WORDS) - 1;
    var p = el("p", {"class": "search-snippet"});
    if (last < first) return null;
    if (first > 0) p.appendChild(document.createTextNode("\u2026 "));
    var position = list[first][0];
    for (var i = first; i <= last; i++) {
      var word = list[i];
      if (word[4] && terms[word[4]]) {
        if (word[2] > position) p.appendChild(document.createTextNode(text.slice(position, word[2])));
        p.appendChild(el("mark", {}, text.slice(word[2], word[3])));
        position = word[3];
      }
    }
    p.appendChild(document.createTextNode(text.slice(position, list[last][1])));
    if (last < list.length - 1) p.appendChild(document.createTextNode(" \u2026"));
    return p;
  }

  // For the tests and the benchmark, which compare the index computed here (and, once
  // loaded, the lunr.Index the page searches: SEARCH_LUNR.index) with lunr.py's.
  window.SEARCH_LUNR = {indexData: lunrIndexData, roundScore: roundScore, index: null};

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
}());
