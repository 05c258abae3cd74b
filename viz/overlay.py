"""The assessment overlay of the graph page (``/graph?assessment={id}``).

``overlay(report)`` colours a diagnostic report (``graph.assessment.report.analyse``) by IRI:
capabilities by strength, failure factors by exposure, plus the IRI chains of the next steps.
``page_overlay`` turns that into what the page needs (keyed by node and edge id).
"""

from itertools import pairwise

from scalekg.graph.model import KnowledgeGraph

from .export import edge_id

STRENGTH_COLOURS = ("#f2f0f7", "#1a9850")  # none -> full strength (green)
EXPOSURE_COLOURS = ("#fff5eb", "#d7301f")  # none -> fully exposed (red)


def _blend(low: str, high: str, t: float) -> str:
    t = min(1.0, max(0.0, t))
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def overlay(report: dict) -> dict:
    """Node styling for ``/graph?assessment={id}``: pure, from a diagnostic report.

    Returns ``{node_iri: {"strength": s, "colour": "#hex"}}`` for every capability in the
    report, ``{node_iri: {"exposure": e, "colour": "#hex"}}`` for every failure factor, and
    ``"leverage_paths"``: the IRI chains (value -> capability -> failure factor -> outcome) of
    the next steps, best first.
    """
    out: dict = {}
    for cap in report.get("capabilities", []):
        out[cap["iri"]] = {
            "strength": cap["strength"],
            "colour": _blend(*STRENGTH_COLOURS, cap["strength"]),
        }
    for row in report.get("exposure", []):
        out[row["iri"]] = {
            "exposure": row["exposure"],
            "colour": _blend(*EXPOSURE_COLOURS, row["exposure"]),
        }
    out["leverage_paths"] = [
        chain["iris"] for step in report.get("next_steps", []) for chain in step["chains"]
    ]
    return out


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
