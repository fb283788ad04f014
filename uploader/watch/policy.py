"""What to do with a complete release, given what the journal says about it.

    no record ......................... process
    uploaded / exists, finished ....... skip (exactly once: never re-uploaded from the same path)
    uploaded / exists, files changed .. hold; with --replace process (a new infohash is
                                        uploaded and the earlier torrent marked upgraded)
    uploaded / exists, not finished ... process: a crash or a failed follow-up came after the
                                        upload; the pipeline finds it by infohash and
                                        finishes them (verify, upgrades, seeding handoff)
    uploading (in doubt) .............. process: the pipeline resolves it by infohash
    rejected / permanent failure ...... hold until its content changes or `status --retry ID`
    failed, attempts used up .......... hold, the same way
    anything else ..................... process (interrupted, queued, failed with tries left)

"Its content changed" is the pipeline's fingerprint (size, mtime, inode of every file) differing
from the one journalled. Transient failures are retried with exponential backoff, bounded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from uploader import journal as J

if TYPE_CHECKING:
    from uploader.journal import ReleaseRecord


class Action(Enum):
    PROCESS = "process"
    SKIP = "skip"
    HOLD = "hold"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures: up to `max_attempts` tries, waits doubling from `base` to `cap`."""

    max_attempts: int = 8
    base: float = 30.0
    cap: float = 1800.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def wait(self, failures: int) -> float:
        """Seconds before the try that follows failure number `failures` (1-based), jittered."""
        bound = min(self.cap, self.base * 2.0 ** max(failures - 1, 0))
        return bound * (0.75 + 0.25 * self.random())


def decide(record: ReleaseRecord | None, fingerprint: str, policy: RetryPolicy, *,
           verified: bool = True, replace: bool = False) -> Decision:
    """`verified`: the journal holds the site's confirmation of a done release. `replace`:
    --replace (new content at an uploaded path is uploaded, the earlier torrent upgraded)."""
    if record is None:
        return Decision(Action.PROCESS, "new release")
    if record.state in J.DONE and not verified:
        return Decision(Action.PROCESS, f"{record.state}, but interrupted before its "
                                        "follow-ups: finishing them")
    if record.state in J.DONE and record.fingerprint != fingerprint:
        if replace:
            return Decision(Action.PROCESS, f"its files changed since it was {record.state} as "
                                            f"{record.torrent_id}: --replace")
        return Decision(Action.HOLD, f"already uploaded from this path as {record.torrent_id}; "
                                     "its files changed since — pass --replace to upload the "
                                     f"new content (and mark {record.torrent_id} upgraded)")
    if record.state in J.DONE:
        return Decision(Action.SKIP, f"already {record.state} (torrent {record.torrent_id})")
    if record.state == J.UPLOADING:
        return Decision(Action.PROCESS, "in doubt after an interrupted upload: asking the site")
    changed = record.fingerprint != fingerprint
    how_to_retry = f"change the release, or run `nekobt-upload status --retry {record.id}`"
    if record.permanent or record.state == J.REJECTED:
        if changed:
            return Decision(Action.PROCESS, f"changed since it was {record.state}")
        return Decision(Action.HOLD, f"{record.state} earlier ({record.error}) — {how_to_retry}")
    if record.state == J.FAILED and record.attempts >= policy.max_attempts and not changed:
        return Decision(Action.HOLD, f"gave up after {record.attempts} attempts "
                                     f"({record.error}) — {how_to_retry}")
    return Decision(Action.PROCESS, f"resuming ({record.state})")
