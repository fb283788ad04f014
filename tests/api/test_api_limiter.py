"""The client-side limiter: a token bucket (a burst at once, then one request per
`min_interval`), driven by a fake clock so no test really waits; and how a 429 drains it."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from api_fakes import (
    BASE,
    KEY,
    UPLOAD,
    FakeClock,
    MakeClient,
    Reply,
    ScriptedSite,
    ok,
    reply,
)

from uploader.api import NekoClient
from uploader.api.limiter import RateLimiter
from uploader.exceptions import RateLimitedError
from uploader.secret import Secret

TORRENT = ok({"id": "1"})
JSON_429 = reply(429, {"error": True, "message": "Rate limit exceeded, try again in 12 seconds.",
                       "retry_after": 11.82})
HTML_429_4S = reply(429, content=b"<html>Too Many Requests</html>",
                    headers={"Content-Type": "text/html", "Retry-After": "4"})


def bucket(clock: FakeClock, min_interval: float = 0.2, burst: int = 8) -> RateLimiter:
    return RateLimiter(min_interval, burst=burst, clock=clock, sleep=clock.sleep)


def starts(site: ScriptedSite) -> list[float]:
    """When each request reached the site, from the first one."""
    return [r.at - site.requests[0].at for r in site.requests]


# --- the bucket ----------------------------------------------------------------------------


def test_the_first_burst_goes_at_once_then_one_per_interval(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    assert [limiter.wait() for _ in range(8)] == [0.0] * 8  # the bucket starts full
    assert clock.sleeps == []
    assert limiter.wait() == pytest.approx(0.2)  # request burst+1: the next token
    assert limiter.wait() == pytest.approx(0.2)
    assert clock.sleeps == [pytest.approx(0.2)] * 2


def test_idle_time_brings_tokens_back_one_per_interval(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    for _ in range(8):
        limiter.wait()
    clock.now += 3 * 0.2  # idle: three tokens back
    assert [limiter.wait() for _ in range(3)] == [0.0] * 3
    assert limiter.wait() == pytest.approx(0.2)  # the bucket was empty again
    clock.now += 0.15  # part of a token
    assert limiter.wait() == pytest.approx(0.05)
    assert len(clock.sleeps) == 2


def test_a_long_idle_refills_no_more_than_burst(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    for _ in range(20):
        limiter.wait()
    clock.now += 3600  # an hour: far more than eight tokens' worth
    assert [limiter.wait() for _ in range(8)] == [0.0] * 8
    before = len(clock.sleeps)
    assert limiter.wait() == pytest.approx(0.2)
    assert len(clock.sleeps) == before + 1


def test_fifty_calls_in_a_row_pay_only_beyond_the_burst(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    began = clock.now
    slept = [limiter.wait() for _ in range(50)]
    assert slept[:8] == [0.0] * 8
    assert slept[8:] == [pytest.approx(0.2)] * 42
    assert clock.now - began == pytest.approx((50 - 8) * 0.2)


def test_burst_one_is_the_old_fixed_gap(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.5, burst=1)
    assert limiter.wait() == 0.0
    assert limiter.wait() == pytest.approx(0.5)
    clock.now += 0.2
    assert limiter.wait() == pytest.approx(0.3)


def test_min_interval_zero_never_sleeps() -> None:
    def sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}")

    limiter = RateLimiter(0.0, burst=1, clock=lambda: 0.0, sleep=sleep)
    assert [limiter.wait() for _ in range(1000)] == [0.0] * 1000
    limiter.drain(60.0)  # no limit: nothing to drain
    assert limiter.wait() == 0.0


@pytest.mark.parametrize(("min_interval", "burst", "problem"), [
    (-0.1, 8, "min_interval"),
    (float("nan"), 8, "min_interval"),
    (float("inf"), 8, "min_interval"),
    (0.2, 0, "burst"),
    (0.2, -3, "burst"),
])
def test_bad_arguments_are_refused(min_interval: float, burst: int, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        RateLimiter(min_interval, burst=burst, clock=time.monotonic, sleep=time.sleep)


def test_waiting_threads_get_their_own_token_one_interval_apart() -> None:
    lock = threading.Lock()
    now = [0.0]
    sleeps: list[float] = []
    began: list[float] = []

    def clock() -> float:
        with lock:
            return now[0]

    def sleep(seconds: float) -> None:
        with lock:
            sleeps.append(seconds)
            now[0] += seconds

    limiter = RateLimiter(1.0, burst=3, clock=clock, sleep=sleep)

    def request() -> None:
        limiter.wait()
        began.append(clock())

    threads = [threading.Thread(target=request) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Three at once from the full bucket, then seven starts one second apart: each waiter
    # waited for its own token (no herd all waking when one comes back).
    assert sleeps == [1.0] * 7
    assert sorted(began) == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_real_threads_on_the_real_clock_are_spread_out() -> None:
    interval, burst, n = 0.02, 2, 8
    limiter = RateLimiter(interval, burst=burst, clock=time.monotonic, sleep=time.sleep)
    began: list[float] = []
    first = time.monotonic()

    def request() -> None:
        limiter.wait()
        began.append(time.monotonic())

    threads = [threading.Thread(target=request) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The last of n starts cannot come before its token: (n - burst) intervals in.
    assert max(began) - first >= (n - burst) * interval * 0.99
    assert max(began) - first < 5.0  # generous: a loaded machine, but no lost wake-ups


# --- drain ---------------------------------------------------------------------------------


def test_drain_empties_the_bucket(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    limiter.wait()  # seven tokens left
    limiter.drain()
    assert limiter.wait() == pytest.approx(0.2)
    assert limiter.wait() == pytest.approx(0.2)


def test_drain_holds_the_next_token_for_the_sites_wait(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    limiter.drain(12.0)
    assert limiter.wait() == pytest.approx(12.0)
    # After the site's wait: the sustained rate, not a bucket refilled while waiting.
    assert [limiter.wait() for _ in range(3)] == [pytest.approx(0.2)] * 3


def test_drain_never_gives_tokens_back(clock: FakeClock) -> None:
    limiter = bucket(clock, 0.2, burst=8)
    limiter.drain(12.0)
    limiter.drain()  # a shorter hold does not shorten the longer one
    assert limiter.wait() == pytest.approx(12.0)


# --- through the client --------------------------------------------------------------------


def test_one_releases_calls_go_out_at_once_by_default(site: ScriptedSite,
                                                     clock: FakeClock) -> None:
    site.on("GET", "/stats", ok({}))
    # NekoClient's own defaults: min_interval 0.2, burst 8.
    with NekoClient(BASE, Secret(KEY), transport=httpx.MockTransport(site), sleep=clock.sleep,
                    clock=clock) as client:
        for _ in range(10):
            client.get_stats()
    assert starts(site) == pytest.approx([0.0] * 8 + [0.2, 0.4])
    assert clock.sleeps == [pytest.approx(0.2)] * 2


def test_client_burst_and_min_interval_are_passed_on(make_client: MakeClient,
                                                     site: ScriptedSite,
                                                     clock: FakeClock) -> None:
    site.on("GET", "/stats", ok({}))
    client = make_client(site, min_interval=0.5, burst=2)
    for _ in range(4):
        client.get_stats()
    assert starts(site) == pytest.approx([0.0, 0.0, 0.5, 1.0])


@pytest.mark.parametrize(("answer", "wait"), [(JSON_429, 11.82), (HTML_429_4S, 4.0)])
def test_a_429_waits_the_sites_number_then_drains_the_bucket(
        answer: Reply, wait: float, make_client: MakeClient, site: ScriptedSite,
        clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", answer, TORRENT)
    site.on("GET", "/stats", ok({}))
    client = make_client(site, min_interval=0.3, burst=8)
    client.get_torrent("1")
    for _ in range(3):
        client.get_stats()
    # Exactly the site's wait before the retry (no extra limiter wait on top), then the
    # sustained rate: the bucket did not refill while the site made us wait.
    assert clock.sleeps == [wait] + [pytest.approx(0.3)] * 3
    assert starts(site) == pytest.approx([0.0, wait, wait + 0.3, wait + 0.6, wait + 0.9])


def test_a_short_retry_after_is_topped_up_to_the_sustained_rate(
        make_client: MakeClient, site: ScriptedSite, clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", reply(429, {"error": True, "message": "x",
                                              "retry_after": 0.1}), TORRENT)
    make_client(site, min_interval=0.3).get_torrent("1")
    assert clock.sleeps == [0.1, pytest.approx(0.2)]  # the site's wait, then the top-up
    assert site.requests[1].at - site.requests[0].at == pytest.approx(0.3)


def test_a_429_on_a_request_not_retried_still_holds_the_next_ones(
        make_client: MakeClient, site: ScriptedSite, clock: FakeClock) -> None:
    site.on("POST", "/upload", JSON_429)
    site.on("GET", "/stats", ok({}))
    client = make_client(site, min_interval=0.2)
    with pytest.raises(RateLimitedError):
        client.upload(UPLOAD)
    client.get_stats()
    client.get_stats()
    assert site.count("POST", "/upload") == 1
    assert clock.sleeps == [pytest.approx(11.82), pytest.approx(0.2)]


def test_the_hold_is_capped_like_the_retry_wait(make_client: MakeClient, site: ScriptedSite,
                                                clock: FakeClock) -> None:
    site.on("GET", "/torrents/1",
            reply(429, {"error": True, "message": "slow down", "retry_after": 3600}), TORRENT)
    make_client(site, min_interval=0.2, max_wait=120.0).get_torrent("1")
    assert clock.sleeps == [120.0]  # not 3600 from the limiter on top


def test_no_limit_means_a_429_waits_only_the_retry(make_client: MakeClient,
                                                   site: ScriptedSite,
                                                   clock: FakeClock) -> None:
    site.on("GET", "/torrents/1", JSON_429, TORRENT)
    site.on("GET", "/stats", ok({}))
    client = make_client(site, min_interval=0.0)
    client.get_torrent("1")
    client.get_stats()
    assert clock.sleeps == [11.82]
