"""Tracker tiers: private announce URLs are refused before anything is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from torrent_helpers import TRACKERS

from uploader.exceptions import PrivateAnnounceError, TorrentError
from uploader.torrent import PUBLIC_ANNOUNCE, Progress, build_torrent, check_trackers

KEY = "0123456789abcdef0123456789abcdef"  # 32 hex: the shape of a nekoBT torrent key

PRIVATE = [
    (f"https://tracker.nekobt.to/api/tracker/{KEY}/announce", "private announce form"),
    (f"https://tracker.nekobt.to/api/tracker/{KEY.upper()}/announce", "private announce form"),
    ("https://tracker.nekobt.to/api/tracker/s3cr3t-not-hex/announce", "private announce form"),
    (f"https://tracker.example.org/announce.php?passkey={KEY}", "passkey parameter"),
    ("https://tracker.example.org/announce?PassKey=short", "passkey parameter"),
    ("https://tracker.example.org/announce?authkey=abc&torrent_pass=def", "passkey parameter"),
    (f"https://tracker.example.org/announce?uid=1&pk={KEY}", "passkey parameter"),
    (f"https://tracker.example.org/announce;passkey={KEY}", "passkey parameter"),
    (f"https://tracker.example.org/announce#passkey={KEY}", "passkey parameter"),
    ("https://tracker.example.org/announce;PassKey=short", "passkey parameter"),
    (f"https://tracker.example.org/{KEY}/announce", "32+ hex digits"),
    (f"http://tracker.example.org:2710/{KEY}deadbeef/announce", "32+ hex digits"),
    ("https://user:pw@tracker.example.org/announce", "user name or password"),
]


@pytest.mark.parametrize(("url", "reason"), PRIVATE)
def test_private_announce_is_refused_and_masked(url: str, reason: str) -> None:
    with pytest.raises(PrivateAnnounceError) as err:
        check_trackers([[PUBLIC_ANNOUNCE], [url]])
    message = str(err.value)
    assert reason in message
    assert "leak your torrent key" in message
    assert "cheating" in message
    assert PUBLIC_ANNOUNCE in message
    for secret in (KEY, KEY.upper(), "s3cr3t-not-hex", "short", "abc", "def", "pw"):
        assert secret not in message.replace(PUBLIC_ANNOUNCE, "")
        assert secret not in err.value.url_hint
    assert "<hidden>" in err.value.url_hint
    assert message.startswith("trackers tier 2: ")


def test_private_url_refused_before_any_hashing(tmp_path: Path) -> None:
    calls: list[Progress] = []
    private = f"https://tracker.nekobt.to/api/tracker/{KEY}/announce"
    # The path does not even exist: the tracker check comes first, so that is never noticed.
    with pytest.raises(PrivateAnnounceError):
        build_torrent(
            tmp_path / "missing", trackers=[[private], TRACKERS[1]], progress=calls.append
        )
    assert calls == []


@pytest.mark.parametrize(
    "tiers",
    [
        [[PUBLIC_ANNOUNCE]],
        [[PUBLIC_ANNOUNCE], ["udp://tracker.opentrackr.org:1337/announce"]],
        [["http://nyaa.tracker.wf:7777/announce", "wss://tracker.openwebtorrent.com"]],
        [["https://tracker.example.org/announce?info=1"]],
        [["https://tracker.example.org/0123456789abcdef/announce"]],  # 16 hex: not a key
    ],
)
def test_public_tiers_pass_unchanged(tiers: list[list[str]]) -> None:
    assert check_trackers(tiers) == tiers


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "none given"),
        ([[]], "tier 1: empty tier"),
        ([[PUBLIC_ANNOUNCE], []], "tier 2: empty tier"),
        ([["tracker.example.org/announce"]], "not an announce URL"),
        ([["ftp://tracker.example.org/announce"]], "not an announce URL"),
        ([["http:///announce"]], "not an announce URL"),
        ([["http://tracker.example.org:99999/announce"]], "not a valid URL"),
        ([["http://tracker.example.org/ann ounce"]], "contains spaces"),
        ([[""]], "is not a URL"),
        ("https://tracker.example.org/announce", "expected a list of tiers"),
        (["https://tracker.example.org/announce"], "expected a list of announce URLs"),
    ],
)
def test_invalid_tiers(tiers: object, message: str) -> None:
    with pytest.raises(TorrentError, match=message) as err:
        check_trackers(tiers)  # type: ignore[arg-type]
    assert not isinstance(err.value, PrivateAnnounceError)


def test_malformed_private_url_still_masked() -> None:
    with pytest.raises(TorrentError) as err:
        check_trackers([[f"https://tracker.nekobt.to/api/tracker/{KEY}/announce x"]])
    assert KEY not in str(err.value)
