"""A local, stateful model of nekoBT's JSON API, for trying the tool and for tests.

    site = Site.demo()                       # seeded demo user, groups, torrents
    httpx.Client(transport=site.transport()) # in-process face
    with SandboxServer(site) as server:      # the same site over real loopback HTTP
        server.url                           # "http://127.0.0.1:PORT/api/v1"
"""

from __future__ import annotations

from uploader.sandbox.demo import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_GROUP_TAG,
    DEMO_INVITE_ID,
    DEMO_INVITE_KEY,
    DEMO_MEMBER_IDS,
    DEMO_RAWS_GROUP_ID,
    DEMO_TORRENT_KEY,
    DEMO_USER_ID,
    ENCODER_USER_ID,
    OTHER_API_KEY,
    OTHER_GROUP_ID,
    OTHER_GROUP_TAG,
    OTHER_TORRENT_ID,
    OTHER_USER_ID,
    SAMPLE_TITLE,
    SAMPLE_TORRENT_02_ID,
    SAMPLE_TORRENT_ID,
    TRANSLATOR_USER_ID,
)
from uploader.sandbox.server import SandboxServer, start_sandbox
from uploader.sandbox.site import LoggedRequest, Site

__all__ = [
    "DEMO_API_KEY",
    "DEMO_GROUP_ID",
    "DEMO_GROUP_TAG",
    "DEMO_INVITE_ID",
    "DEMO_INVITE_KEY",
    "DEMO_MEMBER_IDS",
    "DEMO_RAWS_GROUP_ID",
    "DEMO_TORRENT_KEY",
    "DEMO_USER_ID",
    "ENCODER_USER_ID",
    "OTHER_API_KEY",
    "OTHER_GROUP_ID",
    "OTHER_GROUP_TAG",
    "OTHER_TORRENT_ID",
    "OTHER_USER_ID",
    "SAMPLE_TITLE",
    "SAMPLE_TORRENT_02_ID",
    "SAMPLE_TORRENT_ID",
    "TRANSLATOR_USER_ID",
    "LoggedRequest",
    "SandboxServer",
    "Site",
    "start_sandbox",
]
