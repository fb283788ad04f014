"""One HTTP exchange with the site: auth cookie, limiter, retries, error translation, decoding.

`NekoClient` (client.py) says *what* each endpoint sends; this module says *how* anything is
sent. The API key leaves its `Secret` only here, into a per-request `Cookie` header: httpx logs
URLs, never headers, and the client's own cookie jar refuses every cookie so nothing the site
sets can be replayed elsewhere.

Bounded against broken servers: every exchange has a total deadline sized to the request
(`limits.ClientLimits`, enforced by `stream.Watchdog`), its answer is read in capped pieces
(`stream.read_body`), and a 2xx answer that is not what the reference documents is one
ApiError naming the endpoint (`errors.unexpected_answer`), never a traceback. A deadline that
passes is a TransportError like any lost answer: `sent=True` once the connection was made.

Fail fast when the site cannot be reached: once a request has given up because no connection
could be made (refused, DNS, connect timeout), every request in the next `UNREACHABLE_MEMORY`
seconds fails at once with the same error, without touching the network. Nothing is sent in
either case, so this never changes what may have reached the site.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
from collections.abc import Callable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Literal, NoReturn

import httpx

from uploader import USER_AGENT
from uploader.api import errors, retry, stream
from uploader.api.answers import decode_json
from uploader.api.limiter import RateLimiter
from uploader.api.limits import ClientLimits
from uploader.exceptions import AuthError, RateLimitedError, TransportError, UploaderError
from uploader.secret import Secret
from uploader.urls import check_api_url

log = logging.getLogger("uploader.api")

# How long "the site cannot be reached" is believed without asking again: long enough for one
# command's requests to fail together, short enough for a daemon to notice the site is back.
UNREACHABLE_MEMORY = 15.0

# RFC 6265 cookie-octet: what a cookie value may hold. Anything else (a pasted newline, a
# space, a ';') would either break the header or make httpx quote the value in an error.
_COOKIE_OCTETS = re.compile(r"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+")

Query = Mapping[str, str | int | bool | list[str] | list[int] | None]
Answer = Literal["json", "file", "archive"]  # what a request's answer is: sets its cap


def check_key(key: Secret | None) -> Secret | None:
    """The key if usable as the `ssid` cookie; None for no key; AuthError (never quoting it)."""
    if key is None or not key.reveal():
        return None
    if not _COOKIE_OCTETS.fullmatch(key.reveal()):
        raise AuthError(
            "API key: it holds characters a key cannot have (spaces, ';', quotes, line breaks "
            "or non-ASCII) — copy it again from your nekoBT account settings"
        )
    return key


def query_params(params: Query) -> dict[str, str]:
    """Query values as the site reads them: booleans `true`/`false`, lists comma-joined."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


