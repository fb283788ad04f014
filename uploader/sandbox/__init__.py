"""A local, stateful model of nekoBT's JSON API, for trying the tool and for tests.

    site = Site.demo()                       # seeded demo user, groups, torrents
    httpx.Client(transport=site.transport()) # in-process face (cookie ssid=site.api_key)
    with SandboxServer(site) as server:      # the same site over real loopback HTTP
        server.url                           # "http://127.0.0.1:PORT/api/v1"
    host_profiles(site, profiles)            # host your groups (see `hosting`)
    site.faults.rate_limit_json(2)           # fault injection (see `faults`)
    site.torrents, site.requests             # what was stored / asked (never the cookie)

Layout: `site` (routing, auth, faults, persistence hook), `routes/` (one module per area of
the reference), `schemas` + `validator` (the documented parameter tables, Ajv-style errors),
`checks` + `titles` + `catalog` (the upload checks, title parsing, known media),
`torrentfile` + `bencode` (reading uploads, writing downloads), `mediainfo`, `langs`,
`views` (response shapes), `state` + `demo` (data, seed, JSON persistence), `hosting` (the
groups of the profiles it is given), `server`.

By default the sandbox is at least as strict as the reference: a field its tables do not
list is a 400 `validate_errors` (keyword additionalProperties), so `batch` (newer site
versions, nekobt-facts.md) is refused, and checks require `files` and know no `torrent`.
`site.faults.quirks` (CLI: `sandbox --quirk NAME`) turns on the real site's other faces:
- `newer_site` (`newer-site`): `batch` (boolean) on upload, checks and edits, and checks take
  the base64 `torrent` instead of `files` + announce lists.
- `lang_aliases` (on; `no-lang-aliases` turns it off): mediainfo extraction answers the
  site's aliases ("jp", as the reference's example does), so clients must normalise.
- `waiting_approve` (`waiting-approve`): new uploads wait for staff approval. The upload
  still answers its id; while waiting, `GET /torrents/<id>` is the reference's 403 "Torrent
  is waiting for approval." and an infohash search finds nothing, for everyone but staff
  (users with any `permissions`) — the uploader included, unless `waiting_hidden` is off
  (`waiting-visible`). Its uploader and group admins may still edit it.
- `text_langs_as = "sub"` (`text-langs-as-sub`): mediainfo text tracks count as subtitles.

Where the reference is silent, the sandbox chooses (and tests) this:
- Validation reports the first error only (Ajv's default); the top-level message names the
  field as its instancePath with dots ('primary_group.members.0.role'). Nested fields without
  `?` are required: upload/checks members need id, role and display_name ("" for existing
  members). Unknown query parameters of documented query tables are rejected too. A body not
  declared `application/json` is a 415.
- `upgraded_torrents` entries are `{"id", "title"}`. A duplicate infohash answers 400
  "Torrent already exists.". Undocumented fail texts (private announce, unknown language,
  group permission, unknown members, a checks `primary_group.tag` that is not the group's)
  are marked "sandbox:" in `checks`.
- Mediainfo text tracks count as fansub languages unless `text_langs_as` says "sub".
- Group `tag` is lower-case and `display_tag` is what titles carry (as in the reference's
  examples); the release-group check and the checks' `primary_group.tag` accept either,
  case-insensitively.
- Hidden and deleted torrents are visible (and found by infohash) only to those who may edit
  them, and to staff. A waiting torrent's download, comments and AnimeTosho data answer the
  same 403 as its page to those who may not see it, and bulk downloads skip it.
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
from uploader.sandbox.hosting import Hosted, host_profiles, hostable_profiles
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
    "Hosted",
    "LoggedRequest",
    "SandboxServer",
    "Site",
    "host_profiles",
    "hostable_profiles",
    "start_sandbox",
]
