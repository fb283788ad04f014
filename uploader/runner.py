"""Run the pipeline over several releases: output, exit codes, the embedded sandbox.

Releases go one after another; while one talks to the site, the next one is hashed (one
builder thread), since hashing is the slow local part and site calls are mostly waiting.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from uploader import journal as J
from uploader.exceptions import CancelledError, ConfigError, UploaderError
from uploader.names import release_path, shown
from uploader.output import Output, describe, describe_seeding
from uploader.settings import Settings

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.pipeline import Pipeline, Prepared
    from uploader.prepare import EarlyHash
    from uploader.profiles import Profile
    from uploader.watch.scan import Snapshot

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_AUTH = 0, 1, 2, 3

__all__ = ["Summary", "describe", "describe_seeding", "emit", "run_releases"]


@dataclass
class Summary:
    records: list[J.ReleaseRecord] = field(default_factory=list)
    config_errors: int = 0

    def exit_code(self) -> int:
        if self.config_errors:
            return EXIT_CONFIG
        good = {J.UPLOADED, J.EXISTS, J.CHECKED}
        # Uploaded, but not seeded or upgrades not marked: not a success (the next run
        # retries the follow-up, never the upload).
        return EXIT_OK if all(r.state in good and not r.followups_failed
                              for r in self.records) else EXIT_FAILED


def check_paths(paths: Sequence[Path]) -> list[Path]:
    """Every PATH must exist and be a file or folder: checked before any work starts."""
    if not paths:
        raise ConfigError("PATH: none given — name at least one file or folder to upload")
    out = []
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or folder — check the path")
        if not (path.is_file() or path.is_dir()):
            raise ConfigError(f"{path}: not a regular file or folder")
        out.append(path)
    return out


@contextmanager
def site_settings(settings: Settings) -> Iterator[Settings]:
    """With --sandbox, start the embedded sandbox on loopback and point settings at it."""
    if not settings.sandbox:
        yield settings
        return
    from uploader.sandbox import DEMO_API_KEY, hostable_profiles, start_sandbox
    from uploader.secret import Secret

    # It hosts the groups of the run's profiles, so a new group's own profile works there.
    server = start_sandbox(profiles=hostable_profiles(settings.profiles_dir))
    try:
        log.info("sandbox: serving a demo nekoBT at %s", server.url)
        yield settings.with_(api_url=server.url, api_key=Secret(DEMO_API_KEY),
                             state_dir=settings.state_dir / "sandbox")
    finally:
        server.close()


def settled(record: J.ReleaseRecord) -> J.ReleaseRecord:
    """What a finished run reports: an upload whose answer was lost and that the site could
    not yet confirm is `failed` and `in_doubt` (the journal keeps `uploading`, so the next
    run asks the site by infohash before anything else)."""
    if record.state != J.UPLOADING:
        return record
    why = record.error or "the upload's answer was lost and the site has not confirmed it"
    return dataclasses.replace(
        record, state=J.FAILED, in_doubt=True,
        error=f"{why} — in doubt: the next run asks the site for the infohash first and "
              "never uploads it blindly")


def emit(record: J.ReleaseRecord, settings: Settings, out: TextIO) -> None:
    """One release's output (a JSON line with --json): `Output.record` without the terminal."""
    Output(out, json_mode=settings.json, api_url=settings.api_url).record(settled(record))


