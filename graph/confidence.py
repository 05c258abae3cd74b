"""How sure we are of an edge: one ordering shared by answers, the view and the diagnostic.

A stated edge (the quoted text says the relation) ranks first. An interpreted edge carries a grade
from the rubric in docs/data-model.md: strong, plausible or speculative. An interpreted edge with no
grade yet is treated as speculative, so that nothing ungraded outranks a graded reading.
"""

from typing import Final

STATED: Final = "stated"
STRONG: Final = "strong"
PLAUSIBLE: Final = "plausible"
SPECULATIVE: Final = "speculative"

# Best first. The index is the rank used for sorting and for min_confidence filters.
CONFIDENCE_ORDER: Final[tuple[str, ...]] = (STATED, STRONG, PLAUSIBLE, SPECULATIVE)
INTERPRETED_GRADES: Final[tuple[str, ...]] = (STRONG, PLAUSIBLE, SPECULATIVE)


def rank(confidence: str) -> int:
    """0 for stated, 3 for speculative; unknown values rank as speculative."""
    try:
        return CONFIDENCE_ORDER.index(confidence)
    except ValueError:
        return CONFIDENCE_ORDER.index(SPECULATIVE)


def at_least(confidence: str, minimum: str | None) -> bool:
    """True when ``confidence`` is as sure as ``minimum`` or surer (no minimum: always)."""
    return minimum is None or rank(confidence) <= rank(minimum)


def weakest(confidences: list[str] | tuple[str, ...]) -> str:
    """The confidence of a chain is that of its weakest step."""
    return max(confidences, key=rank) if confidences else STATED


def parse_min_confidence(value: str | None) -> str | None:
    """Validate a user's ``min_confidence``; raises ValueError with the allowed values."""
    if value is None or value == "":
        return None
    v = value.strip().lower()
    if v not in CONFIDENCE_ORDER:
        raise ValueError(
            f"min_confidence must be one of {', '.join(CONFIDENCE_ORDER)}; got {value[:40]!r}"
        )
    return v
