"""The assessment overlay on the graph page, in a real Chromium against a real server."""

from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "late-stage-scaleup.yaml"


def test_overlay_colours_capabilities_and_factors(live_server, page, artifacts):
    r = httpx.post(
        live_server.url + "/api/assessments",
        content=EXAMPLE.read_bytes(),
        headers={"Content-Type": "application/yaml"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    assessment_id = r.json()["id"]
    report = httpx.get(
        f"{live_server.url}/api/assessments/{assessment_id}/report", timeout=30
    ).json()
    top = report["leverage"][0]["id"]

    page.goto(f"{live_server.url}/graph?assessment={assessment_id}")
    page.wait_for_function("window.scalekg && window.scalekg.ready")
    overlay = page.evaluate("window.scalekg.overlay")
    assert overlay["id"] == assessment_id
    assert overlay["edges"], "the leverage paths are drawn"
    # Every overlaid node that is on screen wears its overlay colour.
    drawn = page.evaluate("window.scalekg.nodes")
    checked = 0
    for slug, style in overlay["nodes"].items():
        if slug in drawn:
            assert page.evaluate(f"window.scalekg.nodeColour({slug!r})") == style["colour"]
            checked += 1
    assert checked >= 10
    # Capabilities carry strength, failure factors exposure; the top leverage capability is there.
    measures = {style["measure"] for style in overlay["nodes"].values()}
    assert measures == {"strength", "exposure"}
    assert page.locator("#overlay-notice").inner_text().count("Northwind Payments") == 1
    assert overlay["nodes"][top]["measure"] == "strength"
    assert top in {e.split("--")[0] for e in overlay["edges"]} | {
        e.split("--")[-1] for e in overlay["edges"]
    }, "the top leverage capability lies on a drawn leverage path"
    # The overlay survives in the deep link.
    assert f"assessment={assessment_id}" in page.url
    page.screenshot(path=str(artifacts / "graph-overlay.png"))
    page.watch.assert_clean()


def test_overlay_of_unknown_assessment_is_404(live_server):
    r = httpx.get(live_server.url + "/graph?assessment=0000000000000000", timeout=10)
    assert r.status_code == 404
    assert "no assessment" in r.json()["message"].lower()
