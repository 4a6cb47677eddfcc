"""Connections whose connect, send and every read stop at the current attempt's deadline.

urllib3's timeouts bound each socket operation; a gateway that sends one byte per second never
trips them. Here every socket operation of an attempt gets the time left until one deadline, so
the attempt as a whole (connect + send + status line + headers + body) ends by it.
"""
from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """An attempt in this thread: every socket operation of the pool's connections ends by `seconds` from now."""
    _current.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.deadline = None


def remaining() -> float | None:
    """Seconds left before this thread's attempt deadline (None outside an attempt)."""
    deadline = getattr(_current, "deadline", None)
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("timed out (deadline of the attempt passed)")
    return left


class _DeadlineReader(io.RawIOBase):
    """The socket's file, each read given only the time left before the deadline."""

    def __init__(self, sock: socket.socket, raw: io.RawIOBase) -> None:
        self._sock = sock
        self._raw = raw  # the socket's own file: while it is open, closing the connection waits for the answer

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:  # type: ignore[override]
        left = remaining()
        if left is not None:
            self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.fp.detach()))


class _DeadlineConnection:
    response_class = _DeadlineResponse

    def connect(self) -> None:
        self.timeout = _left(self.timeout)
        super().connect()  # type: ignore[misc]
        self.sock.settimeout(_left(self.timeout))  # type: ignore[attr-defined]  # the send gets what is left

    def request(self, *args, **kwargs) -> None:
        self.timeout = _left(self.timeout)
        super().request(*args, **kwargs)  # type: ignore[misc]


def _left(default):
    left = remaining()
    return default if left is None else left


class DeadlineHTTPConnection(_DeadlineConnection, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection
