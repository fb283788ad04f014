"""Hashing overlaps the site calls: the real pipeline, hasher and client against the sandbox.

The only hook is the progress callback, which the hashing thread calls as it starts: a test
holds it closed, so the release's hash cannot be finished while the test watches what the
pipeline asks the site meanwhile. Torrents are checked against the data with torf.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torf

from uploader import journal as J
from uploader.api import NekoClient
from uploader.exactly_once import Policy
from uploader.journal import Journal, ReleaseRecord
from uploader.pipeline import CHECK, UPLOAD, Pipeline, Prepared
from uploader.profiles import load_profiles
from uploader.profiles.overrides import parse_set
from uploader.sandbox import DEMO_API_KEY, Site
from uploader.secret import Secret
from uploader.settings import Settings

REPO = Path(__file__).resolve().parents[2]
URL = "http://127.0.0.1:9/api/v1"


class Gate:
    """A progress callback that holds the hashing thread until `open()`."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self.reports: list[Any] = []

    def __call__(self, progress: Any) -> None:
        self.reports.append(progress)
        self._open.wait(30)

    def open(self) -> None:
        self._open.set()


def complete(path: Path) -> Path:
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


MakePipeline = Callable[..., Pipeline]


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Iterator[tuple[MakePipeline, Site]]:
    site = Site.demo()
    opened: list[Any] = []

    def make(progress: Any = None, **settings: Any) -> Pipeline:
        s = Settings(api_url=URL, api_key=Secret(DEMO_API_KEY), state_dir=tmp_path / "state",
                     profiles_dir=REPO / "profiles", **settings)
        client = NekoClient(URL, s.api_key, transport=site.transport(), min_interval=0,
                            sleep=lambda _: None)
        journal = Journal.in_state_dir(s.state_dir)
        opened.extend([client, journal])
        return Pipeline(s, client, journal, load_profiles(s.profiles_dir),
                        sleep=lambda _: None, policy=Policy(base_wait=0.0), progress=progress)

    yield make, site
    for thing in opened:
        thing.close()


@dataclass
class Held:
    pipeline: Pipeline
    prepared: Prepared
    thread: threading.Thread
    out: dict[str, ReleaseRecord]


@contextmanager
def held(make: MakePipeline, release: Path, mode: str) -> Iterator[Held]:
    """`release` prepared, then published in a thread while its hash is held; on leaving the
    block the hash is let go and the publish finishes (its record in `out["record"]`)."""
    gate = Gate()
    pipeline = make(progress=gate)
    prepared = pipeline.prepare(release)
    out: dict[str, ReleaseRecord] = {}
    thread = threading.Thread(target=lambda: out.update(record=pipeline.publish(prepared,
                                                                                 mode)))
    thread.start()
    try:
        yield Held(pipeline, prepared, thread, out)
    finally:
        gate.open()
        thread.join(20)


def wait_for(site: Site, method: str, path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not any((r.method, r.path) == (method, path) for r in site.requests):
        assert time.monotonic() < deadline, f"{method} {path} never came"
        time.sleep(0.01)


def calls(site: Site) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in site.requests]


def test_checks_are_asked_while_the_release_still_hashes(
        make_pipeline: tuple[MakePipeline, Site], release: Path) -> None:
    make, site = make_pipeline
    with held(make, release, CHECK) as run:
        prepared = run.prepared
        assert prepared.error is None
        assert prepared.report is not None  # mediainfo was read while hashing ran
        wait_for(site, "PUT", "/upload/checks")
        time.sleep(0.1)
        assert prepared.hashing is not None
        assert not prepared.hashing.done
        assert run.thread.is_alive()  # `check` needs the hash for its preview: it waits
        seen = calls(site)
        assert ("PUT", "/upload/mediainfo") in seen
        assert any(m == "GET" and p.startswith("/groups/") for m, p in seen)
        assert run.pipeline.journal.get(prepared.record.id).infohash is None
    record = run.out["record"]
    assert record.state == J.CHECKED, record.error
    torrent = torf.Torrent.read(record.torrent_file)
    assert torrent.infohash == record.infohash
    assert torrent.verify(str(release))  # every piece, by torf, against the data


