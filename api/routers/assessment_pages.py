"""The assessment pages: ``GET /assess`` (the form) and ``GET /assessments/{id}/report.html``.

Both are rendered with the app's one Jinja environment (viz/html.py: autoescape on), load nothing from the network and send a strict
Content-Security-Policy. The report's chart is drawn by matplotlib (Agg) and embedded as an SVG
data URI in an ``<img>``, so it can never run script. ``render_report_html`` is also what
``scalekg assess run --html`` writes.
"""

import base64
import io
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from scalekg.graph.assessment.model import (
    CADENCES,
    DEPTH_QUESTION,
    DORA_UNITS,
    SCORE_LEVELS,
    SEVERITIES,
    WIDTH_QUESTION,
)
from scalekg.graph.model import KnowledgeGraph
from scalekg.viz.html import render

from ..assessment_access import get_assessment, report_for

router = APIRouter(tags=["assessment pages"])

REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def exposure_chart(report: dict, *, max_factors: int = 30) -> str:
    """A horizontal bar chart of exposure by failure factor, as an SVG data URI (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors

    rows = report["exposure"][:max_factors]
    labels = [r["label"] + (" ●" * len(r["signals"])) for r in rows][::-1]
    values = [r["exposure"] for r in rows][::-1]
    cmap = mcolors.LinearSegmentedColormap.from_list("exposure", ["#fdd49e", "#d7301f"])
    with plt.rc_context(
        {
            "svg.hashsalt": "scalekg",
            "svg.fonttype": "path",
            "font.size": 9,
            "font.family": "DejaVu Sans",
        }
    ):
        height = max(2.0, 0.28 * len(rows) + 0.9)
        fig, ax = plt.subplots(figsize=(8.0, height))
        bars = ax.barh(range(len(rows)), values, color=[cmap(v) for v in values], height=0.7)
        ax.set_yticks(range(len(rows)), labels)
        ax.set_xlim(0, 1)
        ax.set_xlabel("exposure (0 = fully mitigated, 1 = nothing mitigates it)")
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title("● = an observed scaling signal points at the factor", fontsize=8, loc="left")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def explanations(report: dict) -> dict:
    """The next steps' explanations with nothing repeated: each chain once (``C1``, ``C2``, …) and
    each edge of those chains once (``S1``, …, with its sources and quotes). ``refs`` maps a step's
    rank to the chains that explain it, with what each cuts; the report's steps refer to chains,
    the chains to edges, and only the edges carry quotes. Nothing is dropped: every chain of every
    step, and every source of every edge, is still in the report."""
    chains: list[dict] = []
    links: list[dict] = []
    by_path: dict[tuple, dict] = {}
    by_edge: dict[tuple, dict] = {}
    refs: dict[int, list[dict]] = {}
    for step in report["next_steps"]:
        for chain in step["chains"]:
            key = tuple(chain["path"])
            if key not in by_path:
                members = []
                for link in chain["steps"]:
                    edge = (link["subject"]["iri"], link["predicate"], link["object"]["iri"])
                    if edge not in by_edge:
                        by_edge[edge] = {**link, "id": f"S{len(links) + 1}"}
                        links.append(by_edge[edge])
                    members.append(by_edge[edge])
                by_path[key] = {
                    "id": f"C{len(chains) + 1}",
                    "path": chain["path"],
                    "basis": chain["basis"],
                    "confidence": chain["confidence"],
                    "links": members,
                    "steps": [],
                }
                chains.append(by_path[key])
            found = by_path[key]
            found["steps"].append(step["rank"])
            refs.setdefault(step["rank"], []).append(
                {"chain": found, "reduction": chain["reduction"]}
            )
    return {"chains": chains, "links": links, "refs": refs}


def render_report_html(report: dict) -> str:
    """The printable report of one analysis (``report.analyse``)."""
    return render(
        "assessment_report.html",
        report=report,
        why=explanations(report),
        chart=exposure_chart(report),
        depth_question=DEPTH_QUESTION,
        width_question=WIDTH_QUESTION,
    )


def form_catalogue(kg: KnowledgeGraph) -> dict:
    """What the form lists: capabilities (with questions), mechanisms, signals, metrics."""
    return {
        "capabilities": [
            {
                **c.summary(),
                "stages": c.stages,
                "definition": c.definition,
                "questions": c.diagnostic_questions,
            }
            for c in kg.of_type("Capability")
        ],
        "mechanisms": [
            {**m.summary(), "cadence": (m.attributes.get("cadence") or [""])[0]}
            for m in kg.of_type("Mechanism")
        ],
        "signals": [s.summary() for s in kg.of_type("ScalingSignal")],
        "failures": [{**f.summary(), "stages": f.stages} for f in kg.of_type("FailureFactor")],
        "input_metrics": [m.summary() for m in kg.of_type("InputMetric")],
        "dora": [
            {**o.summary(), "units": list(DORA_UNITS.get(o.slug, ()))}
            for o in kg.of_type("PositiveOutcome")
        ],
    }


@router.get("/assess", response_class=HTMLResponse)
def assessment_form(request: Request) -> HTMLResponse:
    """The self-assessment form; its state is kept in the browser (localStorage)."""
    state = request.app.state.scalekg
    nonce = secrets.token_urlsafe(16)
    html = render(
        "assessment_form.html",
        catalogue=form_catalogue(state.kg),
        cadences=CADENCES,
        severities=SEVERITIES,
        levels=SCORE_LEVELS,
        depth_question=DEPTH_QUESTION,
        width_question=WIDTH_QUESTION,
        nonce=nonce,
        snapshot=state.kg.snapshot_hash,
    )
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


@router.get("/assessments/{assessment_id}/report.html", response_class=HTMLResponse)
def assessment_report_page(request: Request, assessment_id: str) -> HTMLResponse:
    """The printable report: chart, ranked next steps with their explanations, blind spots."""
    report = report_for(request, get_assessment(request, assessment_id))
    return HTMLResponse(render_report_html(report), headers={"Content-Security-Policy": REPORT_CSP})
