"""--torrent FILE: the group's own .torrent (made here by mktorrent, as for Nyaa) is uploaded
unchanged in its infohash after every piece is verified; bad data or a passkey: refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import torf
from e2e_world import World

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
PUBLIC = ["https://tracker.nekobt.to/api/tracker/public/announce",
          "udp://tracker.opentrackr.org:1337/announce"]

pytestmark = pytest.mark.needs_mktorrent


def mktorrent(release: Path, out: Path, *announce: str) -> str:
    if shutil.which("mktorrent") is None:
        pytest.skip("mktorrent not installed (.ci/run installs it)")
    args = ["mktorrent", "-l", "18", "-o", str(out)]
    for url in announce:
        args += ["-a", url]
    subprocess.run([*args, str(release)], check=True, capture_output=True)
    return str(torf.Torrent.read(out).infohash)


def finished(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


def test_the_same_infohash_is_uploaded(world: World) -> None:
    release = world.release(V2)
    infohash = mktorrent(release, world.tmp / "nyaa.torrent", *PUBLIC)
    run = world.cli("upload", "--json", "--torrent", str(world.tmp / "nyaa.torrent"),
                    str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["infohash"] == infohash
    assert world.site.torrents[record["torrent_id"]].infohash == infohash


def test_one_flipped_byte_is_refused_and_nothing_is_sent(world: World) -> None:
    release = world.release(V2)
    mktorrent(release, world.tmp / "nyaa.torrent", *PUBLIC)
    with release.open("r+b") as f:
        f.seek(100_000)
        byte = f.read(1)
        f.seek(100_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    finished(release)
    run = world.cli("upload", "--json", "--torrent", str(world.tmp / "nyaa.torrent"),
                    str(release))
    assert run.code == 1
    (record,) = run.records()
    assert record["status"] == "failed"
    assert "does not match the content" in record["error"]
    assert world.posts() == []


def test_a_passkey_announce_is_refused_before_any_hashing(world: World) -> None:
    release = world.release(V2)
    key = "0123456789abcdef0123456789abcdef"
    mktorrent(release, world.tmp / "private.torrent",
              f"https://tracker.example.org/announce?passkey={key}", PUBLIC[1])
    run = world.cli("upload", "--json", "--torrent", str(world.tmp / "private.torrent"),
                    str(release))
    assert run.code == 2
    assert "private announce URL" in run.out + run.err
    assert key not in run.out + run.err
    assert world.posts() == []


def test_more_than_one_path_with_torrent_is_a_usage_error(world: World) -> None:
    release = world.release(V2)
    mktorrent(release, world.tmp / "nyaa.torrent", *PUBLIC)
    run = world.cli("check", "--torrent", str(world.tmp / "nyaa.torrent"), str(release),
                    str(release))
    assert run.code == 2
    assert "give exactly one PATH (got 2)" in run.err


def test_a_profile_may_reuse_the_torrent_beside_the_release(world: World) -> None:
    release = world.release(V2)
    infohash = mktorrent(release, release.with_name(release.name + ".torrent"), *PUBLIC)
    world.edit_profile("examplesubs", lambda d: d["torrent"].update(reuse=True))
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    assert run.records()[0]["infohash"] == infohash
