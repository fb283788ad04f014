"""The sandbox site: one object that answers `httpx.Request`s the way nekoBT's JSON API does.

`Site.handle` is the whole site as a function (the in-process face, through
`httpx.MockTransport`); `uploader.sandbox.server` serves the same object over real HTTP. Each
request: log it (never the cookie) → injected fault? → route → auth (`ssid` cookie) → the
handler validates and answers → persist the state if it changed.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import httpx

from uploader.sandbox.demo import DEMO_API_KEY, demo_state
from uploader.sandbox.faults import Fault, Faults
from uploader.sandbox.state import State, Store, Torrent, User
from uploader.sandbox.validator import Schema, coerce_query, error_body, validate

API_ROOT = "/api/v1"
logger = logging.getLogger(__name__)
MAX_LOGGED = 10_000


class LoggedRequest(NamedTuple):
    """One request as the site saw it. The cookie (the API key) is never recorded."""

    method: str
    path: str  # relative to the API root, e.g. "/upload"
    query: dict[str, str]
    json: Any  # the parsed JSON body, or None
    fault: str | None = None  # the injected fault this request got, if any
    at: float = 0.0  # time.monotonic() when the site received it: tests check waits with it


class Answer(Exception):
    """Raised by handlers to answer early (validation errors, 401/403/404...)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def reply(data: Any = None, status: int = 200, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"error": False}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return httpx.Response(status, json=body)


def error(status: int, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"error": True, "message": message, **extra})


def fail(status: int, message: str, **extra: Any) -> Answer:
    return Answer(error(status, message, **extra))


UNAUTHORIZED = "Unauthorized."
WAITING_FOR_APPROVAL = "Torrent is waiting for approval."


@dataclass
class Ctx:
    """What a handler gets: the state, who is asking, and the request's parts."""

    site: Site
    state: State
    user: User | None
    method: str
    path: str
    query: dict[str, str]
    raw_body: bytes
    body: Any
    changed: bool = False

    def require_user(self) -> User:
        if self.user is None:
            raise fail(401, UNAUTHORIZED)
        return self.user

    def json(self, schema: Schema) -> Any:
        """The body, validated against `schema` (400 `validate_errors` otherwise)."""
        problem = validate(self.body, schema)
        if problem is not None:
            raise Answer(httpx.Response(400, json=error_body(problem)))
        return self.body

    def params(self, schema: Schema) -> dict[str, Any]:
        """The query string, coerced and validated against `schema`."""
        values = coerce_query(self.query, schema)
        problem = validate(values, schema)
        if problem is not None:
            raise Answer(httpx.Response(400, json=error_body(problem)))
        return values

    def torrent(self, torrent_id: str) -> Torrent:
        """A torrent the asker may read: else 404, or the reference's 403 while it waits."""
        torrent = self.state.torrents.get(torrent_id)
        if torrent is None:
            raise fail(404, "Torrent not found.")
        if not self.can_see(torrent):
            if torrent.waiting_approve and torrent.deleted is None:
                raise fail(403, WAITING_FOR_APPROVAL)
            raise fail(404, "Torrent not found.")
        return torrent

    def can_see(self, torrent: Torrent) -> bool:
        """Whether the asker may read `torrent` (its page, files, comments, infohash match).

        Staff see everything. A torrent waiting for approval is staff-only (the reference's
        403 "Torrent is waiting for approval."), unless `quirks.waiting_hidden` is off; hidden
        and deleted torrents are seen by those who may edit them.
        """
        if self.user is not None and self.user.is_staff:
            return True
        if torrent.waiting_approve and self.site.faults.quirks.waiting_hidden:
            return False
        if torrent.deleted is None and not torrent.hidden and not torrent.waiting_approve:
            return True
        return self.user is not None and self.state.can_edit(torrent, self.user.id)

    def user_param(self, user_id: str) -> User:
        """`<user_id|@me>` of the /users/ endpoints."""
        if user_id == "@me":
            return self.require_user()
        found = self.state.users.get(user_id)
        if found is None:
            raise fail(404, "Invalid user ID.")
        return found


Handler = Callable[..., httpx.Response]


class Route(NamedTuple):
    method: str
    pattern: str  # e.g. "/torrents/{id}/download"
    handler: Handler
    auth: bool  # True: "Auth Required"


