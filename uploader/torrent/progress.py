"""Hashing progress: a value passed to callbacks, and a terminal bar that knows when to be quiet."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import TaskID


@dataclass(frozen=True)
class Progress:
    """Where hashing stands. `rate` is bytes per second since hashing started."""

    done: int
    total: int
    rate: float
    elapsed: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, or None before there is a rate."""
        if self.rate <= 0:
            return None
        return max(self.total - self.done, 0) / self.rate


ProgressCallback = Callable[[Progress], None]


def _ignore(_: Progress) -> None:
    return None


class TerminalProgress:
    """A long-lived progress callback for a terminal: one bar per hashing run.

    Each build reports from 0 up to its total; a report with `done == total` finishes the
    bar, and a report that goes backwards (the next release, or a retry after a failure)
    starts a new one. Safe to call from a build thread. Draws without a refresh thread, so
    nothing is left running if a build dies half-way; `close()` clears a bar left open.
    """

    def __init__(self, stream: IO[str], description: str = "Hashing") -> None:
        from rich.console import Console  # lazily: rich is heavy and only needed on a terminal
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as RichProgress

        self._lock = threading.Lock()
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=True,
            auto_refresh=False,
        )
        self._description = description
        self._task: TaskID | None = None
        self._last = -1

    def __call__(self, p: Progress) -> None:
        with self._lock:
            if self._task is not None and p.done < self._last:
                self._finish()
            if self._task is None:
                self._bar.start()
                self._task = self._bar.add_task(self._description, total=p.total)
            self._bar.update(self._task, completed=p.done, total=p.total, refresh=True)
            self._last = p.done
            if p.done >= p.total:
                self._finish()

    def _finish(self) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._bar.stop()
        self._task, self._last = None, -1

    def close(self) -> None:
        with self._lock:
            self._finish()


def _quiet(stream: IO[str] | None, json_mode: bool) -> tuple[IO[str], bool]:
    out = stream if stream is not None else sys.stderr
    return out, json_mode or not out.isatty()


def terminal_progress(
    *, json_mode: bool = False, stream: IO[str] | None = None, description: str = "Hashing"
) -> ProgressCallback:
    """A progress callback that draws on a terminal (stderr by default).

    A no-op with `--json` or when the stream is not a terminal, so CI logs and JSON output
    stay clean (and rich is not even imported).
    """
    out, quiet = _quiet(stream, json_mode)
    if quiet:
        return _ignore
    return TerminalProgress(out, description)


@contextmanager
def progress_bar(
    description: str, *, json_mode: bool = False, stream: IO[str] | None = None
) -> Iterator[ProgressCallback]:
    """`terminal_progress` for one run: the bar is cleared when the block ends."""
    out, quiet = _quiet(stream, json_mode)
    if quiet:
        yield _ignore
        return
    bar = TerminalProgress(out, description)
    try:
        yield bar
    finally:
        bar.close()
