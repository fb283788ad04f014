"""Which files a release shares, in which order, and who they are on disk.

Order: files are sorted by their release-relative path compared byte by byte (UTF-8, `/` as
separator), which is exactly what Debian's `mktorrent` does (`strcmp` on the relative path).
With the same piece size, trackers and flags our infohash therefore equals mktorrent's — the
tool the site recommends. torf sorts differently (by path parts, after casefolding, and it drops
empty files), so we list files ourselves and give torf the finished `info` dict.

Left out of every torrent (checked on every path component, case-insensitively):
dotfiles and dot-folders, `Thumbs.db`, `desktop.ini`, unfinished downloads (`*.part`, `*.!qB`,
`*.tmp`, `*.crdownload`), and the profile's `exclude` globs. A glob is matched against each
name and against the release-relative path (`extras/*`, `*.nfo`, `Samples`).

Symlinks inside the release are followed when they stay inside it; one that points outside the
release (or is broken, or loops) is refused: the torrent would share what the user did not put
in the release. Zero-length files are kept (mktorrent keeps them too).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat as stat_mod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from uploader.exceptions import TorrentError
from uploader.names import decodes, not_utf8_message, shown

#: Names never shared, compared casefolded.
EXCLUDED_NAMES = frozenset({"thumbs.db", "desktop.ini"})
#: Unfinished downloads and editor/temporary files, compared casefolded.
EXCLUDED_SUFFIXES = (".part", ".!qb", ".tmp", ".crdownload")
# A .torrent is never content: the seeding handoff writes the site's private one (with the
# passkey) into a client's watch folder, which may be a folder we watch or share.
# A release's override sidecar (`<release>.nekobt.yaml`) is instructions to this tool.
NEVER_SHARED_SUFFIXES = (".torrent", ".nekobt.yaml")


@dataclass(frozen=True)
class FileIdentity:
    """What says "this is still the same content" without reading it."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileIdentity:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)

    def same_content_as(self, other: FileIdentity) -> bool:
        """True when nothing suggests a write happened (ctime may move for chmod; ignored)."""
        return (self.size, self.mtime_ns, self.inode, self.device) == (
            other.size,
            other.mtime_ns,
            other.inode,
            other.device,
        )


@dataclass(frozen=True)
class ReleaseFile:
    """One shared file: where it is on disk and where it sits in the torrent."""

    fspath: str  # absolute path on disk, as reached through the release (links not resolved)
    parts: tuple[str, ...]  # inside the release folder; () for a single-file release
    identity: FileIdentity

    @property
    def path(self) -> Path:
        # Built on demand: pathlib objects cost more than the rest of the listing together.
        return Path(self.fspath)

    @property
    def size(self) -> int:
        return self.identity.size


@dataclass(frozen=True)
class Release:
    """A release as the torrent will describe it."""

    root: Path
    name: str
    is_dir: bool
    files: tuple[ReleaseFile, ...]

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def torrent_paths(self) -> list[str]:
        """Torrent-relative paths, with the top folder for a folder release (site `files`)."""
        if not self.is_dir:
            return [self.name]
        return ["/".join((self.name, *f.parts)) for f in self.files]


def is_always_excluded(name: str) -> bool:
    """Dotfiles, OS litter, unfinished downloads and .torrent files are never shared."""
    folded = name.casefold()
    return (name.startswith(".") or folded in EXCLUDED_NAMES
            or folded.endswith(EXCLUDED_SUFFIXES + NEVER_SHARED_SUFFIXES))


def _glob_matcher(globs: Sequence[str]) -> Callable[[str], object] | None:
    """One compiled pattern for all the (casefolded) globs: `fnmatchcase` on any of them."""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs)).match


def _matches(match: Callable[[str], object] | None, name: str, rel: tuple[str, ...]) -> bool:
    """Whether a glob matches `name` or the release-relative path `rel` (joined only when
    there are globs: the walk calls this for every entry)."""
    if match is None:
        return False
    return bool(match(name.casefold()) or match("/".join(rel).casefold()))


def _check_name(name: str, path: str | Path) -> None:
    if not decodes(name):
        raise TorrentError(not_utf8_message(path), path=shown(path))


