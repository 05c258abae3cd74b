"""The rendered page: offline, escaped, the same data the API serves."""

import json
import re
from html.parser import HTMLParser

import pytest

from bench.synthetic_graph import PAYLOADS, hostile_graph
from scalekg.viz.export import edge_id
from scalekg.viz.page import (
    graph_payload,
    render_error,
    render_page,
    script_safe_json,
    standalone_views,
)
from scalekg.viz.select import ViewError, ViewParams, minor_types, parse_view, select


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def data_block(html: str) -> dict:
    scripts = [
        text for attrs, text in parse(html).scripts if attrs.get("type") == "application/json"
    ]
    assert len(scripts) == 1
    return json.loads(scripts[0])


def external_references(html: str) -> list[str]:
    found = []
    for tag, attrs in parse(html).tags:
        for name in ("src", "href", "action", "data", "poster"):
            value = attrs.get(name) or ""
            if tag == "a" and name == "href":
                continue  # links are navigation, not requests
            if re.match(r"^(https?:)?//", value):
                found.append(f"<{tag} {name}={value}>")
    return found


@pytest.mark.parametrize("standalone", [False, True])
def test_page_requests_nothing_outside(kg, standalone):
    html = render_page(kg, standalone=standalone)
    assert external_references(html) == []
    assert "cdn" not in html.lower().replace("cdnjs", "")  # no CDN host
    assert "bootstrap" not in html.lower()
    assert '<link rel="icon" href="data:,">' in html
    scripts = parse(html).scripts
    if standalone:
        assert all("src" not in attrs for attrs, _ in scripts)
        assert any("vis-network" in text[:400] for _, text in scripts)
    else:
        srcs = [attrs["src"] for attrs, _ in scripts if "src" in attrs]
        assert srcs and all(s.startswith("/graph/static/") for s in srcs)


def test_page_embeds_the_whole_graph_and_the_view(kg):
    view = parse_view(kg, {"focus": "premature-scaling", "depth": "2"})
    html = render_page(kg, view, max_nodes=123)
    data = data_block(html)
    assert data["view"]["focus"] == "premature-scaling" and data["view"]["depth"] == 2
    assert data["meta"]["maxNodes"] == 123
    graph = data["graph"]
    assert len(graph["nodes"]) == len(graph["vis"]["nodes"]) == len(kg.concepts)
    assert len(graph["edges"]) == len(graph["vis"]["edges"]) == len(kg.edges)
    options = graph["vis"]["options"]
    assert options["physics"]["enabled"] is False
    for node in graph["vis"]["nodes"]:
        assert isinstance(node["x"], int) and isinstance(node["y"], int)
        assert node["group"] in options["groups"]
    assert "<title>Premature scaling: ScaleKG graph</title>" in html


def test_script_safe_json_escapes_markup():
    text = script_safe_json({"a": "</script><b>&amp;\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><b>&amp;\u2028"}


@pytest.mark.parametrize("standalone", [False, True])
def test_hostile_text_never_reaches_the_html_unescaped(kg, standalone):
    benign = render_page(kg, standalone=standalone)
    kg = hostile_graph()
    view = ViewParams(focus=next(iter(kg.concepts)), selected=next(iter(kg.concepts)))
    html = render_page(kg, view, standalone=standalone)
    for payload in PAYLOADS.values():
        if "<" in payload or "&" in payload:
            assert payload not in html, payload
    # The markup is ours alone: the same elements as a page of the shipped graph, three scripts
    # (data, vis-network, page) and nothing injected.
    tags = [t for t, _ in parse(html).tags]
    assert tags == [t for t, _ in parse(benign).tags]
    assert tags.count("script") == 3
    for evil in ("img", "iframe", "b", "object"):
        assert evil not in tags
    # The title (server-rendered) is escaped by Jinja.
    assert "&lt;script&gt;" in html.split("</title>")[0]
    # And the data comes back intact.
    data = data_block(html)
    labels = {n["label"] for n in data["graph"]["nodes"]}
    assert PAYLOADS["script"] in labels and PAYLOADS["img"] in labels
    titles = " ".join(n["title"] for n in data["graph"]["vis"]["nodes"])
    assert PAYLOADS["href"] in titles  # plain text for vis-network's innerText tooltips
    quotes = [s["quote"] for e in data["graph"]["edges"] for s in e["sources"]]
    assert all(PAYLOADS["close"] in q for q in quotes)


def test_error_page_escapes_the_request():
    error = ViewError(
        404,
        "focus",
        "no concept matches '<script>alert(1)</script>'",
        suggestions=[{"id": "x\"'<>", "label": "<img src=x onerror=alert(1)>", "type": "Value"}],
    )
    html = render_error(error)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_payload_is_cached_per_graph(kg):
    assert graph_payload(kg) is graph_payload(kg)


def test_standalone_links_use_the_base_url(kg):
    data = data_block(render_page(kg, standalone=True, base_url="http://127.0.0.1:8000/"))
    assert data["meta"]["linkBase"] == "http://127.0.0.1:8000/"
    assert data_block(render_page(kg, standalone=True))["meta"]["linkBase"] == ""
    assert data_block(render_page(kg))["meta"]["linkBase"] == "/"


def test_the_page_embeds_the_servers_selection_and_names(kg):
    view = parse_view(kg, {"focus": "premature-scaling", "path": "be-humble,deployment-frequency"})
    data = data_block(render_page(kg, view))
    chosen = select(kg, view, max_nodes=600)
    nodes = data["graph"]["nodes"]
    edges = data["graph"]["edges"]
    assert [nodes[i]["id"] for i in data["selection"]["nodes"]] == [
        kg.concepts[i].slug for i in chosen.nodes
    ]
    assert [edges[i]["id"] for i in data["selection"]["edges"]] == [
        edge_id(kg, e) for e in chosen.edges
    ]
    assert data["selection"]["path"]["chains"] == [
        [edge_id(kg, e) for e in chain] for chain in chosen.path_chains
    ]
    assert data["views"] is None  # served pages ask /graph.json for other views
    names = data["meta"]["names"]
    assert names["stages"]["early"] == "early-stage"
    assert names["relations"]["influences"] == "influencesPositively"
    assert sorted(names["types"]["other"]) == minor_types(kg)


def test_a_standalone_file_holds_each_concepts_focused_view(kg):
    view = parse_view(kg, {"relations": "mitigates,causes"})
    data = data_block(render_page(kg, view, standalone=True))
    views = data["views"]
    assert views["complete"] and set(views["focus"]) == {c.slug for c in kg.concepts.values()}
    nodes = data["graph"]["nodes"]
    for slug in ("premature-scaling", "be-humble"):
        focused = select(
            kg, parse_view(kg, {"focus": slug, "relations": "mitigates,causes"}), max_nodes=600
        )
        stored = views["focus"][slug]
        assert [nodes[i]["id"] for i in stored["nodes"]] == [
            kg.concepts[i].slug for i in focused.nodes
        ]
        assert stored["view"]["relations"] == ["mitigates", "causes"]


def test_standalone_views_stop_at_the_budget(kg, monkeypatch):
    whole = len(kg.concepts) + len(kg.edges)
    monkeypatch.setattr("scalekg.viz.page.STANDALONE_VIEW_BUDGET", whole + 200)
    views = standalone_views(kg, ViewParams(), max_nodes=600)
    assert not views["complete"]
    assert 0 < len(views["focus"]) < len(kg.concepts)
