"""The SPARQL endpoint over a remote store: same interface as ``sparql.executor.QueryExecutor``.

``RemoteQueryExecutor(backend, timeout_s=, max_rows=).execute(query, accept=, fmt=, ...)`` runs
the same guard as the local executor (no SERVICE, no LOAD, no update, FROM only for our graphs),
then forwards the query to the server with the SPARQL 1.1 Protocol, so that the formats, the row
cap and the ``truncated`` flag are the same as with the embedded stores:

- SELECT/ASK are fetched as SPARQL JSON results, CONSTRUCT/DESCRIBE as N-Triples, then written
  in the negotiated format with at most ``max_rows`` rows (or triples); more sets ``truncated``.
- When the client asks for SPARQL JSON too, and the server's answer is SPARQL JSON within the
  row cap with no term we rewrite (``typed-literal``, blank nodes), its bytes are passed through
  as they are (the same results, in the server's own spacing): re-serialising them would cost
  more than the rest of the request.
- The dataset is the shipped graphs unless the request names some (``default-graph-uri``,
  ``named-graph-uri``, FROM): a server's own graphs (Virtuoso's system graphs) never show.
- Our default prefixes (skg:, kg:, skos: …) that the query uses without declaring them are
  declared in front of it, because the server does not know them (and BASE only when the query
  has relative IRIs).
- The time limit is enforced on our side (the HTTP read timeout); a server that stops the query
  itself (Virtuoso: HTTP 500 "S1T00", or HTTP 200 with ``X-SQL-State: S1TAT`` and partial
  results) gives the same QueryTimeoutError: partial results are never passed off as complete.
- The server down, or restarting: StoreUnavailableQueryError, a StoreUnavailableError (HTTP 503
  with ``{"error": "store unavailable", ...}``); the client reconnects when the server is back.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..sparql import formats
from ..sparql.errors import (
    ForbiddenQueryError,
    QueryExecutionError,
    QuerySyntaxError,
    QueryTimeoutError,
    UpdateNotAllowedError,
)
from ..sparql.executor import DEFAULT_BASE_IRI
from ..sparql.guard import check_dataset_params, check_query
from ..sparql.json_terms import JsonTerms
from ..sparql.result_cache import QueryResult
from .base import SHIPPED_GRAPHS, StoreError, StoreUnavailableError
from .remote import RemoteBackend
from .remote_protocol import (
    JSON_RESULTS,
    NTRIPLES,
    RemoteSyntaxError,
    RemoteTimeoutError,
    json_boolean,
)

# Stands for "no graph" in a protocol dataset: a server given no named-graph-uri would
# otherwise use all of its graphs.
NO_GRAPH = "urn:scalekg:no-graph"


class StoreUnavailableQueryError(StoreUnavailableError):
    """The remote store is down or restarting: HTTP 503 ``{"error": "store unavailable"}``.

    Deliberately not a SparqlError: the SPARQL router passes it on to the app's store error
    handler (api/errors.py), which answers with the store's own error body."""

    def __init__(self, message: str, limit_s: float = 0.0) -> None:
        super().__init__(message)
        self.limit_s = limit_s


_RESULT_FORMATS = {
    formats.SPARQL_JSON: ox.QueryResultsFormat.JSON,
    formats.SPARQL_XML: ox.QueryResultsFormat.XML,
    formats.CSV: ox.QueryResultsFormat.CSV,
    formats.TSV: ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    formats.TURTLE: ox.RdfFormat.TURTLE,
    formats.N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    formats.JSON_LD: ox.RdfFormat.JSON_LD,
    formats.RDF_XML: ox.RdfFormat.RDF_XML,
}


@dataclass(slots=True)
class _Request:
    """One query on its way to the store: what the guard found, and what is sent."""

    info: Any
    media_type: str
    query: str
    text: str
    started: float
    args: tuple
    kwargs: dict


