"""Piece size: the documented auto table, and fixed sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from torrent_helpers import TRACKERS, data, verify_pieces, write_tree

from uploader.exceptions import TorrentError
from uploader.torrent import auto_piece_size, build_torrent, check_piece_size

KiB, MiB, GiB = 1024, 1024**2, 1024**3


@pytest.mark.parametrize(
    ("size", "piece"),
    [
        (1, 256 * KiB),
        (500 * MiB, 256 * KiB),
        (500 * MiB + 1, 512 * KiB),
        (1000 * MiB, 512 * KiB),
        (1000 * MiB + 1, 1 * MiB),
        (2000 * MiB, 1 * MiB),
        (4 * GiB, 4 * MiB),  # 4096 MiB / 2 MiB = 2048 pieces > 2000
        (4000 * MiB, 2 * MiB),
        (8000 * MiB, 4 * MiB),
        (16000 * MiB, 8 * MiB),
        (16000 * MiB + 1, 16 * MiB),
        (60 * 10**9, 16 * MiB),
        (10**13, 16 * MiB),
    ],
)
def test_auto_table(size: int, piece: int) -> None:
    assert auto_piece_size(size) == piece


def test_auto_stays_within_1000_to_2000_pieces_between_the_bounds() -> None:
    for size in range(600 * MiB, 15 * GiB, 97 * MiB):
        pieces = -(-size // auto_piece_size(size))
        assert 1000 <= pieces <= 2000, size


@pytest.mark.parametrize("size", [16 * KiB, 32 * KiB, 4 * MiB, 64 * MiB])
def test_fixed_sizes_accepted(size: int) -> None:
    assert check_piece_size(size) == size


@pytest.mark.parametrize("size", [0, 8 * KiB, 3 * MiB, 128 * MiB, 16 * KiB + 1, -16 * KiB])
def test_fixed_sizes_refused(size: int) -> None:
    with pytest.raises(TorrentError, match="power of two from 16 KiB to 64 MiB"):
        check_piece_size(size)


@pytest.mark.parametrize("size", ["4 MiB", 4.0, True, None])
def test_non_integer_refused(size: object) -> None:
    with pytest.raises(TorrentError, match=r"torrent\.piece_size"):
        check_piece_size(size)


def test_bad_fixed_size_refused_before_hashing(tmp_path: Path) -> None:
    with pytest.raises(TorrentError, match="3 MiB is not allowed"):
        build_torrent(tmp_path / "missing", trackers=TRACKERS, piece_size=3 * MiB)


@pytest.mark.parametrize("size", [16 * KiB, 64 * MiB])
def test_extreme_fixed_sizes_build(tmp_path: Path, size: int) -> None:
    root = write_tree(tmp_path / "Rel", {"a.bin": data(40 * KiB, 1), "b.bin": data(3, 2)})
    built = build_torrent(root, trackers=TRACKERS, piece_size=size)
    assert built.piece_size == size
    assert verify_pieces(built.raw, root) == (3 if size == 16 * KiB else 1)


def test_auto_used_when_none(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"a.bin": data(300 * KiB, 1)})
    built = build_torrent(root, trackers=TRACKERS)
    assert built.piece_size == 256 * KiB
    assert verify_pieces(built.raw, root) == 2
