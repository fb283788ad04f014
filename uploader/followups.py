"""After the site has the torrent: verify it, mark what it upgrades, hand it off for seeding.

The upload itself is done by then, so a failure here never makes the release `failed`: it stays
`uploaded` (or `exists`), the problem is journalled and shown, and the next run of the same
command retries the steps that did not complete (each step's success is a journal event).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploader import journal as J
from uploader.exceptions import AuthError, ForbiddenError, SeedClientError, UploaderError
from uploader.secret import redact

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.journal import Journal, ReleaseRecord
    from uploader.profiles import Profile
    from uploader.seed.base import TorrentStatus
    from uploader.settings import Settings

log = logging.getLogger(__name__)

FINISHED = "finished"


def finish(client: NekoClient, journal: Journal, record: ReleaseRecord, profile: Profile,
           release: Path, upgrade_ids: list[str], settings: Settings | None = None
           ) -> ReleaseRecord:
    """Run the follow-ups not yet done for `record` (state uploaded or exists)."""
    done = {event.kind for event in journal.current_events(record.id)}
    steps: list[tuple[str, Callable[[ReleaseRecord], ReleaseRecord]]] = [
        ("verified", lambda r: _verify(client, journal, r)),
    ]
    if record.state == J.UPLOADED and upgrade_ids and profile.upload.mark_upgrades:
        steps.append(("upgrades", lambda r: _upgrades(client, journal, r, upgrade_ids)))
    seed_client = settings.seed_client if settings is not None else None
    if record.state == J.UPLOADED and seed_client is not None:
        assert settings is not None
        steps.append(("seeding", lambda r: _seed_client(client, journal, r, release, profile,
                                                        settings)))
    elif record.state == J.UPLOADED and profile.seed.copy_torrent_to is not None:
        folder = Path(profile.seed.copy_torrent_to)
        steps.append(("seeding", lambda r: _seed(client, journal, r, release, folder,
                                                 profile, settings)))
    problems = []
    for kind, step in steps:
        if kind in done and kind != "verified":
            continue
        try:
            record = step(record)
        except AuthError:
            raise
        except UploaderError as exc:
            text = str(exc).removeprefix(f"{kind}: ")
            problems.append(f"{kind}: {text}")
            if kind != "seeding":  # the seeding step journals its own failure
                journal.record(record.id, f"{kind}_failed", {"error": text})
    if problems:
        message = ("uploaded, but " + "; ".join(problems)
                   + " — run the same command again to retry")
        log.warning("%s: %s", release.name, message)
        return journal.update(record.id, error=message, kind="followups")
    # The marker the watch daemon skips on: nothing is left to do for this release.
    journal.record(record.id, FINISHED, {})
    return record


def _verify(client: NekoClient, journal: Journal, record: ReleaseRecord) -> ReleaseRecord:
    assert record.torrent_id is not None
    try:
        site: Mapping[str, Any] = client.get_torrent(record.torrent_id)
    except ForbiddenError as exc:
        if not exc.waiting_for_approval:
            raise
        # New accounts' first uploads wait for staff approval and are hidden until then.
        site = {"waiting_approve": True}
    site_hash = str(site.get("infohash") or "").lower() or None
    if site_hash and record.infohash and site_hash != record.infohash:
        log.warning("%s: the site lists infohash %s, ours is %s", record.path, site_hash,
                    record.infohash)
    when: dict[str, Any] = {}
    uploaded_at = _epoch_ms(site.get("uploaded_at"))
    if uploaded_at is not None:
        when["uploaded_at"] = uploaded_at
    return journal.update(record.id, site_infohash=site_hash, **when,
                          waiting_approve=bool(site.get("waiting_approve")),
                          kind="verified", detail={"infohash": site_hash})


def _epoch_ms(value: object) -> float | None:
    """The site's "Unix timestamp in milliseconds" (a string of digits) as epoch seconds."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
        return None
    return int(value) / 1000.0


def _upgrades(client: NekoClient, journal: Journal, record: ReleaseRecord,
              upgrade_ids: list[str]) -> ReleaseRecord:
    from uploader.upgrades import mark_upgraded

    assert record.torrent_id is not None
    result = mark_upgraded(client, record.torrent_id, upgrade_ids)
    return journal.update(record.id, upgraded=list(result.marked),
                          bad_torrents=list(result.bad_torrents), kind="upgrades",
                          detail={"marked": result.marked, "bad_torrents": result.bad_torrents,
                                  "unverified": result.unverified})


