"""Piece-hash cache: `check` then `upload` of an unchanged release hashes once.

An entry is keyed by the release's content identity: piece size, release name and layout, and
for every file its path on disk, torrent path, size, mtime_ns, ctime_ns, inode and device. Any
write, touch, rename or replacement changes the key, so a changed file can never be served
stale hashes: there is nothing to invalidate, a changed release simply misses.

One more guard, as git does for its index ("racily clean" files): a write that lands in the
same timestamp tick as the previous one keeps mtime and ctime unchanged. That can only happen
if we looked at the file within one tick of its last write, so results are not stored when a
file changed less than `RACY_SECONDS` before the listing (or carries a future timestamp).
Linux filesystems tick every 1-10 ms at worst (6.13+ even give fine-grained stamps once a file
was looked at); 0.1 s is a wide margin that still lets `encode && check && upload` in CI hash
once. Not covered: FAT's 2-second mtime.

Entries are small files (`<key>.pieces`: a header line and the 20-byte digests), written to a
temporary name and renamed into place, so a crash never leaves a torn entry. A damaged entry
reads as a miss. The cache is an optimisation: failing to read or write it only logs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from pathlib import Path

from uploader.atomic import keep_newest, write_atomic
from uploader.torrent.files import Release

log = logging.getLogger(__name__)

MAGIC = b"nekobt-upload piece cache v1\n"
SUFFIX = ".pieces"
RACY_SECONDS = 0.1
MAX_ENTRIES = 2000


def cache_key(release: Release, piece_size: int) -> str:
    """Hex SHA-256 of everything that identifies the release's content."""
    h = hashlib.sha256(MAGIC)
    head = {"piece_size": piece_size, "name": release.name, "is_dir": release.is_dir}
    h.update(json.dumps(head, sort_keys=True).encode() + b"\n")
    for f in release.files:
        i = f.identity
        row = [f.fspath, list(f.parts), i.size, i.mtime_ns, i.ctime_ns]
        h.update(json.dumps([*row, i.inode, i.device]).encode() + b"\n")
    return h.hexdigest()


def is_racy(release: Release, now: float | None = None) -> bool:
    """True when a file changed so recently that its timestamps cannot be trusted yet."""
    limit = int(((time.time() if now is None else now) - RACY_SECONDS) * 1e9)
    return any(max(f.identity.mtime_ns, f.identity.ctime_ns) > limit for f in release.files)


class PieceCache:
    """Directory of cached piece digests, one file per release identity."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def get(self, key: str, pieces: int) -> bytes | None:
        """The digests stored for `key`, or None (missing, damaged or the wrong length)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("piece cache %s: cannot read it (%s) — hashing instead", path, exc)
            return None
        header = MAGIC + key.encode() + b"\n"
        body = data[len(header) :]
        if not data.startswith(header) or len(body) != pieces * 20:
            log.warning("piece cache %s: damaged entry ignored", path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return body

    def put(self, key: str, digests: bytes) -> None:
        """Store `digests` for `key` atomically; errors only log."""
        try:
            write_atomic(self._path(key), MAGIC + key.encode() + b"\n" + digests)
        except OSError as exc:
            log.warning("piece cache %s: cannot write it (%s)", self.directory, exc)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the newest MAX_ENTRIES entries; each is tiny, this only bounds the count."""
        try:
            keep_newest(self.directory, SUFFIX, MAX_ENTRIES)
        except OSError as exc:
            log.warning("piece cache %s: cannot prune it (%s)", self.directory, exc)
