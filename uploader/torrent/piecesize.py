"""Piece size: automatic, or a fixed power of two.

Automatic ("auto") picks the smallest power of two from 256 KiB to 16 MiB that keeps the torrent
at or under 2,000 pieces, so a release lands between 1,000 and 2,000 pieces until the 16 MiB
ceiling (a 60 GB batch then has ~3,600 pieces):

    release size           piece size   pieces
    up to   500 MiB        256 KiB      up to 2,000
    up to 1,000 MiB        512 KiB      1,000 - 2,000
    up to 2,000 MiB          1 MiB      1,000 - 2,000
    up to 3.9 GiB            2 MiB      1,000 - 2,000
    up to 7.8 GiB            4 MiB      1,000 - 2,000
    up to 15.6 GiB           8 MiB      1,000 - 2,000
    larger                  16 MiB      1,000 and more

A fixed size (the profile's `torrent.piece_size`) must be a power of two from 16 KiB to 64 MiB.
"""

from __future__ import annotations

from uploader.exceptions import TorrentError

KiB = 1024
MiB = 1024 * KiB

AUTO_MIN = 256 * KiB
AUTO_MAX = 16 * MiB
AUTO_TARGET_PIECES = 2000
FIXED_MIN = 16 * KiB
FIXED_MAX = 64 * MiB


def auto_piece_size(total_size: int) -> int:
    """The smallest power of two in 256 KiB..16 MiB giving at most 2,000 pieces."""
    size = AUTO_MIN
    while size < AUTO_MAX and -(-total_size // size) > AUTO_TARGET_PIECES:
        size *= 2
    return size


def format_size(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= KiB and n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} bytes"


def check_piece_size(size: object) -> int:
    """A fixed piece size, or TorrentError saying what is allowed."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise TorrentError(
            f"torrent.piece_size: {size!r} is not a number of bytes — use auto or a power of "
            "two from 16 KiB to 64 MiB (e.g. 4 MiB)"
        )
    if size < FIXED_MIN or size > FIXED_MAX or size & (size - 1):
        raise TorrentError(
            f"torrent.piece_size: {format_size(size)} is not allowed — use auto or a power of "
            "two from 16 KiB to 64 MiB (16 KiB, 32 KiB, ..., 4 MiB, 8 MiB, 16 MiB, 32 MiB, 64 MiB)"
        )
    return size


def choose_piece_size(total_size: int, fixed: int | None) -> int:
    return auto_piece_size(total_size) if fixed is None else check_piece_size(fixed)
