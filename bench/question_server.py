"""A server for the question benchmark over a synthetic graph: the ask and suggest routes of the
real app (api/routers/ask.py, with its ReadRoute and error handlers) over a graph loaded from an
N-Quads file, on 127.0.0.1.

    python -m bench.question_server DATA.nq PORT
"""

import sys
from pathlib import Path
from types import SimpleNamespace

import uvicorn
from fastapi import FastAPI

from bench.run_questions import kg_from_nquads
from scalekg.api import errors
from scalekg.api.routers import ask
from scalekg.api.state import Caches
from scalekg.graph.question import prepare


def app_for(path: Path) -> FastAPI:
    kg = kg_from_nquads(path)
    prepare(kg)
    app = FastAPI()
    app.state.scalekg = SimpleNamespace(
        kg=kg,
        caches=Caches(),
        etag=f'"{kg.snapshot_hash}"',
        snapshot=SimpleNamespace(hash=kg.snapshot_hash),
    )
    errors.install(app)
    app.include_router(ask.router)
    return app


def main(argv: list[str]) -> None:
    path, port = Path(argv[0]), int(argv[1])
    uvicorn.run(app_for(path), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
