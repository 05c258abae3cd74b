"""The worker process that evaluates SPARQL: one in-memory pyoxigraph Store, one socket.

pyoxigraph cannot time out or cancel a query, so each query runs in a process like this one, and
the parent kills it when the time limit passes (``executor.py``). The worker:

- drops network access first, by moving into new user and network namespaces (Linux), so that
  even a SERVICE call that slipped past the guard cannot reach any host, loopback included;
- dies with its parent (``PR_SET_PDEATHSIG``) and caps its address space (``RLIMIT_AS``);
- receives the snapshot bytes from the parent (it opens no file), loads them, reports its graphs;
- then answers requests, one at a time, applying the row cap and serializing in place.

Wire format (``wire.py``), both ways: an 8-byte big-endian length, then a pickle. Only the parent
talks to it. Requests and replies are documented in ``executor.py``. The store is never updated:
embedded stores are read-only.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import time
from itertools import islice

from .wire import Reader, send_message

_POSITION = re.compile(r"(?:error at )?(\d+):(\d+)")


# ------------------------------------------------------------------------------ hardening


def drop_network() -> str:
    """Enter private network namespace(s): afterwards no socket can reach another host.

    Returns how it was done ("userns+netns", "netns") or "" when the kernel refused both."""
    if not sys.platform.startswith("linux"):
        return ""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return ""
    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    if libc.unshare(clone_newuser | clone_newnet) == 0:
        return "userns+netns"
    if libc.unshare(clone_newnet) == 0:  # root without user namespaces
        return "netns"
    return ""


def network_is_unreachable() -> bool:
    """Check the sandbox: connecting to the loopback interface must fail at once."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", 9))
    except OSError as exc:
        return exc.errno in (101, 99, 113)  # ENETUNREACH, EADDRNOTAVAIL, EHOSTUNREACH
    finally:
        s.close()
    return False


