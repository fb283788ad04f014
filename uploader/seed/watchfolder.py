"""Seeding handoff: the site's .torrent (private, with the passkey) into a watch folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from uploader.atomic import write_atomic
from uploader.exceptions import ConfigError, ForbiddenError, TorrentError
from uploader.names import file_name

if TYPE_CHECKING:
    from uploader.profiles import Profile


class DownloadClient(Protocol):
    def download_torrent(self, torrent_id: str, public: bool = False) -> bytes: ...


SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def seed_folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot be a torrent client's watch folder, or None when it can."""
    advice = "point it at your torrent client's watch folder"
    resolved = folder.resolve()  # symlinks followed: a link into /proc is /proc
    for system in SYSTEM_FOLDERS:
        if resolved == system:
            return f"{system} is a system folder — {advice}"
        if system in resolved.parents:
            return f"{folder} is inside the system folder {system} — {advice}"
    if not resolved.exists():
        return f"{folder} does not exist — create it, or {advice}"
    if not resolved.is_dir():
        return f"{folder} is a file, not a folder — {advice}"
    if not os.access(resolved, os.W_OK | os.X_OK):
        return f"{folder} is not writable by this user — fix its permissions, or {advice}"
    return None


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
    problem = seed_folder_problem(folder)  # the same rule `profiles validate` applies
    if problem is not None:
        raise ConfigError(f"seed.copy_torrent_to: {problem}")
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


def warn_unusable_watch_folders(profiles: Mapping[str, Profile]) -> None:
    """At start-up: each profile whose `seed.copy_torrent_to` cannot work, named once (its
    releases still upload; their handoff fails, and is retried, until it is fixed)."""
    import logging

    for profile in profiles.values():
        folder = profile.seed.copy_torrent_to
        problem = seed_folder_problem(Path(folder)) if folder is not None else None
        if problem is not None:
            logging.getLogger(__name__).error(
                "profile %s: seed.copy_torrent_to: %s", profile.name, problem)
