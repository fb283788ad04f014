"""`HashJob`: one release's hashing in a thread of its own, so the rest of the pipeline
(mediainfo, the site's checks) runs meanwhile and only what needs the infohash waits for it.

    job = HashJob(planned, lane=lane, cancel=run_cancel, cache_dir=..., threads=4)
    ...                      # mediainfo, PUT /upload/checks with planned.files
    built = job.result()     # waits; raises what hashing raised (TorrentError, CancelledError)
    job.abandon()            # a check failed: stop reading now (a no-op once finished)

`lane` is a semaphore shared by a run's jobs: one release hashes at a time (the daemon's
`--jobs N`: N), so a release prepared early waits its turn instead of competing for the disk.
A job stops within a fraction of a second when the run's `cancel` is set (Ctrl-C, shutdown)
or when it is abandoned, whether it is hashing or still waiting for its lane.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from uploader.exceptions import CancelledError
from uploader.torrent.builder import BuiltTorrent, PlannedTorrent
from uploader.torrent.progress import Cancel, ProgressCallback, labelled

POLL = 0.1  # seconds between looks at the stop requests while waiting for a lane


class _Either:
    """Set when the run is cancelled or this job is abandoned."""

    def __init__(self, run: Cancel, own: threading.Event) -> None:
        self.run, self.own = run, own

    def is_set(self) -> bool:
        return self.own.is_set() or self.run.is_set()


class HashJob:
    """Hash `planned` in the background; `result()` is the BuiltTorrent (see the module)."""

    def __init__(
        self,
        planned: PlannedTorrent,
        *,
        lane: threading.Semaphore,
        cancel: Cancel,
        cache_dir: Path | None,
        progress: ProgressCallback | None,
        threads: int,
        label: str,
    ) -> None:
        self.planned = planned
        self._lane = lane
        self._abandoned = threading.Event()
        self._stop = _Either(cancel, self._abandoned)
        self._cache_dir = cache_dir
        self._progress = progress
        self._threads = threads
        self._label = label
        self._done = threading.Event()
        self.finished_at: float | None = None  # time.time() when hashing ended
        self._built: BuiltTorrent | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"hash:{label[:40]}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._lane.acquire(timeout=POLL):
                if self._stop.is_set():
                    raise CancelledError("torrent: cancelled before hashing started")
            try:
                with labelled(self._label):  # the release's name on its progress bar
                    self._built = self.planned.hash(
                        cache_dir=self._cache_dir, progress=self._progress, cancel=self._stop,
                        threads=self._threads)
            finally:
                self._lane.release()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the result
            self._error = exc
        finally:
            self.finished_at = time.time()
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> BuiltTorrent:
        """The built torrent, once hashed; raises what hashing raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._built is not None
        return self._built

    def abandon(self, wait: float = 2.0) -> None:
        """Stop hashing (nothing of it is needed any more) and wait up to `wait` seconds for
        the readers to stop; a finished job is left as it is."""
        if self._done.is_set():
            return
        self._abandoned.set()
        self._done.wait(wait)
