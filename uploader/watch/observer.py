"""watchdog at the edge: filesystem events in, plain paths out.

The native observer (inotify on Linux) by default; `--polling` for network and FUSE filesystems,
where native events do not arrive. Only events that can mean "the content changed" are passed
on: opening or reading a file (our own hashing does both) is not activity.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)

#: Events that are reads, not changes.
_READS = frozenset({EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE})


class PathHandler(FileSystemEventHandler):
    """Calls `sink(path)` for every path a change event names (both ends of a move)."""

    def __init__(self, sink: Callable[[Path], None]) -> None:
        super().__init__()
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _READS:
            return
        self._sink(Path(os.fsdecode(event.src_path)))
        dest = getattr(event, "dest_path", "")
        if dest:
            self._sink(Path(os.fsdecode(dest)))


def start_observer(
    watches: Sequence[tuple[Path, bool, Callable[[Path], None]]],
    *,
    polling: bool,
    poll_interval: float = 1.0,
) -> Any:
    """Start one observer for `(folder, recursive, sink)` watches; the caller stops and joins it."""
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    observer = PollingObserver(timeout=poll_interval) if polling else Observer()
    for folder, recursive, sink in watches:
        observer.schedule(PathHandler(sink), str(folder), recursive=recursive)
    observer.start()
    return observer
