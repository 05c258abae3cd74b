"""Exports (JSON view, GraphML) and the /graph endpoints, in-process."""

import io
import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from scalekg.viz.export import export_graph, graphml_bytes, view_json
from scalekg.viz.select import ViewParams, parse_view, select


def test_view_json_lists_the_selection(kg):
    view = parse_view(kg, {"focus": "premature-scaling", "depth": "1"})
    sel = select(kg, view, max_nodes=600)
    data = view_json(kg, sel)
    assert [n["id"] for n in data["nodes"]] == [kg.concepts[i].slug for i in sel.nodes]
    assert data["counts"] == {
        "nodes": len(sel.nodes),
        "edges": len(sel.edges),
        "graph_nodes": len(kg.concepts),
        "graph_edges": len(kg.edges),
    }
    ids = {n["id"] for n in data["nodes"]}
    for edge in data["edges"]:
        assert edge["from"] in ids and edge["to"] in ids
        assert edge["sources"] and edge["sources"][0]["quote"]
        assert edge["basis"] in ("stated", "interpreted")
    json.dumps(data)  # serialisable as is


def test_graphml_parses_back(kg, tmp_path):
    target = tmp_path / "g.graphml"
    target.write_bytes(graphml_bytes(kg))
    g = nx.read_graphml(target, force_multigraph=True)
    assert g.number_of_nodes() == len(kg.concepts)
    assert g.number_of_edges() == len(kg.edges)
    node = g.nodes["premature-scaling"]
    concept = kg.concept("premature-scaling")
    assert node["label"] == concept.label and node["type"] == concept.type
    assert isinstance(node["x"], float)
    relations = {d["relation"] for _u, _v, d in g.edges(data=True)}
    assert relations == {e.predicate for e in kg.edges}
    assert all(d["quotes"] for _u, _v, d in g.edges(data=True))


def test_graphml_attributes_are_scalars(kg):
    g = export_graph(kg)
    for _n, data in g.nodes(data=True):
        assert all(isinstance(v, str | int | float) for v in data.values())
    for _u, _v, data in g.edges(data=True):
        assert all(isinstance(v, str | int | float) for v in data.values())


# --- HTTP ---------------------------------------------------------------------------------------


def test_graph_page_is_served(client, kg):
    r = client.get("/graph")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="scalekg-data"' in r.text
    for asset in ("vis-network.min.js", "graph.js", "graph.css"):
        assert f"/graph/static/{asset}?v=" in r.text
        s = client.get(f"/graph/static/{asset}")
        assert s.status_code == 200 and len(s.content) > 1000
        assert "sourceMappingURL" not in s.text
    assert client.get("/graph/static/../../etc/passwd").status_code == 404
    assert client.get("/graph/static/nothing.js").status_code == 404


def test_graph_json_matches_select(client, kg):
    r = client.get("/graph.json", params={"focus": "Premature scaling", "depth": 2})
    assert r.status_code == 200
    view = parse_view(kg, {"focus": "premature-scaling", "depth": "2"})
    expected = view_json(kg, select(kg, view, max_nodes=600))
    assert r.json() == expected
    whole = client.get("/graph.json").json()
    assert whole["counts"]["nodes"] == len(kg.concepts)
    assert whole["view"] == ViewParams().as_dict(kg)


@pytest.mark.parametrize(
    "query", ["depth=x", "depth=7", "types=Nope", "relations=likes", "stages=mid", "path=a"]
)
def test_bad_parameters_are_422(client, query):
    r = client.get(f"/graph.json?{query}")
    assert r.status_code == 422 and r.json()["error"]
    page = client.get(f"/graph?{query}")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "Bad view parameter" in page.text


def test_unknown_focus_is_404_with_suggestions(client):
    r = client.get("/graph.json?focus=premature%20scalingg%20of%20everything%20else")
    assert r.status_code in (200, 404)  # forgiving search may still find it
    r = client.get("/graph.json?focus=qqqqqqqqqqq")
    assert r.status_code == 404 and "suggestions" in r.json()
    page = client.get("/graph?focus=Premature%20scalin%20zz")
    assert page.status_code in (200, 404)
    page = client.get("/graph?focus=qqqqqqqqqqq")
    assert page.status_code == 404 and "Not found" in page.text


