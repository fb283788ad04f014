"""Seeding handoff: the site's .torrent (private, with the passkey) into a watch folder."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from uploader.atomic import write_atomic
from uploader.exceptions import ConfigError, ForbiddenError, TorrentError
from uploader.names import file_name


class DownloadClient(Protocol):
    def download_torrent(self, torrent_id: str, public: bool = False) -> bytes: ...


def write_private(dest: Path, data: bytes) -> Path:
    """Write atomically with mode 0600 (it holds the passkey): the watcher never sees half a file.

    The temporary name is a dotfile ending in `.tmp`, which torrent clients' watch folders ignore.
    """
    return write_atomic(dest, data)


def hand_off(client: DownloadClient, torrent_id: str, name: str, folder: Path, *,
             built: Path | None = None) -> tuple[Path, str]:
    """Write the site's torrent for `torrent_id` as `<name>.torrent` into `folder`.

    While the upload waits for staff approval the site will not serve it; the facts say keep
    seeding, so the torrent we built (same infohash, public trackers) is handed off instead.
    Returns (where it went, "site" or "built").
    """
    if not folder.is_dir():
        raise ConfigError(
            f"seed.copy_torrent_to {str(folder)!r}: no such folder — create it or fix the profile"
        )
    source = "site"
    try:
        data = client.download_torrent(torrent_id)
    except ForbiddenError as exc:
        if built is None or not exc.waiting_for_approval:
            raise
        try:
            data, source = built.read_bytes(), "built"
        except OSError as err:
            raise TorrentError(f"{built}: cannot read our torrent ({err.strerror}) — run "
                               "the upload again to rebuild it", path=built) from None
    safe = name.replace("/", "_").replace("\0", "_")
    try:
        return write_private(folder / file_name(safe, ".torrent"), data), source
    except OSError as exc:
        raise ConfigError(
            f"seed.copy_torrent_to {str(folder)!r}: cannot write there ({exc.strerror}) — "
            "check its permissions"
        ) from None
