"""Subgraph selection: parameters, filters, focus and depth, cap, expansion, paths."""

import pytest

from bench.synthetic_graph import synthetic_graph
from scalekg.graph.paths import ChainFilter, shortest
from scalekg.viz.select import (
    MAX_DEPTH,
    ViewError,
    ViewParams,
    parse_view,
    passes,
    select,
)

BIG = 10_000


def neighbours(kg, iri: str) -> set[str]:
    return {e.object for e in kg.edges_from(iri)} | {e.subject for e in kg.edges_to(iri)}


def test_parse_normalises_names(kg):
    view = parse_view(
        kg,
        {
            "focus": "Premature scaling",
            "depth": "2",
            "types": "failure-factor,Capability,value",
            "relations": ["influences", "hurts"],
            "stages": "early",
        },
    )
    assert view.focus == kg.concept("premature-scaling").iri
    assert view.depth == 2
    assert view.types == ("Capability", "FailureFactor", "Value")
    assert view.relations == ("influencesPositively", "hurts")
    assert view.stages == ("early-stage",)
    assert parse_view(kg, {}) == ViewParams()


def test_parse_accepts_other_for_the_minor_classes(kg):
    view = parse_view(kg, {"types": "Other"})
    assert "Statistic" in view.types and "Value" not in view.types


@pytest.mark.parametrize(
    ("params", "status", "param"),
    [
        ({"depth": "x"}, 422, "depth"),
        ({"depth": str(MAX_DEPTH + 1)}, 422, "depth"),
        ({"depth": "-1"}, 422, "depth"),
        ({"types": "Nope"}, 422, "types"),
        ({"relations": "likes"}, 422, "relations"),
        ({"stages": "middle"}, 422, "stages"),
        ({"path": "premature-scaling"}, 422, "path"),
        ({"focus": "qqqqqqqqqq zzzz"}, 404, "focus"),
        ({"expand": "qqqqqqqqqq zzzz"}, 404, "expand"),
    ],
)
def test_bad_parameters_raise_view_errors(kg, params, status, param):
    with pytest.raises(ViewError) as info:
        parse_view(kg, params)
    assert info.value.status == status and info.value.param == param
    body = info.value.as_dict()
    assert body["error"]
    if status == 404:
        assert "suggestions" in body


def test_unknown_focus_suggests_near_matches(kg):
    with pytest.raises(ViewError) as info:
        parse_view(kg, {"focus": "premature scalling of teams xyz"})
    if info.value.suggestions:
        assert any("premature" in s["label"].lower() for s in info.value.suggestions)


def test_whole_graph_is_every_node_and_edge(kg):
    sel = select(kg, ViewParams(), max_nodes=5)  # the cap applies to focused views only
    assert set(sel.nodes) == set(kg.concepts)
    assert len(sel.edges) == len(kg.edges)
    assert not sel.truncated and sel.max_nodes is None


def test_type_filter(kg):
    sel = select(kg, parse_view(kg, {"types": "Value,Capability"}), max_nodes=BIG)
    assert {kg.concepts[n].type for n in sel.nodes} == {"Value", "Capability"}
    assert all(kg.concepts[e.subject].type in ("Value", "Capability") for e in sel.edges)
    assert all(e.subject in sel.node_set and e.object in sel.node_set for e in sel.edges)


def test_relation_filter_keeps_nodes_and_drops_edges(kg):
    sel = select(kg, parse_view(kg, {"relations": "hurts"}), max_nodes=BIG)
    assert len(sel.nodes) == len(kg.concepts)
    assert sel.edges and {e.predicate for e in sel.edges} == {"hurts"}


def test_stage_filter_keeps_stageless_concepts(kg):
    view = parse_view(kg, {"stages": "early"})
    sel = select(kg, view, max_nodes=BIG)
    for iri, c in kg.concepts.items():
        expected = not c.stages or "early-stage" in c.stages
        assert (iri in sel.node_set) == expected
        assert passes(c, view) == expected


def test_focus_depth_zero_one_two(kg):
    focus = kg.concept("premature-scaling").iri
    zero = select(kg, ViewParams(focus=focus, depth=0), max_nodes=BIG)
    assert zero.nodes == [focus] and zero.edges == []
    one = select(kg, ViewParams(focus=focus, depth=1), max_nodes=BIG)
    assert one.nodes[0] == focus
    assert set(one.nodes) == {focus} | neighbours(kg, focus)
    two = select(kg, ViewParams(focus=focus, depth=2), max_nodes=BIG)
    ring = set().union(*(neighbours(kg, n) for n in one.nodes))
    assert set(two.nodes) == set(one.nodes) | ring
    # Closer nodes come first.
    assert two.nodes[: len(one.nodes)] == one.nodes


