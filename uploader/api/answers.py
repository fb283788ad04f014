"""Reading answers: JSON decoding that cannot blow up, and the shapes the pipeline relies on.

`decode_json` never raises: invalid JSON, bad UTF-8, numbers too long for Python, nesting too
deep for the parser (RecursionError) and answers with absurdly many arrays or objects all come
back as a short description of the problem.

The `*_problem` functions check the `data` of the answers whose fields the pipeline reads,
against `nekobt-api.md`; each returns None when the answer is usable, else what is wrong (for
"the answer is not what the API documents (...)"). A field the reference documents but that is
absent is accepted where the pipeline has a default; a field of the wrong type never is (a
string where a list belongs would be read letter by letter).
"""

from __future__ import annotations

import json
from typing import Any


def decode_json(content: bytes, *, max_values: int) -> tuple[Any, str | None]:
    """(value, None), or (None, what is wrong) for a body that is not usable JSON."""
    if not content.strip():
        return None, "an empty answer"
    containers = content.count(b"[") + content.count(b"{")  # counts those in strings too
    if containers > max_values:
        return None, f"more than {max_values} JSON arrays and objects"
    try:
        return json.loads(content), None
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        return None, f"invalid JSON ({_first_line(exc)})"


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def torrent_id(value: Any) -> str | None:
    """A torrent id as the site writes it (digits, as a string or a number), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 32:
        return value
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _str_list(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"`{name}` is {_kind(value)}, not a list of strings"
    return None


def _optional(data: dict[str, Any], name: str, types: tuple[type, ...], what: str) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return None
    return f"`{name}` is {_kind(value)}, not {what}"


def checks_problem(data: dict[str, Any]) -> str | None:
    """PUT /upload/checks: `fails` and `warns` decide the upload; `upgraded_torrents` names
    the torrents to mark."""
    upgraded = data.get("upgraded_torrents")
    if upgraded is not None and (not isinstance(upgraded, list) or not all(
            isinstance(i, dict) or torrent_id(i) is not None for i in upgraded)):
        return f"`upgraded_torrents` is {_kind(upgraded)}, not a list of torrents"
    return (_str_list(data, "fails") or _str_list(data, "warns")
            or _optional(data, "auto_title", (str,), "a string"))


def mediainfo_problem(data: dict[str, Any]) -> str | None:
    """PUT /upload/mediainfo: a codec id and three comma-separated language lists."""
    for name in ("audio_langs", "sub_langs", "fansub_langs"):
        problem = _optional(data, name, (str,), "a string")
        if problem:
            return problem
    return _optional(data, "video_codec", (int,), "a number")


def search_problem(data: dict[str, Any]) -> str | None:
    """GET /torrents/search: `infohash_match` is the exactly-once answer; it must be a torrent
    id or null, and present (a missing field is no "not there")."""
    if "infohash_match" not in data:
        return "`infohash_match` is missing"
    match = data["infohash_match"]
    if match is not None and torrent_id(match) is None:
        return f"`infohash_match` is {_kind(match)}, not a torrent id or null"
    results = data.get("results")
    if results is not None and not isinstance(results, list):
        return f"`results` is {_kind(results)}, not a list"
    return None


def torrent_problem(data: dict[str, Any]) -> str | None:
    """GET /torrents/<id>: the fields the pipeline reads after an upload."""
    return (_optional(data, "infohash", (str,), "a string")
            or _optional(data, "uploaded_at", (str, int), "a timestamp")
            or _optional(data, "files", (list,), "a list"))


def group_problem(data: dict[str, Any]) -> str | None:
    """GET /groups/<id>: members are objects (credits look their names up)."""
    members = data.get("members")
    if members is not None and (not isinstance(members, list)
                                or not all(isinstance(m, dict) for m in members)):
        return f"`members` is {_kind(members)}, not a list of objects"
    return None
