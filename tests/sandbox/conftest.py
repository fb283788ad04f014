"""Fixtures: a fresh demo site, clients on its in-process face, real torrents built with torf."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import torf

from uploader.sandbox import DEMO_API_KEY, DEMO_GROUP_ID, DEMO_USER_ID, Site
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE

BASE = "http://sandbox.test/api/v1"
BACKUP = "udp://tracker.opentrackr.org:1337/announce"


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site.demo()
    yield site
    assert site.errors == []  # no handler crashed (they would answer a 500)


@pytest.fixture
def client(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(transport=site.transport(), base_url=BASE,
                      cookies={"ssid": DEMO_API_KEY}) as c:
        yield c


@pytest.fixture
def anon(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(transport=site.transport(), base_url=BASE) as c:
        yield c


MakeTorrent = Callable[..., torf.Torrent]


@pytest.fixture
def make_torrent(tmp_path: Path) -> MakeTorrent:
    """A real torrent of a real file (or folder) hashed by torf."""
    counter = iter(range(1000))

    def make(name: str = "[ExampleSubs] Sample Show - 03 (1080p).mkv",
             trackers: list[str] | None = None, *, folder: bool = False) -> torf.Torrent:
        root = tmp_path / f"t{next(counter)}"
        root.mkdir()
        if folder:
            path = root / name
            path.mkdir()
            (path / "ep01.mkv").write_bytes(b"\x1aE\xdf\xa3" + bytes(range(256)) * 300)
            (path / "extras").mkdir()
            (path / "extras" / "ncop.mkv").write_bytes(b"x" * 50_000)
        else:
            path = root / name
            path.write_bytes(name.encode() * 2000)
        torrent = torf.Torrent(path=path, trackers=trackers if trackers is not None
                               else [PUBLIC_ANNOUNCE, BACKUP])
        torrent.generate()
        return torrent

    return make


def b64(torrent: torf.Torrent) -> str:
    return base64.b64encode(torrent.dump()).decode()


def upload_body(torrent: torf.Torrent, title: str | None = None, **changes: Any) -> dict[str, Any]:
    """A complete, valid upload body for the demo user and group (as the reference spells it)."""
    body: dict[str, Any] = {
        "torrent": b64(torrent),
        "title": title or "[ExampleSubs] Sample Show - 03 (1080p)",
        "movie": False,
        "category": 1,
        "video_type": 8,
        "video_codec": 2,
        "level": 3,
        "mtl": False,
        "anonymous": False,
        "hidden": False,
        "otl": False,
        "hardsub": False,
        "primary_group": {"id": DEMO_GROUP_ID, "members": [
            {"id": DEMO_USER_ID, "role": "Encode", "display_name": ""}]},
        "secondary_groups": [],
        "audio_langs": "ja",
        "sub_langs": "",
        "fansub_langs": "en",
        "description": "Sandbox test upload.",
    }
    body.update(changes)
    return body


def checks_body(title: str = "[ExampleSubs] Sample Show - 03 (1080p)", **changes: Any
                ) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "movie": False,
        "files": [{"path": f"{title}.mkv"}],
        "video_type": 8,
        "video_codec": 2,
        "level": 3,
        "mtl": False,
        "otl": False,
        "hardsub": False,
        "primary_group": {"id": DEMO_GROUP_ID, "tag": "ExampleSubs", "members": []},
        "audio_langs": "ja",
        "sub_langs": "",
        "fansub_langs": "en",
        "announce_urls": [PUBLIC_ANNOUNCE, BACKUP],
        "raw_announce_urls": [[PUBLIC_ANNOUNCE], [BACKUP]],
    }
    body.update(changes)
    return body
