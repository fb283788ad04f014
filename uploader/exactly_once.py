"""Upload a torrent at most once, whatever happens to the request or the process.

The rule: before every `POST /upload` attempt, ask the site whether the infohash is already
there. A POST whose answer was lost (timeout, reset, 5xx after sending) is never repeated
blindly: the site is asked by infohash, with backoff, until it answers; only a definite "not
there" allows another attempt. A 429 on the POST means the site did not take it: wait, then
ask again and retry.

The journal records the release as `uploading` before the POST goes out, so a crash at any
instant leaves it "in doubt", which the next run resolves the same way.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from uploader.exceptions import (
    ApiError,
    ChecksError,
    RateLimitedError,
    ServerError,
    TransportError,
    UploaderError,
)

if TYPE_CHECKING:
    from uploader.api import NekoClient

log = logging.getLogger(__name__)


class InfohashLookup(Protocol):
    def find_by_infohash(self, infohash: str) -> str | None: ...


class UploadClient(InfohashLookup, Protocol):
    def upload(self, req: Any) -> str: ...


class InDoubtError(UploaderError):
    """The site could not tell whether an upload it may have received is there."""


@dataclass(frozen=True)
class Policy:
    """Bounds: how long to keep asking, how many POSTs at most."""

    max_posts: int = 3
    max_lookups: int = 8
    base_wait: float = 2.0
    max_wait: float = 60.0

    def backoff(self, attempt: int) -> float:
        return min(self.max_wait, self.base_wait * 2.0**attempt) * (0.5 + random.random() / 2)


@dataclass(frozen=True)
class Outcome:
    status: str  # "uploaded" (this tool stored it) or "exists" (the site already had it)
    torrent_id: str


def skip_upload(client: InfohashLookup, infohashes: Sequence[str]) -> str | None:
    """The site's id for any of `infohashes`, or None: a named predicate, as in twine."""
    for infohash in dict.fromkeys(h.lower() for h in infohashes if h):
        found = client.find_by_infohash(infohash)
        if found:
            return found
    return None


def lookup_until_answered(
    client: InfohashLookup,
    infohashes: Sequence[str],
    *,
    policy: Policy,
    sleep: Callable[[float], None],
) -> str | None:
    """Ask until the site gives a definite answer; InDoubtError when it never does."""
    last: UploaderError | None = None
    for attempt in range(policy.max_lookups):
        try:
            return skip_upload(client, infohashes)
        except RateLimitedError as exc:
            last = exc
            wait = min(policy.max_wait, exc.retry_after or policy.backoff(attempt))
        except (TransportError, ServerError) as exc:
            last = exc
            wait = policy.backoff(attempt)
        log.warning("infohash lookup: %s — asking again in %.1f s", last, wait)
        sleep(wait)
    raise InDoubtError(
        f"upload: the site did not answer whether it has infohash {infohashes[0]} ({last}) — "
        "nothing was uploaded twice; run the same command again later to resolve it"
    )


def find(client: InfohashLookup, infohashes: Sequence[str], *, in_doubt: bool,
         policy: Policy, sleep: Callable[[float], None]) -> str | None:
    """Only an upload that may have reached the site needs the patient loop; otherwise one
    lookup (which the client already retries) decides, and an unreachable site fails the
    release fast with nothing in doubt."""
    if in_doubt:
        return lookup_until_answered(client, infohashes, policy=policy, sleep=sleep)
    return skip_upload(client, infohashes)


def same_content(client: NekoClient, title: str, group_id: str,
                 files: Sequence[tuple[str, int]]) -> str | None:
    """The id of the group's torrent titled `title` whose files (paths and sizes) are exactly
    `files`, or None. Errors propagate: without an answer, nothing is uploaded."""
    answer: Any = client.search_torrents(query=title, group_id=group_id, limit=50)
    results = answer.get("results") if isinstance(answer, dict) else None
    wanted = sorted((path, int(size)) for path, size in files)
    for item in results if isinstance(results, list) else []:
        if not isinstance(item, dict) or item.get("title") != title:
            continue
        torrent_id = item.get("id")
        if not isinstance(torrent_id, str):
            continue
        site: Any = client.get_torrent(torrent_id)
        listed = site.get("files") if isinstance(site, dict) else None
        if not isinstance(listed, list):
            continue
        theirs = sorted((str(f.get("path")), int(f.get("length", -1)))
                        for f in listed if isinstance(f, dict))
        if theirs == wanted:
            return torrent_id
    return None


