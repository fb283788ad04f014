"""Retries: what is repeated, how often, and every wait (recorded by a fake clock). The
client-side limiter (and how a 429 drains it) is in test_api_limiter.py."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_fakes import HTML_429, UPLOAD, FakeClock, MakeClient, ScriptedSite, fail, ok, reply

from uploader.api import NekoClient
from uploader.api.retry import RetryPolicy
from uploader.exceptions import (
    AuthError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UploaderError,
    ValidationError,
)

INTERNAL = reply(500, {"error": True, "message": "Internal Error"})
JSON_429 = reply(429, {"error": True, "message": "Rate limit exceeded, try again in 12 seconds.",
                       "retry_after": 11.82})
HTML_429_4S = reply(429, content=HTML_429, headers={"Content-Type": "text/html",
                                                    "Retry-After": "4"})
BAD_GATEWAY = reply(502, content=b"<html>502</html>", headers={"Content-Type": "text/html"})
TORRENT = ok({"id": "1"})


def test_5xx_is_retried_with_bounded_backoff(make_client: MakeClient, site: ScriptedSite,
                                             clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", INTERNAL, BAD_GATEWAY, TORRENT)
    assert make_client(site).get_torrent("1") == {"id": "1"}
    assert site.count("GET", "/torrents/1") == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0  # attempt 1: jittered in [b/2, b], b = 1 s
    assert 1.0 <= clock.sleeps[1] <= 2.0  # attempt 2: b = 2 s


def test_attempts_are_bounded(make_client: MakeClient, site: ScriptedSite,
                              clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", INTERNAL)
    with pytest.raises(ServerError):
        make_client(site, max_attempts=4).get_torrent("1")
    assert site.count("GET", "/torrents/1") == 4
    assert len(clock.sleeps) == 3
    bounds = [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0)]
    assert all(lo <= s <= hi for s, (lo, hi) in zip(clock.sleeps, bounds, strict=True))


def test_backoff_never_exceeds_max_wait(make_client: MakeClient, site: ScriptedSite,
                                        clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", INTERNAL)
    with pytest.raises(ServerError):
        make_client(site, max_attempts=8, max_wait=3.0).get_torrent("1")
    assert len(clock.sleeps) == 7
    assert max(clock.sleeps) <= 3.0
    assert min(clock.sleeps[2:]) >= 1.5  # capped bound 3 s, jittered down to half at most


def test_json_429_waits_retry_after(make_client: MakeClient, site: ScriptedSite,
                                    clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", JSON_429, TORRENT)
    make_client(site).get_torrent("1")
    assert clock.sleeps == [11.82]
    assert site.count("GET", "/torrents/1") == 2


def test_html_429_waits_the_retry_after_header(make_client: MakeClient, site: ScriptedSite,
                                               clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", HTML_429_4S, HTML_429_4S, TORRENT)
    make_client(site).get_torrent("1")
    assert clock.sleeps == [4.0, 4.0]


def test_429_wait_is_capped_at_max_wait(make_client: MakeClient, site: ScriptedSite,
                                        clock: FakeClock) -> None:
    site.on("GET", "/torrents/1",
            reply(429, {"error": True, "message": "slow down", "retry_after": 3600}), TORRENT)
    make_client(site, max_wait=120.0).get_torrent("1")
    assert clock.sleeps == [120.0]


def test_429_without_a_wait_backs_off(make_client: MakeClient, site: ScriptedSite,
                                      clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", reply(429, content=HTML_429), TORRENT)
    make_client(site).get_torrent("1")
    assert len(clock.sleeps) == 1
    assert 0.5 <= clock.sleeps[0] <= 1.0


def test_429_gives_up_after_max_attempts(make_client: MakeClient, site: ScriptedSite,
                                         clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", JSON_429)
    with pytest.raises(RateLimitedError) as caught:
        make_client(site, max_attempts=3).get_torrent("1")
    assert caught.value.retry_after == 11.82
    assert clock.sleeps == [11.82, 11.82]


def test_transport_errors_on_reads_are_retried(make_client: MakeClient, site: ScriptedSite,
                                               clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", fail(httpx.ReadTimeout("timed out")),
            fail(httpx.ConnectError("refused")), TORRENT)
    assert make_client(site).get_torrent("1") == {"id": "1"}
    assert site.count("GET", "/torrents/1") == 3
    assert len(clock.sleeps) == 2


CREATING: dict[str, tuple[str, str, Callable[[NekoClient], Any]]] = {
    "upload": ("POST", "/upload", lambda c: c.upload(UPLOAD)),
    "create_group_link": ("POST", "/groups/1/links/2",
                          lambda c: c.create_group_link("1", "2", parent="1")),
    "add_group_members": ("POST", "/groups/1/members",
                          lambda c: c.add_group_members("1", [{"id": "5",
                                                               "display_name": None}])),
    "accept_invite": ("POST", "/invites/7/accept/abc", lambda c: c.accept_invite("7", "abc")),
    "delete_group_link": ("DELETE", "/groups/1/links/2",
                          lambda c: c.delete_group_link("1", "2")),
    "remove_group_member": ("DELETE", "/groups/1/members/5",
                            lambda c: c.remove_group_member("1", "5")),
    "assign_invite": ("PATCH", "/invites/7", lambda c: c.assign_invite("7")),
}
FAILURES = {
    "500": (INTERNAL, ServerError, None),
    "json_429": (JSON_429, RateLimitedError, None),
    "html_429": (HTML_429_4S, RateLimitedError, None),
    "read_timeout": (fail(httpx.ReadTimeout("timed out")), TransportError, True),
    "dropped": (fail(httpx.RemoteProtocolError("Server disconnected")), TransportError, True),
    "refused": (fail(httpx.ConnectError("refused")), TransportError, False),
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("endpoint", list(CREATING))
def test_creating_requests_are_never_retried(endpoint: str, failure: str,
                                             make_client: MakeClient, site: ScriptedSite,
                                             clock: FakeClock) -> None:
    method, path, call = CREATING[endpoint]
    answer, cls, sent = FAILURES[failure]
    site.on(method, path, answer, ok({"id": "9"}))
    with pytest.raises(cls) as caught:
        call(make_client(site, max_attempts=5))
    assert site.count(method, path) == 1
    assert clock.sleeps == []
    if sent is not None:
        assert caught.value.sent is sent  # type: ignore[attr-defined]


FILE = reply(200, content=b"d4:infoe", headers={"Content-Type": "application/x-bittorrent"})
CHECKS = {"title": "t", "movie": False, "files": [{"path": "a.mkv"}], "video_type": None,
          "video_codec": None, "level": 3, "mtl": False, "otl": False, "hardsub": False,
          "audio_langs": "", "sub_langs": "", "fansub_langs": ""}

# name: (method, path, call, the final good answer)
SAFE: dict[str, tuple[str, str, Callable[[NekoClient], Any], Any]] = {
    "upload_checks": ("PUT", "/upload/checks", lambda c: c.upload_checks(CHECKS),
                      ok({"warns": [], "fails": []})),
    "extract_mediainfo": ("PUT", "/upload/mediainfo", lambda c: c.extract_mediainfo("General"),
                          ok({"video_codec": 1})),
    "edit_torrent": ("PATCH", "/torrents/1", lambda c: c.edit_torrent("1", {"upgraded": "2"}),
                     ok()),
    "bulk_edit": ("PATCH", "/torrents/bulk/edit",
                  lambda c: c.bulk_edit(["1"], {"upgraded": "2"}), ok()),
    "bulk_edit_perms": ("PATCH", "/torrents/bulk/edit/perms",
                        lambda c: c.bulk_edit_perms(["1"]), ok()),
    "mark_read": ("PUT", "/users/@me/notifications/read",
                  lambda c: c.mark_notifications_read("all"), ok([])),
    "update_member": ("PATCH", "/groups/1/members/5",
                      lambda c: c.update_group_member("1", "5", admin=True), ok()),
    "edit_user": ("PATCH", "/users/@me", lambda c: c.edit_user(description="x"), ok()),
    "search": ("GET", "/torrents/search", lambda c: c.search_torrents(query="x"),
               ok({"results": []})),
    "download": ("GET", "/torrents/1/download", lambda c: c.download_torrent("1"), FILE),
    "bulk_download_patch": ("PATCH", "/torrents/bulk/download",
                            lambda c: c.bulk_download_patch(["1"]), FILE),
}


@pytest.mark.parametrize("endpoint", list(SAFE))
def test_safe_requests_are_retried(endpoint: str, make_client: MakeClient, site: ScriptedSite,
                                   clock: FakeClock) -> None:
    method, path, call, final = SAFE[endpoint]
    site.on(method, path, reply(503, {"error": True, "message": "busy"}),
            fail(httpx.ReadTimeout("timed out")), final)
    call(make_client(site))
    assert site.count(method, path) == 3
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(("answer", "cls"), [
    (reply(401, {"error": True, "message": "Unauthorized."}), AuthError),
    (reply(403, {"error": True, "message": "Forbidden."}), ForbiddenError),
    (reply(404, {"error": True, "message": "Torrent not found."}), NotFoundError),
    (reply(400, {"error": True, "message": "bad", "validate_errors": []}), ValidationError),
])
def test_client_errors_are_tried_once(answer: Any, cls: type[UploaderError],
                                      make_client: MakeClient, site: ScriptedSite,
                                      clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", answer, TORRENT)
    with pytest.raises(cls):
        make_client(site).get_torrent("1")
    assert site.count("GET", "/torrents/1") == 1
    assert clock.sleeps == []


def test_max_attempts_one_means_no_retry(make_client: MakeClient, site: ScriptedSite,
                                         clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", INTERNAL, TORRENT)
    with pytest.raises(ServerError):
        make_client(site, max_attempts=1).get_torrent("1")
    assert site.count("GET", "/torrents/1") == 1


def test_retries_are_logged(make_client: MakeClient, site: ScriptedSite,
                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="uploader.api")
    site.on("GET", "/torrents/1", JSON_429, TORRENT)
    make_client(site).get_torrent("1")
    assert caplog.messages == [
        "nekoBT GET /torrents/1: rate limited (429 Rate limit exceeded, try again in 12 "
        "seconds.) — attempt 1/5 failed, retrying in 11.8 s"]


def test_retry_policy_backoff_is_exponential_jittered_and_capped() -> None:
    rng = random.Random(7)
    policy = RetryPolicy(max_attempts=10, max_wait=120.0, base=1.0, max_backoff=30.0,
                         random=rng.random)
    waits = [policy.backoff(n) for n in range(1, 9)]
    bounds = [1, 2, 4, 8, 16, 30, 30, 30]
    for wait, bound in zip(waits, bounds, strict=True):
        assert bound / 2 <= wait <= bound
    assert len(set(waits)) == len(waits)  # jittered: no two equal
    lowest = RetryPolicy(random=lambda: 0.0)
    highest = RetryPolicy(random=lambda: 1.0)
    assert [lowest.backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert [highest.backoff(n) for n in (1, 2, 3, 6)] == [1.0, 2.0, 4.0, 30.0]


def test_retry_policy_decisions() -> None:
    policy = RetryPolicy(max_attempts=3, max_wait=10.0, random=lambda: 1.0)
    limited = RateLimitedError("x", retry_after=4.5, status=429)
    assert policy.wait_after(limited, 1) == 4.5
    assert policy.wait_after(RateLimitedError("x", retry_after=99, status=429), 1) == 10.0
    assert policy.wait_after(ServerError("x", status=500), 2) == 2.0
    assert policy.wait_after(ServerError("x", status=500), 3) is None  # out of attempts
    assert policy.wait_after(TransportError("x", sent=True), 1) == 1.0
    assert policy.wait_after(AuthError("x", status=401), 1) is None
    assert policy.wait_after(ForbiddenError("x", status=403), 1) is None
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)
