"""`GET /torrents/search`: filters, sorting, pagination and `infohash_match`."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.catalog import MEDIA
from uploader.sandbox.site import Ctx, Route, reply
from uploader.sandbox.state import Torrent
from uploader.sandbox.views import torrent_result

_INFOHASH = re.compile(r"^[0-9a-fA-F]{40}$")
_SORTS: dict[str, tuple[Any, bool]] = {
    "best": (lambda t: (t.level if t.level is not None else -2, t.uploaded_at), True),
    "latest": (lambda t: t.uploaded_at, True),
    "rss": (lambda t: t.uploaded_at, True),
    "oldest": (lambda t: t.uploaded_at, False),
    "seeders": (lambda t: t.seeders, True),
    "seeders_asc": (lambda t: t.seeders, False),
    "leechers": (lambda t: t.leechers, True),
    "leechers_asc": (lambda t: t.leechers, False),
    "downloads": (lambda t: t.completed, True),
    "downloads_asc": (lambda t: t.completed, False),
    "comments": (lambda t: len(t.comments), True),
    "comments_asc": (lambda t: len(t.comments), False),
    "filesize": (lambda t: t.filesize, True),
    "filesize_asc": (lambda t: t.filesize, False),
}
DEFAULTS = {"limit": 50, "offset": 0, "sort_by": "best", "category": 0,
            "episode_match_any": False, "group_primary": True, "group_secondary": False,
            "group_childs": True, "group_parents": False, "uploader_uploads": True,
            "uploader_contributions": False}


def _csv(value: str) -> list[str]:
    return [v.strip().lower() for v in value.split(",") if v.strip()]


def _ints(value: str) -> set[int]:
    return {int(v) for v in _csv(value) if re.fullmatch(r"-?\d+", v)}


def _matches(ctx: Ctx, torrent: Torrent, p: dict[str, Any]) -> bool:
    if "query" in p and not _INFOHASH.match(p["query"]):
        title = torrent.title.lower()
        if not all(word in title for word in p["query"].lower().split()):
            return False
    if "media_id" in p and torrent.media_id != p["media_id"]:
        return False
    if "episode_ids" in p:
        wanted, have = set(_csv(p["episode_ids"])), set(torrent.media_episode_ids)
        if not (wanted & have if p["episode_match_any"] else wanted <= have):
            return False
    if "levels" in p and torrent.level not in _ints(p["levels"]):
        return False
    for key in ("video_codec", "video_type"):
        if key in p and getattr(torrent, key) not in _ints(p[key]):
            return False
    for key, attr in (("audio_lang", "audio_lang"), ("fansub_lang", "fsub_lang"),
                      ("sub_lang", "sub_lang")):
        if key in p and not set(_csv(p[key])) & set(_csv(getattr(torrent, attr))):
            return False
    for key in ("hardsub", "otl", "mtl"):
        if key in p and getattr(torrent, key) != p[key]:
            return False
    if "group_id" in p and not _in_group(ctx, torrent, p):
        return False
    if "uploader_id" in p:
        uploads = p["uploader_uploads"] and torrent.uploader_id == p["uploader_id"] and (
            not torrent.anonymous)
        credited = p["uploader_contributions"] and torrent.primary_group is not None and any(
            c["id"] == p["uploader_id"] for c in torrent.primary_group["members"])
        if not (uploads or credited):
            return False
    if "before" in p and torrent.uploaded_at >= int(p["before"]):
        return False
    return not ("after" in p and torrent.uploaded_at <= int(p["after"]))


def _in_group(ctx: Ctx, torrent: Torrent, p: dict[str, Any]) -> bool:
    groups = {p["group_id"]}
    for link in ctx.state.links:
        if link.active and p["group_childs"] and link.parent == p["group_id"]:
            groups.add(link.child)
        if link.active and p["group_parents"] and link.child == p["group_id"]:
            groups.add(link.parent)
    primary = torrent.primary_group["id"] if torrent.primary_group else None
    secondary = {g["id"] for g in torrent.secondary_groups}
    return bool((p["group_primary"] and primary in groups)
                or (p["group_secondary"] and secondary & groups))


def search(ctx: Ctx) -> httpx.Response:
    params = {**DEFAULTS, **ctx.params(schemas.SEARCH_TORRENTS)}
    debug: list[str] = []
    query = params.get("query", "")
    match_id: str | None = None
    if _INFOHASH.match(query):
        debug.append("query is an infohash")
        found = ctx.state.torrent_by_infohash(query)
        candidates = [found] if found is not None and ctx.can_see(found) else []
        match_id = candidates[0].id if candidates else None
    else:
        debug.append("hiding hidden torrents")
        candidates = [t for t in ctx.state.torrents.values()
                      if t.deleted is None and not t.hidden and not t.waiting_approve]
    results = [t for t in candidates if _matches(ctx, t, params)]
    key, descending = _SORTS[params["sort_by"]]
    results.sort(key=key, reverse=descending)
    debug.append(f"sorting by {params['sort_by']}")
    page = results[params["offset"]: params["offset"] + params["limit"]]
    debug.append(f"found {len(page)} torrents")
    media = MEDIA.get(params.get("media_id", ""))
    recommended = None
    if query and results and match_id is None:
        top, count = Counter(t.media_id for t in results).most_common(1)[0]
        if top in MEDIA and count / len(results) >= 0.7:
            recommended = MEDIA[top].summary()
    return reply({
        "results": [torrent_result(ctx.state, t, ctx.user) for t in page],
        "infohash_match": match_id,
        "recommended_media": recommended,
        "media": media.summary() if media is not None else None,
        "similar_media": None,
        "debug": {"summary": [], "debug": debug},
        "more": params["offset"] + params["limit"] < len(results),
        "search": {k: params[k] for k in DEFAULTS},
    })


ROUTES = [Route("GET", "/torrents/search", search, False)]
