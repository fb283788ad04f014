"""Request bodies for `PUT /upload/checks` and `POST /upload`, to the letter of the reference.

The two endpoints take different field sets: checks has `files`, announce lists and the primary
group's `tag`, but no `anonymous`, `hidden`, `description`, `secondary_groups` or `torrent`;
upload has those and no `files`. A strict site rejects any field it does not document, so each
body is built from an explicit list, and `batch` (newer site versions) is sent only when true.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uploader.profiles.model import Member, SecondaryGroup

CATEGORY = 1  # the only valid upload category


@dataclass(frozen=True)
class ReleaseMeta:
    """Everything the site is told about a release, after profile + mediainfo merge."""

    title: str
    description: str
    group_id: str
    group_tag: str
    members: tuple[Member, ...] = ()
    secondary_groups: tuple[SecondaryGroup, ...] = ()
    level: int = 3
    video_type: int | None = None
    video_codec: int | None = None
    movie: bool = False
    batch: bool = False
    mtl: bool = False
    otl: bool = False
    hardsub: bool = False
    anonymous: bool = False
    hidden: bool = False
    audio_langs: tuple[str, ...] = ()
    sub_langs: tuple[str, ...] = ()
    fansub_langs: tuple[str, ...] = ()
    mediainfo: str | None = None
    # What was detected for profile fields written as `auto` ("video_type" -> "13 BD Encode,
    # from the name"), for the preview and the journal; never sent.
    detected: tuple[tuple[str, str], ...] = ()


def _langs(codes: Sequence[str]) -> str:
    return ",".join(dict.fromkeys(codes))


def _members(meta: ReleaseMeta) -> list[dict[str, Any]]:
    # Existing members carry an empty display_name, as the reference's example does.
    return [
        {"id": m.id, "role": m.role, "display_name": (m.display_name or "") if m.id is None
         else ""}
        for m in meta.members
    ]


def checks_body(meta: ReleaseMeta, files: Sequence[str],
                tiers: Sequence[Sequence[str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": meta.title,
        "movie": meta.movie,
        "files": [{"path": path} for path in files],
        "video_type": meta.video_type,
        "video_codec": meta.video_codec,
        "level": meta.level,
        "mtl": meta.mtl,
        "otl": meta.otl,
        "hardsub": meta.hardsub,
        "primary_group": {"id": meta.group_id, "tag": meta.group_tag, "members": _members(meta)},
        "audio_langs": _langs(meta.audio_langs),
        "sub_langs": _langs(meta.sub_langs),
        "fansub_langs": _langs(meta.fansub_langs),
        "announce_urls": [url for tier in tiers for url in tier],
        "raw_announce_urls": [list(tier) for tier in tiers],
    }
    if meta.batch:
        body["batch"] = True
    return body


def upload_body(meta: ReleaseMeta, torrent: bytes, *, ignore_warnings: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "torrent": base64.b64encode(torrent).decode("ascii"),
        "title": meta.title,
        "movie": meta.movie,
        "category": CATEGORY,
        "video_type": meta.video_type,
        "video_codec": meta.video_codec,
        "level": meta.level,
        "mtl": meta.mtl,
        "anonymous": meta.anonymous,
        "hidden": meta.hidden,
        "otl": meta.otl,
        "hardsub": meta.hardsub,
        "primary_group": {"id": meta.group_id, "members": _members(meta)},
        "secondary_groups": [{"id": g.id, "role": g.role} for g in meta.secondary_groups],
        "audio_langs": _langs(meta.audio_langs),
        "sub_langs": _langs(meta.sub_langs),
        "fansub_langs": _langs(meta.fansub_langs),
        "description": meta.description,
    }
    if meta.mediainfo is not None:
        body["mediainfo"] = meta.mediainfo
    if ignore_warnings:
        body["ignore_warnings"] = True
    if meta.batch:
        body["batch"] = True
    return body


def for_journal(body: dict[str, Any]) -> dict[str, Any]:
    """The body as journalled: the base64 torrent is replaced by its size (the file is kept)."""
    out = dict(body)
    if "torrent" in out:
        out["torrent"] = f"<{len(out['torrent'])} base64 chars>"
    if "mediainfo" in out and isinstance(out["mediainfo"], str):
        out["mediainfo"] = f"<{len(out['mediainfo'])} chars>"
    return out
