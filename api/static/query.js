// The /query workbench: YASGUI's editor (Yasqe) and results (Yasr), served by ScaleKG itself.
// It draws and asks the server: completions come from /api/vocabulary/complete, share links
// and curl commands from /query/share, CONSTRUCT drawings from /query/graph-view, downloads
// from /sparql in the format asked. Data is written with textContent, or escaped before it
// reaches an HTML string; links go only to http(s) IRIs.
// Without YASGUI (or without JS) the page is a textarea and a form that posts to /sparql.
(function () {
  "use strict";
  var Yasgui = window.Yasgui;
  var form = document.getElementById("sparql-form");
  var textarea = document.getElementById("query");
  var editorEl = document.getElementById("editor");
  var select = document.getElementById("example");
  var description = document.getElementById("example-description");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var errorBox = document.getElementById("error");
  var downloads = document.getElementById("downloads");
  var shareBox = document.getElementById("share-box");
  var shareUrl = document.getElementById("share-url");
  var shareNote = document.getElementById("share-note");
  var curlBox = document.getElementById("curl-box");
  var curlText = document.getElementById("curl-text");
  var historyBox = document.getElementById("history-box");
  var historyList = document.getElementById("history");
  var data = readJson("workbench-data", {});
  var examples = data.examples || [];
  var endpoint = data.endpoint || "/sparql";
  var HISTORY_KEY = "scalekg.query.history";
  var HISTORY_MAX = 30;
  var ID_BASE = "https://w3id.org/scalekg/id/";
  var SKG_BASE = "https://w3id.org/scalekg/ontology#";
  var NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte)$/;

  if (!Yasgui || !editorEl) return; // the plain form still works

  function readJson(id, fallback) {
    try {
      return JSON.parse(document.getElementById(id).textContent || "null") || fallback;
    } catch (e) {
      return fallback;
    }
  }

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- autocompletion from the endpoint's own vocabulary -----------------------------------------
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;
  var termInfo = {}; // completion value -> the term the server described
  var KEYWORDS = /^(a|as|ask|asc|base|bind|by|construct|desc|describe|distinct|filter|from|graph|group|having|in|limit|minus|named|not|offset|optional|order|prefix|reduced|select|service|union|values|where|exists|true|false|undef|count|sum|avg|min|max|sample|str|lang|regex|bound|if|coalesce)$/i;

  function completionPosition(yasqe) {
    var token = yasqe.getCompleteToken();
    var text = token.string || "";
    if (!text || text[0] === "?" || text[0] === "$" || text[0] === "<" || text[0] === '"') return null;
    if (token.type === "keyword" || token.type === "string" || KEYWORDS.test(text)) return null;
    var cursor = yasqe.getDoc().getCursor();
    var previous = yasqe.getPreviousNonWsToken(cursor.line, token);
    if (previous && /^prefix$/i.test(previous.string || "")) return null; // the prefix completer's
    var colon = text.indexOf(":");
    if (colon === -1 && !/^[A-Za-z][A-Za-z0-9_-]{2,}$/.test(text)) return null;
    if (colon !== -1 && !/^[A-Za-z][\w-]*:[\w-]*$/.test(text)) return null;
    var kinds = "concept,class,property";
    var last = previous && previous.state ? previous.state.lastProperty : "";
    if (last === "a" || last === "rdf:type") kinds = "class";
    else if (token.state && token.state.possibleCurrent && token.state.possibleCurrent.indexOf("a") >= 0) kinds = "property,concept";
    return { token: token, text: text, kinds: kinds };
  }

  Yasqe.registerAutocompleter({
    name: "scalekg",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: function (yasqe) {
      return completionPosition(yasqe) !== null;
    },
    get: function (yasqe) {
      var where = completionPosition(yasqe);
      if (!where) return Promise.resolve([]);
      var params = new URLSearchParams({ q: where.text, kind: where.kinds, limit: "15" });
      return fetch("/api/vocabulary/complete?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { completions: [] }; })
        .then(function (answer) {
          return (answer.completions || []).map(function (term) {
            termInfo[term.value] = term;
            return term.value;
          });
        })
        .catch(function () { return []; });
    },
    postprocessHints: function (yasqe, hints) {
      var token = yasqe.getCompleteToken();
      var line = yasqe.getDoc().getCursor().line;
      return hints.map(function (hint) {
        var term = termInfo[hint.text] || {};
        var detail = term.kind === "concept" ? term.detail : term.kind;
        hint.displayText = hint.text + "  ·  " + (term.label || "") + (detail ? "  (" + detail + ")" : "");
        hint.from = { line: line, ch: token.start };
        hint.to = { line: line, ch: token.end };
        hint.hint = function (cm, _data, completion) {
          cm.replaceRange(completion.text, completion.from, completion.to, "complete");
          var prefix = completion.text.split(":")[0];
          var known = (data.prefixes || {})[prefix];
          if (known && !(prefix in yasqe.getPrefixesFromQuery())) {
            var add = {};
            add[prefix] = known;
            yasqe.addPrefixes(add);
          }
        };
        return hint;
      });
    }
  }, false);
  Yasqe.forkAutocompleter("prefixes", {
    name: "scalekg-prefixes",
    persistenceId: null,
    get: function () {
      var prefixes = data.prefixes || {};
      return Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    }
  }, false);

  // --- the editor -------------------------------------------------------------------------------
  textarea.hidden = true;
  var yasqe = new Yasqe(editorEl, {
    value: textarea.value,
    persistenceId: null,
    showQueryButton: false,
    createShareableLink: null,
    consumeShareLink: null,
    prefixCcApi: null,
    autocompleters: ["scalekg-prefixes", "variables", "scalekg"],
    requestConfig: { endpoint: endpoint, method: "POST" },
    editorHeight: "300px",
    resizeable: true
  });
  yasqe.query = function () { run(); return Promise.resolve(); };
  yasqe.on("change", function () {
    textarea.value = yasqe.getValue();
    var ex = findExample(select.value);
    if (ex && ex.query !== yasqe.getValue()) {
      select.value = "";
      showDescription();
    }
  });
  window.scalekgWorkbench = { yasqe: yasqe }; // for tests and the console

  function findExample(name) {
    for (var i = 0; i < examples.length; i++) if (examples[i].name === name) return examples[i];
    return null;
  }
  function showDescription() {
    var ex = findExample(select.value);
    description.textContent = ex ? ex.description : "";
  }
  select.addEventListener("change", function () {
    var ex = findExample(select.value);
    if (ex) yasqe.setValue(ex.query);
    showDescription();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  showDescription();

  // --- results ------------------------------------------------------------------------------------
  function shortIri(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var base = prefixes[p];
      if (base && iri.indexOf(base) === 0 && iri.length > base.length && (!best || base.length > best[1].length)) best = [p, base];
    });
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }
  function localHref(iri) {
    if (iri.indexOf(ID_BASE) === 0) return "/id/" + encodeURIComponent(iri.slice(ID_BASE.length));
    if (iri.indexOf(SKG_BASE) === 0) return "/ontology#" + encodeURIComponent(iri.slice(SKG_BASE.length));
    if (/^https?:\/\//i.test(iri)) return iri;
    return null;
  }
  function allPrefixes() {
    var out = {};
    var ours = data.prefixes || {};
    Object.keys(ours).forEach(function (p) { out[p] = ours[p]; });
    var declared = yasqe.getPrefixesFromQuery();
    Object.keys(declared).forEach(function (p) { out[p] = declared[p]; });
    return out;
  }

  // The table: YASR's, with labels shown as text (no "@en" or ^^xsd:string clutter: the
  // language and datatype go in the cell's tooltip), and IRIs linked to this server's pages.
  var BaseTable = Yasr.plugins.table;
  class CleanTable extends BaseTable {
    formatLiteral(literal) {
      var text = escapeHtml(literal.value);
      var note = literal["xml:lang"] ? "@" + literal["xml:lang"] : literal.datatype ? shortIri(literal.datatype, allPrefixes()) : "";
      return note ? '<span title="' + escapeHtml(note) + '">' + text + "</span>" : text;
    }
    getUriLinkFromBinding(binding) {
      var iri = binding.value;
      var shown = escapeHtml(shortIri(iri, allPrefixes()));
      var href = localHref(iri);
      if (!href) return '<span title="' + escapeHtml(iri) + '">' + shown + "</span>";
      return '<a href="' + escapeHtml(href) + '" title="' + escapeHtml(iri) + '">' + shown + "</a>";
    }
  }
  Yasr.registerPlugin("table", CleanTable);

  function numericColumns(vars, rows) {
    return vars.filter(function (v) {
      var seen = 0;
      var numeric = 0;
      rows.forEach(function (row) {
        var t = row[v];
        if (!t) return;
        seen++;
        if (t.type !== "uri" && t.type !== "bnode" && (NUMERIC.test(t.datatype || "") || (!t.datatype && !t["xml:lang"] && t.value !== "" && isFinite(Number(t.value))))) numeric++;
      });
      return seen > 0 && numeric === seen;
    });
  }

  function termText(term, prefixes) {
    if (!term) return "";
    return term.type === "uri" ? shortIri(term.value, prefixes) : term.value;
  }

  // A bar chart of the first numeric column against the first other column (SVG, no library).
  class ChartPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = "Chart";
      this.svg = null;
    }
    columns() {
      var r = this.yasr.results;
      if (!r || r.getType() !== "json" || typeof r.getBoolean() === "boolean") return null;
      var vars = r.getVariables();
      var rows = r.getBindings();
      if (!rows.length || rows.length > 500) return null;
      var numbers = numericColumns(vars, rows);
      if (!numbers.length) return null;
      var labels = vars.filter(function (v) { return numbers.indexOf(v) === -1; });
      return { rows: rows, value: numbers[0], numbers: numbers, label: labels[0] || null };
    }
    canHandleResults() {
      return this.columns() !== null;
    }
    getIcon() {
      var icon = el("div", "scalekg-icon");
      icon.textContent = "▮▮";
      return icon;
    }
    draw() {
      var cols = this.columns();
      if (!cols) return;
      var wrap = el("div", "chart-wrap");
      if (cols.numbers.length > 1) {
        var pick = el("label", "chart-pick", "Value: ");
        var sel = document.createElement("select");
        cols.numbers.forEach(function (n) {
          var o = el("option", "", n);
          o.value = n;
          sel.appendChild(o);
        });
        pick.appendChild(sel);
        wrap.appendChild(pick);
        var self = this;
        sel.addEventListener("change", function () {
          wrap.replaceChild(self.chart(cols, sel.value), self.svg);
        });
      }
      wrap.appendChild(this.chart(cols, cols.value));
      this.yasr.resultsEl.appendChild(wrap);
    }
    chart(cols, valueVar) {
      var NS = "http://www.w3.org/2000/svg";
      var prefixes = allPrefixes();
      var rows = cols.rows.map(function (row, i) {
        return {
          label: cols.label ? termText(row[cols.label], prefixes) : "row " + (i + 1),
          value: Number(row[valueVar] ? row[valueVar].value : 0)
        };
      });
      var max = Math.max.apply(null, rows.map(function (r) { return Math.abs(r.value); }).concat([1e-9]));
      var labelWidth = 300;
      var barWidth = 420;
      var rowHeight = 22;
      var height = rows.length * rowHeight + 36;
      var svg = document.createElementNS(NS, "svg");
      svg.setAttribute("class", "bar-chart");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Bar chart of " + valueVar + (cols.label ? " by " + cols.label : ""));
      svg.setAttribute("width", String(labelWidth + barWidth + 80));
      svg.setAttribute("height", String(height));
      svg.setAttribute("viewBox", "0 0 " + (labelWidth + barWidth + 80) + " " + height);
      function text(x, y, content, anchor, cls) {
        var t = document.createElementNS(NS, "text");
        t.setAttribute("x", String(x));
        t.setAttribute("y", String(y));
        t.setAttribute("text-anchor", anchor);
        if (cls) t.setAttribute("class", cls);
        t.textContent = content;
        svg.appendChild(t);
        return t;
      }
      text(labelWidth + barWidth / 2, 16, valueVar + (cols.label ? " by " + cols.label : ""), "middle", "chart-title");
      rows.forEach(function (r, i) {
        var y = 28 + i * rowHeight;
        var label = r.label.length > 44 ? r.label.slice(0, 43) + "…" : r.label;
        var t = text(labelWidth - 8, y + 14, label, "end", "chart-label");
        var full = document.createElementNS(NS, "title");
        full.textContent = r.label + ": " + r.value;
        t.appendChild(full);
        var bar = document.createElementNS(NS, "rect");
        bar.setAttribute("x", String(labelWidth));
        bar.setAttribute("y", String(y + 3));
        bar.setAttribute("width", String(Math.max(1, (Math.abs(r.value) / max) * barWidth)));
        bar.setAttribute("height", String(rowHeight - 6));
        bar.setAttribute("class", "chart-bar");
        var tip = document.createElementNS(NS, "title");
        tip.textContent = r.label + ": " + r.value;
        bar.appendChild(tip);
        svg.appendChild(bar);
        text(labelWidth + (Math.abs(r.value) / max) * barWidth + 6, y + 14, String(r.value), "start", "chart-value");
      });
      this.svg = svg;
      return svg;
    }
    download() {
      var self = this;
      if (!this.svg) return undefined;
      return {
        contentType: "image/svg+xml",
        getData: function () { return new XMLSerializer().serializeToString(self.svg); },
        filename: "chart.svg",
        title: "Download the chart (SVG)"
      };
    }
  }
  Yasr.registerPlugin("chart", ChartPlugin);

  // CONSTRUCT/DESCRIBE results drawn like /graph: the server styles them (viz.style), vis draws.
  var visLoading = null;
  function loadVis() {
    if (window.vis && window.vis.Network) return Promise.resolve(window.vis);
    if (!visLoading) {
      visLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = data.vis;
        script.onload = function () { resolve(window.vis); };
        script.onerror = function () { reject(new Error("could not load vis-network")); };
        document.head.appendChild(script);
      });
    }
    return visLoading;
  }

  class GraphPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 20;
      this.label = "Graph";
      this.network = null;
    }
    canHandleResults() {
      var r = this.yasr.results;
      return !!r && r.getType() === "ttl";
    }
    getIcon() {
      return el("div", "scalekg-icon", "◦–◦");
    }
    draw() {
      var r = this.yasr.results;
      var box = el("div", "result-graph-wrap");
      var canvas = el("div", "result-graph");
      canvas.id = "result-graph";
      var note = el("p", "note", "Drawing…");
      box.appendChild(note);
      box.appendChild(canvas);
      this.yasr.resultsEl.appendChild(box);
      var self = this;
      return fetch("/query/graph-view", {
        method: "POST",
        headers: { "Content-Type": "text/turtle" },
        body: r.getOriginalResponseAsString()
      })
        .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            note.textContent = "Cannot draw this result: " + (answer.body.message || "error");
            return;
          }
          return loadVis().then(function (vis) {
            var view = answer.body;
            note.textContent = view.counts.nodes + " nodes, " + view.counts.edges + " edges (from " + view.counts.triples + " triples)" +
              (view.truncated ? "; capped, not every triple is drawn" : "") + ". Double-click a concept to open it.";
            self.network = new vis.Network(canvas, { nodes: new vis.DataSet(view.nodes), edges: new vis.DataSet(view.edges) }, view.options);
            self.network.once("afterDrawing", function () { self.network.fit(); });
            self.network.on("doubleClick", function (params) {
              var node = params.nodes.length ? view.nodes.find(function (n) { return n.id === params.nodes[0]; }) : null;
              if (node && node.href) window.location.href = node.href;
            });
            box.appendChild(drawLegend(view.legend));
            box.setAttribute("data-nodes", String(view.counts.nodes));
          });
        })
        .catch(function (e) { note.textContent = "Cannot draw this result: " + e; });
    }
    destroy() {
      if (this.network) this.network.destroy();
      this.network = null;
    }
  }
  Yasr.registerPlugin("graph", GraphPlugin);

  function drawLegend(legend) {
    var box = el("div", "result-legend");
    (legend.classes || []).forEach(function (c) {
      var item = el("span", "legend-item");
      var swatch = el("span", "swatch");
      swatch.style.background = c.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(c.label));
      box.appendChild(item);
    });
    (legend.relations || []).forEach(function (r) {
      var item = el("span", "legend-item");
      var line = el("span", "line");
      line.style.borderTopColor = r.color;
      item.appendChild(line);
      item.appendChild(document.createTextNode(r.label));
      box.appendChild(item);
    });
    return box;
  }

  var yasr = new Yasr(results, {
    persistenceId: null,
    prefixes: function () { return allPrefixes(); },
    pluginOrder: ["table", "chart", "graph", "response"],
    defaultPlugin: "table"
  });

  // --- running a query --------------------------------------------------------------------------
  var lastForm = null;
  function queryForm(query) {
    var stripped = query.replace(/#[^\n]*/g, " ").replace(/<[^>\s]*>/g, "<>");
    var m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(stripped);
    return m ? m[1].toUpperCase() : "SELECT";
  }

  function setStatus(text) { status.textContent = text; }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
    if (yasqe.scalekgMark) {
      yasqe.scalekgMark.clear();
      yasqe.scalekgMark = null;
    }
  }

  // Endpoint errors, said as what they mean.
  function explain(status, body, headers) {
    var message = (body && (body.message || body.detail)) || "";
    if (typeof message !== "string") message = JSON.stringify(message);
    var kind = body && body.error;
    if (status === 400 && kind === "syntax") {
      var where = body.line ? "line " + body.line + (body.column ? ", column " + body.column : "") : "";
      return { title: "Syntax error" + (where ? " at " + where : ""), text: message, line: body.line, column: body.column };
    }
    if (status === 400 && kind === "forbidden") return { title: "This endpoint does not run this query", text: message };
    if (status === 504) {
      var limit = body && body.limit_s ? " (" + body.limit_s + " s)" : "";
      return { title: "Time limit reached" + limit, text: "The query ran longer than the endpoint allows and was stopped. Add a LIMIT, narrow the patterns, or avoid an unbounded property path. " + message };
    }
    if (status === 429) {
      var after = headers.get("Retry-After");
      return { title: "Too many queries", text: "This endpoint limits how many queries one client sends. Try again" + (after ? " in " + after + " s" : " in a moment") + ". " + message };
    }
    if (status === 503) return { title: "The endpoint is busy", text: "Every query worker is busy; try again in a second. " + message };
    if (status === 413) return { title: "The query is too large", text: message };
    if (status === 406) return { title: "No such result format", text: message };
    return { title: "Error " + status, text: message || "The endpoint could not answer." };
  }

  function showError(problem) {
    errorBox.textContent = "";
    errorBox.appendChild(el("strong", "", problem.title));
    errorBox.appendChild(el("p", "", problem.text));
    errorBox.hidden = false;
    if (problem.line) {
      var doc = yasqe.getDoc();
      var line = Math.min(Math.max(0, Number(problem.line) - 1), doc.lineCount() - 1);
      var text = doc.getLine(line) || "";
      var ch = Math.max(0, Number(problem.column || 1) - 1);
      var from = Math.min(ch, Math.max(0, text.length - 1)); // an error at the end of a line
      var to = Math.min(text.length, from + 1);
      var handle = yasqe.addLineClass(line, "background", "syntax-error-line");
      var mark = to > from ? doc.markText({ line: line, ch: from }, { line: line, ch: to }, { className: "syntax-error-mark" }) : null;
      yasqe.scalekgMark = {
        clear: function () {
          yasqe.removeLineClass(handle, "background", "syntax-error-line");
          if (mark) mark.clear();
        }
      };
      doc.setCursor({ line: line, ch: Math.min(ch, text.length) });
    }
  }

  function run() {
    var query = yasqe.getValue();
    var started = performance.now();
    clearError();
    setStatus("running…");
    downloads.hidden = true;
    var body = new URLSearchParams();
    body.set("query", query);
    lastForm = queryForm(query);
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: body.toString()
    })
      .then(function (response) {
        return response.text().then(function (text) { return { response: response, text: text }; });
      })
      .then(function (r) {
        var ms = Math.round(performance.now() - started);
        if (!r.response.ok) {
          var parsed = null;
          try { parsed = JSON.parse(r.text); } catch (e) { parsed = { message: r.text }; }
          setStatus("error " + r.response.status + " (" + ms + " ms)");
          showError(explain(r.response.status, parsed, r.response.headers));
          return;
        }
        var type = (r.response.headers.get("Content-Type") || "").split(";")[0].trim();
        var graphResult = /turtle|n-triples/.test(type);
        var wanted = graphResult ? "graph" : yasr.selectedPlugin === "graph" ? "table" : null;
        // Set before the response is drawn (selectPlugin would first redraw the old results).
        if (wanted) yasr.selectedPlugin = wanted;
        yasr.setResponse({ data: r.text, contentType: type, status: r.response.status, executionTime: ms }, ms);
        var truncated = r.response.headers.get("X-ScaleKG-Truncated");
        var note = truncated && truncated !== "false" ? " · truncated at the row limit (" + r.response.headers.get("X-ScaleKG-Row-Limit") + ")" : "";
        var results = yasr.results;
        if (results.getType() === "json" && typeof results.getBoolean() === "boolean") {
          setStatus("ASK: " + results.getBoolean() + " (" + ms + " ms)");
        } else if (results.getType() === "json") {
          var n = results.getBindings().length;
          setStatus(n + " row" + (n === 1 ? "" : "s") + " (" + ms + " ms)" + note);
        } else {
          setStatus("graph result (" + ms + " ms)" + note);
        }
        showDownloads(lastForm);
        remember(query);
        updateShareLink(query);
      })
      .catch(function (error) {
        setStatus("failed");
        showError({ title: "The request failed", text: String(error) });
      });
  }

  // --- downloads: the server serialises, in the format asked ------------------------------------
  var FORMATS = {
    csv: { label: "CSV", ext: "csv", graph: false },
    json: { label: "JSON", ext: "json", graph: false },
    turtle: { label: "Turtle", ext: "ttl", graph: true },
    jsonld: { label: "JSON-LD", ext: "jsonld", graph: true }
  };
  function showDownloads(formName) {
    var graph = formName === "CONSTRUCT" || formName === "DESCRIBE";
    Array.prototype.forEach.call(downloads.querySelectorAll("button[data-format]"), function (b) {
      b.hidden = FORMATS[b.getAttribute("data-format")].graph !== graph;
    });
    downloads.hidden = false;
  }
  downloads.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-format]");
    if (!button) return;
    var format = button.getAttribute("data-format");
    var body = new URLSearchParams();
    body.set("query", yasqe.getValue());
    body.set("format", format);
    fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body.toString() })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (b) { showError(explain(response.status, b, response.headers)); });
        }
        return response.blob().then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = "query-results." + FORMATS[format].ext;
          document.body.appendChild(a);
          a.click();
          setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        });
      });
  });

  // --- share link, curl, history ------------------------------------------------------------------
  function askShare(query) {
    return fetch("/query/share", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: query })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.message || "error " + r.status);
        return body;
      });
    });
  }

  function updateShareLink(query) {
    return askShare(query).then(function (link) {
      try { window.history.replaceState(null, "", link.path); } catch (e) { /* file: or sandbox */ }
      shareUrl.value = link.url;
      shareNote.textContent = link.fits
        ? link.length + " characters"
        : link.length + " characters: longer than " + link.safe_length + ", which some browsers and chat tools cut. Download the query instead (.rq).";
      shareNote.className = link.fits ? "note" : "note warn";
      return link;
    }).catch(function () { return null; });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  document.getElementById("share").addEventListener("click", function () {
    updateShareLink(yasqe.getValue()).then(function (link) {
      if (!link) return;
      shareBox.hidden = false;
      shareUrl.select();
      copyText(link.url).then(function (ok) { setStatus(ok ? "share link copied" : "share link ready"); });
    });
  });
  document.getElementById("copy-curl").addEventListener("click", function () {
    askShare(yasqe.getValue()).then(function (link) {
      curlText.textContent = link.curl;
      curlBox.hidden = false;
      copyText(link.curl).then(function (ok) { setStatus(ok ? "curl command copied" : "curl command ready"); });
    }).catch(function (e) { showError({ title: "No curl command", text: String(e.message || e) }); });
  });
  document.getElementById("download-query").addEventListener("click", function () {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([yasqe.getValue()], { type: "application/sparql-query" }));
    a.download = "query.rq";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });

  function loadHistory() {
    try {
      var items = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && typeof i.query === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }
  function remember(query) {
    var items = loadHistory().filter(function (i) { return i.query !== query; });
    items.unshift({ query: query, at: new Date().toISOString() });
    try { window.localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_MAX))); } catch (e) { /* full or disabled */ }
    drawHistory();
  }
  function summary(query) {
    var lines = query.split("\n").filter(function (l) { return l.trim() && !/^\s*(PREFIX|BASE)\b/i.test(l); });
    var first = (lines[0] || query).trim();
    return first.length > 90 ? first.slice(0, 89) + "…" : first;
  }
  function drawHistory() {
    var items = loadHistory();
    historyList.textContent = "";
    items.forEach(function (item) {
      var li = el("li");
      var button = el("button", "linklike", summary(item.query));
      button.type = "button";
      button.title = item.query;
      button.addEventListener("click", function () {
        yasqe.setValue(item.query);
        historyBox.open = false;
      });
      li.appendChild(button);
      li.appendChild(el("span", "note", " " + item.at.replace("T", " ").slice(0, 16)));
      historyList.appendChild(li);
    });
    historyBox.hidden = items.length === 0;
  }
  document.getElementById("history-clear").addEventListener("click", function () {
    try { window.localStorage.removeItem(HISTORY_KEY); } catch (e) { /* disabled */ }
    drawHistory();
  });
  drawHistory();
  document.body.setAttribute("data-workbench", "ready");
})();
