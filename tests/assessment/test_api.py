"""``/api/assessments``: create, read, list, report, compare; 422 with field paths; auth."""

import pytest
import yaml
from fastapi.testclient import TestClient

from scalekg.api.app import create_app
from scalekg.graph.assessment.scoring import CONFIDENCE_WEIGHTS

from .conftest import load_example, make_settings

LATE = "late-stage-scaleup.yaml"


def doc(**overrides) -> dict:
    d = {
        "organisation": "API Test Org",
        "date": "2026-05-01",
        "stage": "late",
        "headcount": 150,
        "capabilities": [
            {"capability": "continuous-software-delivery", "depth": 1, "width": 1},
            {"capability": "team-topology-and-structure", "depth": 1, "width": 2},
        ],
        "signals": ["people-are-not-aware-of-what-other-people-are-doing"],
    }
    d.update(overrides)
    return d


def test_post_json_returns_201_with_location(fresh_client):
    r = fresh_client.post("/api/assessments", json=doc())
    assert r.status_code == 201
    body = r.json()
    assert r.headers["location"] == f"/api/assessments/{body['id']}"
    assert body["created"] is True
    assert body["links"]["report_html"] == f"/assessments/{body['id']}/report.html"
    got = fresh_client.get(r.headers["location"])
    assert got.status_code == 200
    assert got.json()["organisation"] == "API Test Org"
    assert got.json()["capabilities"][0]["capability"] == "continuous-software-delivery"


