"""Counts per class and per relation, for the README, ``/api/stats`` and ``scalekg stats``."""

from collections import Counter

from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from .namespaces import (
    CONCEPT_CLASSES,
    DATA_GRAPH,
    EDGE_PREDICATES,
    INFERRED_GRAPH,
    SKG,
    SUPERTYPES,
)


def graph_stats(ds: Dataset) -> dict:
    data = ds.graph(URIRef(DATA_GRAPH))
    inferred = ds.graph(URIRef(INFERRED_GRAPH))
    classes: Counter[str] = Counter()
    for name in CONCEPT_CLASSES:
        # A class counts its subclasses' members too, as KnowledgeGraph.counts() does.
        kinds = [name, *(sub for sub, sup in SUPERTYPES.items() if sup == name)]
        members = set()
        for kind in kinds:
            members |= set(data.subjects(RDF.type, SKG[kind]))
            members |= set(inferred.subjects(RDF.type, SKG[kind]))
        classes[name] = len(members)
    relations = Counter({p: len(list(data.triples((None, SKG[p], None)))) for p in EDGE_PREDICATES})
    basis = Counter(str(o).rsplit("#", 1)[-1] for o in data.objects(None, SKG.basis))
    return {
        "triples": len(ds),
        "triples_by_graph": {str(g.identifier): len(g) for g in ds.graphs() if len(g)},
        "classes": dict(classes),
        "relations": dict(relations),
        "edge_statements": len(set(data.subjects(RDF.type, SKG.EdgeStatement))),
        "basis": dict(basis),
    }
