"""When is a release complete? When nothing in it has changed for the settle period.

The tracker keeps, for each release it was told about, the last `Snapshot` it saw and when it
last saw a change. A change is either a different snapshot at a poll, or an event from the
filesystem observer (`touch`): a burst of events only pushes the quiet period further out,
which debounces it. A release is ready when its snapshot stayed the same for `settle` seconds
and it is not waiting for something (a temporary download name inside a batch, an empty
folder). Ready releases leave the tracker; vanished ones are dropped.

An event also refreshes the snapshot (at most every `SNAP_GAP` seconds, so a burst costs few
stat walks; events in between are covered by a poll `SNAP_GAP` later): the quiet period then
counts from the last event, not from the poll that noticed the change. Snapshots are polled
every `interval` seconds (at most 1 s) as well, so a missed or late event (network
filesystems, the polling observer) delays readiness but never skips the check. The clock is
injectable: tests drive it by hand.

`wait_until_complete` is the same rule for the one-shot `upload` / `check`, in one call: it
polls a single release, counting the files' own mtimes as quiet time already passed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uploader.exceptions import CancelledError, UploaderError
from uploader.watch.scan import Snapshot, snapshot

log = logging.getLogger(__name__)

#: Events closer together than this share one snapshot.
SNAP_GAP = 0.05


@dataclass
class _Watch:
    snap: Snapshot
    snapped_at: float
    last_change: float
    next_check: float
    #: An event came after `snap` was taken: a difference at the next poll is that event's.
    stale: bool = False
    waiting_noted: str | None = None


class SettleTracker:
    """Releases waiting to be complete. Not thread-safe: one owner (the daemon's loop)."""

    def __init__(
        self,
        settle: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        take_snapshot: Callable[[Path], Snapshot | None] = snapshot,
        interval: float | None = None,
    ) -> None:
        if settle < 0:
            raise ValueError("settle period cannot be negative")
        self.settle = settle
        self._clock = clock
        self._snapshot = take_snapshot
        self.interval = interval if interval is not None else min(1.0, max(settle / 4, 0.05))
        self._watches: dict[Path, _Watch] = {}

    def __contains__(self, release: object) -> bool:
        return release in self._watches

    def __len__(self) -> int:
        return len(self._watches)

    def touch(self, release: Path) -> None:
        """Something happened in `release`: (re)start its quiet period."""
        now = self._clock()
        watch = self._watches.get(release)
        if watch is None:
            snap = self._snapshot(release)
            if snap is None:
                return  # already gone (a temporary file renamed away, a deleted folder)
            log.debug("settle: watching %s", release)
            self._watches[release] = _Watch(snap, now, now,
                                            now + min(self.interval, self.settle))
            return
        watch.last_change = now
        watch.next_check = min(watch.next_check, now + self.interval)
        if now - watch.snapped_at < SNAP_GAP:
            watch.stale = True
            watch.next_check = min(watch.next_check, watch.snapped_at + SNAP_GAP)
            return
        snap = self._snapshot(release)
        if snap is None:
            del self._watches[release]
            return
        watch.snap, watch.snapped_at, watch.stale = snap, now, False

    def forget(self, release: Path) -> None:
        self._watches.pop(release, None)

    def next_check(self) -> float | None:
        """Clock time of the earliest poll due, or None when nothing is tracked."""
        return min((w.next_check for w in self._watches.values()), default=None)

    def due(self) -> list[Path]:
        """Poll what is due; return the releases that are now complete (and stop tracking them)."""
        now = self._clock()
        ready: list[Path] = []
        for release, watch in list(self._watches.items()):
            if watch.next_check > now:
                continue
            snap = self._snapshot(release)
            if snap is None:
                log.debug("settle: %s is gone", release)
                del self._watches[release]
                continue
            if snap != watch.snap:
                watch.snap = snap
                if not watch.stale:
                    watch.last_change = now  # a change no event told us about
            watch.snapped_at, watch.stale = now, False
            quiet_until = watch.last_change + self.settle
            if now >= quiet_until:
                reason = snap.waiting_for
                if reason is None:
                    del self._watches[release]
                    ready.append(release)
                    continue
                if reason != watch.waiting_noted:
                    log.info("waiting: %s — %s", release.name, reason)
                    watch.waiting_noted = reason
                watch.next_check = now + self.interval
            else:
                watch.next_check = min(now + self.interval, quiet_until)
        return sorted(ready)


class StillChangingError(UploaderError):
    """`upload` / `check`: a release was still being written (refused, or waited for too long)."""


def newest_change(snap: Snapshot) -> int:
    """The newest mtime (ns) of anything in the release."""
    return max((mtime for _, _, mtime, _ in snap.entries), default=0)


def wait_until_complete(
    release: Path,
    settle: float,
    *,
    max_wait: float,
    no_wait: bool = False,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
    take_snapshot: Callable[[Path], Snapshot | None] = snapshot,
) -> Snapshot | None:
    """The watch folder's rule for one-shot commands: return once nothing in `release` changed
    for `settle` seconds (and no temporary download name is in it), with the last snapshot
    taken (its `fingerprint()` saves the build another walk), or None when it vanished.

    The files' own mtimes count as quiet time already passed, so a release finished a minute
    ago starts at once; one changed 0.4 s ago is polled until it has been still for `settle`.
    StillChangingError with `no_wait` (at once) or after `max_wait` seconds; CancelledError
    when `cancel` is set meanwhile. A vanished release returns: the build reports it.
    """
    snap = take_snapshot(release)
    if snap is None:
        return None
    started = clock()
    age = wall() - newest_change(snap) / 1e9
    last_change = started - max(0.0, min(age, settle))
    interval = min(1.0, max(settle / 4, 0.05))
    said: str | None = None
    while True:
        now = clock()
        quiet = now - last_change
        # An empty folder is not waited for here: the build says what is wrong with it.
        why = (f"still being written (changed {max(0.0, quiet):.1f} s ago)" if quiet < settle
               else f"{snap.unfinished[0]} is still downloading (temporary name)"
               if snap.unfinished else None)
        if why is None:
            if said is not None:
                log.info("complete: %s — unchanged for %g s", release.name, settle)
            return snap
        if no_wait:
            raise StillChangingError(
                f"{release.name}: {why} — run again once it is complete (or without "
                "--no-wait to wait)")
        if now - started >= max_wait:
            raise StillChangingError(
                f"{release.name}: {why}, after waiting {now - started:.0f} s — finish "
                "writing it, then run again (or raise --max-wait)")
        kind = why.split(" (")[0]
        if kind != said:
            log.info("waiting for %s: %s", release.name, why)
            said = kind
        if cancel is not None:
            if cancel.wait(interval):
                raise CancelledError(f"{release.name}: shutdown requested while waiting for "
                                     "it to be complete")
        else:
            time.sleep(interval)
        fresh = take_snapshot(release)
        if fresh is None:
            return None
        if fresh != snap:
            snap, last_change = fresh, clock()
