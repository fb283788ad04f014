"""Hand an uploaded release to the torrent client and confirm that it seeds.

    connect → already there? (resume if paused) : add from memory →
    poll: checking … → seeding at 100 %                          → SEEDING
          check over, below 100 % (it wants to download)         → stuck: wrong save path / map
          the client reports an error (permission denied, ...)   → that error, said plainly
          still checking at the deadline                         → not confirmed (retried later)

The torrent never touches disk here (it holds the site's passkey). Every outcome is returned
or raised as `SeedClientError`; the caller journals it and the next run retries the handoff,
never the upload.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uploader.exceptions import SeedClientError
from uploader.seed import base as B
from uploader.seed.base import ClientConfig, SeedClient, TorrentStatus
from uploader.seed.config import PathMap

log = logging.getLogger(__name__)

# Right after an add some clients report "downloading" for a moment before their check
# starts; below 100 % is only "stuck" once it has lasted this long with the check over.
STUCK_AFTER = 3.0
# A client that has not listed the torrent this long after accepting it lost it.
APPEAR_WITHIN = 30.0


@dataclass(frozen=True)
class SeedRequest:
    """What to hand off: the torrent, where its content is, and how to label it."""

    torrent: bytes
    infohash: str
    release: Path           # the release on this machine (file or folder), as hashed
    category: str | None = None
    tags: tuple[str, ...] = ()
    save_path: str | None = None  # as the client sees it; None: the release's folder, mapped
    skip_check: bool = False


@dataclass(frozen=True)
class SeedResult:
    state: str              # "seeding" (confirmed) or "pending" (handed off, not waited for)
    client: str             # config.display(): where, never the password
    save_path: str
    seconds: float


ProgressFn = Callable[[TorrentStatus], None]


def client_save_path(request: SeedRequest, path_map: PathMap) -> str:
    """The folder the client is told to save into: the release's own folder by default."""
    if request.save_path:
        return request.save_path
    return path_map.to_client(str(request.release.parent))


def seed(config: ClientConfig, request: SeedRequest, *, path_map: PathMap, timeout: float,
         poll: float = 1.0, progress: ProgressFn | None = None,
         clock: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep,
         connect: Callable[[ClientConfig], SeedClient] | None = None) -> SeedResult:
    """Add `request` to the client and wait (up to `timeout` s) until it seeds at 100 %."""
    if connect is None:
        from uploader.seed import connect as connect_client

        connect = connect_client
    started = clock()
    save = client_save_path(request, path_map)
    where = f"{save.rstrip('/')}/{request.release.name}"
    client = connect(config)
    try:
        current = client.status(request.infohash)
        if current is None:
            client.add(request.torrent, save_path=save, category=request.category,
                       tags=request.tags, skip_check=request.skip_check)
            log.info("%s: added to %s (save path %s)", request.release.name, config.kind, save)
        elif current.phase == B.PAUSED:
            client.resume(request.infohash)
        if timeout <= 0:
            return SeedResult("pending", config.display(), save, clock() - started)
        _wait(client, config, request, where, timeout=timeout, poll=poll, progress=progress,
              clock=clock, sleep=sleep, started=started)
        return SeedResult("seeding", config.display(), save, clock() - started)
    finally:
        client.close()


def _wait(client: SeedClient, config: ClientConfig, request: SeedRequest, where: str, *,
          timeout: float, poll: float, progress: ProgressFn | None,
          clock: Callable[[], float], sleep: Callable[[float], None], started: float) -> None:
    kind = config.kind
    below_since: float | None = None
    resumed = False
    last: TorrentStatus | None = None
    while True:
        now = clock()
        status = client.status(request.infohash)
        if status is not None:
            last = status
            if progress is not None:
                progress(status)
        if status is None:
            if now - started > APPEAR_WITHIN:
                raise SeedClientError(f"{kind}: the client accepted the torrent but does not "
                                      "list it — check the client's log", client=kind)
        elif status.phase == B.SEEDING and status.progress >= 1.0:
            return
        elif status.phase == B.ERROR:
            raise SeedClientError(_error_message(kind, status, where), client=kind)
        elif status.phase == B.PAUSED and not resumed:
            client.resume(request.infohash)  # "add paused" settings, or a user's click
            resumed = True
        elif status.phase in (B.DOWNLOADING, B.PAUSED) or (
                status.phase == B.SEEDING and status.progress < 1.0):
            below_since = below_since if below_since is not None else now
            if now - below_since >= STUCK_AFTER:
                raise SeedClientError(
                    f"{kind}: stuck at {status.progress:.0%} — the client cannot see the "
                    f"files at {where}: check the save path (seed.save_path) and the path "
                    "map (--seed-path-map), and that the client can read them", client=kind)
        else:
            below_since = None  # checking: the client is still hashing what it found
        if now - started >= timeout:
            at = f"{last.progress:.0%}, {last.raw_state or last.phase}" if last else "not listed"
            raise SeedClientError(
                f"{kind}: not seeding after {timeout:.0f} s ({at}) — the client may still be "
                "checking; raise --seed-timeout, or run the same command again to look "
                "again", client=kind)
        sleep(poll)


def _error_message(kind: str, status: TorrentStatus, where: str) -> str:
    text = (status.error or status.raw_state or "error").strip()
    lowered = text.lower()
    if "permission" in lowered or ("access" in lowered and "denied" in lowered):
        return (f"{kind}: the client's user cannot read the files at {where} ({text}) — "
                "give that user read access (e.g. a shared group), or run the client as "
                "the user that writes the encodes")
    if "no such file" in lowered or "missing" in lowered or "not found" in lowered:
        return (f"{kind}: the client cannot see the files at {where} ({text}) — check the "
                "save path (seed.save_path) and the path map (--seed-path-map)")
    return f"{kind}: the client reports an error for the torrent: {text} — see its log"
