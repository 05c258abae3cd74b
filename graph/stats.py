"""The build's counts of a snapshot (stats.json): triples per graph, relations, edge statements,
bases; members per class come from ``KnowledgeGraph.counts``, the count /api/stats serves."""

from collections import Counter

from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from .namespaces import CONCEPT_CLASSES, DATA_GRAPH, EDGE_PREDICATES, SKG


def graph_stats(ds: Dataset, classes: dict[str, int]) -> dict:
    """``classes``: ``KnowledgeGraph.counts()["classes"]`` of the same snapshot."""
    data = ds.graph(URIRef(DATA_GRAPH))
    relations = Counter({p: len(list(data.triples((None, SKG[p], None)))) for p in EDGE_PREDICATES})
    basis = Counter(str(o).rsplit("#", 1)[-1] for o in data.objects(None, SKG.basis))
    return {
        "triples": len(ds),
        "triples_by_graph": {str(g.identifier): len(g) for g in ds.graphs() if len(g)},
        "classes": {name: classes.get(name, 0) for name in CONCEPT_CLASSES},
        "relations": dict(relations),
        "edge_statements": len(set(data.subjects(RDF.type, SKG.EdgeStatement))),
        "basis": dict(basis),
    }
