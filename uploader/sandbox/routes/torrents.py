"""Torrent pages and edits: get, edit, bulk edit, bulk permissions, AnimeTosho, comments."""

from __future__ import annotations

from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.checks import (
    FAIL_GROUP_NOT_FOUND,
    FAIL_NOT_GROUP_ADMIN,
    edit_fails,
    fail_unknown_secondary,
    group_fails,
)
from uploader.sandbox.routes.upload import credit_members
from uploader.sandbox.site import Ctx, Route, fail, reply
from uploader.sandbox.state import Torrent, User, now_ms
from uploader.sandbox.views import animetosho_data, torrent_full

EDIT_FAILED = "Can't edit torrent due to parsing failures."
NO_PERMISSION = "You do not have permission to edit one or more torrents."


def get_torrent(ctx: Ctx, id: str) -> httpx.Response:
    return reply(torrent_full(ctx.state, ctx.torrent(id), ctx.user))


def edit_torrent(ctx: Ctx, id: str) -> httpx.Response:
    user = ctx.require_user()
    body = ctx.json(schemas.EDIT_TORRENT_NEWER if ctx.site.faults.quirks.newer_site
                    else schemas.EDIT_TORRENT)
    torrent = ctx.state.torrents.get(id)
    if torrent is None:
        raise fail(404, "Torrent not found.")
    if not ctx.state.can_edit(torrent, user.id):
        # Those who may edit a torrent may do so even while it waits for approval.
        if not ctx.can_see(torrent):
            raise fail(404, "Torrent not found.")
        raise fail(403, "You do not have permission to edit this torrent.")
    _apply_edit(ctx, user, [torrent], body, bulk=False)
    return reply()


def _bad_torrents(ctx: Ctx, user: User, ids: list[str]) -> list[str]:
    bad = []
    for torrent_id in ids:
        torrent = ctx.state.torrents.get(torrent_id)
        if torrent is None or not ctx.state.can_edit(torrent, user.id):
            bad.append(torrent_id)
    return bad


def bulk_edit(ctx: Ctx) -> httpx.Response:
    user = ctx.require_user()
    body = ctx.json(schemas.BULK_EDIT_NEWER if ctx.site.faults.quirks.newer_site
                    else schemas.BULK_EDIT)
    ids = list(dict.fromkeys(body["ids"]))
    bad = _bad_torrents(ctx, user, ids)
    if bad:
        raise fail(400, NO_PERMISSION, fails=[], warns=[], bad_torrents=bad)
    edit = {k: v for k, v in body.items() if k != "ids"}
    _apply_edit(ctx, user, [ctx.state.torrents[i] for i in ids], edit, bulk=True)
    return reply()


def bulk_perms(ctx: Ctx) -> httpx.Response:
    user = ctx.require_user()
    body = ctx.json(schemas.BULK_PERMS)
    bad = _bad_torrents(ctx, user, list(dict.fromkeys(body["ids"])))
    if bad:
        raise fail(400, NO_PERMISSION, bad_torrents=bad)
    return reply()


def _apply_edit(ctx: Ctx, user: User, torrents: list[Torrent], edit: dict[str, Any],
                *, bulk: bool) -> None:
    """Check the whole edit for every torrent first, then change them all (all or nothing)."""
    state = ctx.state
    fails: list[str] = []
    codes_by_torrent: dict[str, dict[str, list[str]]] = {}
    for torrent in torrents:
        langs = {"audio": edit.get("audio_lang", torrent.audio_lang),
                 "sub": edit.get("sub_lang", torrent.sub_lang),
                 "fansub": edit.get("fsub_lang", torrent.fsub_lang)}
        torrent_fails, codes_by_torrent[torrent.id] = edit_fails(torrent.level, langs)
        fails.extend(f for f in torrent_fails if f not in fails)
    primary = edit.get("primary_group")
    if primary is not None:
        if primary["id"] not in state.groups:
            fails.append(FAIL_GROUP_NOT_FOUND)
        elif not state.is_group_admin(primary["id"], user.id):
            fails.append(FAIL_NOT_GROUP_ADMIN)
        else:
            fails.extend(group_fails(state, user.id, {**primary, "members": [
                {"display_name": "", **m} for m in primary["members"]]}))
    for secondary in edit.get("secondary_groups", []):
        if secondary["id"] not in state.groups:
            fails.append(fail_unknown_secondary(secondary["id"]))
    if fails:
        extra: dict[str, Any] = {"bad_torrents": []} if bulk else {}
        raise fail(400, EDIT_FAILED, fails=fails, warns=[], **extra)

    upgraded: str | None = None
    if edit.get("upgraded") is not None:
        # A JSON number; Python keeps big integers exact, so the id string survives.
        upgraded = str(int(edit["upgraded"]))
        if upgraded not in state.torrents:
            raise fail(400, "Upgraded torrent not found.")
        if any(t.id == upgraded for t in torrents):
            raise fail(400, "A torrent can't be upgraded by itself.")

    credits = None
    if primary is not None:
        credits = credit_members(state, primary["id"], primary["members"], user.id)
    for torrent in torrents:
        _edit_one(torrent, edit, codes_by_torrent[torrent.id], upgraded, credits)
    ctx.changed = True


