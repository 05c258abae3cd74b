"""Read the ontology and the data files into one rdflib Dataset, and derive the plain edges.

Edges are authored as ``skg:EdgeStatement`` blank nodes (docs/data-model.md). Loading mints a
stable IRI for each statement and adds the plain triple ``S P O`` it reifies, so that SPARQL
users can query the edge directly and join to its provenance.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF

from .namespaces import DATA_GRAPH, KG, ONTOLOGY_GRAPH, SKG, local_name
from .resources import data_files, ontology_files


class DataFileError(ValueError):
    """A data file does not parse. The message names the file and the parser's position."""


@dataclass(frozen=True)
class LoadedSources:
    dataset: Dataset
    files: tuple[Path, ...]

    @property
    def ontology(self) -> Graph:
        return self.dataset.graph(URIRef(ONTOLOGY_GRAPH))

    @property
    def data(self) -> Graph:
        return self.dataset.graph(URIRef(DATA_GRAPH))


def parse_turtle_into(graph: Graph, path: Path) -> None:
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise DataFileError(f"{path}: {exc}") from exc


def load_sources(
    ontology: Iterable[Path] | None = None, data: Iterable[Path] | None = None
) -> LoadedSources:
    """Parse the TBox and ABox files into their named graphs and derive the edges."""
    ontology_paths = tuple(ontology if ontology is not None else ontology_files())
    data_paths = tuple(data if data is not None else data_files())
    ds = Dataset()
    ont = ds.graph(URIRef(ONTOLOGY_GRAPH))
    for path in ontology_paths:
        parse_turtle_into(ont, path)
    dat = ds.graph(URIRef(DATA_GRAPH))
    for path in data_paths:
        parse_turtle_into(dat, path)
    derive_edges(dat)
    derive_mappings(dat)
    return LoadedSources(dataset=ds, files=ontology_paths + data_paths)


def statement_iri(subject: str, predicate: str, obj: str, index: int) -> URIRef:
    base = f"edge-{local_name(subject)}--{local_name(predicate)}--{local_name(obj)}"
    return KG[base if index == 1 else f"{base}-{index}"]


def derive_edges(graph: Graph) -> int:
    """Mint IRIs for blank-node edge statements and add the plain triples. Returns the count."""
    statements = list(graph.subjects(RDF.type, SKG.EdgeStatement))
    groups: dict[tuple, list] = defaultdict(list)
    for st in statements:
        s = graph.value(st, RDF.subject)
        p = graph.value(st, RDF.predicate)
        o = graph.value(st, RDF.object)
        if s is None or p is None or o is None:
            continue  # the SHACL shape reports the incomplete statement
        groups[(s, p, o)].append(st)
    for (s, p, o), nodes in groups.items():
        graph.add((s, p, o))
        nodes.sort(key=lambda n: _sort_key(graph, n))
        for index, node in enumerate(nodes, start=1):
            if isinstance(node, BNode):
                _rename(graph, node, statement_iri(str(s), str(p), str(o), index))
    return len(statements)


def derive_mappings(graph: Graph) -> int:
    """Add the plain SKOS mapping triple of each ``skg:MappingStatement`` (data/dora-core.ttl).

    A mapping is authored only as a statement with its reason, so that no mapping exists without
    one. Blank-node statements get a stable IRI, ``kg:mapping-<ours>--<predicate>--<theirs>``.
    """
    count = 0
    for st in list(graph.subjects(RDF.type, SKG.MappingStatement)):
        s = graph.value(st, RDF.subject)
        p = graph.value(st, RDF.predicate)
        o = graph.value(st, RDF.object)
        if s is None or p is None or o is None:
            continue  # the SHACL shape reports the incomplete statement
        graph.add((s, p, o))
        if isinstance(st, BNode):
            theirs = [part for part in str(o).rstrip("/#").replace("#", "/").split("/") if part]
            name = f"mapping-{local_name(str(s))}--{local_name(str(p))}--{theirs[-1]}"
            _rename(graph, st, KG[name])
        count += 1
    return count


def _sort_key(graph: Graph, node) -> tuple[str, str, str]:
    return (
        str(graph.value(node, SKG.source) or ""),
        str(graph.value(node, SKG.locator) or ""),
        str(graph.value(node, SKG.quote) or ""),
    )


def _rename(graph: Graph, old: BNode, new: URIRef) -> None:
    for p, o in list(graph.predicate_objects(old)):
        graph.remove((old, p, o))
        graph.add((new, p, o))
    for s, p in list(graph.subject_predicates(old)):
        graph.remove((s, p, old))
        graph.add((s, p, new))
