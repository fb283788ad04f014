"""`POST /upload`, `PUT /upload/checks`, `PUT /upload/mediainfo`."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.checks import Candidate, CheckResult, run_checks
from uploader.sandbox.mediainfo import ExtractError, extract
from uploader.sandbox.site import Answer, Ctx, Route, fail, reply
from uploader.sandbox.state import Member, State, Torrent, now_ms
from uploader.sandbox.torrentfile import ParsedTorrent, TorrentFileError, parse_base64
from uploader.sandbox.validator import SchemaError, error_body

INVALID_TORRENT = "Invalid torrent file."
DUPLICATE = "Torrent already exists."  # sandbox: wording not in the reference


def _torrent(data: str) -> ParsedTorrent:
    try:
        return parse_base64(data)
    except TorrentFileError:
        raise fail(400, INVALID_TORRENT) from None


def checks(ctx: Ctx) -> httpx.Response:
    user = ctx.require_user()
    newer_site = ctx.site.faults.quirks.newer_site
    body = ctx.json(schemas.CHECKS_NEWER if newer_site else schemas.CHECKS)
    if "files" not in body and "torrent" not in body:
        # Only reachable on a newer site: `files` is in CHECKS' `required`.
        missing = SchemaError("", "#/required", "required", {"missingProperty": "files"},
                              "must have required property 'files'")
        raise Answer(httpx.Response(400, json=error_body(missing)))
    if "torrent" in body:
        urls = _torrent(body["torrent"]).announce_urls
    else:
        urls = list(body.get("announce_urls", []))
        for tier in body.get("raw_announce_urls", []):
            urls.extend(u for u in tier if u not in urls)
    result = run_checks(ctx.state, user.id, Candidate(
        title=body["title"], movie=body["movie"], level=_level(body["level"]),
        audio_langs=body["audio_langs"], sub_langs=body["sub_langs"],
        fansub_langs=body["fansub_langs"], announce_urls=urls,
        primary_group=body.get("primary_group"), batch=body.get("batch", False)))
    return reply({
        "warns": result.warns,
        "fails": result.fails,
        "parsedData": result.parsed_data(),
        "auto_title": body["title"],
        # sandbox: the reference shows only []; entries are {"id", "title"} of each torrent.
        "upgraded_torrents": [{"id": t.id, "title": t.title} for t in result.upgraded],
    })


def _level(value: float | None) -> int | None:
    return None if value is None else int(value)


def upload(ctx: Ctx) -> httpx.Response:
    user = ctx.require_user()
    body = ctx.json(schemas.UPLOAD_NEWER if ctx.site.faults.quirks.newer_site
                    else schemas.UPLOAD)
    parsed = _torrent(body["torrent"])
    if ctx.state.torrent_by_infohash(parsed.infohash) is not None:
        raise fail(400, DUPLICATE)
    result = run_checks(ctx.state, user.id, Candidate(
        title=body["title"], movie=body["movie"], level=_level(body["level"]),
        audio_langs=body["audio_langs"], sub_langs=body["sub_langs"],
        fansub_langs=body["fansub_langs"], announce_urls=parsed.announce_urls,
        primary_group=body.get("primary_group"), secondary_groups=body["secondary_groups"],
        batch=body.get("batch", False)))
    if result.fails:
        raise fail(400, "Can't upload torrent due to parsing failures.",
                   fails=result.fails, warns=result.warns)
    if result.warns and not body.get("ignore_warnings", False):
        raise fail(400, "Can't upload torrent due to parsing warnings.",
                   fails=[], warns=result.warns)
    torrent = _store(ctx, user.id, body, parsed, result)
    return reply({"id": torrent.id})


def credit_members(state: State, group_id: str, members: list[dict[str, Any]],
                   author_id: str) -> list[dict[str, Any]]:
    """Credits for a torrent; members without an id become new invites of the group."""
    group = state.groups[group_id]
    credits = []
    for weight, member in enumerate(members):
        member_id = member["id"]
        if member_id is None:
            member_id = state.new_id()
            group.members.append(Member(
                id=member_id, invite=True, display_name=member["display_name"].strip(),
                invite_key=secrets.token_hex(16), author_id=author_id, regular=False))
        credits.append({"id": member_id, "role": member["role"], "weight": weight})
    return credits


def _store(ctx: Ctx, user_id: str, body: dict[str, Any], parsed: ParsedTorrent,
           result: CheckResult) -> Torrent:
    state = ctx.state
    primary = body.get("primary_group")
    torrent = Torrent(
        id=state.new_id(),
        uploaded_at=now_ms(),
        title=body["title"],
        raw=base64.b64encode(parsed.raw).decode(),
        infohash=parsed.infohash,
        files=parsed.files,
        filesize=parsed.filesize,
        uploader_id=user_id,
        description=body["description"] or None,
        mediainfo=body.get("mediainfo") or None,
        movie=body["movie"],
        batch=body.get("batch", False),
        level=int(body["level"]),
        video_type=_int_or_none(body["video_type"]),
        video_codec=_int_or_none(body["video_codec"]),
        audio_lang=",".join(result.langs["audio"]),
        sub_lang=",".join(result.langs["sub"]),
        fsub_lang=",".join(result.langs["fansub"]),
        mtl=body["mtl"],
        otl=body["otl"],
        hardsub=body["hardsub"],
        anonymous=body["anonymous"],
        hidden=body["hidden"],
        primary_group={"id": primary["id"], "members": credit_members(
            state, primary["id"], primary["members"], user_id)} if primary else None,
        secondary_groups=[{"id": g["id"], "role": g["role"]} for g in body["secondary_groups"]],
        media_id=result.media.id if result.media else None,
        media_episode_ids=result.episode_ids(),
        waiting_approve=ctx.site.faults.quirks.waiting_approve,
    )
    state.torrents[torrent.id] = torrent
    ctx.changed = True
    return torrent


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


def mediainfo(ctx: Ctx) -> httpx.Response:
    body = ctx.json(schemas.MEDIAINFO_EXTRACT)
    quirks = ctx.site.faults.quirks
    try:
        data = extract(body["mediainfo"], aliases=quirks.lang_aliases,
                       text_langs_as=quirks.text_langs_as)
    except ExtractError as exc:
        raise fail(400, str(exc)) from None
    return reply(data)


ROUTES = [
    Route("POST", "/upload", upload, True),
    Route("PUT", "/upload/checks", checks, True),
    Route("PUT", "/upload/mediainfo", mediainfo, False),
]
