"""Completeness: a release is ready only once nothing in it changed for the settle period.

Real files, a clock moved by hand: every assertion names the exact instant something becomes
ready.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from watch_helpers import FakeClock

from uploader.watch.settle import SNAP_GAP, SettleTracker


def make(settle: float = 10.0) -> tuple[SettleTracker, FakeClock]:
    clock = FakeClock()
    return SettleTracker(settle, clock=clock), clock


def ready_at(tracker: SettleTracker, clock: FakeClock, until: float, step: float = 0.5,
             on_tick: dict[float, object] | None = None) -> float | None:
    """Advance the clock in steps (running `on_tick` actions); the offset when ready."""
    start = clock.now
    while clock.now - start <= until:
        offset = round(clock.now - start, 3)
        action = (on_tick or {}).get(offset)
        if callable(action):
            action()
        if tracker.due():
            return offset
        clock.advance(step)
    return None


def test_a_growing_file_is_ready_only_after_it_stopped_growing(tmp_path: Path) -> None:
    tracker, clock = make(settle=10)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)

    def grow() -> None:
        with f.open("ab") as out:
            out.write(b"more")

    # Written every 2 s for 20 s: the last write is at offset 20, so ready at 30 (not before).
    writes = {float(t): grow for t in range(2, 21, 2)}
    assert ready_at(tracker, clock, until=60, on_tick=writes) == 30.0
    assert f not in tracker
    assert len(tracker) == 0
    assert f.stat().st_size == 1 + 4 * 10


def test_an_mtime_change_alone_restarts_the_quiet_period(tmp_path: Path) -> None:
    tracker, clock = make(settle=4)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"abc")
    tracker.touch(f)
    st = f.stat()
    assert ready_at(tracker, clock, until=20, on_tick={
        3.0: lambda: os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    }) == 7.0


def test_events_debounce_a_burst_into_one_quiet_period(tmp_path: Path) -> None:
    tracker, clock = make(settle=5)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"abc")
    tracker.touch(f)
    burst = {float(t): (lambda: tracker.touch(f)) for t in range(1, 9)}
    assert ready_at(tracker, clock, until=30, on_tick=burst) == 13.0


def test_copy_then_rename_is_ready_a_settle_period_after_the_rename(tmp_path: Path) -> None:
    tracker, clock = make(settle=10)
    part = tmp_path / "ep.mkv.part"
    final = tmp_path / "ep.mkv"

    def copy_chunk() -> None:
        with part.open("ab") as out:
            out.write(b"chunk")

    def rename() -> None:
        part.rename(final)
        tracker.touch(final)  # the watcher only ever tracks the final name

    actions: dict[float, object] = {float(t): copy_chunk for t in range(0, 6)}
    actions[6.0] = rename
    assert ready_at(tracker, clock, until=40, on_tick=actions) == 16.0
    assert final.read_bytes() == b"chunk" * 6


def test_a_folder_settles_only_when_everything_inside_is_stable(tmp_path: Path) -> None:
    tracker, clock = make(settle=10)
    batch = tmp_path / "Batch"
    (batch / "extras").mkdir(parents=True)
    (batch / "ep01.mkv").write_bytes(b"1")
    tracker.touch(batch)
    actions: dict[float, object] = {
        4.0: lambda: (batch / "ep02.mkv").write_bytes(b"2"),
        9.0: lambda: (batch / "extras" / "ncop.mkv").write_bytes(b"3"),
        15.0: lambda: (batch / "extras" / "ncop.mkv").write_bytes(b"33"),
    }
    assert ready_at(tracker, clock, until=60, on_tick=actions) == 25.0


def test_a_folder_with_a_download_in_progress_waits_past_the_settle_period(
    tmp_path: Path,
) -> None:
    tracker, clock = make(settle=2)
    batch = tmp_path / "Batch"
    batch.mkdir()
    (batch / "ep01.mkv").write_bytes(b"1")
    (batch / "ep02.mkv.part").write_bytes(b"2")
    tracker.touch(batch)
    actions: dict[float, object] = {
        8.0: lambda: (batch / "ep02.mkv.part").rename(batch / "ep02.mkv")}
    assert ready_at(tracker, clock, until=30, on_tick=actions) == 10.0


def test_an_empty_folder_waits_until_something_arrives(tmp_path: Path) -> None:
    tracker, clock = make(settle=1)
    batch = tmp_path / "Batch"
    batch.mkdir()
    tracker.touch(batch)
    actions: dict[float, object] = {5.0: lambda: (batch / "ep01.mkv").write_bytes(b"1")}
    assert ready_at(tracker, clock, until=30, on_tick=actions) == 6.0


def test_a_release_that_vanishes_is_dropped(tmp_path: Path) -> None:
    tracker, clock = make(settle=3)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)
    assert tracker.next_check() == pytest.approx(clock.now + 0.75)
    f.unlink()
    assert ready_at(tracker, clock, until=10) is None
    assert len(tracker) == 0
    assert tracker.next_check() is None
    tracker.touch(f)  # an event for something already gone starts nothing
    assert len(tracker) == 0


def test_settle_zero_is_ready_at_the_first_look(tmp_path: Path) -> None:
    tracker, _clock = make(settle=0)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)
    assert tracker.due() == [f]


def test_polls_are_scheduled_no_later_than_the_interval(tmp_path: Path) -> None:
    tracker, clock = make(settle=10)
    assert tracker.interval == 1.0
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)
    assert tracker.next_check() == clock.now + 1.0
    clock.advance(1.0)
    assert tracker.due() == []
    assert tracker.next_check() == clock.now + 1.0
    with pytest.raises(ValueError, match="negative"):
        SettleTracker(-1)


def test_the_quiet_period_counts_from_the_last_event_not_the_poll_that_saw_it(
    tmp_path: Path,
) -> None:
    tracker, clock = make(settle=10)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)

    def written_and_reported() -> None:
        with f.open("ab") as out:
            out.write(b"final")
        tracker.touch(f)  # the observer's event for that write

    assert ready_at(tracker, clock, until=20, step=0.1,
                    on_tick={0.3: written_and_reported}) == 10.3


def test_without_an_event_the_poll_that_sees_the_change_starts_the_quiet_period(
    tmp_path: Path,
) -> None:
    tracker, clock = make(settle=10)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)
    assert ready_at(tracker, clock, until=20, step=0.1,
                    on_tick={0.3: lambda: f.write_bytes(b"xy")}) == 11.0


def test_a_burst_faster_than_the_snapshot_gap_still_counts_from_its_last_event(
    tmp_path: Path,
) -> None:
    tracker, clock = make(settle=10)
    f = tmp_path / "ep.mkv"
    f.write_bytes(b"x")
    tracker.touch(f)
    clock.advance(0.01)
    f.write_bytes(b"xy")
    tracker.touch(f)  # within SNAP_GAP of the first snapshot: not re-taken
    assert tracker.next_check() == pytest.approx(clock.now - 0.01 + SNAP_GAP)
    clock.advance(0.04)
    assert tracker.due() == []
    clock.now = 1000.0 + 0.01 + 10
    assert tracker.due() == [f]
