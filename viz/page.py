"""The graph page: a pyvis Network filled directly, rendered with our own offline template.

pyvis' template loads Bootstrap from a CDN and turns tooltips into HTML when a title contains
"href", so we use pyvis for what it is good at (the vis-network data model, its options and the
vis-network 9.1.2 build it ships) and render our own Jinja template:

- every piece of graph text travels only inside ``<script type="application/json">``, with ``<``,
  ``>`` and ``&`` written as ``\\u003c``, ``\\u003e``, ``\\u0026``: the HTML parser never sees it;
- labels are drawn on the canvas, tooltips are plain strings (vis-network 9.1.2 sets them with
  ``innerText``), and the side panel is built with ``textContent``: no data is ever parsed as HTML;
- the few server-rendered texts (title, error page) go through Jinja's autoescape.

The same page is served at ``/graph`` (assets from ``/graph/static/``) and written standalone by
``scalekg viz`` (assets inlined, no request of any kind).
"""

import hashlib
import json
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup
from pyvis.network import Network

from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.namespaces import EDGE_PREDICATES, SPARQL_PREFIXES
from scalekg.graph.params import MAX_DEPTH, STAGES, aliases, type_aliases

from .export import compact_selection, edge_id, edge_json, node_json
from .html import render
from .layout import layered_layout
from .select import (
    OTHER_KEY,
    Selection,
    ViewError,
    ViewParams,
    minor_types,
    node_order,
    select,
    type_names,
)
from .style import (
    CLASS_STYLES,
    class_key,
    edge_options,
    faded_edge_color,
    legend,
    node_options,
    relation_style,
)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
BIG_GRAPH_EDGES = 2000  # above this: straight edges, edges hidden while dragging and zooming
# A standalone file carries the focused view of each concept (with the file's filters and depth)
# while the node and edge ids of those views stay under this budget; other views need a server.
STANDALONE_VIEW_BUDGET = 100_000

# The node's edges with their sources, for the SPARQL page. {iri} is replaced in the browser.
SPARQL_TEMPLATE = (
    SPARQL_PREFIXES
    + """
SELECT ?direction ?relation ?other ?otherLabel ?basis ?locator ?quote WHERE {
  {
    ?st rdf:subject <{iri}> ; rdf:predicate ?relation ; rdf:object ?other .
    BIND("outgoing" AS ?direction)
  } UNION {
    ?st rdf:object <{iri}> ; rdf:predicate ?relation ; rdf:subject ?other .
    BIND("incoming" AS ?direction)
  }
  ?st a skg:EdgeStatement ; skg:basis ?basis ; skg:locator ?locator ; skg:quote ?quote .
  OPTIONAL { ?other skos:prefLabel ?otherLabel }
}
ORDER BY ?direction ?relation ?otherLabel"""
)


# --- assets -------------------------------------------------------------------------------------


