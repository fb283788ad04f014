"""`.torrent` downloads: one file, or many as a ZIP (GET with a query, PATCH with a body)."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.site import Ctx, Route, fail
from uploader.sandbox.state import Torrent
from uploader.sandbox.torrentfile import (
    PUBLIC_ANNOUNCE,
    SITE_TRACKER,
    for_download,
    private_announce,
)

MAX_BULK = 500


def _file_bytes(ctx: Ctx, torrent: Torrent, public: bool) -> bytes:
    """Authenticated and not `public`: the user's private announce (their torrent key)."""
    if ctx.user is not None and not public:
        announce = private_announce(ctx.user.torrent_key)
    else:
        announce = PUBLIC_ANNOUNCE
    if ctx.site.tracker_base is not None:
        announce = announce.replace(SITE_TRACKER, ctx.site.tracker_base)
    return for_download(base64.b64decode(torrent.raw), announce)


def _filename(title: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", title)[:200] + ".torrent"


def download(ctx: Ctx, id: str) -> httpx.Response:
    params = ctx.params(schemas.DOWNLOAD_QUERY)
    torrent = ctx.torrent(id)
    data = _file_bytes(ctx, torrent, params.get("public", False))
    return httpx.Response(200, content=data, headers={
        "content-type": "application/x-bittorrent",
        "content-disposition": f'attachment; filename="{torrent.id}.torrent"'})


def _zip(ctx: Ctx, ids: list[str], public: bool) -> httpx.Response:
    if len(ids) > MAX_BULK:
        raise fail(400, f"Maximum {MAX_BULK} torrents per request.")
    found = []
    for torrent_id in dict.fromkeys(ids):
        torrent = ctx.state.torrents.get(torrent_id)
        if torrent is not None and ctx.can_see(torrent):
            found.append(torrent)
    if not found:
        raise fail(400, "No accessible torrents found.")
    buffer = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for torrent in found:
            name = _filename(torrent.title)
            if name in names:
                name = f"{name[:-8]} ({torrent.id}).torrent"
            names.add(name)
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            archive.writestr(info, _file_bytes(ctx, torrent, public))
    return httpx.Response(200, content=buffer.getvalue(), headers={
        "content-type": "application/zip",
        "content-disposition": 'attachment; filename="torrents.zip"'})


def bulk_download_get(ctx: Ctx) -> httpx.Response:
    params = ctx.params(schemas.BULK_DOWNLOAD_QUERY)
    ids = [i.strip() for i in params["ids"].split(",") if i.strip()]
    return _zip(ctx, ids, params.get("public", False))


def bulk_download_patch(ctx: Ctx) -> httpx.Response:
    body: dict[str, Any] = ctx.json(schemas.BULK_DOWNLOAD_BODY)
    return _zip(ctx, body["ids"], body.get("public", False))


ROUTES = [
    Route("GET", "/torrents/bulk/download", bulk_download_get, False),
    Route("PATCH", "/torrents/bulk/download", bulk_download_patch, False),
    Route("GET", "/torrents/{id}/download", download, False),
]
