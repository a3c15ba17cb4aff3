/* Live reload for `build.py serve` only: the server adds this script to the HTML it
   serves; the built site never carries it. It listens to the server's events:
   a rebuild reloads the page (or only swaps the stylesheets when nothing but CSS changed),
   problems in the notes show in an overlay until they are fixed, then the page reloads.
   Problem texts come from note files: they are only ever set as text, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  var epoch = Number(script.getAttribute("data-epoch"));
  var url = script.getAttribute("data-events");
  var overlay = null;
  var source = new EventSource(url);

  function data(event) {
    return JSON.parse(event.data);
  }

  function swapStylesheets(version) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href").split("?")[0];
      links[i].setAttribute("href", href + "?live=" + version);
    }
  }

  function element(tag, text) {
    var node = document.createElement(tag);
    if (text) node.appendChild(document.createTextNode(text));
    return node;
  }

  function showProblems(problems) {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
    if (!problems.length) return;
    overlay = element("div");
    overlay.id = "live-reload-problems";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:2147483647;max-height:70vh;" +
      "overflow:auto;margin:0;padding:1em 1.5em;background:#5c0a0a;color:#fff;" +
      "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;box-shadow:0 2px 12px #0008";
    var heading = problems.length === 1 ? "1 problem" : problems.length + " problems";
    overlay.appendChild(element("strong", heading + ": the preview shows the last good build until it is fixed"));
    var list = element("ul");
    list.style.cssText = "margin:.5em 0 0;padding-left:1.2em";
    for (var i = 0; i < problems.length; i++) {
      list.appendChild(element("li", problems[i].text));
    }
    overlay.appendChild(list);
    document.body.appendChild(overlay);
  }

  source.addEventListener("hello", function (event) {
    var state = data(event);
    if (state.epoch !== epoch) {
      // Rebuilt while this page was loading, or served by an earlier run of `serve`
      // (whose count of rebuilds a restarted server does not continue).
      location.reload();
      return;
    }
    showProblems(state.problems);
  });

  source.addEventListener("reload", function (event) {
    var state = data(event);
    if (state.epoch <= epoch) return;
    if (state.css_from <= epoch && !overlay) {
      swapStylesheets(state.epoch);
      epoch = state.epoch;
    } else {
      location.reload();
    }
  });

  source.addEventListener("problems", function (event) {
    var problems = data(event);
    var hadProblems = overlay !== null;
    showProblems(problems);
    if (hadProblems && !problems.length) location.reload();  // fixed, maybe back to the same bytes
  });

  source.addEventListener("search", function () {
    if (document.getElementById("search-form")) location.reload();  // the index it loaded is stale
  });

  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
