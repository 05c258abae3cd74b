"""Linked Data: /id/<slug> dereferences by content negotiation (303), pages escape everything."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from scalekg.api.state import AppState
from scalekg.graph.backends.base import SHIPPED_GRAPHS
from scalekg.graph.backends.remote import RemoteBackend
from scalekg.graph.build import Snapshot
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.namespaces import DATA_GRAPH, SKG
from scalekg.graph.resources import ontology_files
from scalekg.graph.settings import Settings

KG = "https://w3id.org/scalekg/id/"
PS = KG + "premature-scaling"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


class Links(HTMLParser):
    """Every href and src of a page, and the tags that load something."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.loads: list[tuple[str, str]] = []
        self.icons: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.loads.append((tag, a["src"]))
        if tag == "link" and a.get("href"):
            self.loads.append((tag, a["href"]))
            if a.get("rel") == "icon":
                self.icons.append(a["href"])


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def assert_self_contained(html: str) -> None:
    found = links(html)
    assert found.icons == ["data:,"]
    for tag, url in found.loads:
        assert url.startswith(("/", "data:")) and not url.startswith("//"), (tag, url)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html.split("<body", 1)[0])


# -- 303 and content negotiation ----------------------------------------------------------------


def test_browser_gets_303_to_the_html_page(client):
    r = client.get("/id/premature-scaling", headers={"Accept": BROWSER}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/page/premature-scaling"
    assert "accept" in r.headers["vary"].lower()


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_rdf_clients_get_303_to_data_that_parses(client, media):
    ext, rdflib_format = RDF_TYPES[media]
    r = client.get("/id/premature-scaling", headers={"Accept": media}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/data/premature-scaling.{ext}"
    doc = client.get(r.headers["location"])
    assert doc.status_code == 200
    assert doc.headers["content-type"].startswith(media)
    g = Graph().parse(data=doc.content, format=rdflib_format)
    s = URIRef(PS)
    assert (s, SKOS.prefLabel, Literal("Premature scaling", lang="en")) in g
    assert (s, RDF.type, SKG.FailureFactor) in g
    # its edge statements, with their provenance
    statements = set(g.subjects(RDF.object, s)) | set(g.subjects(RDF.subject, s))
    assert statements
    for st in statements:
        assert (st, RDF.type, SKG.EdgeStatement) in g
        assert g.value(st, SKG.quote) is not None
        assert g.value(st, SKG.locator) is not None
        assert g.value(st, SKG.basis) in (SKG.stated, SKG.interpreted)
        assert g.value(st, SKG.source) is not None


def test_all_rdf_formats_hold_the_same_triples(client):
    sizes = set()
    for ext, fmt in RDF_TYPES.values():
        g = Graph().parse(data=client.get(f"/data/premature-scaling.{ext}").content, format=fmt)
        sizes.add(len(g))
    assert len(sizes) == 1


def test_data_includes_incoming_edges(client):
    g = Graph().parse(data=client.get("/data/premature-scaling.ttl").content, format="turtle")
    assert (URIRef(KG + "hiring-too-many-people-too-early"), SKG.causes, URIRef(PS)) in g


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/turtle;q=0.5, application/ld+json", "/data/premature-scaling.jsonld"),
        ("text/html;q=0.1, text/turtle", "/data/premature-scaling.ttl"),
        ("application/json", "/data/premature-scaling.jsonld"),
        ("text/*", "/page/premature-scaling"),
        ("*/*", "/page/premature-scaling"),
        ("", "/page/premature-scaling"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "/data/premature-scaling.rdf"),
    ],
)
def test_q_values_and_wildcards(client, accept, location):
    r = client.get("/id/premature-scaling", headers={"Accept": accept}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == location


@pytest.mark.parametrize(
    ("fmt", "location"),
    [
        ("ttl", "/data/premature-scaling.ttl"),
        ("turtle", "/data/premature-scaling.ttl"),
        ("json-ld", "/data/premature-scaling.jsonld"),
        ("nt", "/data/premature-scaling.nt"),
        ("rdf", "/data/premature-scaling.rdf"),
        ("html", "/page/premature-scaling"),
    ],
)
def test_format_parameter_overrides_accept(client, fmt, location):
    r = client.get(
        "/id/premature-scaling",
        params={"format": fmt},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == location


@pytest.mark.parametrize("accept", ["image/png", "application/pdf", "text/html;q=0, image/*"])
def test_unsupported_accept_is_406(client, accept):
    r = client.get("/id/premature-scaling", headers={"Accept": accept}, follow_redirects=False)
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "not acceptable"
    assert "text/turtle" in body["valid"]


def test_unsupported_format_is_406(client):
    r = client.get("/id/premature-scaling", params={"format": "pdf"}, follow_redirects=False)
    assert r.status_code == 406
    assert "ttl" in r.json()["valid"]


@pytest.mark.parametrize(
    "slug",
    [
        "Premature-Scaling",
        "premature_scaling",
        "-premature",
        "premature%20scaling",
        "a.b",
        "x" * 301,
    ],
)
def test_invalid_slugs_are_404(client, slug):
    for prefix in ("/id/", "/page/"):
        r = client.get(prefix + slug, follow_redirects=False)
        assert r.status_code in (404, 422), (prefix, slug, r.text)
        assert r.headers["content-type"].startswith("application/json")


def test_unknown_slug_is_404_with_suggestions(client):
    r = client.get("/id/premature-scalin", follow_redirects=False)
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "unknown resource"
    assert body["suggestions"][0]["id"] == "premature-scaling"


@pytest.mark.parametrize(
    "filename", ["premature-scaling.pdf", "premature-scaling", "nope.ttl", "PREMATURE.ttl"]
)
def test_bad_data_documents_are_404(client, filename):
    r = client.get(f"/data/{filename}")
    assert r.status_code == 404
    assert r.json()["message"]


# -- the concept page --------------------------------------------------------------------------


def test_concept_page_content(client, kg):
    r = client.get("/id/premature-scaling", headers={"Accept": BROWSER})  # follows the 303
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    c = kg.concept("premature-scaling")
    assert "<h1>Premature scaling</h1>" in html
    assert c.definition.replace("'", "&#39;") in html
    for alt in c.alt_labels:
        assert alt.replace("'", "&#39;") in html
    for edge in kg.edges_to(c.iri) + kg.edges_from(c.iri):
        for prov in edge.provenance:
            assert prov.locator in html
            assert prov.quote.replace("'", "&#39;").replace('"', "&#34;") in html
    assert "interpreted" in html
    assert 'id="rel-caused-by"' in html  # edges grouped by relation
    assert_self_contained(html)


def test_concept_page_links(client, kg):
    html = client.get("/page/premature-scaling").text
    hrefs = links(html).hrefs
    assert "/graph?focus=premature-scaling" in hrefs
    assert "/api/concepts/premature-scaling/mitigated-by" in hrefs
    for edge in kg.edges_to(PS):
        assert f"/id/{kg.concepts[edge.subject].slug}" in hrefs
    queries = [parse_qs(urlsplit(h).query)["query"][0] for h in hrefs if h.startswith("/query?")]
    assert f"DESCRIBE <{PS}>" in queries
    assert any(q.lstrip().startswith("PREFIX") and "SELECT" in q and PS in q for q in queries)


def test_concept_page_local_links_resolve(client):
    html = client.get("/page/premature-scaling").text
    for href in sorted(set(links(html).hrefs)):
        if not href.startswith("/") or href.startswith("/ontology#"):
            continue
        path = urlsplit(href).path
        r = client.get(href, headers={"Accept": "text/html"})
        if path in ("/graph", "/sparql", "/docs") and r.status_code == 404:
            continue  # served by another router that may not be installed here
        assert r.status_code == 200, (href, r.status_code)


def test_page_announces_its_data_alternates(client):
    r = client.get("/page/premature-scaling")
    assert 'rel="alternate"' in r.headers["link"]
    assert "/data/premature-scaling.ttl" in r.headers["link"]
    assert "content-security-policy" in r.headers


def test_edge_statement_iris_dereference(client, kg):
    edge = kg.edges_to(PS, "causes")[0]
    slug = edge.provenance[0].statement.rsplit("/", 1)[1]
    assert slug.startswith("edge-")
    r = client.get(f"/id/{slug}", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/page/{slug}"
    page = client.get(f"/page/{slug}")
    assert page.status_code == 200
    assert edge.provenance[0].locator in page.text
    assert "Premature scaling" in page.text
    assert_self_contained(page.text)
    g = Graph().parse(data=client.get(f"/data/{slug}.ttl").content, format="turtle")
    st = URIRef(KG + slug)
    assert g.value(st, RDF.subject) == URIRef(edge.subject)
    assert g.value(st, RDF.object) == URIRef(PS)
    assert g.value(st, SKG.quote) is not None


def test_source_iris_dereference(client):
    r = client.get("/id/talk", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "Referred to by" in r.text


# -- the ontology ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (BROWSER, "/ontology.html"),
        ("text/turtle", "/ontology.ttl"),
        ("application/ld+json", "/ontology.jsonld"),
        ("application/n-triples", "/ontology.nt"),
        ("application/rdf+xml", "/ontology.rdf"),
    ],
)
def test_ontology_iri_dereferences(client, accept, location):
    r = client.get("/ontology", headers={"Accept": accept}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == location


def test_ontology_406(client):
    assert client.get("/ontology", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/ontology.pdf").status_code == 404


def test_ontology_turtle_is_the_source_file(client):
    r = client.get("/ontology.ttl")
    assert r.headers["content-type"].startswith("text/turtle")
    assert r.content == b"".join(p.read_bytes() for p in ontology_files())


def test_ontology_formats_agree(client):
    base = Graph().parse(data=client.get("/ontology.ttl").content, format="turtle")
    for ext, fmt in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        g = Graph().parse(data=client.get(f"/ontology.{ext}").content, format=fmt)
        assert len(g) == len(base), ext


def test_ontology_page_lists_classes_and_properties(client):
    r = client.get("/ontology.html")
    html = r.text
    base = Graph().parse(data=client.get("/ontology.ttl").content, format="turtle")
    definition = str(base.value(SKG.Capability, SKOS.definition))
    assert 'id="Capability"' in html and 'id="mitigates"' in html
    assert definition.replace("'", "&#39;") in html
    assert_self_contained(html)


# -- escaping: a hostile graph -----------------------------------------------------------------

XSS = "<script>alert(1)</script>"
HOSTILE_TTL = """
@prefix skg:  <https://w3id.org/scalekg/ontology#> .
@prefix kg:   <https://w3id.org/scalekg/id/> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kg:talk a skg:Source ; rdfs:label "Talk <img src=x onerror=alert(2)>" .
kg:evil a skg:FailureFactor ; skos:prefLabel "<script>alert(1)</script>"@en ;
    skos:altLabel "\\"><script>alert(3)</script>"@en ;
    skos:definition "Defined as <b onmouseover=alert(4)>bold</b> & more"@en ;
    skos:scopeNote "Note </textarea><script>alert(5)</script>"@en .
kg:good a skg:Capability ; skos:prefLabel "Good 'quoted' \\"thing\\""@en ;
    skos:definition "Fine."@en .
kg:edge-good--mitigates--evil a skg:EdgeStatement ; rdf:subject kg:good ;
    rdf:predicate skg:mitigates ; rdf:object kg:evil ; skg:source kg:talk ;
    skg:locator "slide <i>18</i>" ; skg:quote "Quote <script>alert(6)</script>" ;
    skg:basis skg:interpreted ; skg:rationale "Because <iframe src=javascript:alert(7)>" .
kg:good skg:mitigates kg:evil .
"""


SECRET_NQ = (
    "<https://w3id.org/scalekg/id/secret-assessment> <https://w3id.org/scalekg/ontology#mitigates> "
    "<https://w3id.org/scalekg/id/evil> <https://w3id.org/scalekg/graph/assessment/a1> .\n"
    "<https://w3id.org/scalekg/id/secret-assessment> <http://www.w3.org/2004/02/skos/core#prefLabel> "
    '"Private answers" <https://w3id.org/scalekg/graph/assessment/a1> .\n'
)


def make_app(store, tmp_path, name: str = "hostile0") -> TestClient:
    from scalekg.api import errors
    from scalekg.api.routers import linked_data, query_page

    kg = KnowledgeGraph.from_store(store.select, name)
    path = tmp_path / "snapshot.nq"
    state = AppState(
        settings=Settings(build_dir=path.parent),
        snapshot=Snapshot(path=path, hash=name, stats={"triples": 0}),
        kg=kg,
        store=store,
    )
    app = FastAPI()
    app.state.scalekg = state
    errors.install(app)  # as create_app does
    app.include_router(linked_data.router)
    app.include_router(query_page.router)
    return TestClient(app)


def hostile_store() -> ox.Store:
    store = ox.Store()
    store.load(HOSTILE_TTL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(DATA_GRAPH))
    store.load(SECRET_NQ.encode(), format=ox.RdfFormat.N_QUADS)  # a user's assessment graph
    return store


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> TestClient:
    from scalekg.graph.backends.memory import EmbeddedBackend

    client = make_app(EmbeddedBackend(hostile_store()), tmp_path_factory.mktemp("hostile"))
    assert client.app.state.scalekg.kg.concept("evil").label == XSS
    return client


class FakeRemote(RemoteBackend):
    """A remote SPARQL store whose protocol calls are answered by pyoxigraph (the rest, such as
    binding values and reading results back into terms, is RemoteBackend's own)."""

    kind = "sparql"

    def __init__(self, store: ox.Store):  # no HTTP client: the protocol calls are replaced
        self.inner = store
        self.queries: list[str] = []

    def _run(self, query: str):
        self.queries.append(query)
        graphs = [ox.NamedNode(g) for g in SHIPPED_GRAPHS]
        return self.inner.query(query, default_graph=graphs)

    def select(self, query: str) -> list[dict[str, str]]:
        data = self.select_json(query)
        names = data["head"]["vars"]
        return [{n: b[n]["value"] for n in names if n in b} for b in data["results"]["bindings"]]

    def select_json(self, query: str) -> dict:
        import json

        return json.loads(self._run(query).serialize(format=ox.QueryResultsFormat.JSON))

    def query_response(self, query: str, accept: str):
        class Answer:
            content = ox.serialize(self._run(query), format=ox.RdfFormat.N_TRIPLES)

        assert accept == "application/n-triples"
        return Answer()


def test_a_remote_store_gets_the_same_description(tmp_path):
    from scalekg.graph.backends.memory import EmbeddedBackend

    local = make_app(EmbeddedBackend(hostile_store()), tmp_path / "a")
    remote_store = FakeRemote(hostile_store())
    remote = make_app(remote_store, tmp_path / "b")
    for url in ("/data/evil.nt", "/data/edge-good--mitigates--evil.nt", "/data/good.nt"):
        a, b = local.get(url), remote.get(url)
        assert a.status_code == b.status_code == 200
        assert a.content == b.content, url
    for url in ("/page/evil", "/page/edge-good--mitigates--evil", "/page/talk"):
        assert local.get(url).text == remote.get(url).text
    bound = [q for q in remote_store.queries if "VALUES ?r" in q]
    assert bound and all("<https://w3id.org/scalekg/id/" in q for q in bound)


def test_assessment_graphs_are_not_published(hostile):
    assert hostile.get("/id/secret-assessment", follow_redirects=False).status_code == 404
    assert hostile.get("/page/secret-assessment").status_code == 404
    for url in ("/data/evil.ttl", "/page/evil"):
        body = hostile.get(url).text
        assert "secret-assessment" not in body and "Private answers" not in body


def assert_no_live_markup(html: str) -> None:
    body = html.split("<main>", 1)[1]
    for needle in ("<script>alert", "<img src=x", "<b onmouseover", "<iframe", "<i>18</i>"):
        assert needle not in body, needle
    assert "</textarea><script>" not in body


def test_hostile_concept_page_is_escaped(hostile):
    r = hostile.get("/page/evil")
    assert r.status_code == 200
    html = r.text
    assert_no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=alert(4)&gt;bold&lt;/b&gt; &amp; more" in html
    assert "Quote &lt;script&gt;alert(6)&lt;/script&gt;" in html
    assert "slide &lt;i&gt;18&lt;/i&gt;" in html
    assert "&lt;iframe" in html


def test_hostile_neighbour_page_is_escaped(hostile):
    html = hostile.get("/page/good").text
    assert_no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the neighbour's label
    assert "Good &#39;quoted&#39; &#34;thing&#34;" in html


def test_hostile_statement_and_source_pages_are_escaped(hostile):
    for slug in ("edge-good--mitigates--evil", "talk"):
        r = hostile.get(f"/page/{slug}")
        assert r.status_code == 200
        assert_no_live_markup(r.text)
        assert "&lt;" in r.text


def test_hostile_query_prefill_is_escaped(hostile):
    r = hostile.get("/query", params={"query": "SELECT * {} </textarea><script>alert(8)</script>"})
    assert r.status_code == 200
    assert "<script>alert(8)" not in r.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(8)&lt;/script&gt;" in r.text


def test_every_concept_and_statement_page_renders(client, kg):
    slugs = [c.slug for c in kg.concepts.values()]
    slugs += sorted({p.statement.rsplit("/", 1)[1] for e in kg.edges for p in e.provenance})
    for slug in slugs:
        r = client.get(f"/page/{slug}")
        assert r.status_code == 200, slug


def test_head_works_like_get(client):
    r = client.head(
        "/id/premature-scaling", headers={"Accept": "text/turtle"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/data/premature-scaling.ttl"
    page = client.head("/page/premature-scaling")
    assert page.status_code == 200 and page.headers["etag"]
    onto = client.head("/ontology", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert onto.status_code == 303
    assert client.head("/data/premature-scaling.nt").status_code == 200


@pytest.mark.server
def test_dereferencing_on_a_real_server(live_server):
    import httpx

    base = live_server.url
    r = httpx.head(base + "/id/premature-scaling", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["location"] == "/data/premature-scaling.ttl"
    r = httpx.get(
        base + "/id/premature-scaling", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert str(r.url).endswith("/data/premature-scaling.ttl")
    g = Graph().parse(data=r.content, format="turtle")
    assert (URIRef(PS), SKOS.prefLabel, Literal("Premature scaling", lang="en")) in g
    head = httpx.head(base + "/page/premature-scaling")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000
    etag = head.headers["etag"]
    assert (
        httpx.get(base + "/page/premature-scaling", headers={"If-None-Match": etag}).status_code
        == 304
    )