def vis_js_path() -> Path:
    """vis-network 9.1.2 as pyvis ships it for its in_line mode."""
    return Path(
        str(resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js")
    )


@cache
def asset(name: str) -> str:
    """The text of a page asset: ``vis-network.min.js``, ``graph.js`` or ``graph.css``."""
    if name == "vis-network.min.js":
        text = vis_js_path().read_text(encoding="utf-8")
        # No source-map request, ever.
        return text.replace("//# sourceMappingURL=vis-network.min.js.map", "")
    if name in ("graph.js", "graph.css", "site.css"):
        return (STATIC_DIR / name).read_text(encoding="utf-8")
    raise FileNotFoundError(name)


ASSETS = {
    "vis-network.min.js": "text/javascript; charset=utf-8",
    "graph.js": "text/javascript; charset=utf-8",
    "graph.css": "text/css; charset=utf-8",
    "site.css": "text/css; charset=utf-8",  # the site header's (viz/site.py)
}


@cache
def asset_version(name: str) -> str:
    return hashlib.sha256(asset(name).encode()).hexdigest()[:12]


def script_safe_json(value: object) -> str:
    """JSON that can sit inside a <script> element: no <, >, & or line separators in clear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _inline_safe(code: str) -> str:
    """Code inlined in <script>/<style> must not close the element early."""
    if "</script" in code.lower() or "</style" in code.lower():
        raise ValueError("asset contains a closing tag and cannot be inlined")
    return code


# --- the network ----------------------------------------------------------------------------------


def _node_title(kg: KnowledgeGraph, iri: str) -> str:
    c = kg.concepts[iri]
    lines = [c.label, f"{c.type}" + (f" · {', '.join(c.stages)}" if c.stages else "")]
    if c.definition:
        d = c.definition
        lines += ["", d if len(d) <= 280 else d[:279] + "…"]
    return "\n".join(lines)


def _edge_title(kg: KnowledgeGraph, edge) -> str:
    s, o = kg.concepts[edge.subject], kg.concepts[edge.object]
    lines = [
        f"{s.label} → {relation_style(edge.predicate).label} → {o.label}",
        edge.basis if edge.confidence == edge.basis else f"{edge.basis}, {edge.confidence}",
    ]
    for p in edge.provenance:
        lines.append(f"{p.document_title or p.document}, {p.locator} ({p.basis})")
        q = p.quote if len(p.quote) <= 240 else p.quote[:239] + "…"
        lines.append(f"“{q}”")
    return "\n".join(lines)


def build_network(kg: KnowledgeGraph) -> Network:
    """A pyvis Network of the whole graph: positions from the layered layout, physics off.

    ``net.nodes`` and ``net.edges`` are filled directly (``Network.from_nx`` scans the node list
    for every edge). Node styles go in vis-network groups, one per class, plus a dimmed twin used
    when a path is highlighted.
    """
    pos = layered_layout(kg)
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    net.nodes = [
        {
            "id": c.slug,
            "label": c.label,
            "group": class_key(c.type),
            "title": _node_title(kg, c.iri),
            "x": pos[c.iri][0],
            "y": pos[c.iri][1],
        }
        for c in sorted(kg.concepts.values(), key=lambda c: c.slug)
    ]
    net.edges = [
        {
            "id": edge_id(kg, e),
            "from": kg.concepts[e.subject].slug,
            "to": kg.concepts[e.object].slug,
            "title": _edge_title(kg, e),
            **edge_options(e.predicate, e.basis, e.confidence),
        }
        for e in kg.edges
    ]
    big = len(kg.edges) > BIG_GRAPH_EDGES
    groups: dict[str, dict] = {}
    for key in CLASS_STYLES:
        groups[key] = node_options(key)
        groups[f"{key}-dim"] = node_options(key, dim=True)
    net.options = {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 7, "hierarchical": {"enabled": False}},
        "interaction": {
            "hover": not big,
            "tooltipDelay": 200,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "zoomView": True,
            "dragView": True,
        },
        "nodes": {"chosen": True},
        "edges": {
            "smooth": False if big else {"enabled": True, "type": "curvedCW", "roundness": 0.12},
            "selectionWidth": 2,
            "hoverWidth": 1,
        },
        "groups": groups,
    }
    return net


def graph_payload(kg: KnowledgeGraph) -> str:
    """The view-independent part of the page data (the whole graph), as script-safe JSON."""

    def compute() -> str:
        net = build_network(kg)
        nodes, edges, _heading, _height, _width, options = net.get_network_data()
        order = node_order(kg)
        present_types = {c.type for c in kg.concepts.values()}
        classes = [
            {**entry, "types": sorted(t for t in present_types if class_key(t) == entry["key"])}
            for entry in legend()["classes"]
        ]
        classes = [c for c in classes if c["types"]]
        present_relations = {e.predicate for e in kg.edges}
        relations = [r for r in legend()["relations"] if r["key"] in present_relations]
        relations += [
            {"key": p, "label": p, "color": "#999999", "sign": "", "arrow": "arrow"}
            for p in sorted(present_relations - set(EDGE_PREDICATES))
        ]
        counts: dict[str, int] = {}
        for c in kg.concepts.values():
            counts[class_key(c.type)] = counts.get(class_key(c.type), 0) + 1
        graph = {
            "snapshot": kg.snapshot_hash,
            "classes": [{**c, "count": counts.get(c["key"], 0)} for c in classes],
            "relations": relations,
            "stages": list(STAGES),
            "nodes": [
                {**node_json(kg, c.iri), "order": order[c.iri]}
                for c in sorted(kg.concepts.values(), key=lambda c: c.slug)
            ],
            "edges": [edge_json(kg, e) for e in kg.edges],
            "confidence": legend()["confidence"],
            # The overview draws edges faint until a node is hovered or selected.
            "faded": {
                edge_id(kg, e): faded_edge_color(e.predicate, e.confidence) for e in kg.edges
            },
            "vis": {"nodes": nodes, "edges": edges, "options": json.loads(options)},
        }
        return script_safe_json(graph)

    return kg.cached(("viz", "payload"), compute)


# --- the page -------------------------------------------------------------------------------------


def page_title(kg: KnowledgeGraph, view: ViewParams) -> str:
    if view.focus:
        return f"{kg.concepts[view.focus].label}: ScaleKG graph"
    return "ScaleKG graph"


def render_page(
    kg: KnowledgeGraph,
    view: ViewParams | None = None,
    *,
    max_nodes: int = 600,
    standalone: bool = False,
    base_url: str = "",
    overlay: dict | None = None,
    overview_default: bool = False,
) -> str:
    """The whole graph page for a view.

    ``standalone``: inline every asset (for ``scalekg viz``); links to the server (the concept's
    Linked Data page, the answers, the SPARQL page, GraphML) are then relative to ``base_url`` and
    may be dead when the file is opened on its own.
    """
    view = view or ViewParams()
    selection = select(kg, view, max_nodes=max_nodes)
    views = standalone_views(kg, view, max_nodes=max_nodes) if standalone else None
    link_base = "/"
    if standalone:
        link_base = base_url.rstrip("/") + "/" if base_url else ""
    meta = {
        "standalone": standalone,
        "maxNodes": max_nodes,
        "maxDepth": MAX_DEPTH,
        "names": page_names(kg),
        "linkBase": link_base,
        "sparqlTemplate": SPARQL_TEMPLATE,
        "overlay": overlay,
        # On the server, /graph without parameters is the overview: a view of every class is
        # then written types=all in the address bar.
        "overviewDefault": overview_default,
        "initial": {
            "nodes": len(selection.nodes),
            "edges": len(selection.edges),
            "truncated": selection.truncated,
        },
    }
    data = (
        '{"meta":'
        + script_safe_json(meta)
        + ',"view":'
        + script_safe_json(view.as_dict(kg))
        + ',"selection":'
        + script_safe_json(compact_selection(kg, selection))
        + ',"views":'
        + script_safe_json(views)
        + ',"suggest":'
        + (standalone_suggestions(kg) if standalone else "null")
        + ',"graph":'
        + graph_payload(kg)
        + "}"
    )
    if standalone:
        assets = {
            "vis_js": Markup(_inline_safe(asset("vis-network.min.js"))),
            "app_js": Markup(_inline_safe(asset("graph.js"))),
            "css": Markup(_inline_safe(asset("graph.css"))),
        }
    else:
        assets = {
            _asset_var(name): f"/graph/static/{name}?v={asset_version(name)}" for name in ASSETS
        }
    return render(
        "graph.html",
        title=page_title(kg, view),
        standalone=standalone,
        data=Markup(data),
        node_count=len(selection.nodes),
        edge_count=len(selection.edges),
        graph_nodes=len(kg.concepts),
        truncated=selection.truncated,
        max_nodes=max_nodes,
        link_base=link_base,
        json_link=None if standalone else "/graph.json?" + _query(kg, view),
        overlay=overlay,
        confidence_levels=legend()["confidence"],
        **assets,
    )


def page_names(kg: KnowledgeGraph) -> dict[str, object]:
    """graph/params.py's tables for the page, with this graph's types and the "Other" entry."""
    types = {key: [name] for key, name in type_aliases(type_names(kg)).items()}
    types[OTHER_KEY] = minor_types(kg)
    return aliases(types)


def standalone_suggestions(kg: KnowledgeGraph) -> str:
    """The search box's suggestions for a file with no server: the server's ranking
    (graph/question/suggest.py) for every prefix up to ``TABLE_KEY_CHARS``, as node indices."""
    from scalekg.graph.question.suggest import TABLE_KEY_CHARS, prefix_table

    def compute() -> str:
        order = {
            c.slug: i for i, c in enumerate(sorted(kg.concepts.values(), key=lambda c: c.slug))
        }
        prefixes = {k: [order[s] for s in v] for k, v in prefix_table(kg).items()}
        return script_safe_json({"keyChars": TABLE_KEY_CHARS, "prefixes": prefixes})

    return kg.cached(("viz", "suggest"), compute)


def standalone_views(kg: KnowledgeGraph, view: ViewParams, *, max_nodes: int) -> dict:
    """The views a standalone file can show besides its own: the whole graph and each concept's
    focus, with the file's filters and depth (so search and double-click work without a server).

    Concepts are taken in slug order while the views fit ``STANDALONE_VIEW_BUDGET``.
    """
    base = replace(view, focus=None, expand=(), path=None, selected=None)

    def size(selection: Selection) -> int:
        return len(selection.nodes) + len(selection.edges)

    whole = select(kg, base, max_nodes=max_nodes)
    budget = STANDALONE_VIEW_BUDGET - size(whole)
    focus: dict[str, dict] = {}
    for concept in sorted(kg.concepts.values(), key=lambda c: c.slug):
        selection = select(kg, replace(base, focus=concept.iri), max_nodes=max_nodes)
        budget -= size(selection)
        if budget < 0:
            break
        focus[concept.slug] = compact_selection(kg, selection)
    return {"whole": compact_selection(kg, whole), "focus": focus, "complete": budget >= 0}


def _asset_var(name: str) -> str:
    return name.replace(".", "_").replace("-", "_")


def _query(kg: KnowledgeGraph, view: ViewParams) -> str:
    return "&".join(f"{k}={quote(v, safe=',')}" for k, v in view.query(kg).items())


def render_error(error: ViewError) -> str:
    """A readable HTML error page for a bad view (422) or an unknown concept (404)."""
    return render("view_error.html", error=error)
