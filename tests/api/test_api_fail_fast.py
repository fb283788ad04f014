"""A site that cannot be reached fails in seconds with one clear error; a wrong --api-url and a
refused key are named as such; lost answers keep their full, exactly-once handling.

The real-time tests measure seconds against real loopback sockets (the sandbox served, then
stopped); the others use the fake clock so every wait is asserted.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from api_fakes import (
    HTML_429,
    UPLOAD,
    FakeClock,
    LoopbackServer,
    MakeClient,
    Reply,
    ScriptedSite,
    fail,
    ok,
)

from uploader.api import NekoClient
from uploader.api.retry import RetryPolicy
from uploader.api.session import UNREACHABLE_MEMORY
from uploader.exceptions import (
    AuthError,
    ConfigError,
    NotFoundError,
    ServerError,
    TransportError,
)
from uploader.sandbox import DEMO_API_KEY, DEMO_USER_ID, SandboxServer, Site
from uploader.secret import Secret

ADVICE = ("nothing was sent; check that --api-url is right, that the site is up, and your "
          "network or proxy settings")
DNS_URL = "https://nekobt.invalid/api/v1"  # RFC 6761: never resolves


class CountingTransport(httpx.HTTPTransport):
    """The real network, with every request that went out to it counted."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return super().handle_request(request)


@pytest.fixture
def stopped_sandbox() -> str:
    """The URL of a sandbox that was served on loopback and has stopped (refused)."""
    with SandboxServer(Site.demo()) as server:
        url = server.url
        with NekoClient(url, Secret(DEMO_API_KEY), min_interval=0.0) as client:
            assert client.check_key()["id"] == DEMO_USER_ID  # it was there
    return url


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(Site.demo()) as server:
        yield server


# --- measured in real seconds ------------------------------------------------------------


def test_refused_port_fails_in_seconds_with_one_error(stopped_sandbox: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="uploader.api")
    transport = CountingTransport()
    started = time.monotonic()
    with NekoClient(stopped_sandbox, Secret(DEMO_API_KEY), transport=transport) as client:
        with pytest.raises(TransportError) as first:
            client.get_langs()
        with pytest.raises(TransportError) as second:
            client.get_group("1300000000000000100")
        with pytest.raises(TransportError) as upload:
            client.upload(UPLOAD)
    seconds = time.monotonic() - started
    assert seconds < 12.0
    assert seconds < 5.0  # two waits of 0.5-1 s and 1-2 s, then nothing
    message = (f"nekoBT at {stopped_sandbox}: could not connect ([Errno 111] Connection "
               f"refused) — {ADVICE}")
    assert [str(first.value), str(second.value), str(upload.value)] == [message] * 3
    assert [e.sent for e in (first.value, second.value, upload.value)] == [False] * 3
    assert (upload.value.method, upload.value.path) == ("POST", "/upload")
    # Three tries of the first request; the next two never touched the network.
    assert transport.sent == ["GET /api/v1/langs"] * 3
    assert [m.split(" — ")[1].split(",")[0] for m in caplog.messages] == [
        "attempt 1/3 failed", "attempt 2/3 failed"]
    assert all(m.startswith("nekoBT GET /langs: could not connect ([Errno 111] Connection "
                            "refused) — attempt ") for m in caplog.messages)


def test_dns_failure_fails_in_seconds(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="uploader.api")
    transport = CountingTransport()
    started = time.monotonic()
    with NekoClient(DNS_URL, Secret(DEMO_API_KEY), transport=transport) as client:
        with pytest.raises(TransportError) as caught:
            client.check_key()
        with pytest.raises(TransportError):
            client.get_stats()
    seconds = time.monotonic() - started
    assert seconds < 12.0
    assert str(caught.value).startswith(
        f"nekoBT at {DNS_URL}: the host name nekobt.invalid did not resolve in DNS (")
    assert str(caught.value).endswith(f") — {ADVICE}")
    assert caught.value.sent is False
    assert len(transport.sent) <= 3
    assert set(transport.sent) == {"GET /api/v1/users/@me"}


def test_check_key_on_a_refused_port(stopped_sandbox: str) -> None:
    started = time.monotonic()
    with (NekoClient(stopped_sandbox, Secret(DEMO_API_KEY)) as client,
          pytest.raises(TransportError) as caught):
        client.check_key()
    assert time.monotonic() - started < 12.0
    assert str(caught.value).startswith(f"nekoBT at {stopped_sandbox}: could not connect")


# --- the key and the base URL, against the sandbox over loopback -------------------------


