"""A hostile nekoBT on 127.0.0.1: the sandbox's Site answers every request, except the one
endpoint under test, whose answer is replaced by a `Behaviour` (a status, a content type, a
body shape, a timing), before or after the upload is stored.

Raw sockets (one thread per connection), because drips, endless bodies and half-sent answers
cannot be written with http.server. Every loop is bounded: a drip stops after `MAX_SECONDS`,
an endless body after `MAX_BYTES`, and `close()` wakes and joins every thread.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from uploader.sandbox import Site

MAX_SECONDS = 60.0  # no hostile answer lasts longer than this, whatever the client does
MAX_BYTES = 400 * 1024 * 1024  # nor sends more


@dataclass(frozen=True)
class Behaviour:
    """How the endpoint under test answers.

    shape: "drip-headers" (status line and headers a byte per `interval`), "drip-body" (valid
    headers, then the body a byte per `interval`), "endless" (chunked, never ends),
    "huge-json" (a well-formed JSON object of `size` bytes), "body" (`body` as given, with
    `length` as Content-Length if set), "gzip-bomb" (`size` zero bytes gzipped), "site" (the
    site's own answer, re-labelled `status` / `ctype` if given), "site-then-drop" (the site
    acts, the connection is closed without an answer).
    """

    shape: str
    status: int = 200
    ctype: str = "application/json"
    body: bytes = b""
    size: int = 0
    interval: float = 1.0
    length: int | None = None


Match = Callable[[str, str], bool]


def endpoint(method: str, pattern: str) -> Match:
    """A matcher for `METHOD /path` (a regex on the path after /api/v1)."""
    compiled = re.compile(pattern)
    return lambda m, p: m == method and compiled.fullmatch(p) is not None


@dataclass
class HostileSite:
    """Serve `site`; answer `target` with `behaviour` when `when` allows:
    "before": from the start; "after": once POST /upload has stored a torrent ("after" on
    POST /upload itself: the site stores it, then the answer is hostile)."""

    site: Site
    target: Match | None = None
    behaviour: Behaviour | None = None
    when: str = "before"
    hostile_hits: int = 0
    _sock: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _conns: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._sock is not None
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/api/v1"

    def __enter__(self) -> HostileSite:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        thread = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=MAX_SECONDS)
        assert self._sock is not None
        self._sock.close()

    # --- serving ---------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True,
                                      name="hostile-conn")
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            with conn:
                while not self._stop.is_set():
                    request = _read_request(conn)
                    if request is None:
                        return
                    if not self._answer(conn, request):
                        return
        except OSError:
            return
        finally:
            with self._lock:
                self._conns.discard(conn)

    def _hostile_now(self, method: str, path: str) -> bool:
        if self.target is None or self.behaviour is None or not self.target(method, path):
            return False
        if self.when == "after":
            stored = bool(self.site.torrents)
            return stored or (method, path) == ("POST", "/upload")
        return True

    def _answer(self, conn: socket.socket, request: httpx.Request) -> bool:
        """Answer one request; False when the connection must end."""
        path = request.url.path.removeprefix("/api/v1")
        method = request.method
        if not self._hostile_now(method, path):
            response, _ = self.site.dispatch(request)
            _send(conn, response.status_code, response.headers.get("content-type", ""),
                  response.content)
            return True
        self.hostile_hits += 1
        b = self.behaviour
        assert b is not None
        stores = self.when == "after" and (method, path) == ("POST", "/upload")
        if stores or b.shape in ("site", "site-then-drop"):
            response, _ = self.site.dispatch(request)
            if b.shape == "site":
                _send(conn, b.status or response.status_code,
                      b.ctype or response.headers.get("content-type", ""), response.content)
                return True
            if b.shape == "site-then-drop":
                return False
        self._hostile(conn, b)
        return False  # a hostile answer always ends its connection

    def _hostile(self, conn: socket.socket, b: Behaviour) -> None:
        started = time.monotonic()

        def alive() -> bool:
            return not self._stop.is_set() and time.monotonic() - started < MAX_SECONDS

        head = (f"HTTP/1.1 {b.status} X\r\nContent-Type: {b.ctype}\r\n").encode()
        if b.shape == "drip-headers":
            for byte in _cycle(head + b"X-Drip: ", b"a"):
                if not alive() or self._stop.wait(b.interval):
                    return
                conn.sendall(byte)
        if b.shape == "drip-body":  # chunked, so no announced size gives it away
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
            for byte in _cycle(b'{"error": false, "data": {"x": "', b"a"):
                if not alive() or self._stop.wait(b.interval):
                    return
                conn.sendall(b"1\r\n" + byte + b"\r\n")
        if b.shape == "endless":
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"[" * (64 * 1024))
            sent = 0
            while alive() and sent < MAX_BYTES:
                conn.sendall(chunk)
                sent += 64 * 1024
        if b.shape == "huge-json":
            filler = b'"' + b"a" * 1000 + b'",'
            count = b.size // len(filler)
            conn.sendall(head + b"Content-Length: %d\r\n\r\n" % (
                len(b'{"error":false,"data":{"x":[') + count * len(filler) + len(b'""]}}')))
            conn.sendall(b'{"error":false,"data":{"x":[')
            for _ in range(count):
                if not alive():
                    return
                conn.sendall(filler * 1)
            conn.sendall(b'""]}}')
        if b.shape == "gzip-bomb":
            bomb = gzip_zeros(b.size)
            conn.sendall(head + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                         % len(bomb) + bomb)
        if b.shape == "body":
            length = len(b.body) if b.length is None else b.length
            conn.sendall(head + b"Content-Length: %d\r\n\r\n" % length + b.body)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
        # Let the client read what was sent before the socket closes.
        self._stop.wait(0.2)


def _cycle(first: bytes, then: bytes) -> Iterator[bytes]:
    for i in range(len(first)):
        yield first[i:i + 1]
    while True:
        yield then


def _send(conn: socket.socket, status: int, ctype: str, content: bytes) -> None:
    conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n"
                 f"Content-Length: {len(content)}\r\n\r\n".encode() + content)


def _read_request(conn: socket.socket) -> httpx.Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1024 * 1024:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = [tuple(line.split(": ", 1)) for line in lines[1:] if ": " in line]
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    while len(rest) < length:
        chunk = conn.recv(min(1 << 20, length - len(rest)))
        if not chunk:
            return None
        rest += chunk
    return httpx.Request(method, f"http://sandbox{target}",
                         headers=[(k, v) for k, v in headers if k.lower() != "host"],
                         content=rest)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


@functools.cache
def gzip_zeros(size: int) -> bytes:
    """`size` zero bytes, gzipped, built a MiB at a time (a bomb: ~1000:1)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [z.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + z.flush()
