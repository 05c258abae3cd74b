"""The assessment overlay of the graph page (``/graph?assessment={id}``).

Turns ``scalekg.graph.assessment.scoring.overlay(report)`` (keyed by IRI) into what the page
needs (keyed by node and edge id): a colour per capability (strength) and per failure factor
(exposure), and the edges of the leverage paths to draw thick.
"""

from itertools import pairwise

from scalekg.graph.assessment.scoring import EXPOSURE_COLOURS, STRENGTH_COLOURS
from scalekg.graph.model import KnowledgeGraph

from .export import edge_id


def page_overlay(kg: KnowledgeGraph, styling: dict, assessment: dict) -> dict:
    nodes: dict[str, dict] = {}
    for iri, style in styling.items():
        if iri == "leverage_paths" or iri not in kg.concepts:
            continue
        measure = "strength" if "strength" in style else "exposure"
        nodes[kg.concepts[iri].slug] = {
            "colour": style["colour"],
            "measure": measure,
            "score": round(float(style[measure]), 3),
        }
    edges: list[str] = []
    for chain in styling.get("leverage_paths", []):
        for a, b in pairwise(chain):
            for edge in kg.edges_from(a):
                if edge.object == b:
                    ident = edge_id(kg, edge)
                    if ident not in edges:
                        edges.append(ident)
    return {
        "id": assessment["id"],
        "organisation": assessment.get("organisation", ""),
        "date": assessment.get("date", ""),
        "stage": assessment.get("stage", ""),
        "nodes": nodes,
        "edges": edges,
        # What the overlay's colours mean, for the legend (the scale scoring.overlay blends).
        "legend": [
            {
                "measure": "strength",
                "classes": "Capabilities",
                "low": STRENGTH_COLOURS[0],
                "high": STRENGTH_COLOURS[1],
                "low_label": "weak",
                "high_label": "strong (4×4)",
            },
            {
                "measure": "exposure",
                "classes": "Failure factors",
                "low": EXPOSURE_COLOURS[0],
                "high": EXPOSURE_COLOURS[1],
                "low_label": "low",
                "high_label": "high",
            },
        ],
    }
