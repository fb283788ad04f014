"""File names that are not valid UTF-8: shown safely, refused with a reason.

Linux hands Python such names as strings with surrogate escapes; they cannot be printed as
UTF-8, stored in the journal, or put into a torrent (which stores names as UTF-8) — and the
site wants UTF-8 titles. Everything that names a path to a person or a file goes through
`shown()`; a release whose name (or a file inside it) does not decode is refused.
"""

from __future__ import annotations

import os
from pathlib import Path


def release_path(path: str | Path) -> Path:
    """A release's absolute path with its own name kept: a release that is a symlink is named
    as the link, never after its target (what it is uploaded as, journalled and locked by)."""
    return Path(os.path.abspath(path))


def is_file_beside(path: Path) -> bool:
    """`Path.is_file` for a name made from a release's (`<release>.torrent`, `.nekobt.yaml`):
    False, not an error, when that name passes the file system's limit."""
    try:
        return path.is_file()
    except OSError:
        return False


def decodes(text: str | Path) -> bool:
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(text: str | Path) -> str:
    """The name with undecodable bytes escaped as \\xNN: safe to print, store and compare."""
    value = str(text)
    if decodes(value):
        return value
    return os.fsencode(value).decode("utf-8", "backslashreplace")


def not_utf8_message(path: str | Path) -> str:
    return (f"{shown(path)}: the name is not valid UTF-8 — torrents and nekoBT need UTF-8 "
            "names; rename it (e.g. `convmv -f latin1 -t utf8 --notest NAME`)")


# Most file systems allow 255 bytes per name; the tool's own files (a release's .torrent, the
# watch-folder handoff) must never fail because a release's name is long.
NAME_MAX = 255


def file_name(stem: str, suffix: str, limit: int = NAME_MAX) -> str:
    """`stem + suffix`, shortened with a hash of the full stem when it would pass `limit`."""
    import hashlib

    full = stem + suffix
    if len(full.encode("utf-8")) <= limit:
        return full
    tag = "~" + hashlib.sha1(stem.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    room = limit - len((tag + suffix).encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")  # never half a character
    return cut + tag + suffix
