// The /query page: send the editor's query to /sparql and show the results as a table.
// Data is only ever written with textContent (never innerHTML), and links only to http(s) IRIs.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var editor = document.getElementById("query");
  var select = document.getElementById("example");
  var description = document.getElementById("example-description");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var endpoint = form.getAttribute("data-endpoint") || "/sparql";
  var examples = [];
  try {
    examples = JSON.parse(document.getElementById("examples-data").textContent || "[]");
  } catch (e) {
    examples = [];
  }
  var ID_BASE = "https://w3id.org/scalekg/id/";
  var SKG_BASE = "https://w3id.org/scalekg/ontology#";
  var PREFIXES = [
    ["kg:", ID_BASE],
    ["skg:", SKG_BASE],
    ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["skos:", "http://www.w3.org/2004/02/skos/core#"],
    ["owl:", "http://www.w3.org/2002/07/owl#"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"],
    ["prov:", "http://www.w3.org/ns/prov#"],
    ["dcterms:", "http://purl.org/dc/terms/"]
  ];

  function findExample(name) {
    for (var i = 0; i < examples.length; i++) {
      if (examples[i].name === name) return examples[i];
    }
    return null;
  }

  function showDescription() {
    var ex = findExample(select.value);
    description.textContent = ex ? ex.description : "";
  }

  select.addEventListener("change", function () {
    var ex = findExample(select.value);
    if (ex) editor.value = ex.query;
    showDescription();
  });
  editor.addEventListener("input", function () {
    var ex = findExample(select.value);
    if (ex && ex.query !== editor.value) {
      select.value = "";
      showDescription();
    }
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  showDescription();

  function shorten(iri) {
    for (var i = 0; i < PREFIXES.length; i++) {
      var base = PREFIXES[i][1];
      if (iri.indexOf(base) === 0 && iri.length > base.length) {
        return PREFIXES[i][0] + iri.slice(base.length);
      }
    }
    return iri;
  }

  function localHref(iri) {
    if (iri.indexOf(ID_BASE) === 0) return "/id/" + encodeURIComponent(iri.slice(ID_BASE.length));
    if (iri.indexOf(SKG_BASE) === 0) return "/ontology#" + encodeURIComponent(iri.slice(SKG_BASE.length));
    if (/^https?:\/\//i.test(iri)) return iri;
    return null;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var href = localHref(term.value);
      var node = document.createElement(href ? "a" : "span");
      if (href) node.setAttribute("href", href);
      node.setAttribute("title", term.value);
      node.textContent = shorten(term.value);
      td.appendChild(node);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      var text = document.createElement("span");
      text.className = "literal";
      text.textContent = term.value;
      td.appendChild(text);
      if (term["xml:lang"]) {
        var lang = document.createElement("span");
        lang.className = "lang";
        lang.textContent = "@" + term["xml:lang"];
        td.appendChild(lang);
      }
    }
    return td;
  }

  function table(data) {
    var vars = (data.head && data.head.vars) || [];
    var rows = (data.results && data.results.bindings) || [];
    var t = document.createElement("table");
    t.className = "results-table";
    var head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) {
        tr.appendChild(cell(row[v]));
      });
    });
    return { node: t, count: rows.length };
  }

  function pre(text, className) {
    var p = document.createElement("pre");
    if (className) p.className = className;
    p.textContent = text;
    return p;
  }

  function run() {
    var query = editor.value;
    var started = performance.now();
    status.textContent = "running…";
    results.textContent = "";
    var body = new URLSearchParams();
    body.set("query", query);
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1"
      },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (text) {
        return { response: response, text: text };
      });
    }).then(function (r) {
      var ms = Math.round(performance.now() - started);
      var type = (r.response.headers.get("Content-Type") || "").toLowerCase();
      if (!r.response.ok) {
        var message = r.text;
        try {
          var err = JSON.parse(r.text);
          message = err.message || err.detail || r.text;
        } catch (e) { /* not JSON */ }
        status.textContent = "error " + r.response.status + " (" + ms + " ms)";
        results.appendChild(pre(String(message), "error"));
        return;
      }
      var truncated = r.response.headers.get("X-ScaleKG-Truncated");
      var note = truncated && truncated !== "false" ? " · truncated at the row limit" : "";
      if (type.indexOf("json") !== -1) {
        var data = JSON.parse(r.text);
        if (typeof data.boolean === "boolean") {
          status.textContent = "ASK (" + ms + " ms)";
          results.appendChild(pre(String(data.boolean), "boolean"));
          return;
        }
        if (data.head) {
          var t = table(data);
          status.textContent = t.count + " row" + (t.count === 1 ? "" : "s") + " (" + ms + " ms)" + note;
          results.appendChild(t.node);
          return;
        }
      }
      status.textContent = "(" + ms + " ms)" + note;
      results.appendChild(pre(r.text, "graph"));
    }).catch(function (error) {
      status.textContent = "failed";
      results.appendChild(pre(String(error), "error"));
    });
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("query", query);
      url.searchParams.delete("example");
      window.history.replaceState(null, "", url.toString());
    } catch (e) { /* older browsers */ }
  }
})();
