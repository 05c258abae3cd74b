"""The overview's server side: the default view, positions for every view (the page computes
none), the confidence filter as a view parameter, and the confidence encoding of edges."""

import pytest

from scalekg.graph.confidence import CONFIDENCE_ORDER, at_least
from scalekg.viz.export import layout_json
from scalekg.viz.layout import COMPACT, OVERVIEW, layered_layout, view_positions
from scalekg.viz.select import (
    OVERVIEW_TYPES,
    ViewError,
    fades_edges,
    is_overview,
    parse_view,
    select,
)
from scalekg.viz.style import CONFIDENCE_STYLES, edge_options, faded_edge_color


def test_types_all_is_every_class(kg):
    assert parse_view(kg, {"types": ["all"]}).types == ()
    assert (
        select(kg, parse_view(kg, {"types": "all"}), max_nodes=600).nodes
        == select(kg, parse_view(kg, {}), max_nodes=600).nodes
    )


def test_overview_is_the_four_classes_without_focus(kg):
    view = parse_view(kg, {"types": list(OVERVIEW_TYPES)})
    assert is_overview(view) and fades_edges(view)
    assert not is_overview(parse_view(kg, {"types": [*OVERVIEW_TYPES, "ContributingFactor"]}))
    focused = parse_view(kg, {"types": list(OVERVIEW_TYPES), "focus": "premature-scaling"})
    assert not is_overview(focused) and not fades_edges(focused)
    sel = select(kg, view, max_nodes=600)
    assert {kg.concepts[i].type for i in sel.nodes} == set(OVERVIEW_TYPES)


def test_whole_graph_keeps_the_layered_layout(kg):
    nodes = list(kg.concepts)
    assert view_positions(kg, nodes) == {i: layered_layout(kg)[i] for i in nodes}


def test_a_part_closes_up_keeping_column_and_row_order(kg):
    sel = select(kg, parse_view(kg, {"types": list(OVERVIEW_TYPES)}), max_nodes=600)
    pos = view_positions(kg, sel.nodes, OVERVIEW)
    base = layered_layout(kg)
    xs = sorted({x for x, _ in pos.values()})
    assert xs == [i * OVERVIEW.column_gap for i in range(len(xs))] and len(xs) == 4
    for a in sel.nodes:
        for b in sel.nodes:
            if base[a][0] == base[b][0] and a != b:
                assert (pos[a][1] < pos[b][1]) == (base[a][1] < base[b][1])
                assert abs(pos[a][1] - pos[b][1]) >= OVERVIEW.row_gap
    # the tallest column is centred and packed
    ys = sorted(y for x, y in pos.values() if x == xs[1])
    assert ys[0] == -ys[-1]


def test_minor_classes_go_in_a_band_below(kg):
    sel = select(kg, parse_view(kg, {"types": ["Capability", "Other"]}), max_nodes=600)
    pos = view_positions(kg, sel.nodes, COMPACT)
    minor = [i for i in sel.nodes if kg.concepts[i].type in ("Statistic", "Stage")]
    main = [i for i in sel.nodes if kg.concepts[i].type == "Capability"]
    assert minor and min(pos[i][1] for i in minor) > max(pos[i][1] for i in main)


def test_layout_json_sends_positions_for_every_node(kg):
    for params in ({}, {"types": list(OVERVIEW_TYPES)}, {"focus": "premature-scaling"}):
        sel = select(kg, parse_view(kg, params), max_nodes=600)
        layout = layout_json(kg, sel)
        assert set(layout["positions"]) == {kg.concepts[i].slug for i in sel.nodes}
        assert (layout["style"] is not None) == layout["overview"]
    overview = layout_json(
        kg, select(kg, parse_view(kg, {"types": list(OVERVIEW_TYPES)}), max_nodes=600)
    )
    assert overview["style"]["font_size"] == OVERVIEW.font_size and overview["fade"]


@pytest.mark.parametrize("minimum", CONFIDENCE_ORDER)
def test_confidence_filter_keeps_edges_at_least_that_sure(kg, minimum):
    view = parse_view(kg, {"confidence": minimum})
    assert view.confidence == minimum and view.query(kg)["confidence"] == minimum
    sel = select(kg, view, max_nodes=600)
    assert all(at_least(e.confidence, minimum) for e in sel.edges)
    expected = [e for e in kg.edges if at_least(e.confidence, minimum)]
    assert len(sel.edges) == len(expected)


def test_confidence_filter_applies_to_focused_views_and_bad_values_are_422(kg):
    wide = select(kg, parse_view(kg, {"focus": "premature-scaling", "depth": "2"}), max_nodes=600)
    sure = select(
        kg,
        parse_view(kg, {"focus": "premature-scaling", "depth": "2", "confidence": "strong"}),
        max_nodes=600,
    )
    assert set(sure.nodes) < set(wide.nodes)
    with pytest.raises(ViewError) as err:
        parse_view(kg, {"confidence": "certain"})
    assert err.value.status == 422 and err.value.allowed == list(CONFIDENCE_ORDER)


def test_surer_edges_are_wider_and_darker():
    styles = [edge_options("mitigates", "interpreted", c) for c in CONFIDENCE_ORDER]
    widths = [s["width"] for s in styles]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    alphas = [CONFIDENCE_STYLES[c].alpha for c in CONFIDENCE_ORDER]
    assert alphas == sorted(alphas, reverse=True)
    assert styles[-1]["color"]["color"].startswith("rgba(") and styles[-1]["dashes"] is True
    assert edge_options("mitigates", "stated")["color"]["color"] == "#0072B2"  # no confidence given
    faded = faded_edge_color("mitigates", "stated")
    assert float(faded["color"]["color"].rsplit(",", 1)[1].rstrip(")")) < 0.3
    assert faded["color"]["hover"] == faded["color"]["highlight"] == "#0072B2"


def test_graph_json_carries_the_layout_and_confidence(client):
    r = client.get(
        "/graph.json", params={"types": "Value,Capability,FailureFactor,PositiveOutcome"}
    )
    body = r.json()
    assert body["layout"]["overview"] and body["layout"]["fade"]
    assert all("confidence" in e for e in body["edges"])
    assert client.get("/graph.json", params={"confidence": "nope"}).status_code == 422


def test_the_graph_page_opens_on_the_overview(client):
    html = client.get("/graph").text
    assert '"overviewDefault":true' in html
    assert '"types":["Capability","FailureFactor","PositiveOutcome","Value"]' in html
    whole = client.get("/graph", params={"types": "all"}).text
    assert '"types":[]' in whole