def test_check_key_is_one_request(sandbox: SandboxServer) -> None:
    with NekoClient(sandbox.url, Secret(DEMO_API_KEY), min_interval=0.0) as client:
        me = client.check_key()
    assert (me["id"], me["username"]) == (DEMO_USER_ID, "demo")
    assert [(r.method, r.path) for r in sandbox.site.requests] == [("GET", "/users/@me")]


def test_check_key_refused_is_exit_3(sandbox: SandboxServer) -> None:
    with (NekoClient(sandbox.url, Secret("nekobt-wrong-key"), min_interval=0.0) as client,
          pytest.raises(AuthError) as caught):
        client.check_key()
    assert caught.value.exit_code == 3
    assert str(caught.value) == (
        "nekoBT GET /users/@me: the API key was refused (401 Unauthorized.) — check "
        "NEKOBT_API_KEY, or generate a new key in your nekoBT account settings")
    assert len(sandbox.site.requests) == 1  # a 401 is never retried


@pytest.mark.parametrize("suffix", ["", "/api", "/api/v2", "/v1"])
def test_check_key_on_a_wrong_base_path(sandbox: SandboxServer, suffix: str) -> None:
    url = sandbox.url.removesuffix("/api/v1") + suffix
    with (NekoClient(url, Secret(DEMO_API_KEY), min_interval=0.0) as client,
          pytest.raises(ConfigError) as caught):
        client.check_key()
    assert caught.value.exit_code == 2
    assert str(caught.value) == (f"--api-url {url}: no nekoBT API there (404) — the URL should "
                                 "end in /api/v1")
    assert len(sandbox.site.requests) == 1


def test_check_key_on_a_web_page(make_client: MakeClient) -> None:
    with LoopbackServer(("html", 200)) as server:
        with pytest.raises(ConfigError) as caught:
            make_client(base_url=server.url).check_key()
        assert len(server.received) == 1
    assert str(caught.value) == (
        f"--api-url {server.url}: no nekoBT API there (200 with a non-JSON answer (text/html, "
        f"{len(HTML_429)} bytes)) — the URL should end in /api/v1")


def test_an_html_404_says_the_url_is_wrong_not_the_id(make_client: MakeClient) -> None:
    with LoopbackServer(("html", 404)) as server:
        with pytest.raises(ConfigError) as caught:
            make_client(base_url=server.url).get_group("1")
        assert len(server.received) == 1
    assert not isinstance(caught.value, NotFoundError)
    assert str(caught.value) == (
        f"--api-url {server.url}: no nekoBT API there (404 with a non-JSON answer (text/html, "
        f"{len(HTML_429)} bytes)) — the URL should end in /api/v1")


def test_a_json_404_still_names_the_id(sandbox: SandboxServer) -> None:
    with (NekoClient(sandbox.url, Secret(DEMO_API_KEY), min_interval=0.0) as client,
          pytest.raises(NotFoundError) as caught):
        client.get_group("999")
    assert str(caught.value) == "nekoBT GET /groups/999: not found (404 Group not found.) — " \
                                "check the id"


# --- budgets, with the fake clock ---------------------------------------------------------


def slow(clock: FakeClock, seconds: float, exc: Exception) -> Reply:
    """A transport failure that takes `seconds` of (fake) time to happen."""

    def build(request: httpx.Request) -> httpx.Response:
        clock.now += seconds
        raise exc

    return build


def dns_error() -> httpx.ConnectError:
    try:
        try:
            raise socket.gaierror(-3, "Temporary failure in name resolution")
        except socket.gaierror as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as exc:
        return exc


def test_a_slow_resolver_is_not_asked_again(make_client: MakeClient, site: ScriptedSite,
                                            clock: FakeClock) -> None:
    site.on("GET", "/stats", slow(clock, 5.0, dns_error()))
    with pytest.raises(TransportError) as caught:
        make_client(site).get_stats()
    # 5 s spent; a wait and another 5 s attempt would pass the 8 s budget.
    assert (site.count("GET", "/stats"), clock.sleeps) == (1, [])
    assert str(caught.value) == (
        "nekoBT at https://nekobt.test/api/v1: the host name nekobt.test did not resolve in DNS "
        f"([Errno -3] Temporary failure in name resolution) — {ADVICE}")


def test_a_connect_timeout_is_not_repeated(make_client: MakeClient, site: ScriptedSite,
                                           clock: FakeClock) -> None:
    site.on("GET", "/stats", slow(clock, 10.0, httpx.ConnectTimeout("timed out")))
    with pytest.raises(TransportError):
        make_client(site).get_stats()
    assert (site.count("GET", "/stats"), clock.sleeps) == (1, [])


