"""Never hashing twice: cache hits, and a miss for every kind of change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from torrent_helpers import OLD, TRACKERS, data, verify_pieces, write_tree

from uploader.torrent import Progress, build_torrent, release_files
from uploader.torrent.cache import RACY_SECONDS, SUFFIX, is_racy

KiB = 1024
TREE = {
    "[G] Show - 01.mkv": data(100 * KiB, 1),
    "[G] Show - 02.mkv": data(70 * KiB + 3, 2),
    "Fonts/font.ttf": data(9 * KiB, 3),
}
CASES = [
    "hit",
    "touch",
    "modify",
    "rename",
    "replace",
    "piece-size",
    "damaged",
    "unrelated",
    "unwritable",
]


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One release per test, made once, then aged past the cache's racy window (one sleep)."""
    base = tmp_path_factory.mktemp("cache-releases")
    made = {case: write_tree(base / case / "[G] Show", TREE) for case in CASES}
    time.sleep(RACY_SECONDS + 0.2)
    return made


def build(root: Path, cache: Path, **kw: object) -> tuple[object, int, str]:
    built = build_torrent(root, trackers=TRACKERS, piece_size=16 * KiB, cache_dir=cache, **kw)  # type: ignore[arg-type]
    verify_pieces(built.raw, root)
    return built, built.hashed_bytes, built.infohash


def test_second_build_is_a_cache_hit(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["hit"]
    total = sum(map(len, TREE.values()))
    _, hashed1, infohash1 = build(root, tmp_path)
    seen: list[Progress] = []
    _, hashed2, infohash2 = build(root, tmp_path, progress=seen.append)
    assert (hashed1, hashed2) == (total, 0)
    assert infohash1 == infohash2
    assert seen == [Progress(total, total, 0.0, 0.0)]
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1
    assert not list(tmp_path.glob(".tmp-*"))


def test_touch_invalidates(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["touch"]
    _, _, before = build(root, tmp_path)
    os.utime(root / "[G] Show - 02.mkv")  # `touch`: same content, new mtime
    _, hashed, after = build(root, tmp_path)
    assert hashed == sum(map(len, TREE.values()))
    assert after == before


def test_modify_with_restored_mtime_invalidates(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["modify"]
    _, _, before = build(root, tmp_path)
    target = root / "[G] Show - 01.mkv"
    with open(target, "r+b") as f:  # same size, one byte differs, mtime put back
        f.seek(50 * KiB)
        f.write(b"\x00" if TREE["[G] Show - 01.mkv"][50 * KiB] else b"\x01")
    os.utime(target, (OLD, OLD))
    _, hashed, after = build(root, tmp_path)  # build() verifies the pieces of the new content
    assert hashed > 0
    assert after != before


def test_rename_invalidates(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["rename"]
    _, _, before = build(root, tmp_path)
    (root / "Fonts" / "font.ttf").rename(root / "Fonts" / "font2.ttf")
    second, hashed, after = build(root, tmp_path)
    assert hashed > 0
    assert after != before
    assert "[G] Show/Fonts/font2.ttf" in second.files  # type: ignore[attr-defined]


def test_replace_with_new_inode_invalidates(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["replace"]
    target = root / "[G] Show - 02.mkv"
    _, _, before = build(root, tmp_path)
    inode = target.stat().st_ino
    staged = root / "staged.bin"
    staged.write_bytes(TREE["[G] Show - 02.mkv"])  # identical content, size and mtime
    os.utime(staged, (OLD, OLD))
    os.replace(staged, target)
    assert target.stat().st_ino != inode
    _, hashed, after = build(root, tmp_path)
    assert hashed > 0
    assert after == before


def test_other_piece_size_is_a_miss(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["piece-size"]
    build(root, tmp_path)
    built = build_torrent(root, trackers=TRACKERS, piece_size=32 * KiB, cache_dir=tmp_path)
    assert built.hashed_bytes > 0
    verify_pieces(built.raw, root)


def test_damaged_entry_is_a_miss_and_is_rewritten(
    releases: dict[str, Path], tmp_path: Path
) -> None:
    root = releases["damaged"]
    build(root, tmp_path)
    (entry,) = tmp_path.glob(f"*{SUFFIX}")
    entry.write_bytes(entry.read_bytes()[:-7])
    _, hashed, _ = build(root, tmp_path)
    assert hashed > 0
    _, hashed, _ = build(root, tmp_path)
    assert hashed == 0


def test_changes_elsewhere_keep_the_hit(releases: dict[str, Path], tmp_path: Path) -> None:
    root = releases["unrelated"]
    build(root, tmp_path)
    (root.parent / "neighbour.mkv").write_bytes(b"not in the release")
    (root / ".partial-download.part").write_bytes(b"excluded")
    _, hashed, _ = build(root, tmp_path)
    assert hashed == 0


def test_racy_timestamps_are_not_cached(tmp_path: Path) -> None:
    # A timestamp newer than the listing minus RACY_SECONDS (here: in the future, as clock
    # skew on a network share gives) cannot prove that a later write would change it.
    root = write_tree(tmp_path / "fresh", TREE, mtime=int(time.time()) + 3600)
    cache = tmp_path / "cache"
    _, hashed1, _ = build(root, cache)
    _, hashed2, _ = build(root, cache)
    assert hashed1 == hashed2 == sum(map(len, TREE.values()))
    assert not list(cache.glob(f"*{SUFFIX}"))


def test_is_racy_window(tmp_path: Path) -> None:
    release = release_files(write_tree(tmp_path / "r", {"a": b"x"}, mtime=OLD))
    newest = max(release.files[0].identity.mtime_ns, release.files[0].identity.ctime_ns) / 1e9
    assert is_racy(release, now=newest + RACY_SECONDS / 2)
    assert not is_racy(release, now=newest + RACY_SECONDS * 2)


def test_unusable_cache_dir_only_logs(
    releases: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = releases["unwritable"]
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"a file where the cache folder should be")
    built = build_torrent(root, trackers=TRACKERS, cache_dir=blocker / "cache")
    verify_pieces(built.raw, root)
    assert built.hashed_bytes == sum(map(len, TREE.values()))
    messages = [r.getMessage() for r in caplog.records]
    assert any("cannot read it" in m for m in messages)
    assert any("cannot write it" in m for m in messages)
