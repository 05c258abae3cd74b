"""OWL reasoning with owlready2 and HermiT, at build time only.

The reasoner sees the TBox, the concepts' types and the plain edges (not the labels, nor the
edge statements: it has nothing to say about them). What it infers beyond its input becomes the
``inferred`` named graph: inverse edges, ContributingFactor membership, the property chain
``indirectlyMitigates`` and the superclass types. The result is cached on disk, keyed by the hash
of the reasoner's input, so a rebuild with unchanged inputs never starts Java.
"""

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .namespaces import EDGE_PREDICATES, SKG

REASONER_VERSION = "hermit-1"


class ReasoningError(RuntimeError):
    """The ontology is inconsistent, or a class is unsatisfiable."""


@dataclass(frozen=True)
class ReasoningResult:
    inferred: Graph
    cache_hit: bool
    input_hash: str


STRUCTURAL = (
    "relevantAtStage",
    "hasDominantProblem",
    "characterises",
    "inGroup",
    "about",
)


def reasoner_input(ontology: Graph, data: Graph) -> Graph:
    """The part of the dataset the reasoner needs: TBox, typing and the plain edges."""
    g = Graph()
    for t in ontology:
        g.add(t)
    keep = {SKG[p] for p in EDGE_PREDICATES + STRUCTURAL}
    for s, p, o in data:
        if isinstance(s, BNode):
            continue
        if (
            p == RDF.type and (o, RDF.type, OWL.Class) in ontology and o != SKG.EdgeStatement
        ) or p in keep:
            g.add((s, p, o))
    return g


def _hash_graph(graph: Graph) -> str:
    lines = sorted(
        line for line in graph.serialize(format="nt").splitlines() if line and "_:" not in line
    )
    # Blank nodes (OWL axioms) vary in name; their count and shape are covered by the TBox text.
    h = hashlib.sha256(REASONER_VERSION.encode())
    for line in lines:
        h.update(line.encode())
    h.update(str(sum(1 for t in graph if any(isinstance(x, BNode) for x in t))).encode())
    return h.hexdigest()


def reason(
    ontology: Graph, data: Graph, cache_dir: Path, ontology_text_hash: str = ""
) -> ReasoningResult:
    source = reasoner_input(ontology, data)
    key = hashlib.sha256((_hash_graph(source) + ontology_text_hash).encode()).hexdigest()[:32]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"inferred-{key}.nt"
    if cached.exists():
        inferred = Graph()
        inferred.parse(cached, format="nt")
        return ReasoningResult(inferred, cache_hit=True, input_hash=key)
    inferred = run_hermit(source)
    tmp = cached.with_suffix(".tmp")
    inferred.serialize(tmp, format="nt", encoding="utf-8")
    tmp.replace(cached)
    return ReasoningResult(inferred, cache_hit=False, input_hash=key)


def run_hermit(source: Graph) -> Graph:
    """Run HermiT over ``source`` and return the triples it adds about named individuals."""
    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError

    with tempfile.TemporaryDirectory(prefix="scalekg-reason-") as tmp:
        path = Path(tmp) / "input.owl"
        source.serialize(path, format="xml", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=True, debug=0, keep_tmp_file=False
                )
        except OwlReadyInconsistentOntologyError as exc:
            raise ReasoningError(
                "the ontology and data are inconsistent (HermiT): check disjoint classes "
                "(a concept typed in two kinds) and functional properties such as skg:basis"
            ) from exc
        unsatisfiable = [c.iri for c in world.inconsistent_classes()]
        if unsatisfiable:
            raise ReasoningError("unsatisfiable classes: " + ", ".join(sorted(unsatisfiable)))
        result = world.as_rdflib_graph()
        inferred = Graph()
        individuals = {s for s in source.subjects(RDF.type, None) if isinstance(s, URIRef)}
        individuals -= set(source.subjects(RDF.type, OWL.Ontology))
        for s, p, o in result:
            if not isinstance(s, URIRef) or s not in individuals:
                continue
            if isinstance(o, BNode | Literal):
                continue
            if p in (RDF.type,) and o in (OWL.NamedIndividual, OWL.Thing):
                continue
            if p in (RDFS.label, SKOS.prefLabel):
                continue
            if (s, p, o) not in source:
                inferred.add((s, p, o))
        world.close()
        return inferred
