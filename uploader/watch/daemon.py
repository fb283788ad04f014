"""The watch-folder daemon: releases appear, settle, and go through the pipeline exactly once.

    observer thread ── changed paths ──▶ inbox ──┐
                                                 ▼
    loop (main thread): path → release (scan) → SettleTracker → complete
        → what the journal says (policy): skip | hold | process
        → Workers: builders hash, the publisher talks to the site → Outcome
        → print the record; retry later with backoff, hold, or done

Only the loop touches the daemon's bookkeeping, so none of it needs a lock; the observer and
the workers talk to it through queues and wake it with an event.

Stopping: SIGINT/SIGTERM raise `Shutdown` in the main thread, which unwinds into
`observer.stop(); observer.join()`; the workers stop taking work and hashing is cancelled
(within a second); an upload in flight gets `grace` seconds to finish, else the process exits
and the journal keeps it `uploading` — in doubt, resolved by infohash at the next start, never
sent blindly again. A second signal stops the waiting. Exit 0 on SIGTERM, 130 on SIGINT.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploader import journal as J
from uploader.exceptions import AuthError, UploaderError
from uploader.followups import FINISHED
from uploader.names import decodes, not_utf8_message, release_path
from uploader.runner import Summary
from uploader.watch.policy import Action, Decision, RetryPolicy, decide
from uploader.watch.scan import is_ignored, release_of, scan
from uploader.watch.settle import SettleTracker
from uploader.watch.signals import Shutdown, SignalTrap
from uploader.watch.workers import TICK, Outcome, Processor, Workers

if TYPE_CHECKING:
    from uploader.journal import Journal, ReleaseRecord
    from uploader.profiles import Profile

log = logging.getLogger(__name__)

PROFILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class WatchOptions:
    dirs: tuple[Path, ...]
    settle: float = 10.0
    jobs: int = 1
    once: bool = False
    polling: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: How long an upload in flight may take to finish after a signal (exit within 15 s).
    grace: float = 12.0
    #: Watched for edits; reloaded `profile_debounce` seconds after the last one.
    profiles_dir: Path | None = None
    profile_debounce: float = 0.5
    #: Our own folders (state, torrents, profiles): never releases, even inside a watched folder.
    skip: tuple[Path, ...] = ()
    #: How often held releases are looked up for `status --retry`.
    held_check: float = 2.0
    #: --replace: new content at a path already uploaded is uploaded (else held).
    replace: bool = False


class Daemon:
    def __init__(
        self,
        options: WatchOptions,
        processor: Processor,
        journal: Journal,
        *,
        emit: Callable[[ReleaseRecord], None],
        announce: Callable[[ReleaseRecord, str | None], None] | None = None,
        load_profiles: Callable[[], dict[str, Profile]] | None = None,
        fingerprint: Callable[[Path], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fingerprint is None:
            from uploader.pipeline import fingerprint as content_fingerprint

            fingerprint = content_fingerprint
        self.options = options
        self.roots = tuple(d.resolve() for d in options.dirs)
        self.processor = processor
        self.journal = journal
        self._emit = emit
        self._bad_names: set[Path] = set()  # releases whose names are not UTF-8 (told once)
        # Notifications of what was processed (held: the reason); not of releases skipped.
        self._announce = announce or (lambda record, held: None)
        self._load_profiles = load_profiles
        self._fingerprint = fingerprint
        self._clock = clock
        self._skip = tuple(p.resolve() for p in options.skip)
        self._tracker = SettleTracker(options.settle, clock=clock)
        self._inbox: queue.SimpleQueue[tuple[str, Path]] = queue.SimpleQueue()
        self._outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._workers = Workers(processor, jobs=options.jobs, report=self._report)
        self._active: set[Path] = set()  # handed to the workers, outcome not back yet
        self._again: set[Path] = set()  # complete again while active: look once more after
        self._retry_at: dict[Path, float] = {}
        self._crashes: dict[Path, int] = {}  # errors outside the pipeline's own records
        self._held: dict[Path, tuple[int, str]] = {}  # path -> (journal id, why)
        self._profiles_due: float | None = None
        self._next_held_check = 0.0
        self._stop_signum: int | None = None
        self._shutting_down = False
        self._signals = SignalTrap()
        self._fatal: UploaderError | None = None
        self._summary = Summary()  # --once: the records that decide the exit code
        self._once_crashed = False
        #: True when the process must exit with an upload still in flight (left in doubt).
        self.abandoned = False

    # -- from other threads -------------------------------------------------------------------

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask the loop to shut down as if `signum` had arrived (any thread)."""
        self._stop_signum = signum
        self._wake.set()

    def _on_path(self, path: Path) -> None:
        self._inbox.put(("release", path))
        self._wake.set()

    def _on_profile(self, path: Path) -> None:
        self._inbox.put(("profiles", path))
        self._wake.set()

    def _report(self, outcome: Outcome) -> None:
        self._outcomes.put(outcome)
        self._wake.set()

    # -- running ------------------------------------------------------------------------------

    def run(self) -> int:
        """Watch until stopped (or, with `once`, until what was there is done): the exit code."""
        observer = None
        code = 0
        with self._signals.installed():
            try:
                self._workers.start()
                if not self.options.once:
                    observer = self._start_observer()
                self._initial_scan()
                code = self._loop()
            except Shutdown as stop:
                self._begin_shutdown()
                log.info("%s: stopping — taking no new work, hashing cancelled", stop)
                code = stop.exit_code
            finally:
                self._begin_shutdown()
                if observer is not None:
                    observer.stop()
                    observer.join()
                self._finish_workers()
        if self._fatal is not None:
            raise self._fatal
        return code

    def _begin_shutdown(self) -> None:
        self._signals.disarm()
        self._shutting_down = True

    def _start_observer(self) -> Any:
        from uploader.watch.observer import start_observer

        watches = [(root, True, self._on_path) for root in self.roots]
        profiles_dir = self.options.profiles_dir
        if profiles_dir is not None and profiles_dir.is_dir():
            watches.append((profiles_dir.resolve(), False, self._on_profile))
        interval = max(0.25, min(1.0, self.options.settle / 2))
        observer = start_observer(watches, polling=self.options.polling, poll_interval=interval)
        kind = "polling" if self.options.polling else "native"
        log.info("watching %s (%s events, settle %g s)",
                 ", ".join(map(str, self.roots)), kind, self.options.settle)
        return observer

    def _initial_scan(self) -> None:
        """What is already there: done or held ones are settled now, the rest waits to settle."""
        for root in self.roots:
            for release in scan(root, self._excludes()):
                if self._ignored(release):
                    continue
                found = self._look_up(release)
                if found is not None and self._decide(*found).action is not Action.PROCESS:
                    self._ready(release)
                else:
                    self._tracker.touch(release)

    def _loop(self) -> int:
        while True:
            if self._stop_signum is not None:
                raise Shutdown(self._stop_signum)
            self._drain_inbox()
            self._drain_outcomes()
            if self._fatal is not None:
                return self._fatal.exit_code
            now = self._clock()
            if self._profiles_due is not None and now >= self._profiles_due:
                self._reload_profiles()
            for release in self._tracker.due():
                self._ready(release)
            for release in [p for p, at in self._retry_at.items() if at <= now]:
                del self._retry_at[release]
                self._ready(release, retry_due=True)
            if now >= self._next_held_check:
                self._next_held_check = now + self.options.held_check
                self._check_held()
            if self.options.once and not (self._tracker or self._active or self._retry_at):
                return 1 if self._once_crashed else self._summary.exit_code()
            self._wake.wait(self._timeout(now))
            self._wake.clear()

    def _timeout(self, now: float) -> float:
        times = [self._next_held_check, *self._retry_at.values()]
        for extra in (self._tracker.next_check(), self._profiles_due):
            if extra is not None:
                times.append(extra)
        return max(0.0, min(1.0, min(times) - now))

    # -- events -------------------------------------------------------------------------------

    def _drain_inbox(self) -> None:
        while True:
            try:
                kind, path = self._inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "profiles":
                if path.suffix.lower() in PROFILE_SUFFIXES:
                    self._profiles_due = self._clock() + self.options.profile_debounce
                continue
            release = release_of(path, self.roots)
            if release is not None and not self._ignored(release):
                self._tracker.touch(release)

    def _excludes(self) -> tuple[str, ...]:
        globs: dict[str, None] = {}
        for profile in self.processor.profiles.values():
            globs.update(dict.fromkeys(profile.torrent.exclude))
        return tuple(globs)

    def _ignored(self, release: Path) -> bool:
        if is_ignored(release.name, self._excludes()):
            return True
        return any(skip == release or skip.is_relative_to(release) for skip in self._skip)

    # -- deciding -----------------------------------------------------------------------------

    def _look_up(self, release: Path) -> tuple[ReleaseRecord | None, str] | None:
        """(journal record, current fingerprint), or None when that cannot be read now."""
        if not decodes(release):
            # Cannot be journalled, printed or put in a torrent: say so once, leave it be.
            if release not in self._bad_names:
                self._bad_names.add(release)
                log.error("%s", not_utf8_message(release))
            return None
        try:
            fingerprint = self._fingerprint(release)
            return self.journal.find(str(release_path(release))), fingerprint
        except (OSError, UploaderError) as exc:
            self._crashed(release, exc)
            return None

    def _decide(self, record: ReleaseRecord | None, fingerprint: str) -> Decision:
        verified = record is None or record.state not in J.DONE or any(
            event.kind == FINISHED for event in self.journal.current_events(record.id))
        return decide(record, fingerprint, self.options.retry, verified=verified,
                      replace=self.options.replace)

    def _ready(self, release: Path, *, retry_due: bool = False) -> None:
        """`release` is complete (or its retry is due): skip it, hold it, or queue it."""
        if release in self._active:
            self._again.add(release)
            return
        if self._ignored(release) or not release.exists():
            self._forget(release)
            return
        found = self._look_up(release)
        if found is None:
            return
        record, fingerprint = found
        decision = self._decide(record, fingerprint)
        if (decision.action is Action.PROCESS and not retry_due and release in self._retry_at
                and record is not None and record.fingerprint == fingerprint):
            return  # unchanged and waiting out its backoff: the timer brings it back
        self._retry_at.pop(release, None)
        self._held.pop(release, None)
        if decision.action is Action.SKIP:
            assert record is not None
            self._forget(release)
            changed = record.fingerprint != fingerprint
            log.log(logging.WARNING if changed else logging.DEBUG, "skip: %s — %s",
                    release.name, decision.reason)
            # Uploaded by an earlier run (or found there): this run reports it as `exists`.
            self._once_record(dataclasses.replace(record, state=J.EXISTS))
        elif decision.action is Action.HOLD:
            assert record is not None
            self._hold(release, record, decision.reason)
            if record.state in J.DONE:  # new content at an uploaded path, no --replace
                record = dataclasses.replace(record, state=J.FAILED, error=decision.reason,
                                             permanent=True)
                self._once_record(record)
            else:
                self._once_record(record, config_error=record.state == J.FAILED)
        else:
            log.info("complete: %s — %s", release.name, decision.reason)
            try:
                self.journal.start(str(release_path(release)), fingerprint)  # `status`: queued
            except UploaderError as exc:
                self._crashed(release, exc)
                return
            self._active.add(release)
            self._workers.todo.put(release)

    def _hold(self, release: Path, record: ReleaseRecord, why: str) -> None:
        if self._held.get(release) != (record.id, why):
            log.warning("held: %s — %s", release.name, why)
            self._announce(record, why)
        self._held[release] = (record.id, why)

    def _forget(self, release: Path) -> None:
        self._held.pop(release, None)
        self._crashes.pop(release, None)
        self._retry_at.pop(release, None)

    def _once_record(self, record: ReleaseRecord, *, config_error: bool = False) -> None:
        """With --once every release gets its line, already-done ones included."""
        if self.options.once:
            self._summary.records.append(record)
            self._summary.config_errors += int(config_error)
            self._emit(record)

    # -- outcomes -----------------------------------------------------------------------------

    def _drain_outcomes(self) -> None:
        while True:
            try:
                outcome = self._outcomes.get_nowait()
            except queue.Empty:
                return
            self._finished(outcome)

    def _finished(self, outcome: Outcome) -> None:
        path = outcome.path
        self._active.discard(path)
        if outcome.cancelled:
            log.debug("%s: left for the next start (shutdown)", path.name)
        elif outcome.error is not None:
            self._crashed(path, outcome.error)
        elif outcome.record is not None:
            self._published(path, outcome.record, outcome.config_error)
        if path in self._again and not self._shutting_down:
            self._again.discard(path)
            self._ready(path)

    def _published(self, path: Path, record: ReleaseRecord, config_error: bool) -> None:
        self._emit(record)
        if not (record.permanent or record.state == J.REJECTED) or self.options.once:
            self._announce(record, None)  # a permanent failure is told once, when held
        if self.options.once:
            self._summary.records.append(record)
            self._summary.config_errors += int(config_error)
        if self._shutting_down or self.options.once:
            return
        if record.state in J.DONE and record.followups_failed:
            # Uploaded, but not seeding (or upgrades not marked): retry the follow-up alone,
            # with the same backoff as any failure; the upload is never repeated.
            failures = self._crashes.get(path, 0) + 1
            self._crashes[path] = failures
            if failures < self.options.retry.max_attempts:
                self._retry_later(path, failures)
            else:
                log.warning("held: %s — its follow-ups failed %d times; the next start "
                            "retries them", path.name, failures)
            return
        if record.state in J.DONE:
            self._crashes.pop(path, None)
            return
        how_to_retry = f"change the release, or run `nekobt-upload status --retry {record.id}`"
        if record.permanent or record.state == J.REJECTED:
            self._hold(path, record, f"{record.state}, not retried — {how_to_retry}")
        elif record.attempts >= self.options.retry.max_attempts:
            self._hold(path, record, f"gave up after {record.attempts} attempts — {how_to_retry}")
        else:
            self._retry_later(path, record.attempts)

    def _crashed(self, path: Path, error: BaseException) -> None:
        if isinstance(error, AuthError) and (self.options.once or self._shutting_down):
            self._fatal = error
            return
        if isinstance(error, AuthError):
            # The key was taken at start, so it was revoked (or the site misbehaves) since:
            # say so, and retry this release with the usual bounded backoff — no crash loop.
            log.error("%s: %s — fix the key (NEKOBT_API_KEY); retrying with backoff",
                      path.name, error)
            failures = self._crashes.get(path, 0) + 1
            self._crashes[path] = failures
            self._retry_later(path, failures)
            return
        if isinstance(error, (UploaderError, OSError)):
            log.error("%s: %s", path.name, error)
        else:
            log.error("%s: unexpected error — please report it", path.name, exc_info=error)
        failures = self._crashes.get(path, 0) + 1
        self._crashes[path] = failures
        if self.options.once:
            self._once_crashed = True
        elif not self._shutting_down and failures < self.options.retry.max_attempts:
            self._retry_later(path, failures)
        elif not self._shutting_down:
            log.warning("held: %s — gave up after %d errors until the next start",
                        path.name, failures)

    def _retry_later(self, path: Path, failures: int) -> None:
        wait = self.options.retry.wait(failures)
        self._retry_at[path] = self._clock() + wait
        log.info("retry: %s in %.0f s (attempt %d of %d)", path.name, wait, failures + 1,
                 self.options.retry.max_attempts)

    # -- held releases and profiles -----------------------------------------------------------

    def _check_held(self) -> None:
        """`status --retry ID` (another process) resets a held release's journal record."""
        for path, (release_id, _) in list(self._held.items()):
            try:
                record = self.journal.get(release_id)
            except UploaderError:
                del self._held[path]
                continue
            if record.state == J.QUEUED and not record.permanent:
                log.info("retry requested: %s", path.name)
                del self._held[path]
                self._ready(path)

    def _reload_profiles(self) -> None:
        self._profiles_due = None
        if self._load_profiles is None:
            return
        try:
            profiles = self._load_profiles()
        except UploaderError as exc:
            log.error("profiles: %s — keeping the last good profiles", exc)
            return
        profiles = self._keep_last_good(profiles)
        if profiles == self.processor.profiles:
            return
        self.processor.profiles = profiles
        log.info("profiles reloaded: %s", ", ".join(sorted(profiles)) or "none")
        # A release that failed for want of a usable profile gets one more look.
        for path, (release_id, _) in list(self._held.items()):
            try:
                record = self.journal.get(release_id)
                if record.state == J.FAILED and record.permanent:
                    self.journal.reset_for_retry(release_id)
                    del self._held[path]
                    self._ready(path)
            except UploaderError as exc:
                log.warning("%s: %s", path.name, exc)

    def _keep_last_good(self, loaded: dict[str, Profile]) -> dict[str, Profile]:
        """A profile that worked and is now broken by an edit keeps working as it was until
        the file is fixed (a half-saved edit must not stop that group's releases)."""
        from uploader.profiles.loading import LoadedProfiles

        if not isinstance(loaded, LoadedProfiles):
            return loaded
        kept = {name: old for name, old in self.processor.profiles.items()
                if name in loaded.unusable and name not in loaded}
        if not kept:
            return loaded
        for name in kept:
            log.error("profile %s: %s — keeping the last good profiles until it is fixed",
                      name, loaded.unusable[name].error())
        return LoadedProfiles({**loaded, **kept},
                              unusable=[u for n, u in loaded.unusable.items() if n not in kept],
                              problems=loaded.problems)

    # -- stopping -----------------------------------------------------------------------------

    def _finish_workers(self) -> None:
        workers = self._workers
        workers.stop()
        deadline = self._clock() + self.options.grace
        for thread in (*workers.builders, workers.publisher):
            if thread is workers.publisher and workers.publishing is not None \
                    and thread.is_alive():
                log.info("waiting up to %.0f s for the site calls of %s to finish",
                         max(0.0, deadline - self._clock()), workers.publishing.name)
            while thread.is_alive() and not self._signals.hurry and self._clock() < deadline:
                thread.join(TICK)
        self._drain_outcomes()
        in_flight = workers.publishing
        if any(t.is_alive() for t in (*workers.builders, workers.publisher)):
            self.abandoned = True
            if in_flight is not None:
                log.warning("%s: still talking to the site — left in doubt; the next start "
                            "asks the site by infohash and never uploads it twice",
                            in_flight.name)
