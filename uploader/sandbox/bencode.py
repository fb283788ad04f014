"""A tiny bencode reader/writer: the site parses uploaded .torrent files with it.

Written here (not torf) because the site must see the exact bytes of the `info` dict to hash
them — re-encoding a decoded dict could hide a non-canonical upload — and must rewrite the
announce keys of a stored torrent for downloads without touching `info`.
"""

from __future__ import annotations

from typing import Any


class BencodeError(ValueError):
    """The bytes are not valid bencode (or not a torrent's top-level dict)."""


def decode(data: bytes) -> Any:
    """Decode one bencoded value that spans all of `data`."""
    value, end, _ = _decode(data, 0, want_info=False)
    if end != len(data):
        raise BencodeError(f"trailing data at byte {end}")
    return value


def decode_torrent(data: bytes) -> tuple[dict[bytes, Any], bytes]:
    """(top-level dict, the exact bytes of its `info` value) of a .torrent file."""
    value, end, info = _decode(data, 0, want_info=True)
    if end != len(data):
        raise BencodeError(f"trailing data at byte {end}")
    if not isinstance(value, dict) or info is None:
        raise BencodeError("not a torrent: no top-level dict with an 'info' key")
    return value, info


def _decode(data: bytes, pos: int, *, want_info: bool) -> tuple[Any, int, bytes | None]:
    """Decode the value at `pos`; with want_info, also return the raw `info` value bytes."""
    if pos >= len(data):
        raise BencodeError("unexpected end of data")
    lead = data[pos : pos + 1]
    if lead == b"i":
        end = data.find(b"e", pos)
        if end < 0:
            raise BencodeError("unterminated integer")
        digits = data[pos + 1 : end]
        if not digits or digits in (b"-", b"-0") or (digits[:1] == b"0" and len(digits) > 1):
            raise BencodeError(f"bad integer at byte {pos}")
        try:
            return int(digits), end + 1, None
        except ValueError:
            raise BencodeError(f"bad integer at byte {pos}") from None
    if lead == b"l":
        items: list[Any] = []
        pos += 1
        while data[pos : pos + 1] != b"e":
            item, pos, _ = _decode(data, pos, want_info=False)
            items.append(item)
        return items, pos + 1, None
    if lead == b"d":
        result: dict[bytes, Any] = {}
        info: bytes | None = None
        pos += 1
        while data[pos : pos + 1] != b"e":
            key, pos, _ = _decode(data, pos, want_info=False)
            if not isinstance(key, bytes):
                raise BencodeError(f"dict key is not a string at byte {pos}")
            start = pos
            result[key], pos, _ = _decode(data, pos, want_info=False)
            if want_info and key == b"info":
                info = data[start:pos]
        return result, pos + 1, info
    if lead.isdigit():
        colon = data.find(b":", pos)
        if colon < 0 or not data[pos:colon].isdigit():
            raise BencodeError(f"bad string length at byte {pos}")
        length = int(data[pos:colon])
        end = colon + 1 + length
        if end > len(data):
            raise BencodeError("string runs past the end of data")
        return data[colon + 1 : end], end, None
    raise BencodeError(f"unexpected byte {lead!r} at {pos}")


class Raw(bytes):
    """Already-bencoded bytes, written as they are (keeps a torrent's `info` byte-exact)."""


def encode(value: Any) -> bytes:
    """Bencode ints, bytes/str, lists and dicts (keys sorted, as the spec requires)."""
    if isinstance(value, Raw):
        return bytes(value)
    if isinstance(value, bool):
        raise BencodeError("booleans have no bencode form")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list | tuple):
        return b"l" + b"".join(encode(v) for v in value) + b"e"
    if isinstance(value, dict):
        keys = {(k.encode() if isinstance(k, str) else k): v for k, v in value.items()}
        return b"d" + b"".join(encode(k) + encode(keys[k]) for k in sorted(keys)) + b"e"
    raise BencodeError(f"cannot bencode {type(value).__name__}")
