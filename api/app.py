"""The FastAPI application factory. Nothing is built at import time."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from scalekg.graph.backends import open_for_serving
from scalekg.graph.build import ensure_built
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.question import prepare as prepare_questions
from scalekg.graph.settings import Settings, get_settings

from .security import BodyLimit, ScopedCORS
from .state import AppState


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    snapshot = ensure_built(settings.build_dir)
    # The store backend (settings.store): loaded or refreshed if embedded, checked if remote.
    store, _ = open_for_serving(settings, snapshot)
    kg = KnowledgeGraph.from_store(store.select, snapshot.hash)
    prepare_questions(kg)  # the question reader's indexes, built once, not by the first question
    state = AppState(settings=settings, snapshot=snapshot, kg=kg, store=store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if state.executor is not None:
            state.executor.close()
        state.store.close()

    app = FastAPI(
        title="ScaleKG",
        version="0.1.0",
        description="A sourced knowledge graph of how engineering organisations scale, and why they fail to.",
        lifespan=lifespan,
        docs_url=None,  # served offline by docs_page.install
        redoc_url=None,
        redirect_slashes=False,  # api/errors.py redirects with a relative Location (no Host)
    )
    app.state.scalekg = state
    # CORS: wildcard for the read-only routes, never on the assessment routes (api/security.py).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # 413 in the error shape
    app.add_middleware(ScopedCORS, settings=settings)
    from . import errors
    from .routers import store_errors

    errors.install(app)  # one error path: every 4xx/5xx as {error, message, ...} or an HTML page
    app.include_router(store_errors.router)  # GET /health/store
    _install_routers(app, state)
    from scalekg.graph.assessment.model import AssessmentDocument

    from . import docs_page, openapi

    openapi.install(app, models=(AssessmentDocument,))  # errors, bodies, redirects documented
    docs_page.install(app)
    return app


def _install_routers(app: FastAPI, state: AppState) -> None:
    from .routers import (
        analysis,
        ask,
        ask_page,
        assessment_pages,
        assessments,
        concepts,
        health,
        home,
        linked_data,
        lookups,
        query_page,
        vocabulary,
    )
    from .routers.graph_page import router as graph_page_router

    # Routes are matched in order, and each included router walked costs this FastAPI a few µs:
    # the hottest read (/api/ask, /api/suggest) first (issue 15); /sparql goes before it below.
    app.include_router(ask.router)
    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(concepts.router)
    app.include_router(lookups.router)
    app.include_router(ask_page.router)
    app.include_router(analysis.router)
    app.include_router(linked_data.router)
    app.include_router(query_page.router)
    app.include_router(query_page.actions)
    app.include_router(vocabulary.router)
    app.include_router(graph_page_router)
    app.include_router(assessments.router)
    app.include_router(assessment_pages.router)
    _install_sparql(app, state)


def _install_sparql(app: FastAPI, state: AppState) -> None:
    from scalekg.graph.sparql.executor import QueryExecutor

    from .routers import sparql

    if state.store.kind == "sparql":  # forward guarded queries to the remote server
        from scalekg.graph.backends.remote_executor import RemoteQueryExecutor

        state.executor = RemoteQueryExecutor(
            state.store,
            timeout_s=state.settings.query_timeout,
            max_rows=state.settings.max_rows,
        )
    else:  # embedded stores: killable workers over the snapshot (same data as the store's
        # shipped graphs, by hash; they never open the on-disk store)
        s = state.settings
        state.executor = QueryExecutor(
            state.snapshot.path,
            workers=s.query_workers,
            slow_workers=s.query_slow_workers,
            timeout_s=s.query_timeout,
            fast_limit_s=s.query_fast_limit,
            max_rows=s.max_rows,
            memory_limit_mb=s.query_memory_mb or None,
            per_client=s.sparql_client_limit,
            slow_per_client=s.sparql_slow_client_limit,
        )
    routes = app.router.routes
    before = len(routes)
    app.include_router(sparql.router)
    # /sparql first: routes are matched in order, and walking every router before it cost the
    # hot path about 50 µs per request (issue 15); no other route matches /sparql.
    routes[0:0] = [routes.pop(before) for _ in range(len(routes) - before)]


def create_app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` (used by ``scalekg serve``, also with several workers)."""
    from scalekg.graph.backends import StoreError

    settings = get_settings()
    if settings.workers > 1:
        _tcp_nodelay_on_server_socket(settings.port)
    try:
        return create_app(settings)
    except StoreError as exc:
        # A store that cannot be opened (bad spec, unreachable, not loaded, locked) fails the
        # same way in every worker: exit with uvicorn's STARTUP_FAILURE (3) so that it stops,
        # rather than restarting the workers forever.
        logging.getLogger("uvicorn.error").error("cannot start: %s: %s", exc.kind, exc.message)
        raise SystemExit(3) from exc


def _tcp_nodelay_on_server_socket(port: int) -> None:
    """Set TCP_NODELAY on the server socket a uvicorn worker inherited (on Linux, accepted
    connections inherit it).

    With ``--workers N`` uvicorn binds that socket in the parent without ``IPPROTO_TCP``, so
    asyncio never sets TCP_NODELAY on the connections, and on keep-alive connections every
    response waits about 40 ms (Nagle's algorithm against delayed ACKs): measured 180 req/s with
    2 workers against 4,000 with 1. With one worker uvicorn opens the socket itself, correctly.
    The worker's copy is bound but not yet listening when the app factory runs."""
    import os
    import socket

    if not os.path.isdir("/proc/self/fd"):
        return
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue
        try:
            if (
                sock.type == socket.SOCK_STREAM
                and sock.family in (socket.AF_INET, socket.AF_INET6)
                and sock.getsockname()[1] == port
            ):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        finally:
            sock.close()