def _release_name(path: Path) -> str:
    # The name the user sees: the last component as given, symlinks not resolved (mktorrent
    # uses the basename of its argument too).
    return os.path.basename(os.path.abspath(path))


def _stat(path: str | Path) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise TorrentError(
                f"{path}: broken symlink — fix or remove the link", path=path
            ) from None
        raise TorrentError(f"{path}: no such file or folder — check the path", path=path) from None
    except OSError as exc:
        raise TorrentError(f"{path}: cannot read it ({exc.strerror})", path=path) from None


def _readable(path: str | Path) -> None:
    if not os.access(path, os.R_OK):
        raise TorrentError(
            f"{path}: not readable — fix its permissions so the torrent can be built", path=path
        )


def release_files(path: Path, *, exclude: Sequence[str] = ()) -> Release:
    """List what a release (one file, or a folder) shares, sorted as mktorrent sorts.

    Raises TorrentError for a missing path, a symlink leaving the release, a broken or looping
    symlink, an unreadable file, a non-UTF-8 name, or a release with nothing to share.
    """
    path = Path(path)
    absolute = os.path.abspath(path)
    match = _glob_matcher(tuple(g.casefold() for g in exclude))
    name = _release_name(path)
    if not name or name in (".", ".."):
        raise TorrentError(f"{path}: cannot tell the release name — give the folder's path")
    _check_name(name, path)
    st = _stat(path)
    if stat_mod.S_ISREG(st.st_mode):
        files: list[ReleaseFile] = []
        if not (is_always_excluded(name) or _matches(match, name, (name,))):
            _readable(path)
            files.append(ReleaseFile(absolute, (), FileIdentity.of(st)))
        release = Release(path, name, False, tuple(files))
    elif stat_mod.S_ISDIR(st.st_mode):
        real_root = os.path.realpath(path)
        walker = _Walker(real_root, match)
        walker.walk(absolute, (), {real_root})
        walker.files.sort(key=lambda f: "/".join(f.parts).encode("utf-8"))
        release = Release(path, name, True, tuple(walker.files))
    else:
        raise TorrentError(f"{path}: neither a file nor a folder — give a release file or folder")
    if release.total_size == 0:
        what = "only empty files" if release.files else "no files"
        raise TorrentError(
            f"{path}: the release has {what} to share after exclusions (dotfiles, temporary "
            "names, the profile's exclude globs) — check the path and the profile",
            path=path,
        )
    return release


class _Walker:
    """Recursive scandir walk with the exclusion and symlink rules (one instance per listing)."""

    def __init__(self, real_root: str, match: Callable[[str], object] | None) -> None:
        self.real_root = real_root
        self.match = match
        self.files: list[ReleaseFile] = []

    def _inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def walk(self, directory: str, parts: tuple[str, ...], ancestors: set[str]) -> None:
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            raise TorrentError(
                f"{directory}: cannot list the folder ({exc.strerror})", path=directory
            ) from None
        for entry in entries:
            name = entry.name
            rel = (*parts, name)
            if is_always_excluded(name) or _matches(self.match, name, rel):
                continue
            entry_path = entry.path
            _check_name(name, entry_path)
            real: str | None = None
            if entry.is_symlink():
                real = os.path.realpath(entry_path)
                if not self._inside(real):
                    raise TorrentError(
                        f"{entry_path}: symlink points outside the release (to {real}) — copy "
                        "the file into the release, or remove the link",
                        path=entry_path,
                    )
            st = _stat(entry_path)
            if stat_mod.S_ISDIR(st.st_mode):
                real = real or os.path.realpath(entry_path)
                if real in ancestors:
                    raise TorrentError(
                        f"{entry_path}: symlink loop (it leads back to {real}) — remove the link",
                        path=entry_path,
                    )
                self.walk(entry_path, rel, ancestors | {real})
            elif stat_mod.S_ISREG(st.st_mode):
                _readable(entry_path)
                self.files.append(ReleaseFile(entry_path, rel, FileIdentity.of(st)))
            # Sockets, FIFOs and devices hold no shareable content (mktorrent skips them too).