def test_only_the_infohash_lookup_and_the_post_wait_for_the_hash(
        make_pipeline: tuple[MakePipeline, Site], release: Path) -> None:
    make, site = make_pipeline
    with held(make, release, UPLOAD) as run:
        wait_for(site, "PUT", "/upload/checks")
        time.sleep(0.2)
        seen = [r for r in site.requests if r.path in ("/upload", "/torrents/search")]
        assert seen == []  # nothing that needs the infohash went out
    record = run.out["record"]
    assert record.state == J.UPLOADED, record.error
    assert calls(site).count(("POST", "/upload")) == 1
    order = calls(site)
    assert order.index(("PUT", "/upload/checks")) < order.index(("GET", "/torrents/search"))
    assert torf.Torrent.read(record.torrent_file).verify(str(release))


def test_a_check_failure_stops_the_hash_at_once(make_pipeline: tuple[MakePipeline, Site],
                                                tmp_path: Path) -> None:
    make, _ = make_pipeline
    big = tmp_path / "in" / "[OtherGroup] Big Show - 01 (1080p).mkv"
    big.parent.mkdir()
    with big.open("wb") as fh:
        fh.truncate(32 << 30)  # sparse: ~10 s of hashing on one core, no disk
    complete(big)
    reports: list[Any] = []
    pipeline = make(progress=reports.append, profile_name="examplesubs", hash_threads=1,
                    overrides=(parse_set("upload.require_video=false"),))
    started = time.monotonic()
    prepared = pipeline.prepare(big)
    record = pipeline.publish(prepared, UPLOAD)
    took = time.monotonic() - started
    # The title's group is not the profile's: the site's checks fail while the hash runs.
    assert record.state == J.REJECTED
    assert "Release Group" in (record.error or "")
    assert prepared.hashing is not None
    assert prepared.hashing.done  # stopped, not left running
    assert not any(t.name.startswith("piece-hasher") for t in threading.enumerate())
    assert took < 5.0, took
    assert reports
    assert reports[-1].done < reports[-1].total  # most of it never read
    assert record.infohash is None  # no torrent was made of a half-read release
    assert not list((tmp_path / "state" / "torrents").glob("*.torrent"))


def test_a_release_uploaded_before_waits_for_its_hash_first(
        make_pipeline: tuple[MakePipeline, Site], release: Path) -> None:
    make, site = make_pipeline
    first = make().publish(make().prepare(release), UPLOAD)
    assert first.state == J.UPLOADED
    before = len(site.requests)
    with held(make, release, UPLOAD) as run:
        time.sleep(0.3)
        assert site.requests[before:] == []  # exactly-once: the infohash is asked about first
    again = run.out["record"]
    assert (again.state, again.torrent_id) == (J.EXISTS, first.torrent_id)
    assert calls(site).count(("POST", "/upload")) == 1
    assert ("PUT", "/upload/checks") not in calls(site)[before:]


def test_a_file_changed_while_checked_fails_without_an_upload(
        make_pipeline: tuple[MakePipeline, Site], release: Path) -> None:
    make, site = make_pipeline
    with held(make, release, UPLOAD) as run:
        wait_for(site, "PUT", "/upload/checks")
        with release.open("r+b") as fh:  # rewritten in place while it was being hashed
            fh.seek(100)
            fh.write(b"changed")
    record = run.out["record"]
    assert record.state == J.FAILED
    assert "changed while it was being hashed" in (record.error or "")
    assert ("POST", "/upload") not in calls(site)


def early_for(tmp_path: Path, release: Path, progress: Any = None, *,
              min_file_size: int = 0, **settings: Any
              ) -> tuple[Settings, Any, threading.Semaphore, threading.Event]:
    from uploader.prepare import start_early
    from uploader.runner import complete_now

    s = Settings(api_url=URL, api_key=Secret(DEMO_API_KEY), state_dir=tmp_path / "state",
                 profiles_dir=REPO / "profiles", **settings)
    lane, cancel = threading.Semaphore(1), threading.Event()
    first = complete_now(s, release)
    early = None if first is None else start_early(
        s, load_profiles(s.profiles_dir), release, first, lane=lane, cancel=cancel,
        progress=progress, min_file_size=min_file_size)
    return s, early, lane, cancel


