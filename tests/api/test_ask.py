"""``/api/ask``: the question door, with the same JSON as ``scalekg ask --json``."""

import json

import pytest

from scalekg.graph.ask import SUPPORTED_PATTERNS
from scalekg.graph.ask import ask as run_ask

QUESTIONS = [
    ("what mitigates premature scaling", "what mitigates X"),
    ("What mitigates Premature Scaling?", "what mitigates X"),
    ("what does keep financial discipline mitigate", "what does X mitigate"),
    ("what influences lean product development", "what influences X"),
    ("what does be frugal influence", "what does X influence"),
    ("how does be frugal affect premature scaling", "how does X affect Y"),
    ("what hurts lead time for changes", "what hurts Y"),
    ("which mechanisms apply be frugal", "which mechanisms apply X"),
    ("what is premature scaling", "what is X"),
]


@pytest.mark.parametrize(("question", "pattern"), QUESTIONS)
def test_each_pattern_answers(client, question, pattern):
    r = client.get("/api/ask", params={"q": question})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["question"] == question
    assert body["pattern"] == pattern
    assert set(body["concept"]) >= {"iri", "label", "type"}
    assert body["answers"], question
    for answer in body["answers"]:
        assert {"iri", "label", "type", "path", "sources"} <= set(answer)
        assert answer["path"]
        assert answer["sources"]


def test_what_mitigates_premature_scaling_shape(client, kg):
    body = client.get("/api/ask", params={"q": "what mitigates premature scaling"}).json()
    assert body["concept"] == {
        "iri": "https://w3id.org/scalekg/id/premature-scaling",
        "id": "premature-scaling",
        "label": "Premature scaling",
        "type": kg.concept("premature-scaling").type,
    }
    labels = [a["label"] for a in body["answers"]]
    assert "Keep financial discipline" in labels
    for answer in body["answers"]:
        for src in answer["sources"]:
            assert {"document", "locator", "quote", "basis"} <= set(src)


def test_same_json_as_the_library_and_the_cli(client, kg, snapshot):
    from typer.testing import CliRunner

    from scalekg.api.cli import app as cli

    q = "what mitigates premature scaling"
    api = client.get("/api/ask", params={"q": q}).json()
    assert api == json.loads(json.dumps(run_ask(kg, q).as_dict()))
    result = CliRunner().invoke(cli, ["ask", q, "--json", "--build-dir", str(snapshot.path.parent)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == api


def test_paths_question_carries_the_target(client):
    body = client.get(
        "/api/ask", params={"q": "how does be frugal affect premature scaling"}
    ).json()
    assert body["target"]["id"] == "premature-scaling"
    for answer in body["answers"]:
        assert answer["kind"] == "path"
        assert all(step["sources"] for step in answer["steps"])


def test_what_is_carries_the_description(client):
    body = client.get("/api/ask", params={"q": "what is premature scaling"}).json()
    assert body["description"]["definition"]
    assert "scaling too early" in body["description"]["alt_labels"]


def test_unknown_concept_is_404_with_suggestions(client):
    r = client.get("/api/ask", params={"q": "what mitigates premature scalping of unicorns"})
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "unknown concept"
    assert "suggestions" in body
    r = client.get("/api/ask", params={"q": "what mitigates hiring to many peple"})
    assert r.status_code in (200, 404)
    if r.status_code == 404:
        assert r.json()["suggestions"]


def test_typo_close_to_one_concept_is_forgiven(client):
    body = client.get("/api/ask", params={"q": "what mitigates premature scalling"}).json()
    assert body["concept"]["id"] == "premature-scaling"


def test_unparseable_question_is_422_listing_patterns(client):
    r = client.get("/api/ask", params={"q": "tell premature scaling to go away"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "unparseable question"
    assert body["patterns"] == SUPPORTED_PATTERNS
    assert "what mitigates X" in body["patterns"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "?" * 501}])
def test_missing_empty_or_huge_question_is_422(client, params):
    r = client.get("/api/ask", params=params)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] in ("invalid request", "invalid question")
    assert body["message"]


@pytest.mark.parametrize(
    "q", ["what mitigates", "what is", "<script>alert(1)</script>", "what is \x00", "%%%", "?!."]
)
def test_odd_questions_never_give_a_500(client, q):
    r = client.get("/api/ask", params={"q": q})
    assert r.status_code in (200, 404, 422), r.text
    assert r.headers["content-type"].startswith("application/json")
