"""The daemon's loop with real files, a real journal and a real observer; the pipeline is
played by `FakeProcessor` (scripted site answers), so every branch can be forced."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from watch_helpers import FakeProcessor, FakeProfile, Torrent

from uploader import journal as J
from uploader.exceptions import AuthError, ProfileError
from uploader.journal import Journal, ReleaseRecord
from uploader.watch.daemon import Daemon, WatchOptions
from uploader.watch.policy import RetryPolicy

SETTLE = 0.2
FAST_RETRY = RetryPolicy(max_attempts=3, base=0.1, cap=0.2, random=lambda: 1.0)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "state" / "journal.sqlite3") as journal:
        yield journal


class Harness:
    def __init__(self, inbox: Path, journal: Journal, processor: FakeProcessor,
                 load_profiles: Callable[[], dict[str, Any]] | None = None,
                 **options: Any) -> None:
        self.emitted: list[ReleaseRecord] = []
        options = {"settle": SETTLE, "retry": FAST_RETRY, "grace": 3.0, "held_check": 0.1,
                   **options}
        self.daemon = Daemon(WatchOptions((inbox,), **options), processor, journal,
                             emit=self.emitted.append, load_profiles=load_profiles)
        self.code: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.code = self.daemon.run()
        except BaseException as exc:
            self.error = exc

    def states(self) -> list[tuple[str, str]]:
        return [(Path(r.path).name, r.state) for r in self.emitted]


@contextmanager
def running(harness: Harness) -> Iterator[Harness]:
    thread = threading.Thread(target=harness.run, name="test-daemon")
    thread.start()
    try:
        yield harness
    finally:
        harness.daemon.stop()
        thread.join(20)
        assert not thread.is_alive()


def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def drop(folder: Path, name: str, data: bytes = b"video") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


A = "[ExampleSubs] Show - 01 (1080p).mkv"
B = "[ExampleSubs] Show - 02 (1080p).mkv"


def test_a_dropped_file_is_uploaded_once_and_skipped_after_a_restart(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal)
    with running(Harness(inbox, journal, processor)) as h:
        drop(inbox, A)
        wait_for(lambda: h.emitted)
        time.sleep(SETTLE * 3)  # no second look at a done release
    assert h.code == 0
    assert h.error is None
    assert h.states() == [(A, J.UPLOADED)]
    assert processor.published == [A]
    assert processor.site[A] == 1
    (record,) = journal.releases()
    assert record.state == J.UPLOADED
    assert record.path == str((inbox / A).resolve())

    again = FakeProcessor(journal)
    with running(Harness(inbox, journal, again)) as h2:
        time.sleep(SETTLE * 4)
    assert again.prepared == []
    assert h2.emitted == []


def test_temporary_and_hidden_names_are_left_alone_until_renamed(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal)
    with running(Harness(inbox, journal, processor)) as h:
        part = drop(inbox, A + ".part")
        drop(inbox, ".~lock." + B)
        drop(inbox, B + ".!qB")
        time.sleep(SETTLE * 4)
        assert processor.prepared == []
        part.rename(inbox / A)
        wait_for(lambda: h.emitted)
    assert processor.prepared == [A]
    assert h.states() == [(A, J.UPLOADED)]


def test_profile_excludes_and_our_own_folders_are_not_releases(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal, {"x": FakeProfile("ExampleSubs", Torrent(("*.txt",)))})
    torrents = inbox / "torrents"
    torrents.mkdir()
    drop(torrents, "old.torrent")
    drop(inbox, "notes.txt")
    with running(Harness(inbox, journal, processor, skip=(torrents,))) as h:
        drop(inbox, A)
        wait_for(lambda: h.emitted)
        time.sleep(SETTLE * 2)
    assert processor.prepared == [A]


def test_transient_failures_are_retried_with_backoff_then_succeed(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["fail", "fail"]
    drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: any(r.state == J.UPLOADED for r in h.emitted))
    assert h.states() == [(A, J.FAILED), (A, J.FAILED), (A, J.UPLOADED)]
    assert [r.attempts for r in h.emitted] == [1, 2, 2]
    assert processor.published == [A, A, A]
    assert processor.site[A] == 1


def test_an_unexpected_error_is_logged_and_retried_and_the_daemon_keeps_running(
    inbox: Path, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    processor = FakeProcessor(journal)
    processor.crash_prepare[A] = 2
    drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: h.emitted)
    assert h.states() == [(A, J.UPLOADED)]
    crashes = [r for r in caplog.records if "unexpected error" in r.message]
    assert len(crashes) == 2
    assert crashes[0].exc_info is not None  # with the traceback, to report it


def test_retries_stop_at_the_limit_until_status_retry(inbox: Path, journal: Journal) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["fail", "fail", "fail"]
    drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: len(h.emitted) == 3)
        time.sleep(0.6)  # well past every backoff: no fourth try
        assert processor.published == [A, A, A]
        (record,) = journal.releases()
        journal.reset_for_retry(record.id)  # what `status --retry ID` does, from outside
        wait_for(lambda: len(h.emitted) == 4)
    assert h.states()[-1] == (A, J.UPLOADED)


def test_rejected_is_held_until_the_release_changes(inbox: Path, journal: Journal) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["reject"]
    path = drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: h.emitted)
        time.sleep(SETTLE * 4)
        assert processor.published == [A]  # held: not tried again while unchanged
        path.write_bytes(b"fixed video")
        wait_for(lambda: len(h.emitted) == 2)
    assert h.states() == [(A, J.REJECTED), (A, J.UPLOADED)]
    assert processor.published == [A, A]


def test_an_unmatched_release_is_held_and_retried_when_a_profile_appears(
    inbox: Path, journal: Journal, tmp_path: Path
) -> None:
    profiles_dir = tmp_path / "profiles"
    profiles_dir.mkdir()
    source = profiles_dir / "groups.yaml"
    source.write_text("ExampleSubs\n")

    def load() -> dict[str, Any]:
        text = source.read_text()
        if "broken" in text:
            raise ProfileError("bad indentation", file=source, line=2, key="group")
        return {tag: FakeProfile(tag) for tag in text.split()}

    processor = FakeProcessor(journal, load())
    other = "[NewGroup] Movie (1080p).mkv"
    with running(Harness(inbox, journal, processor, load_profiles=load,
                         profiles_dir=profiles_dir, profile_debounce=0.1)) as h:
        drop(inbox, other)
        wait_for(lambda: h.emitted)
        assert h.states() == [(other, J.FAILED)]
        assert h.emitted[0].permanent
        source.write_text("ExampleSubs\n  broken: [\n")
        time.sleep(0.6)
        assert set(processor.profiles) == {"ExampleSubs"}  # the last good set is kept
        drop(inbox, A)
        wait_for(lambda: len(h.emitted) == 2)
        assert h.states()[1] == (A, J.UPLOADED)
        source.write_text("ExampleSubs\nNewGroup\n")
        wait_for(lambda: len(h.emitted) == 3)
    assert set(processor.profiles) == {"ExampleSubs", "NewGroup"}
    assert h.states()[2] == (other, J.UPLOADED)


def test_a_release_interrupted_mid_upload_is_resumed_at_start(
    inbox: Path, journal: Journal
) -> None:
    path = drop(inbox, A)
    from uploader.pipeline import fingerprint

    record = journal.start(str(path.resolve()), fingerprint(path))
    journal.update(record.id, state=J.UPLOADING, attempts=1)
    processor = FakeProcessor(journal)
    processor.site[A] = 1  # the lost POST did reach the site
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: h.emitted)
    assert h.states() == [(A, J.UPLOADED)]
    assert processor.site[A] == 1


def test_the_next_release_hashes_while_the_current_one_talks_to_the_site(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["block"]
    with running(Harness(inbox, journal, processor)) as h:
        drop(inbox, A)
        wait_for(processor.publishing.is_set)
        drop(inbox, B)
        wait_for(lambda: processor.prepared == [A, B])
        assert processor.published == [A]  # B hashed during A's site calls
        processor.release.set()
        wait_for(lambda: len(h.emitted) == 2)
    assert processor.events == [("prepare", A), ("publish", A), ("prepare", B), ("publish", B)]


@pytest.mark.parametrize("jobs", [1, 3])
def test_jobs_is_how_many_releases_hash_at_once(inbox: Path, journal: Journal, jobs: int
                                                ) -> None:
    processor = FakeProcessor(journal)
    processor.hash_seconds = 0.3
    names = [f"[ExampleSubs] Show - {n:02} (1080p).mkv" for n in range(1, 5)]
    for name in names:
        drop(inbox, name)
    h = Harness(inbox, journal, processor, once=True, jobs=jobs)
    h.run()
    assert h.code == 0
    assert sorted(processor.published) == names
    assert processor.most_hashing_at_once == jobs


def test_a_release_changed_while_it_was_processed_is_looked_at_again(
    inbox: Path, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["block"]
    path = drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(processor.publishing.is_set)
        path.write_bytes(b"edited while uploading")
        time.sleep(SETTLE * 3)  # settled again while still active
        processor.release.set()
        wait_for(lambda: any("its files changed since" in r.message for r in caplog.records))
    assert processor.published == [A]  # uploaded once; the change is reported, not re-sent
    assert h.states() == [(A, J.UPLOADED)]


def test_once_processes_what_is_there_and_exits_with_upload_exit_codes(
    inbox: Path, journal: Journal
) -> None:
    drop(inbox, A)
    drop(inbox, B)
    processor = FakeProcessor(journal)
    h = Harness(inbox, journal, processor, once=True)
    h.run()
    assert h.code == 0
    assert sorted(h.states()) == [(A, J.UPLOADED), (B, J.UPLOADED)]

    again = Harness(inbox, journal, FakeProcessor(journal), once=True)
    again.run()  # already done: reported as such (`exists`), nothing processed
    assert again.code == 0
    assert sorted(again.states()) == [(A, J.EXISTS), (B, J.EXISTS)]

    rejected = "[ExampleSubs] Show - 03 (1080p).mkv"
    drop(inbox, rejected)
    processor = FakeProcessor(journal)
    processor.script[rejected] = ["reject"]
    third = Harness(inbox, journal, processor, once=True)
    third.run()
    assert third.code == 1
    assert processor.prepared == [rejected]

    drop(inbox, "[Nobody] Unknown - 01.mkv")
    fourth = Harness(inbox, journal, FakeProcessor(journal), once=True)
    fourth.run()
    assert fourth.code == 2  # no profile: a configuration error, as for `upload`


def test_once_on_an_empty_folder_exits_at_once(inbox: Path, journal: Journal) -> None:
    h = Harness(inbox, journal, FakeProcessor(journal), once=True, settle=30)
    started = time.monotonic()
    h.run()
    assert h.code == 0
    assert time.monotonic() - started < 1.0


def test_a_refused_key_stops_watch_once_with_auth_error(inbox: Path, journal: Journal) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["auth"]
    drop(inbox, A)
    h = Harness(inbox, journal, processor, once=True)
    h.run()
    assert isinstance(h.error, AuthError)
    assert h.error.exit_code == 3


def test_a_key_revoked_while_watching_is_reported_and_retried_with_backoff(
    inbox: Path, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    processor = FakeProcessor(journal)
    processor.script[A] = ["auth", "auth", "ok"]  # the key is fixed after two refusals
    drop(inbox, A)
    with running(Harness(inbox, journal, processor)) as h:
        wait_for(lambda: h.states() == [(A, J.UPLOADED)])
    assert h.error is None
    assert processor.published == [A, A, A]
    refusals = [r for r in caplog.records if "retrying with backoff" in r.getMessage()]
    assert [r.levelname for r in refusals] == ["ERROR", "ERROR"]
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retry: ")]
    assert retries[:2] == [f"retry: {A} in 0 s (attempt 2 of 3)",
                           f"retry: {A} in 0 s (attempt 3 of 3)"]


def test_stop_lets_an_upload_in_flight_finish(inbox: Path, journal: Journal) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["block"]
    drop(inbox, A)
    h = Harness(inbox, journal, processor)
    thread = threading.Thread(target=h.run)
    thread.start()
    wait_for(processor.publishing.is_set)
    h.daemon.stop(signal.SIGTERM)
    time.sleep(0.5)
    assert thread.is_alive()  # waiting for the upload
    processor.release.set()
    thread.join(5)
    assert h.code == 0
    assert not h.daemon.abandoned
    assert h.states() == [(A, J.UPLOADED)]
    assert processor.cancel.is_set()


def test_an_upload_outlasting_the_grace_period_is_left_in_doubt(
    inbox: Path, journal: Journal
) -> None:
    processor = FakeProcessor(journal)
    processor.script[A] = ["block"]
    drop(inbox, A)
    h = Harness(inbox, journal, processor, grace=0.5)
    thread = threading.Thread(target=h.run)
    thread.start()
    wait_for(processor.publishing.is_set)
    stopped = time.monotonic()
    h.daemon.stop(signal.SIGINT)
    thread.join(5)
    try:
        assert time.monotonic() - stopped < 1.5
        assert h.code == 130
        assert h.daemon.abandoned
        (record,) = journal.releases()
        assert record.state == J.UPLOADING  # in doubt: the next start asks the site
    finally:
        processor.release.set()  # let the stuck worker end (no leaked thread)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_signal_cancels_hashing_at_once_and_sets_the_exit_code(
    inbox: Path, journal: Journal, signum: int, code: int
) -> None:
    processor = FakeProcessor(journal)
    processor.hash_seconds = 30
    drop(inbox, A)
    h = Harness(inbox, journal, processor)
    sent: list[float] = []

    def send() -> None:
        processor.hashing.wait(5)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signum)

    killer = threading.Thread(target=send)
    killer.start()
    h.run()  # in the main thread: the daemon's own signal handlers are installed
    killer.join()
    assert h.code == code
    assert h.error is None
    assert time.monotonic() - sent[0] < 1.5
    assert processor.published == []
    assert h.emitted == []
    (record,) = journal.releases()
    assert record.state == J.BUILDING  # left as it was: built again at the next start
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
