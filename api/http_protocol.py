"""uvicorn's HTTP/1.1 protocols with a header timeout: idle and slowloris connections are closed.

uvicorn closes a kept-alive connection that stays idle for ``timeout_keep_alive`` seconds after a
response, but it has no limit on how long a client may take to *send* a request: a connection
that sends nothing, or one header byte now and then, stays open forever. Here a client has
``header_timeout`` seconds (settings) from the moment the connection opens, or from its first
byte after a response, to finish a request's headers; then the connection is closed.

``protocol_class()`` is what ``scalekg serve`` gives uvicorn: the httptools parser when it is
installed (as uvicorn's "auto" would pick), else h11, each with the timeout.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from scalekg.graph.settings import get_settings

_TIMEOUT: list[float] = []  # the header timeout, read from the settings on first use


class HeaderTimeout:
    """The header timeout, for a uvicorn HTTP protocol class (mixed in before it)."""

    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: Any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        if not _TIMEOUT:
            _TIMEOUT.append(get_settings().header_timeout)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(_TIMEOUT[0], self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm()  # a new request has started: its headers must arrive in time
        super().data_received(data)  # type: ignore[misc]
        if not self._waiting_for_headers():
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # Between requests uvicorn's keep-alive timeout applies; ours starts at the next byte.
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]


class GuardedH11Protocol(HeaderTimeout, H11Protocol):
    """h11 (pure Python) with the header timeout."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpToolsProtocol(HeaderTimeout, HttpToolsProtocol):
        """httptools (the C parser) with the header timeout."""

except ImportError:  # httptools is optional for uvicorn
    GuardedHttpToolsProtocol = None  # type: ignore[assignment,misc]


def protocol_class() -> type[asyncio.Protocol]:
    """httptools with the header timeout when httptools is installed, else h11."""
    return GuardedHttpToolsProtocol or GuardedH11Protocol
