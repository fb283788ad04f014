"""The API key goes out as the `ssid` cookie and nowhere else: not in repr(client), not in any
raised exception (message, repr, traceback), not in logs captured at DEBUG — httpx's and
httpcore's own loggers included."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
from api_fakes import (
    KEY,
    UPLOAD,
    LoopbackServer,
    MakeClient,
    ScriptedSite,
    closed_port_url,
    fail,
    ok,
    reply,
)

from uploader.api import NekoClient
from uploader.exceptions import AuthError, UploaderError
from uploader.secret import Secret

TORRENT = ("json", 200, {"error": False, "data": {"id": "1"}})


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "uploader"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_hidden(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    for shown in (str(exc), repr(exc), repr(exc.args), text):
        assert KEY not in shown


def test_repr_and_str_of_the_client_hide_the_key(make_client: MakeClient) -> None:
    client = make_client(ScriptedSite())
    assert repr(client) == "NekoClient(base_url='https://nekobt.test/api/v1', api_key=<hidden>)"
    assert KEY not in str(client)
    assert repr(make_client(ScriptedSite(), key=None)) == (
        "NekoClient(base_url='https://nekobt.test/api/v1', api_key=None)")


def test_no_exception_shows_the_key(make_client: MakeClient, site: ScriptedSite) -> None:
    site.on("GET", "/torrents/1", reply(401, {"error": True, "message": f"Bad key {KEY}."}))
    site.on("GET", "/torrents/2", reply(429, {"error": True, "message": "x", "retry_after": 1}))
    site.on("GET", "/torrents/3", reply(500, content=b"<html>oops</html>"))
    site.on("GET", "/torrents/4", reply(400, {"error": True, "message": "bad",
                                              "validate_errors": [{"instancePath": "/x",
                                                                   "message": "no"}]}))
    site.on("GET", "/torrents/5", fail(httpx.LocalProtocolError(f"Illegal header ssid={KEY}")))
    site.on("GET", "/torrents/6", fail(httpx.ReadTimeout("timed out")))
    site.on("POST", "/upload", reply(400, {"error": True, "message": "no", "fails": ["f"],
                                           "warns": []}))
    site.on("GET", "/stats", reply(200, content=b"<html>login</html>"))
    client = make_client(site, max_attempts=2)
    raised: list[UploaderError] = []
    for n in range(1, 7):
        with pytest.raises(UploaderError) as caught:
            client.get_torrent(str(n))
        raised.append(caught.value)
    for call in (lambda: client.upload(UPLOAD), client.get_stats):
        with pytest.raises(UploaderError) as caught:
            call()
        raised.append(caught.value)
    assert len({type(e) for e in raised}) == 7
    for exc in raised:
        assert_hidden(exc)
    # The site's own message is kept, with the key masked.
    assert "Bad key <hidden>." in str(raised[0])
    assert "Illegal header ssid=<hidden>" in str(raised[4])
    # ...and the key really was sent, so the checks above could have failed.
    assert {r.headers["cookie"] for r in site.requests} == {f"ssid={KEY}"}


@pytest.mark.parametrize("bad", ["abc def", "abc\r\nX-Evil: 1", "abc;ssid=x", "ключ", 'a"b'])
def test_a_key_that_cannot_be_a_cookie_is_refused_without_quoting_it(bad: str) -> None:
    with pytest.raises(AuthError) as caught:
        NekoClient("https://nekobt.test/api/v1", Secret(bad))
    assert "holds characters a key cannot have" in str(caught.value)
    for shown in (str(caught.value), repr(caught.value),
                  "".join(traceback.format_exception(caught.value))):
        assert bad not in shown


def test_debug_logs_never_show_the_key(make_client: MakeClient,
                                       debug_logs: pytest.LogCaptureFixture) -> None:
    limited = ("json", 429, {"error": True, "message": "slow", "retry_after": 0.5})
    unauthorized = ("json", 401, {"error": True, "message": "Unauthorized."})
    script = [TORRENT, limited, TORRENT, "drop", TORRENT, unauthorized, "hang"]
    with LoopbackServer(*script) as server:
        client = make_client(base_url=server.url, timeout=0.3, max_attempts=2)
        client.get_torrent("1")
        client.get_torrent("1")  # 429, then answered
        client.get_torrent("1")  # dropped, then answered
        for call in (lambda: client.get_torrent("1"), lambda: client.upload(UPLOAD)):
            with pytest.raises(UploaderError) as caught:  # 401, then the upload times out
                call()
            assert_hidden(caught.value)
    refused = make_client(base_url=closed_port_url(), max_attempts=2)
    with pytest.raises(UploaderError) as caught:
        refused.get_stats()
    assert_hidden(caught.value)

    assert {r.headers.get("Cookie") for r in server.received} == {f"ssid={KEY}"}
    loggers = {record.name for record in debug_logs.records}
    assert {"httpx", "uploader.api"} <= loggers
    assert any(name.startswith("httpcore") for name in loggers)
    assert "send_request_headers" in debug_logs.text  # httpcore did log each request
    assert "attempt 1/2 failed, retrying in" in debug_logs.text
    assert KEY not in debug_logs.text
    for record in debug_logs.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)


def test_the_key_is_not_kept_in_httpx_client_state(make_client: MakeClient,
                                                   site: ScriptedSite) -> None:
    site.on("GET", "/stats", ok({}))
    client = make_client(site)
    client.get_stats()
    http = client._session._http
    assert KEY not in repr(dict(http.headers))
    assert list(http.cookies.jar) == []