@contextmanager
def early_pipeline(settings: Settings, site: Site, early: Any, lane: threading.Semaphore,
                   cancel: threading.Event, progress: Any = None) -> Iterator[Pipeline]:
    """A run's pipeline given the early hash (and its lane and stop) the runner started."""
    with NekoClient(URL, settings.api_key, transport=site.transport(), min_interval=0) as c, \
            Journal.in_state_dir(settings.state_dir) as journal:
        yield Pipeline(settings, c, journal, load_profiles(settings.profiles_dir),
                       cancel=cancel, progress=progress, lane=lane, early=early)


def test_the_first_release_hashed_before_the_site_is_asked_is_adopted(
        tmp_path: Path, release: Path) -> None:
    site = Site.demo()
    gate = Gate()
    settings, early, lane, cancel = early_for(tmp_path, release, progress=gate)
    assert early is not None  # hashing already, nothing journalled
    assert not (tmp_path / "state" / "journal.sqlite3").exists()
    with early_pipeline(settings, site, early, lane, cancel, gate) as pipeline:
        prepared = pipeline.prepare(release, walked=early.walked)
        assert prepared.hashing is early.job  # not hashed a second time
        assert early.adopted
        gate.open()
        record = pipeline.publish(prepared, CHECK)
    assert record.state == J.CHECKED, record.error
    assert len(gate.reports) == 1  # one hash, reported from its start
    assert torf.Torrent.read(record.torrent_file).verify(str(release))


def test_an_early_hash_made_with_another_profile_is_stopped(tmp_path: Path,
                                                            release: Path) -> None:
    site = Site.demo()
    gate = Gate()
    _, early, lane, cancel = early_for(tmp_path, release, progress=gate)
    assert early is not None
    # This run's profile differs from the one the early hash was started with.
    settings = Settings(api_url=URL, api_key=Secret(DEMO_API_KEY),
                        state_dir=tmp_path / "state", profiles_dir=REPO / "profiles",
                        overrides=(parse_set("torrent.source=nekoBT"),))
    with early_pipeline(settings, site, early, lane, cancel) as pipeline:
        gate.open()
        prepared = pipeline.prepare(release)
        assert prepared.hashing is not early.job
        assert not early.adopted
        assert early.job.done  # stopped, not left reading
        record = pipeline.publish(prepared, CHECK)
    assert record.state == J.CHECKED, record.error
    assert torf.Torrent.read(record.torrent_file).source == "nekoBT"


def test_a_file_changed_after_the_early_listing_fails_its_hash(tmp_path: Path,
                                                               release: Path) -> None:
    site = Site.demo()
    gate = Gate()  # the early hash cannot finish before the file changes
    settings, early, lane, cancel = early_for(tmp_path, release, progress=gate)
    assert early is not None
    with release.open("ab") as fh:
        fh.write(b"appended after the early listing")
    with early_pipeline(settings, site, early, lane, cancel) as pipeline:
        prepared = pipeline.prepare(release, walked=early.walked)
        gate.open()
        record = pipeline.publish(prepared, UPLOAD)
    assert record.state == J.FAILED
    assert "changed while it was being hashed" in (record.error or "")
    assert ("POST", "/upload") not in calls(site)


def test_nothing_is_hashed_early_while_the_release_is_still_being_written(
        tmp_path: Path, release: Path) -> None:
    os.utime(release)  # written just now: the settle rule says wait
    _, early, _, _ = early_for(tmp_path, release)
    assert early is None


def test_many_small_files_are_not_hashed_early(tmp_path: Path) -> None:
    batch = tmp_path / "in" / "[ExampleSubs] Fonts Pack (1080p)"
    for n in range(50):
        path = batch / "fonts" / f"font{n:02}.ttf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(4096))
    complete(batch)
    for path in batch.rglob("*"):
        complete(path)
    _, early, _, _ = early_for(tmp_path, batch, min_file_size=1 << 20)
    assert early is None  # per-file Python work would contend with the start-up it overlaps
    _, early, _, cancel = early_for(tmp_path, batch, min_file_size=0)
    assert early is not None
    cancel.set()
    early.job.abandon()
