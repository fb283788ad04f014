"""The sandbox site over real HTTP: `http.server` in a thread, on loopback only.

Real sockets matter for what the in-process face cannot show: timeouts (`slow` faults sleep
here) and a connection closed without an answer (`drop` faults, after the site has already
stored the request's effect).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from uploader.exceptions import ConfigError
from uploader.sandbox.site import Site
from uploader.urls import is_loopback_host

if TYPE_CHECKING:
    from uploader.profiles.model import Profile

_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True

    def __init__(self, address: tuple[str, int], site: Site, family: socket.AddressFamily):
        self.address_family = family
        self.site = site
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self._open_lock:
            self._open.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def hang_up_all(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections, so they can end."""
        with self._open_lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real site and httpx use
    timeout = 60
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log lives on the Site (and never records the cookie)."""

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = httpx.Request(
            self.command, f"http://sandbox{self.path}",
            headers=[(k, v) for k, v in self.headers.items() if k.lower() != "host"],
            content=body)
        response, fault = self.server.site.dispatch(request)
        if fault is not None and fault.kind == "slow" and fault.value:
            self.server.stopping.wait(fault.value)
        if fault is not None and fault.kind == "drop":
            # The site has already acted on the request; the client never hears about it.
            self.close_connection = True
            return
        content = response.content
        try:
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (e.g. its timeout beat a `slow` fault): nothing to do.
            self.close_connection = True


class SandboxServer:
    """Serve `site` on `host:port` (port 0 = any free port) from a background thread."""

    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback_host(host):
            raise ConfigError(
                f"sandbox --host {host!r}: not a loopback address — the sandbox is a test site "
                "with a public demo key; use 127.0.0.1, ::1 or localhost")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._httpd = _HTTPServer((host, port), site, family)
        except OSError as exc:
            raise ConfigError(
                f"sandbox {host}:{port}: cannot listen ({exc.strerror}) — pick another --port"
            ) from None
        self.site = site
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/api/v1"

    @property
    def api_key(self) -> str:
        return self.site.api_key

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"sandbox-{self.port}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, cut idle connections, wake slow answers, join every thread."""
        httpd = self._httpd
        httpd.stopping.set()
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join()
            self._thread = None
        httpd.hang_up_all()
        httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def start_sandbox(data_dir: Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                  profiles: Iterable[Profile] = ()) -> SandboxServer:
    """A started server over `Site.demo(data_dir)` hosting the groups of `profiles` (see
    `uploader.sandbox.hosting`); the caller must `.close()` it."""
    from uploader.sandbox.hosting import host_profiles

    site = Site.demo(data_dir)
    host_profiles(site, profiles)
    return SandboxServer(site, host, port).start()
