"""graph.answers: explained answers with paths and sources, chains, paths, describe."""

import itertools

import pytest

from scalekg.graph.answers import (
    LOOKUPS,
    RELATION_NAMES,
    Answer,
    chains,
    describe,
    mitigators,
    paths,
    related,
)
from scalekg.graph.namespaces import EDGE_PREDICATES


def test_lookups_cover_every_edge_predicate_both_ways():
    assert set(RELATION_NAMES) == set(EDGE_PREDICATES)
    for predicate, (forward, backward) in RELATION_NAMES.items():
        assert LOOKUPS[forward] == (predicate, "out")
        assert LOOKUPS[backward] == (predicate, "in")
    assert len(LOOKUPS) == 2 * len(EDGE_PREDICATES)


def test_direct_mitigators(kg):
    c = kg.concept("hiring-too-many-people-too-early")
    answers = related(kg, c, "mitigates", "in")
    direct = [a for a in answers if a.kind == "direct"]
    assert {a.concept.iri for a in direct} == {e.subject for e in kg.edges_to(c.iri, "mitigates")}
    for a in direct:
        assert len(a.steps) == 1
        assert a.path() == [a.concept.label, "mitigates", c.label]


def test_indirect_mitigators_go_through_one_causes_hop(kg):
    ps = kg.concept("premature-scaling")
    answers = mitigators(kg, ps)
    assert [a.concept for a in answers] == [a.concept for a in related(kg, ps, "mitigates", "in")]
    indirect = [a for a in answers if a.kind == "indirect"]
    assert indirect
    for a in indirect:
        first, second = (s.edge for s in a.steps)
        assert first.predicate == "mitigates" and second.predicate == "causes"
        assert first.subject == a.concept.iri
        assert first.object == second.subject
        assert second.object == ps.iri
        assert len(a.path()) == 5


def test_indirect_answers_never_repeat_direct_ones_or_the_concept(kg):
    for c in kg.of_type("FailureFactor"):
        answers = related(kg, c, "mitigates", "in")
        iris = [a.concept.iri for a in answers]
        assert len(iris) == len(set(iris))
        assert c.iri not in iris


def test_order_direct_first_then_shorter(kg):
    answers = related(kg, kg.concept("premature-scaling"), "mitigates", "in")
    keys = [(a.kind != "direct", len(a.steps)) for a in answers]
    assert keys == sorted(keys)


def test_hurts_chains_hop_before(kg):
    for first, second in chains(kg, "hurts"):
        assert first.predicate == "causes" and second.predicate == "hurts"
        assert first.object == second.subject


def test_outgoing_direction(kg):
    c = kg.concept("keep-financial-discipline")
    answers = related(kg, c, "mitigates", "out")
    assert answers
    for a in answers:
        assert a.steps[0].edge.subject == c.iri


def test_sources_are_deduplicated_and_complete(kg):
    for a in mitigators(kg, kg.concept("premature-scaling")):
        sources = a.sources()
        statements = {p.statement for s in a.steps for p in s.edge.provenance}
        assert len(sources) == len(statements)
        for src in sources:
            assert src["quote"] and src["locator"] and src["document"]
            assert src["basis"] in ("stated", "interpreted")
            if src["basis"] == "interpreted":
                assert src["rationale"]


def test_answer_as_dict(kg):
    a = mitigators(kg, kg.concept("premature-scaling"))[0]
    d = a.as_dict()
    assert {"iri", "id", "label", "type", "kind", "basis", "path", "steps", "sources"} <= set(d)
    assert d["basis"] in ("stated", "interpreted")
    for step in d["steps"]:
        assert step["subject"]["iri"] and step["object"]["iri"] and step["sources"]


def test_answer_without_steps_has_its_label_as_path(kg):
    c = kg.concept("premature-scaling")
    assert Answer(c, []).path() == ["Premature scaling"]


def test_paths_are_ranked_and_connected(kg):
    a, b = kg.concept("be-frugal"), kg.concept("premature-scaling")
    found = paths(kg, a, b)
    assert found
    lengths = [len(chain) for chain in found]
    assert lengths == sorted(lengths)
    for chain in found:
        assert chain[0].edge.subject == a.iri and chain[-1].edge.object == b.iri
        for x, y in itertools.pairwise(chain):
            assert x.edge.object == y.edge.subject
        assert all(step.edge.provenance for step in chain)


def test_paths_try_both_directions(kg):
    a, b = kg.concept("be-frugal"), kg.concept("premature-scaling")
    assert len(paths(kg, b, a)) == len(paths(kg, a, b))


@pytest.mark.parametrize("max_steps", [1, 2, 3])
def test_paths_respect_max_steps(kg, max_steps):
    a, b = kg.concept("be-frugal"), kg.concept("premature-scaling")
    assert all(len(c) <= max_steps for c in paths(kg, a, b, max_steps=max_steps))


def test_paths_to_itself_is_empty(kg):
    c = kg.concept("premature-scaling")
    assert paths(kg, c, c) == []


def test_describe(kg):
    c = kg.concept("premature-scaling")
    d = describe(kg, c)
    assert d["label"] == "Premature scaling"
    assert d["definition"] == c.definition
    assert d["alt_labels"] == c.alt_labels
    assert d["stages"] == ["early-stage"]
    assert sum(len(v) for v in d["incoming"].values()) == len(kg.edges_to(c.iri))
    assert sum(len(v) for v in d["outgoing"].values()) == len(kg.edges_from(c.iri))
    assert "causes" in d["incoming"]