def test_posting_the_same_document_again_returns_the_same_id(fresh_client):
    first = fresh_client.post("/api/assessments", json=doc(organisation="Twice Org"))
    again = fresh_client.post("/api/assessments", json=doc(organisation="Twice Org"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["location"] == first.headers["location"]


@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml", "application/x-yaml"])
def test_post_yaml(fresh_client, content_type):
    text = yaml.safe_dump(doc(organisation=f"YAML Org {content_type}"))
    r = fresh_client.post("/api/assessments", content=text, headers={"content-type": content_type})
    assert r.status_code == 201, r.text
    assert r.json()["assessment"]["organisation"] == f"YAML Org {content_type}"


def test_the_example_files_post_as_yaml(fresh_client):
    text = (load_example.__globals__["EXAMPLES"] / LATE).read_text(encoding="utf-8")
    r = fresh_client.post(
        "/api/assessments", content=text, headers={"content-type": "application/yaml"}
    )
    assert r.status_code == 201, r.text


def test_validation_errors_are_422_with_field_paths_and_nothing_is_stored(fresh_client):
    before = fresh_client.get("/api/assessments").json()["count"]
    bad = doc(organisation="Bad Org")
    bad["capabilities"].append({"capability": "lean-management", "depth": 9, "width": 1})
    bad["capabilities"].append(
        {"capability": "continous delivery pipelines", "depth": 1, "width": 1}
    )
    r = fresh_client.post("/api/assessments", json=bad)
    assert r.status_code == 422
    detail = {e["loc"]: e for e in r.json()["detail"]}
    assert detail["capabilities[2].depth"]["msg"] == "must be 0..4 (got 9)"
    assert fresh_client.get("/api/assessments").json()["count"] == before
    # pydantic errors stop the chain; an unknown reference is reported once the fields are fine
    bad["capabilities"][2]["depth"] = 2
    r = fresh_client.post("/api/assessments", json=bad)
    [error] = r.json()["detail"]
    assert error["loc"] == "capabilities[3].capability"
    assert error["suggestions"][0]["id"] == "continuous-software-delivery"
    assert fresh_client.get("/api/assessments?org=bad org").json()["count"] == 0


def test_broken_yaml_is_422(fresh_client):
    r = fresh_client.post(
        "/api/assessments", content="organisation: [", headers={"content-type": "application/yaml"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == "(document)"


def test_unsupported_media_type(fresh_client):
    r = fresh_client.post("/api/assessments", data={"organisation": "x"})
    assert r.status_code == 415


def test_unknown_ids_are_404(fresh_client):
    for path in (
        "/api/assessments/0000000000000000",
        "/api/assessments/not-an-id",
        "/api/assessments/0000000000000000/report",
        "/assessments/0000000000000000/report.html",
        "/api/assessments/compare?a=0000000000000000&b=0000000000000000",
    ):
        assert fresh_client.get(path).status_code == 404, path


def test_list_by_org(fresh_client):
    a = fresh_client.post("/api/assessments", json=doc(organisation="Listing Co")).json()["id"]
    b = fresh_client.post(
        "/api/assessments", json=doc(organisation="Listing Co", date="2026-06-01")
    ).json()["id"]
    fresh_client.post("/api/assessments", json=doc(organisation="Elsewhere Ltd"))
    listed = fresh_client.get("/api/assessments", params={"org": "listing co"}).json()
    assert listed["count"] == 2
    assert [x["id"] for x in listed["assessments"]] == [a, b]  # by date
    assert listed["assessments"][0]["links"]["report"] == f"/api/assessments/{a}/report"


def test_report(fresh_client):
    created = fresh_client.post("/api/assessments", json=doc(organisation="Report Co")).json()
    r = fresh_client.get(f"/api/assessments/{created['id']}/report")
    assert r.status_code == 200
    report = r.json()
    assert report["assessment"]["organisation"] == "Report Co"
    assert {"exposure", "leverage", "next_steps", "blind_spots", "summary"} <= set(report)
    assert report["next_steps"][0]["chains"][0]["steps"][0]["sources"]


def test_compare_shows_exposure_down_where_a_capability_improved(fresh_client):
    before = doc(organisation="Compare Co", date="2026-01-01")
    after = doc(organisation="Compare Co", date="2026-07-01", signals=[])
    after["capabilities"][0] = {
        "capability": "continuous-software-delivery",
        "depth": 4,
        "width": 4,
    }
    a = fresh_client.post("/api/assessments", json=before).json()["id"]
    b = fresh_client.post("/api/assessments", json=after).json()["id"]
    r = fresh_client.get("/api/assessments/compare", params={"a": a, "b": b})
    assert r.status_code == 200
    diff = r.json()
    factors = {f["id"]: f for f in diff["factors"]}
    # continuous delivery is the only rated capability that mitigates slow cycle time: its
    # strength goes from 0.4375 (1x1) to 1 (4x4), counted at the confidence of the edge
    kg = fresh_client.app.state.scalekg.kg
    [edge] = [
        e
        for e in kg.edges_to(kg.concept("slow-cycle-time").iri, "mitigates")
        if e.subject == kg.concept("continuous-software-delivery").iri
    ]
    c = CONFIDENCE_WEIGHTS[edge.confidence]
    assert factors["slow-cycle-time"]["before"] == pytest.approx(1 - c * 0.4375, abs=1e-4)
    assert factors["slow-cycle-time"]["after"] == pytest.approx(1 - c, abs=1e-4)
    assert factors["slow-cycle-time"]["direction"] == "down"
    # nothing about a reliability gap changed
    assert factors["reliability-posture-gap"]["direction"] == "same"
    assert diff["counts"]["up"] == 0 and diff["counts"]["down"] > 0
    assert diff["mean_exposure"]["delta"] < 0
    assert diff["signals"]["removed"] == ["People are not aware of what other people are doing"]
    [cap] = diff["capabilities"]
    assert cap["id"] == "continuous-software-delivery" and cap["depth"] == [1, 4]
    assert fresh_client.get("/api/assessments/compare", params={"a": a}).status_code == 422


# ---- writes: open on loopback, a bearer token elsewhere ---------------------------------------


@pytest.fixture(scope="module")
def public_client(snapshot):
    app = create_app(make_settings(host="0.0.0.0", update_token="s3cret-token"))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def public_client_without_token(snapshot):
    app = create_app(make_settings(host="0.0.0.0", update_token=None))
    with TestClient(app) as c:
        yield c


def test_loopback_writes_are_open(fresh_client):
    assert fresh_client.app.state.scalekg.settings.host == "127.0.0.1"
    assert (
        fresh_client.post("/api/assessments", json=doc(organisation="Open Co")).status_code == 201
    )


def test_public_writes_need_the_token(public_client):
    body = doc(organisation="Public Co")
    r = public_client.post("/api/assessments", json=body)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = public_client.post("/api/assessments", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = public_client.post(
        "/api/assessments", json=body, headers={"Authorization": "Basic s3cret-token"}
    )
    assert r.status_code == 401
    assert public_client.get("/api/assessments").json()["count"] == 0
    r = public_client.post(
        "/api/assessments", json=body, headers={"Authorization": "Bearer s3cret-token"}
    )
    assert r.status_code == 201
    # reads stay open
    assert public_client.get(r.headers["location"]).status_code == 200
    assert public_client.get(r.headers["location"] + "/report").status_code == 200


def test_public_without_a_token_refuses_writes(public_client_without_token):
    r = public_client_without_token.post(
        "/api/assessments", json=doc(), headers={"Authorization": "Bearer x"}
    )
    assert r.status_code == 403
    assert "SCALEKG_UPDATE_TOKEN" in r.json()["message"]


@pytest.mark.parametrize("where", ["data-dir", "store"])
def test_assessments_survive_a_restart(snapshot, tmp_path, where):
    # by default in the data directory (one file each); or in an on-disk graph store
    settings = make_settings(
        store=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path / "data", assessments=where
    )
    with TestClient(create_app(settings)) as c:
        created = c.post("/api/assessments", json=doc(organisation="Durable Co"))
        assert created.status_code == 201, created.text
        location = created.headers["location"]
    with TestClient(create_app(settings)) as c:  # a new process would see the same
        again = c.get(location)
        assert again.status_code == 200
        assert again.json()["organisation"] == "Durable Co"
        assert c.get("/api/assessments", params={"org": "durable"}).json()["count"] == 1
    if where == "data-dir":
        [stored] = (tmp_path / "data" / "assessments").glob("*.nq")
        assert stored.stem == location.rsplit("/", 1)[-1]


def test_the_report_shows_the_trend_against_the_previous_assessment(fresh_client):
    first = doc(organisation="Trend Co", date="2026-01-01")
    later = doc(organisation="Trend Co", date="2026-06-01")
    later["capabilities"][0] = {
        "capability": "continuous-software-delivery",
        "depth": 3,
        "width": 3,
    }
    fresh_client.post("/api/assessments", json=first)
    b = fresh_client.post("/api/assessments", json=later).json()["id"]
    trend = fresh_client.get(f"/api/assessments/{b}/report").json()["trend"]
    assert trend["against"]["date"] == "2026-01-01"
    assert trend["mean_exposure"]["delta"] < 0 and trend["counts"]["up"] == 0
    assert trend["text"].startswith("Since 2026-01-01: mean exposure")


def test_new_fields_get_field_pointed_422s(fresh_client):
    body = doc(
        organisation="Bad Evidence Co",
        headcount_plan=0,
        failures=[{"factor": "handovers cause waste", "severity": "catastrophic"}],
        dora=[{"metric": "change-fail-rate", "value": 140, "unit": "percent"}],
    )
    body["capabilities"][0]["effort"] = "huge"
    r = fresh_client.post("/api/assessments", json=body)
    assert r.status_code == 422
    locs = {e["loc"] for e in r.json()["detail"]}
    assert {
        "headcount_plan",
        "failures[0].severity",
        "dora[0].value",
        "capabilities[0].effort",
    } <= locs


def test_contradictory_input_is_stored_and_flagged_never_a_500(fresh_client):
    body = doc(
        organisation="Contradictory Co",
        signals=["too-few-good-managers", "people-are-stretched-too-thin"],
        dora=[{"metric": "deployment-frequency", "value": 1, "unit": "per-month"}],
        failures=[{"factor": "slow-cycle-time", "severity": "high"}],
    )
    body["capabilities"] = [
        {"capability": "continuous-software-delivery", "depth": 4, "width": 4},
        {"capability": "lean-management", "depth": 4, "width": 4},
        {"capability": "automate-toilsome-tasks", "depth": 4, "width": 4},
    ]
    r = fresh_client.post("/api/assessments", json=body)
    assert r.status_code == 201, r.text
    report = fresh_client.get(r.json()["links"]["report"]).json()
    kinds = {c["kind"] for c in report["contradictions"]}
    assert {"rating-vs-figures", "rating-vs-observed"} <= kinds
    page = fresh_client.get(r.json()["links"]["report_html"])
    assert page.status_code == 200 and "Contradiction:" in page.text
