"""SPARQL 1.1 Protocol conformance of ``/sparql``, read-only side.

The ``W3C_CASES`` transcribe the query_* and bad_* cases of the W3C SPARQL 1.1 Protocol test
suite (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), with three adaptations:

- the path is ``/sparql`` (the suite's ``/sparql/`` would be a redirect here);
- the suite's graphs ``data0.rdf`` .. ``data3.rdf`` are in our fixture dataset as named graphs,
  because this endpoint refuses graphs that are not in its dataset (it never fetches them);
- ``query_multiple_dataset`` percent-encodes its second ``named-graph-uri`` into the first one
  (``%26named-graph-uri%3D``), an erratum; it is sent here as the two parameters it means.

Each response is parsed back with rdflib. Positive cases that would pass vacuously on a union
default graph get a negative twin that must answer ``false``.
"""

import io
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.query import Result

K = "http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2F"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

RESULT_FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}

ASK_D1_D2 = (
    "ASK { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type . "
    "<http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type . }"
)
ASK_NAMED = (
    "ASK { GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type } "
    "GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type } }"
)
ASK_FULL = """ASK {
  <http://kasei.us/2009/09/sparql/data/data3.rdf> a ?type
  GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type }
  GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type }
}"""


def q(text: str) -> str:
    return quote(text, safe="")


