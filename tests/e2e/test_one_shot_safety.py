"""Never publish a release nobody can use (issue 10): the real CLI against the sandbox.

A refused key costs one request and no hashing; a release still being written is waited for
(or refused with --no-wait); a file that is not video is rejected before the site sees it;
reruns say `exists`; `status` never shows a dead process as still working.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import threading
import time

import torf
from e2e_world import World
from test_crash_restart import kill_when, sparse_release, start

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
NOT_VIDEO = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


def site_paths(world: World) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in world.site.requests]


# -- 4. fail before the expensive work ---------------------------------------------------------


def test_refused_key_costs_one_request_and_no_hashing(world: World) -> None:
    release = world.release(V2)
    for command in ("upload", "check"):
        world.site.requests.clear()
        run = world.cli(command, "--json", str(release), key="revoked-key-for-this-test")
        assert run.code == 3, run.out + run.err
        # One `failed` record for scripts, naming the refusal; nothing else was done.
        (record,) = run.records()
        assert (record["status"], record["infohash"]) == ("failed", None)
        assert "revoked-key-for-this-test" not in run.out + run.err
        assert "Traceback" not in run.err
        assert site_paths(world) == [("GET", "/users/@me")]
    torrents = world.state / "torrents"
    assert not torrents.exists() or list(torrents.iterdir()) == []
    assert world.posts() == []


def test_refused_key_stops_the_first_releases_early_hash_at_once(world: World) -> None:
    # The first release starts hashing while the key is checked; a refusal stops it before
    # anything is journalled or written, however big the release.
    big = sparse_release(world, 32)  # many seconds of hashing
    started = time.monotonic()
    run = world.cli("check", "--json", str(big), key="revoked-key-for-this-test")
    took = time.monotonic() - started
    assert run.code == 3, run.out + run.err
    assert took < 10, took  # not the minutes a whole hash takes
    (record,) = run.records()
    assert (record["status"], record["infohash"]) == ("failed", None)
    assert world.cli("status", "--json").records() == []  # nothing journalled
    torrents = world.state / "torrents"
    assert not torrents.exists() or list(torrents.iterdir()) == []
    pieces = world.state / "cache"
    assert not pieces.exists() or not list(pieces.glob("*.pieces"))


def test_watch_refuses_to_start_with_a_refused_key(world: World) -> None:
    folder = world.tmp / "in"
    world.release(V2)
    started = time.monotonic()
    run = world.cli("watch", str(folder), key="revoked-key-for-this-test", timeout=30)
    assert run.code == 3, run.out + run.err
    assert time.monotonic() - started < 20
    assert "watching" not in run.err  # the observer never started
    assert site_paths(world) == [("GET", "/users/@me")]


def test_sandbox_with_an_explicit_api_url_is_a_usage_error(world: World) -> None:
    release = world.release(V2)
    run = world.cli("upload", "--sandbox", str(release))  # World sets NEKOBT_API_URL
    assert run.code == 2, run.out + run.err
    assert "--sandbox and NEKOBT_API_URL" in run.err
    run = world.cli("check", "--sandbox", "--api-url", world.server.url, str(release))
    assert run.code == 2, run.out + run.err
    assert "--sandbox and --api-url" in run.err
    assert world.site.requests == []


# -- 5. truthful outcomes ----------------------------------------------------------------------


def test_rerun_reports_exists_with_its_id_and_upload_time(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    (uploaded,) = first.records()
    assert uploaded["status"] == "uploaded"
    again = world.cli("upload", "--json", str(release))
    assert again.code == 0, again.err
    (record,) = again.records()
    stored = world.site.torrents[uploaded["torrent_id"]]
    site_time = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(int(stored.uploaded_at) / 1000))
    assert (record["status"], record["torrent_id"], record["uploaded_at"]) == (
        "exists", uploaded["torrent_id"], site_time)
    assert uploaded["uploaded_at"] == site_time
    human = world.cli("upload", str(release))
    assert human.code == 0, human.err
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(stored.uploaded_at) / 1000))
    url = world.server.url.removesuffix("/api/v1")
    assert human.out.splitlines()[0] == (
        f"exists: {V2.removesuffix('.mkv')} → {url}/torrents/{uploaded['torrent_id']} "
        f"(uploaded {when})")
    assert len(world.posts()) == 1


def test_watch_once_on_a_finished_folder_says_exists(world: World) -> None:
    release = world.release(V2)
    first = world.cli("watch", "--once", "--json", "--settle", "0.2", str(release.parent))
    assert first.code == 0, first.err
    assert [r["status"] for r in first.records()] == ["uploaded"]
    again = world.cli("watch", "--once", "--json", "--settle", "0.2", str(release.parent))
    assert again.code == 0, again.err
    (record,) = again.records()
    assert (record["status"], record["torrent_id"]) == ("exists",
                                                        first.records()[0]["torrent_id"])
    assert record["uploaded_at"] is not None
    assert len(world.posts()) == 1


def test_status_shows_a_live_run_as_working_and_a_killed_one_as_interrupted(
        world: World) -> None:
    world.site.faults.slow(30, method="PUT", path="/upload/checks")
    release = world.release(V2)
    proc = start(world, "upload", "--json", str(release))
    try:
        deadline = time.monotonic() + 60
        while ("PUT", "/upload/checks") not in site_paths(world):
            assert proc.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.02)
        (live,) = world.cli("status", "--json").records()
        # Checks run while the release hashes: `building` until its hash is done (this small
        # sample's is, almost always, before the checks go out), `checking` from then on.
        assert live["status"] in ("checking", "building")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    (gone,) = world.cli("status", "--json").records()
    assert gone["status"] == "interrupted"
    human = world.cli("status")
    assert " interrupted " in human.out
    assert "its process is gone" in human.out
    run = world.cli("upload", "--json", str(release))  # the next run resumes it
    assert run.code == 0, run.err
    assert run.records()[0]["status"] == "uploaded"
    assert len(world.posts()) == 1


def test_status_in_doubt_after_a_kill_is_interrupted_then_resolved_by_infohash(
        world: World) -> None:
    world.site.faults.slow(30, method="POST", path="/upload")
    release = world.release(V2)
    kill_when(world, start(world, "upload", "--json", str(release)), "POST", "/upload")
    (doubt,) = world.cli("status", "--json").records()
    assert doubt["status"] == "interrupted"
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    assert run.records()[0]["status"] == "uploaded"
    assert len(world.posts()) == 1


# -- 2. media the site accepts -----------------------------------------------------------------


def test_a_file_that_is_not_video_is_rejected_before_the_site_sees_it(world: World) -> None:
    release = world.tmp / "in" / NOT_VIDEO
    release.parent.mkdir(parents=True)
    release.write_text("hello\n")
    past = time.time() - 60
    os.utime(release, (past, past))
    expected = (f"{NOT_VIDEO}: no video track (libmediainfo reads it as: no known format / "
                "6 bytes) — not a video file?")
    for command in ("check", "upload"):
        run = world.cli(command, "--json", str(release))
        assert run.code == 1, run.err
        (record,) = run.records()
        assert record["status"] == "rejected"
        assert record["error"].startswith(expected), record["error"]
    assert world.posts() == []
    assert ("PUT", "/upload/checks") not in site_paths(world)
    (status,) = world.cli("status", "--json").records()
    assert status["status"] == "rejected"


def test_a_profile_may_allow_releases_without_video(world: World) -> None:
    world.edit_profile("examplesubs", lambda d: d.setdefault("upload", {}).update(
        require_video=False))
    release = world.tmp / "in" / NOT_VIDEO
    release.parent.mkdir(parents=True)
    release.write_text("hello\n")
    run = world.cli("check", "--json", "--settle", "0", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    # Not refused locally: the site's checks were asked, and passed.
    assert (record["status"], record["error"]) == ("checked", None)
    assert ("PUT", "/upload/checks") in site_paths(world)


def test_a_batch_needs_at_least_one_video_file(world: World) -> None:
    batch = world.tmp / "in" / "[ExampleSubs] Sample Show (Batch)"
    batch.mkdir(parents=True)
    (batch / "notes.ass").write_text("[Script Info]\n")
    (batch / "Sample Show - 01.mkv").write_text("hello\n")
    past = time.time() - 60
    for path in (batch / "notes.ass", batch / "Sample Show - 01.mkv", batch):
        os.utime(path, (past, past))
    run = world.cli("check", "--json", str(batch))
    assert run.code == 1, run.err
    (record,) = run.records()
    assert record["status"] == "rejected"
    assert record["error"].startswith(
        f"{batch.name}/Sample Show - 01.mkv: no video track (libmediainfo reads it as: ")
    assert ("PUT", "/upload/checks") not in site_paths(world)


# -- 1. complete content only ------------------------------------------------------------------


def test_a_file_still_being_written_is_waited_for_and_its_final_content_uploaded(
        world: World) -> None:
    release = world.release(V2)
    stop = threading.Event()
    writes = []

    def writer() -> None:
        # An encoder still muxing: appends for ~2.5 s, then the file is complete.
        with release.open("ab") as fh:
            for _ in range(25):
                if stop.is_set():
                    return
                fh.write(b"\0" * 4096)
                fh.flush()
                writes.append(time.monotonic())
                time.sleep(0.1)

    thread = threading.Thread(target=writer)
    with release.open("ab") as fh:
        fh.write(b"\0")  # changed just now: the run must wait
    thread.start()
    try:
        started = time.monotonic()
        run = world.cli("upload", "--json", "--settle", "1", str(release))
    finally:
        stop.set()
        thread.join()
    took = time.monotonic() - started
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert f"waiting for {V2}: still being written (changed " in run.err
    final_size = release.stat().st_size
    (post,) = world.posts()
    meta = torf.Torrent.read_stream(io.BytesIO(base64.b64decode(post.json["torrent"])))
    assert meta.size == final_size
    stored = world.site.torrents[record["torrent_id"]]
    assert sum(int(f["length"]) for f in stored.files) == final_size
    assert took >= writes[-1] - started + 1.0  # hashed only once the writer had stopped


def test_no_wait_refuses_a_file_still_being_written(world: World) -> None:
    release = world.release(V2)
    with release.open("ab") as fh:
        fh.write(b"\0")  # changed just now
    for command in ("upload", "check"):
        run = world.cli(command, "--json", "--no-wait", str(release))
        assert run.code == 1, run.err
        (record,) = run.records()
        assert record["status"] == "failed"
        assert record["error"].startswith(f"{V2}: still being written (changed ")
        assert record["error"].endswith(
            "ago) — run again once it is complete (or without --no-wait to wait)")
    assert set(site_paths(world)) == {("GET", "/users/@me")}
    assert world.posts() == []


def test_a_finished_file_is_not_waited_for(world: World) -> None:
    release = world.release(V2)  # last written a minute ago
    started = time.monotonic()
    run = world.cli("check", "--json", str(release))
    assert run.code == 0, run.err
    assert "waiting for" not in run.err
    assert time.monotonic() - started < 15


def test_giving_up_after_max_wait_is_a_clear_failure(world: World) -> None:
    release = world.release(V2)
    stop = threading.Event()

    def writer() -> None:
        with release.open("ab") as fh:
            while not stop.wait(0.1):
                fh.write(b"\0")
                fh.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        run = world.cli("check", "--json", "--settle", "1", "--max-wait", "1.5",
                        str(release))
    finally:
        stop.set()
        thread.join()
    assert run.code == 1, run.err
    (record,) = run.records()
    assert record["status"] == "failed"
    assert "still being written" in record["error"]
    assert "--max-wait" in record["error"]
