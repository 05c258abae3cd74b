"""Self-assessment of an engineering organisation against the graph: the diagnostic.

The essay (seed 003, Part One) says the CTO's first job is diagnosis: each capability's depth and
width. The talk (slides 17-28) says which capabilities mitigate which failure factors, at which
stage. This package joins the two:

- ``items``, ``model`` and ``resolve``: the document (YAML or JSON), validated field by field,
  references resolved;
- ``rdf`` and ``shapes``: its RDF form in its own named graph, checked by SHACL;
- ``repository``: where assessments are stored (files in the data directory, or a store);
- ``scoring`` (the arithmetic), ``dora`` (the DORA bands), ``evidence`` (what the organisation
  reports, as factor weights), ``diagnostic`` (exposure and the ranking), ``contradictions``,
  ``findings`` (blind spots, warnings),
  ``advice`` (the moves in words, rituals, metrics, sourced chains) and ``report`` (``analyse``:
  the whole report, actions first, with the trend);
- ``compare``: what changed between two assessments; ``export``: the roadmap as Markdown or CSV;
- ``template``: the commented YAML template of ``scalekg assess init``.

See docs/diagnostic.md for the scoring model and a worked example.
"""

from typing import Any

from ..model import KnowledgeGraph
from .model import (
    Assessment,
    AssessmentDocument,
    AssessmentValidationError,
    FieldError,
    parse_text,
)
from .resolve import load_assessment


def prepare(kg: KnowledgeGraph, data: Any) -> Assessment:
    """Plain data to a checked assessment: pydantic, then references, then SHACL.

    Raises AssessmentValidationError (with field paths) at the first pass that fails.
    """
    from . import rdf, shapes

    assessment = load_assessment(kg, data)
    shapes.check(kg, rdf.to_graph(assessment))
    return assessment


def prepare_text(kg: KnowledgeGraph, text: str | bytes, fmt: str | None = None) -> Assessment:
    """YAML or JSON text to a checked assessment (see ``prepare``)."""
    return prepare(kg, parse_text(text, fmt))


__all__ = [
    "Assessment",
    "AssessmentDocument",
    "AssessmentValidationError",
    "FieldError",
    "prepare",
    "prepare_text",
]
