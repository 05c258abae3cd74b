"""graph.paths: chains between concepts with relation, type and confidence filters."""

import itertools

import pytest

from scalekg.graph.model import Concept, Edge, KnowledgeGraph, Provenance
from scalekg.graph.paths import (
    ChainFilter,
    chains,
    confidence,
    connected,
    first_chain,
    restricted,
    shortest,
)

NS = "https://example.org/t/"


def _edge(s: str, p: str, o: str, basis: str = "stated", grade: str = "") -> Edge:
    prov = Provenance(NS + f"st-{s}-{p}-{o}", NS + "doc", "Doc", "p. 1", "quote", basis, "", grade)
    return Edge(NS + s, p, NS + o, (prov,))


@pytest.fixture(scope="module")
def tiny() -> KnowledgeGraph:
    """value -influences-> cap -mitigates-> factor -causes-> other -hurts-> outcome, plus a
    shortcut value -influences-> mech -influences-> other, and a second outcome via 'b-factor'."""
    kinds = {
        "value": "Value",
        "cap": "Capability",
        "mech": "Mechanism",
        "factor": "FailureFactor",
        "other": "FailureFactor",
        "b-factor": "FailureFactor",
        "outcome": "PositiveOutcome",
        "z-outcome": "PositiveOutcome",
        "alone": "Value",
    }
    concepts = {
        NS + slug: Concept(NS + slug, slug.replace("-", " ").title(), kind, {kind})
        for slug, kind in kinds.items()
    }
    edges = [
        _edge("value", "influencesPositively", "cap"),
        _edge("cap", "mitigates", "factor", "interpreted", "strong"),
        _edge("factor", "causes", "other", "interpreted", "speculative"),
        _edge("other", "hurts", "outcome"),
        _edge("value", "influencesPositively", "mech", "interpreted", "plausible"),
        _edge("mech", "influencesPositively", "other"),
        _edge("factor", "causes", "b-factor"),
        _edge("b-factor", "hurts", "z-outcome"),
    ]
    return KnowledgeGraph(concepts, edges, "tiny")


def iri(slug: str) -> str:
    return NS + slug


def slugs(chain: list[Edge]) -> list[str]:
    return [chain[0].subject.removeprefix(NS)] + [e.object.removeprefix(NS) for e in chain]


def test_chains_are_ranked_shorter_then_more_stated(tiny):
    found = chains(tiny, iri("value"), iri("outcome"))
    assert [slugs(c) for c in found] == [
        ["value", "mech", "other", "outcome"],  # 3 steps, 2 stated
        ["value", "cap", "factor", "other", "outcome"],
    ]
    for chain in found:
        for x, y in itertools.pairwise(chain):
            assert x.object == y.subject


def test_relation_filter_is_applied_to_every_step(tiny):
    only_influences = ChainFilter.of(relations=["influencesPositively"])
    assert [slugs(c) for c in chains(tiny, iri("value"), iri("other"), only_influences)] == [
        ["value", "mech", "other"]
    ]
    assert chains(tiny, iri("value"), iri("outcome"), only_influences) == []
    assert shortest(tiny, iri("value"), iri("outcome"), only_influences) == ([], [])


def test_type_filter_applies_between_the_ends_only(tiny):
    no_mechanisms = ChainFilter.of(types=["Capability", "FailureFactor"])
    found = chains(tiny, iri("value"), iri("outcome"), no_mechanisms)
    # The ends (a Value and a PositiveOutcome) are kept although their types are not listed.
    assert [slugs(c) for c in found] == [["value", "cap", "factor", "other", "outcome"]]


def test_confidence_filter_drops_weaker_steps_and_chain_is_as_sure_as_its_weakest(tiny):
    found = chains(tiny, iri("value"), iri("outcome"))
    assert [confidence(c) for c in found] == ["plausible", "speculative"]
    plausible = ChainFilter.of(min_confidence="plausible")
    assert [slugs(c) for c in chains(tiny, iri("value"), iri("outcome"), plausible)] == [
        ["value", "mech", "other", "outcome"]
    ]
    stated = ChainFilter.of(min_confidence="stated")
    assert chains(tiny, iri("value"), iri("outcome"), stated) == []
    assert chains(tiny, iri("mech"), iri("outcome"), stated) != []


def test_chains_go_the_other_way_when_this_way_has_none(tiny):
    forward = chains(tiny, iri("value"), iri("outcome"))
    backward = chains(tiny, iri("outcome"), iri("value"))
    assert backward == forward
    assert chains(tiny, iri("value"), iri("value")) == []
    assert chains(tiny, iri("value"), iri("alone")) == []


def test_max_steps_and_limit(tiny):
    assert chains(tiny, iri("value"), iri("outcome"), max_steps=3) == chains(
        tiny, iri("value"), iri("outcome"), limit=1
    )
    assert chains(tiny, iri("value"), iri("outcome"), max_steps=2) == []


def test_shortest_gives_every_node_and_edge_on_the_shortest_chains(tiny):
    nodes, edges = shortest(tiny, iri("value"), iri("outcome"))
    assert [n.removeprefix(NS) for n in nodes] == ["value", "mech", "other", "outcome"]
    assert [(e.subject, e.object) for e in edges] == [
        (iri("other"), iri("outcome")),
        (iri("value"), iri("mech")),
        (iri("mech"), iri("other")),
    ]  # in the graph's edge order
    assert shortest(tiny, iri("outcome"), iri("value"))[1] == edges
    assert shortest(tiny, iri("cap"), iri("cap")) == ([iri("cap")], [])
    # Two equally short chains are both highlighted.
    both, _ = shortest(tiny, iri("cap"), iri("z-outcome"))
    assert [n.removeprefix(NS) for n in both] == ["cap", "factor", "b-factor", "z-outcome"]


def test_first_chain_follows_causes_then_one_hurts_in_label_order(tiny):
    walk = first_chain(tiny, iri("factor"), through=["causes"], ending=["hurts"], max_steps=3)
    # Both 'B Factor' and 'Other' hurt an outcome after one causes hop: 'B Factor' sorts first.
    assert slugs(walk) == ["factor", "b-factor", "z-outcome"]
    assert first_chain(tiny, iri("other"), through=["causes"], ending=["hurts"], max_steps=1)
    assert first_chain(tiny, iri("factor"), through=["causes"], ending=["hurts"], max_steps=1) == []
    assert first_chain(tiny, iri("cap"), through=["causes"], ending=["hurts"], max_steps=5) == []


def test_restricted_is_a_view_not_a_copy(tiny):
    view = restricted(tiny, ChainFilter.of(relations=["causes"]))
    assert set(view.edges(keys=True)) == {
        (iri("factor"), iri("other"), "causes"),
        (iri("factor"), iri("b-factor"), "causes"),
    }
    assert restricted(tiny, ChainFilter()) is tiny.nx


def test_real_graph_chain_steps_are_sourced(kg):
    a, b = kg.concept("be-frugal"), kg.concept("premature-scaling")
    for chain in chains(kg, a.iri, b.iri):
        assert all(e.provenance for e in chain)
        assert chain[0].subject in (a.iri, b.iri)


def test_connected_either_way_and_under_a_filter(tiny):
    assert connected(tiny, iri("outcome"), iri("value"))
    assert not connected(tiny, iri("value"), iri("alone"))
    only_causes = ChainFilter.of(relations=["causes"])
    assert connected(tiny, iri("factor"), iri("other"), only_causes)
    assert not connected(tiny, iri("value"), iri("outcome"), only_causes)
