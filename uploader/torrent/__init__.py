"""The torrent builder: a release (file or folder) in, a validated v1 .torrent out.

    from uploader.torrent import build_torrent, check_trackers, release_files

    built = build_torrent(path, trackers=[[url], [backup]], cache_dir=state / "pieces")
    built.infohash, built.files, built.write(dest)

Modules: `files` (what is shared, in mktorrent's order), `trackers` (private announce refusal),
`piecesize` (the auto table), `hasher` (parallel SHA-1 pieces), `cache` (never hash twice),
`metainfo` (torf, behind one error border), `progress` (callback value and terminal bar),
`builder` (the pipeline step), `reuse` (verify and reuse an existing .torrent). torf and rich
are imported only when used.
"""

from uploader.torrent.builder import (
    CREATED_BY,
    BuiltTorrent,
    PlannedTorrent,
    build_torrent,
    plan_torrent,
)
from uploader.torrent.files import Release, ReleaseFile, release_files
from uploader.torrent.piecesize import auto_piece_size, check_piece_size
from uploader.torrent.progress import (
    Progress,
    ProgressCallback,
    TerminalProgress,
    progress_bar,
    terminal_progress,
)
from uploader.torrent.reuse import plan_reuse, reuse_torrent
from uploader.torrent.trackers import PUBLIC_ANNOUNCE, check_trackers

__all__ = [
    "CREATED_BY",
    "PUBLIC_ANNOUNCE",
    "BuiltTorrent",
    "PlannedTorrent",
    "Progress",
    "ProgressCallback",
    "Release",
    "ReleaseFile",
    "TerminalProgress",
    "auto_piece_size",
    "build_torrent",
    "check_piece_size",
    "check_trackers",
    "plan_reuse",
    "plan_torrent",
    "progress_bar",
    "release_files",
    "reuse_torrent",
    "terminal_progress",
]
