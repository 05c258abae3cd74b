"""The question doors over HTTP: /api/ask's interpretation and min_confidence, the concept routes'
min_confidence, /api/suggest, and the /ask page (HTML, escaped, with the API's status codes)."""

import re

import pytest

from scalekg.graph.confidence import CONFIDENCE_ORDER, rank


def test_ask_adds_the_interpretation_and_keeps_every_field(client):
    body = client.get("/api/ask", params={"q": "how do I avoid premature scalng"}).json()
    assert {"question", "pattern", "concept", "answers", "interpretation"} <= set(body)
    meaning = body["interpretation"]
    assert meaning["pattern"] == body["pattern"] == "what mitigates X"
    assert (meaning["relation"], meaning["direction"]) == ("mitigates", "in")
    (concept,) = meaning["concepts"]
    assert concept["id"] == body["concept"]["id"] == "premature-scaling"
    assert concept["text"] == "premature scalng" and 0 < concept["score"] < 1
    for answer in body["answers"]:
        assert answer["confidence"] in CONFIDENCE_ORDER
        assert answer["paths"] and answer["paths"][0]["path"] == answer["path"]
        for chain in answer["paths"]:
            assert chain["path"][-1] == "Premature scaling"
            assert all(step["confidence"] in CONFIDENCE_ORDER for step in chain["steps"])


def test_ask_orders_by_confidence_and_filters(client):
    body = client.get("/api/ask", params={"q": "how do we measure reliability"}).json()
    ranks = [rank(a["confidence"]) for a in body["answers"]]
    assert ranks == sorted(ranks)
    stated = client.get(
        "/api/ask", params={"q": "how do we measure reliability", "min_confidence": "stated"}
    ).json()
    assert stated["min_confidence"] == "stated"
    assert stated["answers"] and {a["confidence"] for a in stated["answers"]} == {"stated"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/ask?q=what+mitigates+premature+scaling&min_confidence=sure",
        "/api/concepts/premature-scaling?min_confidence=sure",
        "/api/concepts/premature-scaling/mitigated-by?min_confidence=sure",
    ],
)
def test_bad_min_confidence_is_422_with_the_allowed_values(client, url):
    r = client.get(url)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid min_confidence"
    assert body["valid"] == list(CONFIDENCE_ORDER)
    assert "stated" in body["message"]


def test_concept_routes_filter_by_confidence(client):
    every = client.get("/api/concepts/reliability").json()
    stated = client.get("/api/concepts/reliability?min_confidence=stated").json()
    count = lambda body: sum(len(v) for v in body["incoming"].values())  # noqa: E731
    assert 0 < count(stated) < count(every)
    assert all(e["confidence"] == "stated" for edges in stated["incoming"].values() for e in edges)
    lookup = client.get("/api/concepts/reliability/watched-by?min_confidence=stated").json()
    assert lookup["min_confidence"] == "stated"
    assert [a["id"] for a in lookup["answers"]] == ["dora-metrics"]


@pytest.mark.parametrize(
    ("q", "status", "error"),
    [
        ("", 422, "invalid question"),
        ("x" * 501, 422, "invalid question"),
        ("what mitigates \x07premature scaling", 422, "invalid question"),
        ("?!?!", 422, "invalid question"),
        ("what mitigates", 422, "unparseable question"),
        ("what mitigates purple monkey", 404, "unknown concept"),
    ],
)
def test_bad_questions_are_4xx_with_a_short_excerpt(client, q, status, error):
    r = client.get("/api/ask", params={"q": q})
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["message"]
    assert len(r.text) < 3000  # the 501 characters are not echoed
    assert "x" * 100 not in r.text


def test_suggest_ranks_exact_then_prefix_then_fuzzy(client):
    body = client.get("/api/suggest", params={"q": "prem"}).json()
    assert body["concepts"][0]["id"] == "premature-scaling"
    assert body["concepts"][0]["how"] == "label prefix"
    assert body["questions"]
    exact = client.get("/api/suggest", params={"q": "premature scaling"}).json()
    assert exact["concepts"][0]["how"] == "label"
    fuzzy = client.get("/api/suggest", params={"q": "premture scalng"}).json()
    assert fuzzy["concepts"][0]["id"] == "premature-scaling"
    assert fuzzy["concepts"][0]["how"] == "fuzzy"
    empty = client.get("/api/suggest", params={"q": ""}).json()
    assert empty["concepts"] == [] and empty["questions"] == []


@pytest.mark.parametrize("params", [{"q": "x" * 201}, {"q": "prem", "limit": 0}])
def test_suggest_bad_parameters_are_422(client, params):
    assert client.get("/api/suggest", params=params).status_code == 422


def test_ask_page_shows_the_chain_and_the_source_of_every_step(client, kg):
    r = client.get("/ask", params={"q": "how do we avoid premature scaling"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Read as <code>what mitigates X</code>" in html
    api = client.get("/api/ask", params={"q": "how do we avoid premature scaling"}).json()
    assert html.count('<li class="answer') == len(api["answers"])
    for answer in api["answers"]:
        for chain in answer["paths"]:
            for step in chain["steps"]:
                for src in step["sources"]:
                    assert f"{src['locator']} ({src['basis']}" in html
    assert 'href="/api/ask?q=' in html  # the JSON is one link away, no longer the only door


def test_ask_page_escapes_everything(client):
    q = '<script>alert(1)</script> "premature" scaling'
    r = client.get("/ask", params={"q": q})
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text
    assert not re.search(r"<script(?![^>]*src=\"/assets/ask\.js\")", r.text)


@pytest.mark.parametrize(
    ("q", "status"),
    [
        ("what mitigates purple monkey", 404),
        ("tell me a joke about kubernetes please", 422),
        ("\x00", 422),
    ],
)
def test_ask_page_refuses_with_the_apis_status(client, q, status):
    r = client.get("/ask", params={"q": q})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="error-message"' in r.text


def test_home_page_has_the_ask_box(client):
    html = client.get("/").text
    assert 'action="/ask"' in html and 'id="ask-q"' in html
    assert 'src="/assets/ask.js"' in html
    assert client.get("/assets/ask.js").status_code == 200
    assert "Ask (JSON)" not in html
