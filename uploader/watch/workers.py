"""The daemon's two kinds of worker threads, and what they report back.

    todo ──▶ builders (--jobs N, default 1): prepare = hash + mediainfo ──▶ built (bounded)
    built ──▶ publisher (one): the site calls, exactly once ──▶ outcomes ──▶ the daemon's loop

While the publisher talks to the site about one release, a builder already hashes the next.
The `built` queue is bounded so builders do not run far ahead: work done ahead of the site is
work thrown away at shutdown. Workers never raise: every result, error or cancellation becomes
an `Outcome` for the loop, which alone decides what happens next and prints.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from uploader.exceptions import CancelledError, ConfigError

if TYPE_CHECKING:
    from uploader.journal import ReleaseRecord
    from uploader.pipeline import Prepared
    from uploader.profiles import Profile

log = logging.getLogger(__name__)

#: How often idle workers look at the stop flag.
TICK = 0.2


class Processor(Protocol):
    """The pipeline, as the daemon uses it (`uploader.pipeline.Pipeline`)."""

    cancel: threading.Event
    profiles: dict[str, Profile]

    def prepare(self, path: Path) -> Prepared: ...

    def publish(self, prepared: Prepared, mode: str) -> ReleaseRecord: ...


@dataclass(frozen=True)
class Outcome:
    """One release's turn through the workers."""

    path: Path
    record: ReleaseRecord | None = None
    #: Raised outside the pipeline's contract (a bug, the journal failing, a refused key).
    error: BaseException | None = None
    #: Shutdown came first; the journal keeps the release's last state for the next start.
    cancelled: bool = False
    #: The release failed on configuration (no profile, bad profile): exit code 2 in --once.
    config_error: bool = False


class Workers:
    def __init__(self, processor: Processor, *, jobs: int, report: Callable[[Outcome], None]
                 ) -> None:
        self.processor = processor
        self.todo: queue.Queue[Path] = queue.Queue()
        self.built: queue.Queue[tuple[Path, Prepared]] = queue.Queue(maxsize=jobs)
        self.stopping = threading.Event()
        #: The release whose site calls are running now (read by the shutdown message).
        self.publishing: Path | None = None
        self._report = report
        self.builders = [threading.Thread(target=self._build_loop, name=f"watch-build-{n}",
                                          daemon=True) for n in range(jobs)]
        self.publisher = threading.Thread(target=self._publish_loop, name="watch-publish",
                                          daemon=True)

    def start(self) -> None:
        for thread in (*self.builders, self.publisher):
            thread.start()

    def stop(self) -> None:
        """Take no new work; cancel hashing. The current publish runs on until it returns."""
        self.stopping.set()
        self.processor.cancel.set()

    def _build_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                path = self.todo.get(timeout=TICK)
            except queue.Empty:
                continue
            log.info("building: %s", path.name)
            try:
                prepared = self.processor.prepare(path)
            except Exception as exc:  # noqa: BLE001 - whatever it is, the daemon keeps running
                self._report(Outcome(path, error=exc))
                continue
            if self.stopping.is_set() and isinstance(prepared.error, CancelledError):
                self._report(Outcome(path, cancelled=True))
                continue
            self._hand_over(path, prepared)
        self._cancel_rest(self.todo)

    def _hand_over(self, path: Path, prepared: Prepared) -> None:
        while True:
            try:
                self.built.put((path, prepared), timeout=TICK)
                return
            except queue.Full:
                if self.stopping.is_set():
                    self._report(Outcome(path, cancelled=True))
                    return

    def _publish_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                path, prepared = self.built.get(timeout=TICK)
            except queue.Empty:
                continue
            if self.stopping.is_set():
                self._report(Outcome(path, cancelled=True))
                break
            self.publishing = path
            try:
                self._publish(path, prepared)
            finally:
                self.publishing = None
        self._cancel_rest(self.built)

    def _publish(self, path: Path, prepared: Prepared) -> None:
        if prepared.error is None:
            log.info("publishing: %s", path.name)
        try:
            record = self.processor.publish(prepared, "upload")
        except Exception as exc:  # noqa: BLE001 - AuthError, a bug: the loop decides
            self._report(Outcome(path, error=exc))
        else:
            self._report(Outcome(path, record,
                                 config_error=isinstance(prepared.error, ConfigError)))

    def _cancel_rest(self, pending: queue.Queue[Path] | queue.Queue[tuple[Path, Prepared]]
                     ) -> None:
        """Releases still queued at shutdown: reported so the loop knows they are not running."""
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            self._report(Outcome(item if isinstance(item, Path) else item[0], cancelled=True))
