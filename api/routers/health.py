"""``/health``: liveness, with the snapshot hash."""

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> dict:
    state = request.app.state.scalekg
    return {"status": "ok", "snapshot": state.snapshot.hash, "store": state.settings.store}
