"""The local stages of one release: lock and journal it, pick its profile, list its files,
start hashing them (`uploader.torrent.job`) and read its mediainfo while that runs; later,
once the hash is needed (`LocalStages.built`), the new-content rules, the .torrent file and
the journal's infohash.

Nothing here talks to the site; `uploader.pipeline` does, and calls these.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploader import journal as J
from uploader.exceptions import CancelledError, ConfigError, UploaderError
from uploader.locks import ReleaseBusyError, ReleaseLock
from uploader.names import decodes, file_name, is_file_beside, not_utf8_message, release_path, shown
from uploader.settings import Settings, ensure_private_dir

if TYPE_CHECKING:
    from uploader.journal import Journal, ReleaseRecord
    from uploader.mediainfo import MediaReport, VideoProbe
    from uploader.profiles import Profile
    from uploader.torrent import BuiltTorrent, PlannedTorrent
    from uploader.torrent.job import HashJob
    from uploader.watch.scan import Snapshot

log = logging.getLogger("uploader.pipeline")


def fingerprint(path: Path) -> str:
    """Content identity of a release: size, mtime and inode of each file (cheap, no hashing)."""
    if path.is_file():
        st = path.stat()
        return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    import hashlib

    # Strings, not Path objects: for 4,000 files, pathlib cost more than the stat calls.
    top = str(path)
    parts = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        inside = root[len(top) + 1:] + "/" if root != top else ""
        for name in sorted(files):
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            parts.append(f"{inside}{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    # The names' bytes as the file system has them: a name need not be UTF-8 (the builder
    # refuses such a release later, with the name shown escaped).
    return hashlib.sha1(os.fsencode("\n".join(parts)), usedforsecurity=False).hexdigest()


@dataclass
class Prepared:
    """A release ready for the site (or already failed locally: `error` is set)."""

    path: Path
    record: ReleaseRecord
    prior_state: str = J.QUEUED  # the journal's state before this run touched it
    # The infohash this content was sent with before, when only the profile changed since.
    earlier_infohash: str | None = None
    lock: ReleaseLock | None = None  # held from prepare() until publish() returns
    profile: Profile | None = None
    planned: PlannedTorrent | None = None  # the listing: what the checks need
    hashing: HashJob | None = None  # the hash, running while the site is asked
    fingerprint: str = ""
    built: BuiltTorrent | None = None  # once hashed (`Pipeline._built`)
    torrent_file: Path | None = None
    report: MediaReport | None = None
    video: VideoProbe | None = None  # None: not looked for (the profile opts out)
    # --replace: the torrent uploaded earlier from this path, to mark upgraded by the new one.
    replaces: str | None = None
    error: UploaderError | None = None


class NewContentError(UploaderError):
    """New content at a path already uploaded, without --replace: refused, never re-sent."""


class LocalStages:
    """`prepare` a release (see the module); `built` waits for its hash."""

    def __init__(self, settings: Settings, journal: Journal, profiles: dict[str, Profile], *,
                 cancel: threading.Event, progress: Callable[[Any], None] | None,
                 hash_lanes: int = 1, lane: threading.Semaphore | None = None,
                 early: EarlyHash | None = None) -> None:
        self.settings = settings
        self.journal = journal
        self.profiles = profiles
        self.cancel = cancel
        self.progress = progress
        # Releases hashing at once (the daemon's --jobs): one prepared early waits its turn.
        self._lane = lane or threading.Semaphore(max(1, hash_lanes))
        self._early = early

    def early_for(self, path: Path) -> EarlyHash | None:
        """The hash `start_early` began for `path`, if any (not yet taken by `prepare`)."""
        early = self._early
        return early if early is not None and early.path == release_path(path) else None

    def prepare(self, path: Path, *, walked: str | None = None) -> Prepared:
        """Lock and journal `path`, list it, start its hash, read its mediainfo; see the
        module. `walked`: `fingerprint(path)` as the caller's own walk just took it."""

        path = release_path(path)
        early, self._early = self.early_for(path), None
        try:
            return self._prepare(path, walked, early)
        finally:
            if early is not None and not early.adopted:
                early.job.abandon()  # another listing, or refused before hashing mattered

    def _prepare(self, path: Path, walked: str | None, early: EarlyHash | None) -> Prepared:
        from uploader.mediainfo import MediaReader, probe_video, read_mediainfo
        from uploader.torrent.job import HashJob
        from uploader.torrent.progress import current_label

        if not decodes(path):
            # Nothing can be stored or printed under this name: refuse before any state.
            where = shown(path)
            return Prepared(Path(where), J.ReleaseRecord(id=0, path=where, state=J.FAILED),
                            error=ConfigError(not_utf8_message(path)))
        lock = ReleaseLock(self.settings.state_dir, path)
        try:
            lock.acquire()
        except ReleaseBusyError as exc:
            # Someone else's release right now: report it, write nothing to its journal record.
            found = self.journal.find(str(path))
            busy = found or J.ReleaseRecord(id=0, path=str(path), state=J.FAILED)
            return Prepared(path, busy, prior_state=busy.state, error=exc)
        except OSError as exc:
            return Prepared(path, J.ReleaseRecord(id=0, path=str(path), state=J.FAILED),
                            error=ConfigError(f"{exc.filename}: {exc.strerror} — check "
                                              "--state-dir"))
        try:
            current = walked or fingerprint(path)
        except OSError as exc:  # vanished or unreadable since the command started
            current = ""
            problem: UploaderError | None = ConfigError(
                f"{path}: cannot read it ({exc.strerror}) — check that it still exists")
        else:
            problem = None
        record = self.journal.start(str(path), current)
        prepared = Prepared(path, record, prior_state=record.state, error=problem, lock=lock)
        if problem is not None:
            return prepared
        # In doubt (`uploading`) or done: keep that state until the site has been asked.
        keep = record.state in (J.UPLOADING, J.UPLOADED, J.EXISTS)
        try:
            if self.cancel.is_set():
                raise CancelledError("shutdown requested — release left queued")
            profile = profile_for(self.settings, self.profiles, path)
            prepared.profile = profile
            fields: dict[str, Any] = {} if keep else {"state": J.BUILDING}
            record = self.journal.update(record.id, profile=profile.name, **fields)
            if early is not None and early.serves(
                    profile, existing_torrent(self.settings, path, profile)):
                # Hashing since before the site was first asked: its listing is this one (the
                # settle rule found the release still; a file changed since fails the hash).
                early.adopted = True
                planned = early.job.planned
                prepared.hashing = early.job
            else:
                planned = self._plan(path, profile)
                prepared.hashing = HashJob(
                    planned, lane=self._lane, cancel=self.cancel,
                    cache_dir=self.settings.state_dir / "cache", progress=self.progress,
                    threads=self.settings.threads, label=current_label() or path.name)
            prepared.planned = planned
            prepared.fingerprint = current
            # While it hashes: libmediainfo opens the main video file once for the text, the
            # tracks and the video probe (never the fonts and extras of a batch), or not at
            # all when the media cache has this unchanged file.
            reader = MediaReader(self.settings.state_dir / "cache" / "mediainfo")
            if profile.upload.include_mediainfo or self.settings.detect:
                prepared.report = read_mediainfo(path, planned.local_files, reader=reader)
            if profile.upload.require_video:
                prepared.video = probe_video(path, planned.local_files, reader=reader)
        except UploaderError as exc:
            prepared.error = exc
        if prepared.error is not None and prepared.hashing is not None:
            prepared.hashing.abandon()
        prepared.record = self.journal.get(record.id)
        return prepared

    def built(self, prepared: Prepared) -> BuiltTorrent:
        """Wait for the release's hash, then what needs it: the new-content rules for a path
        uploaded before, the .torrent file, the journal's `built` event and infohash."""
        if prepared.built is not None:
            return prepared.built
        assert prepared.hashing is not None  # prepare() starts it or sets error
        built = prepared.hashing.result()
        record, current = self.journal.get(prepared.record.id), prepared.fingerprint
        keep = prepared.prior_state in (J.UPLOADING, J.UPLOADED, J.EXISTS)
        if keep and record.infohash and record.infohash != built.infohash:
            if record.fingerprint != current:
                # Same path, other content (an encode replaced in place): a new release,
                # only when asked; the earlier upload stays in the journal's history.
                prepared.replaces = self._new_content(record)
                self.journal.update(
                    record.id, state=J.BUILDING, torrent_id=None, site_infohash=None,
                    upgraded=[], bad_torrents=[], error=None, uploaded_at=None,
                    seeding_state=J.SEED_NONE, seeding_client=None, seeding_error=None,
                    kind=J.NEW_CONTENT,
                    detail={"old_infohash": record.infohash, "old_state": record.state,
                            "old_torrent_id": record.torrent_id})
                prepared.prior_state = J.QUEUED
            else:
                # Same bytes, another torrent (a profile edit changed trackers, piece size
                # or source): the site has this release already; never upload it twice.
                prepared.earlier_infohash = record.infohash
                log.warning("%s: the profile now makes another torrent (%s, was %s) of "
                            "content already sent; the site's copy is kept",
                            prepared.path.name, built.infohash, record.infohash)
        try:
            # Named by infohash too: two releases with the same file name keep their own.
            torrent_file = (ensure_private_dir(self.settings.torrents_dir)
                            / file_name(prepared.path.name, f".{built.infohash[:8]}.torrent"))
            built.write(torrent_file)
        except OSError as exc:  # the state or torrent folder, not the release: exit 2
            prepared.error = ConfigError(
                f"{exc.filename or self.settings.torrents_dir}: {exc.strerror} — check "
                "--torrent-dir and --state-dir")
            raise prepared.error from None
        prepared.torrent_file = torrent_file
        known: dict[str, Any] = {} if prepared.earlier_infohash else {
            "infohash": built.infohash, "torrent_file": str(torrent_file)}
        # `hashed_at`: when the hash was done, which may be well before it was needed here.
        self.journal.update(record.id, fingerprint=current, kind="built",
                            detail={"files": len(built.files),
                                    "hashed_bytes": built.hashed_bytes,
                                    "infohash": built.infohash,
                                    "hashed_at": prepared.hashing.finished_at}, **known)
        prepared.built = built
        prepared.record = self.journal.get(record.id)
        return built

    def _new_content(self, record: ReleaseRecord) -> str | None:
        """The earlier torrent that --replace upgrades; NewContentError without --replace."""
        old = record.torrent_id if record.state in J.DONE else None
        if old is None:
            return None  # never reached the site (in doubt, and the site said no): just build
        self.journal.keep_upload(record)
        if not self.settings.replace:
            when = ""
            if record.uploaded_at is not None:
                from datetime import UTC, datetime

                when = " on " + datetime.fromtimestamp(record.uploaded_at, UTC).strftime(
                    "%Y-%m-%d %H:%M UTC")
            raise NewContentError(
                f"{Path(record.path).name}: already uploaded from this path as {old}{when} "
                f"with different content — pass --replace to upload the new content (and "
                f"mark {old} upgraded)")
        log.info("%s: new content at a path uploaded as %s: uploading it (--replace)",
                 Path(record.path).name, old)
        return old

    def _plan(self, path: Path, profile: Profile) -> PlannedTorrent:
        """The release listed for its torrent: a new one, or the group's own .torrent."""
        from uploader.torrent import plan_reuse

        existing = existing_torrent(self.settings, path, profile)
        if existing is None:
            return plan_new(path, profile)
        # The group's own .torrent (e.g. the one on Nyaa): same infohash, one swarm; every
        # piece verified against the data before anything is sent.
        log.info("%s: reusing %s (verified piece by piece)", path.name, existing.name)
        return plan_reuse(existing, path, trackers=[list(tier) for tier in profile.trackers])