def _edit_one(torrent: Torrent, edit: dict[str, Any], codes: dict[str, list[str]],
              upgraded: str | None, credits: list[dict[str, Any]] | None) -> None:
    if "title" in edit:
        if isinstance(edit["title"], str):
            torrent.title = edit["title"]
        else:
            for rule in edit["title"]:
                torrent.title = torrent.title.replace(rule["find"], rule["replace"])
    if "upgraded" in edit:
        torrent.upgraded = upgraded
    for field in ("description", "mediainfo"):
        if field in edit:
            setattr(torrent, field, edit[field] or None)
    for field in ("video_type", "video_codec"):
        if field in edit:
            setattr(torrent, field, None if edit[field] is None else int(edit[field]))
    for field, kind in (("audio_lang", "audio"), ("sub_lang", "sub"), ("fsub_lang", "fansub")):
        if field in edit:
            setattr(torrent, field, ",".join(codes[kind]))
    for field in ("anonymous", "hidden", "hardsub", "otl", "mtl", "batch"):
        if field in edit:
            setattr(torrent, field, edit[field])
    if "primary_group" in edit:
        torrent.primary_group = None if edit["primary_group"] is None else {
            "id": edit["primary_group"]["id"], "members": [dict(c) for c in credits or []]}
    if "secondary_groups" in edit:
        torrent.secondary_groups = [{"id": g["id"], "role": g["role"]}
                                    for g in edit["secondary_groups"]]
    if "media_episodes" in edit:
        torrent.media_episode_ids = [str(int(e)) for e in edit["media_episodes"]]
    if "deleted" in edit:
        torrent.deleted = now_ms() if edit["deleted"] else None
    if "deletion_reason" in edit:
        torrent.deletion_reason = edit["deletion_reason"]


# AnimeTosho: status -> (HTTP status, message, retry?) for the unsuccessful answers.
_ANIMETOSHO_ERRORS = {
    "skipped": (400, "Torrent was skipped on AnimeTosho.", False),
    "not_found": (404, "Torrent was not found on AnimeTosho.", True),
    "no_media": (400, "No media files were found on AnimeTosho.", False),
    "error": (500, "AnimeTosho returned an unexpected status.", False),
}


def animetosho(ctx: Ctx, id: str) -> httpx.Response:
    """First ask of a processing torrent: 202; the next: the data, 201; afterwards 200."""
    torrent = ctx.torrent(id)
    first_fetch = torrent.animetosho_fetched_at is None
    if torrent.animetosho == "processing":
        if first_fetch:
            torrent.animetosho_fetched_at = now_ms()
            ctx.changed = True
            return reply(None, 202, message="Torrent is still being processed on AnimeTosho.",
                         retry=True)
        torrent.animetosho = "ready"
        first_fetch = True
    if torrent.animetosho == "ready":
        if first_fetch:
            torrent.animetosho_fetched_at = now_ms()
            ctx.changed = True
        return reply(animetosho_data(torrent), 201 if first_fetch else 200, retry=False)
    status, message, retry = _ANIMETOSHO_ERRORS[torrent.animetosho]
    if first_fetch:
        torrent.animetosho_fetched_at = now_ms()
        ctx.changed = True
    raise fail(status, message, retry=retry)


def comments(ctx: Ctx, id: str) -> httpx.Response:
    return reply(ctx.torrent(id).comments)


ROUTES = [
    Route("PATCH", "/torrents/bulk/edit", bulk_edit, True),
    Route("PATCH", "/torrents/bulk/edit/perms", bulk_perms, True),
    Route("GET", "/torrents/{id}", get_torrent, False),
    Route("PATCH", "/torrents/{id}", edit_torrent, True),
    Route("GET", "/torrents/{id}/animetosho", animetosho, False),
    Route("GET", "/torrents/{id}/comments", comments, False),
]