def _compile(pattern: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(f"^{regex}$")


class Site:
    """nekoBT's JSON API as a stateful object (see the module docstring)."""

    def __init__(self, state: State, *, store: Store | None = None,
                 api_key: str = DEMO_API_KEY) -> None:
        from uploader.sandbox.routes import ROUTES  # the handlers import this module

        self.state = state
        self.store = store
        self.api_key = api_key
        self.faults = Faults()
        # Where the site's .torrent files announce. Tests that hand torrents to real clients
        # point it at loopback, so no client ever reaches for the real tracker.
        self.tracker_base: str | None = None
        self.requests: list[LoggedRequest] = []
        # Bugs in the sandbox itself: answered as a 500 (as a real server would) and kept
        # here so tests can insist there were none.
        self.errors: list[BaseException] = []
        self.lock = threading.RLock()
        self._routes = [(_compile(r.pattern), r) for r in ROUTES]
        if store is not None:
            store.save(state)

    @classmethod
    def demo(cls, data_dir: Path | None = None) -> Site:
        """The seeded demo site; with `data_dir`, continue from the state saved there."""
        store = Store(Path(data_dir)) if data_dir is not None else None
        state = store.load() if store is not None else None
        return cls(state if state is not None else demo_state(), store=store)

    @property
    def torrents(self) -> dict[str, Torrent]:
        return self.state.torrents

    # --- the two faces ---------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """In-process face: a `drop` fault raises what httpx raises for a dropped connection."""
        response, fault = self.dispatch(request)
        if fault is not None and fault.kind == "drop":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request)
        return response

    def dispatch(self, request: httpx.Request) -> tuple[httpx.Response, Fault | None]:
        """The answer, and the fault (if any) the face must still apply (slow, drop)."""
        method = request.method.upper()
        full_path = request.url.path
        path = full_path[len(API_ROOT):] if full_path.startswith(API_ROOT + "/") else full_path
        query = dict(parse_qsl(request.url.query.decode("ascii", "replace"),
                               keep_blank_values=True))
        raw_body = request.read()
        body, bad_json = _parse_json(raw_body)
        with self.lock:
            fault = self.faults.take(method, path)
            self._log(LoggedRequest(method, path, query, body, fault.kind if fault else None,
                                    time.monotonic()))
            if fault is not None and fault.kind not in ("slow", "drop"):
                return _fault_response(fault), fault
            if not full_path.startswith(API_ROOT + "/"):
                return error(404, "Not found."), fault
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if raw_body.strip() and media_type != "application/json":
                # Like the site's framework: a body is only parsed when declared as JSON.
                return error(415, f"Unsupported Media Type: {media_type or 'none'}"), fault
            if bad_json:
                return error(400, "Body is not valid JSON."), fault
            response = self._route(request, method, path, query, raw_body, body)
            return response, fault

    def _log(self, entry: LoggedRequest) -> None:
        self.requests.append(entry)
        if len(self.requests) > MAX_LOGGED:
            # A long-running `nekobt-upload sandbox` keeps the recent half, not every body.
            del self.requests[: MAX_LOGGED // 2]

    def _route(self, request: httpx.Request, method: str, path: str, query: dict[str, str],
               raw_body: bytes, body: Any) -> httpx.Response:
        for regex, route in self._routes:
            match = regex.match(path)
            if match is None or route.method != method:
                continue
            key = _cookie(request, "ssid")
            user = self.state.user_by_key(key)
            # "If authorization isn't present or is invalid, you will receive a 401": an
            # invalid key is refused even where authorization is optional.
            if user is None and (route.auth or key):
                return error(401, UNAUTHORIZED)
            ctx = Ctx(self, self.state, user, method, path, query, raw_body, body)
            try:
                response = route.handler(ctx, **match.groupdict())
            except Answer as answer:
                response = answer.response
            except Exception as exc:  # a sandbox bug must not kill the server thread
                logger.exception("sandbox: %s %s failed", method, path)
                self.errors.append(exc)
                return error(500, "Internal Error")
            if ctx.changed and self.store is not None:
                self.store.save(self.state)
            return response
        return error(404, f"Route {method}:{API_ROOT}{path} not found")


def _parse_json(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw), False
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, True


def _cookie(request: httpx.Request, name: str) -> str:
    header = request.headers.get("cookie", "")
    try:
        jar: SimpleCookie = SimpleCookie(header)
    except CookieError:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""


_CLOUDFLARE_429 = """<!DOCTYPE html>
<html lang="en-US"><head><title>Access denied | nekobt.to used Cloudflare to restrict access
</title></head><body><h1>Error 1015</h1><h2>You are being rate limited</h2>
<p>The owner of this website (nekobt.to) has banned you temporarily from accessing this
website.</p><p>Cloudflare Ray ID: 8e0000000000sandbox</p></body></html>
"""
_HTML_500 = """<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>
"""


def _fault_response(fault: Fault) -> httpx.Response:
    value = fault.value or 0.0
    if fault.kind == "rate-limit-json":
        return error(429, f"Rate limit exceeded, try again in {round(value + 0.5)} seconds.",
                     retry_after=value)
    if fault.kind == "rate-limit-html":
        return httpx.Response(429, text=_CLOUDFLARE_429, headers={
            "retry-after": str(int(value)), "content-type": "text/html; charset=UTF-8",
            "x-frame-options": "SAMEORIGIN", "referrer-policy": "same-origin"})
    if fault.kind == "server-error-json":
        return error(500, "Internal Error")
    return httpx.Response(500, text=_HTML_500, headers={"content-type": "text/html"})
