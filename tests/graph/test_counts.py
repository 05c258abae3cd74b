"""One count per class (KnowledgeGraph.counts, also written into stats.json by the build) and
superclasses read from the ontology, not re-encoded."""

import pyoxigraph as ox

from scalekg.graph.namespaces import CONCEPT_CLASSES, SKG, supertypes
from scalekg.graph.resources import ontology_files


def test_supertypes_are_the_ontologys_subclass_axioms():
    store = ox.Store()
    for path in ontology_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    sub_class_of = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    direct: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, sub_class_of, None):
        direct.setdefault(quad.subject.value, set()).add(quad.object.value)
    for sub, sups in supertypes().items():
        reachable, frontier = set(), {str(SKG[sub])}
        while frontier:
            frontier = set().union(*(direct.get(c, set()) for c in frontier)) - reachable
            reachable |= frontier
        assert {str(SKG[s]) for s in sups} == reachable & {str(SKG[c]) for c in CONCEPT_CLASSES}, (
            sub
        )
    assert supertypes()["DiagnosticCapability"] == ("Capability",)
    assert supertypes()["ContributingFactor"] == ("FailureFactor",)


def test_subclass_members_count_for_their_superclass(kg):
    counts = kg.counts()["classes"]
    for sub, sups in supertypes().items():
        members = {c.iri for c in kg.concepts.values() if sub in c.types}
        for sup in sups:
            assert members <= {c.iri for c in kg.concepts.values() if sup in c.types}
            assert counts[sup] >= counts.get(sub, 0)


def test_the_build_writes_the_same_class_counts_the_api_serves(snapshot, kg):
    classes = snapshot.stats["classes"]
    assert {k: v for k, v in classes.items() if v} == kg.counts()["classes"]
