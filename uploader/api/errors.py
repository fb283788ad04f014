"""The border where httpx exceptions and error answers become `uploader.exceptions`.

Two functions, one per kind of failure, and nothing else in the package translates:

- `from_httpx(exc, ...)`: every httpx exception class (see `HTTPX_ERRORS`, checked against
  httpx's full list by a test) -> `TransportError` (with `sent`: may the request have reached
  the site?) or `ConfigError` (a URL httpx cannot use).
- `from_response(response, ...)`: an error status -> the matching `ApiError` subclass, or
  `AuthError` for 401. Bodies that are not JSON (Cloudflare HTML, empty) never crash it; a 404
  that is not the API's JSON means --api-url leads somewhere else (`ConfigError`).

Every message goes through `redact` with the API key, so even a foreign message that quoted a
header could not carry the key out.
"""

from __future__ import annotations

import math
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from uploader.api.answers import decode_json
from uploader.api.limits import DEFAULT_LIMITS
from uploader.exceptions import (
    ApiError,
    AuthError,
    ChecksError,
    ConfigError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UploaderError,
    ValidationError,
)
from uploader.secret import Secret, redact

_MAX_SITE_TEXT = 300  # a site message longer than this is cut in our messages


@dataclass(frozen=True)
class _Kind:
    problem: str
    # True: the request may have reached the site (its answer was lost); False: it did not.
    # None: not a network failure at all (a URL httpx cannot use).
    sent: bool | None


# Every exception class httpx exports, on purpose one by one (a test fails when httpx adds
# one). "sent" is conservative: anything after the request started going out counts as sent,
# because for POST /upload a wrong "not sent" could mean a duplicate upload.
HTTPX_ERRORS: dict[type[Exception], _Kind] = {
    httpx.ConnectTimeout: _Kind("connecting timed out", sent=False),
    httpx.ConnectError: _Kind("could not connect", sent=False),
    httpx.PoolTimeout: _Kind("no free connection in time", sent=False),
    httpx.ProxyError: _Kind("the proxy failed", sent=False),
    httpx.UnsupportedProtocol: _Kind("unsupported URL scheme", sent=False),
    httpx.LocalProtocolError: _Kind("could not form a valid request", sent=False),
    httpx.WriteTimeout: _Kind("sending the request timed out", sent=True),
    httpx.WriteError: _Kind("the connection broke while sending", sent=True),
    httpx.ReadTimeout: _Kind("timed out waiting for the answer", sent=True),
    httpx.ReadError: _Kind("the connection broke while reading the answer", sent=True),
    httpx.RemoteProtocolError: _Kind("the site closed the connection without a valid answer",
                                     sent=True),
    httpx.CloseError: _Kind("closing the connection failed", sent=True),
    httpx.DecodingError: _Kind("the answer could not be decoded", sent=True),
    httpx.TooManyRedirects: _Kind("too many redirects", sent=True),
    # Base classes: only reached if httpx raises one directly.
    httpx.TimeoutException: _Kind("timed out", sent=True),
    httpx.NetworkError: _Kind("network failure", sent=True),
    httpx.ProtocolError: _Kind("HTTP protocol failure", sent=True),
    httpx.TransportError: _Kind("transport failure", sent=True),
    httpx.RequestError: _Kind("request failed", sent=True),
    httpx.HTTPError: _Kind("HTTP failure", sent=True),
    # We never call raise_for_status(); mapped anyway so nothing foreign escapes.
    httpx.HTTPStatusError: _Kind("error status", sent=True),
    # Stream misuse can only be a bug in this package; the request did go out.
    httpx.StreamError: _Kind("HTTP stream misused", sent=True),
    httpx.StreamConsumed: _Kind("HTTP stream already consumed", sent=True),
    httpx.StreamClosed: _Kind("HTTP stream closed", sent=True),
    httpx.ResponseNotRead: _Kind("answer not read", sent=True),
    httpx.RequestNotRead: _Kind("request not read", sent=True),
    # Not network failures: the URL or cookies are unusable; nothing was sent.
    httpx.InvalidURL: _Kind("invalid URL", sent=None),
    httpx.CookieConflict: _Kind("conflicting cookies", sent=None),
}

# What `session` catches around a send: the roots of every class above.
HTTPX_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError,
)


# The site could not be reached at all: no connection was made, so nothing was sent, and the
# cause is the URL, the site being down, or the network (`session` stops asking for a while).
UNREACHABLE: tuple[type[Exception], ...] = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError,
)

UNREACHABLE_ADVICE = ("nothing was sent; check that --api-url is right, that the site is up, "
                      "and your network or proxy settings")


def unreachable(exc: Exception) -> bool:
    """Whether an httpx exception means the site could not be reached at all."""
    return isinstance(exc, UNREACHABLE)


