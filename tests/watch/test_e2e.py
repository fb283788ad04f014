"""The real daemon process against the sandbox over loopback HTTP (issue 6's list).

Each test starts `python -m uploader watch DIR --json` as a subprocess with NEKOBT_API_URL
pointing at a `SandboxServer` in this process, drives files into DIR, signals or kills the
process, and counts what the site received: every `POST /upload` and every stored torrent.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watch_e2e import (
    SAMPLE_VIDEO,
    TAG,
    Env,
    Watcher,
    release_name,
    torrent_matches,
    video,
    write_profile,
)

from uploader import journal as J
from uploader.journal import Journal
from uploader.sandbox import SandboxServer, Site

pytestmark = pytest.mark.timeout(150)

StartWatcher = Callable[..., Watcher]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with SandboxServer(Site.demo()) as server:
        yield Env(tmp_path, server)
        assert server.site.errors == []  # the sandbox itself never failed


@pytest.fixture
def watchers(env: Env) -> Iterator[StartWatcher]:
    started: list[Watcher] = []

    def start(*args: str, settle: float = 1.0) -> Watcher:
        watcher = Watcher(env, *args, settle=settle)
        started.append(watcher)
        watcher.wait_for(lambda: "watching " in watcher.log(), 20, "the observer started")
        return watcher

    yield start
    for watcher in started:
        watcher.close()


def title(path: Path) -> str:
    return path.stem if path.is_file() else path.name


def writer(path: Path, chunks: int, pause: float, then: Callable[[], None] | None = None
           ) -> threading.Thread:
    """Append `chunks` random 4 KiB chunks, `pause` seconds apart, then run `then`."""

    def run() -> None:
        with path.open("ab") as out:
            if out.tell() == 0:
                out.write(SAMPLE_VIDEO)  # a video file from its first bytes on
            for _ in range(chunks):
                out.write(os.urandom(4096))
                out.flush()
                time.sleep(pause)
        if then is not None:
            then()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def journal_states(env: Env) -> dict[str, str]:
    with Journal.in_state_dir(env.state) as journal:
        return {Path(r.path).name: r.state for r in journal.releases()}


def sparse(path: Path, size: int = 1 << 30) -> Path:
    """A large file that costs no disk: hashing it takes seconds, long enough to interrupt."""
    with path.open("wb") as out:
        out.write(SAMPLE_VIDEO)  # a video file the site accepts, then a sparse tail
        out.truncate(size)
    return path


def test_releases_arriving_every_way_are_each_uploaded_once_and_complete(
    env: Env, watchers: StartWatcher
) -> None:
    w = watchers(settle=1.5)
    slow = env.inbox / release_name("01")
    renamed = env.inbox / release_name("02")
    batch = env.inbox / f"[{TAG}] Watch Test Batch (1080p)"
    unmatched = env.inbox / "[NoSuchGroup] Watch Test - 03 (1080p).mkv"
    unmatched.write_bytes(video(4096))
    (env.inbox / (release_name("04") + ".part")).write_bytes(video(4096))  # never done
    (env.inbox / ".hidden.mkv").write_bytes(video(4096))

    def fill_batch() -> None:
        batch.mkdir()
        for n in range(1, 11):  # a batch filled over ~10 s
            (batch / release_name(f"{n:02}")).write_bytes(video(4096))
            time.sleep(1.0)

    part = renamed.with_name(renamed.name + ".part")
    threads = [
        writer(slow, chunks=40, pause=0.5),  # growing for 20 s
        writer(part, chunks=6, pause=0.4, then=lambda: part.rename(renamed)),
        threading.Thread(target=fill_batch),
    ]
    threads[2].start()
    w.wait_for(lambda: w.statuses().get(slow.name) == "uploaded", 60, "the slow file uploaded")
    for thread in threads:
        thread.join()
    w.wait_for(lambda: len(w.statuses()) == 4, 20, "every release reported")
    time.sleep(2.0)  # nothing else happens afterwards
    code, took = w.signal(signal.SIGTERM)
    assert code == 0
    assert took < 15

    assert w.statuses() == {slow.name: "uploaded", renamed.name: "uploaded",
                            batch.name: "uploaded", unmatched.name: "failed"}
    (failed,) = [r for r in w.records() if r["status"] == "failed"]
    assert "profile" in failed["error"]
    assert Counter(env.posts()) == {title(slow): 1, title(renamed): 1, title(batch): 1}
    stored = env.stored()
    assert torrent_matches(stored[title(slow)].raw, slow)  # the final content, all 160 KiB
    assert slow.stat().st_size == len(SAMPLE_VIDEO) + 40 * 4096
    assert torrent_matches(stored[title(renamed)].raw, renamed)
    assert len(stored[title(batch)].files) == 10
    assert torrent_matches(stored[title(batch)].raw, batch)


@pytest.mark.slow  # ~50 s: five requests per release at the client's 0.2 s politeness interval
def test_fifty_files_dropped_at_once_are_fifty_uploads_each_once(
    env: Env, watchers: StartWatcher
) -> None:
    w = watchers(settle=0.5)
    names = [release_name(f"{n:02}") for n in range(1, 51)]
    for name in names:
        (env.inbox / name).write_bytes(video(8192))
    w.wait_for(lambda: sum(s == "uploaded" for s in w.statuses().values()) == 50, 80,
               "50 uploads")
    code, _ = w.signal(signal.SIGTERM)
    assert code == 0
    assert Counter(env.posts()) == Counter(Path(n).stem for n in names)
    assert len(env.stored()) == 50
    assert len(w.records()) == 50
    assert sorted((Path(r["path"]).name, r["status"]) for r in env.status()) == \
        [(name, "uploaded") for name in sorted(names)]


def test_sigkill_while_hashing_and_while_uploading_never_uploads_twice(
    env: Env, watchers: StartWatcher
) -> None:
    big = sparse(env.inbox / release_name("10"))
    first = watchers(settle=0.3)
    first.wait_for(lambda: f"building: {big.name}" in first.log(), 20, "hashing started")
    time.sleep(0.5)
    first.kill()
    assert journal_states(env) == {big.name: J.BUILDING}
    assert env.posts() == []

    small = env.inbox / release_name("11")
    small.write_bytes(video(8192))
    env.site.faults.slow(30, method="POST", path="/upload")  # stored, answer held back
    second = watchers(settle=0.3)
    second.wait_for(lambda: len(env.posts()) == 1, 60, "the first upload reached the site")
    time.sleep(0.3)
    second.kill()
    assert set(env.stored()) == {big.stem}  # stored; the answer never came
    assert journal_states(env)[big.name] == J.UPLOADING  # in doubt

    third = watchers(settle=0.3)
    third.wait_for(lambda: len(third.statuses()) == 2, 60, "both releases resolved")
    code, _ = third.signal(signal.SIGTERM)
    assert code == 0
    assert Counter(env.posts()) == {big.stem: 1, small.stem: 1}
    assert set(env.stored()) == {big.stem, small.stem}
    # The in-doubt one was found by infohash: it is ours, so `uploaded`, not `exists`.
    assert third.statuses() == {big.name: "uploaded", small.name: "uploaded"}


def test_sigterm_while_hashing_and_sigint_during_an_upload_exit_in_time(
    env: Env, watchers: StartWatcher
) -> None:
    big = sparse(env.inbox / release_name("12"))
    w = watchers(settle=0.3)
    w.wait_for(lambda: f"building: {big.name}" in w.log(), 20, "hashing started")
    code, took = w.signal(signal.SIGTERM)
    assert code == 0
    assert took < 3.0  # hashing is cancelled, nothing is waited for
    big.unlink()

    small = env.inbox / release_name("13")
    small.write_bytes(video(8192))
    env.site.faults.slow(60, method="POST", path="/upload")
    w2 = watchers(settle=0.3)
    w2.wait_for(lambda: len(env.posts()) == 1, 30, "the upload reached the site")
    code, took = w2.signal(signal.SIGINT)
    assert code == 130
    assert took < 15.0
    assert "left in doubt" in w2.log()
    assert journal_states(env)[small.name] == J.UPLOADING

    w3 = watchers(settle=0.3)
    w3.wait_for(lambda: small.name in w3.statuses(), 30, "resolved")
    w3.signal(signal.SIGTERM)
    assert Counter(env.posts()) == {small.stem: 1}
    assert w3.statuses()[small.name] == "uploaded"


def test_a_profile_broken_and_fixed_while_running(env: Env, watchers: StartWatcher) -> None:
    w = watchers(settle=0.5)
    (env.profiles / "examplesubs.yaml").write_text("group:\n  id: [broken\n")
    w.wait_for(lambda: "keeping the last good profiles" in w.log(), 10, "the broken edit")
    before = env.inbox / release_name("20")
    before.write_bytes(video(8192))
    w.wait_for(lambda: w.statuses().get(before.name) == "uploaded", 30, "upload, old profile")

    write_profile(env.profiles, description="Fixed profile.")
    w.wait_for(lambda: "profiles reloaded" in w.log(), 10, "the fixed profile")
    after = env.inbox / release_name("21")
    after.write_bytes(video(8192))
    w.wait_for(lambda: w.statuses().get(after.name) == "uploaded", 30, "upload, new profile")
    code, _ = w.signal(signal.SIGTERM)
    assert code == 0
    stored = env.stored()
    assert stored[before.stem].description == "Watch test release."
    assert stored[after.stem].description == "Fixed profile."


def test_handoff_into_the_watched_folder_is_never_uploaded(env: Env,
                                                             watchers: StartWatcher) -> None:
    # One shared seedbox folder: the client watches it for .torrent files, we for encodes.
    profile = env.profiles / "examplesubs.yaml"
    profile.write_text(profile.read_text() + f"seed:\n  copy_torrent_to: {env.inbox}\n")
    w = watchers(settle=1.0)
    release = env.inbox / release_name("07")
    release.write_bytes(video(8192))
    handed = env.inbox / (release.name + ".torrent")
    w.wait_for(handed.exists, 30, "the site's torrent handed off into the inbox")
    time.sleep(4.0)  # several settle periods: the .torrent must not become a release
    assert env.posts() == [release.stem]
    assert set(w.statuses()) == {release.name}
    code, _ = w.signal(signal.SIGTERM)
    assert code == 0
