"""``/health``: liveness, with the snapshot hash and the SPARQL executor's counters."""

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> dict:
    """Liveness; ``sparql`` counts queries, timeouts, moves to the slow lane, worker restarts
    (every kill) and deaths (a worker that exited on its own), and refused clients."""
    state = request.app.state.scalekg
    executor = state.executor
    stats = dict(getattr(executor, "stats", {}) or {}) if executor is not None else {}
    return {
        "status": "ok",
        "snapshot": state.snapshot.hash,
        "store": state.settings.store,
        "sparql": stats,
    }
