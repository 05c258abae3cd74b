"""Typed errors of the SPARQL endpoint. The web layer maps each one to one HTTP status."""


class SparqlError(Exception):
    """Base class of every error the SPARQL library raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(SparqlError):
    """The query does not parse. ``line`` and ``column`` are 1-based when known (HTTP 400)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ForbiddenQueryError(SparqlError):
    """The query asks for something this endpoint never does: SERVICE, LOAD, an update, or a
    graph that is not in the dataset (HTTP 400)."""


class QueryTooComplexError(SparqlError):
    """The query nests too deeply, or has too many UNION branches or property-path steps, for
    the engine to evaluate safely; refused before any engine sees it (HTTP 400)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class TooManyQueriesError(SparqlError):
    """This client already has as many queries running as it may (HTTP 429, Retry-After)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class UpdateNotAllowedError(ForbiddenQueryError):
    """An update was sent but updates are not enabled for this caller (HTTP 403)."""


class QueryTimeoutError(SparqlError):
    """The query ran past the hard time limit; its worker process was killed (HTTP 504)."""

    def __init__(self, message: str, limit_s: float) -> None:
        super().__init__(message)
        self.limit_s = limit_s


class ExecutorBusyError(SparqlError):
    """No worker became free within the time limit: every worker is busy (HTTP 503)."""

    def __init__(self, message: str, limit_s: float) -> None:
        super().__init__(message)
        self.limit_s = limit_s


class QueryMemoryError(SparqlError):
    """The query needed more memory than a worker may use; its worker was replaced (HTTP 422)."""

    def __init__(self, message: str, limit_mb: int | None) -> None:
        super().__init__(message)
        self.limit_mb = limit_mb


class NotAcceptableError(SparqlError):
    """No supported media type matches the Accept header or ``format=`` (HTTP 406)."""

    def __init__(self, message: str, supported: list[str]) -> None:
        super().__init__(message)
        self.supported = supported


class UpdateFailedError(SparqlError):
    """The store refused an update, for example CLEAR of a graph that does not exist (HTTP 400)."""


class QueryExecutionError(SparqlError):
    """The evaluation failed for another reason, for example a worker that died (HTTP 500)."""
