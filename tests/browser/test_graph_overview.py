"""The default /graph: a readable overview, judged from the page's own state in Chromium.

Readable at first view means, for every value, capability, failure factor and outcome: its label
is drawn, inside the canvas, at 11 CSS pixels or more at the zoom the page opens with, and
overlaps no other label. The minor classes are not drawn as a grid; edges are faint until a node
is hovered or selected; edges carry their confidence and can be filtered by it on the server;
with an assessment overlay the legend explains the overlay's colours.
"""

import re
from pathlib import Path

import httpx
import pytest

from scalekg.graph.confidence import at_least
from scalekg.viz.overlay import EXPOSURE_COLOURS, STRENGTH_COLOURS
from scalekg.viz.select import OVERVIEW_TYPES

pytestmark = [pytest.mark.browser, pytest.mark.server]

READY = "() => window.scalekg && window.scalekg.ready"
MIN_FONT_PX = 11.0
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "late-stage-scaleup.yaml"


def open_graph(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=30_000)


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_default_view_labels_are_readable_at_first_view(live_server, page, kg, artifacts):
    open_graph(page, live_server.url + "/graph")
    labels = page.evaluate("scalekg.labels()")
    expected = {c.slug for c in kg.concepts.values() if c.type in OVERVIEW_TYPES}
    assert {lab["id"] for lab in labels} == expected
    assert {lab["type"] for lab in labels} == set(OVERVIEW_TYPES)
    for lab in labels:
        assert lab["inView"], f"{lab['label']} is outside the canvas"
        assert lab["fontPx"] >= MIN_FONT_PX, f"{lab['label']}: {lab['fontPx']:.1f} px"
        width = lab["box"]["right"] - lab["box"]["left"]
        assert width > 0 and lab["box"]["bottom"] > lab["box"]["top"]
    clashes = [
        (a["label"], b["label"])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if overlaps(a["box"], b["box"])
    ]
    assert clashes == []
    # the label really is the concept's (vis draws the whole label, wrapped at most to 2 lines)
    heights = [lab["box"]["bottom"] - lab["box"]["top"] for lab in labels]
    assert max(heights) < 3 * min(heights)
    page.screenshot(path=str(artifacts / "graph-overview.png"))
    page.watch.assert_clean()


def test_minor_classes_are_hidden_and_one_click_away(live_server, page, kg):
    open_graph(page, live_server.url + "/graph")
    drawn = set(page.evaluate("scalekg.nodes"))
    other = {
        c.slug
        for c in kg.concepts.values()
        if c.type in ("Statistic", "Stage", "StageCharacteristic")
    }
    assert not drawn & other
    assert page.locator('#type-filter input[value="Other"]').is_checked() is False
    assert page.locator('#type-filter input[value="Capability"]').is_checked()
    # the address bar holds the view; types=all is the whole graph
    assert "types=" in page.url
    open_graph(page, live_server.url + "/graph?types=all")
    assert len(page.evaluate("scalekg.nodes")) == len(kg.concepts)
    assert page.evaluate("scalekg.layout().overview") is False
    page.watch.assert_clean()


def test_edges_are_faint_until_a_node_is_hovered_or_selected(live_server, page):
    open_graph(page, live_server.url + "/graph")
    assert page.evaluate("scalekg.layout().fade") is True
    alphas = page.evaluate(
        "scalekg.datasets.edges.get().map(e => parseFloat(e.color.color.split(',')[3]))"
    )
    assert alphas and max(alphas) <= 0.3
    node = "westrum-generative-culture"
    connected = page.evaluate(f"scalekg.network.getConnectedEdges('{node}')")
    assert connected
    full = page.evaluate(
        f"scalekg.network.getConnectedEdges('{node}').map(id => scalekg.datasets.edges.get(id).color.hover)"
    )
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", c) for c in full)  # opaque when hovered
    box = page.locator("#graph").bounding_box()
    pos = page.evaluate(
        f"scalekg.network.canvasToDOM(scalekg.network.getPositions(['{node}'])['{node}'])"
    )
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_function(
        f"() => scalekg.network.getConnectedEdges('{node}').every(id => scalekg.network.body.edges[id].hover)"
    )
    page.evaluate(f"scalekg.select('{node}')")
    selected = page.evaluate("scalekg.network.getSelectedEdges()")
    assert set(connected) <= set(selected)
    # a focused view draws its edges in full
    open_graph(page, live_server.url + f"/graph?focus={node}&depth=1")
    assert page.evaluate("scalekg.layout().fade") is False
    page.watch.assert_clean()