class Session:
    """Sends requests to one nekoBT API base URL."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret | None,
        *,
        transport: httpx.BaseTransport | None,
        timeout: float,
        limits: ClientLimits,
        policy: retry.RetryPolicy,
        limiter: RateLimiter,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.base_url = check_api_url(base_url)
        self.key = check_key(api_key)
        self.timeout = timeout
        self.limits = limits
        self.policy = policy
        self._limiter = limiter
        self._sleep = sleep
        self._clock = clock
        # (when, message) of the last request that could not reach the site, or None.
        self._unreachable: tuple[float, str] | None = None
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(limits.connect, timeout)),
            # One connection per request: the deadline's watchdog sees every socket it may
            # have to cut (a reused keep-alive connection is made before its request starts).
            limits=httpx.Limits(max_keepalive_connections=0),
            follow_redirects=False,  # a redirect is reported, never followed with the cookie
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": stream.ACCEPT_ENCODING},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            verify=_tls_for(self.base_url),
        )

    def _timeouts(self, read: float, watchdog: stream.Watchdog) -> httpx.Timeout:
        """httpx's per-operation timeouts. Connecting never outlasts the deadline (the watchdog
        can only cut a connection once it exists); later operations it cuts itself."""
        return httpx.Timeout(read, connect=min(self.limits.connect, read, watchdog.left()))

    def _cap(self, answer: Answer) -> int:
        return {"json": self.limits.json_cap, "file": self.limits.file_cap,
                "archive": self.limits.archive_cap}[answer]

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: Any = None,
        retry_safe: bool,
        timeout: float | None = None,
        answer: Answer = "json",
    ) -> httpx.Response:
        """A 2xx answer, read whole, or our exception; retried per policy only when
        `retry_safe`. `timeout`: an endpoint known to hold the request that long."""
        what = f"nekoBT {method} {path}"
        self._fail_if_unreachable(method, path)
        unreached: list[UploaderError] = []

        def attempt() -> httpx.Response:
            self._limiter.wait()
            response, problem = self._exchange(method, path, params, body, timeout, answer,
                                               unreached)
            self._unreachable = None  # any answer: the site is there
            if not response.is_success:
                error = errors.from_response(response, method=method, path=path, key=self.key,
                                             base_url=self.base_url)
                if isinstance(error, RateLimitedError):
                    self._slow_down(error)
                raise error
            if problem is not None:
                self.fail(problem, response.status_code, None, method, path)
            return response

        try:
            response = retry.call(attempt, policy=self.policy, retry=retry_safe,
                                  sleep=self._sleep, what=what, clock=self._clock)
        except TransportError as exc:
            if unreached and exc is unreached[-1]:
                self._unreachable = (self._clock(), exc.message)
            raise
        return response

    def _slow_down(self, error: RateLimitedError) -> None:
        """After a 429, empty the limiter's bucket until the site's wait (capped like the
        retry's) is over: the retry then goes out on time, and what follows it, from this
        request or any other, at the sustained rate instead of in a burst."""
        hold = (min(error.retry_after, self.policy.max_wait) if error.retry_after is not None
                else 0.0)
        log.debug("%s %s: rate limited: requests held %.1f s, then at the sustained rate",
                  error.method, error.path, hold)
        self._limiter.drain(hold)

    def _fail_if_unreachable(self, method: str, path: str) -> None:
        """Raise the last "cannot reach the site" again while it is recent (nothing is sent)."""
        last = self._unreachable
        if last is None:
            return
        when, message = last
        if self._clock() - when < UNREACHABLE_MEMORY:
            log.debug("%s %s: not sent, the site was unreachable %.1f s ago", method, path,
                      self._clock() - when)
            raise TransportError(message, method=method, path=path, sent=False)
        self._unreachable = None

    def _exchange(
        self, method: str, path: str, params: Query | None, body: Any, timeout: float | None,
        answer: Answer, unreached: list[UploaderError],
    ) -> tuple[httpx.Response, str | None]:
        """One request within its deadline: (the answer read whole, or with the problem that
        stopped its reading: too large, an encoding it cannot decode)."""
        headers = {}
        if self.key is not None:
            headers["Cookie"] = f"ssid={self.key.reveal()}"
        content = None
        if body is not None:
            # Serialised here, not by httpx, to pin the format: ints (snowflake ids in
            # `upgraded`) are written digit for digit, NaN is refused, UTF-8 as is.
            content = json.dumps(body, ensure_ascii=False, allow_nan=False,
                                 separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        cap = self._cap(answer)
        seconds = self.limits.deadline_for(
            len(content or b""), file_cap=0 if answer == "json" else cap,
            at_least=timeout + self.limits.connect if timeout is not None else 0.0)
        started = self._clock()
        with stream.Watchdog(seconds) as watchdog:
            try:
                request = self._http.build_request(
                    method, path.lstrip("/"), params=query_params(params or {}),
                    content=content, headers=headers,
                    timeout=self._timeouts(timeout or self.timeout, watchdog),
                    extensions={"trace": watchdog.trace})
                response, problem = self._read(self._http.send(request, stream=True), cap,
                                               watchdog)
            except errors.HTTPX_EXCEPTIONS as exc:
                error = errors.from_httpx(exc, method=method, path=path, key=self.key,
                                          base_url=self.base_url,
                                          deadline=seconds if watchdog.passed() else None)
                if errors.unreachable(exc) and not watchdog.passed():
                    unreached.append(error)
                raise error from None
        log.debug("%s %s -> %d (%.2f s)", method, path, response.status_code,
                  self._clock() - started)
        return response, problem

    def _read(self, response: httpx.Response, cap: int, watchdog: stream.Watchdog
              ) -> tuple[httpx.Response, str | None]:
        """The streamed `response` read (at most `cap`; an error answer's first `error_cap`
        bytes) and closed, as a plain in-memory Response."""
        problem = None
        try:
            limit = cap if response.is_success else self.limits.error_cap
            try:
                content, whole = stream.read_body(response, cap=limit, watchdog=watchdog)
            except stream.BadEncoding as exc:
                content, whole, problem = b"", True, str(exc)
            if not whole and response.is_success:
                problem = f"the answer is larger than {_size(cap)} (reading stopped there)"
        finally:
            response.close()  # an answer not read to the end: its connection is dropped
        drop = ("content-encoding", "content-length", "transfer-encoding")
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in drop]
        return httpx.Response(response.status_code, headers=headers, content=content,
                              request=response.request), problem

    # --- decoding ------------------------------------------------------------------------

    def envelope(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        """The whole JSON object of a 2xx answer whose `error` is false (or absent)."""
        response = self.send(method, path, **kw)
        body, problem = decode_json(response.content, max_values=self.limits.json_values)
        if problem is not None:
            ctype = response.headers.get("content-type", "").lower()
            got = (errors.describe_body(response) if "json" not in ctype and response.content
                   else problem)
            self.fail(f"expected JSON, got {got}", response.status_code, None, method, path)
        if not isinstance(body, dict):
            self.fail(f"expected a JSON object, got {_kind(body)}", response.status_code,
                      None, method, path)
        flag = body.get("error")
        if flag is True:
            said = body.get("message")
            self.fail(f"status {response.status_code} but the site reported an error "
                      f"({said if isinstance(said, str) else 'no message'})",
                      response.status_code, body, method, path)
        if flag is not False and "error" in body:
            self.fail(f"`error` is {_kind(flag)}, not false", response.status_code, body,
                      method, path)
        return body

    def data(self, method: str, path: str, shape: type[Any], **kw: Any) -> Any:
        """The `data` of a 2xx answer, checked to be the JSON object (dict) or array (list)
        the reference documents; the TypedDict casts in `client` rest on this check."""
        body = self.envelope(method, path, **kw)
        value = body.get("data")
        if not isinstance(value, shape):
            kind = "object" if shape is dict else "array"
            got = "missing" if "data" not in body else _kind(value)
            self.fail(f"the answer's `data` is not a JSON {kind} ({got})", 200, body, method,
                      path)
        return value

    def raw(self, method: str, path: str, **kw: Any) -> bytes:
        """The body of a 2xx file answer (.torrent, ZIP); a web page or JSON is refused."""
        response = self.send(method, path, **kw)
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype in ("text/html", "application/json") or not response.content:
            self.fail(f"expected a file, got {errors.describe_body(response)}",
                      response.status_code, errors.json_body(response), method, path)
        return response.content

    def fail(self, problem: str, status: int, payload: Any, method: str, path: str) -> NoReturn:
        """Raise ApiError for a 2xx answer this client cannot use."""
        raise errors.unexpected_answer(problem, status=status, payload=payload, method=method,
                                       path=path, key=self.key)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def _tls_for(base_url: str) -> bool | ssl.SSLContext:
    """https: httpx's verifying context (certifi's roots). Plain http (loopback only, redirects
    never followed) makes no TLS connection, so it gets a context that still requires a
    verified certificate but trusts no root: it would fail closed if ever used, and it skips
    loading ~150 root certificates (~45 ms) at every start of a run against the sandbox."""
    if base_url.startswith("https://"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
