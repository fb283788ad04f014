"""The upload decision and the exactly-once loop, against a small stateful fake of the site.

The fake plays the server at the edge (as httpx's tests do); the loop under test is ours and
real. End-to-end versions of these paths run against the sandbox over loopback elsewhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from uploader.decide import decide
from uploader.exactly_once import InDoubtError, Policy, upload_once
from uploader.exceptions import (
    ApiError,
    ChecksError,
    RateLimitedError,
    ServerError,
    TransportError,
)

HASH = "ab" * 20
FAST = Policy(max_posts=3, max_lookups=4, base_wait=1.0, max_wait=30.0)


class FakeSite:
    """Stores uploads by infohash; `script` lists what each POST / lookup does."""

    def __init__(self, post_script: list[str] | None = None,
                 lookup_script: list[str] | None = None) -> None:
        self.store: dict[str, str] = {}
        self.posts = 0
        self.lookups = 0
        self.post_script = post_script or []
        self.lookup_script = lookup_script or []

    def find_by_infohash(self, infohash: str) -> str | None:
        self.lookups += 1
        action = self.lookup_script.pop(0) if self.lookup_script else "ok"
        if action == "down":
            raise TransportError("GET /torrents/search: connection refused", sent=False)
        if action == "429":
            raise RateLimitedError("slow down", retry_after=7.5, status=429)
        return self.store.get(infohash)

    def upload(self, req: Any) -> str:
        self.posts += 1
        action = self.post_script.pop(0) if self.post_script else "ok"
        if action == "429":
            raise RateLimitedError("slow down", retry_after=3.0, status=429)
        if action == "refused":
            raise TransportError("POST /upload: connection refused", sent=False)
        if action == "warn":
            raise ChecksError("warnings", warns=["w"], status=400)
        if action == "dup":
            raise ApiError("Torrent already exists.", status=400)
        if action == "lost-unlisted":
            # Stored, but search does not list it yet (waiting for approval).
            raise TransportError("POST /upload: server disconnected", sent=True)
        torrent_id = str(100 + self.posts)
        self.store[HASH] = torrent_id
        if action == "lost":
            raise TransportError("POST /upload: server disconnected", sent=True)
        if action == "500":
            raise ServerError("Internal Error", status=500)
        return torrent_id


def run(site: FakeSite, *, in_doubt: bool = False) -> tuple[Any, list[float], list[str]]:
    waits: list[float] = []
    events: list[str] = []
    outcome = upload_once(site, {"torrent": "x"}, [HASH], in_doubt=in_doubt,
                          on_attempt=lambda n: events.append(f"attempt{n}"),
                          on_event=lambda kind, detail: events.append(kind),
                          policy=FAST, sleep=waits.append)
    return outcome, waits, events


def test_plain_upload_once() -> None:
    site = FakeSite()
    outcome, waits, events = run(site)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("uploaded", "101", 1)
    assert waits == []
    assert events == ["lookup", "attempt1", "uploaded"]


def test_already_on_site_is_exists_and_never_posts() -> None:
    site = FakeSite()
    site.store[HASH] = "55"
    outcome, _, _ = run(site)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("exists", "55", 0)


def test_in_doubt_from_previous_crash_resolves_as_uploaded() -> None:
    site = FakeSite()
    site.store[HASH] = "77"
    outcome, _, _ = run(site, in_doubt=True)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("uploaded", "77", 0)


@pytest.mark.parametrize("failure", ["lost", "500"])
def test_lost_answer_after_store_is_resolved_by_infohash(failure: str) -> None:
    site = FakeSite(post_script=[failure])
    outcome, waits, events = run(site)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("uploaded", "101", 1)
    assert len(waits) == 1
    assert events[-1] == "lookup"


def test_429_on_post_waits_retry_after_then_posts_again() -> None:
    site = FakeSite(post_script=["429"])
    outcome, waits, _ = run(site)
    assert (outcome.status, site.posts) == ("uploaded", 2)
    assert waits == [3.0]


def test_not_sent_is_retried_after_a_lookup() -> None:
    site = FakeSite(post_script=["refused"])
    outcome, _, _ = run(site)
    assert (outcome.status, site.posts, site.lookups) == ("uploaded", 2, 2)


def test_in_doubt_lookups_back_off_and_honour_429_until_answered() -> None:
    site = FakeSite(lookup_script=["down", "429"])
    site.store[HASH] = "77"
    outcome, waits, _ = run(site, in_doubt=True)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("uploaded", "77", 0)
    assert waits[1] == 7.5
    assert 0.5 <= waits[0] <= 1.0


def test_lost_answer_then_site_down_keeps_asking_before_any_new_post() -> None:
    site = FakeSite(post_script=["lost"], lookup_script=["ok", "down", "down"])
    outcome, waits, _ = run(site)
    assert (outcome.status, outcome.torrent_id, site.posts) == ("uploaded", "101", 1)
    assert site.lookups == 4
    assert len(waits) == 3  # one after the lost answer, two for the failed lookups


def test_in_doubt_and_site_never_answers_posts_nothing() -> None:
    site = FakeSite(lookup_script=["down"] * 10)
    with pytest.raises(InDoubtError, match="nothing was uploaded twice"):
        run(site, in_doubt=True)
    assert site.posts == 0
    assert site.lookups == FAST.max_lookups


def test_unreachable_site_without_doubt_fails_fast() -> None:
    site = FakeSite(lookup_script=["down"])
    with pytest.raises(TransportError, match="connection refused"):
        run(site)
    assert (site.posts, site.lookups) == (0, 1)


def test_duplicate_400_becomes_exists_via_lookup() -> None:
    site = FakeSite(post_script=["dup"], lookup_script=["ok"])
    site.find_by_infohash = lambda h, _orig=site.find_by_infohash: (  # type: ignore[method-assign]
        "900" if site.posts else _orig(h))
    outcome, _, events = run(site)
    assert (outcome.status, outcome.torrent_id) == ("exists", "900")
    assert "duplicate" in events


def test_checks_error_propagates_without_retry() -> None:
    site = FakeSite(post_script=["warn"])
    with pytest.raises(ChecksError):
        run(site)
    assert site.posts == 1


def test_repeat_refused_while_first_may_be_there_is_in_doubt_not_rejected() -> None:
    site = FakeSite(post_script=["lost-unlisted", "warn"])
    with pytest.raises(InDoubtError, match="may be waiting for staff approval"):
        run(site)
    assert site.posts == 2


def test_duplicate_refused_after_a_lost_answer_is_in_doubt() -> None:
    # The first POST was stored but is hidden (waiting for approval); the repeat is refused.
    site = FakeSite(post_script=["lost-unlisted", "dup"])
    with pytest.raises(InDoubtError, match=r"refused a repeat \(Torrent already exists.\)"):
        run(site)
    assert site.posts == 2


def test_bounded_posts() -> None:
    site = FakeSite(post_script=["refused"] * 5)
    with pytest.raises(Exception, match="gave up after 3 attempts"):
        run(site)
    assert site.posts == 3


@pytest.mark.parametrize(
    ("fails", "warns", "ignore_all", "accepted", "ok", "blocking", "ignore_flag"),
    [
        (["f"], [], True, True, False, (), False),
        ([], [], False, False, True, (), False),
        ([], ["No public tracker"], False, False, False, ("No public tracker",), False),
        ([], ["No public tracker"], True, False, True, (), True),
        ([], ["No public tracker"], False, True, True, (), True),
        ([], ["No PUBLIC tracker", "no audio"], False, ["public tracker"], False,
         ("no audio",), False),
        ([], ["No PUBLIC tracker"], False, ["public tracker"], True, (), True),
    ],
)
def test_decide(fails: list[str], warns: list[str], ignore_all: bool, accepted: Any, ok: bool,
                blocking: tuple[str, ...], ignore_flag: bool) -> None:
    decision = decide(fails, warns, ignore_all=ignore_all, accepted=accepted)
    assert decision.ok is ok
    assert decision.blocking_warns == blocking
    assert decision.ignore_warnings is ignore_flag
    if fails:
        assert decision.reason() == "site checks failed: f"
