"""One API test suite, run against every store backend: memory, oxigraph:PATH and a real
Virtuoso (sparql:). Each answer is checked for content, against the in-memory knowledge graph."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from scalekg.api.linked_data.resources import CBD_QUERY
from scalekg.graph.backends.memory import EmbeddedBackend
from scalekg.graph.namespaces import DATA_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from scalekg.graph.store import load_memory_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "early-stage-startup.yaml"
SHIPPED = {ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH}
PREMATURE = "premature-scaling"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


def sparql(client, query: str, accept: str = "application/sparql-results+json", **params):
    return client.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})


def bindings(response) -> list[dict[str, str]]:
    data = response.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_health(backend_client):
    name, client = backend_client
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    r = client.get("/health/store")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["current"] is True
    assert body["kind"] == {"memory": "memory", "oxigraph": "oxigraph", "virtuoso": "sparql"}[name]


def test_the_model_read_through_the_store_equals_the_snapshot(backend_client, kg):
    _, client = backend_client
    model = client.app.state.scalekg.kg
    assert {(c.iri, c.label, c.type) for c in model.concepts.values()} == {
        (c.iri, c.label, c.type) for c in kg.concepts.values()
    }
    assert [(e.subject, e.predicate, e.object, e.provenance) for e in model.edges] == [
        (e.subject, e.predicate, e.object, e.provenance) for e in kg.edges
    ]
    for iri, concept in kg.concepts.items():
        other = model.concepts[iri]
        assert (other.definition, other.alt_labels, other.stages) == (
            concept.definition,
            concept.alt_labels,
            concept.stages,
        )


def test_ask_what_mitigates(backend_client, kg):
    _, client = backend_client
    r = client.get("/api/ask", params={"q": "what mitigates premature scaling"})
    assert r.status_code == 200
    body = r.json()
    assert body["concept"]["id"] == PREMATURE
    ids = {a["id"] for a in body["answers"]}
    direct = {
        e.subject.rsplit("/", 1)[1] for e in kg.edges_to(kg.concept(PREMATURE).iri, "mitigates")
    }
    assert direct <= ids
    assert "executing-with-a-regular-feedback-loop" in ids
    for answer in body["answers"]:
        assert answer["sources"], answer  # every answer says why


def test_concept_mitigated_by(backend_client, kg):
    _, client = backend_client
    r = client.get(f"/api/concepts/{PREMATURE}/mitigated-by")
    assert r.status_code == 200
    body = r.json()
    assert body["predicate"] == "mitigates"
    assert body["count"] == len(body["answers"]) > 0
    labels = {a["label"] for a in body["answers"]}
    assert "Executing with a regular feedback loop" in labels


def test_sparql_select_content(backend_client, kg):
    _, client = backend_client
    r = sparql(
        client,
        "SELECT ?label WHERE { kg:premature-scaling skos:prefLabel ?label }",
    )
    assert r.status_code == 200, r.text
    assert [b["label"] for b in bindings(r)] == ["Premature scaling"]
    r = sparql(client, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a skg:FailureFactor }")
    n = int(bindings(r)[0]["n"])
    assert n == len([c for c in kg.concepts.values() if c.is_a("FailureFactor")])


def test_sparql_dataset_is_the_shipped_graphs(backend_client):
    _, client = backend_client
    r = sparql(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert r.status_code == 200, r.text
    assert {b["g"] for b in bindings(r)} == SHIPPED


def test_sparql_ask(backend_client):
    _, client = backend_client
    r = sparql(client, "ASK { kg:premature-scaling a skg:FailureFactor }")
    assert r.status_code == 200
    assert r.json() == {"head": {}, "boolean": True}
    r = sparql(client, "ASK { kg:premature-scaling a skg:Capability }")
    assert r.json()["boolean"] is False
    r = sparql(client, "ASK { ?s ?p ?o }", accept="application/sparql-results+xml")
    assert r.status_code == 200 and "<boolean>true</boolean>" in r.text


def test_sparql_construct(backend_client):
    _, client = backend_client
    r = sparql(
        client,
        "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c a skg:FailureFactor ; skos:prefLabel ?l }",
        accept="text/turtle",
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert len(triples) <= 50  # the row cap of these apps
    assert (
        any(
            t.subject.value.endswith("/premature-scaling") and t.object.value == "Premature scaling"
            for t in triples
        )
        or r.headers.get("x-scalekg-truncated") == "true"
    )


def test_sparql_row_cap_and_formats(backend_client):
    _, client = backend_client
    r = sparql(client, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert r.status_code == 200
    assert r.headers["x-scalekg-truncated"] == "true"
    assert len(bindings(r)) == 50
    r = sparql(client, "SELECT ?c WHERE { ?c a skg:Value } ORDER BY ?c LIMIT 3", accept="text/csv")
    assert r.status_code == 200 and r.headers.get("x-scalekg-truncated", "false") == "false"
    lines = r.text.strip().splitlines()
    assert lines[0] == "c" and len(lines) == 4
    assert all(line.startswith("https://w3id.org/scalekg/id/") for line in lines[1:])


def test_sparql_refusals(backend_client):
    _, client = backend_client
    r = sparql(client, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert r.status_code == 400 and r.json()["error"] == "forbidden"
    r = sparql(client, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert r.status_code == 400
    r = sparql(client, "SELECT ?x WHERE { ?x ?y }")
    assert r.status_code == 400 and r.json()["error"] == "syntax"


def test_runaway_query_times_out_and_the_endpoint_recovers(backend_client):
    _, client = backend_client
    started = time.monotonic()
    r = sparql(client, RUNAWAY)
    elapsed = time.monotonic() - started
    assert r.status_code == 504, r.text
    assert r.json()["error"] == "timeout"
    assert elapsed < 2.0 + 3.0  # the 2 s limit, plus slack
    r = sparql(client, "ASK { kg:premature-scaling ?p ?o }")
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_graph_view_and_leverage(backend_client):
    _, client = backend_client
    r = client.get("/graph.json")
    assert r.status_code == 200
    assert r.json()["counts"]["nodes"] == len(client.app.state.scalekg.kg.concepts)
    r = client.get("/api/leverage")
    assert r.status_code == 200 and r.json()["results"]


def test_assessments_round_trip(backend_client):
    name, client = backend_client
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["organisation"] = f"Store Test {name}"
    r = client.post(
        "/api/assessments",
        content=json.dumps(doc, default=str),
        headers={"content-type": "application/json"},
    )
    assert r.status_code in (200, 201), r.text
    assessment_id = r.json()["id"]
    r = client.get(f"/api/assessments/{assessment_id}")
    assert r.status_code == 200
    got = r.json()
    assert got["organisation"] == doc["organisation"]
    assert len(got["capabilities"]) == len(doc["capabilities"])
    r = client.get("/api/assessments", params={"org": f"store test {name}"})
    assert [a["id"] for a in r.json()["assessments"]] == [assessment_id]
    r = client.get(f"/api/assessments/{assessment_id}/report")
    assert r.status_code == 200
    # the assessment is user data in its own named graph: the shipped graphs are unchanged
    store = client.app.state.scalekg.store
    assert store.loaded_hash() == client.app.state.scalekg.snapshot.hash
    assert any(g.endswith("/" + assessment_id) for g in store.graph_names())


@pytest.mark.parametrize("path", ["/api/concepts", "/api/stats", "/ontology"])
def test_other_reads(backend_client, path):
    _, client = backend_client
    assert client.get(path).status_code == 200


def test_linked_data_is_the_same_on_every_backend(backend_client, snapshot):
    """/data and /page read through the store interface (bound IRIs, one JSON term converter):
    the description of a concept and of an edge statement is the snapshot's, whatever the store."""
    _name, client = backend_client
    reference = EmbeddedBackend(load_memory_store(snapshot.path))
    for slug in (
        "premature-scaling",
        "edge-building-for-millions-before-thousands--causes--premature-scaling",
    ):
        r = client.get(f"/data/{slug}.nt")
        assert r.status_code == 200, r.text
        got = sorted(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES), key=str)
        expected = reference.construct(CBD_QUERY, {"r": f"https://w3id.org/scalekg/id/{slug}"})
        assert len(got) == len(expected) > 0
        assert {str(t) for t in got} == {str(t) for t in expected}
        page = client.get(f"/page/{slug}")
        assert page.status_code == 200 and "<h1" in page.text
