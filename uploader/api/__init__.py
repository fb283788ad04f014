"""The nekoBT API client: one method per endpoint of `nekobt-api.md`.

    from uploader.api import NekoClient
    with NekoClient("https://nekobt.to/api/v1", settings.require_key()) as site:
        site.check_key()  # one request: the key is taken and --api-url is the API
        torrent_id = site.find_by_infohash(built.infohash)

A site that cannot be reached fails in seconds: a few quick tries, then every request of the
next seconds fails at once with the same "nekoBT at <url>: ..." error (`session`).

Modules: `client` (the endpoints), `session` (sending: auth cookie, limiter, retries,
decoding), `errors` (the one border where httpx failures and error answers become
`uploader.exceptions`), `retry` (what may be repeated, and the waits), `limiter` (client-side
spacing), `bodies` (request TypedDicts), `models` (response TypedDicts, one module per area).
"""

from uploader.api.bodies import (
    BulkEdit,
    ChecksFile,
    ChecksPrimaryGroup,
    ChecksRequest,
    CreditedMember,
    EditMember,
    EditPrimaryGroup,
    NewMember,
    SecondaryGroup,
    TitleReplace,
    TorrentEdit,
    TorrentFilters,
    UploadPrimaryGroup,
    UploadRequest,
    UserEdit,
)
from uploader.api.client import NekoClient
from uploader.api.models import (
    ChecksResult,
    MediainfoResult,
    Torrent,
    TorrentSearchResult,
)

__all__ = [
    "BulkEdit",
    "ChecksFile",
    "ChecksPrimaryGroup",
    "ChecksRequest",
    "ChecksResult",
    "CreditedMember",
    "EditMember",
    "EditPrimaryGroup",
    "MediainfoResult",
    "NekoClient",
    "NewMember",
    "SecondaryGroup",
    "TitleReplace",
    "Torrent",
    "TorrentEdit",
    "TorrentFilters",
    "TorrentSearchResult",
    "UploadPrimaryGroup",
    "UploadRequest",
    "UserEdit",
]