def upload_once(
    client: UploadClient,
    request: Any,
    infohashes: Sequence[str],
    *,
    in_doubt: bool,
    on_attempt: Callable[[int], None],
    on_event: Callable[[str, dict[str, Any]], None],
    policy: Policy | None = None,
    sleep: Callable[[float], None],
) -> Outcome:
    """POST the upload at most once per definite "not there" answer.

    `in_doubt`: an earlier run may have sent this upload (journal said `uploading`); if the
    site has it, it was ours. `on_attempt(n)` runs before each POST (the caller records the
    `uploading` state durably there). `on_event(kind, detail)` journals each answer.
    """
    policy = policy or Policy()
    maybe_sent = in_doubt

    def lookup() -> str | None:
        return find(client, infohashes, in_doubt=maybe_sent, policy=policy, sleep=sleep)

    for post in range(policy.max_posts):
        existing = lookup()
        if existing is not None:
            status = "uploaded" if maybe_sent else "exists"
            on_event("lookup", {"found": existing, "status": status})
            return Outcome(status, existing)
        on_event("lookup", {"found": None})
        on_attempt(post + 1)
        try:
            torrent_id = client.upload(request)
        except RateLimitedError as exc:
            # 429: the site refused to take it; nothing was stored.
            wait = min(policy.max_wait, exc.retry_after or policy.backoff(post))
            on_event("rate_limited", {"retry_after": exc.retry_after, "wait": wait})
            sleep(wait)
            continue
        except TransportError as exc:
            maybe_sent = maybe_sent or exc.sent
            on_event("lost_answer" if exc.sent else "not_sent", {"error": str(exc)})
            sleep(policy.backoff(post))
            continue
        except ServerError as exc:
            # A 5xx may come after the site stored the torrent: treat it as a lost answer.
            maybe_sent = True
            on_event("server_error", {"status": exc.status, "error": str(exc)})
            sleep(policy.backoff(post))
            continue
        except ChecksError as exc:
            if maybe_sent:
                # A repeat refused while an earlier attempt may be on the site (search can hide
                # torrents waiting for approval): never call that "rejected".
                found = lookup()
                if found is not None:
                    on_event("duplicate", {"found": found, "message": exc.message})
                    return Outcome("uploaded", found)
                raise InDoubtError(
                    f"upload: the site refused a repeat ({'; '.join(exc.fails + exc.warns)}) "
                    "and does not list the first attempt — it may be waiting for staff "
                    "approval; check the site, then run the same command again"
                ) from None
            raise  # fails/warns: the caller reports them as rejected
        except ApiError as exc:
            on_event("refused", {"status": exc.status, "message": exc.message})
            if exc.status == 400:
                # e.g. "already uploaded": believe only the site's infohash search.
                found = lookup()
                if found is not None:
                    status = "uploaded" if maybe_sent else "exists"
                    on_event("duplicate", {"found": found, "message": exc.message})
                    return Outcome(status, found)
                if maybe_sent:
                    # Our earlier attempt is most likely there but hidden (waiting for staff
                    # approval): in doubt, never "failed" and never reported as new.
                    raise InDoubtError(
                        f"upload: the site refused a repeat ({exc.message}) and does not list "
                        "the first attempt — it may be waiting for staff approval; check the "
                        "site, then run the same command again"
                    ) from None
            raise
        on_event("uploaded", {"torrent_id": torrent_id})
        return Outcome("uploaded", torrent_id)
    # Out of POST attempts: one last definite answer decides.
    existing = lookup()
    if existing is not None:
        return Outcome("uploaded" if maybe_sent else "exists", existing)
    raise UploaderError(
        f"upload: gave up after {policy.max_posts} attempts; the site does not have it — "
        "run the command again later (`status` shows the answers)"
    )
