"""A deterministic layered layout, computed once per graph with networkx, physics off in the page.

The causal chain reads left to right in columns:

    mechanisms, input metrics | values | capabilities | contributing factors | failure factors | outcomes
    challenges (below)        | practices (below)      | scaling signals (below)

Columns taller than max(40, 1.2·√n) rows wrap into sub-columns, so that a 5,000-node graph is
not one endless strip. Minor classes (stages, statistics, stage characteristics …) sit in a grid band below the columns.
Inside a column, nodes are ordered by a few barycentre sweeps (each node moves towards the mean row
of its neighbours in the other columns), which removes most edge crossings. There is no randomness:
ties break on the label, then the IRI, so the same graph always gets the same picture.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from scalekg.graph.model import KnowledgeGraph

from .style import class_key

# class -> (column, group order inside the column)
COLUMNS: dict[str, tuple[int, int]] = {
    "Mechanism": (0, 0),
    "InputMetric": (0, 1),
    "Challenge": (0, 2),
    "Value": (1, 0),
    "Practice": (1, 1),
    "Capability": (2, 0),
    "DiagnosticCapability": (2, 1),
    "ContributingFactor": (3, 0),
    "ScalingSignal": (3, 1),
    "FailureFactor": (4, 0),
    "PositiveOutcome": (5, 0),
}
COLUMN_GAP = 380
ROW_GAP = 72
GROUP_GAP = 90
BAND_GAP = 220
BAND_COLUMN_GAP = 230
BAND_ROW_GAP = 70
SWEEPS = 6
MIN_ROWS = 40  # a column wraps only above this many rows (and above 1.2·√n)
SUB_COLUMN_GAP = 250


def _sort_key(kg: KnowledgeGraph, iri: str) -> tuple[str, str]:
    return (kg.concepts[iri].label.lower(), iri)


def layered_layout(kg: KnowledgeGraph) -> dict[str, tuple[int, int]]:
    """Positions (x, y) in pixels for every concept; cached on the graph."""
    return kg.cached(("viz", "layout"), lambda: _compute(kg))


def _compute(kg: KnowledgeGraph) -> dict[str, tuple[int, int]]:
    # An undirected simple graph is all the ordering needs.
    simple = nx.Graph()
    simple.add_nodes_from(sorted(kg.concepts))
    simple.add_edges_from((e.subject, e.object) for e in kg.edges if e.subject != e.object)

    columns: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    band: list[str] = []
    for iri in sorted(kg.concepts, key=lambda i: _sort_key(kg, i)):
        concept = kg.concepts[iri]
        place = COLUMNS.get(concept.type) if class_key(concept.type) != "Other" else None
        if place is None:
            band.append(iri)
        else:
            columns[place[0]][place[1]].append(iri)

    row_of: dict[str, float] = {}

    def assign_rows(col: int) -> None:
        y = 0.0
        for group in sorted(columns[col]):
            for iri in columns[col][group]:
                row_of[iri] = y
                y += ROW_GAP
            y += GROUP_GAP - ROW_GAP
        height = y - GROUP_GAP + ROW_GAP
        for group in columns[col].values():
            for iri in group:
                row_of[iri] -= max(height - ROW_GAP, 0) / 2

    for col in sorted(columns):
        assign_rows(col)

    col_of = {iri: col for col, groups in columns.items() for g in groups.values() for iri in g}
    order = sorted(columns)
    for sweep in range(SWEEPS):
        for col in order if sweep % 2 == 0 else reversed(order):
            for group, members in columns[col].items():
                bary: dict[str, float] = {}
                for iri in members:
                    ys = sorted(
                        row_of[n] for n in simple.neighbors(iri) if col_of.get(n, col) != col
                    )
                    bary[iri] = sum(ys) / len(ys) if ys else row_of[iri]
                columns[col][group] = sorted(members, key=lambda i: (bary[i], *_sort_key(kg, i)))
            assign_rows(col)

    # Tall columns (big graphs) wrap into sub-columns of at most `per_column` rows.
    per_column = max(MIN_ROWS, round(math.sqrt(len(kg.concepts)) * 1.2))
    pos: dict[str, tuple[int, int]] = {}
    x = 0
    for col in order:
        members = [iri for group in sorted(columns[col]) for iri in columns[col][group]]
        if len(members) <= per_column:
            for iri in members:
                pos[iri] = (x, round(row_of[iri]))
            x += COLUMN_GAP
            continue
        chunks = [members[i : i + per_column] for i in range(0, len(members), per_column)]
        for j, chunk in enumerate(chunks):
            for i, iri in enumerate(chunk):
                pos[iri] = (x + j * SUB_COLUMN_GAP, round((i - (len(chunk) - 1) / 2) * ROW_GAP))
        x += (len(chunks) - 1) * SUB_COLUMN_GAP + COLUMN_GAP

    # The band of minor classes: grouped by type, in a grid under the columns.
    if band:
        bottom = max((y for _x, y in pos.values()), default=0) + BAND_GAP
        width = max(x, COLUMN_GAP)
        per_row = max(int(width // BAND_COLUMN_GAP), 4)
        band.sort(key=lambda i: (kg.concepts[i].type, *_sort_key(kg, i)))
        for index, iri in enumerate(band):
            row, column = divmod(index, per_row)
            pos[iri] = (column * BAND_COLUMN_GAP, bottom + row * BAND_ROW_GAP)
    return pos


# --- the positions of one view ---------------------------------------------------------------------
# A view that shows only part of the graph closes up the layered layout: columns keep their order
# and nodes their order inside a column, empty columns and gaps close, the minor classes go in a
# grid band below. The overview (the default /graph: values, capabilities, failure factors,
# outcomes) uses its own spacing so that its labels are readable at first view; see OVERVIEW.
VIEW_COLUMN_GAP = 300
VIEW_ROW_GAP = 72
VIEW_BAND_GAP = 200


@dataclass(frozen=True)
class Spacing:
    column_gap: int
    row_gap: int
    font_size: int | None = None  # the labels' size, when the view sets one
    node_size: int | None = None
    label_width: int | None = None  # the widest a label may be before it wraps


COMPACT = Spacing(VIEW_COLUMN_GAP, VIEW_ROW_GAP)
# One-line labels (up to ~50 characters at 17 px) under small nodes, 52 units apart: the tallest
# column (19 capabilities) fits a 700 px high canvas at a scale where 17 px is >= 11 px on screen.
OVERVIEW = Spacing(column_gap=470, row_gap=52, font_size=17, node_size=9, label_width=450)


def view_positions(
    kg: KnowledgeGraph, nodes: list[str], spacing: Spacing = COMPACT
) -> dict[str, tuple[int, int]]:
    """Positions (x, y) of a view's nodes: the layered layout itself for the whole graph, else the
    layout closed up (columns kept in order, rows in order, no gaps), minor classes in a band."""
    pos = layered_layout(kg)
    if len(nodes) == len(kg.concepts) and spacing is COMPACT:
        return {iri: pos[iri] for iri in nodes}
    columns: dict[int, list[str]] = defaultdict(list)
    band: list[str] = []
    for iri in nodes:
        if class_key(kg.concepts[iri].type) == "Other":
            band.append(iri)
        else:
            columns[pos[iri][0]].append(iri)
    out: dict[str, tuple[int, int]] = {}
    bottom = 0
    for index, x in enumerate(sorted(columns)):
        members = sorted(columns[x], key=lambda i: (pos[i][1], i))
        for row, iri in enumerate(members):
            y = round((row - (len(members) - 1) / 2) * spacing.row_gap)
            out[iri] = (index * spacing.column_gap, y)
            bottom = max(bottom, y)
    per_row = max(4, int(max(len(columns), 1) * spacing.column_gap // BAND_COLUMN_GAP))
    order = {iri: i for i, iri in enumerate(sorted(kg.concepts, key=lambda i: _sort_key(kg, i)))}
    for i, iri in enumerate(sorted(band, key=order.__getitem__)):
        row, column = divmod(i, per_row)
        top = bottom + VIEW_BAND_GAP if columns else 0
        out[iri] = (column * BAND_COLUMN_GAP, top + row * BAND_ROW_GAP)
    return out
