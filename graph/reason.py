"""OWL reasoning with owlready2 and HermiT, at build time only.

The reasoner sees the TBox, the concepts' types and the plain edges (not the labels, nor the
edge statements: it has nothing to say about them). What it infers beyond its input becomes the
``inferred`` named graph: inverse edges, ContributingFactor membership, the property chain
``indirectlyMitigates`` and the superclass types.

Java is needed only when the reasoner's input is new. The answer is looked up, by the hash of
that input, first in the build's cache, then in ``data/inferred.nt``: the inference for the
shipped ontology and data, committed with them (as OBO projects commit their release
artefacts), so a fresh clone or an installed wheel serves without Java. ``make inference``
(``scalekg build --write-inference``) regenerates that file after the ontology or data change.
"""

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .namespaces import EDGE_PREDICATES, SKG
from .resources import committed_inference_file

REASONER_VERSION = "hermit-1"
REGENERATE = "make inference"  # the command that refreshes data/inferred.nt
KEY_LINE = "# reasoner-input "


class ReasoningError(RuntimeError):
    """The ontology is inconsistent, or a class is unsatisfiable."""


class ReasonerMissingError(ReasoningError):
    """The reasoner's input is new, and Java or owlready2 (to run HermiT) is missing."""


@dataclass(frozen=True)
class ReasoningResult:
    inferred: Graph
    cache_hit: bool
    input_hash: str
    source: str = "hermit"  # "cache", "committed" (data/inferred.nt) or "hermit"


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


def reasoner_key(ontology: Graph, data: Graph, ontology_text_hash: str = "") -> str:
    """The hash of what the reasoner would see: equal keys, equal inference."""
    return _key_of(reasoner_input(ontology, data), ontology_text_hash)


def _key_of(source: Graph, ontology_text_hash: str = "") -> str:
    return hashlib.sha256((_hash_graph(source) + ontology_text_hash).encode()).hexdigest()[:32]


def reason(
    ontology: Graph,
    data: Graph,
    cache_dir: Path,
    ontology_text_hash: str = "",
    committed: Path | None = None,
) -> ReasoningResult:
    """The inference for ``ontology`` + ``data``: from the cache, the committed file, or HermiT."""
    source = reasoner_input(ontology, data)
    key = _key_of(source, ontology_text_hash)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"inferred-{key}.nt"
    if cached.exists():
        inferred = Graph()
        inferred.parse(cached, format="nt")
        return ReasoningResult(inferred, cache_hit=True, input_hash=key, source="cache")
    committed_path = committed or committed_inference_file()
    if committed_key(committed_path) == key:
        inferred = Graph()
        inferred.parse(committed_path, format="nt")
        return ReasoningResult(inferred, cache_hit=True, input_hash=key, source="committed")
    require_reasoner(committed_path)
    inferred = run_hermit(source)
    tmp = cached.with_suffix(".tmp")
    inferred.serialize(tmp, format="nt", encoding="utf-8")
    tmp.replace(cached)
    return ReasoningResult(inferred, cache_hit=False, input_hash=key)


def require_reasoner(committed_path: Path) -> None:
    """HermiT needs owlready2 (the ``reason`` extra) and Java; say exactly what is missing."""
    missing = []
    try:
        import owlready2  # noqa: F401  (an optional dependency: serving does not need it)
    except ImportError:
        missing.append(
            "owlready2 (`pip install 'scalekg[reason]'`; `make inference` and `make test` install it)"
        )
    if not shutil.which("java"):
        missing.append(
            "Java, which is not on the PATH (Debian/Ubuntu: `apt-get install "
            "default-jre-headless`, or run `.ci/system-packages.sh`)"
        )
    if not missing:
        return
    raise ReasonerMissingError(
        f"the ontology or data differ from what {committed_path.name} was reasoned from, and "
        f"running the reasoner (HermiT) again needs {' and '.join(missing)}. "
        f"Then run `{REGENERATE}` and commit {committed_path.name}"
    )


def committed_key(path: Path) -> str | None:
    """The reasoner-input key written at the top of a committed inference file, if any."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                return None
            if line.startswith(KEY_LINE):
                return line[len(KEY_LINE) :].strip()
    return None


def write_committed(inferred: Graph, key: str, path: Path) -> None:
    """Write ``inferred`` as sorted N-Triples under a header naming its key: small, stable diffs."""
    lines = sorted(line for line in inferred.serialize(format="nt").splitlines() if line.strip())
    header = [
        "# What HermiT infers from the shipped ontology and data (the `inferred` named graph).",
        f"# Generated by `{REGENERATE}` (scalekg build --write-inference); do not edit by hand.",
        f"{KEY_LINE}{key}",
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def regenerate_committed(
    ontology: Graph, data: Graph, path: Path | None = None
) -> tuple[Path, int]:
    """Run HermiT afresh over the shipped inputs and rewrite the committed inference file."""
    target = path or committed_inference_file()
    require_reasoner(target)
    source = reasoner_input(ontology, data)
    inferred = run_hermit(source)
    write_committed(inferred, _key_of(source), target)
    return target, len(inferred)


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