def test_edges_encode_confidence_and_the_filter_is_the_servers(live_server, page, kg):
    open_graph(page, live_server.url + "/graph?types=all")
    legend = page.locator("#confidence-filter label").all_inner_texts()
    assert [t.split(":")[0].split(" or ")[0].split(" (")[0].strip() for t in legend] == [
        "stated",
        "strong",
        "plausible",
        "speculative",
    ]
    data = page.evaluate(
        "scalekg.datasets.edges.get().map(e => [e.id, e.width, parseFloat((e.color.color.split(',')[3] || '1'))])"
    )
    confidence = {
        f"{kg.concepts[e.subject].slug}--{e.predicate}--{kg.concepts[e.object].slug}": e.confidence
        for e in kg.edges
    }
    by_relation: dict[tuple[str, str], set[float]] = {}
    for ident, width, _alpha in data:
        by_relation.setdefault((ident.split("--")[1], confidence[ident]), set()).add(width)
    # for one relation, surer edges are drawn wider
    for relation in ("mitigates", "causes"):
        widths = [
            max(by_relation.get((relation, c), {0})) for c in ("strong", "plausible", "speculative")
        ]
        present = [w for w in widths if w]
        assert present == sorted(present, reverse=True) and len(set(present)) > 1
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "graph.json" in r.url else None)
    page.check('#confidence-filter input[value="strong"]')
    page.wait_for_function("() => scalekg.state().confidence === 'strong'")
    assert any("confidence=strong" in u for u in requests)
    shown = page.evaluate("scalekg.edges")
    assert shown and all(at_least(confidence[i], "strong") for i in shown)
    api = httpx.get(live_server.url + "/graph.json?types=all&confidence=strong", timeout=30).json()
    assert sorted(e["id"] for e in api["edges"]) == sorted(shown)
    assert "confidence=strong" in page.url
    bad = httpx.get(live_server.url + "/graph.json?confidence=certain", timeout=30)
    assert bad.status_code == 422 and "stated" in bad.text
    page.watch.assert_clean()


def _rgb(hex_colour: str) -> tuple[int, ...]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def test_with_an_overlay_the_legend_explains_its_colours(live_server, page):
    r = httpx.post(
        live_server.url + "/api/assessments",
        content=EXAMPLE.read_bytes(),
        headers={"Content-Type": "application/yaml"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    open_graph(page, f"{live_server.url}/graph?assessment={r.json()['id']}")
    legend = page.locator("#overlay-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    assert "Capabilities: strength" in text and "Failure factors: exposure" in text
    assert "leverage" in text
    stops = legend.locator("stop").evaluate_all("s => s.map(x => x.getAttribute('stop-color'))")
    assert stops == [*STRENGTH_COLOURS, *EXPOSURE_COLOURS]
    # every overlaid node wears a colour of its legend's scale
    overlay = page.evaluate("scalekg.overlay")
    scales = {"strength": STRENGTH_COLOURS, "exposure": EXPOSURE_COLOURS}
    for slug, style in overlay["nodes"].items():
        low, high = (_rgb(c) for c in scales[style["measure"]])
        colour = _rgb(style["colour"])
        for lo, hi, v in zip(low, high, colour, strict=True):
            assert min(lo, hi) <= v <= max(lo, hi), (slug, style)
        if slug in page.evaluate("scalekg.nodes"):
            assert page.evaluate(f"scalekg.nodeColour('{slug}')") == style["colour"]
    # without an overlay there is no overlay legend
    open_graph(page, live_server.url + "/graph")
    assert page.locator("#overlay-legend").count() == 0
    page.watch.assert_clean()
