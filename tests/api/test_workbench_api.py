"""The workbench's server side: the vocabulary and its completions, share links and curl
commands, the graph view of CONSTRUCT results, and the YASGUI bundle with its licences."""

import re
import shlex
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scalekg.api.query_links import (
    SAFE_URL_LENGTH,
    ShareLinkError,
    decode_query,
    encode_query,
    share,
)
from scalekg.graph.resources import example_queries

ROOT = Path(__file__).resolve().parents[2]
SKG = "https://w3id.org/scalekg/ontology#"


def test_vocabulary_lists_prefixes_classes_properties_and_concepts(client, kg):
    r = client.get("/api/vocabulary")
    assert r.status_code == 200
    v = r.json()
    assert v["prefixes"]["kg"] == "https://w3id.org/scalekg/id/"
    classes = {c["value"]: c for c in v["classes"]}
    assert classes["skg:FailureFactor"]["label"] == "Failure factor"
    assert classes["skg:FailureFactor"]["uses"] >= 10
    properties = {p["value"]: p for p in v["properties"]}
    assert properties["skg:mitigates"]["uses"] > 0
    assert "skos:prefLabel" in properties
    concepts = {c["value"]: c for c in v["concepts"]}
    assert len(concepts) == len(kg.concepts)
    assert concepts["kg:premature-scaling"]["label"] == "Premature scaling"
    assert "scaling too early" in concepts["kg:premature-scaling"]["synonyms"]


@pytest.mark.parametrize(
    ("typed", "kind", "first"),
    [
        ("premat", None, "kg:premature-scaling"),
        ("kg:premature-s", None, "kg:premature-scaling"),
        ("scaling too early", "concept", "kg:premature-scaling"),  # a synonym
        ("premture scaling", "concept", "kg:premature-scaling"),  # a typo
        ("deploy freq", "concept", "kg:deployment-frequency"),  # stems (question linking)
        ("skg:Fail", "class", "skg:FailureFactor"),
        ("mitigates", "property", "skg:mitigates"),
        ("skos:pref", None, "skos:prefLabel"),
        ("sko", "prefix", "skos"),
    ],
)
def test_completions_rank_the_intended_term_first(client, typed, kind, first):
    params = {"q": typed, **({"kind": kind} if kind else {})}
    r = client.get("/api/vocabulary/complete", params=params)
    assert r.status_code == 200, r.text
    found = r.json()["completions"]
    assert found and found[0]["value"] == first, [f["value"] for f in found]
    if kind:
        assert {f["kind"] for f in found} == {kind}


def test_completion_carries_label_and_class(client):
    top = client.get("/api/vocabulary/complete", params={"q": "premat"}).json()["completions"][0]
    assert top == {
        **top,
        "kind": "concept",
        "label": "Premature scaling",
        "detail": "FailureFactor",
    }


def test_completion_rejects_bad_input(client):
    r = client.get("/api/vocabulary/complete", params={"q": "x", "kind": "nonsense"})
    assert r.status_code == 422 and "prefix" in r.json()["message"]
    assert client.get("/api/vocabulary/complete").status_code == 422
    assert client.get("/api/vocabulary/complete", params={"q": "x" * 201}).status_code == 422
    assert (
        client.get("/api/vocabulary/complete", params={"q": "zzzzqqq"}).json()["completions"] == []
    )


# -- share links and curl ------------------------------------------------------------------------


@pytest.mark.parametrize("path", example_queries(), ids=lambda p: p.stem)
def test_share_link_round_trips_every_example_and_fits(client, path):
    query = path.read_text(encoding="utf-8")
    link = client.post("/query/share", json={"query": query}).json()
    assert link["fits"] and link["length"] == len(link["url"]) <= SAFE_URL_LENGTH
    params = parse_qs(urlsplit(link["path"]).query)
    back = decode_query(params["z"][0]) if "z" in params else params["query"][0]
    assert back == query
    page = client.get(link["path"])
    assert page.status_code == 200
    first_line = (
        query.splitlines()[0].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )
    assert first_line in page.text


