"""A file rewritten in place with its mtime put back (`rsync --inplace -t`) fails the build."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from uploader.exceptions import TorrentError
from uploader.torrent.files import release_files
from uploader.torrent.hasher import check_unchanged


def test_same_size_and_mtime_but_rewritten_is_a_change(tmp_path: Path) -> None:
    path = tmp_path / "Show - 01.mkv"
    path.write_bytes(b"a" * 4096)
    listed = release_files(path).files
    before = path.stat()
    time.sleep(0.01)
    with path.open("r+b") as fh:  # other bytes, same size
        fh.write(b"b" * 4096)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    with pytest.raises(TorrentError, match="changed while it was being hashed"):
        check_unchanged(listed)


def test_an_untouched_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "Show - 01.mkv"
    path.write_bytes(b"a" * 4096)
    check_unchanged(release_files(path).files)
