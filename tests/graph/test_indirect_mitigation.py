""" "Indirectly mitigates" has two definitions that must agree: the OWL property chain
``skg:indirectlyMitigates`` (mitigates o causes) that HermiT infers into the snapshot's inferred
graph at build time, and the Python chains behind the answers (``graph.answers.chains``)."""

import pyoxigraph as ox

from scalekg.graph.answers import chains, mitigators
from scalekg.graph.namespaces import INFERRED_GRAPH, SKG
from scalekg.graph.store import load_memory_store

INFERRED = f"""
SELECT ?g ?x ?y WHERE {{ GRAPH ?g {{ ?x <{SKG}indirectlyMitigates> ?y }} }}
"""


def inferred_pairs(snapshot) -> set[tuple[str, str]]:
    store = load_memory_store(snapshot.path)
    rows = list(store.query(INFERRED))
    assert {row["g"] for row in rows} == {ox.NamedNode(INFERRED_GRAPH)}, "only HermiT says it"
    return {(row["x"].value, row["y"].value) for row in rows}


def test_hermit_and_the_python_answers_agree_on_indirect_mitigation(snapshot, kg):
    hermit = inferred_pairs(snapshot)
    python = {(first.subject, second.object) for first, second in chains(kg, "mitigates")}
    assert hermit, "the shipped graph has indirect mitigations"
    assert python == hermit, (
        f"only HermiT: {sorted(hermit - python)[:5]}; only Python: {sorted(python - hermit)[:5]}"
    )


def test_every_indirect_answer_is_an_inferred_triple(snapshot, kg):
    hermit = inferred_pairs(snapshot)
    checked = 0
    for target in {y for _x, y in hermit}:
        for answer in mitigators(kg, kg.concepts[target]):
            if answer.kind == "indirect":
                assert (answer.concept.iri, target) in hermit
                checked += 1
    assert checked > 0
