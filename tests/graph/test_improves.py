""" "What improves deployment frequency": no edge improves a positive outcome, so such questions are
answered by what mitigates a failure factor that hurts it, directly or through one causes hop
(mitigates/causes?/hurts). The expected answers and chains are computed here from the edges, by a
plain loop independent of graph/paths.py."""

import itertools

import pytest

from scalekg.graph.answers import VIA_HURTS, improvers, related
from scalekg.graph.ask import ask
from scalekg.graph.confidence import CONFIDENCE_ORDER, at_least, rank, weakest
from scalekg.graph.model import Concept, Edge, KnowledgeGraph, Provenance
from scalekg.graph.paths import Hop, chains_into

Triple = tuple[str, str, str]


def _key(e: Edge) -> Triple:
    return (e.subject, e.predicate, e.object)


def expected_chains(
    kg: KnowledgeGraph, outcome: str, minimum: str | None = None
) -> dict[str, set[tuple[Triple, ...]]]:
    """answer IRI -> its chains (as triples): X mitigates F hurts O, X mitigates C causes F hurts O."""

    def edges(predicate: str, obj: str) -> list[Edge]:
        return [
            e
            for e in kg.edges
            if e.predicate == predicate and e.object == obj and at_least(e.confidence, minimum)
        ]

    out: dict[str, set[tuple[Triple, ...]]] = {}
    for hurt in edges("hurts", outcome):
        factor = hurt.subject
        for m in edges("mitigates", factor):
            if m.subject != outcome:
                out.setdefault(m.subject, set()).add((_key(m), _key(hurt)))
        for c in edges("causes", factor):
            for m in edges("mitigates", c.subject):
                if len({m.subject, c.subject, factor, outcome}) == 4:
                    out.setdefault(m.subject, set()).add((_key(m), _key(c), _key(hurt)))
    return out


def outcomes(kg: KnowledgeGraph) -> list[Concept]:
    return kg.of_type("PositiveOutcome")


def test_the_graph_has_outcomes_with_improvement_chains(kg):
    # guards the tests below against passing on an empty graph
    assert len(outcomes(kg)) >= 3
    assert all(expected_chains(kg, o.iri) for o in outcomes(kg))


def test_every_answer_and_every_chain_is_found_and_each_ends_in_a_hurts_edge(kg):
    for outcome in outcomes(kg):
        result = ask(kg, f"what improves {outcome.label}")
        meaning = result.interpretation
        assert (meaning.kind, meaning.relation, meaning.direction, meaning.pattern) == (
            VIA_HURTS,
            "mitigates",
            "in",
            "what improves X",
        )
        assert meaning.as_dict()["kind"] == VIA_HURTS
        expected = expected_chains(kg, outcome.iri)
        assert {a.concept.iri for a in result.answers} == set(expected), outcome.label
        for answer in result.answers:
            got = {tuple(_key(s.edge) for s in steps) for _, steps in answer.chains}
            assert got == expected[answer.concept.iri]
            assert answer.kind == VIA_HURTS
            for _, steps in answer.chains:
                assert steps[-1].edge.predicate == "hurts"
                assert steps[-1].edge.object == outcome.iri
                assert steps[0].edge.subject == answer.concept.iri
                assert all(a.edge.object == b.edge.subject for a, b in itertools.pairwise(steps))
            body = answer.as_dict()
            for chain in body["paths"]:
                assert chain["confidence"] == weakest([s["confidence"] for s in chain["steps"]])
                assert all(s["sources"] and s["sources"][0]["quote"] for s in chain["steps"])
            # the answer is as sure as its surest chain, and that chain comes first
            assert body["confidence"] == body["paths"][0]["confidence"]
            assert rank(body["confidence"]) == min(rank(p["confidence"]) for p in body["paths"])


def test_answers_come_surest_first(kg):
    for outcome in outcomes(kg):
        ranks = [rank(a.confidence) for a in improvers(kg, outcome)]
        assert ranks == sorted(ranks)


@pytest.mark.parametrize("minimum", CONFIDENCE_ORDER)
def test_min_confidence_keeps_only_chains_whose_every_step_is_sure_enough(kg, minimum):
    for outcome in outcomes(kg):
        expected = expected_chains(kg, outcome.iri, minimum)
        result = ask(kg, f"how do we improve {outcome.label}", min_confidence=minimum)
        assert {a.concept.iri for a in result.answers} == set(expected)
        for answer in result.answers:
            got = {tuple(_key(s.edge) for s in steps) for _, steps in answer.chains}
            assert got == expected[answer.concept.iri]
            assert at_least(answer.confidence, minimum)


PHRASINGS = [
    "what improves {x}",
    "how do we raise {x}",
    "how can we increase {x}",
    "how to boost {x}",
    "how do we speed up {x}",
    "what helps {x}",
    "how can we get better {x}",
    "what makes {x} better",
    "ways to improve our {x}",
    "as a CTO, what would increase {x} in my startup?",
]


