"""The app's stored assessments and their reports: one place for the API routes, the assessment
pages and the graph view's overlay (none of them imports another)."""

import re

import pyoxigraph as ox
from fastapi import Request

from scalekg.graph.assessment.model import Assessment
from scalekg.graph.assessment.repository import (
    AssessmentRepository,
    OxigraphAssessmentRepository,
    repository_for,
)
from scalekg.graph.assessment.scoring import analyse

from .errors import ApiError

ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


def repository(request: Request) -> AssessmentRepository:
    """The app's assessment repository, made once per app from its store."""
    state = request.app.state.scalekg
    repo = state.caches.assessment_repository
    if repo is None:
        try:
            repo = repository_for(state.store)
        except TypeError:
            repo = OxigraphAssessmentRepository(ox.Store())  # no store: keep them in memory
        state.caches.assessment_repository = repo
    return repo


def get_assessment(request: Request, assessment_id: str) -> Assessment:
    found = repository(request).get(assessment_id) if ID_PATTERN.match(assessment_id) else None
    if found is None:
        raise ApiError(404, "not found", f"No assessment {assessment_id[:40]!r}.")
    return found


def report_for(request: Request, assessment: Assessment) -> dict:
    """The analysis against the app's current graph (memoised per assessment and snapshot)."""
    state = request.app.state.scalekg
    cache = state.caches.assessment_reports
    key = (assessment.id, state.kg.snapshot_hash)
    if key not in cache:
        if len(cache) > 256:
            cache.clear()
        cache[key] = analyse(state.kg, assessment)
    return cache[key]
