"""``/ask``: the answer to a question as an HTML page (the home page's ask box submits here).

The same answer as ``/api/ask`` (one ``graph.ask.ask``), drawn as HTML: how the question was read,
each answer with every chain that reaches it, and the source of every step. Every label, quote and
rationale goes through Jinja's autoescape, like the other pages. A question that cannot be
answered gets the same page with the reason and the suggestions, with the API's status code.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.responses import Response

from scalekg.graph.ask import (
    SUPPORTED_PATTERNS,
    InvalidQuestionError,
    UnparseableQuestionError,
    ask,
)
from scalekg.graph.confidence import CONFIDENCE_ORDER, parse_min_confidence
from scalekg.graph.search import UnknownConceptError

from ..caching import ReadRoute
from ..deps import KGDep, render_html
from ..error_shape import excerpt

router = APIRouter(tags=["pages"], route_class=ReadRoute)


def ask_href(question: str) -> str:
    return "/ask?" + urlencode({"q": question})


def _suggestion_links(suggestions) -> list[dict]:
    return [
        {
            "label": s.concept.label,
            "type": s.concept.type,
            "page": f"/page/{s.concept.slug}",
            "ask": ask_href(s.concept.label),
        }
        for s in suggestions
    ]


@router.get("/ask", summary="The answer to a question, as a page", include_in_schema=False)
def ask_page(
    kg: KGDep,
    q: Annotated[str, Query()] = "",
    min_confidence: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    context: dict = {
        "question": q,
        "min_confidence": min_confidence or "",
        "confidences": CONFIDENCE_ORDER,
        "json_href": "/api/ask?"
        + urlencode({"q": q, **({"min_confidence": min_confidence} if min_confidence else {})}),
        "result": None,
        "error": None,
    }
    if not q.strip():
        return render_html("ask.html", **context)
    try:
        minimum = parse_min_confidence(min_confidence)
        result = ask(kg, q, min_confidence=minimum)
    except ValueError as exc:
        if isinstance(exc, InvalidQuestionError):
            context["question"] = excerpt(q)
            context["error"] = {"title": "Not a question", "message": exc.message}
        elif isinstance(exc, UnparseableQuestionError):
            context["error"] = {
                "title": "Cannot read this question",
                "message": exc.reason,
                "patterns": SUPPORTED_PATTERNS,
                "suggestions": _suggestion_links(exc.suggestions),
            }
        else:  # min_confidence
            context["error"] = {"title": "Invalid min_confidence", "message": str(exc)}
        return render_html("ask.html", 422, **context)
    except UnknownConceptError as exc:
        context["error"] = {
            "title": "Unknown concept",
            "message": f"No concept matches {excerpt(exc.text)!r}.",
            "suggestions": _suggestion_links(exc.suggestions),
        }
        return render_html("ask.html", 404, **context)
    meaning = result.interpretation
    context["result"] = {
        "pattern": meaning.pattern,
        "kind": meaning.kind,
        "relation": meaning.relation,
        "direction": meaning.direction,
        "concepts": [
            {
                "label": c.concept.label,
                "type": c.concept.type,
                "page": f"/page/{c.concept.slug}",
                "text": c.text,
                "matched": c.matched,
                "score": round(c.score, 2),
            }
            for c in meaning.concepts
        ],
        "did_you_mean": [
            {
                "label": c.concept.label,
                "type": c.concept.type,
                "ask": ask_href(_pattern_with(meaning.pattern, c.concept.label)),
            }
            for c in meaning.did_you_mean
        ],
        "definition": (result.description or {}).get("definition", ""),
        "answers": [_answer(a.as_dict()) for a in result.answers],
        "graph": f"/graph?focus={result.concept.slug}",
    }
    return render_html("ask.html", **context)


def _pattern_with(pattern: str, label: str) -> str:
    """The canonical question for another concept: "what mitigates X" -> "what mitigates Own it"."""
    if " X" in pattern:
        return pattern.replace(" X", f" {label}", 1).replace(" Y", "", 1)
    return pattern.replace(" Y", f" {label}", 1)


def _answer(a: dict) -> dict:
    return {
        "label": a["label"],
        "type": a["type"],
        "page": f"/page/{a['id']}",
        "kind": a["kind"],
        "confidence": a["confidence"],
        "chains": [
            {
                "kind": chain["kind"],
                "confidence": chain["confidence"],
                "steps": [
                    {
                        "subject": step["subject"]["label"],
                        "predicate": step["predicate"],
                        "object": step["object"]["label"],
                        "confidence": step["confidence"],
                        "sources": [
                            {
                                "document": s["document_title"] or s["document"],
                                "locator": s["locator"],
                                "quote": s["quote"],
                                "basis": s["basis"],
                                "rationale": s["rationale"],
                            }
                            for s in step["sources"]
                        ],
                    }
                    for step in chain["steps"]
                ],
            }
            for chain in a["paths"]
        ],
    }
