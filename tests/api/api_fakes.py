"""Edge fakes for the API client tests: a scripted site behind httpx.MockTransport, a fake
clock, and a tiny real HTTP server on loopback (for what only real sockets show)."""

from __future__ import annotations

import json
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from uploader.api import NekoClient, UploadRequest

BASE = "https://nekobt.test/api/v1"
KEY = "Sekr3t-KEY-0123456789abcdef"

MakeClient = Callable[..., NekoClient]  # the `make_client` fixture (conftest.py)

UPLOAD: UploadRequest = {
    "torrent": "ZDg6YW5ub3VuY2U=",
    "title": "[ExampleSubs] Sample Show - 01 (1080p)",
    "movie": False,
    "category": 1,
    "video_type": 8,
    "video_codec": 2,
    "level": 3,
    "mtl": False,
    "anonymous": False,
    "hidden": False,
    "otl": False,
    "hardsub": False,
    "primary_group": {"id": "111", "members": [
        {"id": "5", "role": "Translation", "display_name": ""},
        {"id": None, "role": "Typesetting", "display_name": "NewTS"},
    ]},
    "secondary_groups": [{"id": "222", "role": "Encode"}],
    "audio_langs": "ja",
    "sub_langs": "",
    "fansub_langs": "en",
    "description": "Encoded by ExampleSubs.",
    "mediainfo": "General\nFormat : Matroska",
}


class FakeClock:
    """`clock()` reads the time; `sleep(s)` records the wait and advances it, instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Seen:
    """One request as the site received it (path relative to /api/v1)."""

    method: str
    path: str
    query: dict[str, str]
    raw: bytes
    headers: httpx.Headers
    at: float

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None


Reply = Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, json_: Any = None, *, content: bytes | None = None,
          headers: dict[str, str] | None = None) -> Reply:
    """An answer; a fresh httpx.Response is built for every request it answers."""

    def build(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=json_, headers=headers)

    return build


def ok(data: Any = None, **extra: Any) -> Reply:
    body: dict[str, Any] = {"error": False}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return reply(200, body)


def fail(exc: Exception) -> Reply:
    def build(request: httpx.Request) -> httpx.Response:
        raise exc

    return build


HTML_429 = (b"<!DOCTYPE html><html><head><title>Error 1015</title></head>"
            b"<body>rate limited</body></html>")


@dataclass
class ScriptedSite:
    """Plays nekoBT for one test: answers queued per (method, path), the last one repeating;
    every request is recorded. Unscripted routes answer 404 like the site does."""

    clock: FakeClock | None = None
    requests: list[Seen] = field(default_factory=list)
    _routes: dict[tuple[str, str], list[Reply]] = field(
        default_factory=lambda: defaultdict(list))

    def on(self, method: str, path: str, *replies: Reply) -> ScriptedSite:
        self._routes[(method, path)].extend(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        self.requests.append(Seen(
            method=request.method,
            path=path,
            query=dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
            raw=request.read(),
            headers=request.headers,
            at=self.clock() if self.clock is not None else 0.0,
        ))
        queue = self._routes.get((request.method, path))
        if not queue:
            return httpx.Response(404, json={"error": True, "message": "Not found."})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if (r.method, r.path) == (method, path))


# --- a real HTTP server on loopback ------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer:
    """HTTP/1.1 on 127.0.0.1:<ephemeral> in a thread. Each request takes the next action of
    the script (the last repeats): ("json", status, body, headers), ("html", status, headers),
    "hang" (read the request, never answer until closed), "drop" (read the whole request,
    then close the connection without a byte of answer)."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.received: list[Received] = []
        self._stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.received.append(Received(self.command, urlsplit(self.path).path,
                                               dict(self.headers.items()), body))
                action = owner.script.pop(0) if len(owner.script) > 1 else owner.script[0]
                if action == "hang":
                    owner._stop.wait(10)
                    self.close_connection = True
                    return
                if action == "drop":
                    self.close_connection = True
                    return
                kind, status = action[0], action[1]
                if kind == "json":
                    payload = json.dumps(action[2]).encode()
                    ctype, extra = "application/json", action[3] if len(action) > 3 else {}
                else:
                    payload = HTML_429
                    ctype, extra = "text/html; charset=UTF-8", action[2] if len(action) > 2 else {}
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits up to one interval.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"
