"""`hash_pieces`: work done on the waiting thread while the workers hash (`meanwhile`), chunks."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from torrent_helpers import OLD, data, write_tree

from uploader.exceptions import CancelledError
from uploader.torrent import release_files
from uploader.torrent.hasher import CHUNK, hash_pieces

KiB, GiB = 1024, 1024**3


def hasher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("piece-hasher")]


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    os.utime(path, (OLD, OLD))
    return path


def test_meanwhile_runs_while_workers_hash(tmp_path: Path) -> None:
    files = release_files(sparse(tmp_path / "huge.mkv", 16 * GiB)).files  # seconds of work
    cancel = threading.Event()
    alive: list[int] = []

    def meanwhile() -> None:
        alive.append(len(hasher_threads()))
        cancel.set()  # ends the run quickly

    with pytest.raises(CancelledError):
        hash_pieces(files, 4 * 1024 * KiB, threads=2, cancel=cancel, meanwhile=meanwhile)
    assert alive == [2]
    assert hasher_threads() == []


def test_meanwhile_failure_stops_workers_and_propagates(tmp_path: Path) -> None:
    files = release_files(sparse(tmp_path / "huge.mkv", 16 * GiB)).files

    def meanwhile() -> None:
        raise ImportError("no torf")

    with pytest.raises(ImportError, match="no torf"):
        hash_pieces(files, 4 * 1024 * KiB, meanwhile=meanwhile)
    assert hasher_threads() == []


def test_digests_do_not_depend_on_meanwhile(tmp_path: Path) -> None:
    content = data(300 * KiB + 7, 3)
    root = write_tree(
        tmp_path / "Rel", {"a.bin": content[: 100 * KiB], "b.bin": content[100 * KiB :]}
    )
    files = release_files(root).files
    calls: list[str] = []
    digests = hash_pieces(files, 64 * KiB, meanwhile=lambda: calls.append("ran"))
    expected = b"".join(
        hashlib.sha1(content[i : i + 64 * KiB]).digest()  # noqa: S324 - BitTorrent v1 pieces
        for i in range(0, len(content), 64 * KiB)
    )
    assert calls == ["ran"]
    assert digests == expected
    assert hash_pieces(files, 64 * KiB) == expected


def test_files_straddling_read_chunks_hash_right(tmp_path: Path) -> None:
    # Whatever CHUNK is, pieces must cross chunk and file boundaries correctly.
    sizes = [CHUNK - 1, CHUNK + 1, 1, 2 * CHUNK + 17, 0, 3 * CHUNK - 5]
    contents = [data(n, i) for i, n in enumerate(sizes)]
    root = write_tree(tmp_path / "Rel", {f"f{i}": c for i, c in enumerate(contents)})
    whole = b"".join(contents)
    piece = 2 * CHUNK
    expected = b"".join(
        hashlib.sha1(whole[i : i + piece]).digest()  # noqa: S324 - BitTorrent v1 pieces
        for i in range(0, len(whole), piece)
    )
    assert hash_pieces(release_files(root).files, piece, threads=2) == expected
