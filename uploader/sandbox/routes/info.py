"""Site-wide reads: announcements, languages, media, statistics."""

from __future__ import annotations

from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.catalog import MEDIA, search_media
from uploader.sandbox.langs import langs_payload
from uploader.sandbox.site import Ctx, Route, fail, reply
from uploader.sandbox.state import now_ms


def announcements(ctx: Ctx) -> httpx.Response:
    return reply([dict(a) for a in ctx.state.announcements])


def langs(ctx: Ctx) -> httpx.Response:
    return reply(langs_payload())


def get_media(ctx: Ctx, media_id: str) -> httpx.Response:
    params = ctx.params(schemas.MEDIA_QUERY)
    media = MEDIA.get(media_id)
    if media is None:
        raise fail(404, "Media not found.")
    torrents = [t for t in ctx.state.torrents.values()
                if t.media_id == media.id and t.deleted is None and not t.hidden]
    if not torrents and not params.get("force", False):
        raise fail(400, "No torrents found for this media.")
    groups: dict[str, dict[str, Any]] = {}
    for torrent in torrents:
        group = ctx.state.groups.get(torrent.primary_group["id"] if torrent.primary_group
                                     else "")
        if group is None:
            continue
        entry = groups.setdefault(group.id, {
            "id": group.id, "name": group.name, "display_name": group.display_name,
            "tag": group.tag, "display_tag": group.display_tag, "tagline": group.tagline,
            "pfp_hash": group.pfp_hash, "episodes": {}, "max_level": None,
            "langs": {"fsub": [], "sub": []}})
        level = torrent.level if torrent.level is not None else -1
        for episode_id in torrent.media_episode_ids:
            seen = entry["episodes"].get(episode_id)
            if seen is None or level > seen["level"]:
                entry["episodes"][episode_id] = {"level": level,
                                                 "video_type": torrent.video_type,
                                                 "mtl": torrent.mtl}
        entry["max_level"] = max(level, entry["max_level"] if entry["max_level"] is not None
                                 else -1)
        for kind, value in (("fsub", torrent.fsub_lang), ("sub", torrent.sub_lang)):
            for code in filter(None, value.split(",")):
                if code not in entry["langs"][kind]:
                    entry["langs"][kind].append(code)
    summary = media.summary()
    del summary["id"]
    # The reference's media episodes have no `absolute` (group and checks episodes do).
    episodes = [{k: v for k, v in e.items() if k != "absolute"} for e in media.episodes]
    return reply({**summary, "notes": None, "episodes": episodes,
                  "groups": list(groups.values())})


def find_media(ctx: Ctx) -> httpx.Response:
    params = ctx.params(schemas.SEARCH_MEDIA)
    offset, limit = params.get("offset", 0), params.get("limit", 50)
    found = search_media(params["query"])
    page = found[offset: offset + limit]
    return reply({"more": offset + limit < len(found),
                  "results": [{**m.summary(), "similarity": score} for m, score in page]})


def stats(ctx: Ctx) -> httpx.Response:
    state = ctx.state
    live = [t for t in state.torrents.values() if t.deleted is None and not t.hidden]
    day_ago = now_ms() - 86_400_000
    by_media: dict[str, int] = {}
    for torrent in live:
        if torrent.media_id in MEDIA:
            by_media[torrent.media_id] = by_media.get(torrent.media_id, 0) + torrent.seeders
    top = sorted(by_media.items(), key=lambda kv: kv[1], reverse=True)[:10]
    return reply({
        "created_at": str(state.created_at),
        "top_media_1w": [{"id": mid, "title": MEDIA[mid].title,
                          "banner_url": MEDIA[mid].banner_url, "seeders": seeders}
                         for mid, seeders in top],
        "users": {"total": len(state.users), "new_1w": 0, "active_1m": len(state.users)},
        "groups": {"total": len(state.groups), "new_1w": 0, "active_1m": len(state.groups)},
        "torrents": {"total": len(live), "new_1d": sum(1 for t in live if t.uploaded_at > day_ago),
                     "total_downloads": sum(t.completed for t in live)},
        "peers": {"seeders": sum(t.seeders for t in live),
                  "leechers": sum(t.leechers for t in live)},
    }, message="Cache hit, returning stats.")


ROUTES = [
    Route("GET", "/announcements", announcements, False),
    Route("GET", "/langs", langs, False),
    Route("GET", "/media/search", find_media, False),
    Route("GET", "/media/{media_id}", get_media, False),
    Route("GET", "/stats", stats, False),
]
