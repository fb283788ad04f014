"""The JSON shapes the site answers with, built from the state (field names as the reference)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from uploader.sandbox.catalog import MEDIA
from uploader.sandbox.state import Group, Member, State, Torrent, User
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE, private_announce


def pfp(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def user_brief(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "pfp_hash": user.pfp_hash}


def group_brief(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "display_name": group.display_name,
            "tag": group.tag, "display_tag": group.display_tag, "pfp_hash": group.pfp_hash,
            "tagline": group.tagline, "anonymous": group.anonymous,
            "description": group.description}


def magnet(torrent: Torrent, announce: str) -> str:
    return (f"magnet:?xt=urn:btih:{torrent.infohash}&dn={quote(torrent.title)}"
            f"&tr={quote(announce, safe='')}")


def auto_title(torrent: Torrent) -> str:
    tags = [name for name, flag in (("OTL", torrent.otl), ("MTL", torrent.mtl),
                                    ("HS", torrent.hardsub)) if flag]
    for prefix, value in (("L", torrent.level), ("V", torrent.video_type),
                          ("C", torrent.video_codec)):
        if value is not None:
            tags.append(f"{prefix}{value}")
    for prefix, codes in (("A", torrent.audio_lang), ("F", torrent.fsub_lang),
                          ("S", torrent.sub_lang)):
        tags.extend(f"{prefix}-{c}" for c in codes.split(",") if c)
    return f"{torrent.title} {{Tags:{''.join(t + ';' for t in tags)}}}"


def torrent_groups(state: State, torrent: Torrent, *, with_members: bool) -> list[dict[str, Any]]:
    """The `groups` of a torrent: the primary (uploading) group first, then secondary ones."""
    entries: list[tuple[Group, dict[str, Any] | None, str | None]] = []
    primary = torrent.primary_group
    if primary is not None and primary["id"] in state.groups:
        entries.append((state.groups[primary["id"]], primary, None))
    for secondary in torrent.secondary_groups:
        if secondary["id"] in state.groups:
            entries.append((state.groups[secondary["id"]], None, secondary["role"]))
    found: list[dict[str, Any]] = []
    for group, credits, role in entries:
        entry: dict[str, Any] = {"id": group.id, "name": group.name,
                                 "display_name": group.display_name,
                                 "pfp_hash": group.pfp_hash, "tagline": group.tagline}
        uploading = credits is not None
        if with_members:
            entry["members"] = [_credit(state, group, m) for m in
                                sorted(credits["members"], key=lambda m: m["weight"])
                                ] if credits is not None else []
            entry["uploading_group"] = uploading
            entry["role"] = role
        else:
            entry["anonymous"] = group.anonymous
            entry["uploading_group"] = uploading
        found.append(entry)
    return found


def _credit(state: State, group: Group, credit: dict[str, Any]) -> dict[str, Any]:
    member = state.member(group, credit["id"])
    user = state.users.get(member.user_id or "") if member and not member.invite else None
    return {
        "id": credit["id"],
        "invite": member.invite if member else True,
        "username": user.username if user else None,
        "display_name": member.display_name if member else "Deleted Member",
        "pfp_hash": user.pfp_hash if user else None,
        "role": credit["role"],
        "weight": credit["weight"],
    }


def animetosho_data(torrent: Torrent) -> list[dict[str, Any]]:
    video = [f for f in torrent.files if f["name"].lower().endswith((".mkv", ".mp4"))]
    timings = [13980, 366330, 718680, 1069030, 1421380]
    data = []
    for index, file in enumerate(video or torrent.files[:1]):
        langs = [c for c in (torrent.fsub_lang + "," + torrent.sub_lang).split(",") if c]
        data.append({
            "file_id": int(torrent.id[-6:]) * 10 + index,
            "filename": file["name"],
            "filesize": file["length"],
            "subs": [{"id": int(torrent.id[-5:]) * 10 + n, "codec": "ASS", "lang": lang,
                      "name": None, "default": n == 0, "enabled": True, "forced": False,
                      "trackid": 3 + n, "tracknum": 3 + n} for n, lang in enumerate(langs)],
            "mediainfo": torrent.mediainfo or f"General\nComplete name : {file['name']}\n",
            "screenshot_id": f"{int(torrent.id) % 0xFFFFFFFF:08x}",
            "screenshot_timings": timings,
        })
    return data


def screenshots(torrent: Torrent) -> list[str]:
    if torrent.animetosho != "ready" or torrent.animetosho_fetched_at is None:
        return []
    shot = animetosho_data(torrent)[0]
    return [f"https://storage.animetosho.org/sframes/{shot['screenshot_id']}_{t}.png"
            for t in shot["screenshot_timings"]]


def torrent_full(state: State, torrent: Torrent, viewer: User | None) -> dict[str, Any]:
    """`GET /torrents/<id>`."""
    can_edit = viewer is not None and state.can_edit(torrent, viewer.id)
    uploader = state.users.get(torrent.uploader_id)
    animetosho: Any = None
    if torrent.animetosho_fetched_at is not None:
        animetosho = animetosho_data(torrent) if torrent.animetosho == "ready" else (
            torrent.animetosho)
    return {
        "id": torrent.id,
        "uploaded_at": str(torrent.uploaded_at),
        "title": torrent.title,
        "auto_title": auto_title(torrent),
        "description": torrent.description,
        "mediainfo": torrent.mediainfo,
        "category": torrent.category,
        "deleted": str(torrent.deleted) if torrent.deleted is not None else None,
        "hidden": torrent.hidden,
        "otl": torrent.otl,
        "hardsub": torrent.hardsub,
        "level": torrent.level,
        "mtl": torrent.mtl,
        "filesize": str(torrent.filesize),
        "media_id": torrent.media_id,
        "media_episode_ids": list(torrent.media_episode_ids),
        "audio_lang": torrent.audio_lang,
        "sub_lang": torrent.sub_lang,
        "fsub_lang": torrent.fsub_lang,
        "video_codec": torrent.video_codec,
        "video_type": torrent.video_type,
        "files": [dict(f) for f in torrent.files],
        "magnet": magnet(torrent, PUBLIC_ANNOUNCE),
        "private_magnet": magnet(torrent, private_announce(viewer.torrent_key))
        if viewer is not None else None,
        "infohash": torrent.infohash,
        "anonymous": torrent.anonymous,
        "uploader": user_brief(uploader) if not torrent.anonymous or can_edit else None,
        "groups": torrent_groups(state, torrent, with_members=True),
        "imported": None,
        "seeders": str(torrent.seeders),
        "leechers": str(torrent.leechers),
        "completed": str(torrent.completed),
        "activity": str(torrent.seeders * 131),
        "torrent_health": "100" if torrent.seeders else "0",
        "upgraded": torrent.upgraded,
        "animetosho": animetosho,
        "animetosho_fetch_time": str(torrent.animetosho_fetched_at)
        if torrent.animetosho_fetched_at is not None else None,
        "screenshots": screenshots(torrent),
        "can_edit": can_edit,
        "waiting_approve": torrent.waiting_approve,
        "disable_comments": False,
        "lock_comments": False,
        "disable_edits": False,
        "nyaa_upload_time": None,
    }


def torrent_result(state: State, torrent: Torrent, viewer: User | None) -> dict[str, Any]:
    """One entry of `GET /torrents/search` results."""
    can_edit = viewer is not None and state.can_edit(torrent, viewer.id)
    uploader = state.users.get(torrent.uploader_id)
    return {
        "id": torrent.id,
        "uploaded_at": str(torrent.uploaded_at),
        "title": torrent.title,
        "infohash": torrent.infohash,
        "magnet": magnet(torrent, PUBLIC_ANNOUNCE),
        "private_magnet": magnet(torrent, private_announce(viewer.torrent_key))
        if viewer is not None else None,
        "media_id": torrent.media_id,
        "description": torrent.description,
        "filesize": str(torrent.filesize),
        "category": torrent.category,
        "level": torrent.level,
        "otl": torrent.otl,
        "hardsub": torrent.hardsub,
        "mtl": torrent.mtl,
        "comment_count": str(len(torrent.comments)),
        "deleted": str(torrent.deleted) if torrent.deleted is not None else None,
        "hidden": torrent.hidden,
        "waiting_approve": torrent.waiting_approve,
        "auto_title": auto_title(torrent),
        "audio_lang": torrent.audio_lang,
        "sub_lang": torrent.sub_lang,
        "fsub_lang": torrent.fsub_lang,
        "video_codec": torrent.video_codec,
        "video_type": torrent.video_type,
        "anonymous": torrent.anonymous,
        "upgraded": torrent.upgraded,
        "uploader": user_brief(uploader) if not torrent.anonymous or can_edit else None,
        "seeders": str(torrent.seeders),
        "leechers": str(torrent.leechers),
        "completed": str(torrent.completed),
        "groups": torrent_groups(state, torrent, with_members=False),
        "imported": None,
        "user_is_seeding": (torrent.uploader_id == viewer.id) if viewer else None,
        "user_is_leeching": False if viewer else None,
        "user_download_count": 0 if viewer else None,
        "has_mediainfo": bool(torrent.mediainfo),
        "nyaa_upload_time": None,
    }


def member_view(state: State, group: Group, member: Member, *,
                admin_view: bool) -> dict[str, Any]:
    user = state.users.get(member.user_id or "") if not member.invite else None
    view: dict[str, Any] = {
        "id": member.id,
        "username": user.username if user else None,
        "invite": member.invite,
    }
    if admin_view:
        view["invite_key"] = member.invite_key if member.invite else None
        view["invite_has_recipient"] = (member.assigned or member.user_id is not None) if (
            member.invite) else None
    view.update({
        "display_name": member.display_name,
        "pfp_hash": user.pfp_hash if user else None,
        "leader": member.leader,
        "admin": member.admin,
        "regular": member.regular,
        "torrent_count": sum(
            1 for t in state.torrents.values()
            if t.primary_group and t.primary_group["id"] == group.id
            and any(c["id"] == member.id for c in t.primary_group["members"])),
    })
    return view


def group_torrents(state: State, group_id: str) -> list[Torrent]:
    return [t for t in state.torrents.values()
            if t.primary_group and t.primary_group["id"] == group_id and t.deleted is None]


def group_full(state: State, group: Group, viewer: User | None) -> dict[str, Any]:
    """`GET /groups/<id>`."""
    me = state.membership(group, viewer.id) if viewer else None
    admin_view = me is not None and (me.leader or me.admin)
    torrents = group_torrents(state, group.id)
    visible = [t for t in torrents if not t.hidden]
    media: dict[str, dict[str, Any]] = {}
    for torrent in visible:
        if torrent.media_id is None or torrent.media_id not in MEDIA:
            continue
        item = MEDIA[torrent.media_id]
        entry = media.setdefault(item.id, {
            "episodes": [], "torrents": [], "groups": [group.id],
            "media": {"id": item.id, "title": item.title, "banner_url": item.banner_url,
                      "episodes": []},
        })
        entry["torrents"].append(torrent.id)
        for episode_id in torrent.media_episode_ids:
            if episode_id not in entry["episodes"]:
                entry["episodes"].append(episode_id)
                episode = next((e for e in item.episodes if str(e["id"]) == episode_id), None)
                if episode is not None:
                    entry["media"]["episodes"].append(
                        {k: episode[k] for k in ("id", "season", "episode", "absolute",
                                                 "tvdbId", "title")})
    data: dict[str, Any] = {
        **group_brief(group),
        "members": [member_view(state, group, m, admin_view=admin_view)
                    for m in group.members if not m.used],
        "relations": relations(state, group),
        "media": list(media.values()),
        "can_edit": admin_view,
        "can_leave": me is not None and not me.leader,
    }
    if me is not None and me.leader:
        data["can_delete"] = True
    stats: dict[str, Any] = {"uploads": len(visible)}
    if me is not None and me.leader:
        stats["hidden_uploads"] = len(torrents) - len(visible)
    stats.update(tags=len({t.media_id for t in visible if t.media_id}),
                 seeders=str(sum(t.seeders for t in visible)),
                 leechers=str(sum(t.leechers for t in visible)),
                 downloads=str(sum(t.completed for t in visible)))
    data["stats"] = stats
    return data


def relations(state: State, group: Group) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {"parents": [], "children": []}
    for link in state.links:
        if group.id not in (link.parent, link.child):
            continue
        other_id, side = ((link.child, "children") if link.parent == group.id
                          else (link.parent, "parents"))
        other = state.groups.get(other_id)
        if other is None:
            continue
        brief = group_brief(other)
        brief.pop("description")
        found[side].append({**brief, "active": link.active,
                            "initiator": link.initiator == other_id})
    return found


def user_groups(state: State, user: User) -> list[dict[str, Any]]:
    result = []
    for group in state.groups.values():
        me = state.membership(group, user.id)
        if me is None:
            continue
        result.append({**group_brief(group), "admin": me.admin, "leader": me.leader,
                       "regular": me.regular, "me": me})
    return result


def user_full(state: State, user: User, viewer: User | None) -> dict[str, Any]:
    """`GET /users/<id|@me>`."""
    own = viewer is not None and viewer.id == user.id
    data: dict[str, Any] = {"id": user.id, "username": user.username,
                            "display_name": user.display_name, "pfp_hash": user.pfp_hash,
                            "description": user.description}
    if own:
        data["permissions"] = user.permissions
        data["torrent_key"] = user.torrent_key
    uploads = [t for t in state.torrents.values()
               if t.uploader_id == user.id and t.deleted is None]
    contributions = [t for t in state.torrents.values() if t.primary_group and any(
        c["id"] == user.id for c in t.primary_group["members"]) and t.uploader_id != user.id]
    groups = []
    for entry in user_groups(state, user):
        entry.pop("me")
        groups.append(entry)
    data.update({
        "torrent_count": len(uploads),
        "contribution_count": len(contributions),
        "groups": groups,
        "upload": str(user.upload),
        "download": str(user.download),
        "seeding": str(len(uploads)),
        "leeching": "0",
        "disabled": user.disabled,
        "nyaa": [dict(n) for n in user.nyaa if own or n["public"]],
        "can_edit": own,
        "has_mfa": False if own else None,
        "can_download_recovery": False if own else None,
    })
    return data
