"""Client-side politeness: at least `min_interval` seconds between the starts of requests.

The site's limits are not published; spacing our own requests keeps a watch folder that
finds fifty releases at once from bursting. Retries go through the limiter too. The clock and
sleep are injected so tests measure spacing without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class RateLimiter:
    """Spaces calls to `wait()` at least `min_interval` apart (thread-safe)."""

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval cannot be negative")
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        # Held while sleeping, so concurrent callers queue up one interval apart.
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until a request may start; return the seconds slept."""
        with self._lock:
            slept = 0.0
            if self._last is not None:
                due = self._last + self.min_interval - self._clock()
                if due > 0:
                    self._sleep(due)
                    slept = due
            self._last = self._clock()
            return slept
