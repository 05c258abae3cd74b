"""``/api/concepts/{id}/{relation}``: one scheme for every relation, each answer explained."""

import pytest

from scalekg.graph.answers import LOOKUPS, RELATION_NAMES, related

ALL_NAMES = sorted(LOOKUPS)


def test_the_scheme_has_twenty_relation_names():
    expected = {
        "mitigated-by", "mitigates", "influenced-by", "influences", "caused-by", "causes",
        "hurt-by", "hurts", "applied-by", "applies", "focused-by", "focuses", "watched-by",
        "watches", "supported-by", "supports", "addressed-by", "addresses", "signalled-by",
        "signals",
    }  # fmt: skip
    assert set(LOOKUPS) == expected
    assert len(RELATION_NAMES) * 2 == len(expected)


def _anchor(kg, name: str) -> str:
    """A concept that has at least one answer for this relation name."""
    predicate, direction = LOOKUPS[name]
    for edge in kg.edges:
        if edge.predicate == predicate:
            return kg.concepts[edge.subject if direction == "out" else edge.object].slug
    pytest.fail(f"no {predicate} edge in the graph: every relation should be used")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_relation_answers_with_paths_and_sources(client, kg, name):
    slug = _anchor(kg, name)
    r = client.get(f"/api/concepts/{slug}/{name}")
    assert r.status_code == 200, r.text
    body = r.json()
    predicate, direction = LOOKUPS[name]
    assert body["relation"] == name
    assert body["predicate"] == predicate and body["direction"] == direction
    assert body["concept"]["id"] == slug
    expected = related(kg, kg.concept(slug), predicate, direction)
    assert [a["iri"] for a in body["answers"]] == [a.concept.iri for a in expected]
    assert body["count"] == len(expected) > 0
    for answer in body["answers"]:
        assert {"iri", "label", "type", "kind", "basis", "path", "steps", "sources"} <= set(answer)
        assert answer["path"] and answer["sources"]
        assert len(answer["steps"]) == (len(answer["path"]) - 1) // 2
        for step in answer["steps"]:
            assert step["sources"]
        for src in answer["sources"]:
            assert src["quote"] and src["locator"]


def test_mitigated_by_includes_indirect_answers_through_contributing_factors(client, kg):
    body = client.get("/api/concepts/premature-scaling/mitigated-by").json()
    kinds = {a["kind"] for a in body["answers"]}
    assert "indirect" in kinds
    indirect = next(a for a in body["answers"] if a["kind"] == "indirect")
    # capability -> mitigates -> contributing factor -> causes -> premature scaling
    assert indirect["path"][1] == "mitigates" and indirect["path"][3] == "causes"
    assert indirect["path"][-1] == "Premature scaling"
    assert len(indirect["sources"]) >= 2


def test_answers_are_ordered_direct_first(client):
    body = client.get("/api/concepts/accumulation-of-tech-debt/mitigated-by").json()
    kinds = [a["kind"] for a in body["answers"]]
    assert kinds == sorted(kinds, key=lambda k: k != "direct")


def test_forward_and_backward_names_agree(client, kg):
    body = client.get("/api/concepts/keep-financial-discipline/mitigates").json()
    for answer in body["answers"]:
        if answer["kind"] != "direct":
            continue
        back = client.get(f"/api/concepts/{answer['id']}/mitigated-by").json()
        assert "keep-financial-discipline" in [a["id"] for a in back["answers"]]


def test_relation_names_forgive_case(client):
    assert client.get("/api/concepts/premature-scaling/Mitigated-By").status_code == 200
    assert client.get("/api/concepts/premature-scaling/mitigated_by").status_code == 200


def test_unknown_relation_is_404_listing_valid_ones(client):
    r = client.get("/api/concepts/premature-scaling/prevented-by")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "unknown relation"
    assert body["valid"] == ALL_NAMES
    assert "mitigated-by" in body["message"]


def test_unknown_concept_in_lookup_is_404_with_suggestions(client):
    r = client.get("/api/concepts/premature-scailing/mitigated-by")
    assert r.status_code == 404
    assert r.json()["suggestions"][0]["id"] == "premature-scaling"


def test_a_relation_with_no_answers_is_an_empty_list(client):
    r = client.get("/api/concepts/be-frugal/hurt-by")
    assert r.status_code == 200
    assert r.json()["answers"] == [] and r.json()["count"] == 0
