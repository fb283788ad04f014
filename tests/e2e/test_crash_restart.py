"""SIGKILL at the worst moments of a one-shot upload, then a re-run: exactly one torrent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from e2e_world import World

from uploader.sandbox import SAMPLE_TORRENT_ID

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
TITLE = "[ExampleSubs] Sample Show - 01v2 (1080p)"


def start(world: World, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    env.update(NEKOBT_API_URL=world.server.url, NEKOBT_STATE_DIR=str(world.state),
               NEKOBT_PROFILES=str(world.profiles), NEKOBT_API_KEY=world.key)
    return subprocess.Popen([sys.executable, "-m", "uploader", *args], env=env, cwd=world.tmp,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_asked(world: World, proc: subprocess.Popen[str], method: str,
                     path: str) -> None:
    """Until the site has seen `method path` from the running `proc`."""
    deadline = time.monotonic() + 60
    while not any((r.method, r.path) == (method, path) for r in world.site.requests):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the request never came"
        time.sleep(0.02)


def kill_when(world: World, proc: subprocess.Popen[str], method: str, path: str) -> None:
    wait_until_asked(world, proc, method, path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def sparse_release(world: World, gib: int) -> Path:
    """A complete episode of `gib` GiB that costs no disk: seconds of hashing."""
    big = world.tmp / "in" / "[ExampleSubs] Sample Show - 02 (1080p).mkv"
    big.parent.mkdir(exist_ok=True)
    with big.open("wb") as fh:
        fh.truncate(gib << 30)
    os.utime(big, (time.time() - 60, time.time() - 60))  # complete: not waited for
    return big


def interrupt(proc: subprocess.Popen[str]) -> tuple[str, float]:
    """SIGINT, then (stderr, seconds until the process was gone)."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    return err, time.monotonic() - sent


def test_sigkill_while_the_upload_post_is_in_flight(world: World) -> None:
    # The site stores the upload, then takes 30 s to answer: the process dies in between.
    world.site.faults.slow(30, method="POST", path="/upload")
    release = world.release(V2)
    kill_when(world, start(world, "upload", "--json", str(release)), "POST", "/upload")
    assert len(world.uploads_titled(TITLE)) == 1
    (doubt,) = world.cli("status", "--json").records()
    # The journal says `uploading` (in doubt); its process is gone, so `status` says so.
    assert doubt["status"] == "interrupted"

    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    (stored,) = world.uploads_titled(TITLE)
    assert record["torrent_id"] == stored.id
    assert len(world.posts()) == 1
    # The follow-ups the crash skipped are done on the re-run.
    assert record["upgraded"] == [SAMPLE_TORRENT_ID]
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded == stored.id


def test_sigkill_before_the_post_then_rerun_uploads_once(world: World) -> None:
    world.site.faults.slow(30, method="PUT", path="/upload/checks")
    release = world.release(V2)
    kill_when(world, start(world, "upload", str(release)), "PUT", "/upload/checks")
    assert world.posts() == []
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    assert run.records()[0]["status"] == "uploaded"
    assert len(world.posts()) == 1
    assert len(world.uploads_titled(TITLE)) == 1


def test_sigint_exits_130_and_leaves_a_retryable_record(world: World) -> None:
    world.site.faults.slow(30, method="PUT", path="/upload/checks")
    proc = start(world, "upload", str(world.release(V2)))
    wait_until_asked(world, proc, "PUT", "/upload/checks")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert world.posts() == []


def test_sigint_stops_the_next_release_hashing_at_once(world: World) -> None:
    first = world.release(V2)
    big = sparse_release(world, 16)
    world.site.faults.slow(30, method="PUT", path="/upload/checks")
    proc = start(world, "upload", str(first), str(big))
    wait_until_asked(world, proc, "PUT", "/upload/checks")
    time.sleep(0.5)  # the second release is hashing now
    err, took = interrupt(proc)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert took < 3.0, took


def test_sigint_while_a_checked_release_hashes_stops_within_a_second(world: World) -> None:
    # The site's checks are answered while the release still hashes; Ctrl-C then must not
    # wait for the rest of the hash.
    big = sparse_release(world, 32)
    proc = start(world, "upload", "--set", "upload.require_video=false", "--hash-threads", "1",
                 str(big))
    wait_until_asked(world, proc, "PUT", "/upload/checks")
    time.sleep(0.5)  # checked; now only the hash is awaited
    assert proc.poll() is None
    err, took = interrupt(proc)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert took < 2.0, took  # the bound is 1 s; CI machines get slack, not minutes
    assert world.posts() == []
    (record,) = world.cli("status", "--json").records()
    # Stopped mid-way, nothing sent: a later run takes it up again from the start.
    assert record["status"] == "interrupted", record
    assert record["torrent_id"] is None


def test_a_release_another_process_is_working_on_is_left_alone(world: World) -> None:
    from uploader.locks import ReleaseLock

    release = world.release(V2)
    other = ReleaseLock(world.state, release.resolve())  # as the daemon would hold it
    other.acquire()
    try:
        run = world.cli("upload", "--json", str(release))
        assert run.code == 1, run.err
        (record,) = run.records()
        assert record["status"] == "failed"
        assert "another nekobt-upload process is working on it" in record["error"]
        assert world.posts() == []
        assert world.cli("status", "--json").records() == []  # its journal is not ours
    finally:
        other.release_()
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    assert len(world.posts()) == 1
