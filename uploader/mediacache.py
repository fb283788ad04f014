"""Mediainfo cache: the second `check` of an unchanged file (or the `upload` after it) does not
make libmediainfo parse it again (~0.2 s for an episode, the largest cost left once the piece
hashes come from their own cache).

An entry is keyed as the piece cache keys a file: its path, size, mtime_ns, ctime_ns, inode
and device, plus the pymediainfo version (the libmediainfo its wheel bundles decides the
text). Any write, touch or replacement changes the key; nothing is ever invalidated. A file
that changed less than `RACY_SECONDS` before it was read is not stored (its timestamps may not
show the next write yet). An entry holds libmediainfo's two outputs, the text and the XML the
tracks are read from, written atomically; a damaged entry reads as a miss, and the cache only
ever logs: it is an optimisation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from uploader.atomic import keep_newest, write_atomic

log = logging.getLogger(__name__)

MAGIC = b"nekobt-upload mediainfo cache v1\n"
SUFFIX = ".mediainfo"
RACY_SECONDS = 0.1
MAX_ENTRIES = 500  # an entry is the text and XML of one file: ~10-100 KB


def _identity(path: Path, st: os.stat_result, version: str) -> str:
    row = [os.fspath(path.absolute()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
           st.st_dev, version]
    return hashlib.sha256(MAGIC + json.dumps(row).encode()).hexdigest()


class MediaCache:
    """A folder of cached libmediainfo outputs, one file per media file identity."""

    def __init__(self, directory: Path, version: str) -> None:
        self.directory = Path(directory)
        self.version = version

    def get(self, path: Path) -> tuple[str, str] | None:
        """(text, XML) stored for `path` as it is now, or None."""
        try:
            key = _identity(path, os.stat(path), self.version)
            data = (self.directory / f"{key}{SUFFIX}").read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.debug("mediainfo cache: cannot read the entry for %s (%s)", path.name, exc)
            return None
        header = MAGIC + key.encode() + b"\n"
        try:
            if not data.startswith(header):
                raise ValueError("wrong header")
            entry = json.loads(data[len(header):])
            text, xml = entry["text"], entry["xml"]
            if not (isinstance(text, str) and isinstance(xml, str)):
                raise ValueError("wrong types")
        except (ValueError, KeyError, TypeError):
            log.warning("mediainfo cache: damaged entry for %s ignored", path.name)
            return None
        return text, xml

    def put(self, path: Path, st: os.stat_result, text: str, xml: str) -> None:
        """Store what libmediainfo said of `path` as `st` describes it (the stat taken
        before it was read); a file that changed too recently is not stored."""
        if max(st.st_mtime_ns, st.st_ctime_ns) > (time.time() - RACY_SECONDS) * 1e9:
            return
        key = _identity(path, st, self.version)
        body = json.dumps({"text": text, "xml": xml}, ensure_ascii=False).encode()
        try:
            write_atomic(self.directory / f"{key}{SUFFIX}", MAGIC + key.encode() + b"\n" + body)
        except OSError as exc:
            log.warning("mediainfo cache %s: cannot write it (%s)", self.directory, exc)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the newest MAX_ENTRIES entries."""
        try:
            keep_newest(self.directory, SUFFIX, MAX_ENTRIES)
        except OSError as exc:
            log.warning("mediainfo cache %s: cannot prune it (%s)", self.directory, exc)
