"""Response payloads: the `data` of each endpoint in `nekobt-api.md`, keys exactly as spelled.

These are TypedDicts, so at runtime they are the plain dicts the site sent (nothing is
converted: IDs and big counters stay strings, as the site sends them). Fields the reference
marks "only present if ..." are `NotRequired`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# --- announcements, stats, langs ---------------------------------------------------------


class Announcement(TypedDict):
    start_time: str
    end_time: str
    message: str
    link: str
    new_tab: bool
    color: str  # info, success, warning, error, primary, grey
    dismissible: bool


class CountsUsers(TypedDict):
    total: int
    new_1w: int
    active_1m: int


class CountsTorrents(TypedDict):
    total: int
    new_1d: int
    total_downloads: int


class CountsPeers(TypedDict):
    seeders: int
    leechers: int


class TopMedia(TypedDict):
    id: str
    title: str
    banner_url: str
    seeders: int


class Stats(TypedDict):
    created_at: str
    top_media_1w: list[TopMedia]
    users: CountsUsers
    groups: CountsUsers  # same three counters: total, new_1w, active_1m
    torrents: CountsTorrents
    peers: CountsPeers


class Lang(TypedDict):
    code: str
    name: str
    flag: str


class Langs(TypedDict):
    langs: dict[str, Lang]
    convert: dict[str, str]  # accepted alias -> site code (jp -> ja, eng -> en, ...)


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


# --- media -------------------------------------------------------------------------------


class MediaEpisode(TypedDict):
    id: int
    title: str
    season: int
    episode: int
    overview: str
    runtime: int
    airDateUtc: str
    tvdbId: int


class MediaGroupEpisode(TypedDict):
    level: int
    video_type: int
    mtl: bool


class MediaGroupLangs(TypedDict):
    fsub: list[str]
    sub: list[str]


class MediaGroup(TypedDict):
    id: str
    name: str
    display_name: str
    tag: str
    display_tag: str
    tagline: str
    pfp_hash: str | None
    episodes: dict[str, MediaGroupEpisode]  # episode id -> what this group did
    max_level: int
    langs: MediaGroupLangs


class MediaSummary(TypedDict):
    id: str
    title: str
    year: int
    genres: list[str]
    overview: str
    status: str
    banner_url: str
    runtime: int
    tvdbId: int
    tmdbId: int
    imdbId: str
    alternate_titles: list[str]
    similarity: NotRequired[float]  # search results only


class Media(TypedDict):
    """`GET /media/<id>` (the reference's example carries no `id`)."""

    title: str
    year: int
    genres: list[str]
    overview: str
    status: str
    banner_url: str
    runtime: int
    tvdbId: int
    tmdbId: int
    imdbId: str
    alternate_titles: list[str]
    notes: str | None
    episodes: list[MediaEpisode]
    groups: list[MediaGroup]


class MediaSearchResult(TypedDict):
    more: bool
    results: list[MediaSummary]


# --- torrents ----------------------------------------------------------------------------


class TorrentFile(TypedDict):
    path: str
    name: str
    length: int
    offset: int


class CreditedGroupMember(TypedDict):
    id: str
    invite: bool
    username: str | None
    display_name: str
    pfp_hash: str | None
    role: str | None
    weight: int  # display order, smallest first


class TorrentGroup(TypedDict):
    id: str
    name: str
    display_name: str
    pfp_hash: str | None
    tagline: str
    members: list[CreditedGroupMember]
    uploading_group: bool  # True = primary group
    role: str | None


class AnimeToshoSub(TypedDict):
    id: int
    codec: str
    lang: str
    name: str
    default: bool
    enabled: bool
    forced: bool
    trackid: int
    tracknum: int


class AnimeToshoFile(TypedDict):
    file_id: int
    filename: str
    filesize: int
    subs: list[AnimeToshoSub]
    mediainfo: str
    screenshot_id: str
    screenshot_timings: list[int]


class Torrent(TypedDict):
    """`GET /torrents/<id>`."""

    id: str
    uploaded_at: str
    title: str
    auto_title: str
    description: str | None
    mediainfo: str | None
    category: int
    deleted: Any
    hidden: bool
    otl: bool
    hardsub: bool
    level: int
    mtl: bool
    filesize: str
    media_id: str | None
    media_episode_ids: list[str]
    audio_lang: str  # comma-separated codes
    sub_lang: str
    fsub_lang: str
    video_codec: int | None
    video_type: int | None
    files: list[TorrentFile]
    magnet: str
    private_magnet: str | None
    infohash: str
    anonymous: bool
    uploader: UserRef | None  # None on anonymous uploads
    groups: list[TorrentGroup]
    imported: Any  # the original Nyaa id, or None
    seeders: str
    leechers: str
    completed: str
    activity: str
    torrent_health: str
    upgraded: str | None  # id of the replacing torrent
    # None, a list, or one of 'skipped', 'processing', 'not_found', 'error', 'no_media'
    animetosho: list[AnimeToshoFile] | str | None
    animetosho_fetch_time: str | None
    screenshots: list[str]
    can_edit: bool
    waiting_approve: bool
    disable_comments: bool
    lock_comments: bool
    disable_edits: bool
    nyaa_upload_time: str | None


class AnimeToshoResult(TypedDict):
    """`GET /torrents/<id>/animetosho`: the whole answer, since `retry` sits beside `data`.

    200 (was present) and 201 (just fetched) carry `data`; 202 (still processing on
    AnimeTosho) has `data` None, a `message` and `retry` True.
    """

    data: list[AnimeToshoFile] | None
    retry: bool
    message: str | None


class Comment(TypedDict):
    id: str
    deleted: bool
    user_id: str
    text: str
    replying_to: str | None
    display_name: str
    pfp_hash: str | None
    positive: str
    negative: str
    pinned: bool
    user_rating: bool | None
    last_edit: int | None
    children: NotRequired[list[Comment]]  # replies, on top-level comments


class SearchGroup(TypedDict):
    id: str
    display_name: str
    name: str
    anonymous: int
    tagline: str
    pfp_hash: str | None
    uploading_group: bool  # primary = True, secondary = False


class TorrentSummary(TypedDict):
    id: str
    uploaded_at: str
    title: str
    infohash: str
    magnet: str
    private_magnet: NotRequired[str | None]  # only when authenticated
    media_id: str | None
    description: str | None
    filesize: str
    category: int
    level: int
    otl: bool
    hardsub: bool
    mtl: bool
    comment_count: str
    deleted: Any
    hidden: bool
    waiting_approve: bool
    auto_title: str
    audio_lang: str
    sub_lang: str
    fsub_lang: str
    video_codec: int | None
    video_type: int | None
    anonymous: bool
    upgraded: str | None
    uploader: UserRef | None
    seeders: str
    leechers: str
    completed: str
    groups: list[SearchGroup]
    imported: Any
    user_is_seeding: bool | None
    user_is_leeching: bool | None
    user_download_count: int | None
    has_mediainfo: bool
    nyaa_upload_time: str | None


class SearchDebug(TypedDict):
    summary: list[Any]
    debug: list[str]


class TorrentSearchResult(TypedDict):
    """`GET /torrents/search`. `infohash_match` is the torrent id when the query is its hash."""

    results: list[TorrentSummary]
    infohash_match: str | None
    recommended_media: dict[str, Any] | None
    media: dict[str, Any] | None
    similar_media: list[dict[str, Any]] | None
    debug: SearchDebug
    more: bool
    search: dict[str, Any]  # the parameters actually used after hints


# --- upload ------------------------------------------------------------------------------


class ParsedQuality(TypedDict):
    id: int
    name: str
    source: str
    resolution: int
    version: int


class ParsedData(TypedDict, total=False):
    """What the site's parser made of the title; shapes vary with what it found."""

    media: dict[str, Any]
    episodes: list[dict[str, Any]]
    quality: ParsedQuality
    releaseGroup: str


class ChecksResult(TypedDict):
    """`PUT /upload/checks`: `fails` block an upload; `warns` block it unless ignored."""

    warns: list[str]
    fails: list[str]
    parsedData: ParsedData
    auto_title: str
    upgraded_torrents: list[Any]  # the torrents this upload would replace


class MediainfoResult(TypedDict):
    """`PUT /upload/mediainfo`: site codes, comma-separated."""

    video_codec: int | None
    fansub_langs: str
    sub_langs: str
    audio_langs: str


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
