"""Announce tiers: refuse a private announce URL before any hashing.

A private announce URL carries the user's torrent key (nekoBT's
`https://tracker.nekobt.to/api/tracker/<key>/announce`, `?passkey=...`, a long hex path
segment). Put into an uploaded torrent it leaks the key to every downloader, and the site counts
announcing with someone else's key as cheating. The public announce
(`.../api/tracker/public/announce`) is what belongs in an upload.

The "at least 2 trackers" rule is the site's check (the profile loader enforces it too); here
only what makes a torrent wrong or dangerous is refused: no URL, an empty tier, a URL that is
not an announce URL, or a private one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from uploader.exceptions import PrivateAnnounceError, TorrentError

PUBLIC_ANNOUNCE = "https://tracker.nekobt.to/api/tracker/public/announce"
ANNOUNCE_SCHEMES = frozenset({"http", "https", "udp", "ws", "wss"})

# nekoBT's private form: /api/tracker/<key>/announce, with any key but "public".
_NEKOBT_KEYED = re.compile(r"/api/tracker/(?P<key>[^/]+)/announce", re.IGNORECASE)
# A path segment of 32 or more hex digits is how most trackers embed a passkey.
_HEX_SEGMENT = re.compile(r"^[0-9a-fA-F]{32,}$")
# Query parameters that carry a per-user secret on common tracker software.
_KEY_PARAMS = frozenset({"passkey", "authkey", "torrent_pass", "torrentpass", "apikey", "api_key"})
_HIDDEN = "<hidden>"


def _masked(url: str) -> str:
    """The URL with anything key-like replaced, safe to print."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_HIDDEN}@{netloc.rsplit('@', 1)[-1]}"
    # A path parameter (`;passkey=...`) is hidden whole: it is there only to carry a key.
    path = "/".join(_HIDDEN if _HEX_SEGMENT.match(seg) else
                    (seg.split(";", 1)[0] + f";{_HIDDEN}" if ";" in seg else seg)
                    for seg in parts.path.split("/"))
    match = _NEKOBT_KEYED.search(path)
    if match and match["key"].lower() != "public":
        path = path[: match.start("key")] + _HIDDEN + path[match.end("key") :]
    query = "&".join(
        f"{k}={_HIDDEN}" if k.lower() in _KEY_PARAMS or _HEX_SEGMENT.match(v) else f"{k}={v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    fragment = _HIDDEN if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _shown(url: str) -> str:
    try:
        return _masked(url)
    except ValueError:
        return _HIDDEN


def _private_reason(url: str) -> str | None:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "it carries a user name or password"
    match = _NEKOBT_KEYED.search(parts.path)
    if match and match["key"].lower() != "public":
        return "it is nekoBT's private announce form /api/tracker/<torrent key>/announce"
    # `?passkey=`, and the `;passkey=` (path parameter) and `#passkey=` forms some trackers use.
    params = [seg.split(";", 1)[1] for seg in parts.path.split("/") if ";" in seg]
    for text in (parts.query, parts.fragment, *params):
        for key, value in parse_qsl(text.replace(";", "&"), keep_blank_values=True):
            if key.lower() in _KEY_PARAMS or _HEX_SEGMENT.match(value):
                return "it carries a passkey parameter"
    if any(_HEX_SEGMENT.match(seg) for seg in parts.path.split("/")):
        return "a path segment looks like a passkey (32+ hex digits)"
    return None


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url:
        shown = type(url).__name__ if url else repr(url)
        raise TorrentError(f"trackers {where}: {shown} is not a URL — write the announce URL")
    # Messages show the URL masked: a malformed URL may still carry a key.
    if any(c.isspace() for c in url):
        raise TorrentError(f"trackers {where}: {_shown(url)!r} contains spaces — remove them")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise TorrentError(f"trackers {where}: {_shown(url)!r} is not a valid URL") from None
    if parts.scheme.lower() not in ANNOUNCE_SCHEMES or not parts.hostname:
        raise TorrentError(
            f"trackers {where}: {_shown(url)!r} is not an announce URL — use http(s)://, "
            "udp:// or ws(s):// with a host"
        )
    reason = _private_reason(url)
    if reason is not None:
        hint = _masked(url)
        raise PrivateAnnounceError(
            f"trackers {where}: {hint} is a private announce URL ({reason}) — it would leak "
            "your torrent key to every downloader and the site counts that as cheating; use "
            f"the public announce {PUBLIC_ANNOUNCE}",
            url_hint=hint,
        )
    return url


def refuse_private(urls: Sequence[str], where: str) -> None:
    """PrivateAnnounceError when any of `urls` (an existing torrent's) is a private one."""
    for url in urls:
        reason = _private_reason(url)
        if reason is not None:
            hint = _masked(url)
            raise PrivateAnnounceError(
                f"{where}: announces to {hint}, a private announce URL ({reason}) — a torrent "
                "from a private tracker is not for nekoBT; use the one you made with public "
                "trackers (the one posted on Nyaa), or let this tool build a new one",
                url_hint=hint)


def check_trackers(tiers: Sequence[Sequence[str]]) -> list[list[str]]:
    """Validate announce tiers and return them as plain lists (first URL is `announce`).

    Raises PrivateAnnounceError for a URL carrying a key, TorrentError for no URL at all, an
    empty tier or a malformed URL. Never puts a key in the message.
    """
    if isinstance(tiers, str | bytes):
        raise TorrentError("trackers: expected a list of tiers, each a list of announce URLs")
    checked: list[list[str]] = []
    for i, tier in enumerate(tiers, 1):
        if isinstance(tier, str | bytes) or not isinstance(tier, Sequence):
            raise TorrentError(f"trackers tier {i}: expected a list of announce URLs")
        if not tier:
            raise TorrentError(f"trackers tier {i}: empty tier — add a URL or remove the tier")
        checked.append([_check_url(url, f"tier {i}") for url in tier])
    if not checked:
        raise TorrentError(
            f"trackers: none given — add at least one announce URL (e.g. {PUBLIC_ANNOUNCE})"
        )
    return checked
