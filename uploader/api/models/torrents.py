"""Answers of the torrent, search and upload endpoints."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from uploader.api.models.groups import UserRef

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
