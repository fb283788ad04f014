"""One release through the pipeline: the stages of PRODUCT.md, in order, journalled.

    prepare (local, may overlap the previous release's site calls):
        journal → pick profile → list the torrent's files → start hashing (a thread of its
        own) → read mediainfo (one parse of the main video file, while hashing runs)
    publish (site calls, while this release still hashes):
        PUT /upload/mediainfo → merge → PUT /upload/checks → decide → (wait for the hash) →
        infohash lookup → POST /upload (exactly once) → GET /torrents/<id> → mark upgrades →
        seeding handoff

Only the infohash lookup and the POST wait for the hash; a check failure found while hashing
stops it at once. A release the journal has as uploaded or in doubt waits for its hash first:
the site's answer about that infohash decides before anything else.

Every failure becomes a journalled `rejected` or `failed` record with a message; nothing here
prints. The caller (`uploader.runner`) turns records into output and exit codes.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploader import journal as J
from uploader.credits import resolve_new_members
from uploader.decide import decide, media_problem
from uploader.exactly_once import Policy, find, same_content, upload_once
from uploader.exceptions import (
    AuthError,
    CancelledError,
    ChecksError,
    ConfigError,
    ForbiddenError,
    NotFoundError,
    UploaderError,
    ValidationError,
)
from uploader.payloads import ReleaseMeta, checks_body, for_journal, upload_body
from uploader.prepare import EarlyHash, LocalStages, NewContentError, Prepared, fingerprint
from uploader.settings import Settings

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.journal import Journal, ReleaseRecord
    from uploader.languages import Languages
    from uploader.profiles import Profile
    from uploader.torrent import BuiltTorrent, PlannedTorrent

log = logging.getLogger(__name__)

CHECK = "check"
UPLOAD = "upload"
__all__ = ["CHECK", "UPLOAD", "NewContentError", "Pipeline", "Prepared", "fingerprint"]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        client: NekoClient,
        journal: Journal,
        profiles: dict[str, Profile],
        *,
        cancel: threading.Event | None = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: Policy | None = None,
        progress: Callable[[Any], None] | None = None,
        hash_lanes: int = 1,
        lane: threading.Semaphore | None = None,
        early: EarlyHash | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.journal = journal
        self.cancel = cancel or threading.Event()
        self.sleep = sleep
        self.policy = policy or Policy()
        self.progress = progress
        self._languages: Languages | None = None
        self._site_lacks_batch = False  # learnt from the site's answer, once per run
        self.local = LocalStages(settings, journal, profiles, cancel=self.cancel,
                                 progress=progress, hash_lanes=hash_lanes, lane=lane,
                                 early=early)

    @property
    def profiles(self) -> dict[str, Profile]:
        """The profiles releases are matched against (the daemon replaces them on reload)."""
        return self.local.profiles

    @profiles.setter
    def profiles(self, profiles: dict[str, Profile]) -> None:
        self.local.profiles = profiles

    @property
    def languages(self) -> Languages:
        """The site's language table: fetched once per run, cached on disk for a day."""
        if self._languages is None:
            from uploader.languages import load_languages

            self._languages = load_languages(
                self.client, self.settings.state_dir / "cache" / "langs.json")
        return self._languages

    # -- local stages -------------------------------------------------------------------------

    def prepare(self, path: Path, *, walked: str | None = None) -> Prepared:
        """The local stages (`uploader.prepare`): returns while the release still hashes.
        `walked`: the release's fingerprint, when the caller has just walked it."""
        return self.local.prepare(path, walked=walked)

    def _built(self, prepared: Prepared) -> BuiltTorrent:
        return self.local.built(prepared)

    def _hashed(self, prepared: Prepared) -> None:
        """The journal says `building` while a release hashes (checks or not), `checking` from
        when it is hashed: from then on this torrent is the one the site is asked about."""
        self._built(prepared)
        if self.journal.get(prepared.record.id).state != J.CHECKING:
            self.journal.update(prepared.record.id, state=J.CHECKING)

    # -- site stages --------------------------------------------------------------------------

    def publish(self, prepared: Prepared, mode: str) -> ReleaseRecord:
        if prepared.lock is None:  # not ours to touch (busy elsewhere, or no state dir)
            message = str(prepared.error) if prepared.error else "not prepared"
            return dataclasses.replace(prepared.record, state=J.FAILED, error=message)
        try:
            return self._publish_locked(prepared, mode)
        finally:
            # Rejected, failed or interrupted before the hash was needed: stop reading now.
            if prepared.hashing is not None:
                prepared.hashing.abandon()
            prepared.lock.release_()

    def _publish_locked(self, prepared: Prepared, mode: str) -> ReleaseRecord:
        record = prepared.record
        try:
            if prepared.error is not None:
                raise prepared.error
            return self._publish(prepared, mode)
        except NewContentError as exc:
            # The journal keeps the earlier upload as it is; this run reports the refusal.
            self.journal.record(record.id, "new_content_refused", {"error": str(exc)})
            return dataclasses.replace(self.journal.get(record.id), state=J.FAILED,
                                       error=str(exc), permanent=True)
        except AuthError:
            self._failed(record.id, "authentication refused (401)", permanent=False)
            raise
        except ChecksError as exc:
            return self.journal.update(record.id, state=J.REJECTED, fails=exc.fails,
                                       warns=exc.warns, error=exc.message, permanent=True,
                                       kind="rejected")
        except UploaderError as exc:
            return self._failed(record.id, str(exc), permanent=isinstance(exc, ConfigError),
                                detail={"type": type(exc).__name__})

    def _failed(self, release_id: int, error: str, *, permanent: bool,
                detail: dict[str, Any] | None = None) -> ReleaseRecord:
        """Record a failure without losing what is known: an in-doubt (`uploading`) or done
        release keeps its state, so the next run still resolves or skips it correctly."""
        current = self.journal.get(release_id)
        keep = current.state in (J.UPLOADING, J.UPLOADED, J.EXISTS)
        fields: dict[str, Any] = {} if keep else {"state": J.FAILED, "permanent": permanent}
        return self.journal.update(release_id, error=error, attempts=current.attempts + 1,
                                   kind="error", detail=detail, **fields)

    def _publish(self, prepared: Prepared, mode: str) -> ReleaseRecord:
        from uploader.metadata import release_meta

        profile, planned = prepared.profile, prepared.planned
        assert profile is not None  # prepare() sets both or sets error
        assert planned is not None
        record = prepared.record
        prior = prepared.prior_state
        # Uploaded before, or in doubt: the site's answer about that infohash decides before
        # anything else, so this release waits for its hash first (from the piece cache,
        # mostly). Any other release is checked while it hashes.
        known = prior in (J.UPLOADING, J.UPLOADED, J.EXISTS)
        if known:
            self._built(prepared)
            prior = prepared.prior_state  # new content at that path starts afresh
            known = prior in (J.UPLOADING, J.UPLOADED, J.EXISTS)

        if prepared.video is not None and not known:
            problem = media_problem(prepared.path.name, prepared.video, require_video=True)
            if problem is not None:
                return self.journal.update(record.id, state=J.REJECTED, fails=[], warns=[],
                                           error=problem, permanent=True, kind="rejected")
        if mode == UPLOAD and known:
            # Already there (uploaded by an earlier run, or in doubt after a crash).
            found = self._found(prepared, prior)
            if found is not None:
                return found

        # `check` of a release already uploaded, or in doubt, must not touch what exactly-once
        # relies on: its outcome is shown and journalled as an event, its state kept.
        hold = mode == CHECK and known
        meta = release_meta(profile, prepared.path, planned, prepared.report,
                            client=self.client, detect=self.settings.detect,
                            languages=self.languages)
        meta = resolve_new_members(self.client, meta)
        self.journal.update(record.id, title=meta.title, kind="metadata",
                            detail={"audio": meta.audio_langs, "subs": meta.sub_langs,
                                    "fansub": meta.fansub_langs, "codec": meta.video_codec})
        if not hold and prepared.hashing is not None and prepared.hashing.done:
            self._hashed(prepared)  # hashed already: `checking` while the site is asked
        checks, meta = self._checks(record.id, self._fit_site(meta), planned)
        parsed = _from_site_parse(profile, meta, checks)
        if parsed != meta:  # `auto` fields the site's parse settled: ask with them
            checks, meta = self._checks(record.id, self._fit_site(parsed), planned)
        fails, warns = list(checks.get("fails") or []), list(checks.get("warns") or [])
        decision = decide(fails, warns, ignore_all=self.settings.ignore_warnings,
                          accepted=profile.upload.ignore_warnings)
        from uploader.upgrades import torrent_ids

        upgrade_ids = torrent_ids(checks.get("upgraded_torrents") or [])
        if prepared.replaces and prepared.replaces not in upgrade_ids:
            upgrade_ids.append(prepared.replaces)
        if not decision.ok and not hold:
            # Nothing more of this release is needed: `publish` stops its hashing.
            return self.journal.update(record.id, state=J.REJECTED, fails=fails, warns=warns,
                                       error=decision.reason(), permanent=True)
        built = self._built(prepared)  # the infohash lookup and the POST need the hash
        if not hold:
            self._hashed(prepared)
        if hold:
            from uploader.preview import build_preview

            self.journal.record(record.id, "checked_again", {"fails": fails, "warns": warns})
            shown = dataclasses.replace(self.journal.get(record.id), fails=fails, warns=warns,
                                        infohash=built.infohash,
                                        torrent_file=str(prepared.torrent_file))
            if not decision.ok:
                return dataclasses.replace(shown, state=J.REJECTED, error=decision.reason())
            return dataclasses.replace(
                shown, state=J.CHECKED, error=None, upgraded=upgrade_ids,
                preview=build_preview(meta, built, ignore_warnings=decision.ignore_warnings))
        if mode == CHECK:
            from uploader.preview import build_preview

            # The body `upload` would send (same meta, same ignore_warnings), minus the torrent.
            return self.journal.update(
                record.id, state=J.CHECKED, fails=[], warns=warns, upgraded=upgrade_ids,
                error=None, preview=build_preview(meta, built,
                                                  ignore_warnings=decision.ignore_warnings))
        if not known:
            # Uploaded by hand, or by a run whose journal this machine does not have.
            found = self._found(prepared, prior, upgrade_ids)
            if found is not None:
                return found

        if self.cancel.is_set():
            raise CancelledError("shutdown requested — release checked, not uploaded")
        if prior != J.UPLOADING:
            # Exactly once without the journal (a fresh CI runner): the same files under
            # another infohash (a profile edit changed piece size, source or trackers) are
            # the same release, already on the site.
            files = [(name, f.size) for name, f in zip(built.files, built.release.files,
                                                       strict=True)]
            same = same_content(self.client, meta.title, profile.group.id, files)
            if same is not None:
                log.warning("%s: the site has these very files as torrent %s (another "
                            "infohash) — not uploaded again", prepared.path.name, same)
                return self._after_upload(prepared, J.EXISTS, same, [], warns=warns)
        upload = upload_body(meta, built.raw, ignore_warnings=decision.ignore_warnings)

        def on_attempt(n: int) -> None:
            self.journal.update(record.id, state=J.UPLOADING, kind="request", warns=warns,
                                detail={"endpoint": "POST /upload", "attempt": n,
                                        "body": for_journal(upload)})

        outcome = upload_once(
            self.client, upload, self._hashes(prepared), in_doubt=prior == J.UPLOADING,
            on_attempt=on_attempt,
            on_event=lambda kind, detail: self.journal.record(record.id, kind, detail),
            policy=self.policy, sleep=self.sleep,
        )
        status = J.UPLOADED if outcome.status == "uploaded" else J.EXISTS
        return self._after_upload(prepared, status, outcome.torrent_id, upgrade_ids,
                                  warns=warns)

    def _found(self, prepared: Prepared, prior: str, upgrade_ids: list[str] | None = None
               ) -> ReleaseRecord | None:
        """The release's outcome when the site already has its infohash (its follow-ups
        finished), or None: not there."""
        self._built(prepared)
        record = prepared.record
        found = find(self.client, self._hashes(prepared), in_doubt=prior == J.UPLOADING,
                     policy=self.policy, sleep=self.sleep)
        if found is None and prior in (J.UPLOADED, J.EXISTS) and record.torrent_id:
            # Search may hide torrents still waiting for staff approval; the id we were
            # given is proof enough while the site still knows it.
            found = self._still_on_site(record.torrent_id)
        if found is None:
            return None
        ours = prior in (J.UPLOADING, J.UPLOADED)
        status = J.UPLOADED if ours else J.EXISTS
        # A crash may have come between the upload and its follow-ups: finish them.
        done = self._after_upload(prepared, status, found, upgrade_ids if upgrade_ids
                                  is not None else self._journalled_upgrades(record.id))
        if prior == J.UPLOADING:
            return done  # this run resolved its own (or a crashed run's) upload
        # Uploaded by an earlier run, or by hand: this run found it there. The journal
        # keeps `uploaded` (its follow-ups depend on it); the report says `exists`.
        return dataclasses.replace(done, state=J.EXISTS)

    def _hashes(self, prepared: Prepared) -> list[str]:
        """Every infohash this release may be on the site under."""
        assert prepared.built is not None
        return [h for h in (prepared.built.infohash, prepared.earlier_infohash,
                            prepared.record.site_infohash) if h]

    def _fit_site(self, meta: ReleaseMeta) -> ReleaseMeta:
        """Sites older than the `batch` field say "full-scale batch" with level 4 instead."""
        if self._site_lacks_batch and meta.batch:
            return dataclasses.replace(meta, batch=False, level=4 if meta.level == 3
                                       else meta.level)
        return meta

    def _checks(self, release_id: int, meta: ReleaseMeta, built: PlannedTorrent
                ) -> tuple[Mapping[str, Any], ReleaseMeta]:
        body = checks_body(meta, built.files, built.announce_tiers)
        self.journal.record(release_id, "request", {"endpoint": "PUT /upload/checks",
                                                    "body": for_journal(body)})
        try:
            checks = self.client.upload_checks(body)  # type: ignore[arg-type]
        except ValidationError as exc:
            if not (meta.batch and any(p.rstrip("/").endswith("/batch") for p, _ in exc.errors)):
                raise
            log.info("the site does not know `batch` (an older version): sending it as "
                     "level %s without the field", 4 if meta.level == 3 else meta.level)
            self._site_lacks_batch = True
            return self._checks(release_id, self._fit_site(meta), built)
        self.journal.record(release_id, "answer", {"endpoint": "PUT /upload/checks",
                                                   "data": dict(checks)})
        return checks, meta

    def _still_on_site(self, torrent_id: str) -> str | None:
        try:
            self.client.get_torrent(torrent_id)
        except ForbiddenError:
            return torrent_id  # e.g. "Torrent is waiting for approval.": it is there
        except NotFoundError:
            return None
        return torrent_id

    def _journalled_upgrades(self, release_id: int) -> list[str]:
        """`upgraded_torrents` of the last checks answer recorded for this release."""
        from uploader.upgrades import torrent_ids

        for event in reversed(self.journal.current_events(release_id)):
            if event.kind == "answer" and event.detail.get("endpoint") == "PUT /upload/checks":
                return torrent_ids(event.detail.get("data", {}).get("upgraded_torrents") or [])
        return []

    def _after_upload(self, prepared: Prepared, status: str, torrent_id: str,
                      upgrade_ids: list[str], *, warns: list[str] | None = None
                      ) -> ReleaseRecord:
        """Record the upload, then run the follow-ups (verify, upgrades, seeding)."""
        from uploader.followups import finish

        assert prepared.profile is not None
        fields: dict[str, Any] = {"warns": warns} if warns else {}
        if prepared.record.uploaded_at is None:
            fields["uploaded_at"] = time.time()  # the site's own time replaces it on verify
        record = self.journal.update(prepared.record.id, state=status, torrent_id=torrent_id,
                                     error=None, **fields)
        record = finish(self.client, self.journal, record, prepared.profile, prepared.path,
                        upgrade_ids, self.settings)
        self.journal.keep_upload(self.journal.get(record.id))  # the site's time, once verified
        if prepared.replaces and prepared.replaces != torrent_id:
            self.journal.mark_replaced(record.id, prepared.replaces, torrent_id)
        return record


def _from_site_parse(profile: Profile, meta: ReleaseMeta, checks: Mapping[str, Any]
                     ) -> ReleaseMeta:
    """`movie: auto` and a `video_type: auto` the name did not settle, from the site's parse."""
    from uploader.detect import is_movie, video_type_from_site
    from uploader.profiles.model import AUTO

    detected = dict(meta.detected)
    changes: dict[str, Any] = {}
    if profile.movie == AUTO and is_movie(checks):
        changes["movie"] = True
        detected["movie"] = "true, the site parsed a title without episodes"
    if profile.video_type == AUTO and meta.video_type is None:
        found = video_type_from_site(checks)
        if found is not None:
            changes["video_type"] = found
            detected["video_type"] = f"{found}, from the site's parsed quality"
    if not changes:
        return meta
    return dataclasses.replace(meta, detected=tuple(detected.items()), **changes)