def die_with_parent(parent_pid: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


def yield_to_parent() -> None:
    """SCHED_BATCH: a worker woken by a request should not preempt the web process that sent it
    (the web process is the latency-critical one; on few cores they share a CPU)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


# ------------------------------------------------------------------------------ evaluation


def syntax_reply(exc: Exception) -> tuple:
    message = str(exc)
    m = _POSITION.search(message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return ("syntax", message, line, column)


# Every solution in SPARQL JSON results takes at least three bytes ("{}" and a comma), so a
# document of at most 3 x max_rows bytes holds at most max_rows solutions: the engine's own
# serialiser may write it whole (about 40 us less per query than ours, issue 15). It is stopped
# as soon as it writes more, and the query is then evaluated again with our row-capped writer.
_MIN_JSON_ROW_BYTES = 3


class _Overflow(Exception):
    pass


class _Capped:
    """A write target for pyoxigraph's serialiser that refuses more than ``limit`` bytes."""

    __slots__ = ("limit", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class Evaluator:
    def __init__(self, store, prefixes: dict[str, str]):
        import pyoxigraph as ox

        from . import formats

        self.ox = ox
        self.formats = formats
        self.store = store
        self.prefixes = prefixes
        self.result_formats = {
            formats.SPARQL_JSON: ox.QueryResultsFormat.JSON,
            formats.SPARQL_XML: ox.QueryResultsFormat.XML,
            formats.CSV: ox.QueryResultsFormat.CSV,
            formats.TSV: ox.QueryResultsFormat.TSV,
        }
        self.graph_formats = {
            formats.TURTLE: ox.RdfFormat.TURTLE,
            formats.N_TRIPLES: ox.RdfFormat.N_TRIPLES,
            formats.JSON_LD: ox.RdfFormat.JSON_LD,
            formats.RDF_XML: ox.RdfFormat.RDF_XML,
        }

    def query(
        self, text, base_iri, prefixes, union, default_graphs, named_graphs, media_type, max_rows
    ):
        ox = self.ox
        kwargs = {}
        if base_iri is not None:
            kwargs["base_iri"] = base_iri
        if prefixes:
            kwargs["prefixes"] = dict(prefixes)
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif union:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        result = self.store.query(text, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            body = ox.QueryBoolean.serialize(result, format=self.result_formats[media_type])
            return ("ok", "ASK", media_type, False, body)
        if isinstance(result, ox.QuerySolutions):
            if media_type == self.formats.SPARQL_JSON:
                body = self._engine_json(result, max_rows)
                if body is not None:
                    return ("ok", "SELECT", media_type, False, body)
                result = self.store.query(text, **kwargs)  # too long to prove under the cap
            variables = [v.value for v in result.variables]
            width = len(variables)
            rows = [tuple(sol[i] for i in range(width)) for sol in islice(result, max_rows + 1)]
            truncated = len(rows) > max_rows
            if truncated:
                del rows[max_rows:]
            body = self.formats.SELECT_SERIALIZERS[media_type](variables, rows)
            return ("ok", "SELECT", media_type, truncated, body)
        triples = list(islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        if truncated:
            del triples[max_rows:]
        body = ox.serialize(triples, format=self.graph_formats[media_type], prefixes=self.prefixes)
        if media_type == self.formats.RDF_XML:
            body = self.formats.xml_safe(body)
        return ("ok", "GRAPH", media_type, truncated, body)

    def _engine_json(self, result, max_rows: int) -> bytes | None:
        """The engine's JSON of a result provably within the row cap, else None."""
        out = _Capped(_MIN_JSON_ROW_BYTES * max_rows)
        try:
            result.serialize(out, format=self.ox.QueryResultsFormat.JSON)
        except _Overflow:
            return None
        except OSError:
            if out.size > out.limit:  # the overflow, wrapped by the engine
                return None
            raise
        return b"".join(out.parts)


def serve(sock: socket.socket, sandbox: str = "") -> None:
    reader = Reader(sock)
    init = reader.recv()
    limit_memory(init.get("memory_limit_mb"))
    if init.get("nice"):  # the slow lane: runaways yield the CPU to everything else
        with contextlib.suppress(OSError):
            os.nice(int(init["nice"]))
    import pyoxigraph as ox

    store = ox.Store()
    fmt = ox.RdfFormat.from_extension(init["extension"]) or ox.RdfFormat.N_QUADS
    if init["snapshot"]:
        store.bulk_load(init["snapshot"], format=fmt)
    sizes: dict[str, int] = {}
    counts = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g"
    )
    assert isinstance(counts, ox.QuerySolutions)  # a SELECT
    for g, n in counts:
        sizes[g.value if g is not None else ""] = int(n.value)
    evaluator = Evaluator(store, init.get("prefixes") or {})
    send_message(sock, ("ready", os.getpid(), sizes, sandbox, time.process_time()))
    del init
    while True:
        try:
            request = reader.recv()
        except EOFError:
            return
        op = request[0]
        try:
            if op == "query":
                _, text, base_iri, prefixes, union, dgs, ngs, media_type, max_rows = request
                reply = evaluator.query(
                    text, base_iri, prefixes, union, dgs, ngs, media_type, max_rows
                )
            elif op == "ping":
                reply = ("pong", os.getpid())
            else:
                reply = ("error", f"unknown request {op!r}")
        except SyntaxError as exc:
            reply = syntax_reply(exc)
        except MemoryError:
            send_message(sock, (("fatal", "the query ran out of memory"), time.process_time()))
            return  # start afresh: the parent replaces a worker that says "fatal"
        except Exception as exc:  # reported to the caller, the worker goes on
            reply = ("error", f"{type(exc).__name__}: {exc}")
        send_message(sock, (reply, time.process_time()))  # with the CPU time used so far


def main() -> None:
    fd, parent_pid, sandbox = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    die_with_parent(parent_pid)
    yield_to_parent()
    how = ""
    if sandbox:
        how = drop_network()
        if how and not network_is_unreachable():
            how = ""
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    try:
        serve(sock, sandbox=how)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
