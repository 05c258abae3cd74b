"""Deterministic layered layout and the visual grammar."""

from bench.synthetic_graph import synthetic_graph
from scalekg.graph.model import KnowledgeGraph
from scalekg.viz.layout import _compute, layered_layout
from scalekg.viz.style import (
    CLASS_STYLES,
    RELATION_STYLES,
    class_key,
    edge_options,
    node_options,
)


def fresh(kg: KnowledgeGraph) -> KnowledgeGraph:
    return KnowledgeGraph(dict(kg.concepts), list(kg.edges), kg.snapshot_hash)


def test_layout_is_deterministic(kg):
    first = _compute(kg)
    assert _compute(fresh(kg)) == first
    assert layered_layout(kg) == first
    # Not even the order of the inputs matters.
    shuffled = KnowledgeGraph(
        dict(reversed(list(kg.concepts.items()))), list(reversed(kg.edges)), kg.snapshot_hash
    )
    assert _compute(shuffled) == first


def test_every_node_has_its_own_place(kg):
    pos = layered_layout(kg)
    assert set(pos) == set(kg.concepts)
    assert len(set(pos.values())) == len(pos)
    assert all(isinstance(v, int) for xy in pos.values() for v in xy)


def test_columns_follow_the_causal_chain(kg):
    pos = layered_layout(kg)

    def xs(kind: str) -> set[int]:
        return {pos[i][0] for i, c in kg.concepts.items() if c.type == kind}

    value, capability, failure, outcome = (
        xs("Value"),
        xs("Capability"),
        xs("FailureFactor"),
        xs("PositiveOutcome"),
    )
    assert max(value) < min(capability) < min(failure) < min(outcome)
    assert max(xs("Mechanism")) < min(value)  # mechanisms at the side
    # Minor classes sit in a band below everything else.
    main_bottom = max(y for i, (_x, y) in pos.items() if class_key(kg.concepts[i].type) != "Other")
    band = [pos[i][1] for i, c in kg.concepts.items() if class_key(c.type) == "Other"]
    assert band and min(band) > main_bottom


def test_big_graphs_wrap_tall_columns():
    big = synthetic_graph(2000)
    pos = layered_layout(big)
    assert len(set(pos.values())) == len(pos) == 2000
    width = max(x for x, _ in pos.values()) - min(x for x, _ in pos.values())
    height = max(y for _, y in pos.values()) - min(y for _, y in pos.values())
    assert height < 3 * width  # not one endless strip


def test_one_shape_and_colour_per_class():
    pairs = [(s.shape, s.color, s.dashed_border) for s in CLASS_STYLES.values()]
    assert len(set(pairs)) == len(pairs)
    # Among the main classes the shape alone tells them apart.
    main = ("Value", "Mechanism", "InputMetric", "Capability", "FailureFactor")
    main += ("ContributingFactor", "PositiveOutcome", "Practice", "Challenge")
    shapes = [CLASS_STYLES[k].shape for k in main]
    assert len(set(shapes)) == len(shapes)
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert {CLASS_STYLES[k].color for k in main} <= okabe_ito


def test_edge_grammar():
    stated = edge_options("hurts", "stated")
    interpreted = edge_options("hurts", "interpreted")
    assert stated["dashes"] is False and interpreted["dashes"] is True
    assert stated["label"] == "−"
    assert edge_options("influencesPositively", "stated")["label"] == "+"
    assert "label" not in edge_options("mitigates", "stated")
    assert edge_options("mitigates", "stated")["arrows"]["to"]["type"] == "bar"
    colours = {r.color for r in RELATION_STYLES.values() if r.key in ("mitigates", "hurts")}
    assert len(colours) == 2


def test_node_options_by_class():
    assert node_options("Value")["shape"] == "star"
    assert node_options("Statistic")["shape"] == CLASS_STYLES["Other"].shape
    assert node_options("ScalingSignal")["shapeProperties"]["borderDashes"]
