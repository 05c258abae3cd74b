"""The framing between the web process and its SPARQL worker processes: an 8-byte big-endian
length, then a pickle, both ways, over a socket pair. Only the parent talks to a worker.

The worker's side is blocking (``Reader``, ``send_message``); the parent's side is non-blocking
(``Channel``): sync callers wait with ``select``, async callers register ``try_read`` with the
event loop (``add_reader``).
"""

from __future__ import annotations

import contextlib
import pickle
import select
import socket
import struct
import time

HEADER = struct.Struct("!Q")
CHUNK = 1 << 20


class Deadline(Exception):
    """The peer did not answer (or take our message) before the deadline."""


class Reader:
    """Framed messages from a blocking socket, with as few ``recv`` calls as possible."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(n - len(self.buf), 65536))
            if not chunk:
                raise EOFError
            self.buf += chunk

    def recv(self):
        self._fill(HEADER.size)
        (size,) = HEADER.unpack_from(self.buf)
        end = HEADER.size + size
        self._fill(end)
        message = pickle.loads(memoryview(self.buf)[HEADER.size : end])
        del self.buf[:end]
        return message


def send_message(sock: socket.socket, message) -> None:
    """One message on a blocking socket."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) < 65536:
        sock.sendall(HEADER.pack(len(payload)) + payload)
    else:
        sock.sendall(HEADER.pack(len(payload)))
        sock.sendall(payload)


def encode(message) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


class Channel:
    """The parent's end of a socket pair: non-blocking and framed."""

    __slots__ = ("buf", "fd", "sock")

    def __init__(self, sock: socket.socket):
        sock.setblocking(False)
        self.sock = sock
        self.fd = sock.fileno()
        self.buf = bytearray()

    def send(self, payload: bytes, deadline: float) -> None:
        """Send one encoded message; Deadline if the peer does not take it in time."""
        data = memoryview(HEADER.pack(len(payload)) + payload)
        while data:
            try:
                sent = self.sock.send(data)
                data = data[sent:]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Deadline from None
                select.select([], [self.sock], [], remaining)

    def try_read(self):
        """The next whole message if it has arrived, else None. EOFError if the peer is gone."""
        buf = self.buf
        while True:
            try:
                chunk = self.sock.recv(CHUNK)
            except BlockingIOError:
                break
            except OSError as exc:
                raise EOFError(str(exc)) from exc
            if not chunk:
                raise EOFError("worker closed its socket")
            buf += chunk
            if len(chunk) < CHUNK:
                break
        if len(buf) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(buf)
        end = HEADER.size + size
        if len(buf) < end:
            return None
        message = pickle.loads(memoryview(buf)[HEADER.size : end])
        del buf[:end]
        return message

    def recv(self, deadline: float):
        """Wait (blocking the thread) for the next message; Deadline when time is up."""
        while True:
            message = self.try_read()
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Deadline
            select.select([self.sock], [], [], remaining)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