def test_share_link_is_shorter_than_the_plain_query_for_a_long_one():
    query = "\n".join(f"# line {i}: SELECT ?x WHERE {{ ?x a ?type }}" for i in range(60))
    link = share(query, "http://127.0.0.1:8000/")
    assert link["path"].startswith("/query?z=")
    assert len(link["path"]) < len(query) / 4
    assert decode_query(link["path"].split("z=", 1)[1]) == query


def test_share_link_too_long_for_every_browser_says_so(client):
    import random

    rng = random.Random(7)  # incompressible text: the link cannot be short
    query = "SELECT * WHERE { ?s ?p ?o } # " + "".join(
        rng.choice("abcdefghij0123456789") for _ in range(4000)
    )
    link = client.post("/query/share", json={"query": query}).json()
    assert link["length"] > SAFE_URL_LENGTH and link["fits"] is False


def test_damaged_share_links_answer_400_not_500(client):
    good = encode_query("SELECT * WHERE { ?s ?p ?o }")
    for bad in ("!!!", good[:-5], "A" * 40, encode_query("x" * 30000)):
        r = client.get("/query", params={"z": bad})
        assert r.status_code in (400, 422), (bad, r.status_code)
        assert r.json()["message"]
    with pytest.raises(ShareLinkError):
        decode_query(good[:-3])


def test_share_rejects_bad_bodies(client):
    assert client.post("/query/share", content=b"not json").status_code == 400
    assert client.post("/query/share", json=["a"]).status_code == 400
    assert client.post("/query/share", json={"query": "  "}).status_code == 422
    assert client.post("/query/share", json={"query": "x" * 20001}).status_code == 413


def test_curl_command_asks_for_the_right_format_and_quotes_the_query():
    query = f"PREFIX skg: <{SKG}>\nSELECT ?x WHERE {{ ?x a skg:Value }} # it's quoted"
    words = shlex.split(share(query, "http://127.0.0.1:9/")["curl"])
    assert words[:2] == ["curl", "-sS"]
    assert words[words.index("-H") + 1] == "Accept: application/sparql-results+json"
    assert words[words.index("--data-urlencode") + 1] == "query=" + query
    assert words[-1] == "http://127.0.0.1:9/sparql"
    construct = shlex.split(share("CONSTRUCT WHERE { ?s ?p ?o }", "http://h/")["curl"])
    assert construct[construct.index("-H") + 1] == "Accept: text/turtle"


# -- the graph view of CONSTRUCT results -----------------------------------------------------------


