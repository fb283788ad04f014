"""Every endpoint of the reference, one module per area. Order matters: literal paths
(`/torrents/search`, `/torrents/bulk/...`) come before the `{id}` patterns they resemble."""

from __future__ import annotations

from uploader.sandbox.routes import downloads, groups, info, search, torrents, upload, users
from uploader.sandbox.site import Route

ROUTES: list[Route] = [
    *search.ROUTES,
    *downloads.ROUTES,
    *torrents.ROUTES,
    *upload.ROUTES,
    *groups.ROUTES,
    *users.ROUTES,
    *info.ROUTES,
]
