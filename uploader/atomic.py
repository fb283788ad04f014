"""Atomic file writes: readers (a torrent client's watch folder, a restarted process) see the
old file or the new one, whole, never half of it. And `keep_newest`, the caches' bound."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(dest: Path, data: bytes) -> Path:
    """Write `data` to `dest` through a temporary file in the same folder, then rename.

    The file is created mode 0600 (mkstemp's mode): several of them hold a passkey or keys.
    The temporary name is a dotfile ending in `.tmp`, which watch folders (ours, torrent
    clients') ignore. Raises OSError; the temporary file never stays behind.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".nekobt-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return dest


def keep_newest(directory: Path, suffix: str, limit: int) -> None:
    """Delete all but the `limit` newest (by mtime) files named `*suffix` in `directory`: the
    bound of a cache of small entries. Raises OSError when the folder cannot be listed."""
    with os.scandir(directory) as it:
        entries = [e for e in it if e.name.endswith(suffix) and e.is_file()]
    if len(entries) <= limit:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[: len(entries) - limit]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