def existing_torrent(settings: Settings, path: Path, profile: Profile) -> Path | None:
    """`--torrent FILE`, or `<release>.torrent` beside it when the profile says
    `torrent.reuse: true`; None: build a new torrent."""
    if settings.torrent_file is not None:
        return settings.torrent_file
    beside = path.with_name(path.name + ".torrent")
    return beside if profile.torrent.reuse and is_file_beside(beside) else None


def plan_new(path: Path, profile: Profile) -> PlannedTorrent:
    """A new torrent of `path` as `profile` makes it, listed (not yet hashed)."""
    from uploader.torrent import plan_torrent

    t = profile.torrent
    return plan_torrent(path, trackers=[list(tier) for tier in profile.trackers],
                        private=t.private, source=t.source, piece_size=t.piece_size,
                        exclude=t.exclude)


def profile_for(settings: Settings, profiles: dict[str, Profile], path: Path, *,
                quiet: bool = False) -> Profile:
    """The profile `path` selects, with this run's `--set` and the release's sidecar file
    applied."""
    from uploader.profiles import select_profile
    from uploader.profiles.overrides import apply_overrides, read_sidecar

    profile = select_profile(profiles, path.name, settings.profile_name)
    overrides = list(settings.overrides)
    sidecar = read_sidecar(path)
    if sidecar is not None:
        if not quiet:
            log.info("%s: overrides from %s", path.name, sidecar[0].name)
        overrides += sidecar[1]
    return apply_overrides(profile, overrides) if overrides else profile


