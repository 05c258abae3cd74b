"""The reference pass: every name in a document to exactly one concept of the right type.

Capabilities, mechanisms, signals, input metrics, DORA metrics and observed failure factors are
given as slugs, IRIs, labels or synonyms; ``graph.search.resolve`` forgives case, punctuation and
small typos when unambiguous. An unknown name or a duplicate is an error at its field, with
suggestions. The result is an ``Assessment`` whose references are concept slugs.
"""

from typing import Any

from pydantic import BaseModel

from ..model import KnowledgeGraph
from ..search import UnknownConceptError, resolve, search
from .model import (
    DORA_UNITS,
    Assessment,
    AssessmentDocument,
    AssessmentValidationError,
    DoraMeasurement,
    FieldError,
    validate_document,
)

# (list field, key in each item, concept type, what to call it in messages)
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("capabilities", "capability", "Capability", "capability"),
    ("mechanisms", "mechanism", "Mechanism", "mechanism"),
    ("signals", "signal", "ScalingSignal", "scaling signal"),
    ("input_metrics", "metric", "InputMetric", "input metric"),
    ("dora", "metric", "PositiveOutcome", "DORA metric"),
    ("failures", "factor", "FailureFactor", "failure factor"),
)


def _resolve_one(kg: KnowledgeGraph, text: str, type_name: str):
    try:
        concept = resolve(kg, text, type_name=type_name)
    except UnknownConceptError as exc:
        return None, tuple(m.concept.summary() for m in exc.suggestions)
    if not concept.is_a(type_name):
        # A slug or label of a concept of another kind: suggest the nearest of the right kind.
        found = search(kg, text, type_name=type_name, limit=5, threshold=0.4)
        return None, tuple(m.concept.summary() for m in found)
    return concept, ()


def resolve_references(kg: KnowledgeGraph, doc: AssessmentDocument) -> Assessment:
    """Every reference to its concept slug; unknown or duplicate references are field errors."""
    errors: list[FieldError] = []
    updates: dict[str, list[BaseModel]] = {}
    for list_name, key, type_name, what in REFERENCES:
        seen: dict[str, int] = {}
        items = []
        for i, item in enumerate(getattr(doc, list_name)):
            text = getattr(item, key)
            concept, suggestions = _resolve_one(kg, text, type_name)
            loc = f"{list_name}[{i}].{key}"
            if concept is None:
                errors.append(FieldError(loc, f"unknown {what} {text!r}", suggestions))
                items.append(item)
                continue
            if concept.slug in seen:
                errors.append(
                    FieldError(
                        loc,
                        f"{concept.slug} is already given at {list_name}[{seen[concept.slug]}]",
                    )
                )
            seen.setdefault(concept.slug, i)
            items.append(item.model_copy(update={key: concept.slug}))
        updates[list_name] = items
    if not errors:
        for i, item in enumerate(updates["dora"]):
            assert isinstance(item, DoraMeasurement)  # the "dora" list holds DORA measurements
            allowed = DORA_UNITS.get(item.metric)
            if allowed and item.unit not in allowed:
                errors.append(
                    FieldError(
                        f"dora[{i}].unit",
                        f"must be one of {', '.join(allowed)} for {item.metric}",
                    )
                )
    if errors:
        raise AssessmentValidationError(errors)
    resolved = doc.model_copy(update=updates)
    return Assessment(resolved, snapshot=kg.snapshot_hash, warnings=stage_warnings(resolved))


def stage_warnings(doc: AssessmentDocument) -> list[str]:
    """Things that look inconsistent but are not errors."""
    warnings = []
    if doc.stage == "early" and doc.headcount >= 50:
        warnings.append(
            f"headcount {doc.headcount} is large for an early stage startup "
            "(slide 10: small team, < 50); check the stage"
        )
    if doc.stage == "early" and doc.headcount_plan is not None and doc.headcount_plan >= 50:
        warnings.append(
            f"the plan to grow to {doc.headcount_plan} people leaves the early stage's small team "
            "(slide 10: < 50) before product/market fit is found"
        )
    return warnings


def load_assessment(kg: KnowledgeGraph, data: Any) -> Assessment:
    """Plain data (parsed YAML or JSON) to a resolved assessment, or AssessmentValidationError."""
    return resolve_references(kg, validate_document(data))
