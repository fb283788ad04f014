"""Reading uploaded .torrent files and writing the ones the site hands out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from uploader.sandbox.bencode import BencodeError, Raw, decode, decode_torrent, encode

SITE_TRACKER = "https://tracker.nekobt.to/api/tracker"
PUBLIC_ANNOUNCE = f"{SITE_TRACKER}/public/announce"
_SITE_ANNOUNCE = re.compile(r"^https?://tracker\.nekobt\.to/api/tracker/([^/]+)/announce$")


def private_announce(torrent_key: str) -> str:
    return f"{SITE_TRACKER}/{torrent_key}/announce"


def is_private_announce(url: str) -> bool:
    """A site announce URL carrying a torrent key (anything but `public`)."""
    match = _SITE_ANNOUNCE.match(url.strip())
    return match is not None and match.group(1) != "public"


class TorrentFileError(ValueError):
    """The upload is not a valid v1 .torrent."""


@dataclass(frozen=True)
class ParsedTorrent:
    raw: bytes
    infohash: str
    name: str
    files: list[dict[str, Any]]
    filesize: int
    tiers: list[list[str]]

    @property
    def announce_urls(self) -> list[str]:
        seen: list[str] = []
        for tier in self.tiers:
            seen.extend(url for url in tier if url not in seen)
        return seen


def _text(value: Any, what: str) -> str:
    if not isinstance(value, bytes):
        raise TorrentFileError(f"{what} is not a string")
    return value.decode("utf-8", errors="replace")


def parse_base64(data: str) -> ParsedTorrent:
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise TorrentFileError("not valid base64") from None
    return parse(raw)


def parse(raw: bytes) -> ParsedTorrent:
    try:
        top, info_raw = decode_torrent(raw)
        info = decode(info_raw)
    except BencodeError as exc:
        raise TorrentFileError(str(exc)) from None
    if not isinstance(info, dict):
        raise TorrentFileError("info is not a dict")
    name = _text(info.get(b"name"), "info.name")
    pieces = info.get(b"pieces")
    if not isinstance(info.get(b"piece length"), int) or not isinstance(pieces, bytes) or (
        not pieces or len(pieces) % 20
    ):
        raise TorrentFileError("no v1 piece hashes")
    files: list[dict[str, Any]] = []
    if isinstance(info.get(b"length"), int):
        files.append({"path": name, "name": name, "length": info[b"length"], "offset": 0})
    elif isinstance(info.get(b"files"), list) and info[b"files"]:
        offset = 0
        for entry in info[b"files"]:
            if not isinstance(entry, dict) or not isinstance(entry.get(b"length"), int):
                raise TorrentFileError("bad file entry")
            parts = [_text(p, "file path") for p in entry.get(b"path") or []]
            if not parts:
                raise TorrentFileError("empty file path")
            length = entry[b"length"]
            files.append({"path": "/".join([name, *parts]), "name": parts[-1],
                          "length": length, "offset": offset})
            offset += length
    else:
        raise TorrentFileError("neither length nor files in info")
    tiers: list[list[str]] = []
    announce_list = top.get(b"announce-list")
    if isinstance(announce_list, list):
        for tier in announce_list:
            if isinstance(tier, list):
                urls = [u.decode("utf-8", "replace") for u in tier if isinstance(u, bytes)]
                if urls:
                    tiers.append(urls)
    if not tiers and isinstance(top.get(b"announce"), bytes):
        tiers.append([top[b"announce"].decode("utf-8", "replace")])
    return ParsedTorrent(
        raw=raw,
        infohash=hashlib.sha1(info_raw, usedforsecurity=False).hexdigest(),  # v1 infohash
        name=name,
        files=files,
        filesize=sum(f["length"] for f in files),
        tiers=tiers,
    )


def for_download(raw: bytes, announce: str) -> bytes:
    """The stored torrent with the site's announce (private or public) first; `info` intact."""
    top, info_raw = decode_torrent(raw)
    tiers = [
        [u for u in tier if not _SITE_ANNOUNCE.match(u.decode("utf-8", "replace"))]
        for tier in top.get(b"announce-list") or []
        if isinstance(tier, list)
    ]
    if not tiers and isinstance(top.get(b"announce"), bytes):
        url = top[b"announce"]
        tiers = [[url]] if not _SITE_ANNOUNCE.match(url.decode("utf-8", "replace")) else []
    rewritten: dict[bytes, Any] = dict(top)
    rewritten[b"info"] = Raw(info_raw)
    rewritten[b"announce"] = announce.encode()
    rewritten[b"announce-list"] = [[announce.encode()], *[t for t in tiers if t]]
    return encode(rewritten)


def make_torrent(name: str, files: list[tuple[str, int]], trackers: list[str],
                 *, seed: str) -> bytes:
    """A syntactically valid torrent for seeded demo data (the piece hashes are made up)."""
    piece_length = 1 << 20
    total = sum(size for _, size in files)
    count = max(1, -(-total // piece_length))
    pieces = b"".join(hashlib.sha1(f"{seed}:{i}".encode(), usedforsecurity=False).digest()
                     for i in range(count))
    info: dict[str, Any] = {"name": name, "piece length": piece_length, "pieces": pieces}
    if len(files) == 1 and files[0][0] == name:
        info["length"] = files[0][1]
    else:
        info["files"] = [{"length": size, "path": path.split("/")} for path, size in files]
    return encode({
        "announce": trackers[0],
        "announce-list": [[t] for t in trackers],
        "created by": "nekobt-upload sandbox",
        "creation date": 1_760_000_000,
        "info": info,
    })