def _torrent_bytes(client: NekoClient, record: ReleaseRecord) -> tuple[bytes, str]:
    """The site's .torrent (with the passkey), in memory; ours while the site withholds it."""
    from uploader.exceptions import TorrentError

    assert record.torrent_id is not None
    try:
        return client.download_torrent(record.torrent_id), "site"
    except ForbiddenError as exc:
        if not exc.waiting_for_approval or not record.torrent_file:
            raise
    try:
        return Path(record.torrent_file).read_bytes(), "built"
    except OSError as err:
        raise TorrentError(f"{record.torrent_file}: cannot read our torrent ({err.strerror}) "
                           "— run the upload again to rebuild it",
                           path=record.torrent_file) from None


def _seed_client(client: NekoClient, journal: Journal, record: ReleaseRecord, release: Path,
                 profile: Profile, settings: Settings) -> ReleaseRecord:
    """Add the release to the torrent client over its API; confirm it seeds."""
    from uploader.pipeline import fingerprint
    from uploader.seed.handoff import SeedRequest, seed

    config = settings.seed_client
    assert config is not None
    assert record.infohash is not None
    where = config.display()
    try:
        data, source = _torrent_bytes(client, record)
        # The client may skip its recheck only for the very files we hashed.
        skip = settings.seed_skip_check and fingerprint(release) == record.fingerprint
        if settings.seed_skip_check and not skip:
            log.warning("%s: changed since it was hashed; the client will check the files",
                        release.name)
        request = SeedRequest(torrent=data, infohash=record.infohash, release=release,
                              category=profile.seed.category, tags=profile.seed.tags,
                              save_path=profile.seed.save_path, skip_check=skip)
        result = seed(config, request, path_map=settings.seed_path_map,
                      timeout=settings.seed_timeout, progress=_progress_log(release.name))
    except (SeedClientError, OSError) as exc:
        text = (redact(str(exc), config.password) if isinstance(exc, SeedClientError)
                else f"{release}: {exc.strerror}")
        journal.update(record.id, seeding_state=J.SEED_FAILED, seeding_client=where,
                       seeding_error=text, kind="seeding_failed", detail={"error": text})
        raise SeedClientError(f"seeding: {text}", client=config.kind) from None
    if result.state == J.SEEDING:
        log.info("%s: seeding in %s (confirmed in %.1f s)", release.name, config.kind,
                 result.seconds)
    return journal.update(record.id, seeding_state=result.state, seeding_client=where,
                          seeding_error=None, kind="seeding",
                          detail={"client": where, "save_path": result.save_path,
                                  "source": source, "state": result.state,
                                  "seconds": round(result.seconds, 3)})


def _progress_log(name: str) -> Callable[[TorrentStatus], None]:
    """Log the client's check every 10 s: a long recheck is visible, not silent."""
    import time

    last = [time.monotonic()]

    def report(status: TorrentStatus) -> None:
        now = time.monotonic()
        if now - last[0] >= 10.0:
            last[0] = now
            log.info("%s: the client is %s (%.0f %%)", name, status.raw_state or status.phase,
                     status.progress * 100)

    return report


def _seed(client: NekoClient, journal: Journal, record: ReleaseRecord, release: Path,
          folder: Path, profile: Profile, settings: Settings | None) -> ReleaseRecord:
    """The watch-folder handoff, for clients without an API: copied, not confirmed."""
    from uploader.seed.watchfolder import hand_off

    assert record.torrent_id is not None
    declared = profile.seed.save_path
    if declared is not None:
        from uploader.seed.config import PathMap

        path_map = settings.seed_path_map if settings is not None else PathMap()
        actual = path_map.to_client(str(release.parent))
        if actual.rstrip("/") != declared.rstrip("/"):
            log.warning("%s: is in %s, but the client saves into %s (seed.save_path): it will "
                        "not find the files — move the release there, or use --seed-client",
                        release.name, actual, declared)
    built = Path(record.torrent_file) if record.torrent_file else None
    try:
        dest, source = hand_off(client, record.torrent_id, release.name, folder, built=built)
    except UploaderError as exc:
        if isinstance(exc, AuthError):
            raise
        journal.update(record.id, seeding_state=J.SEED_FAILED,
                       seeding_client=f"watch folder {folder}", seeding_error=str(exc),
                       kind="seeding_failed", detail={"error": str(exc)})
        raise
    if source == "built":
        log.info("%s: the site does not serve it until approved; handed off our own .torrent "
                 "(same infohash)", release.name)
    return journal.update(record.id, kind="seeding", seeding_state=J.SEED_PENDING,
                          seeding_client=f"watch folder {folder}", seeding_error=None,
                          detail={"copied_to": str(dest), "source": source})
