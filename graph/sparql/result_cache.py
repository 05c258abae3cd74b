"""A query's answer (``QueryResult``) and the cache of answers already computed.

The snapshot does not change while the server runs (SPARQL updates are not applied to embedded
stores), so an answer stays right for the life of the process. Queries using NOW(), RAND(),
UUID(), STRUUID() or BNODE() are never cached (the guard says which), nor are errors, timeouts or
answers larger than ``max_entry`` bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(slots=True)
class QueryResult:
    body: bytes
    media_type: str
    truncated: bool
    query_type: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    row_limit: int = 0
    elapsed_s: float = 0.0
    cached: bool = False


def _size(key: tuple, result: QueryResult) -> int:
    return len(result.body) + len(key[0]) + 200


class ResultCache:
    """Answers by (query, plan): LRU, bounded in bytes, safe across threads."""

    def __init__(self, max_bytes: int, max_entry: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self._entries: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> QueryResult | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: tuple, result: QueryResult) -> None:
        size = _size(key, result)
        if size > self.max_entry:
            return
        cached = QueryResult(
            result.body, result.media_type, result.truncated, result.query_type,
            result.row_limit, 0.0, True,
        )  # fmt: skip
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= _size(key, old)
            self._entries[key] = cached
            self._size += size
            while self._size > self.max_bytes and self._entries:
                k, v = self._entries.popitem(last=False)
                self._size -= _size(k, v)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)
