"""One process at a time per release: a watch daemon and a one-shot `upload` (or two CI jobs)
sharing a state dir must not both find "not there" and both upload.

An advisory `flock` on a file named after the release path, held from `prepare` until
`publish` returns. The kernel drops it when the process dies, so a crash never leaves a
release locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path

from uploader.exceptions import UploaderError
from uploader.settings import ensure_private_dir


class ReleaseBusyError(UploaderError):
    """Another nekobt-upload process is working on this release right now."""


class ReleaseLock:
    def __init__(self, state_dir: Path, release: Path) -> None:
        # The path's bytes, as the file system has them (a name need not be UTF-8).
        digest = hashlib.sha1(os.fsencode(str(release)), usedforsecurity=False).hexdigest()
        self.path = state_dir / "locks" / f"{digest}.lock"
        self.release = release
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ReleaseBusyError at once (never waits)."""
        ensure_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReleaseBusyError(
                f"{self.release.name}: another nekobt-upload process is working on it right "
                "now — it will finish it; `status` shows the result"
            ) from None
        self._fd = fd

    def release_(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