def run_releases(
    settings: Settings,
    paths: Sequence[Path],
    mode: str,
    *,
    out: TextIO | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """`upload` / `check`: every PATH once, in order. Returns the exit code."""
    from uploader.prepare import start_early
    from uploader.profiles import load_profiles
    from uploader.seed.watchfolder import warn_unusable_watch_folders
    from uploader.torrent.progress import progress_bar

    out = out or sys.stdout
    paths = check_paths(paths)
    # Only the profile a release selects must be valid: another group's broken file is a
    # warning here (`profiles validate` still fails on it).
    profiles = load_profiles(settings.profiles_dir, strict=False)
    warn_unusable_watch_folders(profiles)  # destinations checked for sense at start
    cancel = cancel or threading.Event()
    lane = threading.Semaphore(1)  # one release hashes at a time, the early one included
    with site_settings(settings) as settings:
        key = settings.require_key()
        with progress_bar("Hashing", json_mode=settings.json or settings.verbosity < 0
                          ) as progress:
            # The first release starts hashing now, while the client is made and the key is
            # checked; a refused key (exit 3) stops it at once, before anything is written.
            first = complete_now(settings, paths[0])
            early = None if first is None else start_early(
                settings, profiles, paths[0], first, lane=lane, cancel=cancel,
                progress=progress)
            from uploader.api import NekoClient  # httpx's imports overlap that hash

            try:
                with NekoClient(settings.api_url, key,
                                limits=settings.client_limits()) as client:
                    try:
                        client.check_key()
                    except UploaderError as exc:
                        # Scripts get a record for every release in every outcome.
                        for path in paths:
                            emit(J.ReleaseRecord(id=0, path=shown(release_path(path)),
                                                 state=J.FAILED, error=str(exc)), settings, out)
                        raise
                    return _run(settings, client, paths, mode, profiles, out,
                                Hashing(cancel, lane, progress, early, first))
            finally:
                if early is not None and not early.adopted:
                    early.job.abandon()


@dataclass(frozen=True)
class Hashing:
    """What the run's hashing shares: its stop, its lane, its progress bar, and the first
    release's hash when it was started early."""

    cancel: threading.Event
    lane: threading.Semaphore
    progress: Any
    early: EarlyHash | None
    first: Snapshot | None  # the first release, found complete as the run started


def _run(settings: Settings, client: NekoClient, paths: Sequence[Path], mode: str,
         profiles: dict[str, Profile], out: TextIO, hashing: Hashing) -> int:
    from uploader.announce import Announcer
    from uploader.journal import Journal
    from uploader.pipeline import UPLOAD, Pipeline

    summary = Summary()
    started = time.monotonic()
    progress = hashing.progress
    with Journal.in_state_dir(settings.state_dir) as journal, \
            Announcer(settings, lambda: profiles) as announcer:
        output = Output(out, json_mode=settings.json, api_url=settings.api_url,
                        pause=getattr(progress, "paused", None))
        pipeline = Pipeline(settings, client, journal, profiles, cancel=hashing.cancel,
                            progress=progress, lane=hashing.lane, early=hashing.early)
        for published, error in _pipelined(pipeline, paths, mode, hashing.first):
            record = settled(published)
            summary.records.append(record)
            if isinstance(error, ConfigError):
                summary.config_errors += 1
            output.record(record)  # in argument order: _pipelined yields in order
            if mode == UPLOAD:
                announcer.record(record)  # queued: a slow notifier never holds up the next
        output.summary(summary, time.monotonic() - started)
    return summary.exit_code()


def complete_now(settings: Settings, path: Path) -> Snapshot | None:
    """The release's snapshot when the settle rule finds it complete right now, else None
    (nothing waits here: `prepare_when_complete` does)."""
    from uploader.watch.settle import wait_until_complete

    try:
        return wait_until_complete(path, settings.settle, max_wait=0, no_wait=True)
    except UploaderError:
        return None


def prepare_when_complete(pipeline: Pipeline, path: Path, snap: Snapshot | None = None
                          ) -> Prepared:
    """Wait (or, with --no-wait, refuse) while the release is still being written, then
    prepare it: the watch folder's settle rule for one-shot commands. `snap`: the release was
    found complete with that snapshot already."""
    from uploader.pipeline import Prepared
    from uploader.watch.settle import StillChangingError, wait_until_complete

    settings = pipeline.settings
    early = pipeline.local.early_for(path)
    if early is not None:  # found complete a moment ago, and hashing since
        return pipeline.prepare(path, walked=early.walked)
    try:
        snap = snap or wait_until_complete(path, settings.settle,
                                           max_wait=settings.settle_max,
                                           no_wait=settings.no_wait, cancel=pipeline.cancel)
    except (StillChangingError, CancelledError) as exc:
        # Not started: no lock taken, nothing journalled (a later run starts it afresh).
        where = str(release_path(path))
        return Prepared(Path(where), J.ReleaseRecord(id=0, path=where, state=J.FAILED),
                        error=exc)
    from uploader.torrent.progress import labelled

    with labelled(path.name):  # the name on its hashing bar
        return pipeline.prepare(path, walked=snap.fingerprint() if snap else None)


def _pipelined(pipeline: Pipeline, paths: Sequence[Path], mode: str,
               first: Snapshot | None = None
               ) -> Iterator[tuple[J.ReleaseRecord, UploaderError | None]]:
    """Prepare release i+1 in a thread while release i is published (`first`: the first
    release's snapshot, when it was found complete already)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="build") as pool:
        future: Future[Prepared] = pool.submit(prepare_when_complete, pipeline, paths[0],
                                               first)
        try:
            for index in range(len(paths)):
                prepared = future.result()
                if index + 1 < len(paths):
                    future = pool.submit(prepare_when_complete, pipeline, paths[index + 1])
                yield pipeline.publish(prepared, mode), prepared.error
        except BaseException:
            # A refused key or Ctrl-C: stop the hashing under way now, instead of waiting
            # for it when the executor shuts down.
            pipeline.cancel.set()
            raise
