"""``/api/paths``, ``/api/leverage`` and ``/api/stats``."""

import pytest

from scalekg.graph.analysis import leverage


def test_paths_are_ranked_and_every_step_is_sourced(client):
    r = client.get("/api/paths", params={"from": "be-frugal", "to": "premature-scaling"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["from"]["id"] == "be-frugal" and body["to"]["id"] == "premature-scaling"
    assert body["paths"], "be frugal reaches premature scaling through the causal chain"
    lengths = [p["length"] for p in body["paths"]]
    assert lengths == sorted(lengths)
    assert [p["rank"] for p in body["paths"]] == list(range(1, len(lengths) + 1))
    for p in body["paths"]:
        assert len(p["steps"]) == p["length"]
        assert p["path"][0] == "Be frugal" and p["path"][-1] == "Premature scaling"
        for step in p["steps"]:
            assert step["sources"], step
            assert all(s["quote"] and s["locator"] for s in step["sources"])
        for a, b in zip(p["steps"], p["steps"][1:], strict=False):
            assert a["object"]["iri"] == b["subject"]["iri"]


def test_paths_accept_labels_and_either_direction(client):
    forward = client.get("/api/paths", params={"from": "Be frugal", "to": "premature scaling"})
    backward = client.get("/api/paths", params={"from": "premature scaling", "to": "Be frugal"})
    assert forward.status_code == backward.status_code == 200
    assert forward.json()["count"] == backward.json()["count"] > 0


def test_paths_max_steps_limits_length(client):
    body = client.get(
        "/api/paths", params={"from": "be-frugal", "to": "premature-scaling", "max_steps": 3}
    ).json()
    assert all(p["length"] <= 3 for p in body["paths"])


def test_paths_between_unconnected_concepts_is_empty(client, kg):
    r = client.get(
        "/api/paths",
        params={"from": "premature-scaling", "to": "premature-scaling-kills-70-percent"},
    )
    assert r.status_code == 200
    assert r.json()["paths"] == []


def test_paths_unknown_concept_is_404_with_suggestions(client):
    r = client.get("/api/paths", params={"from": "be frugl", "to": "premature scalping unicorns"})
    assert r.status_code == 404
    assert "suggestions" in r.json()


@pytest.mark.parametrize(
    "params",
    [
        {"to": "premature-scaling"},
        {"from": "be-frugal"},
        {"from": "", "to": "premature-scaling"},
        {"from": "be-frugal", "to": "premature-scaling", "max_steps": 0},
        {"from": "be-frugal", "to": "premature-scaling", "max_steps": 9},
        {"from": "be-frugal", "to": "premature-scaling", "max_steps": "many"},
        {"from": "be-frugal", "to": "premature-scaling", "limit": 51},
    ],
)
def test_paths_bad_parameters_are_422(client, params):
    r = client.get("/api/paths", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["message"]


def test_leverage_is_ranked_by_score(client, kg):
    r = client.get("/api/leverage")
    assert r.status_code == 200
    results = r.json()["results"]
    scores = [x["score"] for x in results]
    assert scores == sorted(scores, reverse=True)
    assert [x["id"] for x in results] == [lv.concept.slug for lv in leverage(kg, limit=20)]
    for x in results:
        assert kg.concept(x["id"]).is_a("Capability")
        assert {"direct", "indirect", "centrality", "score", "mitigates", "rank"} <= set(x)


@pytest.mark.parametrize("stage", ["early-stage", "late-stage"])
def test_leverage_by_stage(client, kg, stage):
    body = client.get("/api/leverage", params={"stage": stage, "limit": 200}).json()
    assert body["stage"] == stage
    expected = leverage(kg, stage=stage)
    assert [x["id"] for x in body["results"]] == [lv.concept.slug for lv in expected]
    for x in body["results"]:
        stages = kg.concept(x["id"]).stages
        assert not stages or stage in stages


def test_leverage_stages_differ(client):
    early = client.get("/api/leverage", params={"stage": "early-stage", "limit": 5}).json()
    late = client.get("/api/leverage", params={"stage": "late-stage", "limit": 5}).json()
    assert [x["id"] for x in early["results"]] != [x["id"] for x in late["results"]]


@pytest.mark.parametrize("params", [{"stage": "growth"}, {"limit": 0}, {"limit": "x"}])
def test_leverage_bad_parameters_are_422(client, params):
    r = client.get("/api/leverage", params=params)
    assert r.status_code == 422
    assert r.json()["message"]


def test_stats_counts_and_snapshot(client, kg, snapshot):
    r = client.get("/api/stats")
    assert r.status_code == 200
    body = r.json()
    counts = kg.counts()
    assert body["classes"] == counts["classes"]
    assert body["relations"] == counts["relations"]
    assert body["snapshot"] == snapshot.hash
    assert body["triples"] == snapshot.stats["triples"] > 0
    assert body["concepts"] == len(kg.concepts)
    assert body["edges"] == len(kg.edges)
    assert body["relations"]["mitigates"] > 0
