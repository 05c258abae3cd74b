"""Fixtures of the SPARQL library tests: a small snapshot in three named graphs, and executors."""

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

SKG = "https://w3id.org/scalekg/ontology#"
KG = "https://w3id.org/scalekg/id/"
GRAPH = "https://w3id.org/scalekg/graph/"
ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH = GRAPH + "ontology", GRAPH + "data", GRAPH + "inferred"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"

CAPABILITIES = [
    "lean-product-development",
    "continuous-delivery",
    "keep-financial-discipline",
    "customer-feedback-loops",
]
FAILURES = ["premature-scaling", "accumulation-of-tech-debt"]


def _quads() -> list[str]:
    q = []

    def add(s: str, p: str, o: str, g: str) -> None:
        q.append(f"{s} <{p}> {o} <{g}> .")

    for cls in ("Capability", "FailureFactor"):
        add(f"<{SKG}{cls}>", RDF_TYPE, f"<{OWL_CLASS}>", ONTOLOGY_GRAPH)
    add(
        f"<{SKG}mitigates>",
        RDF_TYPE,
        "<http://www.w3.org/2002/07/owl#ObjectProperty>",
        ONTOLOGY_GRAPH,
    )
    for c in CAPABILITIES:
        add(f"<{KG}{c}>", RDF_TYPE, f"<{SKG}Capability>", DATA_GRAPH)
        label = c.replace("-", " ").capitalize()
        add(f"<{KG}{c}>", LABEL, f'"{label}"@en', DATA_GRAPH)
        add(f"<{KG}{c}>", f"{SKG}mitigates", f"<{KG}premature-scaling>", DATA_GRAPH)
    for f in FAILURES:
        add(f"<{KG}{f}>", RDF_TYPE, f"<{SKG}FailureFactor>", DATA_GRAPH)
        add(f"<{KG}{f}>", LABEL, f'"{f.replace("-", " ").capitalize()}"@en', DATA_GRAPH)
    add(
        f"<{KG}premature-scaling>",
        f"{SKG}slide",
        '"18"^^<http://www.w3.org/2001/XMLSchema#integer>',
        DATA_GRAPH,
    )
    add(f"<{KG}premature-scaling>", f"{SKG}note", '"tab\\there, \\"quoted\\", comma"', DATA_GRAPH)
    add(
        f"<{KG}premature-scaling>",
        f"{SKG}mitigatedBy",
        f"<{KG}lean-product-development>",
        INFERRED_GRAPH,
    )
    return q


QUADS = _quads()
GRAPHS = (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH)

# 7 patterns over the whole dataset: (len(QUADS))**7, far more than 10**6 solutions.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u }"
)


def write_snapshot(path: Path, extra: list[str] = ()) -> Path:
    path.write_text("\n".join([*QUADS, *extra]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sparql_snapshot(tmp_path_factory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("sparql") / "snapshot-test.nq")


@pytest.fixture(scope="session")
def sparql_executor(sparql_snapshot) -> Iterator:
    from scalekg.graph.sparql.executor import QueryExecutor

    ex = QueryExecutor(sparql_snapshot, workers=2, timeout_s=5.0, max_rows=1000)
    yield ex
    ex.close()


@pytest.fixture(scope="session")
def sparql_data() -> SimpleNamespace:
    """The constants above, for test modules (they cannot import a conftest by name)."""
    return SimpleNamespace(
        SKG=SKG,
        KG=KG,
        ONTOLOGY_GRAPH=ONTOLOGY_GRAPH,
        DATA_GRAPH=DATA_GRAPH,
        INFERRED_GRAPH=INFERRED_GRAPH,
        GRAPHS=GRAPHS,
        CAPABILITIES=CAPABILITIES,
        QUADS=QUADS,
        RUNAWAY=RUNAWAY,
        write_snapshot=write_snapshot,
    )
