"""Atomic file writes: readers (a torrent client's watch folder, a restarted process) see the
old file or the new one, whole, never half of it."""

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