def _did_not_resolve(exc: BaseException) -> bool:
    """A DNS failure: httpx keeps the resolver's `socket.gaierror` in the exception chain."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, socket.gaierror):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _kind_of(exc: Exception) -> _Kind:
    for cls in type(exc).__mro__:
        if cls in HTTPX_ERRORS:
            return HTTPX_ERRORS[cls]
    return _Kind("HTTP failure", sent=True)


def from_httpx(exc: Exception, *, method: str, path: str, key: Secret | None,
               base_url: str | None = None, deadline: float | None = None) -> UploaderError:
    """Translate one httpx exception raised while sending `method path`.

    With `base_url`, a site that could not be reached is named by that URL (the problem is
    the same for every request): "nekoBT at <url>: could not connect (...) — check ...".
    With `deadline`, the exchange failed because its total deadline of that many seconds
    passed (`stream.Watchdog` cut it): the same TransportError as any lost answer, saying so.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        return from_response(exc.response, method=method, path=path, key=key)
    kind = _kind_of(exc)
    detail = _clip(str(exc)) or type(exc).__name__
    subject = f"nekoBT {method} {path}"
    if deadline is not None and kind.sent is not None:
        if kind.sent:
            detail = "the site is stalled or too slow"
            kind = _Kind(f"no complete answer within the {deadline:g} s deadline", sent=True)
        else:
            kind = _Kind(f"could not connect within the {deadline:g} s deadline", sent=False)
    if base_url is not None and unreachable(exc):
        problem = kind.problem
        if _did_not_resolve(exc):
            problem = f"the host name {urlsplit(base_url).hostname} did not resolve in DNS"
        message = f"nekoBT at {base_url}: {problem} ({detail}) — {UNREACHABLE_ADVICE}"
        return TransportError(redact(message, key), method=method, path=path, sent=False)
    if kind.sent is None:
        return ConfigError(redact(
            f"{subject}: {kind.problem} ({detail}) — check --api-url", key))
    if kind.sent:
        # Creating and deleting requests are not repeated by the client: say what that means.
        advice = ("the request may have reached the site; check before repeating it"
                  if method in ("POST", "DELETE") else "try again later")
    else:
        advice = "nothing was sent; check --api-url and the network"
    message = f"{subject}: {kind.problem} ({detail}) — {advice}"
    return TransportError(redact(message, key), method=method, path=path, sent=kind.sent)


# --- error answers -----------------------------------------------------------------------


def json_body(response: httpx.Response, *, max_values: int = DEFAULT_LIMITS.json_values
              ) -> dict[str, Any] | None:
    """The answer's JSON object, or None when the body is not one (HTML, empty, garbage,
    nested too deeply, a JSON array or string)."""
    value, _ = decode_json(response.content, max_values=max_values)
    return value if isinstance(value, dict) else None


def describe_body(response: httpx.Response) -> str:
    """A short, safe description of a body that is not the JSON we expected."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    if not response.content:
        return "an empty answer"
    return f"a non-JSON answer ({ctype}, {len(response.content)} bytes)"


def retry_after_header(response: httpx.Response, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP-date; None if unusable.

    An HTTP-date is measured against the answer's own `Date` header when present (the two
    come from the same clock), else against `now` (wall-clock seconds since the epoch).
    """
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value).timestamp()
            date = response.headers.get("date")
            if date is not None:
                base = parsedate_to_datetime(date).timestamp()
            else:
                base = time.time() if now is None else now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when - base
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _retry_after_json(body: dict[str, Any] | None) -> float | None:
    value = body.get("retry_after") if body is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SITE_TEXT else text[: _MAX_SITE_TEXT - 1] + "…"


