"""Real media made with ffmpeg once per session: tiny (64x36 or 128x72), 1 second each.

`media` maps a name to a release path under a session tmp folder. Every file is encoded by the
real encoders (x264, x265, SVT-AV1 or libaom, libvpx, ffmpeg's MPEG encoders) so libmediainfo
parses real bitstreams, not hand-made headers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ASS = """\
[Script Info]
ScriptType: v4.00+
PlayResX: 128
PlayResY: 72

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,\
0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Hello
"""
SRT = "1\n00:00:00,000 --> 00:00:01,000\nHello\n\n"
VIDEO = ["-f", "lavfi", "-i", "testsrc=size=128x72:rate=10:duration=1"]
TINY = ["-f", "lavfi", "-i", "testsrc=size=64x36:rate=25:duration=1"]
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

def ffmpeg(out: Path, *args: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-threads", "1", *args, str(out)],
                   check=True, capture_output=True, timeout=120)
    return out


def encoders() -> set[str]:
    out = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[1] for line in out.splitlines() if line.startswith(" V")}


def av1_encoder() -> Sequence[str] | None:
    available = encoders()
    if "libsvtav1" in available:
        return ["-c:v", "libsvtav1", "-preset", "12"]
    if "libaom-av1" in available:
        return ["-c:v", "libaom-av1", "-cpu-used", "8", "-row-mt", "0"]
    return None


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    root = tmp_path_factory.mktemp("media")
    ass, srt = root / "subs" / "a.ass", root / "subs" / "a.srt"
    ass.parent.mkdir()
    ass.write_text(ASS)
    srt.write_text(SRT)
    made: dict[str, Path] = {}

    # H.264: Japanese and English audio; ASS tagged English; SRT with no language tag.
    made["h264"] = ffmpeg(
        root / "h264" / "[ExampleSubs] Show - 01 (720p).mkv",
        *VIDEO, *TONE, *TONE, "-i", str(ass), "-i", str(srt),
        "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map", "4", *X264,
        "-c:a", "aac", "-b:a", "32k", "-c:s:0", "ass", "-c:s:1", "srt",
        "-metadata:s:a:0", "language=jpn", "-metadata:s:a:1", "language=eng",
        "-metadata:s:s:0", "language=eng")
    # HEVC: Japanese FLAC and a Klingon one (no site code); ASS without a language; SRT
    # tagged Spanish (spa -> es-es).
    made["hevc"] = ffmpeg(
        root / "hevc" / "[ExampleSubs] Show - 02 (720p).mkv",
        *VIDEO, *TONE, "-i", str(ass), "-i", str(srt),
        "-map", "0", "-map", "1", "-map", "1", "-map", "2", "-map", "3",
        "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
        "-c:a", "flac", "-c:s:0", "ass", "-c:s:1", "srt",
        "-metadata:s:a:0", "language=jpn", "-metadata:s:a:1", "language=tlh",
        "-metadata:s:s:1", "language=spa")
    av1 = av1_encoder()
    if av1 is not None:
        made["av1"] = ffmpeg(root / "av1" / "Show - 03.mkv", *VIDEO, *TONE, "-map", "0",
                             "-map", "1", *av1, "-c:a", "libopus", "-b:a", "24k")
    # MP4: English AAC, an English mov_text (3GPP timed text) track.
    made["mp4"] = ffmpeg(
        root / "mp4" / "Show - 04.mp4", *VIDEO, *TONE, "-i", str(srt),
        "-map", "0", "-map", "1", "-map", "2", *X264, "-c:a", "aac", "-c:s", "mov_text",
        "-metadata:s:a:0", "language=eng", "-metadata:s:s:0", "language=eng")
    made["vp9"] = ffmpeg(root / "vp9" / "Show.webm", *TINY, "-c:v", "libvpx-vp9",
                         "-deadline", "realtime", "-cpu-used", "8")
    made["mpeg2"] = ffmpeg(root / "mpeg2" / "Show.mpg", *TINY, "-c:v", "mpeg2video")
    made["mpeg1"] = ffmpeg(root / "mpeg1" / "Show.mpg", *TINY, "-c:v", "mpeg1video")
    made["mpeg4"] = ffmpeg(root / "mpeg4" / "Show.avi", *TINY, "-c:v", "mpeg4")
    made["wmv"] = ffmpeg(root / "wmv" / "Show.wmv", *TINY, "-c:v", "wmv2")
    # 170 subtitle tracks: libmediainfo's text passes 65,536 characters.
    many = [arg for _ in range(170) for arg in ("-map", "1")]
    made["many_tracks"] = ffmpeg(root / "many" / "Show - 05.mkv", *TINY, "-i", str(srt),
                                 "-map", "0", *many, *X264, "-c:s", "srt")

    # A batch folder: two episodes (the second one longer, so larger), extras, fonts.
    batch = root / "[ExampleSubs] Show (01-02) (720p)"
    ffmpeg(batch / "Show - 01.mkv", *TINY, *X264)
    shutil.copy(made["h264"], batch / "Show - 02.mkv")  # 128x72 with audio: the largest
    (batch / "Extras").mkdir()
    ffmpeg(batch / "Extras" / "NCOP.mkv", *TINY, *X264)
    (batch / "Fonts").mkdir()
    (batch / "Fonts" / "font.ttf").write_bytes(os.urandom(300_000))  # bigger than any video
    made["batch"] = batch

    fonts = root / "[ExampleSubs] Fonts only"
    (fonts / "Fonts").mkdir(parents=True)
    (fonts / "Fonts" / "a.ttf").write_bytes(os.urandom(5000))
    (fonts / "Fonts" / "b.otf").write_bytes(os.urandom(5000))
    (fonts / "subs.ass").write_text(ASS)
    made["fonts_only"] = fonts

    corrupt = root / "corrupt" / "[ExampleSubs] Broken - 01.mkv"
    corrupt.parent.mkdir()
    corrupt.write_bytes(os.urandom(64 * 1024))
    made["corrupt"] = corrupt
    empty = root / "empty" / "[ExampleSubs] Empty - 01.mkv"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    made["empty"] = empty
    return made
