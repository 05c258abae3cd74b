"""``/api/assessments``: store a self-assessment, read it back, its diagnostic, and comparisons.

- ``POST /api/assessments``: JSON, or YAML with ``Content-Type: application/yaml``. 201 with the
  id and a ``Location`` header (200 and the same id if that exact document is already stored).
  Validation errors: 422 with ``{"error": "invalid assessment", "message": ..., "detail":
  [{"loc": "capabilities[3].depth", "msg": ...}]}``; every error has the app's one shape.
- ``GET /api/assessments?org=``: the stored assessments, optionally by organisation (case
  insensitive, substring).
- ``GET /api/assessments/{id}``: the document; ``GET /api/assessments/{id}/report``: the analysis.
- ``GET /api/assessments/compare?a=&b=``: what changed from a to b, factor by factor.

Writes are protected against other websites, and need ``Authorization: Bearer <update_token>``
when the server is not on loopback or is behind a proxy: see ``api/security.py``.
"""

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from scalekg.graph.assessment import prepare_text
from scalekg.graph.assessment.compare import compare
from scalekg.graph.assessment.model import AssessmentDocument

from ..assessment_access import get_assessment, report_for, repository
from ..errors import ApiError
from ..openapi import ref
from ..security import require_write

router = APIRouter(tags=["assessments"])

JSON_TYPES = {"application/json"}
# Never text/plain or a form type: those are the "simple" types that any website can POST
# cross-site without a CORS preflight (api/security.py).
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}


def links(assessment_id: str) -> dict:
    return {
        "self": f"/api/assessments/{assessment_id}",
        "report": f"/api/assessments/{assessment_id}/report",
        "report_html": f"/assessments/{assessment_id}/report.html",
        "graph": f"/graph?assessment={assessment_id}",
    }


def _format(content_type: str) -> str:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in JSON_TYPES or media.endswith("+json"):
        return "json"
    if media in YAML_TYPES:
        return "yaml"
    raise ApiError(
        415,
        "unsupported media type",
        "Send the assessment as application/json or application/yaml (see /assess).",
        supported=sorted(JSON_TYPES | YAML_TYPES),
    )


@router.post(
    "/api/assessments",
    status_code=201,
    responses={
        200: {"description": "That exact document was already stored: the same id."},
        201: {"description": "Stored: its id, links, warnings and the document as stored."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The assessment (docs/diagnostic.md), as JSON or YAML.",
            "content": {
                "application/json": {"schema": ref(AssessmentDocument)},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def create_assessment(request: Request) -> JSONResponse:
    """Validate and store an assessment (JSON, or YAML with content-type application/yaml)."""
    require_write(request)
    fmt = _format(request.headers.get("content-type", ""))
    body = await request.body()  # at most max_body_bytes: the app answers 413 beyond
    state = request.app.state.scalekg

    def work():
        assessment = prepare_text(state.kg, body, fmt)
        return repository(request).save(assessment)

    # AssessmentValidationError: a field-pointed 422 from the app-wide handler (api/errors.py).
    stored, created = await run_in_threadpool(work)
    location = f"/api/assessments/{stored.id}"
    return JSONResponse(
        {
            "id": stored.id,
            "created": created,
            "links": links(stored.id),
            "warnings": stored.warnings,
            "assessment": stored.as_dict(),
        },
        status_code=201 if created else 200,
        headers={"Location": location},
    )


@router.get("/api/assessments")
def list_assessments(
    request: Request,
    org: str | None = Query(None, description="Organisation name, or part of it (any case)."),
) -> dict:
    """The stored assessments, by organisation then date."""
    items = [
        {**s.as_dict(), "links": links(s.id)} for s in repository(request).list(org=org or None)
    ]
    return {"count": len(items), "assessments": items}


@router.get("/api/assessments/compare")
def compare_assessments(
    request: Request,
    a: str = Query(..., description="The earlier assessment's id."),
    b: str = Query(..., description="The later assessment's id."),
) -> dict:
    """What changed from a to b: exposure up or down per failure factor, capabilities moved."""
    first, second = get_assessment(request, a), get_assessment(request, b)
    return compare(
        report_for(request, first, trend=False), report_for(request, second, trend=False)
    )


@router.get("/api/assessments/{assessment_id}")
def read_assessment(request: Request, assessment_id: str) -> dict:
    """The stored document (references as slugs)."""
    found = get_assessment(request, assessment_id)
    return {**found.as_dict(), "links": links(found.id)}


@router.get("/api/assessments/{assessment_id}/report")
def read_report(request: Request, assessment_id: str) -> dict:
    """The diagnostic: exposure, leverage, next steps and blind spots, each explained."""
    return report_for(request, get_assessment(request, assessment_id))
