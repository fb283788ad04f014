"""SIGINT/SIGTERM for the daemon, the way watchmedo does it: a signal raises `Shutdown` in the
main thread, which unwinds through the loop into `observer.stop(); observer.join()`.

Only the first signal raises. Once shutdown has begun (by a signal, `--once` finishing, or a
refused key), a further signal only sets `hurry`: stop waiting for an upload in flight.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Shutdown(BaseException):
    """Raised by SIGINT/SIGTERM. Not an Exception: no `except Exception` may swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 130 if self.signum == signal.SIGINT else 0


class SignalTrap:
    def __init__(self) -> None:
        self.armed = True
        self.hurry = False

    def disarm(self) -> None:
        """Shutdown has begun: later signals must not interrupt the cleanup."""
        self.armed = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the signals while inside; only the main thread may (others: a no-op)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in SIGNALS}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if not self.armed:
            self.hurry = True
            return
        self.armed = False
        raise Shutdown(signum)
