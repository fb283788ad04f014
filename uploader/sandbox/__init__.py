"""A local, stateful model of nekoBT's JSON API, for trying the tool and for tests.

    site = Site.demo()                       # seeded demo user, groups, torrents
    httpx.Client(transport=site.transport()) # in-process face (cookie ssid=site.api_key)
    with SandboxServer(site) as server:      # the same site over real loopback HTTP
        server.url                           # "http://127.0.0.1:PORT/api/v1"
    site.faults.rate_limit_json(2)           # fault injection (see `faults`)
    site.torrents, site.requests             # what was stored / asked (never the cookie)

Layout: `site` (routing, auth, faults, persistence hook), `routes/` (one module per area of
the reference), `schemas` + `validator` (the documented parameter tables, Ajv-style errors),
`checks` + `titles` + `catalog` (the upload checks, title parsing, known media),
`torrentfile` + `bencode` (reading uploads, writing downloads), `mediainfo`, `langs`,
`views` (response shapes), `state` + `demo` (data, seed, JSON persistence), `server`.

Where the reference is silent, the sandbox chooses (and tests) this:
- Validation reports the first error only (Ajv's default); the top-level message names the
  field as its instancePath with dots ('primary_group.members.0.role'). Nested fields without
  `?` are required: upload/checks members need id, role and display_name ("" for existing
  members). Unknown query parameters of documented query tables are rejected too. A body not
  declared `application/json` is a 415.
- `upgraded_torrents` entries are `{"id", "title"}`. A duplicate infohash answers 400
  "Torrent already exists.". Undocumented fail texts (private announce, unknown language,
  group permission, unknown members) are marked "sandbox:" in `checks`.
- Mediainfo text tracks count as fansub languages (`quirks.text_langs_as = "sub"` flips it);
  `quirks.lang_aliases` answers "jp"-style aliases like the reference's example.
- Group `tag` is lower-case and `display_tag` is what titles carry (as in the reference's
  examples); the release-group check accepts either, case-insensitively.
- Hidden, deleted and waiting-for-approval torrents are visible (and found by infohash) only
  to those who may edit them.
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
