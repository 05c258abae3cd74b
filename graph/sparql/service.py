"""The SPARQL 1.1 Service Description of the endpoint (answered on a bare ``GET /sparql``)."""

from __future__ import annotations

from functools import lru_cache

from .formats import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"

# W3C format IRIs (https://www.w3.org/ns/formats/) of the media types we answer in.
_FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": FORMATS + "SPARQL_Results_XML",
    "text/csv": FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": FORMATS + "SPARQL_Results_TSV",
    "text/turtle": FORMATS + "Turtle",
    "application/n-triples": FORMATS + "N-Triples",
    "application/ld+json": FORMATS + "JSON-LD",
    "application/rdf+xml": FORMATS + "RDF_XML",
}
_RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@lru_cache(maxsize=64)
def _describe(
    endpoint: str,
    graph_sizes: tuple[tuple[str, int], ...],
    update_enabled: bool,
    media_type: str,
) -> bytes:
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, XSD

    sd = Namespace(SD)
    void = Namespace(VOID)
    g = Graph()
    g.bind("sd", sd)
    g.bind("void", void)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, URIRef(endpoint)))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    if update_enabled:
        g.add((service, sd.supportedLanguage, sd.SPARQL11Update))
    g.add((service, sd.feature, sd.UnionDefaultGraph))
    for mtype in (*RESULT_MEDIA_TYPES, *GRAPH_MEDIA_TYPES):
        g.add((service, sd.resultFormat, URIRef(_FORMAT_IRIS[mtype])))
    dataset = BNode()
    default = BNode()
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    g.add((dataset, sd.defaultGraph, default))
    g.add((default, RDF.type, sd.Graph))
    total = sum(n for _, n in graph_sizes)
    g.add((default, void.triples, Literal(total, datatype=XSD.integer)))
    for name, size in graph_sizes:
        if not name:
            continue
        named = BNode()
        graph = BNode()
        g.add((dataset, sd.namedGraph, named))
        g.add((named, RDF.type, sd.NamedGraph))
        g.add((named, sd.name, URIRef(name)))
        g.add((named, sd.graph, graph))
        g.add((graph, RDF.type, sd.Graph))
        g.add((graph, void.triples, Literal(size, datatype=XSD.integer)))
    return g.serialize(format=_RDFLIB_FORMATS[media_type], encoding="utf-8")


def service_description(
    endpoint: str, graph_sizes: dict[str, int], *, update_enabled: bool, media_type: str
) -> bytes:
    """Describe the endpoint: its URL, languages, result formats, and the dataset: the default
    graph (the union of every named graph) and each named graph with its size."""
    return _describe(endpoint, tuple(sorted(graph_sizes.items())), update_enabled, media_type)
