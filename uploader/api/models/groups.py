"""Answers of the group and invite endpoints."""

from __future__ import annotations

from typing import NotRequired, TypedDict

# --- groups and invites ------------------------------------------------------------------


class GroupMember(TypedDict):
    id: str
    username: str | None
    invite: bool
    invite_key: NotRequired[str | None]  # only for group leaders/admins
    invite_has_recipient: NotRequired[bool | None]
    display_name: str
    pfp_hash: str | None
    leader: bool
    admin: bool
    regular: bool
    torrent_count: int


class RelatedGroup(TypedDict):
    id: str
    name: str
    display_name: str
    tag: str
    display_tag: str
    pfp_hash: str | None
    tagline: str
    anonymous: int
    active: bool  # the link was approved by both groups
    initiator: bool


class GroupRelations(TypedDict):
    parents: list[RelatedGroup]
    children: list[RelatedGroup]


class EpisodeRef(TypedDict):
    id: int
    season: int
    episode: int
    absolute: int
    tvdbId: int
    title: str


class GroupMediaInfo(TypedDict):
    id: str
    title: str
    banner_url: str
    episodes: list[EpisodeRef]


class GroupMedia(TypedDict):
    episodes: list[str]
    torrents: list[str]
    groups: list[str]
    media: GroupMediaInfo


class GroupStats(TypedDict):
    uploads: int
    hidden_uploads: NotRequired[int]  # only for the group leader
    tags: int
    seeders: str
    leechers: str
    downloads: str


class Group(TypedDict):
    """`GET /groups/<id>`."""

    id: str
    name: str
    display_name: str
    tag: str
    display_tag: str
    pfp_hash: str | None
    tagline: str
    description: str
    anonymous: int
    members: list[GroupMember]
    relations: GroupRelations
    media: list[GroupMedia]
    can_edit: bool
    can_leave: bool
    can_delete: NotRequired[bool | None]  # only for the group leader
    stats: GroupStats


class GroupSummary(TypedDict):
    id: str
    anonymous: int
    description: str
    display_name: str
    name: str
    tag: str
    display_tag: str
    pfp_hash: str | None
    tagline: str
    member_count: str
    torrent_count: str
    download_count: str


class GroupSearchResult(TypedDict):
    results: list[GroupSummary]
    more: bool


class NewInvite(TypedDict):
    """One entry answered by `POST /groups/<id>/members`."""

    id: str
    invite_key: str


class UserRef(TypedDict):
    id: str
    username: str
    display_name: str
    pfp_hash: str | None


class InviteGroup(TypedDict):
    id: str
    display_name: str
    name: str
    tag: str
    display_tag: str
    pfp_hash: str | None
    anonymous: int
    description: str
    tagline: str


class Invite(TypedDict):
    """`GET /invites/<id>`."""

    id: str
    display_name: str
    author: UserRef
    used: bool
    recipient: UserRef | None  # only with a valid ?key=
    group: InviteGroup
    torrent_count: str
