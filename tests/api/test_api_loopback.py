"""What only real sockets show: timeouts, dropped connections, refused connections and both
429 shapes, against a tiny HTTP server on 127.0.0.1. Waits between retries still go through
the fake clock, so nothing here sleeps for real except the short read timeouts."""

from __future__ import annotations

import json

import pytest
from api_fakes import UPLOAD, FakeClock, LoopbackServer, MakeClient, closed_port_url

from uploader.exceptions import RateLimitedError, ServerError, TransportError

TORRENT = ("json", 200, {"error": False, "data": {"id": "1", "title": "T"}})
UPLOADED = ("json", 200, {"error": False, "data": {"id": "55"}})


def test_read_timeout_on_a_get_is_retried_then_reported(make_client: MakeClient,
                                                        clock: FakeClock) -> None:
    with LoopbackServer("hang") as server:
        client = make_client(base_url=server.url, timeout=0.3, max_attempts=2)
        with pytest.raises(TransportError) as caught:
            client.get_torrent("1")
    exc = caught.value
    assert exc.sent is True
    assert str(exc).startswith("nekoBT GET /torrents/1: timed out waiting for the answer")
    assert [r.path for r in server.received] == ["/api/v1/torrents/1"] * 2
    assert len(clock.sleeps) == 1


def test_read_timeout_on_upload_is_not_retried(make_client: MakeClient,
                                               clock: FakeClock) -> None:
    with LoopbackServer("hang", UPLOADED) as server:
        client = make_client(base_url=server.url, timeout=0.3)
        with pytest.raises(TransportError) as caught:
            client.upload(UPLOAD)
    assert caught.value.sent is True
    assert "the request may have reached the site" in str(caught.value)
    assert len(server.received) == 1
    assert json.loads(server.received[0].body) == UPLOAD  # it did arrive, whole
    assert clock.sleeps == []


def test_dropped_connection_on_a_get_is_retried(make_client: MakeClient,
                                                clock: FakeClock) -> None:
    with LoopbackServer("drop", TORRENT) as server:
        client = make_client(base_url=server.url)
        assert client.get_torrent("1") == {"id": "1", "title": "T"}
    assert len(server.received) == 2
    assert len(clock.sleeps) == 1


def test_dropped_connection_on_upload_is_sent_and_not_retried(make_client: MakeClient,
                                                              clock: FakeClock) -> None:
    with LoopbackServer("drop", UPLOADED) as server:
        client = make_client(base_url=server.url)
        with pytest.raises(TransportError) as caught:
            client.upload(UPLOAD)
    exc = caught.value
    assert exc.sent is True
    assert (exc.method, exc.path) == ("POST", "/upload")
    assert "closed the connection without a valid answer" in str(exc)
    assert [(r.method, r.path) for r in server.received] == [("POST", "/api/v1/upload")]
    assert json.loads(server.received[0].body) == UPLOAD
    assert clock.sleeps == []


def test_connection_refused_is_not_sent(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(base_url=closed_port_url(), max_attempts=3)
    with pytest.raises(TransportError) as caught:
        client.get_torrent("1")
    assert caught.value.sent is False
    assert "could not connect" in str(caught.value)
    assert len(clock.sleeps) == 2  # a read: retried up to max_attempts
    with pytest.raises(TransportError) as caught:
        client.upload(UPLOAD)
    assert caught.value.sent is False
    assert "nothing was sent" in str(caught.value)
    assert len(clock.sleeps) == 2  # the upload: not retried


def test_json_429_over_http_waits_retry_after(make_client: MakeClient,
                                              clock: FakeClock) -> None:
    limited = ("json", 429, {"error": True, "message": "Rate limit exceeded, try again in 3 "
                             "seconds.", "retry_after": 2.5})
    with LoopbackServer(limited, TORRENT) as server:
        assert make_client(base_url=server.url).get_torrent("1")["id"] == "1"
    assert clock.sleeps == [2.5]
    assert len(server.received) == 2


def test_html_429_over_http_waits_the_header(make_client: MakeClient,
                                             clock: FakeClock) -> None:
    with LoopbackServer(("html", 429, {"Retry-After": "3"}), TORRENT) as server:
        assert make_client(base_url=server.url).get_torrent("1")["id"] == "1"
    assert clock.sleeps == [3.0]


def test_html_429_over_http_on_upload_is_reported(make_client: MakeClient,
                                                  clock: FakeClock) -> None:
    with (LoopbackServer(("html", 429, {"Retry-After": "7"}), UPLOADED) as server,
          pytest.raises(RateLimitedError) as caught):
        make_client(base_url=server.url).upload(UPLOAD)
    assert caught.value.retry_after == 7.0
    assert len(server.received) == 1
    assert clock.sleeps == []


def test_html_5xx_over_http_is_a_server_error(make_client: MakeClient,
                                              clock: FakeClock) -> None:
    with LoopbackServer(("html", 502)) as server, pytest.raises(ServerError) as caught:
        make_client(base_url=server.url, max_attempts=2).get_stats()
    assert "502 with a non-JSON answer (text/html" in str(caught.value)
    assert len(server.received) == 2
