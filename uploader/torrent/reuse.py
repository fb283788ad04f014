"""Reuse a .torrent the group already made (and may already seed), after verifying it.

`reuse_torrent` keeps the existing `info` dict untouched — so the infohash stays the one the
seeding client knows — and checks every piece against the content with our hasher (or the
piece cache, whose entries are keyed by the same content identity). Only the announce tiers
are replaced, by the profile's (checked for private URLs first, as for a new torrent): they sit
outside `info`, so the infohash does not change. Anything that does not match (a missing file,
another size, a bad piece, a symlink leaving the release) is a TorrentError; the caller can
then build a new torrent instead.
"""

from __future__ import annotations

import os
import stat as stat_mod
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uploader.exceptions import TorrentError
from uploader.torrent import metainfo
from uploader.torrent.builder import CREATED_BY, BuiltTorrent, PlannedTorrent, assemble
from uploader.torrent.files import FileIdentity, Release, ReleaseFile
from uploader.torrent.progress import Cancel, ProgressCallback
from uploader.torrent.trackers import check_trackers, refuse_private


def _layout(info: dict[str, Any], source: Path) -> list[tuple[tuple[str, ...], int]]:
    def text(value: object) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    if "files" not in info:
        return [((), int(info["length"]))]
    layout = []
    for entry in info["files"]:
        parts = tuple(text(p) for p in entry["path"])
        if not parts or any(p in ("", ".", "..") or "/" in p for p in parts):
            raise TorrentError(f"{source}: unsafe file path {parts!r} in the torrent", path=source)
        layout.append((parts, int(entry["length"])))
    return layout


def _release_for(path: Path, name: str, layout: list[tuple[tuple[str, ...], int]]) -> Release:
    """The torrent's files, found under `path`, with their identities; sizes must match."""
    absolute = os.path.abspath(path)
    is_dir = bool(layout and layout[0][0])
    real_root = os.path.realpath(absolute)
    files = []
    for parts, size in layout:
        fspath = os.path.join(absolute, *parts) if is_dir else absolute
        real = os.path.realpath(fspath)
        if is_dir and not real.startswith(real_root.rstrip(os.sep) + os.sep):
            raise TorrentError(
                f"{fspath}: symlink points outside the release (to {real}) — copy the file "
                "into the release, or remove the link",
                path=fspath,
            )
        try:
            st = os.stat(fspath)
        except OSError as exc:
            raise TorrentError(
                f"{fspath}: listed in the torrent but unreadable ({exc.strerror}) — the "
                "torrent does not match this release",
                path=fspath,
            ) from None
        if not stat_mod.S_ISREG(st.st_mode) or st.st_size != size:
            raise TorrentError(
                f"{fspath}: the torrent says {size} bytes, the file has {st.st_size} — the "
                "torrent does not match this release",
                path=fspath,
            )
        files.append(ReleaseFile(fspath, parts, FileIdentity.of(st)))
    return Release(Path(absolute), name, is_dir, tuple(files))


def plan_reuse(torrent_file: Path, path: Path, *, trackers: Sequence[Sequence[str]]
               ) -> PlannedTorrent:
    """An existing .torrent of `path`, read and matched against the files (names, sizes):
    its `hash()` then verifies every piece. Raises PrivateAnnounceError / TorrentError for
    bad trackers (before anything is read), TorrentError when the file is not a valid torrent
    or does not match the content's layout."""
    tiers = check_trackers(trackers)
    try:
        original = Path(torrent_file).read_bytes()
    except OSError as exc:
        raise TorrentError(
            f"{torrent_file}: cannot read it ({exc.strerror})", path=torrent_file
        ) from None
    torrent = metainfo.load_torrent(original, str(torrent_file))
    announce = [str(url) for tier in (torrent.trackers or []) for url in tier]
    refuse_private(announce, str(torrent_file))  # before a single piece is read
    info: dict[str, Any] = dict(torrent.metainfo["info"])
    # The infohash must survive: our encoding of the decoded `info` has to give back the very
    # bytes in the file (it would not for, e.g., names that are not UTF-8).
    if b"4:info" + metainfo.bencode(info) not in original:
        raise TorrentError(
            f"{torrent_file}: its info dict cannot be reproduced byte for byte (non-standard "
            "encoding) — build a new torrent",
            path=torrent_file,
        )
    name = str(info["name"])
    if name != os.path.basename(os.path.abspath(path)):
        raise TorrentError(
            f"{torrent_file}: made for {name!r}, not {Path(path).name!r} — build a new torrent",
            path=torrent_file,
        )
    listed_at = time.time()
    release = _release_for(Path(path), name, _layout(info, Path(torrent_file)))
    piece_size = int(info["piece length"])
    expected = bytes(info["pieces"])

    def finish(digests: bytes, hashed: int) -> BuiltTorrent:
        if digests != expected:
            bad = next(i for i in range(0, len(digests), 20)
                       if digests[i : i + 20] != expected[i : i + 20])
            raise TorrentError(
                f"{torrent_file}: piece {bad // 20} does not match the content of {path} — "
                "the torrent is for other data; build a new one",
                path=torrent_file,
            )
        made = torrent.creation_date
        return assemble(info, tiers, release, piece_size, hashed,
                        created_by=torrent.created_by or CREATED_BY,  # who really made it
                        creation_date=int(made.timestamp()) if made else int(time.time()))

    return PlannedTorrent(release, piece_size, tiers, listed_at, finish)


def reuse_torrent(
    torrent_file: Path,
    path: Path,
    *,
    trackers: Sequence[Sequence[str]],
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
    threads: int = 2,
) -> BuiltTorrent:
    """An existing .torrent of `path`, verified piece by piece, with `trackers` as tiers
    (`plan_reuse`, then its `hash`).

    Raises PrivateAnnounceError / TorrentError for bad trackers (before anything is read),
    TorrentError when the file is not a valid torrent or does not match the content,
    CancelledError.
    """
    planned = plan_reuse(torrent_file, path, trackers=trackers)
    return planned.hash(cache_dir=cache_dir, progress=progress, cancel=cancel, threads=threads)
