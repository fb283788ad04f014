"""Request bodies and query filters, spelled exactly as `nekobt-api.md` spells them.

Field names differ per endpoint on purpose: upload and checks take `audio_langs`,
`sub_langs`, `fansub_langs`; edits take `audio_lang`, `sub_lang`, `fsub_lang`. A field the
reference marks `?` is `NotRequired` here; every other field must be present. The client sends
exactly the keys given (and refuses keys not declared here), so a strict server sees no extras.

IDs are strings everywhere except `upgraded`, which the reference types "number or null": the
client turns a string id into a Python `int` (serialised digit for digit by `json`).
"""

# No `from __future__ import annotations` here: the client reads these classes' required and
# optional keys at runtime, and Python 3.11 cannot see `NotRequired` in string annotations.

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from uploader.exceptions import ConfigError


class CreditedMember(TypedDict):
    """A member credited on an upload or checks request (max 50 per group)."""

    id: str | None  # user id, invite id, or None to create an invite
    role: str  # free text, max 64
    display_name: str  # max 32; used for new invites, "" for existing members


class UploadPrimaryGroup(TypedDict):
    id: str
    members: list[CreditedMember]


class ChecksPrimaryGroup(TypedDict):
    id: str
    tag: str
    members: list[CreditedMember]


class SecondaryGroup(TypedDict):
    id: str
    role: str | None  # max 64


class ChecksFile(TypedDict):
    path: str


class UploadRequest(TypedDict):
    """`POST /upload`. `batch` (newer site versions) is sent only when True."""

    torrent: str  # base64 of the .torrent file
    title: str
    movie: bool
    category: int  # 1 is the only valid category
    video_type: int | None
    video_codec: int | None
    level: int  # -1 .. 4
    mtl: bool
    anonymous: bool
    hidden: bool
    otl: bool
    hardsub: bool
    primary_group: NotRequired[UploadPrimaryGroup]
    secondary_groups: list[SecondaryGroup]
    audio_langs: str  # comma-separated site codes
    sub_langs: str
    fansub_langs: str
    description: str
    mediainfo: NotRequired[str]
    ignore_warnings: NotRequired[bool]
    batch: NotRequired[bool]


class ChecksRequest(TypedDict):
    """`PUT /upload/checks`. `batch` is sent only when True."""

    title: str
    movie: bool
    files: list[ChecksFile]
    video_type: int | None
    video_codec: int | None
    level: int | None
    mtl: bool
    otl: bool
    hardsub: bool
    primary_group: NotRequired[ChecksPrimaryGroup]
    audio_langs: str
    sub_langs: str
    fansub_langs: str
    announce_urls: NotRequired[list[str]]
    raw_announce_urls: NotRequired[list[list[str]]]
    batch: NotRequired[bool]


class EditMember(TypedDict):
    id: str | None  # None for new members
    role: str
    display_name: NotRequired[str]  # only used for new members
    pfp_hash: NotRequired[str | None]


class EditPrimaryGroup(TypedDict):
    id: str
    members: list[EditMember]


class TorrentEdit(TypedDict, total=False):
    """`PATCH /torrents/<id>`: at least one field. Languages are singular here."""

    title: str
    upgraded: int | str | None  # the replacing torrent's id; sent as a JSON integer
    description: str
    mediainfo: str
    video_type: int | None
    video_codec: int | None
    audio_lang: str
    sub_lang: str
    fsub_lang: str
    anonymous: bool
    hidden: bool
    hardsub: bool
    otl: bool
    mtl: bool
    primary_group: EditPrimaryGroup | None
    secondary_groups: list[SecondaryGroup]
    media_episodes: list[int]
    deleted: bool
    deletion_reason: str
    batch: bool  # newer site versions; sent only when True


class TitleReplace(TypedDict):
    find: str  # max 256
    replace: str  # max 256


class BulkEdit(TypedDict, total=False):
    """`PATCH /torrents/bulk/edit` minus `ids` (the client adds them): at least one field."""

    title: list[TitleReplace]  # max 5 find/replace pairs
    upgraded: int | str | None
    description: str
    video_type: int | None
    video_codec: int | None
    audio_lang: str
    sub_lang: str
    fsub_lang: str
    anonymous: bool
    hidden: bool
    hardsub: bool
    mtl: bool
    otl: bool
    primary_group: EditPrimaryGroup | None
    secondary_groups: list[SecondaryGroup]
    deleted: bool
    deletion_reason: str


class NewMember(TypedDict):
    """One entry of `POST /groups/<id>/members`."""

    id: str | None  # None: an invite for nobody in particular
    display_name: str | None


class UserEdit(TypedDict, total=False):
    """`PATCH /users/<id|@me>`: at least one field."""

    description: str
    pfp: str  # "reset", "keep", or base64 image data
    reset_torrent_key: bool
    remove_nyaa_account: str
    nyaa_account_public: str
    nyaa_account_private: str
    revoke_api_keys: bool


class TorrentFilters(TypedDict, total=False):
    """Filters of `GET /torrents/search` besides `query`. Lists are sent comma-joined."""

    limit: int
    offset: int
    sort_by: str
    category: int
    media_id: str
    episode_ids: list[str] | str
    episode_match_any: bool
    levels: list[int] | str
    video_codec: list[int] | str
    video_type: list[int] | str
    audio_lang: list[str] | str
    fansub_lang: list[str] | str
    sub_lang: list[str] | str
    hardsub: bool
    otl: bool
    mtl: bool
    group_id: str
    group_primary: bool
    group_secondary: bool
    group_childs: bool
    group_parents: bool
    uploader_id: str
    uploader_uploads: bool
    uploader_contributions: bool
    before: str | int  # unix milliseconds
    after: str | int


# A mediainfo JSON document ("whole output or just the `media` object").
MediainfoJson = dict[str, Any]


def snowflake(value: object, *, field: str) -> int | None:
    """A torrent id for a "number" field: `int`, exact (never through float); None stays."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and value.strip("0"):
        return int(value)
    raise ConfigError(f"{field} {value!r}: not a torrent id — torrent ids are digits")


def checked_body(
    req: Mapping[str, Any], model: Any, *, what: str, at_least_one: bool = False
) -> dict[str, Any]:
    """`req` as a JSON body: only `model`'s keys, all required ones, `batch` only when True.

    A key the reference does not document would be rejected by the site anyway; refusing it
    here names the mistake before anything is sent.
    """
    required: frozenset[str] = model.__required_keys__
    allowed = required | model.__optional_keys__
    unknown = sorted(set(req) - allowed)
    missing = sorted(required - set(req))
    if unknown or missing:
        problems = ([f"unknown field(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing field(s) {', '.join(missing)}"] if missing else [])
        raise ValueError(f"{what}: {'; '.join(problems)} — see nekobt-api.md")
    body = dict(req)
    if body.get("batch") is False:
        del body["batch"]  # older site versions do not know `batch`: send it only when set
    if "upgraded" in body:
        body["upgraded"] = snowflake(body["upgraded"], field="upgraded")
    if at_least_one and not body:
        raise ValueError(f"{what}: at least one field is required")
    return body
