"""A CONSTRUCT/DESCRIBE result drawn with the graph page's visual grammar (for /query).

The workbench sends the result's triples (Turtle or N-Triples, as /sparql answered them) and gets
back vis-network nodes and edges styled by ``viz.style``: a concept of the graph gets its class's
shape and colour and its place in the graph page's layered layout; a causal edge gets its
relation's colour, arrow and sign, dashed when the graph holds it as interpreted, wider and darker
the surer it is (its confidence). Other resources
(edge statements, sources) are grey dots, other predicates grey lines labelled with their name.
Literals are not nodes: they go in the tooltip of their subject, and a label names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.namespaces import SKG
from scalekg.graph.vocabulary import prefixed

from .layout import COLUMN_GAP, ROW_GAP, layered_layout
from .style import CLASS_STYLES, DEFAULT_RELATION, class_key, edge_options, legend, node_options

MAX_NODES = 400
MAX_TRIPLES = 5000
LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label)
TOOLTIP_LITERALS = 6


class TriplesError(ValueError):
    """The text does not parse as RDF in the given format."""


@dataclass(frozen=True)
class _Node:
    key: str
    term: URIRef | BNode


def parse_triples(text: str, media_type: str) -> Graph:
    fmt = "nt" if "n-triples" in media_type else "turtle"
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many types for bad input
        raise TriplesError(f"the result does not parse as {fmt}: {exc}") from exc
    return graph


def _short(term: URIRef | BNode) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    text = prefixed(str(term))
    return text if not text.startswith("<") else str(term).rstrip("/#").rsplit("/", 1)[-1]


def triples_view(kg: KnowledgeGraph, graph: Graph) -> dict:
    """vis-network data for the triples of ``graph``: nodes, edges, options and legend."""
    triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    truncated = len(triples) > MAX_TRIPLES
    triples = triples[:MAX_TRIPLES]
    labels: dict[str, str] = {}
    literals: dict[str, list[str]] = {}
    order: list[URIRef | BNode] = []
    seen: set[str] = set()
    links: list[tuple[URIRef | BNode, URIRef, URIRef | BNode]] = []

    def add(term: URIRef | BNode) -> bool:
        key = str(term)
        if key in seen:
            return True
        if len(order) >= MAX_NODES:
            return False
        seen.add(key)
        order.append(term)
        return True

    for s, p, o in triples:
        if not isinstance(s, URIRef | BNode):
            continue
        if isinstance(o, Literal):
            if p in LABEL_PREDICATES and (o.language in (None, "en")):
                labels.setdefault(str(s), str(o))
            else:
                literals.setdefault(str(s), []).append(f"{_short(p)}: {o}")
            truncated = not add(s) or truncated
            continue
        if not isinstance(p, URIRef):
            continue
        if add(s) and add(o):
            links.append((s, p, o))
        else:
            truncated = True

    fixed = compact_positions(kg, [str(t) for t in order if str(t) in kg.concepts])
    placed = _positions(order, links, fixed)
    nodes = []
    classes_used: set[str] = set()
    for term in order:
        key = str(term)
        concept = kg.concepts.get(key)
        group = class_key(concept.type) if concept else "Other"
        classes_used.add(group)
        label = concept.label if concept else labels.get(key) or _short(term)
        title = [label, concept.type if concept else _short(term)]
        title += literals.get(key, [])[:TOOLTIP_LITERALS]
        x, y = placed[key]
        nodes.append(
            {
                "id": key,
                "label": label,
                "group": group,
                "title": "\n".join(title),
                "x": round(x),
                "y": round(y),
                "href": f"/id/{concept.slug}" if concept else None,
            }
        )
    edges = []
    relations_used: set[str] = set()
    for i, (s, p, o) in enumerate(links):
        predicate = str(p)
        local = predicate[len(str(SKG)) :] if predicate.startswith(str(SKG)) else None
        edge = _kg_edge(kg, str(s), local, str(o)) if local else None
        options = edge_options(
            local or DEFAULT_RELATION.key,
            edge.basis if edge else "stated",
            edge.confidence if edge else None,
        )
        if edge is None and (local is None or options["color"]["color"] == DEFAULT_RELATION.color):
            options = {**options, "label": _short(p), "font": {"size": 11, "color": "#555555"}}
        else:
            relations_used.add(local or "")
        edges.append(
            {
                "id": f"e{i}",
                "from": str(s),
                "to": str(o),
                "title": f"{_short(s)} {_short(p)} {_short(o)}"
                + (f"\n{edge.basis}, {edge.confidence}" if edge else ""),
                **options,
            }
        )
    full_legend = legend()
    return {
        "nodes": nodes,
        "edges": edges,
        "options": {
            "autoResize": True,
            "physics": {"enabled": False},
            "interaction": {"hover": True, "tooltipDelay": 200, "multiselect": False},
            "edges": {
                "smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.12},
                "selectionWidth": 2,
            },
            "groups": {key: node_options(key) for key in CLASS_STYLES},
        },
        "legend": {
            "classes": [c for c in full_legend["classes"] if c["key"] in classes_used],
            "relations": [r for r in full_legend["relations"] if r["key"] in relations_used],
        },
        "counts": {"triples": len(graph), "nodes": len(nodes), "edges": len(edges)},
        "truncated": truncated,
    }


def _kg_edge(kg: KnowledgeGraph, subject: str, predicate: str, obj: str):
    for edge in kg.edges_from(subject, predicate):
        if edge.object == obj:
            return edge
    return None


def compact_positions(kg: KnowledgeGraph, iris: list[str]) -> dict[str, tuple[int, int]]:
    """The graph page's columns and order, without the rows of concepts that are not drawn: each
    column of the layered layout keeps its left-to-right place and its top-to-bottom order."""
    pos = layered_layout(kg)
    columns: dict[int, list[str]] = {}
    for iri in iris:
        columns.setdefault(pos[iri][0], []).append(iri)
    out: dict[str, tuple[int, int]] = {}
    for index, x in enumerate(sorted(columns)):
        members = sorted(columns[x], key=lambda i: (pos[i][1], i))
        for row, iri in enumerate(members):
            out[iri] = (index * COLUMN_GAP, round((row - (len(members) - 1) / 2) * ROW_GAP))
    return out


def _positions(
    order: list[URIRef | BNode],
    links: list[tuple[URIRef | BNode, URIRef, URIRef | BNode]],
    fixed: dict[str, tuple[int, int]],
) -> dict[str, tuple[float, float]]:
    """Concepts keep their place in the graph page's layout; the rest is placed around them by a
    seeded spring layout (the same result always gets the same picture)."""
    keys = [str(t) for t in order]
    if keys and len(fixed) == len(keys):
        return {k: (float(x), float(y)) for k, (x, y) in fixed.items()}
    g = nx.Graph()
    g.add_nodes_from(keys)
    g.add_edges_from((str(s), str(o)) for s, _p, o in links if str(s) != str(o))
    if not keys:
        return {}
    scale = 120.0 * max(len(keys), 4) ** 0.5
    if fixed:
        spread = nx.spring_layout(
            g,
            pos={k: (float(x), float(y)) for k, (x, y) in fixed.items()},
            fixed=list(fixed),
            seed=7,
            k=260.0,
        )
    else:
        spread = nx.spring_layout(g, seed=7, scale=scale)
    return {k: (float(v[0]), float(v[1])) for k, v in spread.items()}
