"""Answers of the `/users/<id|@me>` endpoints."""

from __future__ import annotations

from typing import NotRequired, TypedDict

# --- users -------------------------------------------------------------------------------


class UserGroupMembership(TypedDict):
    id: str
    name: str
    display_name: str
    tagline: str
    anonymous: int
    description: str
    pfp_hash: str | None
    tag: str
    display_tag: str
    admin: bool
    leader: bool
    regular: bool


class NyaaLink(TypedDict):
    username: str
    public: bool


class User(TypedDict):
    """`GET /users/<id|@me>`."""

    id: str
    username: str
    display_name: str
    pfp_hash: str | None
    description: str
    permissions: NotRequired[int]  # only for the authenticated user
    torrent_key: NotRequired[str]  # only for the authenticated user
    torrent_count: int
    contribution_count: int
    groups: list[UserGroupMembership]
    upload: str
    download: str
    seeding: str
    leeching: str
    disabled: bool
    nyaa: list[NyaaLink]
    can_edit: bool
    has_mfa: bool | None
    can_download_recovery: bool | None


class UserEditResult(TypedDict, total=False):
    """`PATCH /users/<id|@me>` answers only `new_torrent_key`, when it was reset."""

    new_torrent_key: str


class UserGroupMember(TypedDict):
    id: str
    invite: bool
    username: str | None
    display_name: str
    pfp_hash: str | None
    leader: bool
    admin: bool
    regular: bool


class UserGroup(TypedDict):
    """One entry of `GET /users/<id|@me>/groups`."""

    id: str
    name: str
    display_name: str
    pfp_hash: str | None
    tagline: str
    tag: str
    display_tag: str
    description: str
    anonymous: int
    admin: bool
    leader: bool
    regular: bool
    members: list[UserGroupMember]
    upload_count: int


class Notification(TypedDict):
    id: str
    data: str
    seen: bool


class Peer(TypedDict):
    torrent_id: str
    peer_id: str
    upload: str
    download: str
    left: str
    first_seen: str
    last_seen: str
    user_agent: str
    est_upload_speed: int
    est_download_speed: int
    ip: str
    port: int


class UserPeer(TypedDict):
    """One entry of `GET /users/<id|@me>/peers`."""

    torrent_id: str
    upload: str
    download: str
    completed: str
    down_time: str
    up_time: str
    created_at: str
    updated_at: str
    last_completed: str
    torrent_title: str
    torrent_infohash: str
    torrent_filesize: str
    peers: list[Peer]


class UserSummary(TypedDict):
    id: str
    username: str
    display_name: str
    pfp_hash: str | None


class UserSearchResult(TypedDict):
    more: bool
    results: list[UserSummary]
