"""What in a watched folder is a release, and a cheap picture of its state on disk.

A release is an entry directly in a watched folder: a file, or a folder (a batch). Never a
release: dotfiles and dot-folders, unfinished downloads (`*.part`, `*.!qB`, `*.tmp`,
`*.crdownload`), OS litter (`Thumbs.db`, `desktop.ini`) — the torrent builder's own rule, so
the watcher and the torrent agree — and names matching any profile's `torrent.exclude` globs.

A `Snapshot` is what "nothing changed" is measured against: size, mtime and inode of every
entry (for a folder, of everything inside it, ignored names included: a `.part` growing inside
a batch is activity too). It is a stat walk; no file is opened.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from uploader.torrent.files import EXCLUDED_SUFFIXES, is_always_excluded


def is_ignored(name: str, excludes: Sequence[str] = ()) -> bool:
    """True when an entry called `name` is never a release (nor a shared file)."""
    if is_always_excluded(name):
        return True
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, glob.casefold()) for glob in excludes)


def is_unfinished(name: str) -> bool:
    """A download or copy still in progress, by its temporary name."""
    return name.casefold().endswith(EXCLUDED_SUFFIXES)


def release_of(path: Path, roots: Iterable[Path]) -> Path | None:
    """The release `path` belongs to: the entry of a watched root that contains it (or is it)."""
    for root in roots:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        if rel.parts:
            return root / rel.parts[0]
    return None


def scan(root: Path, excludes: Sequence[str] = ()) -> list[Path]:
    """The releases directly in `root`, by name; vanished or odd entries are skipped."""
    found = []
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if is_ignored(entry.name, excludes):
                    continue
                try:
                    if entry.is_file() or entry.is_dir():
                        found.append(Path(entry.path))
                except OSError:
                    continue  # gone or unreadable between listing and stat
    except OSError:
        return []
    return sorted(found)


#: (path inside the release, size, mtime_ns, inode) per entry; directories have size -1.
Entry = tuple[str, int, int, int]


@dataclass(frozen=True)
class Snapshot:
    """The state of one release on disk, compared for equality between polls."""

    entries: tuple[Entry, ...]
    #: Paths inside a folder release still carrying a temporary download name.
    unfinished: tuple[str, ...] = ()
    #: Bytes in files the torrent would share (not dotfiles, not temporary names).
    shareable_bytes: int = 0

    def fingerprint(self) -> str:
        """`uploader.prepare.fingerprint` of the release as this snapshot saw it (the same
        string: size, mtime and inode of each file, in the same walk order)."""
        import hashlib

        if len(self.entries) == 1 and self.entries[0][0] == "" and self.entries[0][1] >= 0:
            _, size, mtime, inode = self.entries[0]  # a single-file release
            return f"{size}:{mtime}:{inode}"
        parts = [f"{rel}:{size}:{mtime}:{inode}" for rel, size, mtime, inode in self.entries
                 if size >= 0]  # files: folders are -1, vanished entries -2
        return hashlib.sha1(os.fsencode("\n".join(parts)), usedforsecurity=False).hexdigest()

    @property
    def waiting_for(self) -> str | None:
        """Why a release that stopped changing is still not complete, or None."""
        if self.unfinished:
            return f"{self.unfinished[0]} is still downloading (temporary name)"
        if self.shareable_bytes == 0:
            return "nothing to share in it yet"
        return None


def snapshot(path: Path) -> Snapshot | None:
    """The release's current state, or None when it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_dir():
        return Snapshot((("", st.st_size, st.st_mtime_ns, st.st_ino),),
                        shareable_bytes=st.st_size)
    entries: list[Entry] = [("", -1, st.st_mtime_ns, st.st_ino)]
    unfinished: list[str] = []
    shareable = 0
    # Symlinked folders are not followed: the torrent builder judges those when it builds.
    # Strings only (no pathlib per entry): for 4,000 files pathlib cost as much as the stats.
    for top, dirs, files in os.walk(path):
        dirs.sort()
        rel_top = os.path.relpath(top, path)
        # A folder's own name decides for everything in it (an excluded folder hides all).
        top_excluded = rel_top != "." and any(
            is_always_excluded(part) for part in rel_top.split(os.sep))
        for name, is_dir in [(d, True) for d in dirs] + [(f, False) for f in sorted(files)]:
            rel = name if rel_top == "." else os.path.join(rel_top, name)
            try:
                est = os.stat(os.path.join(top, name))
            except OSError:
                entries.append((rel, -2, 0, 0))  # vanished or broken link: still a change
                continue
            entries.append((rel, -1 if is_dir else est.st_size, est.st_mtime_ns, est.st_ino))
            if is_dir:
                continue
            if is_unfinished(name):
                unfinished.append(rel)
            elif not (top_excluded or is_always_excluded(name)):
                shareable += est.st_size
    return Snapshot(tuple(entries), tuple(unfinished), shareable)