@pytest.mark.parametrize("template", PHRASINGS)
def test_improve_raise_increase_boost_speed_up_help_phrasings(kg, template):
    for outcome in outcomes(kg):
        result = ask(kg, template.format(x=outcome.label.lower()))
        assert result.interpretation.kind == VIA_HURTS
        assert result.concept.iri == outcome.iri
        assert {a.concept.iri for a in result.answers} == set(expected_chains(kg, outcome.iri))


def test_which_values_improve_an_outcome_keeps_values_only(kg):
    outcome = next(o for o in outcomes(kg) if o.slug == "lead-time-for-changes")
    expected = {i for i in expected_chains(kg, outcome.iri) if kg.concepts[i].is_a("Value")}
    assert expected  # the data has values on such chains
    result = ask(kg, "which values improve lead time for changes")
    assert {a.concept.iri for a in result.answers} == expected


def test_improving_a_failure_factor_reads_as_mitigating_it(kg):
    """Documented fallback: "improve X" for a failure factor (not an outcome) asks what mitigates
    it; "increase X" asks what causes it. Only positive outcomes are answered via hurts."""
    factor = kg.concepts[next(iri for iri in kg.concepts if iri.endswith("/premature-scaling"))]
    assert improvers(kg, factor) == []
    result = ask(kg, "how do we improve premature scaling")
    meaning = result.interpretation
    assert (meaning.kind, meaning.relation, meaning.direction) == ("relation", "mitigates", "in")
    assert [a.concept.iri for a in result.answers] == [
        a.concept.iri for a in related(kg, factor, "mitigates", "in")
    ]
    assert result.answers
    increased = ask(kg, "what increases premature scaling").interpretation
    assert (increased.kind, increased.relation) == ("relation", "causes")


def test_a_capability_is_still_improved_by_the_values_that_influence_it(kg):
    meaning = ask(kg, "which values improve continuous delivery").interpretation
    assert (meaning.kind, meaning.relation) == ("relation", "influencesPositively")


# --- chains_into on a small graph -----------------------------------------------------------------


def _graph(triples: dict[Triple, str]) -> KnowledgeGraph:
    types = {"c": "Capability", "k": "ContributingFactor", "f": "FailureFactor", "o": "Outcome"}
    names = {s for s, _, o in triples} | {o for _, _, o in triples}
    concepts = {f"kg:{n}": Concept(f"kg:{n}", n, types[n[0]], {types[n[0]]}) for n in sorted(names)}
    edges = []
    for (s, p, o), grade in triples.items():
        basis = "stated" if grade == "stated" else "interpreted"
        prov = Provenance(f"st:{s}-{p}-{o}", "doc", "Doc", "slide 1", "q", basis, "why", grade)
        edges.append(Edge(f"kg:{s}", p, f"kg:{o}", (prov,)))
    return KnowledgeGraph(concepts, edges)


PATTERN = (
    Hop(frozenset({"mitigates"})),
    Hop(frozenset({"causes"}), True),
    Hop(frozenset({"hurts"})),
)


def test_chains_into_follows_the_pattern_in_order_with_an_optional_hop():
    kg = _graph(
        {
            ("c1", "mitigates", "f1"): "stated",
            ("f1", "hurts", "o1"): "strong",
            ("c2", "mitigates", "k1"): "plausible",
            ("k1", "causes", "f1"): "stated",
            ("k1", "hurts", "o1"): "stated",  # k1 hurts directly too: c2 has two chains
            ("c3", "mitigates", "c1"): "stated",  # mitigates then mitigates: not the pattern
            ("k2", "causes", "k1"): "stated",  # c4 mitigates k2 causes k1: one hop, then hurts
            ("c4", "mitigates", "k2"): "stated",
        }
    )
    found = [[_key(e) for e in chain] for chain in chains_into(kg, "kg:o1", PATTERN)]
    # ranked as paths.rank: shorter first, then more stated steps, then the concepts gone through
    assert found == [
        [("kg:c1", "mitigates", "kg:f1"), ("kg:f1", "hurts", "kg:o1")],
        [("kg:c2", "mitigates", "kg:k1"), ("kg:k1", "hurts", "kg:o1")],
        [
            ("kg:c4", "mitigates", "kg:k2"),
            ("kg:k2", "causes", "kg:k1"),
            ("kg:k1", "hurts", "kg:o1"),
        ],
        [
            ("kg:c2", "mitigates", "kg:k1"),
            ("kg:k1", "causes", "kg:f1"),
            ("kg:f1", "hurts", "kg:o1"),
        ],
    ]


def test_chains_into_honours_the_confidence_filter():
    from scalekg.graph.paths import ChainFilter

    kg = _graph(
        {
            ("c1", "mitigates", "f1"): "speculative",
            ("c2", "mitigates", "f1"): "strong",
            ("f1", "hurts", "o1"): "stated",
        }
    )
    kept = chains_into(kg, "kg:o1", PATTERN, ChainFilter(min_confidence="strong"))
    assert [chain[0].subject for chain in kept] == ["kg:c2"]
