/* ScaleKG graph page.
 *
 * Safety: graph text comes only from the JSON data block and reaches the DOM only through
 * textContent, attribute setters on our own elements, or vis-network (canvas labels, plain-text
 * tooltips). Nothing here uses innerHTML, insertAdjacentHTML or document.write with data.
 *
 * The page keeps no selection, path or ranking logic: each view (which nodes and edges, the
 * highlighted path and its chains, how many links each node has out of view) comes from the
 * server's viz/select.py, through /graph.json or, in a standalone file, precomputed by
 * viz/page.py. The names a URL may use (stages, types, relations) come from graph/params.py.
 */
(function () {
  "use strict";

  const t0 = performance.now();
  const DATA = JSON.parse(document.getElementById("scalekg-data").textContent);
  const timings = { parse: performance.now() - t0 };
  const META = DATA.meta;
  const G = DATA.graph;
  const SVGNS = "http://www.w3.org/2000/svg";

  // --- indexes ------------------------------------------------------------------------------------
  const byId = new Map(G.nodes.map((n) => [n.id, n]));
  const edgeById = new Map(G.edges.map((e) => [e.id, e]));
  const outEdges = new Map();
  const inEdges = new Map();
  for (const e of G.edges) {
    if (!outEdges.has(e.from)) outEdges.set(e.from, []);
    if (!inEdges.has(e.to)) inEdges.set(e.to, []);
    outEdges.get(e.from).push(e);
    inEdges.get(e.to).push(e);
  }
  const classOfType = new Map();
  for (const c of G.classes) for (const t of c.types) classOfType.set(t, c);
  const relationStyle = new Map(G.relations.map((r) => [r.key, r]));
  const visNodeById = new Map(G.vis.nodes.map((n) => [n.id, n]));
  const visEdgeById = new Map(G.vis.edges.map((e) => [e.id, e]));
  const allTypes = G.classes.flatMap((c) => c.types);
  const allRelations = G.relations.map((r) => r.key);

  // --- state (null filter = everything) -----------------------------------------------------------
  const NAMES = META.names;
  const state = {
    focus: null, depth: NAMES.defaultDepth, types: null, relations: null, stages: null,
    expand: [], path: [], selected: null, confidence: null,
  };
  let current = null;

  function setOrNull(list, all) {
    if (!list || !list.length) return null;
    const s = new Set(list);
    return all.every((x) => s.has(x)) ? null : s;
  }

  function stateFromView(v) {
    const depth = parseInt(v.depth, 10);
    const path = (v.path || []).filter((id) => byId.has(id));
    return {
      focus: v.focus && byId.has(v.focus) ? v.focus : null,
      depth: Number.isFinite(depth) ? Math.max(0, Math.min(NAMES.maxDepth, depth)) : NAMES.defaultDepth,
      types: setOrNull(v.types || [], allTypes),
      relations: setOrNull(v.relations || [], allRelations),
      stages: setOrNull(v.stages || [], G.stages),
      expand: (v.expand || []).filter((id) => byId.has(id)),
      path: path.length === 2 ? path : [],
      selected: v.selected && byId.has(v.selected) ? v.selected : null,
      confidence: v.confidence || null,
    };
  }

  // graph/params.py's name_key: lower case, letters only.
  const nameKey = (s) => String(s).toLowerCase().replace(/[^a-z]/g, "");

  function viewFromUrl() {
    // Standalone files take the view from their URL when it has one; served pages were already
    // validated by the server, which embedded the normalised view.
    const q = new URLSearchParams(location.search);
    if (!NAMES.params.some((k) => q.has(k))) return null;
    const list = (k) => q.getAll(k).flatMap((x) => x.split(",")).map((x) => x.trim()).filter(Boolean);
    const named = (k, table) => list(k).flatMap((x) => [].concat(table[nameKey(x)] || []));
    return {
      focus: q.get("focus"), depth: q.get("depth") || NAMES.defaultDepth,
      types: named("types", NAMES.types), relations: named("relations", NAMES.relations),
      stages: named("stages", NAMES.stages),
      expand: list("expand"), path: list("path"), selected: q.get("selected"),
    };
  }

  // --- views: asked of the server, or read from the file ----------------------------------------------
  const nodeAt = (x) => (typeof x === "number" ? G.nodes[x].id : typeof x === "string" ? x : x.id);
  const edgeAt = (x) => (typeof x === "number" ? G.edges[x] : edgeById.get(typeof x === "string" ? x : x.id));

  function fromSelection(sel) {
    const nodes = sel.nodes.map(nodeAt);
    const edges = sel.edges.map(edgeAt);
    const path = {
      nodes: sel.path.nodes.slice(),
      edges: sel.path.edges.map(edgeAt),
      chains: sel.path.chains.map((chain) => chain.map(edgeAt)),
      more: sel.path.more_chains,
    };
    return {
      nodes, edges, nodeSet: new Set(nodes), truncated: sel.truncated, maxNodes: sel.max_nodes, path,
      pathNodes: new Set(path.nodes), pathEdges: new Set(path.edges.map((e) => e.id)),
      hiddenLinks: new Map(Object.entries(sel.hidden_links)),
      // Where to draw each node, whether edges start faint, the overview's label style: all
      // computed by the server (viz/layout.py, viz/export.py layout_json).
      layout: sel.layout,
    };
  }

  const sameSet = (a, b) => (a === null || b === null ? a === b : a.size === b.size && [...a].every((x) => b.has(x)));
  const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  function sameFilters(a, b) {
    return a.depth === b.depth && sameSet(a.types, b.types) && sameSet(a.relations, b.relations)
      && sameSet(a.stages, b.stages) && (a.confidence || null) === (b.confidence || null);
  }
  let fileView = null; // the view a standalone file was written for

  function stored(next) {
    // The views in a standalone file: its own, the whole graph and each concept's focus, all with
    // the file's filters and depth.
    if (next.focus === fileView.focus && sameFilters(next, fileView) && sameList(next.expand, fileView.expand)
      && sameList(next.path, fileView.path)) return DATA.selection;
    const views = DATA.views;
    if (!views || next.expand.length || next.path.length) return null;
    if (!next.focus) return sameFilters({ ...next, depth: fileView.depth }, fileView) ? views.whole : null;
    return sameFilters(next, fileView) ? views.focus[next.focus] || null : null;
  }

  let asked = 0;
  async function show(next, opts) {
    const ticket = ++asked;
    let sel = null;
    if (META.standalone) {
      sel = stored(next);
      if (!sel) { notInFile(next); return; }
    } else {
      try {
        const r = await fetch(`${META.linkBase}graph.json?${query(next)}`, { headers: { Accept: "application/json" } });
        const body = await r.json();
        if (!r.ok) throw new Error(body.message || body.error || `HTTP ${r.status}`);
        sel = body;
      } catch (err) {
        if (ticket === asked) status.textContent = `Could not load this view: ${err.message}`;
        return;
      }
    }
    if (ticket !== asked) return; // a later request supersedes this one
    Object.assign(state, stateFromView({ ...sel.view, selected: next.selected }));
    current = fromSelection(sel);
    draw();
    refreshUi(opts || {});
  }

  function notInFile(next) {
    const q = query(next);
    const where = META.linkBase ? ` Open it on the server: ${META.linkBase}graph?${q}` : "";
    status.textContent = "This view is not in this file (it holds its own view, the whole graph and "
      + `each concept's neighbourhood with its filters).${where} Or write it: scalekg viz -o view.html `
      + q.split("&").filter((kv) => !kv.startsWith("selected=")).map((kv) => {
        const [k, v] = kv.split("=");
        return `--${k} ${decodeURIComponent(v)}`;
      }).join(" ");
    syncControls();
  }

  // --- small DOM helpers (text only) -----------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }
  function safeHref(path) {
    // Only our own relative or absolute paths: never a scheme from data.
    return META.linkBase + path;
  }

  function shapeIcon(cls, size) {
    const s = size || 18;
    const box = svg("svg", { width: s, height: s, viewBox: "0 0 20 20", "aria-hidden": "true", focusable: "false" });
    const common = { fill: cls.color, stroke: "#333", "stroke-width": 1.3 };
    if (cls.dashed) common["stroke-dasharray"] = "3 2";
    let shape;
    if (cls.points) {
      box.append(svg("polygon", { points: cls.points, "stroke-linejoin": "round", ...common }));
      return box;
    }
    switch (cls.shape) {
      case "star": {
        const pts = [];
        for (let i = 0; i < 10; i++) {
          const r = i % 2 ? 4 : 9, a = Math.PI / 5 * i - Math.PI / 2;
          pts.push((10 + r * Math.cos(a)).toFixed(1) + "," + (10.5 + r * Math.sin(a)).toFixed(1));
        }
        shape = svg("polygon", { points: pts.join(" "), ...common });
        break;
      }
      case "square": shape = svg("rect", { x: 3, y: 3, width: 14, height: 14, ...common }); break;
      case "triangle": shape = svg("polygon", { points: "10,2 18,17 2,17", ...common }); break;
      case "triangleDown": shape = svg("polygon", { points: "2,3 18,3 10,18", ...common }); break;
      case "diamond": shape = svg("polygon", { points: "10,1 19,10 10,19 1,10", ...common }); break;
      case "hexagon": shape = svg("polygon", { points: "5,2 15,2 19,10 15,18 5,18 1,10", ...common }); break;
      case "box": shape = svg("rect", { x: 1, y: 4, width: 18, height: 12, rx: 2, ...common }); break;
      case "ellipse": shape = svg("ellipse", { cx: 10, cy: 10, rx: 9, ry: 6, ...common }); break;
      case "database": {
        const g = svg("g", {});
        g.append(svg("path", { d: "M2,5 v10 a8,3 0 0 0 16,0 v-10", ...common }));
        g.append(svg("ellipse", { cx: 10, cy: 5, rx: 8, ry: 3, ...common }));
        shape = g;
        break;
      }
      default: shape = svg("circle", { cx: 10, cy: 10, r: cls.key === "Other" ? 5 : 7, ...common });
    }
    box.append(shape);
    return box;
  }

  function relationIcon(rel, dashed) {
    const box = svg("svg", { width: 34, height: 14, viewBox: "0 0 34 14", "aria-hidden": "true", focusable: "false" });
    const line = { stroke: rel.color, "stroke-width": 2, fill: "none" };
    if (dashed) line["stroke-dasharray"] = "4 3";
    box.append(svg("line", { x1: 1, y1: 7, x2: 27, y2: 7, ...line }));
    if (rel.arrow === "bar") box.append(svg("line", { x1: 29, y1: 1, x2: 29, y2: 13, stroke: rel.color, "stroke-width": 3 }));
    else if (rel.arrow === "circle") box.append(svg("circle", { cx: 29, cy: 7, r: 3.5, fill: rel.color }));
    else if (rel.arrow === "vee") box.append(svg("polyline", { points: "24,2 32,7 24,12", ...line }));
    else box.append(svg("polygon", { points: "24,2 33,7 24,12", fill: rel.color }));
    if (rel.sign) {
      const tx = svg("text", { x: 12, y: 6, "font-size": 11, "font-weight": "bold", fill: rel.color, "text-anchor": "middle" });
      tx.textContent = rel.sign;
      box.append(tx);
    }
    return box;
  }

  // --- the network ------------------------------------------------------------------------------------
  // The DataSets hold only what is visible. The Network is created once the first view is in them
  // (vis-network builds a populated DataSet several times faster than it takes additions), and
  // later views are applied as diffs: remove, add, update. Each node and edge keeps its current
  // overrides (position, group, border; colour, width, arrows, dashes) so that an item coming
  // back into view comes back as it should look.
  const container = document.getElementById("graph");
  timings.indexes = performance.now() - t0;
  const nodesDS = new vis.DataSet([]);
  const edgesDS = new vis.DataSet([]);
  const nodeOver = new Map(G.vis.nodes.map((n) => [n.id, { x: n.x, y: n.y, group: n.group, borderWidth: 1.5 }]));
  const edgeOver = new Map(G.vis.edges.map((e) => [e.id, { color: e.color, width: e.width, arrows: e.arrows, dashes: e.dashes }]));
  const dirtyNodes = new Set();
  const dirtyEdges = new Set();
  function override(map, dirty, id, values) {
    const cur = map.get(id);
    let changed = false;
    for (const [k, v] of Object.entries(values)) {
      if (cur[k] !== v) { cur[k] = v; changed = true; }
    }
    if (changed) dirty.add(id);
  }
  let network = null;

  // Big graphs draw arrowheads and dashes only when zoomed in: at overview scale they cannot be
  // told apart anyway, and they cost most of the frame (vis-network finds each arrow's border
  // point on the node shape).
  const BIG = G.vis.edges.length > 2000;
  const DETAIL_SCALE = 0.35;
  let detail = BIG ? "low" : "high";
  const LOW_ARROWS = { to: { enabled: false } };
  function detailOverrides() {
    for (const e of G.vis.edges) {
      if (detail === "low") override(edgeOver, dirtyEdges, e.id, { arrows: LOW_ARROWS, dashes: false });
      else override(edgeOver, dirtyEdges, e.id, { arrows: e.arrows, dashes: e.dashes });
    }
  }
  function levelOfDetail() {
    if (!BIG || !network) return;
    const want = network.getScale() < DETAIL_SCALE ? "low" : "high";
    if (want === detail) return;
    detail = want;
    detailOverrides();
    syncData();
  }
  if (BIG) detailOverrides();

  const DIM_EDGE = { color: "#dddddd", highlight: "#999999", hover: "#999999", inherit: false };
  // The assessment overlay (/graph?assessment=ID): node colours by strength or exposure, and the
  // leverage paths' edges drawn thick.
  const OVERLAY = META.overlay || null;
  const overlayNodes = new Map(OVERLAY ? Object.entries(OVERLAY.nodes) : []);
  const overlayEdges = new Set(OVERLAY ? OVERLAY.edges : []);
  function overlayColour(id) {
    const ov = overlayNodes.get(id);
    if (!ov) return undefined;
    return { background: ov.colour, border: "#222222", highlight: { background: ov.colour, border: "#000000" } };
  }
  function restyle() {
    const dimming = state.path.length === 2 && current.pathNodes.size > 0;
    for (const id of current.nodes) {
      const base = visNodeById.get(id).group;
      const dimmed = dimming && !current.pathNodes.has(id);
      const values = {
        group: dimmed ? base + "-dim" : base,
        borderWidth: id === state.focus || (dimming && state.path.includes(id)) ? 3 : 1.5,
      };
      if (overlayNodes.has(id)) values.color = dimmed ? undefined : overlayColour(id);
      override(nodeOver, dirtyNodes, id, values);
    }
    const style = current.layout.style;
    for (const id of current.nodes) {
      const v = visNodeById.get(id);
      const group = G.vis.options.groups[v.group] || {};
      override(nodeOver, dirtyNodes, id, style ? {
        font: { size: style.font_size }, size: style.node_size,
        widthConstraint: { maximum: style.label_width },
      } : {
        font: { size: (group.font || {}).size || 14 }, size: group.size,
        widthConstraint: group.widthConstraint,
      });
    }
    const fade = current.layout.fade;
    for (const e of current.edges) {
      const orig = visEdgeById.get(e.id);
      const onPath = dimming && current.pathEdges.has(e.id);
      const faded = fade && !overlayEdges.has(e.id) ? G.faded[e.id] : null;
      const base = faded ? faded.color : orig.color;
      if (orig.font) override(edgeOver, dirtyEdges, e.id, { font: faded ? { ...orig.font, ...faded.font } : orig.font });
      override(edgeOver, dirtyEdges, e.id, {
        color: dimming && !onPath ? DIM_EDGE : base,
        width: onPath ? orig.width * 2.2 : overlayEdges.has(e.id) ? orig.width * 2.5 : orig.width,
      });
    }
  }

  function syncData() {
    const haveNodes = new Set(nodesDS.getIds());
    const haveEdges = new Set(edgesDS.getIds());
    const wantEdges = new Set(current.edges.map((e) => e.id));
    const goneEdges = [...haveEdges].filter((id) => !wantEdges.has(id));
    if (goneEdges.length) edgesDS.remove(goneEdges);
    const goneNodes = [...haveNodes].filter((id) => !current.nodeSet.has(id));
    if (goneNodes.length) nodesDS.remove(goneNodes);
    const nodeChanges = current.nodes.filter((id) => haveNodes.has(id) && dirtyNodes.has(id))
      .map((id) => ({ id, ...nodeOver.get(id) }));
    if (nodeChanges.length) nodesDS.update(nodeChanges);
    const newNodes = current.nodes.filter((id) => !haveNodes.has(id))
      .map((id) => ({ ...visNodeById.get(id), ...nodeOver.get(id) }));
    if (newNodes.length) nodesDS.add(newNodes);
    const edgeChanges = current.edges.filter((e) => haveEdges.has(e.id) && dirtyEdges.has(e.id))
      .map((e) => ({ id: e.id, ...edgeOver.get(e.id) }));
    if (edgeChanges.length) edgesDS.update(edgeChanges);
    const newEdges = current.edges.filter((e) => !haveEdges.has(e.id))
      .map((e) => ({ ...visEdgeById.get(e.id), ...edgeOver.get(e.id) }));
    if (newEdges.length) edgesDS.add(newEdges);
    dirtyNodes.clear();
    dirtyEdges.clear();
  }

  // --- positions: computed by the server for each view (viz/layout.py view_positions) ------------
  function place() {
    const pos = current.layout.positions;
    for (const id of current.nodes) override(nodeOver, dirtyNodes, id, { x: pos[id][0], y: pos[id][1] });
  }

  // --- rendering a state ---------------------------------------------------------------------------
  const status = document.getElementById("status");
  const capNotice = document.getElementById("cap-notice");

  function draw() {
    place();
    restyle();
    syncData();
  }


  const layoutEl = document.querySelector("main.layout");
  function panelOpen() {
    // The overview gives the canvas the panel's room until a node is selected.
    const closed = current.layout.overview && !state.selected && state.path.length !== 2;
    if (layoutEl.classList.contains("panel-closed") === closed) return;
    layoutEl.classList.toggle("panel-closed", closed);
    if (network) { network.setSize("100%", "100%"); network.redraw(); }
  }

  function refreshUi(options) {
    panelOpen();
    document.title = state.focus ? `${byId.get(state.focus).label}: ScaleKG graph` : "ScaleKG graph";
    updateStatus();
    updatePathBar();
    syncControls();
    if (edgeTableBox.open) fillEdgeTable();
    else document.getElementById("edge-table-count").textContent = String(current.edges.length);
    renderPanel();
    if (state.selected && current.nodeSet.has(state.selected)) network.selectNodes([state.selected]);
    else network.unselectAll();
    if (options.fit !== false) fit();
    syncUrl();
    expose();
  }

  function fit() {
    network.fit({ animation: false, maxZoomLevel: 1.2 });
    levelOfDetail();
  }

  function updateStatus() {
    let text = `Showing ${current.nodes.length} of ${G.nodes.length} nodes and ${current.edges.length} edges`;
    if (state.focus) text += `, around “${byId.get(state.focus).label}” (depth ${state.depth})`;
    const filters = [];
    if (state.types) filters.push("classes");
    if (state.relations) filters.push("relations");
    if (state.stages) filters.push("stages");
    if (filters.length) text += `; filtered by ${filters.join(", ")}`;
    status.textContent = text + ".";
    capNotice.hidden = !current.truncated;
    if (current.truncated) {
      capNotice.textContent = `This focused view is capped at ${META.maxNodes} nodes: some neighbours are not shown. Lower the depth or narrow the filters.`;
    }
  }

  function updatePathBar() {
    const bar = document.getElementById("path-bar");
    const text = document.getElementById("path-text");
    if (state.path.length === 2) {
      const [a, b] = state.path.map((id) => byId.get(id).label);
      text.textContent = current.path.edges.length || current.path.nodes.length === 1
        ? `Path highlighted: ${current.path.nodes.length} nodes, ${current.path.edges.length} edges on the shortest chains between “${a}” and “${b}”.`
        : `No chain between “${a}” and “${b}” along the shown relations.`;
      bar.hidden = false;
    } else if (pendingPathStart) {
      text.textContent = `Path from “${byId.get(pendingPathStart).label}”: select another node and press “Path to here”.`;
      bar.hidden = false;
    } else {
      bar.hidden = true;
    }
  }

  // --- URL ----------------------------------------------------------------------------------------------
  function typesForUrl(v) {
    if (!v.types) return [];
    const out = [];
    for (const c of G.classes) {
      const on = c.types.filter((t) => v.types.has(t));
      if (c.key === "Other" && on.length === c.types.length) out.push("Other");
      else out.push(...on);
    }
    return out;
  }
  function query(st, overlay = !st) {
    const v = st || state;
    const q = new URLSearchParams();
    if (v.focus) { q.set("focus", v.focus); q.set("depth", String(v.depth)); }
    const types = typesForUrl(v);
    if (types.length) q.set("types", types.join(","));
    if (v.relations) q.set("relations", allRelations.filter((r) => v.relations.has(r)).join(","));
    if (v.stages) q.set("stages", G.stages.filter((s) => v.stages.has(s)).join(","));
    if (v.expand.length) q.set("expand", v.expand.join(","));
    if (v.path.length === 2) q.set("path", v.path.join(","));
    if (v.selected) q.set("selected", v.selected);
    if (v.confidence) q.set("confidence", v.confidence);
    if (overlay && OVERLAY) q.set("assessment", OVERLAY.id);
    return q.toString().replace(/%2C/g, ",");
  }
  function syncUrl() {
    let q = query(state, true);
    // On the server /graph alone is the overview: every class is written types=all.
    if (META.overviewDefault && !state.types) q = q ? `types=all&${q}` : "types=all";
    try {
      history.replaceState(null, "", q ? "?" + q : location.pathname);
    } catch (err) {
      /* some file:// contexts refuse replaceState: the view still works */
    }
  }

  // --- controls -----------------------------------------------------------------------------------------
  const typeBox = document.getElementById("type-filter");
  const relBox = document.getElementById("relation-filter");
  const stageBox = document.getElementById("stage-filter");
  const depthInput = document.getElementById("depth");
  depthInput.max = String(META.maxDepth);

  for (const c of G.classes) {
    const input = el("input", { type: "checkbox", value: c.key, checked: true });
    typeBox.append(el("label", { title: c.types.join(", ") }, input, shapeIcon(c), c.label, el("span", { class: "count", text: String(c.count) })));
  }
  for (const r of G.relations) {
    const input = el("input", { type: "checkbox", value: r.key, checked: true });
    relBox.append(el("label", { title: r.key }, input, relationIcon(r, false), r.label));
  }

  function syncControls() {
    for (const input of typeBox.querySelectorAll("input")) {
      const cls = G.classes.find((c) => c.key === input.value);
      input.checked = !state.types || cls.types.some((t) => state.types.has(t));
    }
    for (const input of relBox.querySelectorAll("input")) input.checked = !state.relations || state.relations.has(input.value);
    for (const input of stageBox.querySelectorAll("input")) input.checked = !state.stages || state.stages.has(input.value);
    const least = state.confidence || G.confidence[G.confidence.length - 1].key;
    for (const input of confidenceBox.querySelectorAll("input")) input.checked = input.value === least;
    depthInput.value = String(state.depth);
  }

  function keepOne(box, input) {
    if (![...box.querySelectorAll("input")].some((i) => i.checked)) {
      input.checked = true;
      status.textContent = "At least one must stay selected.";
      return false;
    }
    return true;
  }

  // Each control asks for a new view; the state changes when the view arrives.
  const change = (values, opts) => show({ ...state, ...values }, opts);
  typeBox.addEventListener("change", (ev) => {
    if (!keepOne(typeBox, ev.target)) return;
    const chosen = [];
    for (const input of typeBox.querySelectorAll("input:checked")) {
      chosen.push(...G.classes.find((c) => c.key === input.value).types);
    }
    change({ types: setOrNull(chosen, allTypes) });
  });
  relBox.addEventListener("change", (ev) => {
    if (!keepOne(relBox, ev.target)) return;
    change({ relations: setOrNull([...relBox.querySelectorAll("input:checked")].map((i) => i.value), allRelations) });
  });
  stageBox.addEventListener("change", (ev) => {
    if (!keepOne(stageBox, ev.target)) return;
    change({ stages: setOrNull([...stageBox.querySelectorAll("input:checked")].map((i) => i.value), G.stages) });
  });
  const confidenceBox = document.getElementById("confidence-filter");
  confidenceBox.addEventListener("change", (ev) => {
    const value = ev.target.value;
    change({ confidence: value === G.confidence[G.confidence.length - 1].key ? null : value });
  });
  depthInput.addEventListener("change", () => {
    const d = parseInt(depthInput.value, 10);
    if (!Number.isFinite(d)) { depthInput.value = String(state.depth); return; }
    const depth = Math.max(0, Math.min(NAMES.maxDepth, d));
    if (state.focus) change({ depth });
    else { state.depth = depth; syncControls(); }
  });
  document.getElementById("whole-graph").addEventListener("click", () => change({ focus: null, expand: [] }));
  document.getElementById("fit").addEventListener("click", () => fit());
  document.getElementById("path-clear").addEventListener("click", () => {
    pendingPathStart = null;
    change({ path: [] }, { fit: false });
  });

  // --- actions --------------------------------------------------------------------------------------------
  let pendingPathStart = null;

  function focusOn(id) {
    return change({ focus: id, selected: id, expand: [] });
  }
  function selectNode(id) {
    // Only the panel changes: the view stays.
    state.selected = id;
    refreshUi({ fit: false });
  }
  function expandNode(id) {
    return change({ expand: state.expand.includes(id) ? state.expand : [...state.expand, id] });
  }
  function pathFrom(id) {
    pendingPathStart = id;
    if (state.path.length) change({ path: [] }, { fit: false });
    else refreshUi({ fit: false });
  }
  function pathTo(id) {
    const start = pendingPathStart || (state.path.length === 2 ? state.path[0] : null);
    if (!start) return;
    pendingPathStart = null;
    change({ path: [start, id] }, { fit: false });
  }
  function newLinks(id) {
    // Links the Expand button would bring into view (the server counts them for each view).
    return current.hiddenLinks.get(id) || 0;
  }

  function wire() {
    network.on("click", (params) => {
      if (params.nodes.length) selectNode(params.nodes[0]);
    });
    network.on("doubleClick", (params) => {
      if (params.nodes.length) focusOn(params.nodes[0]);
    });
    network.on("zoom", levelOfDetail);
  }

  // --- the side panel ----------------------------------------------------------------------------------
  const panel = document.getElementById("panel");
  const panelHint = panel.firstElementChild ? panel.firstElementChild.cloneNode(true) : null;

  function nodeButton(id) {
    const n = byId.get(id);
    return el("button", { type: "button", class: "linklike", text: n.label, title: `Select ${n.label}`, onclick: () => selectNode(id) });
  }

  function sourceList(edge) {
    const frag = document.createDocumentFragment();
    for (const s of edge.sources) {
      frag.append(el("blockquote", { text: s.quote }));
      frag.append(el("p", { class: "source" },
        el("span", { text: `${s.document_title || s.document}, ${s.locator} ` }),
        el("span", { class: `tag ${s.basis}`, text: s.basis })));
      if (s.rationale) frag.append(el("p", { class: "rationale", text: s.rationale }));
    }
    return frag;
  }

  function edgeGroups(title, edges, direction) {
    const section = el("section", { class: `edges-${direction}` }, el("h3", { text: `${title} (${edges.length})` }));
    if (!edges.length) { section.append(el("p", { class: "hint", text: "None." })); return section; }
    const groups = new Map();
    for (const e of edges) {
      if (!groups.has(e.relation)) groups.set(e.relation, []);
      groups.get(e.relation).push(e);
    }
    for (const rel of allRelations.filter((r) => groups.has(r))) {
      const style = relationStyle.get(rel);
      section.append(el("h4", {}, relationIcon(style, false), " ", direction === "out" ? style.label : `${style.label}, from`));
      const list = el("ul", { class: "edges" });
      for (const e of groups.get(rel)) {
        const other = direction === "out" ? e.to : e.from;
        const shown = current.nodeSet.has(other) ? null : el("span", { class: "hint", text: " (not in view)" });
        list.append(el("li", { "data-edge": e.id },
          el("div", {}, nodeButton(other), " ", el("span", { class: `tag ${e.basis}`, text: e.basis }), shown),
          sourceList(e)));
      }
      section.append(list);
    }
    return section;
  }

  function renderPanel() {
    panel.replaceChildren();
    if (state.path.length === 2 && current.path.edges.length) panel.append(pathSection());
    const id = state.selected;
    if (!id) { if (panelHint) panel.append(panelHint.cloneNode(true)); return; }
    const n = byId.get(id);
    const cls = classOfType.get(n.type) || G.classes[G.classes.length - 1];
    panel.append(el("h2", { id: "panel-title", text: n.label }));
    const meta = el("p", { class: "meta" }, shapeIcon(cls, 16), el("span", { text: n.type }));
    if (n.stages.length) meta.append(el("span", { class: "tag", text: n.stages.join(", ") }));
    if (n.slide !== null && n.slide !== undefined) meta.append(el("span", { text: `slide ${n.slide}` }));
    panel.append(meta);
    if (n.definition) panel.append(el("p", { class: "definition", text: n.definition }));
    if (n.alt_labels.length) panel.append(el("p", { class: "alt" }, el("strong", { text: "Also called: " }), n.alt_labels.join("; ")));

    const actions = el("div", { class: "actions" });
    actions.append(el("button", { type: "button", id: "panel-focus", text: `Focus here (depth ${state.depth})`, onclick: () => focusOn(id) }));
    const links = newLinks(id);
    actions.append(el("button", {
      type: "button", id: "panel-expand", disabled: links === 0 || !current.nodeSet.has(id),
      text: links ? `Expand (${links} link${links === 1 ? "" : "s"})` : "Expand (all links shown)",
      onclick: () => expandNode(id),
    }));
    actions.append(el("button", { type: "button", id: "panel-path-from", text: "Path from here", onclick: () => pathFrom(id) }));
    const start = pendingPathStart || (state.path.length === 2 ? state.path[0] : null);
    actions.append(el("button", { type: "button", id: "panel-path-to", text: "Path to here", disabled: !start || start === id, onclick: () => pathTo(id) }));
    panel.append(actions);

    const iri = n.iri;
    const sparql = /^[^<>"{}|^`\\\s]+$/.test(iri) ? META.sparqlTemplate.split("{iri}").join(iri) : null;
    panel.append(el("div", { class: "links" },
      el("a", { id: "link-ld", href: safeHref(`id/${encodeURIComponent(id)}`), text: "Linked Data page" }),
      el("a", { id: "link-mitigators", href: safeHref(`api/concepts/${encodeURIComponent(id)}/mitigated-by`), text: "What mitigates this? (answer with sources)" }),
      sparql ? el("a", { id: "link-sparql", href: safeHref(`query?query=${encodeURIComponent(sparql)}`), text: "SPARQL query about it" }) : null));

    panel.append(edgeGroups("Outgoing", outEdges.get(id) || [], "out"));
    panel.append(edgeGroups("Incoming", inEdges.get(id) || [], "in"));
  }

  function pathSection() {
    const section = el("section", { id: "path-chains" });
    const found = current.path.chains;
    section.append(el("h3", { text: `Chains (${found.length}${current.path.more ? "+" : ""})` }));
    const list = el("ol", { class: "chains" });
    for (const chain of found) {
      const item = el("li", {});
      item.append(nodeButton(chain[0].from));
      for (const e of chain) {
        const style = relationStyle.get(e.relation);
        item.append(el("span", { text: ` —${style.label}→ ` }), nodeButton(e.to));
      }
      list.append(item);
    }
    section.append(list);
    return section;
  }

  // --- the text alternative ------------------------------------------------------------------------------
  const edgeTableBox = document.getElementById("edge-table-box");
  function fillEdgeTable() {
    const body = document.querySelector("#edge-table tbody");
    const rows = current.edges.map((e) => {
      const s = e.sources[0] || {};
      return el("tr", { "data-edge": e.id },
        el("td", {}, nodeButton(e.from)),
        el("td", { text: relationStyle.get(e.relation).label }),
        el("td", {}, nodeButton(e.to)),
        el("td", { text: e.basis }),
        el("td", { text: s.locator ? `${s.document_title || s.document}, ${s.locator}: “${s.quote}”` : "" }));
    });
    body.replaceChildren(...rows);
    document.getElementById("edge-table-count").textContent = String(current.edges.length);
  }
  edgeTableBox.addEventListener("toggle", () => { if (edgeTableBox.open) fillEdgeTable(); });

  // --- search (a keyboard-usable combobox over labels and synonyms) ------------------------------------
  // The ranking lives on the server (graph/question/suggest.py): a served page asks /api/suggest;
  // a standalone file reads the server's answers for every prefix, precomputed in DATA.suggest.
  const search = document.getElementById("search");
  const listbox = document.getElementById("search-list");
  const nodeByIndex = G.nodes.map((n) => n.id);
  let matches = [];
  let active = -1;
  let latest = Promise.resolve([]);
  let asking = 0;

  function norm(s) { // the server's normalise(): case, accents, apostrophes and punctuation
    return String(s).replace(/['\u2018\u2019]/g, "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/&/g, " and ").replace(/#1/g, " number one ").replace(/[^a-z0-9]+/g, " ").trim();
  }
  function fromFile(text) {
    const table = DATA.suggest;
    const q = norm(text);
    if (!table || !q) return [];
    const key = q.slice(0, table.keyChars).trim();
    const ids = (table.prefixes[key] || []).map((i) => byId.get(nodeByIndex[i]));
    if (q.length <= table.keyChars) return ids.map((n) => ({ id: n.id, label: n.label, type: n.type, matched: n.label }));
    // Longer than the table's keys: keep, in the server's order, those a name still begins with.
    const begins = (name) => { const w = norm(name); return w.startsWith(q) || w.includes(" " + q); };
    return ids.filter((n) => [n.label, ...n.alt_labels].some(begins))
      .map((n) => ({ id: n.id, label: n.label, type: n.type, matched: n.label }));
  }
  async function fromServer(text) {
    const r = await fetch(`${META.linkBase}api/suggest?q=${encodeURIComponent(text)}&limit=12`, { headers: { Accept: "application/json" } });
    if (!r.ok) return [];
    return (await r.json()).concepts.filter((c) => byId.has(c.id));
  }
  function refresh() {
    const text = search.value;
    const ticket = ++asking;
    latest = (META.standalone ? Promise.resolve(fromFile(text)) : fromServer(text)).catch(() => []).then((found) => {
      if (ticket === asking) { matches = found; active = found.length ? 0 : -1; showList(); }
      return found;
    });
    return latest;
  }
  function closeList() {
    listbox.hidden = true; search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant"); active = -1;
  }
  function showList() {
    if (!search.value.trim()) { closeList(); return; }
    listbox.replaceChildren(...matches.map((m, i) => el("li", {
      id: `search-opt-${i}`, role: "option", "aria-selected": i === active ? "true" : "false", "data-id": m.id,
      onmousedown: (ev) => { ev.preventDefault(); choose(i); },
    }, el("span", { text: m.label }), m.matched && m.matched !== m.label ? el("span", { class: "syn", text: `(${m.matched})` }) : null, el("span", { class: "type", text: m.type }))));
    if (!matches.length) listbox.replaceChildren(el("li", { role: "option", "aria-disabled": "true", text: "No concept matches." }));
    listbox.hidden = false; search.setAttribute("aria-expanded", "true");
    if (active >= 0) search.setAttribute("aria-activedescendant", `search-opt-${active}`);
    else search.removeAttribute("aria-activedescendant");
  }
  function choose(i) {
    const m = matches[i];
    if (!m) return;
    search.value = m.label;
    closeList();
    focusOn(m.id);
  }
  search.addEventListener("input", () => {
    if (!search.value.trim()) { asking++; closeList(); return; }
    refresh();
  });
  search.addEventListener("keydown", async (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (listbox.hidden) { await refresh(); return; }
      if (!matches.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length;
      showList();
      document.getElementById(`search-opt-${active}`).scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      const choice = listbox.hidden ? -1 : active;
      const ticket = asking;
      await latest; // the answer for what was typed before Enter
      if (ticket !== asking || listbox.hidden) { await refresh(); choose(0); return; }
      choose(choice >= 0 ? Math.min(choice, matches.length - 1) : 0);
    } else if (ev.key === "Escape") {
      if (!listbox.hidden) ev.preventDefault(); // close the list first, clear the text next time
      closeList();
    }
  });
  search.addEventListener("blur", () => setTimeout(closeList, 100));

  // --- exports --------------------------------------------------------------------------------------------
  function download(href, name) {
    const a = el("a", { href, download: name });
    document.body.append(a); a.click(); a.remove();
  }
  function viewJson() {
    const strip = ({ order, ...rest }) => rest; // eslint-disable-line no-unused-vars
    return {
      view: { focus: state.focus, depth: state.depth, types: state.types ? allTypes.filter((t) => state.types.has(t)) : [],
        relations: state.relations ? allRelations.filter((r) => state.relations.has(r)) : [],
        stages: state.stages ? G.stages.filter((s) => state.stages.has(s)) : [],
        expand: state.expand.slice(), path: state.path.slice(), selected: state.selected },
      snapshot: G.snapshot,
      counts: { nodes: current.nodes.length, edges: current.edges.length, graph_nodes: G.nodes.length, graph_edges: G.edges.length },
      truncated: current.truncated,
      max_nodes: current.maxNodes,
      nodes: current.nodes.map((id) => strip(byId.get(id))),
      edges: current.edges,
      path: {
        nodes: current.path.nodes.slice(), edges: current.path.edges.map((e) => e.id),
        chains: current.path.chains.map((chain) => chain.map((e) => e.id)), more_chains: current.path.more,
      },
      hidden_links: Object.fromEntries(current.hiddenLinks),
    };
  }
  document.getElementById("export-json").addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(viewJson(), null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    download(url, "scalekg-view.json");
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  function pngDataUrl() {
    const src = container.querySelector("canvas");
    const out = document.createElement("canvas");
    out.width = src.width; out.height = src.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    return out.toDataURL("image/png");
  }
  document.getElementById("export-png").addEventListener("click", () => download(pngDataUrl(), "scalekg-graph.png"));
  if (META.standalone && !META.linkBase) document.getElementById("export-graphml").hidden = true;

  // --- state for tests and benchmarks --------------------------------------------------------------------
  const api = (window.scalekg = {
    ready: false, firstPaintMs: null, readyMs: null, setupMs: null,
    network: null, datasets: { nodes: nodesDS, edges: edgesDS }, nodes: [], edges: [], truncated: false, pathNodes: [], pathEdges: [],
    state: () => ({ ...state, types: state.types ? [...state.types] : null, relations: state.relations ? [...state.relations] : null, stages: state.stages ? [...state.stages] : null }),
    query, focus: focusOn, select: selectNode, expand: expandNode, viewJson, pngDataUrl,
    path: (a, b) => { pendingPathStart = null; return change({ path: [a, b] }, { fit: false }); },
    drawnNodes: () => nodesDS.length,
    overlay: OVERLAY,
    nodeColour: (id) => { const n = nodesDS.get(id); return n && n.color ? n.color.background : null; },
    detail: () => detail,
    layout: () => current.layout,
    // Each drawn node's label as it is on screen: font size in CSS pixels at the current zoom,
    // and its box in page coordinates (what the overview test checks for readability).
    labels: () => {
      const scale = network.getScale();
      const rect = container.getBoundingClientRect();
      return current.nodes.map((id) => {
        const node = network.body.nodes[id];
        const size = node.labelModule.size;
        const a = network.canvasToDOM({ x: size.left, y: size.top });
        const b = network.canvasToDOM({ x: size.left + size.width, y: size.top + size.height });
        return {
          id, type: byId.get(id).type, label: byId.get(id).label,
          fontPx: node.options.font.size * scale,
          box: { left: rect.left + a.x, top: rect.top + a.y, right: rect.left + b.x, bottom: rect.top + b.y },
          inView: a.x >= 0 && a.y >= 0 && b.x <= rect.width && b.y <= rect.height,
        };
      });
    },
  });
  function expose() {
    api.nodes = current.nodes.slice();
    api.edges = current.edges.map((e) => e.id);
    api.truncated = current.truncated;
    api.pathNodes = current.path.nodes.slice();
    api.pathEdges = current.path.edges.map((e) => e.id);
  }

  // --- start -------------------------------------------------------------------------------------------
  fileView = stateFromView(DATA.view);
  Object.assign(state, fileView);
  current = fromSelection(DATA.selection);
  const fromUrl = META.standalone ? viewFromUrl() : null;
  const wanted = fromUrl ? stateFromView(fromUrl) : null;
  const found = wanted ? stored(wanted) : null;
  if (found) {
    Object.assign(state, stateFromView({ ...found.view, selected: wanted.selected }));
    current = fromSelection(found);
  }
  draw();
  timings.datasets = performance.now() - t0;
  network = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, G.vis.options);
  api.network = network;
  timings.network = performance.now() - t0;
  wire();
  network.once("afterDrawing", () => {
    api.firstPaintMs = performance.now();
    requestAnimationFrame(() => { api.readyMs = performance.now(); api.ready = true; document.body.dataset.ready = "true"; });
  });
  refreshUi({});
  if (wanted && !found) notInFile(wanted);
  timings.render = performance.now() - t0;
  api.timings = timings;
  api.setupMs = performance.now() - t0;
})();
