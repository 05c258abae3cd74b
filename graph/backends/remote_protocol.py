"""The SPARQL 1.1 Protocol as a remote store speaks it: the store spec, the typed errors, the
query form, bound values, and the quirks of real servers' answers. No connection is made here
(remote.py is the client).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from .base import Bindings, StoreError, StoreSpecError, StoreUnavailableError

JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
INSERT_BATCH = 500  # triples per INSERT DATA (Virtuoso's limit is about 1,000)
GSP_CHUNK = 50_000  # triples per GSP request
RETRYABLE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, *RETRYABLE)


class RemoteQueryError(StoreError):
    """The server refused or failed the query (its status and message are kept)."""

    def __init__(self, message: str, status_code: int, body: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class RemoteSyntaxError(RemoteQueryError):
    """The server says the query is malformed (HTTP 400)."""


class RemoteTimeoutError(StoreError):
    """The query ran past the time limit (client timeout, or the server's own limit)."""

    def __init__(self, message: str, limit_s: float, partial: bool = False):
        super().__init__(message)
        self.limit_s = limit_s
        self.partial = partial


class RemoteAuthError(StoreError):
    """The server refused our credentials."""

    status = 502
    kind = "store auth failed"


@dataclass(frozen=True)
class RemoteSpec:
    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None

    @classmethod
    def parse(cls, text: str) -> RemoteSpec:
        """``QUERY_URL[,update=URL][,gsp=URL]`` (the part after ``sparql:``)."""
        parts = [p.strip() for p in text.split(",")]
        if not parts or not parts[0]:
            raise StoreSpecError(
                "sparql: needs a query URL, e.g. sparql:http://127.0.0.1:8890/sparql"
                ",update=http://127.0.0.1:8890/sparql-auth,gsp=http://127.0.0.1:8890/sparql-graph-crud-auth"
            )
        query_url = _check_url(parts[0], "query")
        extra: dict[str, str] = {}
        for part in parts[1:]:
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            if not sep or key not in ("update", "gsp"):
                raise StoreSpecError(
                    f"unknown option {part!r} in the sparql: store spec; the options are "
                    "update=URL and gsp=URL"
                )
            if key in extra:
                raise StoreSpecError(f"{key}= is given twice in the sparql: store spec")
            extra[key] = _check_url(value.strip(), key)
        return cls(query_url, extra.get("update"), extra.get("gsp"))


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StoreSpecError(f"the {what} URL {url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise StoreSpecError(
            f"the {what} URL carries credentials; put them in SCALEKG_STORE_USER and "
            "SCALEKG_STORE_PASSWORD instead"
        )
    return url


def auth_for(user: str | None, password: str | None, scheme: str) -> httpx.Auth | None:
    if not user:
        return None
    scheme = (scheme or "digest").lower()
    if scheme == "digest":
        return httpx.DigestAuth(user, password or "")
    if scheme == "basic":
        return httpx.BasicAuth(user, password or "")
    raise StoreSpecError(f"SCALEKG_STORE_AUTH must be digest or basic, not {scheme!r}")


def short_text(text: str, limit: int = 300) -> str:
    text = text.split("SPARQL query:", 1)[0]  # Virtuoso echoes the whole query after this
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def looks_like_timeout(status: int, body: str) -> bool:
    lowered = body.lower()
    return status in (500, 503, 504) and any(
        s in lowered
        for s in ("s1t00", "timed out", "timeout", "time limit", "estimated execution time")
    )


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bound(query: str, bind: Bindings | None) -> str:
    """The query with ``bind`` (variable -> IRI) as a VALUES block opening its WHERE clause.

    The protocol has no parameter binding, so the values travel in the text, but only as IRIs
    serialised by pyoxigraph (which refuses any IRI that could break out of ``<…>``).
    """
    if not bind:
        return query
    found = _WHERE.search(query)
    if found is None:
        raise ValueError("a bound query needs a WHERE clause")
    values = " ".join(f"VALUES ?{name} {{ {ox.NamedNode(iri)} }}" for name, iri in bind.items())
    return f"{query[: found.end()]} {values}{query[found.end() :]}"


def query_form(
    query: str,
    default_graphs: Iterable[str] | None,
    named_graphs: Iterable[str] | None,
    extra_params: dict[str, str] | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"query": query}
    if default_graphs:
        data["default-graph-uri"] = list(default_graphs)
    if named_graphs:
        data["named-graph-uri"] = list(named_graphs)
    if extra_params:
        data.update(extra_params)
    return data


def timeout_error(exc: httpx.TimeoutException, limit: float) -> StoreError:
    if isinstance(exc, httpx.WriteTimeout):
        return StoreUnavailableError("timed out sending the query to the SPARQL store")
    return RemoteTimeoutError(f"the SPARQL store did not answer within {limit:g} s", limit)


def json_boolean(data: dict) -> bool:
    """The answer of an ASK in SPARQL JSON results. Virtuoso answers ASK with one row binding
    ``__ASK_RETVAL`` to 1 or 0 (or no row) instead of ``{"boolean": …}``."""
    if "boolean" in data:
        return bool(data["boolean"])
    bindings = data.get("results", {}).get("bindings", [])
    if not bindings:
        return False
    first = bindings[0]
    cell: dict[str, str] = next(iter(first.values()), {})
    value = cell.get("value", "0")
    return value not in ("0", "false", "")
