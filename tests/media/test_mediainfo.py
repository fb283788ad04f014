"""Mediainfo of real media (ffmpeg-made, read by the real libmediainfo)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from uploader.mediainfo import MEDIAINFO_MAX, MediaReport, read_mediainfo

pytestmark = pytest.mark.needs_ffmpeg
needs_cli = pytest.mark.skipif(shutil.which("mediainfo") is None,
                               reason="the mediainfo command is not installed")


def report_of(path: Path) -> MediaReport:
    report = read_mediainfo(path)
    assert report is not None
    return report


def cli_text(path: Path, cwd: Path) -> str:
    """What `mediainfo` prints, run where the torrent's root is (so Complete name matches)."""
    return subprocess.run(["mediainfo", str(path.relative_to(cwd))], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def structure(text: str) -> list[tuple[str, list[str]]]:
    """[(section header, [field names])] of a mediainfo text report."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if " : " not in line and not line.startswith(" "):
            sections.append((line.strip(), []))
        else:
            sections[-1][1].append(line.split(" : ", 1)[0].rstrip())
    return sections


def field(text: str, section: str, name: str) -> str:
    block = text.split(f"\n{section}\n", 1)[1] if section != "General" else text
    match = re.search(rf"^{re.escape(name)}\s+: (.*)$", block, re.MULTILINE)
    assert match, (section, name)
    return match.group(1)


@pytest.mark.parametrize(("name", "codec"), [
    ("h264", 1), ("hevc", 2), ("av1", 3), ("vp9", 4), ("mpeg2", 5), ("mpeg4", 6), ("wmv", 7),
    ("mpeg1", 0), ("mp4", 1),
])
def test_codec_ids(media: dict[str, Path], name: str, codec: int) -> None:
    if name not in media:
        pytest.skip("no AV1 encoder in this ffmpeg")
    assert report_of(media[name]).video_codec == codec


def test_h264_languages_and_tracks(media: dict[str, Path]) -> None:
    report = report_of(media["h264"])
    assert report.name == "[ExampleSubs] Show - 01 (720p).mkv"
    assert report.main_file == media["h264"]
    assert report.audio_langs == ("ja", "en")
    assert report.subtitle_langs == ("en",)  # the SRT track has no language: nothing added
    assert report.bitmap_subtitle_langs == ()
    assert report.summary == ("AVC 128x72 8-bit · Audio: Japanese AAC, English AAC · "
                              "Subtitles: English ASS, UTF-8")
    assert not report.truncated


def test_hevc_languages(media: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="uploader.mediainfo"):
        report = report_of(media["hevc"])
    assert report.audio_langs == ("ja",)
    assert report.subtitle_langs == ("es-es",)  # spa, through the site's es -> es-es
    assert report.summary == ("HEVC 128x72 8-bit · Audio: Japanese FLAC, tlh FLAC · "
                              "Subtitles: ASS, Spanish UTF-8")
    # A language the site has no code for is named, with where it came from, and left out.
    assert caplog.messages == [f"{report.name}: language 'tlh' of audio track 2 is not a "
                               "nekoBT language — not added"]


def test_untagged_av1(media: dict[str, Path]) -> None:
    if "av1" not in media:
        pytest.skip("no AV1 encoder in this ffmpeg")
    report = report_of(media["av1"])
    assert (report.audio_langs, report.subtitle_langs) == ((), ())
    assert report.summary == "AV1 128x72 8-bit · Audio: Opus"


def test_mp4_timed_text_is_a_text_subtitle(media: dict[str, Path]) -> None:
    report = report_of(media["mp4"])
    assert report.audio_langs == ("en",)
    assert report.subtitle_langs == ("en",)
    assert field(report.text, "General", "Format") == "MPEG-4"


@needs_cli
@pytest.mark.parametrize("name", ["h264", "hevc", "av1", "mp4", "vp9", "mpeg2", "wmv"])
def test_text_matches_the_mediainfo_command(media: dict[str, Path], name: str) -> None:
    if name not in media:
        pytest.skip("no AV1 encoder in this ffmpeg")
    path = media[name]
    ours = report_of(path).text
    cli = cli_text(path, path.parent)
    assert structure(ours) == structure(cli)
    assert ours.splitlines()[0] == "General"
    for section, names in structure(cli):
        for key in ("Format", "Codec ID", "Language", "Width", "Height", "Channel(s)"):
            if key in names:
                assert field(ours, section, key) == field(cli, section, key), (section, key)
    # Complete name is the path inside the torrent, exactly as the command run from the
    # torrent's root prints it — never the absolute path on this machine.
    assert field(ours, "General", "Complete name") == path.name
    assert field(cli, "General", "Complete name") == path.name
    assert str(path.parent) not in ours
    assert ours.endswith("\n")
    assert not ours.endswith("\n\n")


@needs_cli
def test_folder_uses_the_largest_video_and_says_which(media: dict[str, Path],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    batch = media["batch"]
    with caplog.at_level(logging.INFO, logger="uploader.mediainfo"):
        report = report_of(batch)
    assert report.main_file == batch / "Show - 02.mkv"
    assert report.name == f"{batch.name}/Show - 02.mkv"
    assert caplog.messages == [f"{batch.name}: mediainfo of {batch.name}/Show - 02.mkv, the "
                               "largest of 3 video files"]
    cli = cli_text(batch / "Show - 02.mkv", batch.parent)
    assert field(report.text, "General", "Complete name") == f"{batch.name}/Show - 02.mkv"
    assert structure(report.text) == structure(cli)


def test_only_the_listed_files_are_considered(media: dict[str, Path]) -> None:
    batch = media["batch"]
    report = read_mediainfo(batch, [batch / "Show - 01.mkv", batch / "Fonts" / "font.ttf"])
    assert report is not None
    assert report.main_file == batch / "Show - 01.mkv"


@pytest.mark.parametrize(("name", "warning"), [
    ("fonts_only", "{release}: no video file (fonts or subtitles only?) — mediainfo skipped"),
    ("corrupt", "{release}: libmediainfo finds no video track (corrupt, or not a video?) — "
                "mediainfo skipped"),
    ("empty", "{release}: libmediainfo finds no video track (corrupt, or not a video?) — "
              "mediainfo skipped"),
])
def test_no_video_gives_none_with_a_warning(media: dict[str, Path], name: str, warning: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="uploader.mediainfo"):
        assert read_mediainfo(media[name]) is None
    assert caplog.messages == [warning.format(release=media[name].name)]


def test_unreadable_file_gives_none_with_a_warning(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    gone = tmp_path / "gone.mkv"
    with caplog.at_level(logging.WARNING, logger="uploader.mediainfo"):
        assert read_mediainfo(tmp_path, [gone]) is None  # listed, but not there
    assert caplog.messages == [f"{tmp_path.name}: no video file (fonts or subtitles only?) — "
                               "mediainfo skipped"]


def test_long_mediainfo_is_truncated_with_a_note(media: dict[str, Path]) -> None:
    report = report_of(media["many_tracks"])
    full = len(read_full_text(media["many_tracks"]))
    assert full > MEDIAINFO_MAX
    assert report.truncated
    assert len(report.text) <= MEDIAINFO_MAX
    assert report.text.endswith(f"\n[truncated by nekobt-upload: the full mediainfo is "
                                f"{full:,} characters]\n")
    body = report.text.rsplit("\n[truncated", 1)[0]
    assert read_full_text(media["many_tracks"]).startswith(body.rstrip("\n"))


def read_full_text(path: Path) -> str:
    from pymediainfo import MediaInfo

    text = str(MediaInfo.parse(path, output="", full=False))
    return text.replace(str(path), path.name, 1).rstrip("\n") + "\n"


def test_libmediainfo_errors_are_translated(tmp_path: Path) -> None:
    from uploader.exceptions import MediainfoError
    from uploader.mediainfo import _parse

    with pytest.raises(MediainfoError) as info:
        _parse(tmp_path / "vanished.mkv")  # listed, then gone before it was read
    assert str(info.value) == ("vanished.mkv: libmediainfo cannot read it (no such file) — "
                               "mediainfo is skipped")
    assert info.value.path == tmp_path / "vanished.mkv"


def test_structure_helper_reads_sections() -> None:
    # The comparison above is only as good as this parser.
    text = "General\nFormat     : Matroska\n\nAudio #1\nFormat     : AAC\nLanguage   : Japanese\n"
    assert structure(text) == [("General", ["Format"]), ("Audio #1", ["Format", "Language"])]
