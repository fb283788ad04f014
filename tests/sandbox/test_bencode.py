"""The site's own bencode reader: exact `info` bytes, strict syntax, announce rewriting."""

from __future__ import annotations

import hashlib

import pytest

from uploader.sandbox.bencode import BencodeError, Raw, decode, decode_torrent, encode
from uploader.sandbox.torrentfile import TorrentFileError, for_download, parse


def test_round_trip() -> None:
    value = {b"a": [1, -2, b"x"], b"b": {b"c": b""}}
    assert decode(encode(value)) == value
    assert encode({"b": 1, "a": "é"}) == b"d1:a2:\xc3\xa91:bi1ee"


@pytest.mark.parametrize("bad", [b"i01e", b"i-0e", b"ie", b"5:abc", b"l", b"d1:ai1e",
                                 b"di1ei2ee", b"x", b"i1ei2e", b""])
def test_malformed_input_is_rejected(bad: bytes) -> None:
    with pytest.raises(BencodeError):
        decode(bad)


def test_infohash_uses_the_exact_info_bytes() -> None:
    # Keys out of order: re-encoding would sort them and change the hash.
    info = b"d6:lengthi3e4:name1:x12:piece lengthi16384e6:pieces20:" + b"p" * 20 + b"e"
    unsorted = b"d4:name1:x6:lengthi3e12:piece lengthi16384e6:pieces20:" + b"p" * 20 + b"e"
    for raw_info in (info, unsorted):
        raw = b"d8:announce3:url4:info" + raw_info + b"e"
        _top, exact = decode_torrent(raw)
        assert exact == raw_info
        assert parse(raw).infohash == hashlib.sha1(raw_info, usedforsecurity=False).hexdigest()
        rewritten = for_download(raw, "https://tracker.nekobt.to/api/tracker/k/announce")
        assert decode_torrent(rewritten)[1] == raw_info
    assert encode({b"info": Raw(unsorted)}) == b"d4:info" + unsorted + b"e"


def test_not_a_v1_torrent() -> None:
    with pytest.raises(TorrentFileError):
        parse(encode({"info": {"name": "x", "length": 1}}))  # no pieces
    with pytest.raises(TorrentFileError):
        parse(encode({"announce": "u"}))
