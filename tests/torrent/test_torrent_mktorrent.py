"""Infohash equality with Debian's real mktorrent, and every piece checked independently."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torrent_helpers import (
    TRACKERS,
    bdecode,
    data,
    infohash_of,
    mktorrent_raw,
    verify_pieces,
    write_tree,
)

from uploader import __version__
from uploader.exceptions import TorrentError
from uploader.torrent import build_torrent
from uploader.torrent.files import is_always_excluded

pytestmark = [
    pytest.mark.needs_mktorrent,
    pytest.mark.skipif(shutil.which("mktorrent") is None, reason="mktorrent is not installed"),
]

KiB = 1024

TREES: dict[str, dict[str, bytes]] = {
    "folder": {"01.mkv": data(300 * KiB, 1), "02.mkv": data(200 * KiB, 2), "a.ass": b"x" * 99},
    "nested": {
        "Show S01/Extras/NCOP.mkv": data(70 * KiB, 3),
        "Show S01/Show - 01.mkv": data(130 * KiB, 4),
        "Show S01/Show - 02.mkv": data(90 * KiB, 5),
        "Fonts/arial.ttf": data(10 * KiB, 6),
        "deep/a/b/c/d.txt": b"deep",
    },
    # Names where byte order, casefolded order and path-part order all disagree.
    "ordering": {
        "B.txt": b"B",
        "a b/x": data(40 * KiB, 7),
        "a-b": b"dash",
        "a.txt": data(33 * KiB, 8),
        "a/x": data(50 * KiB, 9),
        "Z/z": b"z",
        "_under": b"_",
    },
    "unicode": {
        "[ExampleSubs] ショー - 01 [1080p][ABCD1234].mkv": data(120 * KiB, 10),
        "[ExampleSubs] Ärger – 02 (BD 1080p).mkv": data(80 * KiB, 11),
        "字幕/日本語.ass": b"\xef\xbb\xbfDialogue",
        "Émile/naïve café.txt": b"cafe",
    },
    "zero-length": {
        "empty-first": b"",
        "middle/empty": b"",
        "payload.bin": data(65 * KiB, 12),
        "z-empty-last": b"",
    },
}


@pytest.mark.parametrize("tree", sorted(TREES))
@pytest.mark.parametrize("piece_size", [32 * KiB, 256 * KiB])
def test_folder_infohash_equals_mktorrent(tmp_path: Path, tree: str, piece_size: int) -> None:
    root = write_tree(tmp_path / f"[Group] Release {tree}", TREES[tree])
    built = build_torrent(root, trackers=TRACKERS, piece_size=piece_size)
    theirs = mktorrent_raw(root, tmp_path, piece_size=piece_size, tiers=TRACKERS)

    assert built.infohash == infohash_of(theirs)
    assert bdecode(built.raw)[b"info"] == bdecode(theirs)[b"info"]
    assert verify_pieces(built.raw, root) == -(-sum(map(len, TREES[tree].values())) // piece_size)
    assert len(built.files) == len(TREES[tree])


@pytest.mark.parametrize(
    "name",
    ["episode.mkv", "[ExampleSubs] Show - 01 (1080p) [F00DBABE].mkv", "ショー 01.mkv", "empty.ass"],
)
def test_single_file_infohash_equals_mktorrent(tmp_path: Path, name: str) -> None:
    size = 0 if name == "empty.ass" else 777 * KiB + 5
    (tmp_path / "in").mkdir()
    target = write_tree(tmp_path / "in", {name: data(size, 20)}) / name
    if size == 0:
        # A lone empty file has no pieces: both tools must refuse rather than emit junk.
        with pytest.raises(TorrentError, match="only empty files"):
            build_torrent(target, trackers=TRACKERS)
        return
    built = build_torrent(target, trackers=TRACKERS, piece_size=64 * KiB)
    theirs = mktorrent_raw(target, tmp_path, piece_size=64 * KiB, tiers=TRACKERS)

    assert built.infohash == infohash_of(theirs)
    assert built.files == [name]
    assert verify_pieces(built.raw, target) == 13


@pytest.mark.parametrize(("private", "source"), [(True, None), (False, "nekoBT"), (True, "NBT")])
def test_private_and_source_match_mktorrent(
    tmp_path: Path, private: bool, source: str | None
) -> None:
    root = write_tree(tmp_path / "rel", TREES["folder"])
    built = build_torrent(
        root, trackers=TRACKERS, private=private, source=source, piece_size=32 * KiB
    )
    theirs = mktorrent_raw(
        root, tmp_path, piece_size=32 * KiB, tiers=TRACKERS, private=private, source=source
    )
    assert built.infohash == infohash_of(theirs)
    info = bdecode(built.raw)[b"info"]
    assert info.get(b"private") == (1 if private else None)
    assert info.get(b"source") == (source.encode() if source else None)


def test_excluded_junk_gives_the_clean_release_infohash(tmp_path: Path) -> None:
    clean = TREES["nested"]
    junk = {
        ".DS_Store": b"mac",
        ".git/config": b"[core]",
        "Show S01/.hidden.mkv": b"dot",
        "Show S01/Thumbs.db": b"win",
        "Fonts/desktop.ini": b"ini",
        "Show S01/Show - 03.mkv.part": b"partial",
        "Show S01/Show - 04.mkv.!qB": b"qbit",
        "x.tmp": b"tmp",
        "y.crdownload": b"chrome",
        "notes.NFO": b"nfo",
    }
    dirty = write_tree(tmp_path / "dirty" / "Rel", {**clean, **junk})
    pristine = write_tree(tmp_path / "clean" / "Rel", clean)

    built = build_torrent(dirty, trackers=TRACKERS, piece_size=32 * KiB, exclude=["*.nfo"])
    theirs = mktorrent_raw(pristine, tmp_path, piece_size=32 * KiB, tiers=TRACKERS)
    assert built.infohash == infohash_of(theirs)
    verify_pieces(built.raw, dirty)


def test_metainfo_outside_info(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "rel", TREES["folder"])
    built = build_torrent(root, trackers=TRACKERS, piece_size=32 * KiB)
    top = bdecode(built.raw)
    assert top[b"created by"] == f"nekobt-upload/{__version__}".encode()
    assert top[b"announce"] == TRACKERS[0][0].encode()
    assert top[b"announce-list"] == [[u.encode() for u in tier] for tier in TRACKERS]
    assert isinstance(top[b"creation date"], int)
    assert built.announce_tiers == TRACKERS
    assert built.files == ["rel/01.mkv", "rel/02.mkv", "rel/a.ass"]
    assert built.torrent.infohash == built.infohash  # torf agrees as a second opinion


NAME = st.text(alphabet="aAbB zZ-_.[]()é日", min_size=1, max_size=6).filter(
    lambda n: not is_always_excluded(n) and n.strip() == n and n not in (".", "..")
)
TREE = st.dictionaries(
    st.lists(NAME, min_size=1, max_size=3).map("/".join),
    st.integers(min_value=0, max_value=40 * KiB),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30, deadline=None)
@given(tree=TREE, exponent=st.integers(min_value=15, max_value=17))
def test_random_trees_match_mktorrent(tree: dict[str, int], exponent: int) -> None:
    # A path may not be both a file and a folder: drop files that are another's parent.
    files = {p: n for p, n in tree.items() if not any(q.startswith(p + "/") for q in tree)}
    assume(sum(files.values()) > 0)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(
            Path(tmp) / "Rel", {p: data(n, i) for i, (p, n) in enumerate(files.items())}
        )
        built = build_torrent(root, trackers=TRACKERS, piece_size=1 << exponent)
        theirs = mktorrent_raw(root, Path(tmp), piece_size=1 << exponent, tiers=TRACKERS)
        assert built.infohash == infohash_of(theirs)
        verify_pieces(built.raw, root)
