"""``/api/concepts``: forgiving search with validated filters, and one concept with all its edges."""

import pytest

from scalekg.graph.model import TYPE_PRIORITY


def ids(response) -> list[str]:
    return [r["id"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    "q",
    [
        "premature scaling",
        "PREMATURE SCALING",
        "Premature-Scaling!",
        "  premature   scaling ",
        "premature scalng",  # a typo
        "prematur scaling",
        "scaling too early",  # a synonym (skos:altLabel)
    ],
)
def test_search_forgives_case_punctuation_synonyms_and_typos(client, q):
    r = client.get("/api/concepts", params={"q": q})
    assert r.status_code == 200
    assert ids(r)[0] == "premature-scaling"
    first = r.json()["results"][0]
    assert set(first) >= {"iri", "id", "label", "type", "score", "matched"}


def test_search_results_are_ranked(client):
    scores = [
        x["score"] for x in client.get("/api/concepts", params={"q": "tech debt"}).json()["results"]
    ]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "given", ["FailureFactor", "failure-factor", "failure factor", "failurefactors"]
)
def test_type_filter_forgives_spelling(client, kg, given):
    r = client.get("/api/concepts", params={"type": given, "limit": 200})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FailureFactor"
    assert body["results"]
    assert all(kg.concept(i).is_a("FailureFactor") for i in ids(r))
    assert len(body["results"]) == len(kg.of_type("FailureFactor"))


def test_type_filter_plural_capabilities(client, kg):
    r = client.get("/api/concepts", params={"type": "capabilities", "limit": 200})
    assert r.json()["type"] == "Capability"
    assert len(r.json()["results"]) == len(kg.of_type("Capability"))


def test_search_with_type_and_stage(client, kg):
    r = client.get(
        "/api/concepts", params={"q": "team", "type": "Capability", "stage": "late-stage"}
    )
    assert r.status_code == 200
    for i in ids(r):
        c = kg.concept(i)
        assert c.is_a("Capability") and "late-stage" in c.stages


def test_stage_filter_accepts_short_names(client, kg):
    r = client.get("/api/concepts", params={"stage": "early", "limit": 200})
    assert r.json()["stage"] == "early-stage"
    assert all("early-stage" in kg.concept(i).stages for i in ids(r))


def test_unknown_type_is_422_listing_valid_types(client):
    r = client.get("/api/concepts", params={"type": "Unicorn"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid type"
    assert set(body["valid"]) == set(TYPE_PRIORITY)
    assert "Unicorn" in body["message"]


def test_unknown_stage_is_422(client):
    r = client.get("/api/concepts", params={"stage": "mid-stage"})
    assert r.status_code == 422
    assert r.json()["valid"] == ["early-stage", "late-stage"]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "1.5", ""])
def test_limit_is_validated(client, limit):
    r = client.get("/api/concepts", params={"q": "scaling", "limit": limit})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid request"
    assert "limit" in body["message"]
    assert body["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("limit", [1, 200])
def test_limit_bounds_are_inclusive(client, kg, limit):
    r = client.get("/api/concepts", params={"limit": limit})
    assert r.status_code == 200
    assert len(r.json()["results"]) == min(limit, len(kg.concepts))


def test_empty_query_lists_concepts_by_label(client, kg):
    r = client.get("/api/concepts", params={"limit": 200})
    labels = [x["label"].lower() for x in r.json()["results"]]
    assert labels == sorted(labels)
    assert len(labels) == min(200, len(kg.concepts))


def test_query_too_long_is_422(client):
    assert client.get("/api/concepts", params={"q": "x" * 201}).status_code == 422


def test_nonsense_query_gives_no_results_not_an_error(client):
    r = client.get("/api/concepts", params={"q": "zzqqxx<script>"})
    assert r.status_code == 200
    assert r.json()["results"] == []


# -- one concept ------------------------------------------------------------------------------


def test_concept_has_labels_definition_stage_and_edges(client, kg):
    r = client.get("/api/concepts/premature-scaling")
    assert r.status_code == 200
    body = r.json()
    c = kg.concept("premature-scaling")
    assert body["iri"] == "https://w3id.org/scalekg/id/premature-scaling"
    assert body["label"] == "Premature scaling"
    assert body["definition"] == c.definition and body["definition"]
    assert "scaling too early" in body["alt_labels"]
    assert body["stages"] == ["early-stage"]
    assert body["links"]["page"] == "/id/premature-scaling"
    incoming = sum(len(v) for v in body["incoming"].values())
    outgoing = sum(len(v) for v in body["outgoing"].values())
    assert incoming == len(kg.edges_to(c.iri)) and incoming > 0
    assert outgoing == len(kg.edges_from(c.iri))


def test_every_edge_of_a_concept_has_provenance(client, kg):
    for slug in ("premature-scaling", "be-frugal", "keep-financial-discipline"):
        body = client.get(f"/api/concepts/{slug}").json()
        for group in (body["incoming"], body["outgoing"]):
            for predicate, edges in group.items():
                for edge in edges:
                    assert edge["predicate"] == predicate
                    assert edge["basis"] in ("stated", "interpreted")
                    assert edge["sources"], edge
                    for src in edge["sources"]:
                        assert src["quote"] and src["locator"] and src["document"]
                        assert src["basis"] in ("stated", "interpreted")


def test_concept_by_iri_form_is_not_a_slug_but_still_404_json(client):
    r = client.get("/api/concepts/premature%20scaling")
    assert r.status_code == 404
    assert r.json()["suggestions"][0]["id"] == "premature-scaling"


def test_unknown_concept_is_404_with_suggestions(client):
    r = client.get("/api/concepts/premature-scalin")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "unknown concept"
    assert body["concept"] == "premature-scalin"
    assert body["suggestions"][0]["id"] == "premature-scaling"
    assert {"iri", "label", "type", "score"} <= set(body["suggestions"][0])


@pytest.mark.parametrize(
    "bad",
    ["%00", "%FF%FE", "..%2F..%2Fetc%2Fpasswd", "x" * 201, "%3Cscript%3E", "café", "-", "'\"`"],
)
def test_bad_ids_never_give_a_500(client, bad):
    r = client.get(f"/api/concepts/{bad}")
    assert r.status_code in (404, 422), r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body.get("message") or body.get("detail")  # "detail": an unmatched path (%2F)