def _validate_errors(entries: list[Any]) -> list[tuple[str, str]]:
    """(field path, message) per entry; a missing property's path names the property."""
    errors: list[tuple[str, str]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        path = entry.get("instancePath")
        path = path if isinstance(path, str) else ""
        params = entry.get("params")
        params = params if isinstance(params, dict) else {}
        for name in ("missingProperty", "additionalProperty"):
            extra = params.get(name)
            if isinstance(extra, str):
                path = f"{path}/{extra}"
        message = entry.get("message")
        errors.append((path or "/", message if isinstance(message, str) else "invalid"))
    return errors


def _str_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def from_response(
    response: httpx.Response, *, method: str, path: str, key: Secret | None,
    base_url: str | None = None,
) -> UploaderError:
    """Translate an error answer (any status that is not 2xx) into our exception.

    With `base_url`, a 404 that is not JSON says --api-url is wrong (`no_api_there`).
    """
    status = response.status_code
    body = json_body(response)
    site = body.get("message") if body is not None else None
    said = _clip(site) if isinstance(site, str) and site.strip() else None
    what = f"{status} {said}" if said else f"{status} with {describe_body(response)}"
    subject = f"nekoBT {method} {path}"
    common: dict[str, Any] = {"status": status, "payload": body, "method": method, "path": path}

    def msg(problem: str, advice: str) -> str:
        return redact(f"{subject}: {problem} — {advice}", key)

    if status == 401:
        if key is None:
            return AuthError(msg(f"the site wants an API key ({what})",
                                 "set NEKOBT_API_KEY or NEKOBT_API_KEY_FILE"), status=401)
        return AuthError(msg(f"the API key was refused ({what})",
                             "check NEKOBT_API_KEY, or generate a new key in your nekoBT "
                             "account settings"), status=401)
    if status == 429:
        wait = _retry_after_json(body)
        if wait is None:
            wait = retry_after_header(response)
        when = f"wait {wait:g} s" if wait is not None else "wait a while"
        return RateLimitedError(msg(f"rate limited ({what})", f"{when} and try again"),
                                retry_after=wait, **common)
    if status >= 500:
        return ServerError(msg(f"the site failed ({what})", "try again later"), **common)
    if status == 403:
        return ForbiddenError(msg(f"forbidden ({what})",
                                  "the key's user may not do this; check group roles"), **common)
    if status == 404:
        if body is None and base_url is not None:
            # The API answers its 404s in JSON; a web page means another site or path.
            return no_api_there(base_url, f"404 with {describe_body(response)}", key)
        return NotFoundError(msg(f"not found ({what})", "check the id"), **common)
    if status == 400 and body is not None:
        entries = body.get("validate_errors")
        if isinstance(entries, list):
            errors = _validate_errors(entries)
            listed = "; ".join(f"{p}: {m}" for p, m in errors) or said or "no details"
            return ValidationError(msg(f"the site rejected the request data ({_clip(listed)})",
                                       "fix these fields"), errors=errors, **common)
        if any(k in body for k in ("fails", "warns", "bad_torrents")):
            fails, warns = _str_list(body.get("fails")), _str_list(body.get("warns"))
            bad = _str_list(body.get("bad_torrents"))
            parts = [f"{len(fails)} failed"] if fails else []
            parts += [f"{len(warns)} warning(s)"] if warns else []
            parts += [f"not editable: {', '.join(bad)}"] if bad else []
            summary = ", ".join(parts) or "no details"
            return ChecksError(msg(f"{said or 'checks did not pass'} ({_clip(summary)})",
                                   "see the fails and warns the site listed"),
                               fails=fails, warns=warns, bad_torrents=bad, **common)
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return ApiError(msg(f"unexpected redirect ({status} to {_clip(location) or '?'})",
                            "check --api-url (it should end in /api/v1)"), **common)
    return ApiError(msg(f"the site refused the request ({what})",
                        "check the values sent"), **common)


def no_api_there(base_url: str, what: str, key: Secret | None) -> ConfigError:
    """--api-url leads to something that is not the nekoBT API (a 404, a web page)."""
    return ConfigError(redact(f"--api-url {base_url}: no nekoBT API there ({what}) — the URL "
                              "should end in /api/v1", key))


BAD_ANSWER = "the answer is not what the API documents"


def unexpected_answer(
    problem: str, *, status: int, payload: Any, method: str, path: str, key: Secret | None
) -> ApiError:
    """A 2xx answer we cannot use (not JSON, `error: true`, no `data`, a field of the wrong
    type, too large, not a file). Its `status` is the answer's 2xx status: `is_bad_answer`."""
    return ApiError(
        redact(f"nekoBT {method} {path}: {BAD_ANSWER} ({_clip(problem)}) — the site may be "
               "changing; try again later", key),
        status=status, payload=payload, method=method, path=path,
    )


def is_bad_answer(exc: UploaderError) -> bool:
    """An ApiError from `unexpected_answer`: the site said 2xx, but nothing usable."""
    return type(exc) is ApiError and 200 <= exc.status < 300


def bad_answer_lost(exc: ApiError) -> TransportError:
    """An unusable answer to a request whose effect matters (POST /upload), or whose answer
    the exactly-once decision reads (the infohash search): no answer at all, `sent=True`, so
    the caller asks the site by infohash before anything is repeated — never "not there"."""
    problem = exc.message.split(f"{BAD_ANSWER} (", 1)[-1].rsplit(") — ", 1)[0]
    advice = ("the upload may have reached the site; it is looked up by infohash before any "
              "repeat" if exc.method == "POST" else "it is taken as no answer; try again later")
    return TransportError(
        f"nekoBT {exc.method} {exc.path}: {BAD_ANSWER} ({problem}) — {advice}",
        method=exc.method, path=exc.path, sent=True)
