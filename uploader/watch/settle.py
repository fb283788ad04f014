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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