def mtype(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def parse_result(response) -> Result:
    return Result.parse(io.BytesIO(response.content), format=RESULT_FORMATS[mtype(response)])


def parse_graph(response) -> Graph:
    return Graph().parse(data=response.content, format=GRAPH_FORMATS[mtype(response)])


# (id, method, path, content-type, body, expected status class, expected format, expected bool)
W3C_CASES = [
    ("query_post_form", "POST", f"/sparql?default-graph-uri={K}data0.rdf", FORM, "query=ASK%20%7B%7D", 2, "boolean", True),
    ("query_dataset_default_graphs_get", "GET", f"/sparql?query={q(ASK_D1_D2)}&default-graph-uri={K}data1.rdf&default-graph-uri={K}data2.rdf", None, None, 2, "boolean", True),
    ("query_dataset_default_graphs_get (one graph: false)", "GET", f"/sparql?query={q(ASK_D1_D2)}&default-graph-uri={K}data1.rdf", None, None, 2, "boolean", False),
    ("query_dataset_default_graphs_post", "POST", f"/sparql?default-graph-uri={K}data1.rdf&default-graph-uri={K}data2.rdf", DIRECT, ASK_D1_D2, 2, "boolean", True),
    ("query_dataset_named_graphs_post", "POST", f"/sparql?named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf", DIRECT, ASK_NAMED, 2, "boolean", True),
    ("query_dataset_named_graphs_post (one graph: false)", "POST", f"/sparql?named-graph-uri={K}data1.rdf", DIRECT, ASK_NAMED, 2, "boolean", False),
    ("query_dataset_named_graphs_get", "GET", f"/sparql?query={q(ASK_NAMED)}&named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf", None, None, 2, "boolean", True),
    ("query_dataset_full", "POST", f"/sparql?default-graph-uri={K}data3.rdf&named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf", DIRECT, ASK_FULL, 2, "boolean", True),
    ("query_dataset_full (default graph data1: false)", "POST", f"/sparql?default-graph-uri={K}data1.rdf&named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf", DIRECT, ASK_FULL, 2, "boolean", False),
    ("query_multiple_dataset", "POST", f"/sparql?named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf", DIRECT, "ASK FROM <http://kasei.us/2009/09/sparql/data/data3.rdf> " + ASK_NAMED[4:], 2, "boolean", True),
    ("query_multiple_dataset (protocol overrides FROM NAMED)", "POST", f"/sparql?named-graph-uri={K}data1.rdf", DIRECT, "ASK FROM NAMED <http://kasei.us/2009/09/sparql/data/data3.rdf> { GRAPH ?g { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?t } }", 2, "boolean", True),
    ("query_multiple_dataset (FROM NAMED alone: false)", "POST", "/sparql", DIRECT, "ASK FROM NAMED <http://kasei.us/2009/09/sparql/data/data3.rdf> { GRAPH ?g { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?t } }", 2, "boolean", False),
    ("query_get", "GET", f"/sparql?query=ASK%20%7B%7D&default-graph-uri={K}data0.rdf", None, None, 2, "boolean", True),
    ("query_content_type_select", "POST", f"/sparql?default-graph-uri={K}data0.rdf", DIRECT, "SELECT (1 AS ?value) {}", 2, "tabular", None),
    ("query_content_type_ask", "POST", f"/sparql?default-graph-uri={K}data0.rdf", DIRECT, "ASK {}", 2, "boolean", True),
    ("query_content_type_describe", "POST", f"/sparql?default-graph-uri={K}data0.rdf", DIRECT, "DESCRIBE <http://example.org/>", 2, "RDF", None),
    ("query_content_type_construct", "POST", f"/sparql?default-graph-uri={K}data0.rdf", DIRECT, "CONSTRUCT { <s> <p> 1 } WHERE {}", 2, "RDF", None),
    ("query_post_direct", "POST", "/sparql", DIRECT, "ASK {}", 2, "boolean", True),
    ("bad_query_method", "PUT", f"/sparql?query=ASK%20%7B%7D&default-graph-uri={K}data0.rdf", FORM, "", 4, None, None),
    ("bad_multiple_queries", "GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, None, 4, None, None),
    ("bad_query_wrong_media_type", "POST", "/sparql", "text/plain", "ASK {}", 4, None, None),
    ("bad_query_missing_form_type", "POST", "/sparql", None, "query=ASK%20%7B%7D", 4, None, None),
    ("bad_query_missing_direct_type", "POST", "/sparql", None, "ASK {}", 4, None, None),
    ("bad_query_non_utf8", "POST", "/sparql", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 4, None, None),
    ("bad_query_syntax", "GET", "/sparql?query=ASK%20%7B", None, None, 4, None, None),
    ("bad_update_get", "GET", "/sparql?update=CLEAR%20ALL", None, None, 4, None, None),
    ("bad_multiple_updates", "POST", "/sparql", FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", 4, None, None),
    ("bad_update_wrong_media_type", "POST", "/sparql", "text/plain", "CLEAR NAMED", 4, None, None),
    ("bad_update_missing_form_type", "POST", "/sparql", None, "update=CLEAR%20NAMED", 4, None, None),
    ("bad_update_non_utf8", "POST", "/sparql", "application/sparql-update; charset=UTF-16", "CLEAR NAMED".encode("utf-16"), 4, None, None),
    ("bad_update_syntax", "POST", "/sparql", FORM, "update=CLEAR%20XYZ", 4, None, None),
]  # fmt: skip


def send(client, method, path, ctype, body, headers=None):
    h = dict(headers or {})
    if ctype:
        h["Content-Type"] = ctype
    content = body.encode() if isinstance(body, str) else body
    return client.request(method, path, content=content, headers=h)


@pytest.mark.parametrize(
    ("method", "path", "ctype", "body", "status", "fmt", "boolean"),
    [pytest.param(*case[1:], id=case[0]) for case in W3C_CASES],
)
def test_w3c_protocol_case(sparql_client, method, path, ctype, body, status, fmt, boolean):
    r = send(sparql_client, method, path, ctype, body)
    assert r.status_code // 100 in ((2, 3) if status == 2 else (status,)), r.text
    if fmt == "boolean":
        assert mtype(r) in RESULT_FORMATS
        assert parse_result(r).askAnswer is boolean
    elif fmt == "tabular":
        rows = list(parse_result(r))
        assert [row.value for row in rows] == [Literal(1)]
    elif fmt == "RDF":
        g = parse_graph(r)
        if "CONSTRUCT" in body:
            ((s, p, o),) = list(g)
            assert str(s).endswith("/s") and str(p).endswith("/p") and o == Literal(1)
            assert s.startswith("http")  # resolved against the service's base IRI
        else:
            assert len(g) == 0
    if status == 4 and method != "PUT":
        assert r.json()["error"] in ("protocol", "syntax", "unsupported_media_type", "forbidden")


def test_syntax_error_body_has_position(sparql_client):
    r = sparql_client.get(
        "/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }"}
    )
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "syntax" and body["line"] == 3 and isinstance(body["column"], int)
    assert body["message"]


# ---------------------------------------------------------------------------- updates


def test_updates_are_refused_without_a_token(sparql_client):
    for r in (
        send(sparql_client, "POST", "/sparql", FORM, "update=CLEAR%20ALL"),
        send(sparql_client, "POST", "/sparql", UPDATE, "CLEAR ALL"),
    ):
        assert r.status_code == 403
        assert r.json()["error"] == "forbidden"
        assert "remote store" in r.json()["message"]
    ask = sparql_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert parse_result(ask).askAnswer is True


def test_update_sent_as_query_is_refused(sparql_client):
    r = sparql_client.get("/sparql", params={"query": "CLEAR ALL"})
    assert r.status_code == 400 and r.json()["error"] == "forbidden"


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic czNjcmV0LXRva2Vu", "Bearer"])
def test_updates_need_the_right_token(sparql_token_client, auth):
    headers = {"Authorization": auth} if auth else {}
    r = send(sparql_token_client, "POST", "/sparql", UPDATE, "CLEAR ALL", headers)
    assert r.status_code == 403
    ask = sparql_token_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert parse_result(ask).askAnswer is True


def test_embedded_store_refuses_updates_even_with_a_token(sparql_token_client, sparql_consts):
    """Updates are not applied to an embedded store (issue 13 item 8): they would live in
    memory, be lost on restart, and their blank nodes would differ between workers."""
    auth = {"Authorization": f"Bearer {sparql_consts.TOKEN}"}
    for content_type, body in (
        (FORM, "update=CLEAR+ALL"),
        (UPDATE, "CLEAR ALL"),
        (UPDATE, "INSERT DATA { _:b <http://example.org/p> 1 }"),
    ):
        r = send(sparql_token_client, "POST", "/sparql", content_type, body, auth)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "forbidden" and "remote store" in r.json()["message"]
    for _ in range(4):  # every worker still has the data
        ask = sparql_token_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert parse_result(ask).askAnswer is True


# ---------------------------------------------------------------------------- negotiation


SELECT = "SELECT ?c WHERE { ?c skg:mitigates kg:premature-scaling }"


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        (None, None, "application/sparql-results+json"),
        ("*/*", None, "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/sparql-results+json"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", None, "text/csv"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("application/json", None, "application/sparql-results+json"),
        (
            "text/csv;q=0.2, application/sparql-results+xml;q=0.8",
            None,
            "application/sparql-results+xml",
        ),
        ("text/turtle", "csv", "text/csv"),
        (None, "tsv", "text/tab-separated-values"),
        (None, "application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_negotiation(sparql_client, accept, fmt, expected):
    headers = {"Accept": accept} if accept else {}
    params = {"query": SELECT, **({"format": fmt} if fmt else {})}
    r = sparql_client.get("/sparql", params=params, headers=headers)
    assert r.status_code == 200 and mtype(r) == expected
    assert len(list(parse_result(r))) == 3
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        (None, None, "text/turtle"),
        ("application/n-triples", None, "application/n-triples"),
        ("application/ld+json", None, "application/ld+json"),
        ("application/rdf+xml", None, "application/rdf+xml"),
        ("application/rdf+xml;q=0.5, text/turtle", None, "text/turtle"),
        (None, "jsonld", "application/ld+json"),
        (None, "rdfxml", "application/rdf+xml"),
        (None, "ntriples", "application/n-triples"),
        (None, "turtle", "text/turtle"),
    ],
)
def test_construct_negotiation(sparql_client, sparql_consts, accept, fmt, expected):
    headers = {"Accept": accept} if accept else {}
    query = "CONSTRUCT { ?c skg:mitigates ?f } WHERE { ?c skg:mitigates ?f }"
    params = {"query": query, **({"format": fmt} if fmt else {})}
    r = sparql_client.get("/sparql", params=params, headers=headers)
    assert r.status_code == 200 and mtype(r) == expected
    g = parse_graph(r)
    assert len(g) == 3
    assert (
        URIRef(sparql_consts.KG + "continuous-delivery"),
        URIRef(sparql_consts.SKG + "mitigates"),
        URIRef(sparql_consts.KG + "premature-scaling"),
    ) in g


@pytest.mark.parametrize(
    ("query", "accept", "fmt"),
    [
        (SELECT, "text/turtle", None),
        (SELECT, "image/png", None),
        ("ASK {}", "application/sparql-results+json;q=0", None),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json", None),
        (SELECT, None, "turtle"),
        (SELECT, "text/turtle", "yaml"),  # an unknown format=: Accept decides
    ],
)
def test_not_acceptable(sparql_client, query, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    params = {"query": query, **({"format": fmt} if fmt else {})}
    r = sparql_client.get("/sparql", params=params, headers=headers)
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "not_acceptable"
    assert set(body["supported"]) in (
        set(RESULT_FORMATS),
        set(GRAPH_FORMATS),
    )


@pytest.mark.parametrize(
    ("query", "params", "accept", "expected"),
    [
        # SPARQLWrapper's defaults (issue 11 item 6): comma lists, N3, and several values.
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
         [("output", "application/ld+json,application/x-json+ld")], None, "application/ld+json"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", [("format", "n3")], None, "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", [("format", "application/x-json+ld")], None,
         "application/ld+json"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", [("format", "text/rdf+n3")], None, "text/turtle"),
        (SELECT, [("format", "csv"), ("output", "json")], None, "text/csv"),
        (SELECT, [("format", "nonsense")], "text/csv", "text/csv"),
        (SELECT, [("format", "yaml")], None, "application/sparql-results+json"),
    ],
)  # fmt: skip
def test_format_parameters_as_sparqlwrapper_sends_them(sparql_client, query, params, accept,
                                                        expected):  # fmt: skip
    headers = {"Accept": accept} if accept else {}
    r = sparql_client.get("/sparql", params=[("query", query), *params], headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
        {"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <http://127.0.0.1:9/g> { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "ASK {}", "default-graph-uri": "file:///etc/passwd"},
        {"query": "ASK {}", "named-graph-uri": "http://127.0.0.1:9/g"},
    ],
)
def test_forbidden_is_400_with_a_reason(sparql_client, params):
    r = sparql_client.get("/sparql", params=params)
    assert r.status_code == 400
    assert r.json()["error"] == "forbidden" and r.json()["message"]


def test_from_a_local_graph_is_allowed(sparql_client, sparql_consts):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{sparql_consts.GRAPH}inferred> {{ ?s ?p ?o }}"
    r = sparql_client.get("/sparql", params={"query": query})
    assert r.status_code == 200
    assert next(iter(parse_result(r))).n == Literal(1)


def test_default_graph_is_the_union(sparql_client, sparql_consts):
    r = sparql_client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert next(iter(parse_result(r))).n == Literal(len(sparql_consts.QUADS))
    assert "x-scalekg-truncated" not in r.headers  # only sent when the row cap cut the answer


# ---------------------------------------------------------------------------- service description


SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_service_description(sparql_client, sparql_consts, accept, expected):
    r = sparql_client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and mtype(r) == expected
    g = parse_graph(r)
    (service,) = list(g.subjects(RDF.type, URIRef(SD + "Service")))
    # The bound address (issue 11 item 11): never the Host header ("testserver" here).
    assert g.value(service, URIRef(SD + "endpoint")) == URIRef("http://127.0.0.1:8000/sparql")
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Update")) not in g
    assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in g
    names = set(g.objects(None, URIRef(SD + "name")))
    assert URIRef(sparql_consts.GRAPH + "data") in names
    assert URIRef(sparql_consts.KASEI + "data0.rdf") in names
    formats = set(g.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats


def test_service_description_never_offers_updates_on_an_embedded_store(sparql_token_client):
    g = parse_graph(sparql_token_client.get("/sparql"))
    assert (None, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    assert (None, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Update")) not in g


def test_service_description_not_acceptable(sparql_client):
    r = sparql_client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 406


# ---------------------------------------------------------------------------- CORS


def test_cors_star_without_credentials(sparql_client):
    r = sparql_client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "X-ScaleKG-Truncated" in r.headers["access-control-expose-headers"]
    pre = sparql_client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
