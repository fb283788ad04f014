"""The sandbox's data: plain dataclasses, JSON round-trip, and atomic persistence.

Everything the site knows lives in one `State`; handlers read and change it under the site's
lock. With a data directory the whole state is rewritten (atomically, mode 0600 because it
holds API and torrent keys) after every change, so a restart continues where it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from uploader.atomic import write_atomic

STATE_FILE = "state.json"
FORMAT_VERSION = 1
# Snowflake epoch (2024-01-01): ids minted now are 18-19 digits, like the site's.
SNOWFLAKE_EPOCH_MS = 1_704_067_200_000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class User:
    id: str
    username: str
    display_name: str
    torrent_key: str
    api_keys: list[str]
    description: str = ""
    pfp_hash: str | None = None
    permissions: int = 0
    nyaa: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    upload: int = 0
    download: int = 0
    disabled: bool = False

    @property
    def is_staff(self) -> bool:
        # sandbox: the reference does not document the permission bits; any bit is staff.
        return self.permissions != 0


@dataclass
class Member:
    """A group member, or an invite (a placeholder member that a user can claim)."""

    id: str  # the user's id, or the invite's own id
    invite: bool
    display_name: str
    user_id: str | None = None  # users: == id; invites: the recipient once known
    leader: bool = False
    admin: bool = False
    regular: bool = True
    invite_key: str | None = None
    author_id: str | None = None
    used: bool = False
    assigned: bool = False


@dataclass
class Group:
    id: str
    name: str
    display_name: str
    tag: str
    display_tag: str
    tagline: str
    description: str
    members: list[Member]
    anonymous: int = 0
    pfp_hash: str | None = None
    created_at: int = 0


@dataclass
class Link:
    parent: str
    child: str
    initiator: str  # group id that asked for the link
    active: bool


@dataclass
class Torrent:
    id: str
    uploaded_at: int
    title: str
    raw: str  # base64 of the uploaded .torrent, byte-exact
    infohash: str
    files: list[dict[str, Any]]
    filesize: int
    uploader_id: str
    description: str | None = None
    mediainfo: str | None = None
    category: int = 1
    movie: bool = False
    batch: bool = False
    level: int | None = None
    video_type: int | None = None
    video_codec: int | None = None
    audio_lang: str = ""
    sub_lang: str = ""
    fsub_lang: str = ""
    mtl: bool = False
    otl: bool = False
    hardsub: bool = False
    anonymous: bool = False
    hidden: bool = False
    deleted: int | None = None
    deletion_reason: str | None = None
    primary_group: dict[str, Any] | None = None  # {"id", "members": [{"id", "role", "weight"}]}
    secondary_groups: list[dict[str, Any]] = field(default_factory=list)
    media_id: str | None = None
    media_episode_ids: list[str] = field(default_factory=list)
    upgraded: str | None = None
    waiting_approve: bool = False
    seeders: int = 0
    leechers: int = 0
    completed: int = 0
    animetosho: str = "processing"  # processing | ready | skipped | not_found | no_media | error
    animetosho_fetched_at: int | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class State:
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    torrents: dict[str, Torrent] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    announcements: list[dict[str, Any]] = field(default_factory=list)
    created_at: int = 0
    last_id: int = 0

    def new_id(self) -> str:
        """A fresh snowflake-like id: milliseconds since the epoch << 22, strictly increasing."""
        candidate = (now_ms() - SNOWFLAKE_EPOCH_MS) << 22
        self.last_id = max(candidate, self.last_id + 1)
        return str(self.last_id)

    # --- lookups ---------------------------------------------------------------------------
    def user_by_key(self, key: str) -> User | None:
        if not key:
            return None
        return next((u for u in self.users.values() if key in u.api_keys), None)

    def member(self, group: Group, member_id: str) -> Member | None:
        return next((m for m in group.members if m.id == member_id), None)

    def membership(self, group: Group, user_id: str) -> Member | None:
        return next((m for m in group.members if not m.invite and m.user_id == user_id), None)

    def find_invite(self, invite_id: str) -> tuple[Group, Member] | None:
        for group in self.groups.values():
            for member in group.members:
                if member.invite and member.id == invite_id:
                    return group, member
        return None

    def is_group_admin(self, group_id: str | None, user_id: str) -> bool:
        group = self.groups.get(group_id or "")
        if group is None:
            return False
        member = self.membership(group, user_id)
        return member is not None and (member.leader or member.admin)

    def can_edit(self, torrent: Torrent, user_id: str) -> bool:
        """Uploader, or an admin/leader of the torrent's primary group."""
        if torrent.uploader_id == user_id:
            return True
        group_id = torrent.primary_group["id"] if torrent.primary_group else None
        return self.is_group_admin(group_id, user_id)

    def torrent_by_infohash(self, infohash: str) -> Torrent | None:
        infohash = infohash.lower()
        return next((t for t in self.torrents.values() if t.infohash == infohash), None)

    # --- JSON ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported state format {data.get('format')!r}")
        groups = {
            gid: Group(**{**g, "members": [Member(**m) for m in g["members"]]})
            for gid, g in data["groups"].items()
        }
        return cls(
            users={uid: User(**u) for uid, u in data["users"].items()},
            groups=groups,
            torrents={tid: Torrent(**t) for tid, t in data["torrents"].items()},
            links=[Link(**link) for link in data["links"]],
            announcements=list(data["announcements"]),
            created_at=data["created_at"],
            last_id=data["last_id"],
        )


class Store:
    """`DIR/state.json`, read at start and rewritten atomically after each change."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / STATE_FILE

    def load(self) -> State | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return State.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{self.path}: not a sandbox state file ({exc})") from None

    def save(self, state: State) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = json.dumps(state.to_json(), separators=(",", ":"), sort_keys=True)
        # Written 0600: it holds API keys and torrent keys.
        write_atomic(self.path, payload.encode("utf-8"))