def test_refused_is_tried_three_times_whatever_max_attempts(make_client: MakeClient,
                                                           site: ScriptedSite,
                                                           clock: FakeClock) -> None:
    site.on("GET", "/stats", fail(httpx.ConnectError("[Errno 111] Connection refused")))
    with pytest.raises(TransportError):
        make_client(site, max_attempts=8).get_stats()
    assert site.count("GET", "/stats") == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0
    assert 1.0 <= clock.sleeps[1] <= 2.0


def test_requests_fail_at_once_while_the_site_is_unreachable(make_client: MakeClient,
                                                             site: ScriptedSite,
                                                             clock: FakeClock) -> None:
    refused = fail(httpx.ConnectError("refused"))
    site.on("GET", "/stats", refused, refused, refused, ok({"torrents": 1}))
    site.on("GET", "/langs", ok({"langs": {}}))
    client = make_client(site)
    with pytest.raises(TransportError):
        client.get_stats()
    assert site.count("GET", "/stats") == 3
    clock.now += UNREACHABLE_MEMORY - 1
    with pytest.raises(TransportError) as caught:
        client.get_langs()
    assert (caught.value.method, caught.value.path, caught.value.sent) == ("GET", "/langs",
                                                                           False)
    assert site.count("GET", "/langs") == 0
    clock.now += 1  # remembered no longer: asked again, and the site is back
    assert client.get_langs() == {"langs": {}}
    assert client.get_stats() == {"torrents": 1}
    assert site.count("GET", "/stats") == 4


def test_other_failures_do_not_stop_later_requests(make_client: MakeClient,
                                                   site: ScriptedSite,
                                                   clock: FakeClock) -> None:
    # Nothing sent, but not "unreachable": only this request fails.
    site.on("GET", "/stats", fail(httpx.LocalProtocolError("bad header")))
    site.on("GET", "/langs", ok({"langs": {}}))
    client = make_client(site, max_attempts=1)
    with pytest.raises(TransportError):
        client.get_stats()
    assert client.get_langs() == {"langs": {}}


# --- lost answers keep today's handling ---------------------------------------------------


def test_slow_read_timeouts_keep_every_attempt(make_client: MakeClient, site: ScriptedSite,
                                               clock: FakeClock) -> None:
    # The request may have reached the site: no short budget, the full policy applies.
    site.on("GET", "/stats", slow(clock, 30.0, httpx.ReadTimeout("timed out")))
    with pytest.raises(TransportError) as caught:
        make_client(site).get_stats()
    assert caught.value.sent is True
    assert site.count("GET", "/stats") == 5
    assert len(clock.sleeps) == 4


def test_a_lost_upload_answer_is_never_repeated(make_client: MakeClient, site: ScriptedSite,
                                                clock: FakeClock) -> None:
    site.on("POST", "/upload", fail(httpx.RemoteProtocolError("Server disconnected")),
            ok({"id": "9"}))
    client = make_client(site)
    with pytest.raises(TransportError) as caught:
        client.upload(UPLOAD)
    assert caught.value.sent is True
    assert (site.count("POST", "/upload"), clock.sleeps) == (1, [])
    site.on("GET", "/torrents/search", ok({"results": [], "infohash_match": "9"}))
    # Not "unreachable": the next request (the infohash lookup) goes out at once.
    assert client.find_by_infohash("a" * 40) == "9"


def test_retry_numbering_starts_at_one(make_client: MakeClient, site: ScriptedSite,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="uploader.api")
    busy = httpx.Response(503, json={"error": True, "message": "busy"})
    site.on("GET", "/stats", lambda r: busy)
    with pytest.raises(ServerError):
        make_client(site, max_attempts=3).get_stats()
    numbers = [m.split(" — attempt ")[1].split(" failed")[0] for m in caplog.messages]
    assert numbers == ["1/3", "2/3"]
    assert caplog.messages[0].startswith("nekoBT GET /stats: the site failed (503 busy) — "
                                         "attempt 1/3 failed, retrying in ")


def test_retry_policy_budget_for_requests_that_never_reached_the_site() -> None:
    policy = RetryPolicy(max_attempts=5, random=lambda: 1.0)
    refused = TransportError("x", sent=False)
    lost = TransportError("x", sent=True)
    assert (policy.attempts_for(refused), policy.attempts_for(lost)) == (3, 5)
    assert policy.wait_after(refused, 1) == 1.0
    assert policy.wait_after(refused, 2, elapsed=1.0) == 2.0
    assert policy.wait_after(refused, 3, elapsed=3.0) is None  # out of quick tries
    assert policy.wait_after(refused, 1, elapsed=5.0, last=5.0) is None  # 5 + 1 + 5 > 8
    assert policy.wait_after(refused, 1, elapsed=3.5, last=3.5) == 1.0  # 3.5 + 1 + 3.5 <= 8
    assert policy.wait_after(lost, 4, elapsed=500.0, last=30.0) == 8.0  # full policy
