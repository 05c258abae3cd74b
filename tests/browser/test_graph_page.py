"""The graph page in headless Chromium against a real server: offline, consistent with /graph.json,
searchable, filterable, explained, deep-linkable, exportable, and inert with hostile data."""

import json
import struct
from urllib.parse import parse_qs, urlsplit

import httpx
import networkx as nx
import pytest

from bench.synthetic_graph import PAYLOADS, hostile_graph
from scalekg.graph.paths import shortest
from scalekg.graph.search import normalise
from scalekg.viz.page import render_page
from scalekg.viz.select import parse_view, select

pytestmark = [pytest.mark.browser, pytest.mark.server]

READY = "window.scalekg && window.scalekg.ready"


def open_graph(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=20_000)


def api(server, query: str = "") -> dict:
    r = httpx.get(f"{server.url}/graph.json{'?' + query if query else ''}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def shown(page) -> list[str]:
    return page.evaluate("scalekg.nodes")


def shown_edges(page) -> list[str]:
    return page.evaluate("scalekg.edges")


def page_query(page) -> str:
    return urlsplit(page.url).query


def test_whole_graph_renders_offline_and_matches_the_api(page, live_server, kg, artifacts):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    data = api(live_server)
    assert len(shown(page)) == len(kg.concepts) == len(data["nodes"])
    assert sorted(shown(page)) == sorted(n["id"] for n in data["nodes"])
    assert sorted(shown_edges(page)) == sorted(e["id"] for e in data["edges"])
    assert len(shown_edges(page)) == len(kg.edges)
    # vis-network holds exactly those nodes, on a real canvas.
    assert page.evaluate("scalekg.drawnNodes()") == len(kg.concepts)
    size = page.evaluate(
        "(() => { const c = document.querySelector('#graph canvas'); return [c.width, c.height]; })()"
    )
    assert size[0] > 300 and size[1] > 300
    assert page.locator("#status").inner_text().startswith(f"Showing {len(kg.concepts)} of")
    # Physics is off and the layout is the server's.
    assert page.evaluate("scalekg.network.physics.options.enabled") is False
    page.screenshot(path=str(artifacts / "graph-whole.png"))
    page.watch.assert_clean()


def test_legend_has_a_shape_and_colour_for_every_class(page, live_server, kg):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    labels = page.locator("#type-filter label").all_inner_texts()
    for name in ("Values", "Capabilities", "Failure factors", "Contributing factors"):
        assert any(name in text for text in labels)
    assert page.locator("#type-filter label svg").count() == len(labels)
    assert page.locator("#relation-filter label svg").count() == len(
        {e.predicate for e in kg.edges}
    )
    page.watch.assert_clean()


def test_search_with_the_keyboard_focuses_the_right_node(page, live_server, kg, artifacts):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    page.focus("#search")
    page.keyboard.type("continuous delivery")  # a synonym of "Continuous software delivery"
    options = page.locator("#search-list [role=option]")
    options.first.wait_for()
    assert "Continuous software delivery" in options.first.inner_text()
    assert page.get_attribute("#search", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    page.wait_for_function("scalekg.state().focus === 'continuous-software-delivery'")
    assert page.inner_text("#panel-title") == "Continuous software delivery"
    data = api(live_server, "focus=continuous-software-delivery&depth=1")
    assert shown(page) == [n["id"] for n in data["nodes"]]
    assert "focus=continuous-software-delivery" in page_query(page)
    # Arrow keys move through the options; Escape closes the list.
    page.fill("#search", "")
    page.keyboard.type("prem")
    page.wait_for_function(
        "document.querySelector('#search-list [role=option]')?.textContent.includes('Premature')"
    )
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "document.querySelector('#search').getAttribute('aria-activedescendant') === 'search-opt-1'"
    )
    page.keyboard.press("Escape")
    assert page.get_attribute("#search", "aria-expanded") == "false"
    page.screenshot(path=str(artifacts / "graph-search-focus.png"))
    page.watch.assert_clean()


def suggested(page) -> list[str]:
    return page.locator("#search-list [role=option]").evaluate_all(
        "els => els.map(e => e.dataset.id).filter(Boolean)"
    )


def test_typing_prem_offers_premature_scaling_first_and_enter_focuses_it(page, live_server):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/suggest" in r.url else None)
    page.focus("#search")
    page.keyboard.type("prem")
    body = httpx.get(f"{live_server.url}/api/suggest", params={"q": "prem", "limit": 12}).json()
    ids = [c["id"] for c in body["concepts"]]
    assert ids[0] == "premature-scaling"
    page.wait_for_function(  # the server's order, as is
        "ids => JSON.stringify([...document.querySelectorAll('#search-list [role=option]')]"
        ".map(e => e.dataset.id).filter(Boolean)) === JSON.stringify(ids)",
        arg=ids,
    )
    assert suggested(page)[0] == "premature-scaling"
    assert asked, "the search box asks the server"
    page.keyboard.press("Enter")
    page.wait_for_function("scalekg.state().focus === 'premature-scaling'")
    assert page.inner_text("#panel-title") == "Premature scaling"
    page.watch.assert_clean()


def test_enter_right_after_typing_waits_for_the_answer(page, live_server):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    page.focus("#search")
    page.keyboard.type("premture scalng")  # typos: only the server's fuzzy matching finds it
    page.keyboard.press("Enter")
    page.wait_for_function("scalekg.state().focus === 'premature-scaling'")
    page.watch.assert_clean()


def test_standalone_search_uses_the_servers_ranking_from_the_file(page, static_server, kg):
    from scalekg.graph.question.suggest import concept_suggestions

    url = static_server.publish("search.html", render_page(kg, standalone=True))
    open_graph(page, url)
    for typed in ("prem", "scal", "continuous deliv", "own it", "premature scaling ki"):
        page.fill("#search", "")
        page.focus("#search")
        page.keyboard.type(typed)
        expected = [s.concept.slug for s in concept_suggestions(kg, typed, fuzzy=False)][:6]
        page.wait_for_function(
            "ids => JSON.stringify([...document.querySelectorAll('#search-list [role=option]')]"
            ".map(e => e.dataset.id).filter(Boolean)) === JSON.stringify(ids)",
            arg=expected,
        )
    page.fill("#search", "")
    page.keyboard.type("prem")
    page.keyboard.press("Enter")
    page.wait_for_function("scalekg.state().focus === 'premature-scaling'")
    page.watch.assert_clean()


def test_filters_change_the_visible_set_like_the_api(page, live_server, kg):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    practices = sum(1 for c in kg.concepts.values() if c.type == "Practice")
    assert practices
    page.locator("#type-filter input[value=Practice]").uncheck()
    page.wait_for_function(f"scalekg.nodes.length === {len(kg.concepts) - practices}")
    query = page_query(page)
    assert "types=" in query and "Practice" not in parse_qs(query)["types"][0].split(",")
    assert sorted(shown(page)) == sorted(n["id"] for n in api(live_server, query)["nodes"])

    page.locator("#relation-filter input[value=mitigates]").uncheck()
    page.wait_for_function("!scalekg.edges.some(id => id.includes('--mitigates--'))")
    query = page_query(page)
    assert sorted(shown_edges(page)) == sorted(e["id"] for e in api(live_server, query)["edges"])

    before = len(shown(page))
    page.locator("#stage-filter input[value=late-stage]").uncheck()
    page.wait_for_function(f"scalekg.nodes.length < {before}")
    query = page_query(page)
    assert "stages=early-stage" in query
    data = api(live_server, query)
    assert sorted(shown(page)) == sorted(n["id"] for n in data["nodes"])
    late_only = {c.slug for c in kg.concepts.values() if c.stages == ["late-stage"]}
    assert not late_only & set(shown(page))
    page.watch.assert_clean()


def test_side_panel_shows_definition_sources_and_links(page, live_server, kg):
    open_graph(page, f"{live_server.url}/graph?focus=premature-scaling&depth=1")
    page.evaluate("scalekg.select('premature-scaling')")
    concept = kg.concept("premature-scaling")
    assert page.inner_text("#panel-title") == concept.label
    assert concept.definition in page.inner_text("#panel .definition")
    incoming = kg.edges_to(concept.iri)
    assert incoming
    quotes = page.locator("#panel .edges-in blockquote").all_inner_texts()
    for edge in incoming:
        for prov in edge.provenance:
            assert prov.quote.strip() in [q.strip() for q in quotes]
    sources = " ".join(page.locator("#panel .edges-in .source").all_inner_texts())
    prov = incoming[0].provenance[0]
    assert prov.locator in sources and prov.basis in sources
    assert page.get_attribute("#link-ld", "href") == "/id/premature-scaling"
    assert (
        page.get_attribute("#link-mitigators", "href")
        == "/api/concepts/premature-scaling/mitigated-by"
    )
    sparql = parse_qs(urlsplit(page.get_attribute("#link-sparql", "href")).query)["query"][0]
    assert f"<{concept.iri}>" in sparql and "SELECT" in sparql
    # The links lead somewhere real on this server.
    for link in ("#link-ld", "#link-mitigators"):
        r = httpx.get(
            live_server.url + page.get_attribute(link, "href"),
            headers={"Accept": "text/html"},
            follow_redirects=True,
            timeout=10,
        )
        assert r.status_code == 200, (link, r.status_code)
    assert "selected=premature-scaling" in page_query(page)
    page.watch.assert_clean()


def test_expand_shows_the_link_count_then_adds_neighbours_in_place(page, live_server, kg):
    focus = "premature-scaling"
    open_graph(page, f"{live_server.url}/graph?focus={focus}&depth=1")
    before = set(shown(page))
    # A neighbour that has links to nodes not shown yet.
    target = next(
        n
        for n in sorted(before - {focus})
        if any(
            other not in before
            for e in kg.edges_from(kg.concept(n).iri) + kg.edges_to(kg.concept(n).iri)
            for other in (kg.concepts[e.subject].slug, kg.concepts[e.object].slug)
        )
    )
    c = kg.concept(target)
    new_links = sum(1 for e in kg.edges_from(c.iri) if kg.concepts[e.object].slug not in before)
    new_links += sum(1 for e in kg.edges_to(c.iri) if kg.concepts[e.subject].slug not in before)
    page.evaluate(f"scalekg.select({json.dumps(target)})")
    button = page.locator("#panel-expand")
    expected = f"Expand ({new_links} link{'s' if new_links != 1 else ''})"
    assert button.inner_text() == expected
    button.click()
    page.wait_for_function(f"scalekg.nodes.length > {len(before)}")
    after = shown(page)
    assert before < set(after)
    assert page.evaluate("scalekg.state().focus") == focus  # still the same focus
    assert f"expand={target}" in page_query(page)
    assert after == [n["id"] for n in api(live_server, page_query(page))["nodes"]]
    page.watch.assert_clean()


def test_path_highlights_a_chain_from_a_value_to_an_outcome(page, live_server, kg, artifacts):
    value, outcome, nodes = next(
        (v, o, n)
        for v in kg.of_type("Value")
        for o in kg.of_type("PositiveOutcome")
        for n in [shortest(kg, v.iri, o.iri)[0]]
        if len(n) >= 4
    )
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    page.evaluate(f"scalekg.select({json.dumps(value.slug)})")
    page.click("#panel-path-from")
    page.evaluate(f"scalekg.select({json.dumps(outcome.slug)})")
    page.click("#panel-path-to")
    page.wait_for_function("scalekg.pathNodes.length > 0")
    path_nodes = page.evaluate("scalekg.pathNodes")
    assert path_nodes[0] == value.slug and path_nodes[-1] == outcome.slug
    assert set(path_nodes) == {kg.concepts[n].slug for n in nodes}
    kinds = {kg.concept(n).type for n in path_nodes}
    assert {"Value", "PositiveOutcome"} <= kinds and len(kinds) >= 3
    # Every highlighted edge is a real edge between highlighted nodes.
    for edge_id in page.evaluate("scalekg.pathEdges"):
        s, _p, o = edge_id.split("--")
        assert s in path_nodes and o in path_nodes
    assert page.locator("#path-bar").is_visible()
    chains = page.locator("#path-chains li").all_inner_texts()
    assert chains and chains[0].startswith(value.label) and chains[0].endswith(outcome.label)
    # The rest is dimmed.
    dimmed = page.evaluate(
        "scalekg.datasets.nodes.get().filter(n => n.group.endsWith('-dim')).length"
    )
    assert dimmed == len(kg.concepts) - len(path_nodes)
    assert f"path={value.slug},{outcome.slug}" in page_query(page)
    data = api(live_server, page_query(page))
    assert data["path"]["nodes"] == path_nodes
    page.screenshot(path=str(artifacts / "graph-path.png"))
    page.watch.assert_clean()


def test_deep_link_reproduces_the_view(page, browser, live_server, kg):
    query = (
        "focus=premature-scaling&depth=2&types=FailureFactor,ContributingFactor,Capability,Value"
        "&relations=mitigates,causes,influencesPositively&stages=early-stage"
        "&expand=hiring-too-many-people-too-early&selected=premature-scaling"
    )
    open_graph(page, f"{live_server.url}/graph?{query}")
    data = api(live_server, query)
    assert shown(page) == [n["id"] for n in data["nodes"]]
    assert sorted(shown_edges(page)) == sorted(e["id"] for e in data["edges"])
    assert page.inner_text("#panel-title") == kg.concept("premature-scaling").label
    # Change the view in the UI, then open the URL the page wrote in a fresh page.
    page.fill("#depth", "1")
    page.dispatch_event("#depth", "change")
    page.wait_for_function("scalekg.state().depth === 1")
    url = page.url
    state = page.evaluate("scalekg.state()")
    nodes = shown(page)
    other = browser.new_context(viewport={"width": 1500, "height": 950}).new_page()
    open_graph(other, url)
    assert shown(other) == nodes
    again = other.evaluate("scalekg.state()")
    for key in ("focus", "depth", "expand", "path", "selected"):
        assert again[key] == state[key]
    for key in ("types", "relations", "stages"):
        assert sorted(again[key] or []) == sorted(state[key] or [])
    other.context.close()
    page.watch.assert_clean()


def test_exports_png_json_and_graphml(page, live_server, kg, tmp_path):
    open_graph(page, f"{live_server.url}/graph?focus=premature-scaling&depth=1")
    with page.expect_download() as download:
        page.click("#export-png")
    png = tmp_path / "view.png"
    download.value.save_as(png)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width > 300 and height > 300

    with page.expect_download() as download:
        page.click("#export-json")
    target = tmp_path / "view.json"
    download.value.save_as(target)
    exported = json.loads(target.read_text())
    data = api(live_server, "focus=premature-scaling&depth=1")
    assert [n["id"] for n in exported["nodes"]] == [n["id"] for n in data["nodes"]]
    assert exported["edges"] == data["edges"]
    assert exported["nodes"] == data["nodes"]

    href = page.get_attribute("#export-graphml", "href")
    r = httpx.get(live_server.url + href, timeout=10)
    assert r.status_code == 200
    target = tmp_path / "graph.graphml"
    target.write_bytes(r.content)
    g = nx.read_graphml(target, force_multigraph=True)
    assert g.number_of_nodes() == len(kg.concepts) and g.number_of_edges() == len(kg.edges)
    page.watch.assert_clean()


def test_edge_table_is_a_keyboard_usable_text_alternative(page, live_server, kg):
    open_graph(page, f"{live_server.url}/graph?focus=premature-scaling&depth=1")
    page.click("#edge-table-box summary")
    rows = page.locator("#edge-table tbody tr")
    assert rows.count() == len(shown_edges(page))
    first = page.locator("#edge-table tbody tr button").first
    first.focus()
    page.keyboard.press("Enter")
    label = first.inner_text()
    assert page.inner_text("#panel-title") == label
    # Panel actions are buttons reachable with Tab.
    page.focus("#panel-focus")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") in ("panel-expand", "panel-path-from")
    page.watch.assert_clean()


def test_bad_parameters_give_clear_errors_not_500(page, live_server):
    response = page.goto(f"{live_server.url}/graph?focus=premature+scalling+zzz+qqq")
    assert response.status == 404
    assert page.locator("#suggestions li").count() >= 1 or "No concept" in page.content()
    response = page.goto(f"{live_server.url}/graph?depth=99")
    assert response.status == 422
    assert "depth" in page.inner_text("#error-message")
    for query in ("depth=x", "types=Nope", "relations=likes", "stages=middle", "path=a"):
        r = httpx.get(f"{live_server.url}/graph.json?{query}", timeout=10)
        assert r.status_code == 422, query
        assert "error" in r.json()
    r = httpx.get(f"{live_server.url}/graph.json?focus=qqqqqqqq", timeout=10)
    assert r.status_code == 404 and "suggestions" in r.json()
    assert page.watch.outside == []


def test_focused_view_cap_is_applied_and_said(page, static_server, kg):
    view = parse_view(kg, {"focus": "failure-to-fix-the-dominant-problem-late", "depth": "3"})
    url = static_server.publish("capped.html", render_page(kg, view, max_nodes=8, standalone=True))
    open_graph(page, url)
    assert len(shown(page)) == 8
    assert page.evaluate("scalekg.truncated") is True
    notice = page.locator("#cap-notice")
    assert notice.is_visible() and "capped at 8 nodes" in notice.inner_text()
    page.watch.assert_clean()


def test_standalone_file_reads_its_view_from_the_url(page, static_server, kg):
    url = static_server.publish("standalone.html", render_page(kg, standalone=True))
    open_graph(page, url + "?focus=premature-scaling&depth=1&selected=premature-scaling")
    focus = kg.concept("premature-scaling")
    neighbours = {kg.concepts[e.subject].slug for e in kg.edges_to(focus.iri)}
    neighbours |= {kg.concepts[e.object].slug for e in kg.edges_from(focus.iri)}
    assert set(shown(page)) == neighbours | {"premature-scaling"}
    assert page.inner_text("#panel-title") == focus.label
    page.watch.assert_clean()


def test_hostile_labels_render_as_text_and_execute_nothing(page, static_server, artifacts):
    hostile = hostile_graph()
    url = static_server.publish("hostile.html", render_page(hostile, standalone=True))
    open_graph(page, url)
    assert len(shown(page)) == len(hostile.concepts)
    # Every payload shows literally: in the panel, the edge table, the search list and tooltips.
    page.evaluate("scalekg.select('xss-img')")
    assert page.inner_text("#panel-title") == PAYLOADS["img"]
    assert PAYLOADS["close"] in page.inner_text("#panel .definition")
    assert PAYLOADS["svg"] in page.inner_text("#panel .alt")
    quotes = page.locator("#panel blockquote").all_inner_texts()
    assert any(PAYLOADS["close"] in q for q in quotes)
    page.click("#edge-table-box summary")
    table = page.inner_text("#edge-table")
    assert PAYLOADS["script"] in table and PAYLOADS["amp"] in table
    page.focus("#search")
    page.keyboard.type("script")
    page.locator("#search-list [role=option]").first.wait_for()
    assert PAYLOADS["script"] in page.inner_text("#search-list")
    page.keyboard.press("Escape")
    box = page.locator("#graph").bounding_box()
    for node in ("xss-href", "xss-script"):
        pos = page.evaluate(f"scalekg.network.canvasToDOM(scalekg.network.getPosition('{node}'))")
        page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
        page.wait_for_timeout(400)
    tooltip = page.locator("div.vis-tooltip")
    assert tooltip.count() == 1
    # Plain text (innerText turns line breaks into <br>, nothing else becomes an element).
    assert tooltip.evaluate("el => [...el.children].every(c => c.tagName === 'BR')")
    assert PAYLOADS["script"] in tooltip.inner_text()
    # Nothing ran: no flag, no dialog, no injected element, nothing fetched.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img, iframe, object, embed").count() == 0
    assert page.locator("#panel svg").count() == page.locator("#panel svg[aria-hidden]").count()
    scripts = page.evaluate("[...document.scripts].map(s => s.type || 'js').sort().join(',')")
    assert scripts == "application/json,js,js"
    page.screenshot(path=str(artifacts / "graph-hostile.png"))
    page.watch.assert_clean()


def test_search_matches_synonyms_like_the_server(page, live_server, kg):
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    concept = next(c for c in kg.concepts.values() if c.alt_labels)
    synonym = concept.alt_labels[0]
    page.focus("#search")
    page.keyboard.type(synonym)
    page.locator("#search-list [role=option]").first.wait_for()
    ids = page.eval_on_selector_all(
        "#search-list [role=option]", "els => els.map(e => e.dataset.id)"
    )
    assert concept.slug in ids, (normalise(synonym), ids)
    page.watch.assert_clean()


def test_the_page_asks_the_server_for_each_view(page, live_server, kg):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/graph.json" in r.url else None)
    open_graph(page, f"{live_server.url}/graph?types=all")  # the whole graph (not the overview)
    assert asked == []  # the first view is in the page
    page.evaluate("scalekg.focus('premature-scaling')")
    page.wait_for_function("scalekg.state().focus === 'premature-scaling'")
    assert len(asked) == 1 and "focus=premature-scaling" in asked[0]
    assert shown(page) == [n["id"] for n in api(live_server, "focus=premature-scaling")["nodes"]]
    # The chains listed for a path are the server's.
    page.evaluate("scalekg.path('be-humble', 'deployment-frequency')")
    page.wait_for_function("scalekg.pathNodes.length > 0")
    data = api(live_server, page_query(page))
    chains = page.locator("#path-chains li").all_inner_texts()
    assert len(chains) == len(data["path"]["chains"]) > 0
    page.watch.assert_clean()


def test_standalone_file_shows_the_views_it_holds_and_says_when_it_has_not(page, static_server, kg):
    url = static_server.publish("explore.html", render_page(kg, standalone=True))
    open_graph(page, url)
    # Focus (as search and double-click do): a view written into the file.
    page.evaluate("scalekg.focus('premature-scaling')")
    page.wait_for_function("scalekg.state().focus === 'premature-scaling'")
    view = parse_view(kg, {"focus": "premature-scaling"})
    expected = select(kg, view, max_nodes=600)
    assert shown(page) == [kg.concepts[i].slug for i in expected.nodes]
    # Depth 3 is not in the file: the view stays and the status line says what to do.
    before = shown(page)
    page.fill("#depth", "3")
    page.dispatch_event("#depth", "change")
    page.wait_for_function(
        "document.querySelector('#status').textContent.includes('not in this file')"
    )
    assert shown(page) == before
    assert "scalekg viz -o view.html --focus premature-scaling --depth 3" in page.inner_text(
        "#status"
    )
    page.watch.assert_clean()


def test_standalone_file_reads_relation_and_stage_aliases_from_the_url(page, static_server, kg):
    """The page's names come from graph/params.py: ``relations=influences`` and ``stages=late``
    mean what they mean on the server (the page once knew predicates only and dropped them)."""
    view = parse_view(kg, {"relations": "influencesPositively", "stages": "late-stage"})
    url = static_server.publish("aliases.html", render_page(kg, view, standalone=True))
    open_graph(page, url + "?relations=influences&stages=late&focus=be-humble")
    state = page.evaluate("scalekg.state()")
    assert state["relations"] == ["influencesPositively"] and state["stages"] == ["late-stage"]
    served = parse_view(kg, {"relations": "influences", "stages": "late", "focus": "be-humble"})
    assert shown(page) == [kg.concepts[i].slug for i in select(kg, served, max_nodes=600).nodes]
    page.watch.assert_clean()
