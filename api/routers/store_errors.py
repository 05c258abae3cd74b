"""Store errors as HTTP answers, and ``GET /health/store``.

``install(app)`` registers one handler for every ``StoreError`` (graph/backends/base.py):

- ``StoreUnavailableError`` (the SPARQL server is down or restarting, the on-disk store is
  locked): 503 ``{"error": "store unavailable", "message": ..., "store": ...}`` with
  ``Retry-After``;
- ``StoreFullError``: 507 ``{"error": "store full", ...}``;
- ``StoreReadOnlyError``: 503 ``{"error": "store read-only", ...}``.

Nothing already written is lost in any of these cases; the message says what to do.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from scalekg.graph.backends import StoreError, StoreUnavailableError

router = APIRouter(tags=["health"])

RETRY_AFTER_S = "2"


def _store_name(request: Request) -> str:
    store = getattr(request.app.state.scalekg, "store", None)
    return getattr(store, "description", "") or request.app.state.scalekg.settings.store


def store_error_response(request: Request, exc: StoreError) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_S} if isinstance(exc, StoreUnavailableError) else None
    return JSONResponse(
        {"error": exc.kind, "message": exc.message, "store": _store_name(request)},
        status_code=exc.status,
        headers=headers,
    )


@router.get("/health/store")
async def store_health(request: Request) -> JSONResponse:
    """Is the store answering now? 200 with the snapshot it holds, else 503."""
    state = request.app.state.scalekg
    store = state.store
    try:
        held = await run_in_threadpool(store.loaded_hash)
    except StoreError as exc:
        return store_error_response(request, exc)
    return JSONResponse(
        {
            "status": "ok",
            "store": _store_name(request),
            "kind": store.kind,
            "snapshot": held,
            "current": held == state.snapshot.hash,
        }
    )


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StoreError)
        return store_error_response(request, exc)

    app.add_exception_handler(StoreError, handle)
    app.include_router(router)
