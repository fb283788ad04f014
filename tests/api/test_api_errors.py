"""Every documented error shape, and every httpx exception, becomes the right exception of
ours with its parts as attributes; bodies that are not JSON never crash the client."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
from api_fakes import HTML_429, UPLOAD, MakeClient, ScriptedSite, fail, ok, reply

from uploader.api import errors
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

UNAUTHORIZED = {"error": True, "message": "Unauthorized."}


def call_failing(make_client: MakeClient, site: ScriptedSite, method: str, path: str,
                 answer: Any, **kw: Any) -> UploaderError:
    """Run the endpoint at (method, path) against `answer`; return what it raised."""
    site.on(method, path, answer)
    client = make_client(site, max_attempts=1, **kw)
    calls = {
        ("GET", "/torrents/search"): lambda: client.search_torrents(limit=500),
        ("GET", "/torrents/1"): lambda: client.get_torrent("1"),
        ("POST", "/upload"): lambda: client.upload(UPLOAD),
        ("PATCH", "/torrents/bulk/edit"): lambda: client.bulk_edit(
            ["1234567890", "0987654321"], {"fsub_lang": "en"}),
        ("PATCH", "/torrents/1"): lambda: client.edit_torrent("1", {"fsub_lang": "en"}),
        ("GET", "/torrents/1/download"): lambda: client.download_torrent("1"),
        ("GET", "/stats"): lambda: client.get_stats(),
    }
    with pytest.raises(UploaderError) as caught:
        calls[(method, path)]()
    return caught.value


# --- 401 ---------------------------------------------------------------------------------


def test_401_is_an_auth_error(make_client: MakeClient, site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(401, UNAUTHORIZED))
    assert type(exc) is AuthError
    assert exc.status == 401
    assert exc.exit_code == 3
    assert str(exc) == (
        "nekoBT GET /torrents/1: the API key was refused (401 Unauthorized.) — check "
        "NEKOBT_API_KEY, or generate a new key in your nekoBT account settings")


def test_401_without_a_key_says_to_set_one(make_client: MakeClient, site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(401, UNAUTHORIZED),
                       key=None)
    assert type(exc) is AuthError
    assert "wants an API key" in str(exc)
    assert "set NEKOBT_API_KEY" in str(exc)


# --- 400 validation ----------------------------------------------------------------------


def _invalid(message: str, *entries: dict[str, Any]) -> Any:
    return reply(400, {"error": True, "message": message, "validate_errors": list(entries)})


VALIDATION_SHAPES = {
    "missing_required": (
        _invalid("Data provided was invalid: must have required property 'query'.",
                 {"instancePath": "", "schemaPath": "#/required", "keyword": "required",
                  "params": {"missingProperty": "query"},
                  "message": "must have required property 'query'"}),
        [("/query", "must have required property 'query'")]),
    "over_maximum": (
        _invalid("Data provided was invalid: 'limit' must be <= 100.",
                 {"instancePath": "/limit", "schemaPath": "#/properties/limit/maximum",
                  "keyword": "maximum", "params": {"comparison": "<=", "limit": 100},
                  "message": "must be <= 100"}),
        [("/limit", "must be <= 100")]),
    "below_minimum": (
        _invalid("Data provided was invalid: 'offset' must be >= 0.",
                 {"instancePath": "/offset", "schemaPath": "#/properties/offset/minimum",
                  "keyword": "minimum", "params": {"comparison": ">=", "limit": 0},
                  "message": "must be >= 0"}),
        [("/offset", "must be >= 0")]),
    "wrong_type": (
        _invalid("Data provided was invalid: 'offset' must be integer.",
                 {"instancePath": "/offset", "schemaPath": "#/properties/offset/type",
                  "keyword": "type", "params": {"type": "integer"},
                  "message": "must be integer"}),
        [("/offset", "must be integer")]),
    "nested_and_extra": (
        _invalid("Data provided was invalid.",
                 {"instancePath": "/primary_group/members/0/display_name",
                  "keyword": "maxLength", "params": {"limit": 32},
                  "message": "must NOT have more than 32 characters"},
                 {"instancePath": "", "keyword": "additionalProperties",
                  "params": {"additionalProperty": "audio_lang"},
                  "message": "must NOT have additional properties"}),
        [("/primary_group/members/0/display_name", "must NOT have more than 32 characters"),
         ("/audio_lang", "must NOT have additional properties")]),
}


@pytest.mark.parametrize("shape", list(VALIDATION_SHAPES))
def test_validate_errors_become_a_validation_error(
    shape: str, make_client: MakeClient, site: ScriptedSite
) -> None:
    answer, expected = VALIDATION_SHAPES[shape]
    exc = call_failing(make_client, site, "GET", "/torrents/search", answer)
    assert type(exc) is ValidationError
    assert exc.errors == expected
    assert exc.status == 400
    assert (exc.method, exc.path) == ("GET", "/torrents/search")
    assert exc.payload["validate_errors"][0]["message"] == expected[0][1]
    for path, message in expected:
        assert f"{path}: {message}" in str(exc)


# --- 400 checks --------------------------------------------------------------------------

PUBLIC_WARN = ("You have not included our public tracker URL in your torrent. If you plan to "
               "upload this torrent to other sites, you should make sure you include it.")
AUDIO_WARN = ("You have not added any audio languages, please make sure to include them if "
              "you have any audio tracks.")
LEVEL_FAIL = 'You have set sub level to "no subs", but you have added fansub languages.'


def test_upload_warnings_become_a_checks_error(make_client: MakeClient,
                                               site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "POST", "/upload", reply(400, {
        "error": True, "message": "Can't upload torrent due to parsing warnings.",
        "fails": [], "warns": [PUBLIC_WARN, AUDIO_WARN]}))
    assert type(exc) is ChecksError
    assert (exc.fails, exc.warns, exc.bad_torrents) == ([], [PUBLIC_WARN, AUDIO_WARN], [])
    assert str(exc).startswith(
        "nekoBT POST /upload: Can't upload torrent due to parsing warnings. (2 warning(s))")


def test_upload_failures_become_a_checks_error(make_client: MakeClient,
                                               site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "POST", "/upload", reply(400, {
        "error": True, "message": "Can't upload torrent due to parsing failures.",
        "fails": ["Torrents must have at least one backup tracker."],
        "warns": [PUBLIC_WARN, AUDIO_WARN]}))
    assert type(exc) is ChecksError
    assert exc.fails == ["Torrents must have at least one backup tracker."]
    assert exc.warns == [PUBLIC_WARN, AUDIO_WARN]


def test_edit_failures_become_a_checks_error(make_client: MakeClient,
                                             site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "PATCH", "/torrents/1", reply(400, {
        "error": True, "message": "Can't edit torrent due to parsing failures.",
        "fails": [LEVEL_FAIL], "warns": []}))
    assert type(exc) is ChecksError
    assert (exc.fails, exc.warns) == ([LEVEL_FAIL], [])


def test_bulk_edit_bad_torrents_become_a_checks_error(make_client: MakeClient,
                                                      site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "PATCH", "/torrents/bulk/edit", reply(400, {
        "error": True, "message": "Can't edit torrent due to parsing failures.",
        "fails": [LEVEL_FAIL], "bad_torrents": ["0987654321"], "warns": []}))
    assert type(exc) is ChecksError
    assert (exc.fails, exc.warns, exc.bad_torrents) == ([LEVEL_FAIL], [], ["0987654321"])
    assert "not editable: 0987654321" in str(exc)


def test_bulk_edit_perms_raises_when_the_400_is_not_about_permissions(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    site.on("PATCH", "/torrents/bulk/edit/perms", reply(400, {
        "error": True, "message": "Data provided was invalid: 'ids' must NOT have more than "
        "250 items.", "validate_errors": [{"instancePath": "/ids", "message":
                                           "must NOT have more than 250 items"}]}))
    with pytest.raises(ValidationError) as caught:
        make_client(site).bulk_edit_perms(["1"])
    assert caught.value.errors == [("/ids", "must NOT have more than 250 items")]


def test_other_400_is_a_plain_api_error(make_client: MakeClient, site: ScriptedSite) -> None:
    body = {"error": True, "message": "Torrent already exists."}
    exc = call_failing(make_client, site, "POST", "/upload", reply(400, body))
    assert type(exc) is ApiError
    assert (exc.status, exc.payload) == (400, body)
    assert str(exc) == ("nekoBT POST /upload: the site refused the request (400 Torrent "
                        "already exists.) — check the values sent")


# --- 403, 404, 429, 5xx and others --------------------------------------------------------


@pytest.mark.parametrize(("status", "message", "cls"), [
    (403, "Torrent is waiting for approval.", ForbiddenError),
    (404, "Torrent not found.", NotFoundError),
    (500, "Internal Error", ServerError),
    (503, "Timed out whilst fetching stats.", ServerError),
    (405, "Method not allowed.", ApiError),
    (413, "Too large.", ApiError),
])
def test_status_maps_to_its_exception(status: int, message: str, cls: type[ApiError],
                                      make_client: MakeClient, site: ScriptedSite) -> None:
    body = {"error": True, "message": message}
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(status, body))
    assert type(exc) is cls
    assert (exc.status, exc.payload, exc.method, exc.path) == (status, body, "GET",
                                                               "/torrents/1")
    assert f"({status} {message})" in str(exc)


def test_429_json_carries_retry_after(make_client: MakeClient, site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(429, {
        "error": True, "message": "Rate limit exceeded, try again in 12 seconds.",
        "retry_after": 11.82}))
    assert type(exc) is RateLimitedError
    assert exc.retry_after == 11.82
    assert exc.status == 429
    assert "wait 11.82 s and try again" in str(exc)


def test_429_html_carries_the_retry_after_header(make_client: MakeClient,
                                                 site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(
        429, content=HTML_429,
        headers={"Content-Type": "text/html; charset=UTF-8", "Retry-After": "4"}))
    assert type(exc) is RateLimitedError
    assert exc.retry_after == 4.0
    assert exc.payload is None
    assert "429 with a non-JSON answer (text/html, " in str(exc)


def test_429_html_with_an_http_date(make_client: MakeClient, site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(
        429, content=HTML_429, headers={
            "Content-Type": "text/html", "Date": "Wed, 21 Oct 2026 07:28:00 GMT",
            "Retry-After": "Wed, 21 Oct 2026 07:28:09 GMT"}))
    assert type(exc) is RateLimitedError
    assert exc.retry_after == 9.0


@pytest.mark.parametrize("header", [None, "soon", "nan", "-3"])
def test_429_without_a_usable_wait(header: str | None, make_client: MakeClient,
                                   site: ScriptedSite) -> None:
    headers = {"Content-Type": "text/html"} | ({"Retry-After": header} if header else {})
    exc = call_failing(make_client, site, "GET", "/torrents/1",
                       reply(429, content=HTML_429, headers=headers))
    assert type(exc) is RateLimitedError
    assert exc.retry_after == (0.0 if header == "-3" else None)


@pytest.mark.parametrize(("content", "ctype", "described"), [
    (b"<html><body>502 Bad Gateway</body></html>", "text/html", "a non-JSON answer (text/html"),
    (b"", "text/plain", "an empty answer"),
    (b'{"error": true, "mess', "application/json", "a non-JSON answer (application/json"),
    (b"\xff\xfe\x00garbage", "", "a non-JSON answer (no content type"),
    (b'["not", "an", "object"]', "application/json", "a non-JSON answer (application/json"),
])
def test_5xx_without_json_is_a_clear_server_error(
    content: bytes, ctype: str, described: str, make_client: MakeClient, site: ScriptedSite
) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    exc = call_failing(make_client, site, "GET", "/torrents/1",
                       reply(502, content=content, headers=headers))
    assert type(exc) is ServerError
    assert exc.payload is None
    assert f"the site failed (502 with {described}" in str(exc)


def test_redirects_are_reported_not_followed(make_client: MakeClient,
                                             site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1", reply(
        301, content=b"", headers={"Location": "https://elsewhere.test/api/v1/torrents/1"}))
    assert type(exc) is ApiError
    assert "unexpected redirect (301 to https://elsewhere.test/api/v1/torrents/1)" in str(exc)
    assert len(site.requests) == 1


@pytest.mark.parametrize(("answer", "problem"), [
    (reply(200, content=b"<html>login</html>", headers={"Content-Type": "text/html"}),
     "expected JSON, got a non-JSON answer (text/html"),
    (reply(200, content=b""), "expected JSON, got an empty answer"),
    (reply(200, {"error": True, "message": "odd"}), "status 200 but the site reported an "
     "error (odd)"),
    (reply(200, {"error": False, "data": ["a list"]}), "the answer's `data` is not a JSON "
     "object"),
    (reply(200, {"error": False}), "the answer's `data` is not a JSON object"),
])
def test_unusable_2xx_answers_are_api_errors(answer: Any, problem: str,
                                             make_client: MakeClient,
                                             site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/stats", answer)
    assert type(exc) is ApiError
    assert problem in str(exc)
    assert str(exc).startswith("nekoBT GET /stats: the answer is not what the API documents (")
    assert str(exc).endswith("— the site may be changing; try again later")


def test_upload_answer_without_an_id(make_client: MakeClient, site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "POST", "/upload", ok({"id": None}))
    # The site may have stored it: a lost answer, resolved by the infohash lookup.
    assert type(exc) is TransportError
    assert exc.sent is True
    assert str(exc) == ("nekoBT POST /upload: the answer is not what the API documents (no "
                        "torrent id in `data` (missing)) — the upload may have reached the "
                        "site; it is looked up by infohash before any repeat")


@pytest.mark.parametrize(("ctype", "content"), [
    ("text/html", b"<html>Just a moment...</html>"),
    ("application/json", b'{"error": false}'),
    ("application/x-bittorrent", b""),
])
def test_download_refuses_what_is_not_a_file(ctype: str, content: bytes,
                                             make_client: MakeClient,
                                             site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1/download",
                       reply(200, content=content, headers={"Content-Type": ctype}))
    assert type(exc) is ApiError
    assert "expected a file, got" in str(exc)


def test_a_download_error_answer_is_still_mapped(make_client: MakeClient,
                                                 site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "GET", "/torrents/1/download",
                       reply(404, {"error": True, "message": "Torrent not found."}))
    assert type(exc) is NotFoundError


# --- httpx exceptions ----------------------------------------------------------------------


def _httpx_exception_classes() -> list[type[Exception]]:
    return sorted((obj for obj in vars(httpx).values()
                   if inspect.isclass(obj) and issubclass(obj, Exception)),
                  key=lambda cls: cls.__name__)


def _instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", "https://nekobt.test/api/v1/stats")
    if cls is httpx.HTTPStatusError:
        return cls("boom", request=request, response=httpx.Response(503, request=request))
    try:
        return cls("boom")
    except TypeError:  # StreamConsumed() and friends take no message
        return cls()


def test_every_httpx_exception_class_is_mapped() -> None:
    classes = _httpx_exception_classes()
    assert len(classes) == 28  # httpx 0.28; a new class fails here until it is mapped
    assert set(classes) == set(errors.HTTPX_ERRORS)
    for cls in classes:
        assert issubclass(cls, errors.HTTPX_EXCEPTIONS), cls


@pytest.mark.parametrize("cls", _httpx_exception_classes(), ids=lambda c: c.__name__)
def test_each_httpx_exception_becomes_ours(cls: type[Exception]) -> None:
    exc = errors.from_httpx(_instance(cls), method="POST", path="/upload", key=None)
    assert isinstance(exc, UploaderError)
    assert not isinstance(exc, httpx.HTTPError)
    if cls in (httpx.InvalidURL, httpx.CookieConflict):
        assert type(exc) is ConfigError
    elif cls is httpx.HTTPStatusError:
        assert type(exc) is ServerError
    else:
        assert type(exc) is TransportError
        assert exc.sent is errors.HTTPX_ERRORS[cls].sent
        assert (exc.method, exc.path) == ("POST", "/upload")


NOT_SENT = [httpx.ConnectTimeout, httpx.ConnectError, httpx.PoolTimeout, httpx.ProxyError,
            httpx.UnsupportedProtocol, httpx.LocalProtocolError]
MAYBE_SENT = [httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError,
              httpx.WriteTimeout, httpx.WriteError, httpx.CloseError]


@pytest.mark.parametrize("cls", NOT_SENT + MAYBE_SENT, ids=lambda c: c.__name__)
def test_transport_failures_through_the_client(cls: type[Exception], make_client: MakeClient,
                                               site: ScriptedSite) -> None:
    site.on("GET", "/stats", fail(cls("low-level detail")))
    with pytest.raises(TransportError) as caught:
        make_client(site, max_attempts=1).get_stats()
    exc = caught.value
    assert exc.sent is (cls in MAYBE_SENT)
    assert "(low-level detail)" in str(exc)
    assert exc.__suppress_context__  # the httpx exception (and its request) is not chained
    if exc.sent:
        assert str(exc).endswith("— try again later")
    elif cls in (httpx.ConnectTimeout, httpx.ConnectError, httpx.ProxyError):
        # The site could not be reached: the message names the URL, not the request.
        assert str(exc).startswith("nekoBT at https://nekobt.test/api/v1: ")
        assert str(exc).endswith("— nothing was sent; check that --api-url is right, that the "
                                 "site is up, and your network or proxy settings")
    else:
        assert str(exc).endswith("— nothing was sent; check --api-url and the network")


def test_lost_answer_to_a_post_says_to_check_before_repeating(make_client: MakeClient,
                                                              site: ScriptedSite) -> None:
    exc = call_failing(make_client, site, "POST", "/upload", fail(httpx.ReadTimeout("timed out")))
    assert type(exc) is TransportError
    assert exc.sent is True
    assert str(exc) == ("nekoBT POST /upload: timed out waiting for the answer (timed out) — "
                        "the request may have reached the site; check before repeating it")


def test_retry_after_header_parsing() -> None:
    def parse(value: str, **headers: str) -> float | None:
        return errors.retry_after_header(httpx.Response(429, headers={"Retry-After": value,
                                                                      **headers}), now=100.0)

    assert parse("4") == 4.0
    assert parse(" 2.5 ") == 2.5
    assert parse("Thu, 01 Jan 1970 00:01:50 GMT") == 10.0  # against `now`
    assert parse("Thu, 01 Jan 1970 00:01:50 GMT", Date="Thu, 01 Jan 1970 00:01:45 GMT") == 5.0
    assert parse("Thu, 01 Jan 1970 00:00:10 GMT") == 0.0  # in the past: no wait
    assert parse("inf") is None
    assert parse("later") is None
