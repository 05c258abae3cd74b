"""The gap report: concepts that have no edge of a kind. Warnings, never failures.

The SHACL shapes used to require, for example, that every failure factor hurts an outcome and that
every value is applied by a mechanism. For data read off slides whose arrows are lost, such rules
force edges into existence. A missing edge is honest; a made-up one is not. So these rules are now
a report (``scalekg check --gaps``, and the gap section of docs/fidelity.md) that shows where the
sources are silent, and nobody has to fill the gap to make a build pass.
"""

from dataclasses import dataclass

from rdflib import Graph
from rdflib.query import ResultRow

from .namespaces import SPARQL_PREFIXES, local_name


@dataclass(frozen=True)
class GapKind:
    name: str
    title: str  # "a capability that mitigates no failure factor"
    concept_class: str  # local name in skg:, subclasses included
    patterns: tuple[str, ...]  # SPARQL graph patterns on ?c; if any matches, there is no gap


GAP_KINDS: tuple[GapKind, ...] = (
    GapKind(
        "capability-mitigates-nothing",
        "capabilities that mitigate no failure factor",
        "Capability",
        ("?c skg:mitigates ?x .",),
    ),
    GapKind(
        "failure-factor-without-effect",
        "failure factors that neither cause another failure factor nor hurt an outcome",
        "FailureFactor",
        ("?c skg:causes ?x .", "?c skg:hurts ?x ."),
    ),
    GapKind(
        "failure-factor-unmitigated",
        "failure factors that nothing mitigates, directly or through one of their causes",
        "FailureFactor",
        ("?x skg:mitigates ?c .", "?x skg:mitigates ?cause . ?cause skg:causes ?c ."),
    ),
    GapKind(
        "value-influences-nothing",
        "values that influence no capability",
        "Value",
        ("?c skg:influencesPositively ?x .",),
    ),
    GapKind(
        "value-not-applied",
        "values that no mechanism applies",
        "Value",
        ("?x skg:applies ?c .",),
    ),
    GapKind(
        "mechanism-applies-nothing",
        "mechanisms that apply no value",
        "Mechanism",
        ("?c skg:applies ?x .",),
    ),
    GapKind(
        "practice-without-edge",
        "practices that support no capability and address no challenge",
        "Practice",
        ("?c skg:supports ?x .", "?c skg:addresses ?x ."),
    ),
    GapKind(
        "input-metric-focuses-nothing",
        "input metrics that focus no mechanism or capability",
        "InputMetric",
        ("?c skg:focuses ?x .",),
    ),
    GapKind(
        "signal-points-nowhere",
        "scaling signals that point to no failure factor",
        "ScalingSignal",
        ("?c skg:signals ?x .",),
    ),
    GapKind(
        "isolated-concept",
        "concepts that no relation connects to any other concept",
        "Concept",
        (
            "?c ?p ?x . ?x a/rdfs:subClassOf* skg:Concept . FILTER(?x != ?c)",
            "?x ?p ?c . ?x a/rdfs:subClassOf* skg:Concept . FILTER(?x != ?c)",
        ),
    ),
)


@dataclass(frozen=True)
class Gap:
    kind: str
    concept: str  # slug
    label: str


def _query(kind: GapKind) -> str:
    filters = "\n".join(f"  FILTER NOT EXISTS {{ {p} }}" for p in kind.patterns)
    return (
        SPARQL_PREFIXES
        + f"""
SELECT DISTINCT ?c ?label WHERE {{
  ?c a ?type ; skos:prefLabel ?label .
  ?type rdfs:subClassOf* skg:{kind.concept_class} .
{filters}
}}"""
    )


def find_gaps(graph: Graph) -> list[Gap]:
    """Every gap of every kind, in the order of GAP_KINDS and then by slug.

    ``graph`` is the ontology plus the data (with the plain edges derived), as the loader gives it.
    """
    gaps: list[Gap] = []
    for kind in GAP_KINDS:
        rows = {
            (local_name(str(row.c)), str(row.label))
            for row in graph.query(_query(kind))
            if isinstance(row, ResultRow)
        }
        gaps += [Gap(kind.name, slug, label) for slug, label in sorted(rows)]
    return gaps


def render_gaps(gaps: list[Gap]) -> str:
    """Plain text for the terminal: one heading per kind with gaps, one line per concept."""
    if not gaps:
        return "no gaps: every concept has an edge of each kind checked"
    lines = [f"{len(gaps)} gap(s) (warnings: the sources are silent here; do not invent edges):"]
    for kind in GAP_KINDS:
        found = [g for g in gaps if g.kind == kind.name]
        if found:
            lines.append(f"  {kind.name}: {len(found)} {kind.title}")
            lines += [f"    - {g.concept} ({g.label})" for g in found]
    return "\n".join(lines)
