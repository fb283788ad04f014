"""A loopback HTTP receiver for apprise's json:// and form:// targets (real sockets)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    port: int
    mode: str = "ok"              # ok | fail (500) | hang (answers after `hang` seconds)
    hang: float = 30.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def url(self, scheme: str = "json", path: str = "/hook/s3cr3t-token") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


@contextmanager
def receiver(mode: str = "ok", hang: float = 30.0) -> Iterator[Receiver]:
    state = Receiver(0, mode, hang)
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if state.mode == "hang":
                stop.wait(state.hang)  # ends early when the receiver closes
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"raw": raw.decode("utf-8", "replace")}
            state.messages.append(body)
            state.paths.append(self.path)
            status = 500 if state.mode == "fail" else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = False
    server.block_on_close = True  # server_close() joins the handler threads: none leak
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
