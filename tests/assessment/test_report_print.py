"""The report shows each chain once and each source once, refers to them from the steps, stays
complete, and prints: a print stylesheet, and a PDF from headless Chromium checked as an image."""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from bench.report_pdf import html_to_pdf
from scalekg.api.routers.assessment_pages import explanations, render_report_html
from scalekg.graph.assessment import prepare
from scalekg.graph.assessment.report import analyse

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


@pytest.fixture(scope="module", params=["late-stage-scaleup", "early-stage-startup"])
def report(request, kg):
    document = yaml.safe_load((EXAMPLES / f"{request.param}.yaml").read_text(encoding="utf-8"))
    return analyse(kg, prepare(kg, document))


class _Sections(HTMLParser):
    """The text of each element with an id, and every href and id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("href"):
            self.hrefs.append(a["href"])
        if tag not in ("br", "img", "meta", "link", "input"):
            self.stack.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, ident in self.stack:
            if ident:
                self.text.setdefault(ident, []).append(data)


def parse(html: str) -> _Sections:
    p = _Sections()
    p.feed(html)
    return p


def test_each_chain_is_listed_once_and_referred_to_from_its_step(report):
    html = render_report_html(report)
    page = parse(html)
    why = explanations(report)
    paths = [tuple(c["path"]) for s in report["next_steps"] for c in s["chains"]]
    assert len(why["chains"]) == len(set(paths)) > 0
    for chain in why["chains"]:
        assert chain["id"] in page.ids
        # the chain, link by link with the id of each link's source, only in its own entry
        entry = " ".join(" ".join(page.text[chain["id"]]).split())
        expected = chain["path"][0] + "".join(
            f" → {link['predicate']} {link['confidence']} {link['id']} → {link['object']['label']}"
            for link in chain["links"]
        )
        assert expected in entry
        assert chain["path"][0::2] == [chain["links"][0]["subject"]["label"]] + [
            link["object"]["label"] for link in chain["links"]
        ]
        assert page.hrefs.count(f"#{chain['id']}") == len(chain["steps"])  # steps refer to it
    for step in report["next_steps"]:
        assert [r["chain"]["path"] for r in why["refs"][step["rank"]]] == [
            c["path"] for c in step["chains"]
        ]


def test_each_source_is_quoted_once_and_none_is_lost(report):
    """Quoted once per edge: a quote that supports three edges (a slide's heading) appears three
    times, once under each edge, however many chains pass through those edges."""
    html = render_report_html(report)
    edges_citing: dict[str, set] = {}
    mentions = 0
    for s in report["next_steps"]:
        for c in s["chains"]:
            for link in c["steps"]:
                edge = (link["subject"]["iri"], link["predicate"], link["object"]["iri"])
                for src in link["sources"]:
                    edges_citing.setdefault(src["quote"], set()).add(edge)
                    mentions += 1
    sources_text = " ".join(parse(html).text["sources"])
    shown = 0
    for quote, edges in edges_citing.items():
        rendered = quote.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        rendered = rendered.replace('"', "&#34;").replace("'", "&#39;")
        assert html.count(f"“{rendered}”") == len(edges), quote
        assert quote in sources_text
        shown += len(edges)
    assert shown < mentions  # the examples' chains share edges: the old report repeated them
    # every link of every chain points at a listed source
    for chain in explanations(report)["chains"]:
        for link in chain["links"]:
            assert link["id"] in parse(html).ids


def test_the_rest_of_the_report_is_unchanged(report):
    html = render_report_html(report)
    for section in (
        report["headline"]["text"],
        "Why these moves",
        "Failure factors, most pressing first",
        "Exposure by failure factor",
        "Ranking",
        "Blind spots",
        "What you reported",
        "How the numbers work",
    ):
        assert f"<h2>{section}</h2>" in html
    for step in report["next_steps"]:
        assert step["action"]["text"].replace("'", "&#39;") in html
    for row in report["exposure"]:
        assert row["label"].replace("'", "&#39;") in html


def test_print_stylesheet_and_site_header(report):
    html = render_report_html(report)
    assert "@media print" in html and "@page" in html and "size: A4" in html
    assert 'class="site-header"' in html and 'aria-current="page"' in html
    assert re.search(r"@media print\s*\{\s*\.site-header\s*\{\s*display:\s*none", html)


@pytest.mark.browser
def test_report_prints_to_a_pdf_whose_pages_are_a4_and_not_blank(report, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("no pdftoppm: apt-get install poppler-utils (.ci/run does)")
    html = tmp_path / "report.html"
    html.write_text(render_report_html(report), encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 2 <= pages <= 20
    assert "(A4)" in info
    # One page to an image: a white A4 page with the report's ink on it.
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    pgm = next(tmp_path.glob("p*.pgm")).read_bytes()
    width, height, pixels = _pgm(pgm)
    assert abs(height / width - 297 / 210) < 0.02
    dark = sum(1 for v in pixels if v < 128) / len(pixels)
    white = sum(1 for v in pixels if v > 240) / len(pixels)
    assert 0.005 < dark < 0.4, dark  # text and a chart, not an empty or black page
    assert white > 0.5
    # the text is the report's (pdftotext comes with pdftoppm)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert report["assessment"]["organisation"] in text
    assert "ScaleKG" not in text.split("Diagnostic")[0]  # no site header in print


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixels of a binary PGM (P5) as pdftoppm writes it."""
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1 : pos + 1 + width * height]
    return width, height, pixels
