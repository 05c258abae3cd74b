"""The commented YAML template that ``scalekg assess init`` writes.

It lists every capability of the graph (with the essay's diagnostic questions where it has them),
every mechanism, scaling signal and input metric, and the DORA metrics with their units. As
written it is already a valid assessment (everything at 0 / no), so a user edits values and never
has to type a slug.
"""

import json
from datetime import date

from ..model import Concept, KnowledgeGraph
from .model import CADENCES, DEPTH_QUESTION, DORA_UNITS, SCORE_LEVELS, STAGE_IRIS, WIDTH_QUESTION


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str, indent: str = "", width: int = 96) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(indent) + 2 + len(line) + 1 + len(word) > width:
            lines.append(f"{indent}# {line}")
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(f"{indent}# {line}")
    return lines


def _stage_note(c: Concept) -> str:
    if not c.stages:
        return "any stage"
    return " and ".join(s.replace("-", " ") for s in c.stages)


def render_template(kg: KnowledgeGraph, *, stage: str = "late", today: date | None = None) -> str:
    """The template text. Capabilities of ``stage`` come first; the rest follow."""
    today = today or date.today()
    stage_slug = STAGE_IRIS[stage]
    levels = ", ".join(f"{k} = {v}" for k, v in SCORE_LEVELS.items())
    out = [
        "# ScaleKG self-assessment. Fill it in, then run:  scalekg assess run THIS-FILE.yaml",
        "#",
        "# The scale-up CTO essay (Part One: The Diagnostic Layer): the CTO's first job is",
        "# diagnosis, an honest audit of each capability's depth and width:",
        f"#   depth: {DEPTH_QUESTION}",
        f"#   width: {WIDTH_QUESTION}",
        *_comment(f"Score each 0..4: {levels}.", ""),
        "# A capability counts by its level, the square root of depth x width: 0 on either axis",
        "# is 0, and the first levels count most (the basics first). Scoring model:",
        "# docs/diagnostic.md. Per capability, optionally: applicable: no (it does not apply to",
        "# you: leave depth and width out), target_depth / target_width (where you want it; no",
        "# move past it is proposed), effort: S, M or L (what one step costs you).",
        "# Names: use the slugs below, or any label; typos are forgiven when unambiguous.",
        "",
        f"organisation: {_q('Your organisation')}",
        f"date: {today.isoformat()}",
        "# early: the search for product/market fit; late: the search for a repeatable and",
        "# scalable business model (slide 9).",
        f"stage: {stage}",
        "headcount: 50  # people in the organisation (slide 10: early stage is usually < 50)",
        "# hiring pace (optional): people a year ago, and/or the people you plan to have in a year",
        "# headcount_12_months_ago: 30",
        "# headcount_plan: 80",
        "# note: optional free text about the context of this assessment",
        "",
        "capabilities:",
    ]
    caps = kg.of_type("Capability")
    ordered = [c for c in caps if stage_slug in c.stages] + [
        c for c in caps if stage_slug not in c.stages
    ]
    for c in ordered:
        out.append("")
        out.append(f"  # --- {c.label} ({_stage_note(c)}) ---")
        for question in c.diagnostic_questions:
            out += _comment(f"Q: {question}", "  ")
        if not c.diagnostic_questions and c.definition:
            out += _comment(c.definition, "  ")
        out += [
            f"  - capability: {c.slug}",
            "    depth: 0",
            "    width: 0",
            "    # note: what you see, and the evidence",
        ]
    out += [
        "",
        "# Mechanisms (slides 25-26): the rituals that apply values. in_place: yes or no;",
        f"# cadence: {', '.join(CADENCES)}.",
        "mechanisms:",
    ]
    for m in kg.of_type("Mechanism"):
        cadence = (m.attributes.get("cadence") or [""])[0]
        hint = f"  # {m.label}" + (f"; the talk says {cadence}" if cadence else "")
        out += [
            f"  - mechanism: {m.slug}{hint}",
            "    in_place: no",
            f"    # cadence: {cadence or 'weekly'}",
        ]
    out += [
        "",
        "# Early signals of scaling pains (slide 11, and slide 12's late-stage traits seen before",
        "# product/market fit): observed: yes for the ones you see.",
        "signals:",
    ]
    for s in kg.of_type("ScalingSignal"):
        out += [f"  - signal: {s.slug}  # {s.label}", "    observed: no"]
    out += [
        "",
        "# Optional: the failure factors you see today (slides 17-20), with a severity (low,",
        "# medium or high). They weigh most in the diagnostic. Uncomment the ones that apply.",
        "# failures:",
    ]
    factors = kg.of_type("FailureFactor")
    for f in [f for f in factors if not f.stages or stage_slug in f.stages]:
        out += [f"#   - factor: {f.slug}  # {f.label}", "#     severity: medium"]
    out += [
        "",
        "# Input metrics (slide 28): tracked: yes for the ones you track and review.",
        "input_metrics:",
    ]
    for m in kg.of_type("InputMetric"):
        out += [f"  - metric: {m.slug}  # {m.label}", "    tracked: no"]
    out += [
        "",
        "# Optional: the current DORA metrics (slide 27), each with its unit. Uncomment and fill.",
        "# dora:",
    ]
    for o in kg.of_type("PositiveOutcome"):
        units = DORA_UNITS.get(o.slug, ("",))
        out += [
            f"#   - metric: {o.slug}  # {o.label}; unit: {' | '.join(units)}",
            "#     value: 0",
            f"#     unit: {units[0]}",
        ]
    return "\n".join(out) + "\n"
