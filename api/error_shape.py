"""The one shape of every error ScaleKG reports, over HTTP and on the command line.

::

    {"error": "<short kind>", "message": "<what went wrong, in words>", ...extra fields}

Extra fields carry what a client needs to recover: ``suggestions`` for an unknown concept,
``patterns`` for a question that fits no pattern, ``valid``/``allowed`` for an unknown value,
``param`` for the parameter at fault, ``detail`` for field-pointed validation errors, ``line`` and
``column`` for a SPARQL syntax error.

No web imports here: the CLI builds its ``--json`` errors with the same functions.
"""

from __future__ import annotations

from typing import Any

# One Retry-After (seconds) for every "try again soon" answer: store unavailable, SPARQL workers
# busy, too many concurrent queries from one client.
RETRY_AFTER_S = 2

# A message may quote the client's input; never more than this many characters of it.
EXCERPT_CHARS = 80


def error_body(error: str, message: str, **extra: Any) -> dict[str, Any]:
    """The error body: ``error`` and ``message`` first, then the extra fields."""
    return {"error": error, "message": message, **extra}


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable quotation of client input (never the whole of a huge document)."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def assessment_error_body(exc: Any) -> dict[str, Any]:
    """An ``AssessmentValidationError`` (graph/assessment/model.py): 422-style body."""
    detail = [e.as_dict() for e in exc.errors]
    first = exc.errors[0].render() if exc.errors else "the document does not validate"
    more = f" (and {len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""
    return error_body("invalid assessment", f"{first}{more}", detail=detail)


def unknown_concept_body(exc: Any) -> dict[str, Any]:
    """An ``UnknownConceptError`` (graph/search.py): 404-style body with suggestions (only those
    above the suggestion floor, see docs/api.md)."""
    hint = " Did you mean one of the suggestions?" if exc.suggestions else ""
    return error_body(
        "unknown concept",
        f"No concept matches {excerpt(exc.text)!r}.{hint}",
        concept=excerpt(exc.text),
        suggestions=[m.as_dict() for m in exc.suggestions],
    )


def unparseable_question_body(exc: Any, patterns: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """An ``UnparseableQuestionError`` (graph/question/interpret.py): 422-style body with the
    reason, the patterns and any concept the words come close to."""
    reason = getattr(exc, "reason", "It fits no known question form.")
    return error_body(
        "unparseable question",
        f"Cannot read the question {excerpt(exc.question)!r}: {reason} "
        "Ask, for example, 'how do we avoid premature scaling'.",
        question=excerpt(exc.question),
        patterns=list(patterns),
        suggestions=[c.as_dict() for c in getattr(exc, "suggestions", [])],
    )


def invalid_question_body(exc: Any) -> dict[str, Any]:
    """An ``InvalidQuestionError`` (empty, too long, control characters, only punctuation)."""
    return error_body(
        "invalid question", exc.message, reason=exc.reason, question=excerpt(exc.excerpt)
    )
