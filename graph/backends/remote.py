"""A remote SPARQL 1.1 store (``sparql:QUERY_URL[,update=URL][,gsp=URL]``), over httpx.

- **Reads**: the SPARQL 1.1 Protocol, POST with a form-encoded ``query`` (every server takes it;
  Virtuoso 7.2 hangs on a raw ``application/sparql-query`` body). The Accept header is always set
  explicitly. The default graph is the union of the three shipped graphs, passed as
  ``default-graph-uri`` parameters, so a server's own system graphs never leak into answers.
- **Writes**: the Graph Store Protocol when ``gsp=`` is given (PUT per named graph, then POSTs
  for the rest of a big graph, in chunks that never split a blank node), else SPARQL Update in
  batches of at most ``INSERT_BATCH`` triples (Virtuoso fails above about 1,000 per INSERT DATA).
- **Auth**: Digest (Virtuoso's choice) or Basic, from settings / environment only
  (SCALEKG_STORE_USER, SCALEKG_STORE_PASSWORD, SCALEKG_STORE_AUTH); never from the command line.
- **Transport**: httpx, except form-encoded query POSTs to an ``http://`` query URL, which go
  through a pool of keep-alive http.client connections (``query_pool.py``, about 350 µs less
  CPU per query); a server that answers 401 to a read moves reads back to httpx and its auth.
- **Failures**: a refused or dropped connection, a 502/503/504, or a timeout while pinging gives
  ``StoreUnavailableError`` (HTTP 503 upstream). Connections are pooled and re-opened on demand,
  and an idempotent request that meets a connection closed by a restarted server is retried
  once, so the client reconnects by itself when the server comes back.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pyoxigraph as ox

from ..assessment.remote_repository import RemoteAssessmentRepository
from ..sparql import json_terms
from ..store import Row
from .base import (
    LOADED_HASH_QUERY,
    LOADED_SNAPSHOT,
    META_GRAPH,
    META_SUBJECT,
    SHIPPED_GRAPHS,
    Bindings,
    LoadReport,
    SnapshotRef,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
    TermRow,
    chunk_triples,
    snapshot_quads,
    sorted_triples,
    triples_to_ntriples,
)
from .query_pool import AsyncQueryPool, QueryPool, pool_usable
from .remote_protocol import (
    GSP_CHUNK,
    INSERT_BATCH,
    JSON_RESULTS,
    NTRIPLES,
    RETRYABLE,
    RemoteAuthError,
    RemoteQueryError,
    RemoteSpec,
    RemoteSyntaxError,
    RemoteTimeoutError,
    auth_for,
    bound,
    json_boolean,
    looks_like_timeout,
    query_form,
    short_text,
    timeout_error,
)


class RemoteBackend:
    """A SPARQL 1.1 server: Virtuoso, Fuseki, GraphDB, QLever, Oxigraph server…"""

    kind = "sparql"

    def __init__(
        self,
        spec: RemoteSpec,
        *,
        user: str | None = None,
        password: str | None = None,
        auth: str = "digest",
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        max_connections: int = 32,
    ):
        self.spec = spec
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._auth = auth_for(user, password, auth)
        self._has_credentials = bool(user)
        transport = httpx.HTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            # small requests on kept-alive connections: do not wait for ACKs (Nagle)
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self._client = httpx.Client(
            auth=self._auth,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={"User-Agent": "scalekg"},
            follow_redirects=False,
        )
        self._lock = threading.Lock()
        self.requests = 0
        # Queries go through a pool of http.client connections (query_pool.py: cheaper per
        # request than httpx); httpx keeps auth, writes, and reads that need credentials.
        usable = pool_usable(spec.query_url)
        self._query_pool = QueryPool(spec.query_url) if usable else None
        self._async_pool = AsyncQueryPool(spec.query_url) if usable else None

    # -- naming -------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        text = f"sparql:{self.spec.query_url}"
        if self.spec.update_url:
            text += f",update={self.spec.update_url}"
        if self.spec.gsp_url:
            text += f",gsp={self.spec.gsp_url}"
        return text

    def __repr__(self) -> str:
        return f"<RemoteBackend {self.description}>"

    # -- transport ----------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        timeout: float | None = None,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request; retried once when a pooled connection turns out to be dead."""
        t = self.timeout if timeout is None else timeout
        kwargs.setdefault("timeout", httpx.Timeout(t, connect=min(self.connect_timeout, t)))
        attempts = 2 if idempotent else 1
        for attempt in range(attempts):
            try:
                self.requests += 1
                return self._request(method, url, **kwargs)
            except RETRYABLE as exc:
                if attempt + 1 < attempts:
                    continue
                raise self._unavailable(exc, url) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise self._unavailable(exc, url) from exc
        raise AssertionError("unreachable")

    def _unavailable(self, exc: httpx.TransportError, url: str) -> StoreUnavailableError:
        """The StoreUnavailableError of a transport failure (dropped, refused, pool full)."""
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return StoreUnavailableError(
                f"the SPARQL store at {self._host(url)} is unreachable "
                f"({type(exc).__name__}: {exc}). Retry when it is back."
            )
        if isinstance(exc, httpx.PoolTimeout):
            return StoreUnavailableError(
                f"no free connection to the SPARQL store at {self._host(url)}: too many "
                "requests in flight."
            )
        return StoreUnavailableError(
            f"the SPARQL store at {self._host(url)} dropped the connection ({type(exc).__name__}); "
            "it may be restarting. Retry in a moment."
        )

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        pool = self._query_pool
        if pool is not None and method == "POST" and url == pool.url and "data" in kwargs:
            response = pool.post_form(
                kwargs["data"], headers=kwargs.get("headers") or {}, timeout=kwargs["timeout"]
            )
            if response.status_code != 401 or self._auth is None:
                return response
            self._reads_need_auth()
        return self._client.request(method, url, **kwargs)

    def _reads_need_auth(self) -> None:
        """The server wants credentials even to read: from now on, httpx (Digest / Basic)."""
        pools, self._query_pool, self._async_pool = (self._query_pool, self._async_pool), None, None
        for pool in pools:
            if pool is not None:
                pool.close()

    @staticmethod
    def _host(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        status = response.status_code
        if status < 300:
            return response
        body = response.text
        where = self._host(str(response.request.url))
        if status in (401, 403):
            if not self._has_credentials:
                raise StoreReadOnlyError(
                    f"the SPARQL store at {where} refused to {what} without credentials "
                    f"(HTTP {status}); set SCALEKG_STORE_USER and SCALEKG_STORE_PASSWORD."
                )
            raise RemoteAuthError(
                f"the SPARQL store at {where} refused our credentials to {what} (HTTP {status}); "
                "check SCALEKG_STORE_USER, SCALEKG_STORE_PASSWORD and SCALEKG_STORE_AUTH "
                "(digest or basic)."
            )
        if status in (502, 503) or (status == 504 and not looks_like_timeout(status, body)):
            raise StoreUnavailableError(
                f"the SPARQL store at {where} is unavailable (HTTP {status}): {short_text(body)}"
            )
        if status == 507 or "no space left" in body.lower() or "disk full" in body.lower():
            raise StoreFullError(f"the SPARQL store at {where} is full: {short_text(body)}")
        if looks_like_timeout(status, body):
            raise RemoteTimeoutError(
                f"the SPARQL store at {where} stopped the query at its own time limit: "
                f"{short_text(body)}",
                self.timeout,
            )
        if status == 400:
            raise RemoteSyntaxError(
                f"the SPARQL store at {where} rejected the request: {short_text(body)}",
                status,
                body,
            )
        raise RemoteQueryError(
            f"the SPARQL store at {where} failed to {what} (HTTP {status}): {short_text(body)}",
            status,
            body,
        )

    def query_response(
        self,
        query: str,
        accept: str,
        *,
        default_graphs: Iterable[str] | None = SHIPPED_GRAPHS,
        named_graphs: Iterable[str] | None = None,
        timeout: float | None = None,
        extra_params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a query; the checked response (raises the typed errors above)."""
        data = query_form(query, default_graphs, named_graphs, extra_params)
        limit = self.timeout if timeout is None else timeout
        try:
            response = self._send(
                "POST",
                self.spec.query_url,
                data=data,
                headers={"Accept": accept},
                timeout=limit,
            )
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            raise timeout_error(exc, limit) from exc
        return self._checked_answer(response, limit)

    async def aquery_response(
        self,
        query: str,
        accept: str,
        *,
        default_graphs: Iterable[str] | None = SHIPPED_GRAPHS,
        named_graphs: Iterable[str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """``query_response`` for asyncio code: on the running event loop, with no thread, over
        the async keep-alive pool (query_pool.py); in a worker thread when the pool cannot
        carry it (https, a proxy, a server that wants credentials to read)."""
        pool = self._async_pool
        if pool is None:
            return await anyio.to_thread.run_sync(
                functools.partial(
                    self.query_response,
                    query,
                    accept,
                    default_graphs=default_graphs,
                    named_graphs=named_graphs,
                    timeout=timeout,
                )
            )
        data = query_form(query, default_graphs, named_graphs, None)
        limit = self.timeout if timeout is None else timeout
        self.requests += 1
        try:
            response = await pool.apost_form(
                data,
                headers={"Accept": accept},
                timeout=httpx.Timeout(limit, connect=min(self.connect_timeout, limit)),
            )
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            raise timeout_error(exc, limit) from exc
        except httpx.TransportError as exc:
            raise self._unavailable(exc, pool.url) from exc
        if response.status_code == 401 and self._auth is not None:
            self._reads_need_auth()
            return await self.aquery_response(
                query, accept, default_graphs=default_graphs, named_graphs=named_graphs,
                timeout=timeout,
            )  # fmt: skip
        return self._checked_answer(response, limit)

    def _checked_answer(self, response: httpx.Response, limit: float) -> httpx.Response:
        self._check(response, "answer a query")
        if response.headers.get("x-sql-state", "").upper() == "S1TAT":
            # Virtuoso's "anytime" answer: partial results, flagged only in a header.
            raise RemoteTimeoutError(
                "the SPARQL store returned incomplete results after its time limit "
                f"({short_text(response.headers.get('x-sql-message', ''), 120)})",
                limit,
                partial=True,
            )
        return response

    # -- reads --------------------------------------------------------------------------------

    def select_json(self, query: str, **kwargs: Any) -> dict:
        response = self.query_response(query, JSON_RESULTS, **kwargs)
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise RemoteQueryError(
                f"the SPARQL store sent results that are not JSON: {short_text(response.text, 120)}",
                response.status_code,
            ) from exc

    def select(self, query: str, **kwargs: Any) -> list[Row]:
        try:
            data = self.select_json(query, **kwargs)
        except RemoteTimeoutError as exc:
            raise StoreUnavailableError(f"the SPARQL store is too slow: {exc.message}") from exc
        names = data.get("head", {}).get("vars", [])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            rows.append({n: binding[n]["value"] for n in names if n in binding})
        return rows

    def select_terms(self, query: str, bind: Bindings | None = None) -> list[TermRow]:
        """A SELECT over the shipped graphs; rows of RDF terms (one converter: json_terms)."""
        return json_terms.rows(self.select_json(bound(query, bind)))

    def construct(self, query: str, bind: Bindings | None = None) -> list[ox.Triple]:
        """A CONSTRUCT over the shipped graphs with ``bind`` applied; sorted, no duplicates."""
        response = self.query_response(bound(query, bind), NTRIPLES)
        return sorted_triples(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))

    def ask(self, query: str, **kwargs: Any) -> bool:
        return json_boolean(self.select_json(query, **kwargs))

    def loaded_hash(self) -> str | None:
        rows = self.select(LOADED_HASH_QUERY, default_graphs=None)
        return rows[0]["h"] if rows else None

    def graph_names(self) -> list[str]:
        rows = self.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=None
        )
        return sorted(r["g"] for r in rows if "g" in r)

    def count(self, graph: str) -> int:
        rows = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
            default_graphs=None,
        )
        return int(rows[0]["n"]) if rows else 0

    def ping(self, timeout: float = 2.0) -> None:
        try:
            self.query_response("ASK {}", JSON_RESULTS, default_graphs=None, timeout=timeout)
        except RemoteTimeoutError as exc:
            raise StoreUnavailableError(f"the SPARQL store does not answer: {exc.message}") from exc

    def get_graph(self, graph: str) -> list[ox.Triple]:
        """A named graph's triples, through CONSTRUCT (works on every server)."""
        response = self.query_response(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
            NTRIPLES,
            default_graphs=None,
        )
        return list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))

    # -- writes -------------------------------------------------------------------------------

    def _need_writes(self) -> None:
        if not (self.spec.gsp_url or self.spec.update_url):
            raise StoreReadOnlyError(
                "this sparql: store has no update= or gsp= URL, so ScaleKG cannot write to it; "
                "add one to the store spec (for Virtuoso: gsp=http://HOST:PORT/sparql-graph-crud-auth)"
            )

    def _update(self, update: str) -> None:
        assert self.spec.update_url
        try:
            response = self._send(
                "POST",
                self.spec.update_url,
                data={"update": update},
                headers={"Accept": f"{JSON_RESULTS}, text/plain;q=0.5, */*;q=0.1"},
                idempotent=False,
            )
        except httpx.TimeoutException as exc:
            raise StoreUnavailableError(
                f"the SPARQL store did not finish an update: {exc}"
            ) from exc
        self._check(response, "apply an update")

    def _gsp(self, method: str, graph: str, body: bytes | None = None) -> httpx.Response:
        assert self.spec.gsp_url
        headers = {"Accept": "*/*"}
        if body is not None:
            headers["Content-Type"] = NTRIPLES
        try:
            response = self._send(
                method,
                self.spec.gsp_url,
                params={"graph": graph},
                content=body,
                headers=headers,
                idempotent=method in ("PUT", "DELETE"),
            )
        except httpx.TimeoutException as exc:
            raise StoreUnavailableError(
                f"the SPARQL store did not finish a {method}: {exc}"
            ) from exc
        if method == "DELETE" and response.status_code == 404:
            return response
        return self._check(response, f"{method} a graph")

    def drop_graph(self, graph: str) -> None:
        self._need_writes()
        if self.spec.gsp_url:
            self._gsp("DELETE", graph)
        else:
            self._update(f"DROP SILENT GRAPH <{graph}>")

    def delete_graph(self, graph: str) -> bool:
        self._need_writes()
        if self.spec.gsp_url:
            return self._gsp("DELETE", graph).status_code != 404
        self._update(f"DROP SILENT GRAPH <{graph}>")
        return True

    def put_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """Replace one named graph. Returns the number of requests sent. A graph that fits in
        one request is replaced atomically (one PUT, or one DROP+INSERT update)."""
        self._need_writes()
        sent = 0
        if self.spec.gsp_url:
            first = True
            for batch in chunk_triples(triples, GSP_CHUNK):
                self._gsp("PUT" if first else "POST", graph, triples_to_ntriples(batch))
                first = False
                sent += 1
            if first:  # no triples: an empty graph is no graph
                self._gsp("DELETE", graph)
                sent += 1
            return sent
        first = True
        for batch in chunk_triples(triples, INSERT_BATCH):
            body = "\n".join(f"{t} ." for t in batch)
            prefix = f"DROP SILENT GRAPH <{graph}> ;\n" if first else ""
            if any(_has_bnode(t) for t in batch):
                # Blank nodes are not allowed in INSERT DATA on some servers (Virtuoso); in an
                # INSERT template with one empty solution they are one fresh node each.
                op = f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{}}"
            else:
                op = f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"
            self._update(prefix + op)
            first = False
            sent += 1
        if first:
            self._update(f"DROP SILENT GRAPH <{graph}>")
            sent += 1
        return sent

    def ensure_snapshot(self, snapshot: SnapshotRef, *, force: bool = False) -> LoadReport:
        """Push the snapshot: drop the marker, replace each shipped graph, write the marker last
        (so a load cut short is visible as "no snapshot loaded" and is simply redone)."""
        start = time.perf_counter()
        before = self.requests
        previous = self.loaded_hash()
        report = LoadReport(self.description, snapshot.hash, previous, loaded=False)
        if previous == snapshot.hash and not force:
            report.seconds = time.perf_counter() - start
            report.requests = self.requests - before
            return report
        self._need_writes()
        with self._lock:
            self.drop_graph(META_GRAPH)
            by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
            for quad in snapshot_quads(snapshot.path):
                g = quad.graph_name
                if isinstance(g, ox.NamedNode) and g.value in SHIPPED_GRAPHS:
                    by_graph[g.value].append(quad.triple)
            for graph in SHIPPED_GRAPHS:
                triples = by_graph.get(graph, [])
                self.put_graph(graph, triples)
                report.graphs[graph] = len(triples)
            marker = ox.Triple(
                ox.NamedNode(META_SUBJECT), ox.NamedNode(LOADED_SNAPSHOT), ox.Literal(snapshot.hash)
            )
            self.put_graph(META_GRAPH, [marker])
        report.loaded = True
        report.quads = sum(report.graphs.values())
        report.seconds = time.perf_counter() - start
        report.requests = self.requests - before
        return report

    def assessment_repository(self) -> RemoteAssessmentRepository:
        """Assessments as named graphs in this store (graph/assessment/remote_repository.py)."""
        return RemoteAssessmentRepository(self)

    def close(self) -> None:
        for pool in (self._query_pool, self._async_pool):
            if pool is not None:
                pool.close()
        self._client.close()


def _has_bnode(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
