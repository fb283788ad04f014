"""Mark the torrents a new upload replaces as `upgraded` (PATCH /torrents/bulk/edit)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from uploader.exceptions import AuthError, ChecksError, ConfigError, NotFoundError, UploaderError

log = logging.getLogger(__name__)

BULK_LIMIT = 250  # the reference's maximum ids per bulk request


class UpgradeClient(Protocol):
    def bulk_edit_perms(self, ids: list[str]) -> list[str]: ...
    def bulk_edit(self, ids: list[str], edit: Any) -> None: ...
    def get_torrent(self, torrent_id: str) -> Any: ...


@dataclass(frozen=True)
class UpgradeResult:
    marked: tuple[str, ...]
    # Every id the site would not let us edit (its `bad_torrents`): missing or not ours.
    bad_torrents: tuple[str, ...]
    # Marked, but the site does not show `upgraded` = the new id (e.g. a server that parses
    # JSON numbers as doubles would store a neighbouring id for snowflakes above 2**53).
    unverified: tuple[str, ...] = ()
    # Those of `bad_torrents` the site has no torrent for (GET /torrents/<id> is 404).
    missing: tuple[str, ...] = ()

    @property
    def not_yours(self) -> tuple[str, ...]:
        """Refused ids that exist: the key's user is not their uploader or a group admin."""
        return tuple(i for i in self.bad_torrents if i not in self.missing)


def torrent_ids(upgraded_torrents: Iterable[Any]) -> list[str]:
    """`upgraded_torrents` holds ids or torrent objects; return the ids as strings, in order."""
    ids: list[str] = []
    for item in upgraded_torrents:
        value = item.get("id") if isinstance(item, dict) else item
        if value is None or isinstance(value, bool):
            continue
        text = str(value)
        if text not in ids:
            ids.append(text)
    return ids


def check_id(value: str, what: str) -> str:
    """Snowflake ids are digit strings; never parsed through floats."""
    if not value.isdigit():
        raise ConfigError(f"{what} {value!r}: not a torrent id — ids are digits, e.g. 1234567890")
    return value


def check_request(new_id: str, old_ids: Sequence[str]) -> None:
    """`mark-upgraded NEW_ID OLD_ID...` by hand: ids are digits, and none is NEW_ID itself
    (ConfigError, exit 2, before anything is sent)."""
    check_id(new_id, "NEW_ID")
    for old_id in old_ids:
        check_id(old_id, "OLD_ID")
        if old_id == new_id:
            raise ConfigError(f"OLD_ID {old_id} is NEW_ID itself — a torrent cannot upgrade "
                              "itself")


def mark_upgraded(client: UpgradeClient, new_id: str, old_ids: Sequence[str]) -> UpgradeResult:
    """Check permissions, then set `upgraded = new_id` on every editable old torrent."""
    check_id(new_id, "new torrent id")
    old = [check_id(i, "old torrent id") for i in dict.fromkeys(old_ids) if i != new_id]
    marked: list[str] = []
    bad: list[str] = []
    for start in range(0, len(old), BULK_LIMIT):
        chunk = old[start:start + BULK_LIMIT]
        refused = set(client.bulk_edit_perms(chunk))
        editable = [i for i in chunk if i not in refused]
        bad.extend(i for i in chunk if i in refused)
        if not editable:
            continue
        try:
            # `upgraded` is "number or null": an exact int, never a float (snowflakes > 2**53).
            client.bulk_edit(editable, {"upgraded": int(new_id)})
        except ChecksError as exc:
            if not exc.bad_torrents:
                raise
            bad.extend(exc.bad_torrents)
            retry = [i for i in editable if i not in set(exc.bad_torrents)]
            if retry:
                client.bulk_edit(retry, {"upgraded": int(new_id)})
            marked.extend(retry)
            continue
        marked.extend(editable)
    bad = list(dict.fromkeys(bad))
    missing = [i for i in bad if not _exists(client, i)]
    if missing:
        log.warning("upgrades: no torrent %s on the site — check the id", ", ".join(missing))
    if len(missing) < len(bad):
        log.warning("upgrades: not yours to edit: %s (you are not the uploader or a group "
                    "admin) — ask their group to mark them",
                    ", ".join(i for i in bad if i not in missing))
    unverified = [i for i in marked if not _shows_upgrade(client, i, new_id)]
    if unverified:
        log.warning("upgrades: the site does not show %s as upgraded by %s — check them on "
                    "the site", ", ".join(unverified), new_id)
    return UpgradeResult(tuple(i for i in marked if i not in unverified), tuple(bad),
                         tuple(unverified), tuple(missing))


def _exists(client: UpgradeClient, torrent_id: str) -> bool:
    """Tell a refused id the site does not have (404) from one we may not edit."""
    try:
        client.get_torrent(torrent_id)
    except NotFoundError:
        return False
    except AuthError:
        raise
    except UploaderError as exc:
        # 403 (hidden, waiting for approval) is someone's torrent. Anything else: we cannot
        # tell, so the site's own word stands (it may not be edited).
        log.debug("upgrades: looking up torrent %s: %s", torrent_id, exc)
    return True


def _shows_upgrade(client: UpgradeClient, old_id: str, new_id: str) -> bool:
    """Read back what the site stored; compared as strings, never as numbers."""
    try:
        torrent = client.get_torrent(old_id)
    except UploaderError as exc:
        log.warning("upgrades: cannot read torrent %s back (%s)", old_id, exc)
        return False
    return str(torrent.get("upgraded")) == new_id
