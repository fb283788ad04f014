"""One libmediainfo parse per file, and none for an unchanged file the media cache holds.

Real media made by ffmpeg (conftest `media`); libmediainfo opens are counted at pymediainfo's
border (`MediaInfo._get_library`, which hands out one library handle per parse).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from pymediainfo import MediaInfo

from uploader.mediacache import SUFFIX
from uploader.mediainfo import MediaReader, probe_video, read_mediainfo


class Opens:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = MediaInfo._get_library

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(MediaInfo, "_get_library", counted)


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> Opens:
    return Opens(monkeypatch)


@pytest.fixture
def episode(media: dict[str, Path], tmp_path: Path) -> Path:
    dest = tmp_path / "in" / media["h264"].name
    dest.parent.mkdir()
    shutil.copyfile(media["h264"], dest)
    past = time.time() - 60
    os.utime(dest, (past, past))
    time.sleep(0.15)  # its ctime (now) must be older than the cache's racy window
    return dest


def test_one_parse_gives_what_pymediainfo_gives_with_two(episode: Path, opens: Opens) -> None:
    text, info = MediaReader().read(episode)
    assert opens.count == 1
    assert text == MediaInfo.parse(episode, output="", full=False)
    assert info.to_data() == MediaInfo.parse(episode).to_data()


def test_report_and_probe_share_one_parse_and_skip_the_fonts(tmp_path: Path, episode: Path,
                                                             opens: Opens) -> None:
    batch = tmp_path / "Batch"
    (batch / "fonts").mkdir(parents=True)
    shutil.copyfile(episode, batch / "Show - 01.mkv")
    for n in range(200):
        (batch / "fonts" / f"font{n}.ttf").write_bytes(os.urandom(64))
    files = sorted(batch.rglob("*"))
    reader = MediaReader()
    report = read_mediainfo(batch, files, reader=reader)
    probe = probe_video(batch, files, reader=reader)
    assert report is not None
    assert probe.video == "Batch/Show - 01.mkv"
    assert opens.count == 1


def test_an_unchanged_file_is_read_from_the_cache(tmp_path: Path, episode: Path,
                                                  opens: Opens) -> None:
    cache = tmp_path / "cache"
    first = read_mediainfo(episode, reader=MediaReader(cache))
    assert opens.count == 1
    assert len(list(cache.glob(f"*{SUFFIX}"))) == 1
    again = read_mediainfo(episode, reader=MediaReader(cache))  # another run
    assert opens.count == 1  # libmediainfo never asked
    assert again == first


def test_a_changed_file_is_parsed_again(tmp_path: Path, episode: Path, opens: Opens) -> None:
    cache = tmp_path / "cache"
    MediaReader(cache).read(episode)
    later = time.time() - 30
    os.utime(episode, (later, later))  # touched (or rewritten): another identity
    time.sleep(0.15)
    MediaReader(cache).read(episode)
    assert opens.count == 2


def test_a_file_written_just_now_is_not_stored(tmp_path: Path, episode: Path,
                                               opens: Opens) -> None:
    cache = tmp_path / "cache"
    os.utime(episode)  # its timestamps are now: a write in the same tick would not show
    MediaReader(cache).read(episode)
    assert not list(cache.glob(f"*{SUFFIX}"))


def test_a_damaged_entry_is_a_miss(tmp_path: Path, episode: Path, opens: Opens,
                                   caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    text, _ = MediaReader(cache).read(episode)
    (entry,) = cache.glob(f"*{SUFFIX}")
    entry.write_bytes(entry.read_bytes()[:-40])  # torn
    again, _ = MediaReader(cache).read(episode)
    assert again == text
    assert opens.count == 2
    assert "damaged entry" in caplog.text