def test_focus_is_shown_even_when_filtered_out(kg):
    focus = kg.concept("premature-scaling").iri
    sel = select(kg, ViewParams(focus=focus, depth=1, types=("Value",)), max_nodes=BIG)
    assert sel.nodes[0] == focus
    assert all(kg.concepts[n].type == "Value" for n in sel.nodes[1:])


def test_cap_truncates_focused_views_and_says_so(kg):
    hub = max(kg.concepts, key=lambda i: len(neighbours(kg, i)))
    sel = select(kg, ViewParams(focus=hub, depth=3), max_nodes=7)
    assert len(sel.nodes) == 7 and sel.truncated and sel.max_nodes == 7
    full = select(kg, ViewParams(focus=hub, depth=3), max_nodes=BIG)
    assert not full.truncated
    assert sel.nodes == full.nodes[:7]  # the same order, cut


def test_cap_holds_on_a_big_graph():
    big = synthetic_graph(3000)
    hub = max(big.concepts, key=lambda i: len(neighbours(big, i)))
    sel = select(big, ViewParams(focus=hub, depth=4), max_nodes=250)
    assert len(sel.nodes) == 250 and sel.truncated


def test_expand_adds_the_neighbours_of_a_shown_node(kg):
    focus = kg.concept("premature-scaling").iri
    base = select(kg, ViewParams(focus=focus, depth=1), max_nodes=BIG)
    target = next(n for n in base.nodes[1:] if neighbours(kg, n) - base.node_set)
    grown = select(kg, ViewParams(focus=focus, depth=1, expand=(target,)), max_nodes=BIG)
    assert set(grown.nodes) == base.node_set | neighbours(kg, target)
    # Expanding a node that is not shown does nothing.
    hidden = next(i for i in kg.concepts if i not in grown.node_set)
    same = select(kg, ViewParams(focus=focus, depth=1, expand=(hidden,)), max_nodes=BIG)
    assert same.nodes == base.nodes


def test_path_from_a_value_to_an_outcome(kg):
    found = [
        (v, o, *shortest(kg, v.iri, o.iri))
        for v in kg.of_type("Value")
        for o in kg.of_type("PositiveOutcome")
    ]
    value, outcome, nodes, edges = next(f for f in found if len(f[2]) >= 4)
    assert nodes[0] == value.iri and nodes[-1] == outcome.iri
    # Every edge is on a chain: the edges form paths from value to outcome of the same length.
    lengths = {len(nodes)}
    assert lengths
    assert {e.subject for e in edges} | {e.object for e in edges} == set(nodes)
    sel = select(
        kg, ViewParams(focus=value.iri, depth=0, path=(value.iri, outcome.iri)), max_nodes=1
    )
    assert set(nodes) <= sel.node_set  # path nodes are exempt from the cap
    assert sel.path_edges == edges


def test_path_runs_backwards_when_needed(kg):
    edge = next(e for e in kg.edges if e.predicate == "hurts")
    nodes, edges = shortest(kg, edge.object, edge.subject)
    assert nodes == [edge.subject, edge.object] and edge in edges


def test_path_in_a_view_follows_only_the_view_relations(kg):
    view = parse_view(kg, {"path": "be-humble,deployment-frequency", "relations": "influences"})
    sel = select(kg, view, max_nodes=BIG)
    assert sel.path_nodes == [] and sel.path_edges == []
    assert (sel.path_nodes, sel.path_edges) == shortest(
        kg, *view.path, ChainFilter.of(relations=view.relations)
    )
    whole = select(kg, parse_view(kg, {"path": "be-humble,deployment-frequency"}), max_nodes=BIG)
    assert whole.path_nodes, "the chain exists over other relations"
    assert {e.predicate for e in whole.path_edges} - {"influencesPositively"}


def test_view_round_trips_through_its_query(kg):
    view = parse_view(
        kg,
        {
            "focus": "premature-scaling",
            "depth": "2",
            "types": "FailureFactor,Capability",
            "relations": "mitigates,causes",
            "stages": "late",
            "expand": "hiring-too-many-people-too-early",
            "selected": "premature-scaling",
        },
    )
    assert parse_view(kg, view.query(kg)) == view
