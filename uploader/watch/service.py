"""`nekobt-upload watch`: the real parts wired to the daemon.

Profiles are loaded (a broken set at start is a configuration error, exit 2), the sandbox is
started for `--sandbox`, the API client, journal and pipeline are opened, and the daemon runs
until a signal (or, with `--once`, until what was there is done). If an upload is still in
flight when the grace period ends, the process leaves at once: the journal already records it
as `uploading`, which the next start resolves by infohash.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from uploader import notify as N
from uploader.announce import Announcer
from uploader.exceptions import AuthError, CancelledError, ConfigError
from uploader.settings import Settings
from uploader.watch.daemon import Daemon, WatchOptions

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.journal import ReleaseRecord
    from uploader.pipeline import Pipeline, Prepared
    from uploader.profiles import Profile


def check_dirs(dirs: Sequence[Path]) -> tuple[Path, ...]:
    """Every DIR must be an existing folder: checked before anything starts (exit 2)."""
    if not dirs:
        raise ConfigError("DIR: none given — name at least one folder to watch")
    for folder in dirs:
        if not folder.exists():
            raise ConfigError(f"{folder}: no such folder — create it or fix the path")
        if not folder.is_dir():
            raise ConfigError(f"{folder}: not a folder — watch the folder releases are put in")
    return tuple(dirs)


def cancellable_sleep(cancel: threading.Event) -> Callable[[float], None]:
    """A sleep that ends a backoff wait at shutdown instead of sitting it out."""

    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise CancelledError("shutdown requested while waiting to ask the site again")

    return sleep


def watch(
    settings: Settings,
    dirs: Sequence[Path],
    *,
    once: bool = False,
    polling: bool = False,
    settle: float = 10.0,
    jobs: int = 1,
    out: TextIO | None = None,
) -> int:
    """Run the daemon; the exit code (AuthError and ConfigError propagate to the CLI)."""
    from uploader.api import NekoClient
    from uploader.profiles import load_profiles
    from uploader.runner import site_settings
    from uploader.seed.watchfolder import warn_unusable_watch_folders

    roots = check_dirs(dirs)
    if settings.verbosity < 2:
        # watchdog logs every inotify event at DEBUG; keep that for -vv.
        logging.getLogger("watchdog").setLevel(logging.INFO)
    if settings.verbosity == 0:
        # A daemon's log is its events (watching, complete, building, publishing, retry):
        # one line each by default, as journald wants them; the pipeline's details need -v.
        logging.getLogger("uploader.watch").setLevel(logging.INFO)
    profiles = load_profiles(settings.profiles_dir, strict=False)
    warn_unusable_watch_folders(profiles)  # destinations checked for sense at start
    stdout = out or sys.stdout
    cancel = threading.Event()
    with site_settings(settings) as site:
        key = site.require_key()
        with NekoClient(site.api_url, key, limits=site.client_limits()) as client, \
                Announcer(site, lambda: profiles) as announcer:
            # A refused key stops the daemon before it watches anything (exit 3).
            try:
                client.check_key()
            except AuthError as exc:
                announcer.daemon(N.KEY_REFUSED, str(exc))
                raise
            return _run(site, client, roots, profiles, stdout, cancel, announcer, once=once,
                        polling=polling, settle=settle, jobs=jobs)


def _run(site: Settings, client: NekoClient, roots: tuple[Path, ...],
         profiles: dict[str, Profile], stdout: TextIO, cancel: threading.Event,
         announcer: Announcer, *, once: bool, polling: bool, settle: float, jobs: int) -> int:
    from uploader.journal import Journal
    from uploader.output import Output
    from uploader.pipeline import Pipeline
    from uploader.profiles import load_profiles
    from uploader.torrent.progress import progress_bar

    with Journal.in_state_dir(site.state_dir) as journal, \
            progress_bar("Hashing", json_mode=site.json or site.verbosity < 0) as progress:
        pipeline = Pipeline(site, client, journal, profiles, cancel=cancel,
                            sleep=cancellable_sleep(cancel), progress=progress,
                            hash_lanes=jobs)
        # On a terminal: a hashing bar per release; off it: one line per result, no colour.
        output = Output(stdout, json_mode=site.json, api_url=site.api_url, compact=True,
                        pause=getattr(progress, "paused", None))
        options = WatchOptions(
            roots, settle=settle, jobs=jobs, once=once, polling=polling,
            profiles_dir=site.profiles_dir,
            skip=(site.state_dir, site.torrents_dir, site.profiles_dir),
            replace=site.replace,
        )
        announcer.profiles = lambda: pipeline.profiles  # reloaded profiles included
        daemon = Daemon(options, Labelled(pipeline), journal, emit=output.record,
                        announce=lambda record, held: announcer.record(record, held=held),
                        load_profiles=lambda: load_profiles(site.profiles_dir, strict=False))
        if not once:
            announcer.daemon(N.DAEMON_STARTED, "watching " + ", ".join(map(str, roots)))
        try:
            code = daemon.run()
        except AuthError as exc:
            announcer.daemon(N.KEY_REFUSED, str(exc))
            raise
        if not once:
            announcer.daemon(N.DAEMON_STOPPED, f"exit code {code}")
        if daemon.abandoned:
            _leave_now(code, stdout)
    return code


class Labelled:
    """The pipeline as the daemon's processor, each release's name on its hashing bar."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.cancel = pipeline.cancel

    @property
    def profiles(self) -> dict[str, Profile]:
        return self.pipeline.profiles

    @profiles.setter
    def profiles(self, profiles: dict[str, Profile]) -> None:
        self.pipeline.profiles = profiles  # reloaded by the daemon

    def prepare(self, path: Path) -> Prepared:
        from uploader.torrent.progress import labelled

        with labelled(path.name):
            return self.pipeline.prepare(path)

    def publish(self, prepared: Prepared, mode: str) -> ReleaseRecord:
        return self.pipeline.publish(prepared, mode)


def _leave_now(code: int, out: TextIO) -> None:
    """Exit with a worker still blocked on the network: no cleanup may wait for it."""
    out.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
