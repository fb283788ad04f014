"""Answers about the site itself: announcements, stats, languages, media."""

from __future__ import annotations

from typing import NotRequired, TypedDict

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
