"""watchdog's real observers feeding the settle tracker on a real folder, real clock."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from uploader.watch.observer import start_observer
from uploader.watch.scan import is_ignored, release_of
from uploader.watch.settle import SettleTracker

SETTLE = 0.5


@contextmanager
def watching(root: Path, *, polling: bool = False) -> Iterator[queue.SimpleQueue[Path]]:
    events: queue.SimpleQueue[Path] = queue.SimpleQueue()
    observer = start_observer([(root, True, events.put)], polling=polling, poll_interval=0.25)
    try:
        yield events
    finally:
        observer.stop()
        observer.join()


def wait_ready(root: Path, events: queue.SimpleQueue[Path], timeout: float, expect: int = 1
               ) -> dict[Path, float]:
    """Feed events into a tracker as the daemon does; when each release became ready.

    Returns `SETTLE` after the `expect`-th release is ready (anything else would show by then).
    """
    tracker = SettleTracker(SETTLE)
    ready: dict[Path, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(ready) == expect:
            deadline = min(deadline, max(ready.values()) + SETTLE)
        try:
            path = events.get(timeout=0.05)
        except queue.Empty:
            pass
        else:
            release = release_of(path, [root])
            if release is not None and not is_ignored(release.name):
                tracker.touch(release)
        for release in tracker.due():
            ready[release] = time.monotonic()
    return ready


def writer(path: Path, chunks: int, pause: float, stamps: list[float]) -> threading.Thread:
    def run() -> None:
        with path.open("ab") as out:
            for _ in range(chunks):
                out.write(b"x" * 1000)
                out.flush()
                stamps.append(time.monotonic())
                time.sleep(pause)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_a_file_written_for_a_while_is_ready_a_settle_period_after_the_last_write(
    tmp_path: Path, polling: bool
) -> None:
    with watching(tmp_path, polling=polling) as events:
        stamps: list[float] = []
        thread = writer(tmp_path / "ep.mkv", chunks=8, pause=0.15, stamps=stamps)
        ready = wait_ready(tmp_path, events, timeout=4.0)
        thread.join()
    assert list(ready) == [tmp_path / "ep.mkv"]
    quiet = ready[tmp_path / "ep.mkv"] - stamps[-1]
    assert SETTLE <= quiet < SETTLE + 1.2
    assert (tmp_path / "ep.mkv").stat().st_size == 8000


def test_temporary_names_never_become_ready_and_the_rename_does(tmp_path: Path) -> None:
    with watching(tmp_path) as events:
        part = tmp_path / "ep.mkv.part"
        part.write_bytes(b"x" * 100)
        (tmp_path / ".hidden.mkv").write_bytes(b"y")
        (tmp_path / "other.!qB").write_bytes(b"z")
        time.sleep(SETTLE + 0.3)
        part.rename(tmp_path / "ep.mkv")
        renamed = time.monotonic()
        ready = wait_ready(tmp_path, events, timeout=2.5)
    assert list(ready) == [tmp_path / "ep.mkv"]
    assert ready[tmp_path / "ep.mkv"] - renamed >= SETTLE


def test_a_batch_folder_is_ready_once_its_last_file_settled(tmp_path: Path) -> None:
    batch = tmp_path / "Batch"
    with watching(tmp_path) as events:
        batch.mkdir()
        stamps: list[float] = []
        for n in range(3):
            (batch / f"ep{n}.mkv").write_bytes(b"x" * 10)
            stamps.append(time.monotonic())
            time.sleep(0.3)
        ready = wait_ready(tmp_path, events, timeout=3.0)
    assert list(ready) == [batch]
    assert ready[batch] - stamps[-1] >= SETTLE