class RemoteQueryExecutor:
    """Guarded SPARQL queries forwarded to a remote store, with a time limit and a row cap."""

    def __init__(
        self,
        backend: RemoteBackend,
        *,
        timeout_s: float,
        max_rows: int,
        known_graphs: tuple[str, ...] = SHIPPED_GRAPHS,
        prefixes: dict[str, str] | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
        workers: int | None = None,  # accepted for interface parity; the server does the work
    ) -> None:
        self.backend = backend
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.known_graphs = frozenset(known_graphs)
        self.default_graphs = tuple(known_graphs)
        self.prefixes = dict(PREFIXES if prefixes is None else prefixes)
        # every default prefix (for updates); queries get only those they use (_prologue)
        self.prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items())
        self._prologues: dict[tuple, str] = {}
        self.base_iri = base_iri
        self.workers = workers or 1
        self.stats = {
            "queries": 0,
            "timeouts": 0,
            "errors": 0,
            "unavailable": 0,
            "passed_through": 0,
        }
        self.graph_sizes: dict[str, int] = {}
        # Sizes for the service description; none while the store is down.
        with contextlib.suppress(StoreError):
            self.graph_sizes = {g: backend.count(g) for g in self.default_graphs}

    @property
    def graphs(self) -> frozenset[str]:
        return self.known_graphs

    def _dataset(
        self, info: Any, default_graph_uris: tuple[str, ...], named_graph_uris: tuple[str, ...]
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """The protocol dataset to send, with the local executor's semantics."""
        if default_graph_uris or named_graph_uris:  # the request's dataset replaces all
            return default_graph_uris or (NO_GRAPH,), named_graph_uris or (NO_GRAPH,)
        if info.default_graphs or info.named_graphs:  # FROM / FROM NAMED in the query
            return None, None
        return self.default_graphs, self.default_graphs  # the union of the shipped graphs

    def _prepare(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        """Guard (once per request; the verdict is cached by query text), negotiate, and write
        the text to send: the query, after a BASE only when it has relative IRIs and the PREFIX
        declarations of only those default prefixes it uses without declaring (a short request
        is cheaper to send and for the server to parse)."""
        base = base_iri or self.base_iri
        info = check_query(
            query, known_graphs=self.known_graphs, base_iri=base, prefixes=self.prefixes
        )
        default_graph_uris = tuple(default_graph_uris or ())
        named_graph_uris = tuple(named_graph_uris or ())
        check_dataset_params(default_graph_uris, named_graph_uris, self.known_graphs)
        media_type = formats.negotiate(info.form, accept, fmt)
        defaults, named = self._dataset(info, default_graph_uris, named_graph_uris)
        text = self._prologue(info, base) + query
        return info, media_type, text, defaults, named

    def _prologue(self, info: Any, base: str) -> str:
        key = (info.relative_iris, info.undeclared_prefixes, base)
        cached = self._prologues.get(key)
        if cached is None:
            cached = f"BASE <{base}>\n" if info.relative_iris else ""
            cached += "".join(
                f"PREFIX {p}: <{self.prefixes[p]}>\n"
                for p in info.undeclared_prefixes
                if p in self.prefixes
            )
            if len(self._prologues) < 1024:
                self._prologues[key] = cached
        return cached

    def execute(
        self,
        query: str,
        *,
        accept: str | None = None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
        client: str | None = None,  # accepted for interface parity; the server limits clients
    ) -> QueryResult:
        """Run one read-only query on the remote store (at most about ``timeout_s``)."""
        request = self._request(query, accept, fmt, default_graph_uris, named_graph_uris, base_iri)
        try:
            response = self.backend.query_response(*request.args, **request.kwargs)
        except StoreError as exc:
            raise self._error(exc, request) from exc
        return self._result(request, response)

    def cached_answer(self, query: str, **kwargs: Any) -> None:
        """No answer cache here: the store answers every query (see QueryExecutor)."""
        return None

    async def aexecute(
        self,
        query: str,
        *,
        accept: str | None = None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
        client: str | None = None,
    ) -> QueryResult:
        """``execute`` for asyncio code: the round trip to the store runs on the event loop
        (``RemoteBackend.aquery_response``), so a handler neither blocks the loop nor pays a
        thread hand-off per query."""
        request = self._request(query, accept, fmt, default_graph_uris, named_graph_uris, base_iri)
        try:
            response = await self.backend.aquery_response(*request.args, **request.kwargs)
        except StoreError as exc:
            raise self._error(exc, request) from exc
        return self._result(request, response)

    def _request(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        info, media_type, text, defaults, named = self._prepare(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        self.stats["queries"] += 1
        graph_form = info.form not in ("SELECT", "ASK")
        return _Request(
            info=info,
            media_type=media_type,
            query=query,
            text=text,
            started=time.monotonic(),
            args=(text, NTRIPLES if graph_form else JSON_RESULTS),
            kwargs={"default_graphs": defaults, "named_graphs": named, "timeout": self.timeout_s},
        )

    def _error(self, exc: StoreError, request: _Request) -> Exception:
        """The endpoint's error for a store error (the caller raises it)."""
        if isinstance(exc, RemoteTimeoutError):
            self.stats["timeouts"] += 1
            return QueryTimeoutError(
                f"the query ran past the {self.timeout_s:g} s limit ({exc.message})",
                self.timeout_s,
            )
        if isinstance(exc, RemoteSyntaxError):
            shift = request.text.count("\n") - request.query.count("\n")
            return QuerySyntaxError(_shift_lines(exc.message, shift))
        if isinstance(exc, StoreUnavailableError):
            self.stats["unavailable"] += 1
            return StoreUnavailableQueryError(exc.message, self.timeout_s)
        self.stats["errors"] += 1
        return QueryExecutionError(exc.message)

    def _result(self, request: _Request, response) -> QueryResult:
        info, media_type = request.info, request.media_type
        try:
            if info.form not in ("SELECT", "ASK"):
                body, truncated = self._graph_body(response.content, media_type)
            else:
                content = response.content
                data = json.loads(content)
                if _passes_through(info.form, content, data, media_type, response, self.max_rows):
                    body, truncated = content, False
                    self.stats["passed_through"] += 1
                elif info.form == "ASK":
                    body, truncated = _boolean_body(json_boolean(data), media_type), False
                else:
                    body, truncated = self._select_body(data, media_type)
        except (ValueError, KeyError, SyntaxError) as exc:
            self.stats["errors"] += 1
            raise QueryExecutionError(f"the SPARQL store sent an unreadable answer: {exc}") from exc
        return QueryResult(
            body=body,
            media_type=media_type,
            truncated=truncated,
            query_type=info.form,
            row_limit=self.max_rows,
            elapsed_s=time.monotonic() - request.started,
        )

    def execute_update(self, update: str, *, base_iri: str | None = None) -> None:
        """Forward a guarded update to the remote store's update URL (the web layer has checked
        the update token). SERVICE and LOAD are refused; the store keeps it durably."""
        base = base_iri or self.base_iri
        info = check_query(
            update,
            known_graphs=self.known_graphs,
            base_iri=base,
            prefixes=self.prefixes,
            allow_update=True,
        )
        if not info.is_update:
            raise ForbiddenQueryError(f"this is a {info.form} query, not an update")
        if not self.backend.spec.update_url:
            raise UpdateNotAllowedError(
                "this remote store has no update= URL in its spec, so updates cannot be forwarded"
            )
        self.backend._update(self._prologue(info, base) + update)
        self.stats["updates"] = self.stats.get("updates", 0) + 1

    def _select_body(self, data: dict, media_type: str) -> tuple[bytes, bool]:
        variables = list(data.get("head", {}).get("vars", []))
        bindings = data.get("results", {}).get("bindings", [])
        truncated = len(bindings) > self.max_rows
        terms = JsonTerms()
        rows = [
            tuple(terms.term(b[v]) if v in b else None for v in variables)
            for b in bindings[: self.max_rows]
        ]
        return formats.SELECT_SERIALIZERS[media_type](variables, rows), truncated

    def _graph_body(self, content: bytes, media_type: str) -> tuple[bytes, bool]:
        triples: list[ox.Triple] = []
        truncated = False
        for t in ox.parse(content, format=ox.RdfFormat.N_TRIPLES):
            if len(triples) >= self.max_rows:
                truncated = True
                break
            triples.append(t)
        body = ox.serialize(triples, format=_GRAPH_FORMATS[media_type], prefixes=self.prefixes)
        return body or b"", truncated

    def close(self) -> None:
        """The backend owns the HTTP client; nothing to stop here."""


# Term shapes the client must not see as the server wrote them: the 2008 "typed-literal" (SPARQL
# 1.1 says "literal" with a datatype) and blank node labels (ours are rewritten to be valid and
# stable, see _Terms).
_REWRITTEN_TERMS = (b'"typed-literal"', b'"bnode"')


def _passes_through(
    form: str, content: bytes, data: Any, media_type: str, response, max_rows: int
) -> bool:
    """Whether the server's SPARQL JSON answer can go to the client byte for byte.

    When the client wants SPARQL JSON too, re-serialising (terms, then JSON) cost about as much
    API CPU as the rest of the request (issue 15). The server's bytes are sent as they are when they are SPARQL JSON
    results of a SELECT (``head.vars`` and ``results.bindings``) within the row cap, with no term
    that we rewrite. Otherwise the caller re-serialises."""
    if media_type != formats.SPARQL_JSON or not isinstance(data, dict):
        return False
    if not response.headers.get("content-type", "").startswith(formats.SPARQL_JSON):
        return False
    if form != "SELECT":  # ASK: always ours, {"head": {}, "boolean": …} (Virtuoso's varies)
        return False
    head, results = data.get("head"), data.get("results")
    if not isinstance(head, dict) or not isinstance(results, dict):
        return False
    bindings = results.get("bindings")
    if not isinstance(head.get("vars"), list) or not isinstance(bindings, list):
        return False
    return len(bindings) <= max_rows and not any(t in content for t in _REWRITTEN_TERMS)


def _boolean_body(value: bool, media_type: str) -> bytes:
    doc = json.dumps({"head": {}, "boolean": value}).encode()
    parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
    body = parsed.serialize(format=_RESULT_FORMATS[media_type])
    assert body is not None  # with no output file, serialize returns the bytes
    return body


def _shift_lines(message: str, offset: int) -> str:
    """Line numbers in the server's message, counted in the user's query (not our prologue)."""
    return re.sub(
        r"\bline (\d+)",
        lambda m: f"line {max(int(m.group(1)) - offset, 1)}",
        message,
    )
