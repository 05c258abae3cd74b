"""``GET /health/store``: is the store answering now?

Store errors raised anywhere (graph/backends/base.py) are answered by the app-wide handlers of
``api/errors.py``: ``StoreUnavailableError`` (the SPARQL server is down or restarting, the on-disk
store is locked) 503 with ``Retry-After``; ``StoreFullError`` 507; ``StoreReadOnlyError`` 503.
Nothing already written is lost in any of these cases; the message says what to do.
"""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.responses import Response

from scalekg.graph.backends import StoreError

from .. import errors

router = APIRouter(tags=["health"])


@router.get("/health/store")
async def store_health(request: Request) -> Response:
    """Is the store answering now? 200 with the snapshot it holds, else 503."""
    state = request.app.state.scalekg
    store = state.store
    try:
        held = await run_in_threadpool(store.loaded_hash)
    except StoreError as exc:
        failure = errors.failure_for(exc)
        assert failure is not None
        failure.body["store"] = errors.store_name(request)
        return errors.render(request, failure)
    return JSONResponse(
        {
            "status": "ok",
            "store": errors.store_name(request),
            "kind": store.kind,
            "snapshot": held,
            "current": held == state.snapshot.hash,
        }
    )
