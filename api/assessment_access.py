"""The app's stored assessments and their reports: one place for the API routes, the assessment
pages and the graph view's overlay (none of them imports another)."""

import re

from fastapi import Request

from scalekg.graph.assessment.model import Assessment
from scalekg.graph.assessment.report import analyse
from scalekg.graph.assessment.repository import (
    AssessmentRepository,
    default_repository,
    earlier_than,
)

from .errors import ApiError

ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


def repository(request: Request) -> AssessmentRepository:
    """The app's assessment repository, made once per app (setting ``assessments``: the data
    directory by default, the graph store, or memory)."""
    state = request.app.state.scalekg
    repo = state.caches.assessment_repository
    if repo is None:
        repo = default_repository(state.settings, state.store)
        state.caches.assessment_repository = repo
    return repo


def get_assessment(request: Request, assessment_id: str) -> Assessment:
    found = repository(request).get(assessment_id) if ID_PATTERN.match(assessment_id) else None
    if found is None:
        raise ApiError(404, "not found", f"No assessment {assessment_id[:40]!r}.")
    return found


def report_for(request: Request, assessment: Assessment, *, trend: bool = True) -> dict:
    """The analysis against the app's current graph, with the trend against the organisation's
    previous stored assessment (memoised per assessment, previous one and snapshot)."""
    state = request.app.state.scalekg
    earlier = earlier_than(repository(request), assessment) if trend else None
    cache = state.caches.assessment_reports
    key = (assessment.id, earlier.id if earlier else None, state.kg.snapshot_hash)
    if key not in cache:
        if len(cache) > 256:
            cache.clear()
        cache[key] = analyse(state.kg, assessment, earlier=earlier)
    return cache[key]
