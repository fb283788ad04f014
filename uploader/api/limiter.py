"""Client-side politeness without latency: a token bucket in front of every request.

The site's limits are not published. One release makes a handful of calls in a row (key check,
/langs, group lookup, mediainfo and checks PUTs, infohash search, the POST); they should go
out at once. A watch folder that finds fifty releases at once must still not burst. So: a
bucket of `burst` tokens, full at the start, one token per request, one token back every
`min_interval` seconds. A short run of requests spends the bucket and pays nothing; a long one
ends up at the sustained rate of one request per `min_interval`. Retries go through the
limiter too.

After a 429 the session calls `drain`: the bucket is emptied until the site's wait is over,
so what follows goes out at the sustained rate, not in another burst.

The clock and sleep are injected so tests measure the waits without waiting.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

# Waits shorter than this are float rounding in the schedule, not waits: never slept.
_ROUNDING = 1e-6


class RateLimiter:
    """A token bucket in front of `wait()` (thread-safe).

    `min_interval`: the sustained spacing, in seconds: one token comes back every
    `min_interval` (0: no limit at all; `wait` never sleeps). `burst`: the bucket's size, how
    many requests may go out back to back once the limiter has been idle for
    `burst * min_interval` seconds. The bucket starts full.

    The default, 8 (also `NekoClient`'s): one release costs about seven calls (key check, /langs,
    group lookup, PUT /upload/mediainfo, PUT /upload/checks, infohash search, POST /upload),
    plus one for a lookup or retry; so a single release never waits, while a batch of fifty
    pays its first eight calls at once and the rest at 1 / `min_interval` per second.

    Callers that find the bucket empty queue: the lock is held while sleeping, and each of
    them waits for its own token, so N waiting callers start `min_interval` apart (no
    thundering herd when a token comes back).
    """

    def __init__(
        self,
        min_interval: float,
        *,
        burst: int = 8,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if not min_interval >= 0 or math.isinf(min_interval):
            raise ValueError("min_interval cannot be negative (a finite number of seconds)")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.min_interval = min_interval
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        # The bucket as one number: the time it is full again. At time t it holds
        # burst - max(0, full_at - t) / min_interval tokens; a request may start once
        # full_at - t <= (burst - 1) * min_interval, and moves full_at on by min_interval.
        # Kept as a schedule (not re-read from the clock after sleeping), spacing stays exact.
        self._full_at = -math.inf
        # Held while sleeping, so concurrent callers queue up one token apart.
        self._lock = threading.Lock()

    @property
    def _span(self) -> float:
        """How far ahead of now `full_at` may be while one token is still in the bucket."""
        return (self.burst - 1) * self.min_interval

    def wait(self) -> float:
        """Block until a request may start (take one token); return the seconds slept."""
        if self.min_interval == 0:
            return 0.0
        with self._lock:
            now = self._clock()
            full_at = max(self._full_at, now)
            due = full_at - self._span - now
            slept = 0.0
            if due > _ROUNDING:
                self._sleep(due)
                slept = due
            self._full_at = full_at + self.min_interval
            return slept

    def drain(self, hold: float = 0.0) -> None:
        """Empty the bucket: the next token comes `min_interval` from now, or `hold` seconds
        from now if that is later (the site's Retry-After), and the rest follow one per
        `min_interval`. Never gives tokens back; does nothing when there is no limit."""
        if self.min_interval == 0:
            return
        with self._lock:
            next_token = self._clock() + max(hold, self.min_interval)
            self._full_at = max(self._full_at, next_token + self._span)
