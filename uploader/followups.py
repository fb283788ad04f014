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
from uploader.exceptions import AuthError, ForbiddenError, UploaderError

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.journal import Journal, ReleaseRecord
    from uploader.profiles import Profile

log = logging.getLogger(__name__)

FINISHED = "finished"


def finish(client: NekoClient, journal: Journal, record: ReleaseRecord, profile: Profile,
           release: Path, upgrade_ids: list[str]) -> ReleaseRecord:
    """Run the follow-ups not yet done for `record` (state uploaded or exists)."""
    done = {event.kind for event in journal.current_events(record.id)}
    steps: list[tuple[str, Callable[[ReleaseRecord], ReleaseRecord]]] = [
        ("verified", lambda r: _verify(client, journal, r)),
    ]
    if record.state == J.UPLOADED and upgrade_ids and profile.upload.mark_upgrades:
        steps.append(("upgrades", lambda r: _upgrades(client, journal, r, upgrade_ids)))
    if record.state == J.UPLOADED and profile.seed.copy_torrent_to is not None:
        folder = Path(profile.seed.copy_torrent_to)
        steps.append(("seeding", lambda r: _seed(client, journal, r, release, folder)))
    problems = []
    for kind, step in steps:
        if kind in done and kind != "verified":
            continue
        try:
            record = step(record)
        except AuthError:
            raise
        except UploaderError as exc:
            problems.append(f"{kind}: {exc}")
            journal.record(record.id, f"{kind}_failed", {"error": str(exc)})
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
    return journal.update(record.id, site_infohash=site_hash,
                          waiting_approve=bool(site.get("waiting_approve")),
                          kind="verified", detail={"infohash": site_hash})


def _upgrades(client: NekoClient, journal: Journal, record: ReleaseRecord,
              upgrade_ids: list[str]) -> ReleaseRecord:
    from uploader.upgrades import mark_upgraded

    assert record.torrent_id is not None
    result = mark_upgraded(client, record.torrent_id, upgrade_ids)
    return journal.update(record.id, upgraded=list(result.marked),
                          bad_torrents=list(result.bad_torrents), kind="upgrades",
                          detail={"marked": result.marked, "bad_torrents": result.bad_torrents,
                                  "unverified": result.unverified})


def _seed(client: NekoClient, journal: Journal, record: ReleaseRecord, release: Path,
          folder: Path) -> ReleaseRecord:
    from uploader.seed.watchfolder import hand_off

    assert record.torrent_id is not None
    built = Path(record.torrent_file) if record.torrent_file else None
    dest, source = hand_off(client, record.torrent_id, release.name, folder, built=built)
    if source == "built":
        log.info("%s: the site does not serve it until approved; handed off our own .torrent "
                 "(same infohash)", release.name)
    return journal.update(record.id, kind="seeding",
                          detail={"copied_to": str(dest), "source": source})
