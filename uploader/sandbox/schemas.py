"""Request schemas, one per endpoint, transcribed from the reference's parameter tables.

A field without `?` in a table is required; a table that says "At least one is required" is
`minProperties`. Unknown fields are always rejected (`additionalProperties: false`), so a
client that sends an undocumented or misspelt field learns it here, not on the real site.
Choices where the reference is silent are marked "sandbox:". Fields of site versions newer
than the reference (`batch`, `torrent` on checks) exist only in the `*_NEWER` schemas, which
the handlers use under `quirks.newer_site`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

BOOL: Schema = {"type": "boolean"}
STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
ID: Schema = {"type": "string"}


def text(max_length: int, *, min_length: int = 0) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


def obj(properties: dict[str, Schema], required: tuple[str, ...] = (),
        min_properties: int = 0) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    if min_properties:
        schema["minProperties"] = min_properties
    return schema


def array(items: Schema, *, min_items: int = 0, max_items: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if min_items:
        schema["minItems"] = min_items
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


VIDEO_TYPES = [15, 14, 13, 12, 11, 9, 8, 7, 6, 5, 16, 4, 3, 2, 1, 0]  # 10 is retired
VIDEO_CODECS = [1, 2, 3, 4, 5, 6, 7, 8, 0]
VIDEO_TYPE: Schema = {"type": ["number", "null"], "enum": [*VIDEO_TYPES, None]}
VIDEO_CODEC: Schema = {"type": ["number", "null"], "enum": [*VIDEO_CODECS, None]}
LEVEL: Schema = {"type": "number", "minimum": -1, "maximum": 4, "multipleOf": 1}
LANG_LIST = text(256)
TITLE = text(512, min_length=1)
DESCRIPTION = text(8192)
MEDIAINFO = text(65536)
ROLE = text(64)
DISPLAY_NAME = text(32)
NULLABLE_ROLE: Schema = {"type": ["string", "null"], "maxLength": 64}

# Members of a primary group on upload/checks: the nested list has no `?`, so all three are
# required (the reference's example sends display_name "" for existing members).
UPLOAD_MEMBER = obj({"id": NULLABLE_STRING, "role": ROLE, "display_name": DISPLAY_NAME},
                    ("id", "role", "display_name"))
# On edits the example adds pfp_hash, and display_name is "Only used for new members" (so
# optional, but a string when sent: the example never shows it null).
EDIT_MEMBER = obj({"id": NULLABLE_STRING, "role": ROLE, "display_name": DISPLAY_NAME,
                   "pfp_hash": NULLABLE_STRING}, ("id", "role"))
SECONDARY_GROUP = obj({"id": ID, "role": NULLABLE_ROLE}, ("id", "role"))
SECONDARY_GROUPS = array(SECONDARY_GROUP, max_items=50)

UPLOAD = obj(
    {
        "torrent": text(20_000_000, min_length=1),  # sandbox: base64 of a <15 MB .torrent
        "title": TITLE,
        "movie": BOOL,
        "category": {"type": "number", "const": 1},
        "video_type": VIDEO_TYPE,
        "video_codec": VIDEO_CODEC,
        "level": LEVEL,
        "mtl": BOOL,
        "anonymous": BOOL,
        "hidden": BOOL,
        "otl": BOOL,
        "hardsub": BOOL,
        "primary_group": obj({"id": ID, "members": array(UPLOAD_MEMBER, max_items=50)},
                             ("id", "members")),
        "secondary_groups": SECONDARY_GROUPS,
        "audio_langs": LANG_LIST,
        "sub_langs": LANG_LIST,
        "fansub_langs": LANG_LIST,
        "description": DESCRIPTION,
        "mediainfo": MEDIAINFO,
        "ignore_warnings": BOOL,
    },
    ("torrent", "title", "movie", "category", "video_type", "video_codec", "level", "mtl",
     "anonymous", "hidden", "otl", "hardsub", "secondary_groups", "audio_langs", "sub_langs",
     "fansub_langs", "description"),
)

CHECKS = obj(
    {
        "title": TITLE,
        "movie": BOOL,
        "files": array(obj({"path": text(4096, min_length=1)}, ("path",)), min_items=1),
        "video_type": VIDEO_TYPE,
        "video_codec": VIDEO_CODEC,
        "level": {**LEVEL, "type": ["number", "null"]},  # "null or -1 to 4"
        "mtl": BOOL,
        "otl": BOOL,
        "hardsub": BOOL,
        "primary_group": obj({"id": ID, "tag": STRING,
                              "members": array(UPLOAD_MEMBER, max_items=50)},
                             ("id", "tag", "members")),
        "audio_langs": LANG_LIST,
        "sub_langs": LANG_LIST,
        "fansub_langs": LANG_LIST,
        "announce_urls": array(STRING),
        "raw_announce_urls": array(array(STRING)),
    },
    ("title", "movie", "files", "video_type", "video_codec", "level", "mtl", "otl", "hardsub",
     "audio_langs", "sub_langs", "fansub_langs"),
)

MEDIAINFO_EXTRACT = obj({"mediainfo": {"type": ["string", "object"], "maxLength": 65536}},
                        ("mediainfo",))

_EDIT_COMMON: dict[str, Schema] = {
    "upgraded": {"type": ["number", "null"], "minimum": 0, "multipleOf": 1},
    "description": DESCRIPTION,
    "video_type": VIDEO_TYPE,
    "video_codec": VIDEO_CODEC,
    "audio_lang": LANG_LIST,
    "sub_lang": LANG_LIST,
    "fsub_lang": LANG_LIST,
    "anonymous": BOOL,
    "hidden": BOOL,
    "hardsub": BOOL,
    "otl": BOOL,
    "mtl": BOOL,
    "primary_group": {**obj({"id": ID, "members": array(EDIT_MEMBER, max_items=50)},
                            ("id", "members")), "type": ["object", "null"]},
    "secondary_groups": SECONDARY_GROUPS,
    "deleted": BOOL,
    "deletion_reason": text(256),
}

EDIT_TORRENT = obj(
    {"title": TITLE, "mediainfo": MEDIAINFO,
     "media_episodes": array({"type": "number", "multipleOf": 1}), **_EDIT_COMMON},
    min_properties=1,
)

BULK_IDS = array(ID, min_items=1, max_items=250)
BULK_EDIT = obj(
    {"ids": BULK_IDS,
     "title": array(obj({"find": text(256, min_length=1), "replace": text(256)},
                        ("find", "replace")), max_items=5),
     **_EDIT_COMMON},
    ("ids",),
    min_properties=2,  # ids + "at least one" edit
)


def newer(schema: Schema, *, optional: tuple[str, ...] = (), **fields: Schema) -> Schema:
    """`schema` as a newer site version has it: more fields, and `optional` no longer required."""
    changed: Schema = {**schema, "properties": {**schema["properties"], **fields}}
    if "required" in schema:
        changed["required"] = [name for name in schema["required"] if name not in optional]
    return changed


# A newer site version than the reference (`quirks.newer_site`, nekobt-facts.md): a boolean
# `batch` on upload, checks and edits; checks take the base64 `torrent` instead of `files` +
# announce lists, so `files` is then required only when `torrent` is absent (the handler says
# so, in the same error shape).
UPLOAD_NEWER = newer(UPLOAD, batch=BOOL)
CHECKS_NEWER = newer(CHECKS, optional=("files",), batch=BOOL,
                     torrent=text(20_000_000, min_length=1))
EDIT_TORRENT_NEWER = newer(EDIT_TORRENT, batch=BOOL)
BULK_EDIT_NEWER = newer(BULK_EDIT, batch=BOOL)

BULK_PERMS = obj({"ids": BULK_IDS}, ("ids",))
BULK_DOWNLOAD_BODY = obj({"ids": array(ID, min_items=1, max_items=500), "public": BOOL},
                         ("ids",))
BULK_DOWNLOAD_QUERY = obj({"ids": text(20_000, min_length=1), "public": BOOL}, ("ids",))
DOWNLOAD_QUERY = obj({"public": BOOL})

LIMIT: Schema = {"type": "integer", "minimum": 1, "maximum": 100}
OFFSET: Schema = {"type": "integer", "minimum": 0}

SEARCH_TORRENTS = obj({
    "query": STRING, "limit": LIMIT, "offset": OFFSET,
    "sort_by": {"type": "string", "enum": [
        "best", "latest", "oldest", "rss", "seeders", "seeders_asc", "leechers",
        "leechers_asc", "downloads", "downloads_asc", "comments", "comments_asc", "filesize",
        "filesize_asc"]},
    "category": {"type": "number"},
    "media_id": STRING, "episode_ids": STRING, "episode_match_any": BOOL, "levels": STRING,
    "video_codec": STRING, "video_type": STRING, "audio_lang": STRING, "fansub_lang": STRING,
    "sub_lang": STRING, "hardsub": BOOL, "otl": BOOL, "mtl": BOOL, "group_id": STRING,
    "group_primary": BOOL, "group_secondary": BOOL, "group_childs": BOOL,
    "group_parents": BOOL, "uploader_id": STRING, "uploader_uploads": BOOL,
    "uploader_contributions": BOOL,
    "before": {"type": "string", "pattern": "^\\d+$"},
    "after": {"type": "string", "pattern": "^\\d+$"},
})

SEARCH_GROUPS = obj({
    "query": STRING, "limit": LIMIT, "offset": OFFSET,
    "sort": {"type": "string", "enum": ["created", "uploads", "members", "downloads", "name"]},
    "order": {"type": "string", "enum": ["asc", "desc"]},
})
SEARCH_MEDIA = obj({"query": STRING, "limit": LIMIT, "offset": OFFSET}, ("query",))
SEARCH_USERS = obj({"query": STRING}, ("query",))
GROUP_LINK_QUERY = obj({"parent": ID}, ("parent",))
ADD_MEMBERS = array(obj({"id": NULLABLE_STRING,
                         "display_name": {"type": ["string", "null"], "maxLength": 32}},
                        ("id", "display_name")), min_items=1, max_items=50)
UPDATE_MEMBER = obj({"admin": BOOL, "regular": BOOL, "display_name": text(32, min_length=1)},
                    min_properties=1)
REMOVE_MEMBER_QUERY = obj({"destructive": BOOL})
INVITE_QUERY = obj({"key": STRING})
ASSIGN_INVITE = obj({})  # sandbox: the reference documents no fields
MEDIA_QUERY = obj({"force": BOOL})
EDIT_USER = obj({
    "description": DESCRIPTION,
    "pfp": text(6_000_000, min_length=1),  # "reset", "keep" or base64 (max 4.5 MB decoded)
    "reset_torrent_key": BOOL,
    "remove_nyaa_account": STRING,
    "nyaa_account_public": STRING,
    "nyaa_account_private": STRING,
    "revoke_api_keys": BOOL,
}, min_properties=1)
READ_NOTIFICATIONS = obj({"ids": {"type": ["array", "string"], "items": ID}}, ("ids",))
