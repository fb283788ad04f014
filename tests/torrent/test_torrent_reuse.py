"""Reusing an existing .torrent (here: one made by the real mktorrent) after verifying it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from torrent_helpers import (
    OLD,
    TRACKERS,
    bdecode,
    data,
    info_span,
    mktorrent_raw,
    verify_pieces,
    write_tree,
)

from uploader.exceptions import PrivateAnnounceError, TorrentError
from uploader.torrent import build_torrent, reuse_torrent
from uploader.torrent.cache import RACY_SECONDS

pytestmark = [
    pytest.mark.needs_mktorrent,
    pytest.mark.skipif(shutil.which("mktorrent") is None, reason="mktorrent is not installed"),
]

KiB = 1024
TREE = {"[G] Show - 01.mkv": data(90 * KiB, 1), "Extras/NCOP.mkv": data(40 * KiB + 1, 2)}
MK_TIERS = [["http://old.example.org/announce"]]


def made_by_mktorrent(tmp_path: Path, files: dict[str, bytes] = TREE) -> tuple[Path, Path]:
    root = write_tree(tmp_path / "[G] Show", files)
    raw = mktorrent_raw(root, tmp_path, piece_size=32 * KiB, tiers=MK_TIERS, source="XYZ")
    torrent = tmp_path / "mine.torrent"
    torrent.write_bytes(raw)
    return root, torrent


def test_reuse_keeps_the_infohash_and_swaps_trackers(tmp_path: Path) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    original = torrent.read_bytes()
    built = reuse_torrent(torrent, root, trackers=TRACKERS)
    assert info_span(built.raw) == info_span(original)  # the info dict, byte for byte
    top = bdecode(built.raw)
    assert top[b"announce-list"] == [[u.encode() for u in tier] for tier in TRACKERS]
    assert top[b"created by"] == bdecode(original)[b"created by"]  # mktorrent made it
    assert built.hashed_bytes == sum(map(len, TREE.values()))
    assert built.files == ["[G] Show/Extras/NCOP.mkv", "[G] Show/[G] Show - 01.mkv"]
    verify_pieces(built.raw, root)


def test_reuse_hits_the_cache_the_second_time(tmp_path: Path) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    time.sleep(RACY_SECONDS + 0.2)
    first = reuse_torrent(torrent, root, trackers=TRACKERS, cache_dir=tmp_path / "c")
    second = reuse_torrent(torrent, root, trackers=TRACKERS, cache_dir=tmp_path / "c")
    assert (first.hashed_bytes > 0, second.hashed_bytes) == (True, 0)
    assert first.infohash == second.infohash


def test_changed_content_is_refused(tmp_path: Path) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    target = root / "[G] Show - 01.mkv"
    with open(target, "r+b") as f:
        f.seek(70 * KiB)
        f.write(b"\x00\x01\x02")
    os.utime(target, (OLD, OLD))
    # Byte 40 KiB + 1 + 70 KiB of the stream (Extras/ sorts first) is in piece 3 of 32 KiB.
    with pytest.raises(TorrentError, match=r"piece 3 does not match the content"):
        reuse_torrent(torrent, root, trackers=TRACKERS)


@pytest.mark.parametrize("change", ["missing", "size"])
def test_layout_mismatch_is_refused(tmp_path: Path, change: str) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    target = root / "Extras" / "NCOP.mkv"
    if change == "missing":
        target.unlink()
    else:
        target.write_bytes(b"short")
    with pytest.raises(TorrentError, match="does not match this release") as err:
        reuse_torrent(torrent, root, trackers=TRACKERS)
    assert err.value.path == target


def test_other_release_name_is_refused(tmp_path: Path) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    renamed = root.rename(root.with_name("[G] Other"))
    with pytest.raises(TorrentError, match="made for '\\[G\\] Show'"):
        reuse_torrent(torrent, renamed, trackers=TRACKERS)


def test_private_trackers_refused_before_reading(tmp_path: Path) -> None:
    private = "https://tracker.nekobt.to/api/tracker/0123456789abcdef0123456789abcdef/announce"
    with pytest.raises(PrivateAnnounceError):
        reuse_torrent(tmp_path / "missing.torrent", tmp_path, trackers=[[private]])


def test_not_a_torrent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.torrent").write_bytes(b"not bencode")
    with pytest.raises(TorrentError, match="not a valid"):
        reuse_torrent(tmp_path / "bad.torrent", tmp_path, trackers=TRACKERS)
    with pytest.raises(TorrentError, match="cannot read it"):
        reuse_torrent(tmp_path / "missing.torrent", tmp_path, trackers=TRACKERS)


def test_single_file_and_our_own_torrent(tmp_path: Path) -> None:
    target = write_tree(tmp_path, {"ep.mkv": data(100 * KiB, 3)}) / "ep.mkv"
    ours = build_torrent(target, trackers=MK_TIERS, piece_size=16 * KiB)
    ours.write(tmp_path / "ep.torrent")
    again = reuse_torrent(tmp_path / "ep.torrent", target, trackers=TRACKERS)
    assert again.infohash == ours.infohash
    assert again.files == ["ep.mkv"]
    verify_pieces(again.raw, target)


def test_symlink_leaving_the_release_is_refused(tmp_path: Path) -> None:
    root, torrent = made_by_mktorrent(tmp_path)
    outside = write_tree(tmp_path / "elsewhere", {"NCOP.mkv": TREE["Extras/NCOP.mkv"]})
    (root / "Extras" / "NCOP.mkv").unlink()
    (root / "Extras" / "NCOP.mkv").symlink_to(outside / "NCOP.mkv")
    with pytest.raises(TorrentError, match="symlink points outside the release"):
        reuse_torrent(torrent, root, trackers=TRACKERS)
