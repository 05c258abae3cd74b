"""The read-only SPARQL 1.1 endpoint as a pure library: guard, formats, killable executor.

No web framework here; ``api/routers/sparql.py`` maps this to HTTP. The executor is imported
lazily so that the worker processes, which import this package, start fast.
"""

from .errors import (
    ExecutorBusyError,
    ForbiddenQueryError,
    NotAcceptableError,
    QueryExecutionError,
    QuerySyntaxError,
    QueryTimeoutError,
    SparqlError,
    UpdateFailedError,
    UpdateNotAllowedError,
)

__all__ = [
    "ExecutorBusyError",
    "ForbiddenQueryError",
    "NotAcceptableError",
    "QueryExecutionError",
    "QueryExecutor",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "SparqlError",
    "UpdateFailedError",
    "UpdateNotAllowedError",
]


def __getattr__(name: str):
    if name in ("QueryExecutor", "QueryResult"):
        from . import executor

        return getattr(executor, name)
    raise AttributeError(name)
