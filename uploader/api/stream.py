"""Bounded exchanges: a total deadline per request, and answers read in capped pieces.

httpx's timeouts are per operation and it has no overall one. `Watchdog` adds it: a timer
thread that, when the deadline passes, shuts the request's socket down (which wakes a blocked
read or write at once; closing alone would not), so a server dripping its headers or body one
byte a second fails within the deadline. The socket is taken from httpcore's public `trace`
extension when the connection is made; `session` turns keep-alive off so every request makes
its own connection (a reused one would not be seen). Connecting itself is bounded by the
connect timeout, which `session` caps at the time left.

`read_body` reads the answer in pieces of at most `PIECE` bytes and stops past the cap without
reading the rest. It decodes gzip and deflate itself, never inflating more than the cap allows
(httpx would inflate a whole 64 KiB network read, up to ~64 MiB, in one step), and checks the
deadline between pieces. A passed deadline surfaces as `httpx.ReadTimeout`, so every failure
of an exchange is translated at the one border (`errors.from_httpx`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

PIECE = 16 * 1024

# httpcore trace events whose return value is a freshly connected network stream.
_CONNECTED = ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete")

# What this client accepts (`session` sends it): only encodings `read_body` can bound.
ACCEPT_ENCODING = "gzip, deflate"


class Watchdog:
    """Enforces one exchange's total deadline of `seconds` (use as a context manager)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True  # never keeps a process alive; joined on exit anyway
        self._timer.name = "nekobt-deadline"

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._timer.cancel()
        self._timer.join()

    def left(self) -> float:
        """Seconds until the deadline (never below a millisecond: a timeout of 0 means
        "non-blocking" to sockets, not "already over")."""
        return max(self.deadline - time.monotonic(), 0.001)

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.deadline

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: remember the socket of the connection just made."""
        if event not in _CONNECTED:
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sock = sock
            if self.expired:  # connected just as the time ran out
                self._cut()

    def check(self) -> None:
        """Between pieces of an answer: raise once the deadline has passed."""
        if self.passed():
            self.expired = True
            raise httpx.ReadTimeout(f"no complete answer within {self.seconds:g} s")

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._cut()

    def _cut(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)


class _Inflate:
    """gzip / deflate, decoded in bounded steps."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"  # servers send zlib-wrapped or raw deflate
        self._z = zlib.decompressobj(31 if encoding != "deflate" else 15)
        self._started = False

    def decode(self, data: bytes, room: int) -> tuple[bytes, bool]:
        """Up to `room` decoded bytes of `data`, and whether there is more than `room`."""
        try:
            out = self._z.decompress(data, room + 1)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise
            self._z = zlib.decompressobj(-15)
            out = self._z.decompress(data, room + 1)
        self._started = True
        return out, len(out) > room or bool(self._z.unconsumed_tail)


class _Identity:
    def decode(self, data: bytes, room: int) -> tuple[bytes, bool]:
        return data, len(data) > room


class BadEncoding(Exception):
    """The answer's Content-Encoding is one this client did not ask for, or broken."""


def _decoder(headers: httpx.Headers) -> _Inflate | _Identity:
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflate("gzip" if encoding == "x-gzip" else encoding)
    raise BadEncoding(f"the answer is encoded as {encoding!r}, which was not asked for")


def read_body(response: httpx.Response, *, cap: int, watchdog: Watchdog) -> tuple[bytes, bool]:
    """(the decoded body, whether it is whole): at most `cap` bytes are kept, and reading stops
    at the first byte past them (the caller closes the response, dropping the rest).

    Raises httpx's errors (a broken connection, `ReadTimeout` past the deadline) and
    `BadEncoding` (an encoding not asked for, or one that does not decode)."""
    if response.is_stream_consumed:  # an in-process transport handed over a read answer
        content = response.content
        return content[:cap], len(content) <= cap
    decoder = _decoder(response.headers)
    length = response.headers.get("content-length", "")
    if isinstance(decoder, _Identity) and length.isdigit() and int(length) > cap:
        return b"", False  # announced too large: nothing of it is read
    pieces: list[bytes] = []
    size = 0
    try:
        for raw in response.iter_raw(PIECE):
            watchdog.check()
            out, over = decoder.decode(raw, cap - size)
            pieces.append(out[: cap - size])
            size += len(pieces[-1])
            if over:
                return b"".join(pieces), False
        watchdog.check()
    except zlib.error as exc:
        raise BadEncoding(f"the answer's {response.headers.get('content-encoding')} data "
                          f"does not decode ({exc})") from None
    return b"".join(pieces), True
