"""Hashing progress: a value passed to callbacks, and a terminal bar that knows when to be quiet;
and `Cancel`, what hashing asks whether to stop."""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

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


class Cancel(Protocol):
    """A stop request: a `threading.Event`, or anything answering `is_set()` (a release's own
    stop, joined with the run's)."""

    def is_set(self) -> bool: ...


def current_label() -> str | None:
    """The name `labelled` gave this thread's hashing (to carry it to another thread)."""
    return getattr(_label, "name", None)


def _ignore(_: Progress) -> None:
    return None


_label = threading.local()
_bars: weakref.WeakSet[TerminalProgress] = weakref.WeakSet()


@contextmanager
def labelled(name: str) -> Iterator[None]:
    """Name the bar of the hashing done by this thread inside the block (the release); the
    bar goes when the block ends, even if the last report never said `done == total`."""
    before = getattr(_label, "name", None)
    _label.name = name
    try:
        yield
    finally:
        _label.name = before
        for bar in list(_bars):
            bar.end_thread(threading.get_ident())


class TerminalProgress:
    """A long-lived progress callback for a terminal: one bar per hashing run and thread.

    Each build reports from 0 up to its total; a report with `done == total` finishes its
    bar, and a report that goes backwards (the next release, or a retry after a failure)
    starts a new one. Builds in several threads (the daemon's --jobs) get a bar each, named
    by `labelled`. Draws without a refresh thread, so nothing is left running if a build
    dies half-way; `close()` clears what is left. `paused()` clears the bars while something
    else writes to the same terminal (a result line on stdout).
    """

    def __init__(self, stream: IO[str], description: str = "Hashing") -> None:
        # Lazily: rich is heavy and only needed on a terminal.
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as RichProgress

        from uploader.output import console_for

        self._lock = threading.RLock()
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console_for(stream),
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._description = description
        self._tasks: dict[int, tuple[TaskID, int]] = {}  # thread -> (task, last done)
        self._shown = False
        self._paused = 0
        _bars.add(self)

    def __call__(self, p: Progress) -> None:
        thread = threading.get_ident()
        with self._lock:
            task, last = self._tasks.get(thread, (None, -1))
            if task is not None and p.done < last:
                self._finish(thread)
                task = None
            if task is None:
                name = getattr(_label, "name", None)
                label = f"{self._description} {name}" if name else self._description
                task = self._bar.add_task(label, total=p.total)
                self._show()
            self._tasks[thread] = (task, p.done)
            self._bar.update(task, completed=p.done, total=p.total)
            if self._shown:
                self._bar.refresh()
            if p.done >= p.total:
                self._finish(thread)

    def _show(self) -> None:
        if not self._shown and not self._paused:
            self._bar.start()
            self._shown = True

    def _hide(self) -> None:
        if self._shown:
            self._bar.stop()
            self._shown = False

    def _finish(self, thread: int) -> None:
        found = self._tasks.pop(thread, None)
        if found is not None:
            self._bar.remove_task(found[0])
        if not self._tasks:
            self._hide()

    def end_thread(self, thread: int) -> None:
        """The build in `thread` is over: remove its bar."""
        with self._lock:
            self._finish(thread)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No bar on the terminal inside the block; shown again after it."""
        with self._lock:
            self._paused += 1
            self._hide()
            try:
                yield
            finally:
                self._paused -= 1
                if self._tasks:
                    self._show()
                    self._bar.refresh()

    def close(self) -> None:
        with self._lock:
            for thread in list(self._tasks):
                self._finish(thread)
            self._hide()


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
