"""Which failures are worth another try, and how long to wait before it.

Only requests that are safe to repeat are retried (the caller says so per request: reads,
the checks and mediainfo PUTs, edits). `POST /upload` and the other creating requests are
never retried here: a lost answer there must be resolved by asking the site (the pipeline
looks the infohash up), not by sending again.

Retried: 429 (waiting what the site said, capped at `max_wait`), 5xx, and transport errors.
Never retried: 401 and every other 4xx — the same request would fail the same way.

A request that never reached the site (refused connection, a name that does not resolve, a
connect timeout: `TransportError.sent` is False) gets only a few quick tries, within
`unreached_budget` seconds: a site that is down or a wrong --api-url must fail in seconds, not
after minutes of backoff. Lost answers (`sent` True) keep the full policy.

The loop is explicit rather than stamina's decorator because its waits must go through an
injected `sleep`: tests pass a fake clock and assert every wait.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from uploader.exceptions import RateLimitedError, ServerError, TransportError, UploaderError

log = logging.getLogger("uploader.api")

T = TypeVar("T")

RETRYABLE = (RateLimitedError, ServerError, TransportError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter; server-given waits honoured up to `max_wait`.

    Attempt n (1-based) that failed without a server-given wait is followed by a wait drawn
    uniformly from [b/2, b] where b = min(base * 2**(n-1), max_backoff, max_wait): never zero
    (no hammering), never more than the cap.

    A request that never reached the site is tried at most `unreached_attempts` times, and
    tried again only when the time spent so far, the wait and one more attempt as long as the
    last one fit in `unreached_budget` seconds (a 10 s connect timeout is not repeated).
    """

    max_attempts: int = 5
    max_wait: float = 120.0
    base: float = 1.0
    max_backoff: float = 30.0
    unreached_attempts: int = 3
    unreached_budget: float = 8.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.unreached_attempts < 1:
            raise ValueError("max_attempts and unreached_attempts must be at least 1")
        if (self.max_wait < 0 or self.base < 0 or self.max_backoff < 0
                or self.unreached_budget < 0):
            raise ValueError("waits cannot be negative")

    def backoff(self, attempt: int) -> float:
        bound = min(self.base * 2.0 ** (attempt - 1), self.max_backoff, self.max_wait)
        return bound * (0.5 + 0.5 * self.random())

    def attempts_for(self, error: UploaderError) -> int:
        """How many attempts a request failing with `error` gets in all."""
        if never_reached(error):
            return min(self.max_attempts, self.unreached_attempts)
        return self.max_attempts

    def wait_after(self, error: UploaderError, attempt: int, *, elapsed: float = 0.0,
                   last: float = 0.0) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up and raise.

        `elapsed`: seconds since the first attempt started; `last`: how long the failed
        attempt took. Both only matter for a request that never reached the site.
        """
        if attempt >= self.attempts_for(error) or not isinstance(error, RETRYABLE):
            return None
        if never_reached(error):
            wait = self.backoff(attempt)
            return wait if elapsed + wait + last <= self.unreached_budget else None
        if isinstance(error, ServerError) and site_says_no_retry(error.payload):
            return None  # e.g. AnimeTosho's "error" status: the site says not to retry
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        return self.backoff(attempt)


def never_reached(error: UploaderError) -> bool:
    """The request did not reach the site (nothing was sent): connecting failed."""
    return isinstance(error, TransportError) and not error.sent


def site_says_no_retry(payload: object) -> bool:
    """The site's own `"retry": false` (AnimeTosho answers) outranks our backoff."""
    return isinstance(payload, dict) and payload.get("retry") is False


def call(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    retry: bool,
    sleep: Callable[[float], None],
    what: str,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run `attempt` until it returns; retry per `policy` only when `retry` is True.

    Each retry is logged as "<what>: <problem> — attempt n/N failed, retrying in s", with n
    counted from 1 (the attempt that failed) and N the attempts this failure allows.
    """
    n = 1
    first = clock()
    while True:
        started = clock()
        try:
            return attempt()
        except UploaderError as exc:
            now = clock()
            wait = (policy.wait_after(exc, n, elapsed=now - first, last=now - started)
                    if retry else None)
            if wait is None:
                raise
            log.warning("%s: %s — attempt %d/%d failed, retrying in %.1f s", what, _short(exc),
                        n, policy.attempts_for(exc), wait)
            sleep(wait)
            n += 1


def _short(exc: UploaderError) -> str:
    # The message is "subject: problem — advice"; the log line already names the subject.
    problem = exc.message.split(": ", 1)[-1]
    return problem.split(" — ", 1)[0]