def test_graphml_endpoint(client, kg):
    r = client.get("/graph.graphml")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/graphml+xml")
    g = nx.read_graphml(io.BytesIO(r.content), force_multigraph=True)
    assert g.number_of_nodes() == len(kg.concepts)


def test_paths_endpoint(client, kg):
    r = client.get("/graph/paths.json", params={"from": "be-humble", "to": "deployment-frequency"})
    assert r.status_code == 200
    body = r.json()
    assert body["highlight"]["nodes"][0] == "be-humble"
    assert body["highlight"]["nodes"][-1] == "deployment-frequency"
    assert body["chains"] and body["chains"][0]["steps"][0]["sources"]
    assert client.get("/graph/paths.json?from=be-humble").status_code == 422
    assert client.get("/graph/paths.json?from=be-humble&to=qqqqqqqqqq").status_code == 404


@pytest.mark.parametrize(
    "relations",
    ["influences", "influencesPositively", "mitigates,causes", "causes,hurts", "hurts"],
)
def test_paths_endpoint_follows_only_the_relations_asked_for(client, kg, relations):
    """Regression: the chains ignored ``relations`` (1 chain through mitigates/causes/hurts was
    returned for relations=influences while the highlight, rightly, showed nothing)."""
    r = client.get(
        "/graph/paths.json",
        params={"from": "be-humble", "to": "deployment-frequency", "relations": relations},
    )
    assert r.status_code == 200
    body = r.json()
    view = parse_view(kg, {"relations": relations})
    allowed = set(view.relations)
    for chain in body["chains"]:
        assert {step["predicate"] for step in chain["steps"]} <= allowed, chain["path"]
    highlighted = set(body["highlight"]["edges"])
    assert {e.split("--")[1] for e in highlighted} <= allowed
    # Chains and highlight agree: some chain exactly when something is highlighted, and the
    # shortest chain runs over highlighted edges.
    assert bool(body["chains"]) == bool(highlighted)
    if body["chains"]:
        first = body["chains"][0]["steps"]
        ids = {f"{s['subject']['id']}--{s['predicate']}--{s['object']['id']}" for s in first}
        assert ids <= highlighted


def test_paths_endpoint_with_influences_only_finds_nothing_here(client):
    # Be humble reaches deployment frequency only through mitigates, causes and hurts.
    r = client.get("/graph/paths.json?from=be-humble&to=deployment-frequency&relations=influences")
    assert r.status_code == 200
    assert r.json()["chains"] == [] and r.json()["highlight"]["nodes"] == []
    every = client.get("/graph/paths.json?from=be-humble&to=deployment-frequency").json()
    assert every["chains"], "without a filter the chain exists"


def test_cli_writes_a_standalone_page(tmp_path, snapshot):
    from scalekg.api.cli import app

    target = tmp_path / "out" / "graph.html"
    result = CliRunner().invoke(
        app,
        [
            "viz",
            "-o",
            str(target),
            "--focus",
            "premature scaling",
            "--depth",
            "2",
            "--build-dir",
            str(snapshot.path.parent),
        ],
    )
    assert result.exit_code == 0, result.output
    html = target.read_text()
    assert "vis-network" in html and "/graph/static/" not in html
    assert '"focus":"premature-scaling"' in html
    bad = CliRunner().invoke(
        app,
        [
            "viz",
            "-o",
            str(target),
            "--focus",
            "qqqqqqqqqq",
            "--build-dir",
            str(snapshot.path.parent),
        ],
    )
    assert bad.exit_code == 2


def test_paths_endpoint_follows_the_views_confidence_too(client, kg):
    every = client.get("/graph/paths.json?from=be-humble&to=deployment-frequency").json()
    stated = client.get(
        "/graph/paths.json?from=be-humble&to=deployment-frequency&confidence=stated"
    ).json()
    # The only chain here has speculative steps: the view's confidence filter removes it.
    assert every["chains"] and {s["confidence"] for s in every["chains"][0]["steps"]} - {"stated"}
    for chain in stated["chains"]:
        assert {s["confidence"] for s in chain["steps"]} <= {"stated"}, chain["path"]
    assert bool(stated["chains"]) == bool(stated["highlight"]["edges"])
