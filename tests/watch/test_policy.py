"""What the daemon does with a complete release, from its journal record (a real journal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from uploader import journal as J
from uploader.journal import Journal
from uploader.watch.policy import Action, RetryPolicy, decide

POLICY = RetryPolicy(max_attempts=3, base=10, cap=35, random=lambda: 1.0)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        yield journal


def test_new_releases_are_processed() -> None:
    assert decide(None, "fp", POLICY).action is Action.PROCESS


def test_done_releases_are_skipped_and_held_when_their_files_changed(journal: Journal) -> None:
    rec = journal.start("/in/a.mkv", "fp1")
    rec = journal.update(rec.id, state=J.UPLOADED, torrent_id="77")
    same = decide(rec, "fp1", POLICY)
    assert same.action is Action.SKIP
    assert same.reason == "already uploaded (torrent 77)"
    changed = decide(rec, "fp2", POLICY)
    assert changed.action is Action.HOLD
    assert changed.reason == (
        "already uploaded from this path as 77; its files changed since — pass --replace to "
        "upload the new content (and mark 77 upgraded)")
    assert decide(rec, "fp2", POLICY, replace=True).action is Action.PROCESS
    exists = journal.update(rec.id, state=J.EXISTS)
    assert decide(exists, "fp1", POLICY).action is Action.SKIP


def test_done_but_not_verified_is_processed_to_finish_its_follow_ups(journal: Journal) -> None:
    rec = journal.update(journal.start("/in/a.mkv", "fp1").id, state=J.UPLOADED,
                         torrent_id="77")
    decision = decide(rec, "fp1", POLICY, verified=False)
    assert decision.action is Action.PROCESS
    assert "follow-ups" in decision.reason


def test_in_doubt_is_always_resumed(journal: Journal) -> None:
    rec = journal.update(journal.start("/in/a.mkv", "fp1").id, state=J.UPLOADING, attempts=9)
    assert decide(rec, "fp1", POLICY).action is Action.PROCESS
    assert decide(rec, "fp2", POLICY).action is Action.PROCESS


@pytest.mark.parametrize(("state", "permanent"), [(J.REJECTED, True), (J.REJECTED, False),
                                                  (J.FAILED, True)])
def test_permanent_failures_hold_until_the_release_changes(
    journal: Journal, state: str, permanent: bool
) -> None:
    rec = journal.update(journal.start("/in/a.mkv", "fp1").id, state=state,
                         permanent=permanent, error="no profile matches")
    held = decide(rec, "fp1", POLICY)
    assert held.action is Action.HOLD
    assert held.reason == (f"{state} earlier (no profile matches) — change the release, or run "
                           f"`nekobt-upload status --retry {rec.id}`")
    assert decide(rec, "fp2", POLICY).action is Action.PROCESS
    retried = journal.reset_for_retry(rec.id)
    assert decide(retried, "fp1", POLICY).action is Action.PROCESS


def test_transient_failures_are_retried_until_the_limit(journal: Journal) -> None:
    rid = journal.start("/in/a.mkv", "fp1").id
    for attempts in (1, 2):
        rec = journal.update(rid, state=J.FAILED, attempts=attempts, error="503")
        assert decide(rec, "fp1", POLICY).action is Action.PROCESS
    rec = journal.update(rid, state=J.FAILED, attempts=3, error="503")
    held = decide(rec, "fp1", POLICY)
    assert held.action is Action.HOLD
    assert held.reason.startswith("gave up after 3 attempts (503)")
    assert decide(rec, "fp2", POLICY).action is Action.PROCESS


@pytest.mark.parametrize("state", [J.QUEUED, J.BUILDING, J.CHECKING, J.CHECKED])
def test_interrupted_releases_are_resumed(journal: Journal, state: str) -> None:
    rec = journal.update(journal.start("/in/a.mkv", "fp1").id, state=state)
    assert decide(rec, "fp1", POLICY).action is Action.PROCESS


def test_retry_waits_double_up_to_the_cap_with_jitter_below() -> None:
    assert [POLICY.wait(n) for n in (1, 2, 3, 4)] == [10, 20, 35, 35]
    low = RetryPolicy(base=10, cap=100, random=lambda: 0.0)
    assert [low.wait(n) for n in (1, 2)] == [7.5, 15]
