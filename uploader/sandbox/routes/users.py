"""Users: get, edit, groups, notifications (+ read), peers, search (exact username)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.site import Answer, Ctx, Route, fail, reply
from uploader.sandbox.state import User
from uploader.sandbox.validator import SchemaError, error_body
from uploader.sandbox.views import user_brief, user_full, user_groups

FORBIDDEN = "Forbidden."
MAX_PFP_BYTES = 4_500_000


def get_user(ctx: Ctx, user_id: str) -> httpx.Response:
    return reply(user_full(ctx.state, ctx.user_param(user_id), ctx.user))


def _own(ctx: Ctx, user_id: str) -> User:
    me = ctx.require_user()
    target = ctx.user_param(user_id)
    if target.id != me.id:
        raise fail(403, FORBIDDEN)
    return me


def edit_user(ctx: Ctx, user_id: str) -> httpx.Response:
    me = _own(ctx, user_id)
    body = ctx.json(schemas.EDIT_USER)
    nyaa = {n["username"].lower(): n for n in me.nyaa}
    for key in ("remove_nyaa_account", "nyaa_account_public", "nyaa_account_private"):
        if key in body and body[key].lower() not in nyaa:
            raise fail(400, f'Nyaa account ("{body[key]}") not found.')
    pfp_hash = me.pfp_hash
    if "pfp" in body and body["pfp"] != "keep":
        if body["pfp"] == "reset":
            pfp_hash = None
        else:
            try:
                image = base64.b64decode(body["pfp"], validate=True)
            except (binascii.Error, ValueError):
                raise fail(400, "Invalid profile picture.") from None
            if len(image) > MAX_PFP_BYTES:
                raise fail(400, "Profile picture is too large (max 4.5MB).")
            pfp_hash = hashlib.sha1(image, usedforsecurity=False).hexdigest()
    me.pfp_hash = pfp_hash
    if "description" in body:
        me.description = body["description"]
    if "remove_nyaa_account" in body:
        me.nyaa.remove(nyaa[body["remove_nyaa_account"].lower()])
    if "nyaa_account_public" in body:
        nyaa[body["nyaa_account_public"].lower()]["public"] = True
    if "nyaa_account_private" in body:
        nyaa[body["nyaa_account_private"].lower()]["public"] = False
    if body.get("revoke_api_keys"):
        # Faithful: every key stops working, the demo key included (delete --data to reseed).
        me.api_keys = []
    ctx.changed = True
    if body.get("reset_torrent_key"):
        me.torrent_key = secrets.token_hex(16)
        return reply(new_torrent_key=me.torrent_key)
    return reply()


def get_user_groups(ctx: Ctx, user_id: str) -> httpx.Response:
    user = ctx.user_param(user_id)
    state = ctx.state
    result = []
    for entry in user_groups(state, user):
        group = state.groups[entry["id"]]
        del entry["me"]
        entry["members"] = []
        for member in group.members:
            if member.used:
                continue
            member_user = state.users.get(member.user_id or "") if not member.invite else None
            entry["members"].append({
                "id": member.id, "invite": member.invite,
                "username": member_user.username if member_user else None,
                "display_name": member.display_name,
                "pfp_hash": member_user.pfp_hash if member_user else None,
                "leader": member.leader, "admin": member.admin, "regular": member.regular})
        entry["upload_count"] = sum(
            1 for t in state.torrents.values()
            if t.primary_group and t.primary_group["id"] == group.id and t.deleted is None)
        result.append(entry)
    return reply(result)


def notifications(ctx: Ctx, user_id: str) -> httpx.Response:
    return reply([dict(n) for n in _own(ctx, user_id).notifications])


def read_notifications(ctx: Ctx, user_id: str) -> httpx.Response:
    me = _own(ctx, user_id)
    body = ctx.json(schemas.READ_NOTIFICATIONS)
    ids = body["ids"]
    if isinstance(ids, str) and ids != "all":
        problem = SchemaError("/ids", "#/properties/ids/enum", "enum",
                              {"allowedValues": ["all"]},
                              "must be equal to one of the allowed values")
        raise Answer(httpx.Response(400, json=error_body(problem)))
    for note in me.notifications:
        if ids == "all" or note["id"] in ids:
            note["seen"] = True
    ctx.changed = True
    return reply([dict(n) for n in me.notifications])


def peers(ctx: Ctx, user_id: str) -> httpx.Response:
    me = _own(ctx, user_id)
    data = []
    for torrent in ctx.state.torrents.values():
        if torrent.uploader_id != me.id or torrent.deleted is not None:
            continue
        since = str(torrent.uploaded_at)
        data.append({
            "torrent_id": torrent.id, "upload": str(torrent.completed * torrent.filesize),
            "download": "0", "completed": "0", "down_time": "0", "up_time": "74859",
            "created_at": since, "updated_at": since, "last_completed": "0",
            "torrent_title": torrent.title, "torrent_infohash": torrent.infohash,
            "torrent_filesize": str(torrent.filesize),
            "peers": [{
                "torrent_id": torrent.id, "peer_id": "-qB5010-sandbox", "upload": "0",
                "download": "0", "left": "0", "first_seen": since, "last_seen": since,
                "user_agent": "qBittorrent/5.1.0", "est_upload_speed": 0,
                "est_download_speed": 0, "ip": "127.0.0.1", "port": 58071}],
        })
    return reply(data)


def search_users(ctx: Ctx) -> httpx.Response:
    params = ctx.params(schemas.SEARCH_USERS)
    wanted = params["query"].strip().lower()
    found = [user_brief(u) for u in ctx.state.users.values() if u.username.lower() == wanted]
    return reply({"more": False, "results": found})


ROUTES = [
    Route("GET", "/users/search", search_users, True),
    Route("GET", "/users/{user_id}", get_user, False),
    Route("PATCH", "/users/{user_id}", edit_user, True),
    Route("GET", "/users/{user_id}/groups", get_user_groups, False),
    Route("GET", "/users/{user_id}/notifications", notifications, True),
    Route("PUT", "/users/{user_id}/notifications/read", read_notifications, True),
    Route("GET", "/users/{user_id}/peers", peers, True),
]