def _construct(client, query: str) -> bytes:
    r = client.post("/sparql", data={"query": query}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.text
    return r.content


def test_graph_view_uses_the_graph_pages_styles(client, kg):
    from scalekg.viz.layout import COLUMN_GAP, layered_layout
    from scalekg.viz.style import node_options

    body = _construct(
        client,
        f"PREFIX skg: <{SKG}>\nCONSTRUCT {{ ?a skg:mitigates ?b . ?b skg:causes ?c }} "
        "WHERE { ?a skg:mitigates ?b OPTIONAL { ?b skg:causes ?c } }",
    )
    view = client.post(
        "/query/graph-view", content=body, headers={"Content-Type": "text/turtle"}
    ).json()
    nodes = {n["id"]: n for n in view["nodes"]}
    pos = layered_layout(kg)
    for iri, node in nodes.items():
        concept = kg.concepts[iri]  # every node of this result is a concept
        assert node["label"] == concept.label
        assert node["href"] == f"/id/{concept.slug}"
    # the columns and the order inside each column of /graph, without the gaps
    for a in nodes.values():
        for b in nodes.values():
            pa, pb = pos[a["id"]], pos[b["id"]]
            assert (a["x"] < b["x"]) == (pa[0] < pb[0])
            if pa[0] == pb[0]:
                assert (a["y"] < b["y"]) == (pa[1] < pb[1])
    assert {n["x"] for n in nodes.values()} == {
        COLUMN_GAP * i for i in range(len({pos[i][0] for i in nodes}))
    }
    assert view["options"]["groups"]["Capability"] == node_options("Capability")
    mitigates = [e for e in view["edges"] if "mitigates" in e["title"]]
    assert mitigates and all(e["arrows"]["to"]["type"] == "bar" for e in mitigates)
    interpreted = {
        (e.subject, e.object)
        for e in kg.edges
        if e.predicate == "mitigates" and e.basis != "stated"
    }
    for e in mitigates:
        assert e["dashes"] == ((e["from"], e["to"]) in interpreted)
    confidence = {
        (e.subject, e.object): e.confidence for e in kg.edges if e.predicate == "mitigates"
    }
    width = {}
    for e in mitigates:  # the graph page's confidence encoding: one width per confidence
        width.setdefault(confidence[(e["from"], e["to"])], set()).add(e["width"])
    assert all(len(w) == 1 for w in width.values()) and len(width) > 1
    assert {c["key"] for c in view["legend"]["classes"]} >= {"Capability", "FailureFactor"}
    assert {r["key"] for r in view["legend"]["relations"]} == {"mitigates", "causes"}


def test_graph_view_of_edge_statements_keeps_literals_out_of_the_nodes(client):
    body = _construct(
        client,
        f"PREFIX skg: <{SKG}>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "CONSTRUCT { ?st rdf:subject ?s ; rdf:object ?o ; skg:quote ?q } "
        "WHERE { ?st a skg:EdgeStatement ; rdf:subject ?s ; rdf:object ?o ; skg:quote ?q } LIMIT 30",
    )
    view = client.post(
        "/query/graph-view", content=body, headers={"Content-Type": "text/turtle"}
    ).json()
    statements = [n for n in view["nodes"] if n["group"] == "Other" and n["href"] is None]
    assert statements and all("skg:quote: " in n["title"] for n in statements)
    assert all(e.get("label") in ("rdf:subject", "rdf:object") for e in view["edges"])


def test_graph_view_rejects_what_is_not_rdf(client):
    r = client.post(
        "/query/graph-view", content=b"<a> <b> .", headers={"Content-Type": "text/turtle"}
    )
    assert r.status_code == 400 and r.json()["error"] == "bad triples"
    r = client.post(
        "/query/graph-view", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 415
    r = client.post(
        "/query/graph-view", content=b"\xff\xfe", headers={"Content-Type": "text/turtle"}
    )
    assert r.status_code == 400


# -- the YASGUI bundle -----------------------------------------------------------------------------


def test_yasgui_bundle_is_served_with_its_licences(client):
    js = client.get("/query/static/yasgui.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "sourceMappingURL" not in js.text
    assert client.get("/query/static/yasgui.min.css").status_code == 200
    licence = client.get("/query/static/LICENSE.txt").text
    assert "MIT License" in licence and "YASGUI 4.6.2" in licence
    for bundled in ("codemirror", "datatables.net", "dompurify", "jquery"):
        assert re.search(rf"^{re.escape(bundled)} \d", licence, re.M), bundled
    assert client.get("/query/static/yasgui.min.js.map").status_code == 404
    assert client.get("/query/static/..%2Fpackage.json").status_code == 404


def test_yasgui_bundle_is_built_from_the_locked_package():
    lock = (ROOT / "api" / "workbench" / "package-lock.json").read_text()
    assert '"node_modules/@zazuko/yasgui"' in lock and '"version": "4.6.2"' in lock
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^yasgui:", makefile, re.M) and "npm ci" in makefile
    assert "node_modules" in (ROOT / ".gitignore").read_text()


@pytest.mark.parametrize("typed", ["premat", "scaling too early", "deploy freq", "westrum", "hire"])
def test_concept_completions_follow_the_suggest_ranking(client, typed):
    """One ranking: the editor offers concepts in the order the search boxes (/api/suggest) do."""
    suggested = [
        c["id"] for c in client.get("/api/suggest", params={"q": typed}).json()["concepts"]
    ]
    completed = client.get(
        "/api/vocabulary/complete", params={"q": typed, "kind": "concept", "limit": len(suggested)}
    ).json()["completions"]
    assert suggested
    assert [c["value"].removeprefix("kg:") for c in completed] == suggested