#: `start_early` only for releases whose files average this much: their hashing is C work.
EARLY_MIN_FILE_SIZE = 1 << 20


@dataclass
class EarlyHash:
    """The first release's hash, started before the site is asked anything (the client's
    imports, the key check): `prepare` adopts it when its own listing and profile are the
    ones it was started with, and stops it otherwise (so does a refused key)."""

    path: Path
    job: HashJob
    walked: str  # the release's fingerprint, from the settle rule's snapshot
    made_with: tuple[Any, ...]
    adopted: bool = False

    def serves(self, profile: Profile, existing: Path | None) -> bool:
        """Whether `prepare`, with `profile` (and no .torrent to reuse), would build this."""
        return existing is None and self.made_with == _made_with(profile)


def _made_with(profile: Profile) -> tuple[Any, ...]:
    t = profile.torrent
    return (tuple(tuple(tier) for tier in profile.trackers), t.private, t.source, t.piece_size,
            tuple(t.exclude))


def start_early(settings: Settings, profiles: dict[str, Profile], path: Path,
                snap: Snapshot, *, lane: threading.Semaphore, cancel: threading.Event,
                progress: Callable[[Any], None] | None,
                min_file_size: int = EARLY_MIN_FILE_SIZE) -> EarlyHash | None:
    """Start hashing `path`, which `snap` (the settle rule's) found complete, if nothing
    stands in the way (its name and profile are fine, no existing .torrent is to be reused,
    its files are not many small ones); None otherwise, and the normal course (`prepare`)
    says what is wrong. Nothing is journalled or written here."""
    from uploader.torrent.job import HashJob

    path = release_path(path)
    sizes = [size for _, size, _, _ in snap.entries if size >= 0]
    if sum(sizes) < min_file_size * len(sizes):
        # Many small files: hashing them is Python work per file, which would only contend
        # with the imports it was meant to overlap (measured: 4,000 files ran ~50 ms slower).
        return None
    if not decodes(path):
        return None
    try:
        profile = profile_for(settings, profiles, path, quiet=True)
        if existing_torrent(settings, path, profile) is not None:
            return None  # verifying the group's own .torrent is `prepare`'s
        planned = plan_new(path, profile)
    except (UploaderError, OSError):
        return None
    job = HashJob(planned, lane=lane, cancel=cancel, cache_dir=settings.state_dir / "cache",
                  progress=progress, threads=settings.threads, label=path.name)
    return EarlyHash(path, job, snap.fingerprint(), _made_with(profile))
