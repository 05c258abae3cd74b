"""The SPARQL endpoint over a remote store: same interface as ``sparql.executor.QueryExecutor``.

``RemoteQueryExecutor(backend, timeout_s=, max_rows=).execute(query, accept=, fmt=, ...)`` runs
the same guard as the local executor (no SERVICE, no LOAD, no update, FROM only for our graphs),
then forwards the query to the server with the SPARQL 1.1 Protocol and re-serializes the answer
itself, so that the formats, the row cap and the ``truncated`` flag are the same as with the
embedded stores:

- SELECT/ASK are fetched as SPARQL JSON results, CONSTRUCT/DESCRIBE as N-Triples, then written
  in the negotiated format with at most ``max_rows`` rows (or triples); more sets ``truncated``.
- The dataset is the shipped graphs unless the request names some (``default-graph-uri``,
  ``named-graph-uri``, FROM): a server's own graphs (Virtuoso's system graphs) never show.
- Our default prefixes (skg:, kg:, skos: …) are declared in front of the query, because the
  server does not know them.
- The time limit is enforced on our side (the HTTP read timeout); a server that stops the query
  itself (Virtuoso: HTTP 500 "S1T00", or HTTP 200 with ``X-SQL-State: S1TAT`` and partial
  results) gives the same QueryTimeoutError: partial results are never passed off as complete.
- The server down, or restarting: StoreUnavailableQueryError, a StoreUnavailableError (HTTP 503
  with ``{"error": "store unavailable", ...}``); the client reconnects when the server is back.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import time
from typing import Any

import anyio
import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..sparql import formats
from ..sparql.errors import (
    QueryExecutionError,
    QuerySyntaxError,
    QueryTimeoutError,
    UpdateNotAllowedError,
)
from ..sparql.executor import DEFAULT_BASE_IRI, QueryResult
from ..sparql.guard import check_dataset_params, check_query
from .base import SHIPPED_GRAPHS, StoreError, StoreUnavailableError
from .remote import (
    JSON_RESULTS,
    NTRIPLES,
    RemoteBackend,
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


class _Terms:
    """SPARQL JSON terms to pyoxigraph terms; blank node labels made valid and stable."""

    def __init__(self) -> None:
        self.bnodes: dict[str, ox.BlankNode] = {}

    def bnode(self, label: str) -> ox.BlankNode:
        node = self.bnodes.get(label)
        if node is None:
            node = ox.BlankNode("b" + hashlib.sha1(label.encode()).hexdigest()[:16])
            self.bnodes[label] = node
        return node

    def term(self, t: dict) -> Any:
        kind = t.get("type")
        value = t.get("value", "")
        if kind == "uri":
            return ox.NamedNode(value)
        if kind in ("literal", "typed-literal"):
            lang = t.get("xml:lang")
            if lang:
                return ox.Literal(value, language=lang)
            dt = t.get("datatype")
            return ox.Literal(value, datatype=ox.NamedNode(dt)) if dt else ox.Literal(value)
        if kind == "bnode":
            return self.bnode(value)
        if kind == "triple":
            v = value
            return ox.Triple(
                self.term(v["subject"]), self.term(v["predicate"]), self.term(v["object"])
            )
        raise ValueError(f"unknown term type {kind!r}")


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
        self.prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items())
        self.base_iri = base_iri
        self.workers = workers or 1
        self.stats = {"queries": 0, "timeouts": 0, "errors": 0, "unavailable": 0}
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
        base = base_iri or self.base_iri
        info = check_query(
            query, known_graphs=self.known_graphs, base_iri=base, prefixes=self.prefixes
        )
        default_graph_uris = tuple(default_graph_uris or ())
        named_graph_uris = tuple(named_graph_uris or ())
        check_dataset_params(default_graph_uris, named_graph_uris, self.known_graphs)
        media_type = formats.negotiate(info.form, accept, fmt)
        defaults, named = self._dataset(info, default_graph_uris, named_graph_uris)
        text = f"BASE <{base}>\n{self.prologue}{query}"
        return info, media_type, text, defaults, named

    def execute(
        self,
        query: str,
        *,
        accept: str | None = None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run one read-only query on the remote store (at most about ``timeout_s``)."""
        info, media_type, text, defaults, named = self._prepare(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        started = time.monotonic()
        self.stats["queries"] += 1
        graph_form = info.form not in ("SELECT", "ASK")
        try:
            response = self.backend.query_response(
                text,
                NTRIPLES if graph_form else JSON_RESULTS,
                default_graphs=defaults,
                named_graphs=named,
                timeout=self.timeout_s,
            )
        except RemoteTimeoutError as exc:
            self.stats["timeouts"] += 1
            raise QueryTimeoutError(
                f"the query ran past the {self.timeout_s:g} s limit ({exc.message})",
                self.timeout_s,
            ) from exc
        except RemoteSyntaxError as exc:
            raise QuerySyntaxError(
                _shift_lines(exc.message, text.count("\n") - query.count("\n"))
            ) from exc
        except StoreUnavailableError as exc:
            self.stats["unavailable"] += 1
            raise StoreUnavailableQueryError(exc.message, self.timeout_s) from exc
        except StoreError as exc:
            self.stats["errors"] += 1
            raise QueryExecutionError(exc.message) from exc
        try:
            if graph_form:
                body, truncated = self._graph_body(response.content, media_type)
            else:
                data = json.loads(response.content)
                if info.form == "ASK":
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
            elapsed_s=time.monotonic() - started,
        )

    async def aexecute(self, query: str, **kwargs: Any) -> QueryResult:
        """``execute`` in a worker thread, so an async handler never blocks its event loop."""
        return await anyio.to_thread.run_sync(functools.partial(self.execute, query, **kwargs))

    def execute_update(self, update: str, *, base_iri: str | None = None) -> None:
        raise UpdateNotAllowedError(
            "SPARQL updates are not forwarded to the remote store: write to it with its own "
            "tools, or with `scalekg load --store …`."
        )

    @property
    def updates_applied(self) -> int:
        return 0

    def _select_body(self, data: dict, media_type: str) -> tuple[bytes, bool]:
        variables = list(data.get("head", {}).get("vars", []))
        bindings = data.get("results", {}).get("bindings", [])
        truncated = len(bindings) > self.max_rows
        terms = _Terms()
        rows = [
            tuple(terms.term(b[v]) if v in b else None for v in variables)
            for b in bindings[: self.max_rows]
        ]
        return formats.SELECT_SERIALIZERS[media_type](variables, rows), truncated

    def _graph_body(self, content: bytes, media_type: str) -> tuple[bytes, bool]:
        triples = []
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


def _boolean_body(value: bool, media_type: str) -> bytes:
    doc = json.dumps({"head": {}, "boolean": value}).encode()
    parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=_RESULT_FORMATS[media_type])


def _shift_lines(message: str, offset: int) -> str:
    """Line numbers in the server's message, counted in the user's query (not our prologue)."""
    return re.sub(
        r"\bline (\d+)",
        lambda m: f"line {max(int(m.group(1)) - offset, 1)}",
        message,
    )
