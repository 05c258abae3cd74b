"""Exports: the current view as JSON (nodes and edges), the whole graph as GraphML for Gephi."""

import io

import networkx as nx

from scalekg.graph.model import Edge, KnowledgeGraph

from .layout import COMPACT, OVERVIEW, layered_layout, view_positions
from .select import Selection, edge_rank, fades_edges, is_overview


def node_json(kg: KnowledgeGraph, iri: str) -> dict:
    c = kg.concepts[iri]
    return {
        "id": c.slug,
        "iri": c.iri,
        "label": c.label,
        "type": c.type,
        "alt_labels": c.alt_labels,
        "definition": c.definition,
        "stages": c.stages,
        "slide": c.slide,
    }


def edge_id(kg: KnowledgeGraph, edge: Edge) -> str:
    return f"{kg.concepts[edge.subject].slug}--{edge.predicate}--{kg.concepts[edge.object].slug}"


def edge_json(kg: KnowledgeGraph, edge: Edge) -> dict:
    return {
        "id": edge_id(kg, edge),
        "from": kg.concepts[edge.subject].slug,
        "to": kg.concepts[edge.object].slug,
        "relation": edge.predicate,
        "basis": edge.basis,
        "confidence": edge.confidence,
        "sources": [
            {
                "document": p.document,
                "document_title": p.document_title,
                "locator": p.locator,
                "quote": p.quote,
                "basis": p.basis,
                "rationale": p.rationale,
            }
            for p in edge.provenance
        ],
    }


def node_index(kg: KnowledgeGraph) -> dict[str, int]:
    """Each node's position in the page's node list (sorted by slug)."""

    def compute() -> dict[str, int]:
        ranked = sorted(kg.concepts.values(), key=lambda c: c.slug)
        return {c.iri: i for i, c in enumerate(ranked)}

    return kg.cached(("viz", "node-index"), compute)


def path_json(kg: KnowledgeGraph, selection: Selection) -> dict:
    """The highlighted path: its nodes and edges, and its shortest chains as lists of edge ids."""
    return {
        "nodes": [kg.concepts[i].slug for i in selection.path_nodes],
        "edges": [edge_id(kg, e) for e in selection.path_edges],
        "chains": [[edge_id(kg, e) for e in chain] for chain in selection.path_chains],
        "more_chains": selection.more_chains,
    }


def layout_json(kg: KnowledgeGraph, selection: Selection) -> dict:
    """Where the page draws a view's nodes (viz/layout.py, computed here, never in the page),
    whether its edges start faint, and the overview's label style."""
    overview = is_overview(selection.view)
    spacing = OVERVIEW if overview else COMPACT
    pos = view_positions(kg, selection.nodes, spacing)
    style = None
    if overview:
        style = {
            "font_size": spacing.font_size,
            "node_size": spacing.node_size,
            "label_width": spacing.label_width,
        }
    return {
        "positions": {kg.concepts[i].slug: list(pos[i]) for i in selection.nodes},
        "fade": fades_edges(selection.view),
        "overview": overview,
        "style": style,
    }


def compact_selection(kg: KnowledgeGraph, selection: Selection) -> dict:
    """A view as the page embeds it: nodes and edges as positions in the page's graph data
    (nodes by slug, edges in graph order), which already holds their text and sources."""
    nodes = node_index(kg)
    edges = edge_rank(kg)
    return {
        "view": selection.view.as_dict(kg),
        "truncated": selection.truncated,
        "max_nodes": selection.max_nodes,
        "nodes": [nodes[i] for i in selection.nodes],
        "edges": [edges[id(e)] for e in selection.edges],
        "path": path_json(kg, selection),
        "hidden_links": {kg.concepts[i].slug: n for i, n in selection.hidden_links.items()},
        "layout": layout_json(kg, selection),
    }


def view_json(kg: KnowledgeGraph, selection: Selection) -> dict:
    """The current view, as ``/graph.json`` serves it and the page's JSON export writes it."""
    return {
        "view": selection.view.as_dict(kg),
        "snapshot": kg.snapshot_hash,
        "counts": {
            "nodes": len(selection.nodes),
            "edges": len(selection.edges),
            "graph_nodes": len(kg.concepts),
            "graph_edges": len(kg.edges),
        },
        "truncated": selection.truncated,
        "max_nodes": selection.max_nodes,
        "nodes": [node_json(kg, iri) for iri in selection.nodes],
        "edges": [edge_json(kg, e) for e in selection.edges],
        "path": path_json(kg, selection),
        "hidden_links": {kg.concepts[i].slug: n for i, n in selection.hidden_links.items()},
        "layout": layout_json(kg, selection),
    }


def _joined(values) -> str:
    return " | ".join(str(v) for v in values)


def export_graph(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    """The whole graph with GraphML-safe attributes: strings, ints and floats only, no None."""
    pos = layered_layout(kg)
    g = nx.MultiDiGraph(name="ScaleKG", snapshot=kg.snapshot_hash)
    for c in sorted(kg.concepts.values(), key=lambda c: c.slug):
        attrs: dict = {
            "iri": c.iri,
            "label": c.label,
            "type": c.type,
            "types": _joined(sorted(c.types)),
            "alt_labels": _joined(c.alt_labels),
            "definition": c.definition,
            "stages": _joined(c.stages),
            "x": float(pos[c.iri][0]),
            "y": float(pos[c.iri][1]),
        }
        if c.slide is not None:
            attrs["slide"] = int(c.slide)
        g.add_node(c.slug, **attrs)
    for e in kg.edges:
        g.add_edge(
            kg.concepts[e.subject].slug,
            kg.concepts[e.object].slug,
            key=e.predicate,
            relation=e.predicate,
            basis=e.basis,
            documents=_joined(p.document_title or p.document for p in e.provenance),
            locators=_joined(p.locator for p in e.provenance),
            quotes=_joined(p.quote for p in e.provenance),
        )
    return g


def graphml_bytes(kg: KnowledgeGraph) -> bytes:
    def compute() -> bytes:
        buffer = io.BytesIO()
        nx.write_graphml(export_graph(kg), buffer, encoding="utf-8", prettyprint=True)
        return buffer.getvalue()

    return kg.cached(("viz", "graphml"), compute)
