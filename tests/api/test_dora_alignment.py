"""DORA Core alignment is visible: the concept JSON and page show each mapping's DORA label, kind
(exact / close / related), one-line reason and dora.dev link, read from data/dora-core.ttl."""

from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from scalekg.api.state import AppState
from scalekg.graph.build import Snapshot
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.namespaces import DATA_GRAPH, SKG
from scalekg.graph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KG = "https://w3id.org/scalekg/id/"
KINDS = {SKOS.exactMatch: "exact", SKOS.closeMatch: "close", SKOS.relatedMatch: "related"}


def authored_mappings() -> dict[str, list[dict[str, str]]]:
    """The mappings as written in data/dora-core.ttl, read with rdflib (not through the model)."""
    g = Graph().parse(ROOT / "data" / "dora-core.ttl")
    out: dict[str, list[dict[str, str]]] = {}
    for st in g.subjects(RDF.type, SKG.MappingStatement):
        target = g.value(st, RDF.object)
        out.setdefault(str(g.value(st, RDF.subject)).removeprefix(KG), []).append(
            {
                "iri": str(target),
                "label": str(g.value(target, SKOS.prefLabel)),
                "kind": KINDS[g.value(st, RDF.predicate)],
                "reason": str(g.value(st, SKG.mappingReason)),
            }
        )
    return out


def test_every_mapping_shows_in_the_concept_json(client):
    mappings = authored_mappings()
    assert sum(len(v) for v in mappings.values()) >= 20
    kinds_seen = set()
    for slug, expected in mappings.items():
        body = client.get(f"/api/concepts/{slug}").json()
        got = [{k: a[k] for k in ("iri", "label", "kind", "reason")} for a in body["alignments"]]
        assert sorted(got, key=str) == sorted(expected, key=str), slug
        order = ["exact", "close", "related"]
        assert [order.index(a["kind"]) for a in got] == sorted(order.index(a["kind"]) for a in got)
        # A DORA item is shown once, with its reason, not again as a bare close match.
        assert not {m["iri"] for m in body["close_matches"]} & {a["iri"] for a in got}, slug
        kinds_seen.update(a["kind"] for a in got)
    assert kinds_seen == {"exact", "close", "related"}


def test_concept_json_names_the_dora_item_and_its_group(client):
    body = client.get("/api/concepts/westrum-generative-culture").json()
    (culture,) = [a for a in body["alignments"] if "generative" in a["iri"]]
    assert culture["kind"] == "exact"
    assert culture["label"] == "Generative organizational culture"
    assert culture["iri"] == "https://dora.dev/capabilities/generative-organizational-culture/"
    assert culture["scheme"] == "DORA Core v2"
    assert culture["group"] == "DORA Core: climate for learning"
    assert "Westrum" in culture["reason"]


def test_internal_close_matches_stay(client):
    body = client.get("/api/concepts/technical-debt").json()
    assert [m["id"] for m in body["close_matches"]] == ["accumulation-of-tech-debt"]


def test_concept_page_shows_label_kind_reason_and_link(client):
    for slug, expected in authored_mappings().items():
        html = client.get(f"/page/{slug}").text
        assert "<dt>DORA Core v2</dt>" in html, slug
        for a in expected:
            assert f'<a href="{a["iri"]}">{escape(a["label"])}</a>' in html, (slug, a)
            assert f"{a['kind']} match" in html
            assert f'<p class="reason">{escape(a["reason"])}</p>' in html, (slug, a)
        # The DORA pages are not listed again as bare URLs.
        assert f'<a href="{expected[0]["iri"]}">{expected[0]["iri"]}</a>' not in html


# -- escaping: a hostile mapping ----------------------------------------------------------------

HOSTILE_TTL = """
@prefix skg:  <https://w3id.org/scalekg/ontology#> .
@prefix kg:   <https://w3id.org/scalekg/id/> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kg:good a skg:Capability ; skos:prefLabel "Good"@en .
kg:evil-scheme a skos:ConceptScheme ; skos:prefLabel "Scheme <img src=x onerror=alert(3)>"@en .
kg:evil-group a skos:Collection ; skos:prefLabel "Group <b onmouseover=alert(4)>g</b>"@en ;
    skos:member <https://dora.dev/capabilities/evil/> .
<https://dora.dev/capabilities/evil/> a skos:Concept ; skos:inScheme kg:evil-scheme ;
    skos:prefLabel "<script>alert(1)</script>"@en .
<javascript:alert(5)> a skos:Concept ; skos:prefLabel "Not a link"@en .
kg:mapping-good--closeMatch--evil a skg:MappingStatement ; rdf:subject kg:good ;
    rdf:predicate skos:closeMatch ; rdf:object <https://dora.dev/capabilities/evil/> ;
    skg:mappingReason "Because </p><iframe src=javascript:alert(2)>" .
kg:mapping-good--relatedMatch--js a skg:MappingStatement ; rdf:subject kg:good ;
    rdf:predicate skos:relatedMatch ; rdf:object <javascript:alert(5)> ;
    skg:mappingReason "A non-web IRI is shown, not linked." .
kg:good skos:closeMatch <https://dora.dev/capabilities/evil/> .
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> TestClient:
    from scalekg.api import errors
    from scalekg.api.routers import concepts, linked_data
    from scalekg.graph.backends.memory import EmbeddedBackend

    store = ox.Store()
    store.load(HOSTILE_TTL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(DATA_GRAPH))
    backend = EmbeddedBackend(store)
    path = tmp_path_factory.mktemp("hostile-dora") / "snapshot.nq"
    app = FastAPI()
    app.state.scalekg = AppState(
        settings=Settings(build_dir=path.parent),
        snapshot=Snapshot(path=path, hash="hostile-dora", stats={"triples": 0}),
        kg=KnowledgeGraph.from_store(backend.select, "hostile-dora"),
        store=backend,
    )
    errors.install(app)
    app.include_router(linked_data.router)
    app.include_router(concepts.router)
    return TestClient(app)


def test_hostile_alignment_is_escaped_on_the_page(hostile):
    r = hostile.get("/page/good")
    assert r.status_code == 200
    body = r.text.split("<main>", 1)[1]
    for live in ("<script>alert", "<iframe", "<img src=x", "<b onmouseover", 'href="javascript:'):
        assert live not in body, live
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Because &lt;/p&gt;&lt;iframe src=javascript:alert(2)&gt;" in body
    assert "Scheme &lt;img src=x onerror=alert(3)&gt;" in body
    assert "Group &lt;b onmouseover=alert(4)&gt;g&lt;/b&gt;" in body
    assert "Not a link" in body


def test_hostile_alignment_json_keeps_the_text(hostile):
    body = hostile.get("/api/concepts/good").json()
    labels = {a["label"] for a in body["alignments"]}
    assert labels == {"<script>alert(1)</script>", "Not a link"}
    assert body["close_matches"] == []
