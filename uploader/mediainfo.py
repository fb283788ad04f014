"""Mediainfo of a release: the text for the upload form, and what it says about the tracks.

The text is what the `mediainfo` command prints (pymediainfo's `output="", full=False` is the
same report from the same library), with one change: the `Complete name` line shows the path
inside the torrent ("Show - 01.mkv", or "Batch/Show - 01.mkv" for a folder) instead of the
absolute path on this machine, which would leak the seedbox's folder layout and means nothing
to a downloader. For a folder the main file is the largest video file, and the log says which.

Local detection (used when the site's `PUT /upload/mediainfo` cannot answer): the video codec as
the site's id, audio languages, and subtitle languages split into text tracks (ASS, SRT, ...:
fansubs or official per the profile) and bitmap tracks (PGS, VobSub: always official — they
come from discs and broadcasts).

A release without a video file (fonts, subtitles only), or a file libmediainfo cannot read,
gives None and a warning: the upload goes ahead without mediainfo. pymediainfo's exceptions are
translated here (`_parse`), nowhere else.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uploader.exceptions import MediainfoError
from uploader.languages import NO_LANGUAGE, Languages

log = logging.getLogger(__name__)

MEDIAINFO_MAX = 65536  # the site's limit for the upload's `mediainfo` field
VIDEO_EXTENSIONS = frozenset({
    ".mkv", ".mp4", ".m4v", ".avi", ".ts", ".m2ts", ".mts", ".webm", ".mov", ".wmv", ".asf",
    ".flv", ".mpg", ".mpeg", ".m2v", ".vob", ".ogm", ".ogv", ".rmvb", ".3gp",
})
# Subtitle formats that are text (as libmediainfo names them); anything else is a bitmap.
TEXT_SUBTITLES = frozenset({
    "ass", "ssa", "utf-8", "ascii", "srt", "subrip", "timed text", "webvtt", "ttml", "usf",
    "kate", "tx3g", "mov_text", "sami", "eia-608", "eia-708", "arib std b24/b37",
})
_COMPLETE_NAME = re.compile(r"^(Complete name\s*: ).*$", re.MULTILINE)


@dataclass(frozen=True)
class MediaReport:
    """What mediainfo says about a release's main video file."""

    text: str  # mediainfo-CLI text, Complete name torrent-relative, at most MEDIAINFO_MAX
    main_file: Path  # on disk
    name: str  # as in the torrent (the Complete name line)
    video_codec: int  # the site's id; 0 = other
    audio_langs: tuple[str, ...]  # site codes
    subtitle_langs: tuple[str, ...]  # text subtitle tracks: fansub or official per profile
    bitmap_subtitle_langs: tuple[str, ...]  # PGS / VobSub tracks: official subtitles
    summary: str  # one line, for {mediainfo_summary}
    truncated: bool = False


def codec_id(format_: str | None, codec: str | None = None, version: str | None = None) -> int:
    """The site's video_codec id for libmediainfo's Format (and Codec ID, Format version)."""
    fmt = (format_ or "").strip().casefold()
    codec_cf = (codec or "").strip().casefold()
    if fmt == "avc":
        return 1
    if fmt == "hevc":
        return 2
    if fmt == "av1":
        return 3
    if fmt == "vp9":
        return 4
    if fmt == "mpeg video":
        return 5 if (version or "").strip().casefold() == "version 2" else 0
    if fmt == "mpeg-4 visual":
        return 6
    if fmt in ("wmv1", "wmv2") or (fmt == "vc-1" and codec_cf in ("wmv3", "wmva")):
        return 7  # Windows Media Video 7/8/9 (WMV3 is VC-1's Simple/Main profile in ASF)
    if fmt == "vc-1":
        return 8
    return 0


def video_files(release: Path, files: Sequence[Path] | None = None) -> list[Path]:
    """The release's video files (by extension), sorted by path."""
    if files is None:
        files = [release] if release.is_file() else [p for p in release.rglob("*")]
    return sorted(f for f in files if f.suffix.casefold() in VIDEO_EXTENSIONS and f.is_file())


def truncate(text: str, limit: int = MEDIAINFO_MAX) -> tuple[str, bool]:
    """`text` cut at a line end to fit `limit` with a note saying so; (text, truncated)."""
    if len(text) <= limit:
        return text, False
    note = f"\n[truncated by nekobt-upload: the full mediainfo is {len(text):,} characters]\n"
    room = limit - len(note) - 1  # the line end added after the cut
    cut = text.rfind("\n", 0, room)
    cut = cut if cut > 0 else room
    return text[:cut] + "\n" + note, True


def _parse(path: Path) -> tuple[str, Any]:
    """(CLI text, parsed tracks) from libmediainfo; MediainfoError when it cannot read."""
    text, _, info = _parse_raw(path)
    return text, info


def _parse_raw(path: Path) -> tuple[str, str | None, Any]:
    """(CLI text, the XML the tracks come from or None, parsed tracks).

    One open of the file for both: libmediainfo parses on open (~0.2 s for an H.264 episode,
    whatever its size) and only formats on `Inform`, so the text and the XML that
    pymediainfo reads its tracks from come from the same parse. pymediainfo's own `parse`
    would open the file once per output; it is the fallback should its library handle ever
    change shape.
    """
    from xml.etree.ElementTree import ParseError

    from pymediainfo import MediaInfo

    try:
        try:
            lib, handle, _, version = MediaInfo._get_library()
        except (AttributeError, TypeError, ValueError):  # another pymediainfo: two parses
            return (str(MediaInfo.parse(path, output="", full=False)), None,
                    MediaInfo.parse(path))
        try:
            text, xml = _parse_once(lib, handle, version, path)
        finally:
            lib.MediaInfo_Delete(handle)
        return text, xml, MediaInfo(xml)
    except (OSError, RuntimeError, ValueError, ParseError) as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: BaseException) -> MediainfoError:
    reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
    return MediainfoError(f"{path.name}: libmediainfo cannot read it ({reason}) — "
                          "mediainfo is skipped", path=path)


def _parse_once(lib: Any, handle: Any, version: tuple[int, ...], path: Path
                ) -> tuple[str, str]:
    """What pymediainfo's `parse` sets, then text (`output=""`, `full=False`) and the XML
    (`OLDXML`, complete) from one `MediaInfo_Open`."""
    if version >= (18, 3):
        lib.MediaInfo_Option(handle, "Cover_Data", "")
    for option, value in (("CharSet", "UTF-8"), ("ParseSpeed", "0.5"),
                          ("LegacyStreamDisplay", ""), ("Inform", ""), ("Complete", "")):
        lib.MediaInfo_Option(handle, option, value)
    if lib.MediaInfo_Open(handle, os.fspath(path)) == 0:
        if not path.exists():
            raise FileNotFoundError(str(path))
        raise RuntimeError(f"an error occurred while opening {path.name} with libmediainfo")
    try:
        text = str(lib.MediaInfo_Inform(handle, 0))
        lib.MediaInfo_Option(handle, "Inform", "OLDXML" if version >= (17, 10) else "XML")
        lib.MediaInfo_Option(handle, "Complete", "1")
        xml = str(lib.MediaInfo_Inform(handle, 0))
    finally:
        lib.MediaInfo_Close(handle)
    return text, xml


class MediaReader:
    """libmediainfo's readings of one release's files: each file opened at most once, and not
    at all when `cache_dir` (`uploader.mediacache`) holds the unchanged file's reading."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._memo: dict[Path, tuple[str, Any] | MediainfoError] = {}

    def read(self, path: Path) -> tuple[str, Any]:
        """(CLI text, parsed tracks) of `path`; MediainfoError when it cannot be read."""
        if path not in self._memo:
            try:
                self._memo[path] = self._read(path)
            except MediainfoError as exc:
                self._memo[path] = exc
        found = self._memo[path]
        if isinstance(found, MediainfoError):
            raise found
        return found

    def _read(self, path: Path) -> tuple[str, Any]:
        if self.cache_dir is None:
            return _parse(path)
        import pymediainfo

        from uploader.mediacache import MediaCache

        cache = MediaCache(self.cache_dir, str(getattr(pymediainfo, "__version__", "?")))
        hit = cache.get(path)
        if hit is not None:
            from xml.etree.ElementTree import ParseError

            try:
                return hit[0], pymediainfo.MediaInfo(hit[1])
            except (ParseError, ValueError):
                log.warning("mediainfo cache: unreadable entry for %s ignored", path.name)
        try:
            st = os.stat(path)
        except OSError as exc:
            raise _unreadable(path, exc) from None
        text, xml, info = _parse_raw(path)
        if xml is not None:
            cache.put(path, st, text, xml)
        return text, info


@dataclass(frozen=True)
class VideoProbe:
    """Whether a release holds a video track libmediainfo can read (the site takes nothing
    else), and what it read instead when not: (file as in the torrent, what it is)."""

    video: str | None
    examined: tuple[tuple[str, str], ...] = ()


def _reads_as(info: Any, path: Path) -> str:
    """"Matroska, Audio, Text / 1234 bytes": the container and the kinds of track found."""
    general = next((t for t in info.tracks if t.track_type == "General"), None)
    kinds = list(dict.fromkeys(str(t.track_type) for t in info.tracks
                               if t.track_type != "General"))
    container = str(general.format) if general is not None and general.format else None
    parts = [p for p in [container, *kinds] if p] or ["no known format"]
    try:
        size = path.stat().st_size
    except OSError:
        return ", ".join(parts)
    return f"{', '.join(parts)} / {size} bytes"


def probe_video(release: Path, files: Sequence[Path] | None = None, *,
                reader: MediaReader | None = None) -> VideoProbe:
    """Find a file with a video track: the file itself, or for a folder its video files by
    extension, largest first (the first is the file `read_mediainfo` reads: with the same
    `reader`, it is opened once for both)."""
    if release.is_file():
        candidates = [release]
    else:
        candidates = video_files(release, files)
        candidates.sort(key=lambda p: -p.stat().st_size if p.exists() else 0)
    examined: list[tuple[str, str]] = []
    for path in candidates:
        name = _shown_name(release, path)
        try:
            _, info = (reader or MediaReader()).read(path)
        except MediainfoError as exc:
            examined.append((name, f"unreadable: {exc}"))
            continue
        if any(t.track_type == "Video" for t in info.tracks):
            return VideoProbe(name)
        examined.append((name, _reads_as(info, path)))
    return VideoProbe(None, tuple(examined))


def _shown_name(release: Path, main: Path) -> str:
    if release.is_dir():
        try:
            return (Path(release.name) / main.relative_to(release)).as_posix()
        except ValueError:
            pass
    return main.name


def _track_langs(tracks: Iterable[Any], kind: str, name: str,
                 languages: Languages) -> tuple[str, ...]:
    found: list[str] = []
    for number, track in enumerate(tracks, 1):
        raw = str(track.language or "").strip()
        if raw.casefold() in NO_LANGUAGE:
            continue
        code = languages.lookup(raw)
        if code is None:
            log.warning("%s: language %r of %s track %d is not a nekoBT language — not added",
                        name, raw, kind, number)
            continue
        found.append(code)
    return tuple(dict.fromkeys(found))


def _described(track: Any) -> str:
    """"Japanese FLAC", or just "ASS" for a track without a language."""
    names = track.other_language or []
    return f"{names[0]} {track.format}" if names else str(track.format)


def _summary(video: Any, audio: list[Any], text: list[Any]) -> str:
    parts = [" ".join(str(p) for p in (
        video.format,
        f"{video.width}x{video.height}" if video.width and video.height else None,
        f"{video.bit_depth}-bit" if video.bit_depth else None,
    ) if p)]
    if audio:
        parts.append("Audio: " + ", ".join(_described(t) for t in audio))
    if text:
        parts.append("Subtitles: " + ", ".join(_described(t) for t in text))
    return " · ".join(parts)


def read_mediainfo(release: Path, files: Sequence[Path] | None = None, *,
                   languages: Languages | None = None,
                   reader: MediaReader | None = None) -> MediaReport | None:
    """Mediainfo of the release's main video file, or None (with a warning) when there is
    no video or libmediainfo cannot read it. `files`: the release's files on disk (default:
    all files under `release`); only video files (by extension) are ever opened."""
    languages = languages or Languages.bundled()
    candidates = video_files(release, files)
    if not candidates:
        log.warning("%s: no video file (fonts or subtitles only?) — mediainfo skipped",
                    release.name)
        return None
    try:
        main = max(candidates, key=lambda p: p.stat().st_size)  # first of equals, by path
    except OSError as exc:
        log.warning("%s: cannot read a video file (%s) — mediainfo skipped", release.name, exc)
        return None
    name = _shown_name(release, main)
    if len(candidates) > 1:
        log.info("%s: mediainfo of %s, the largest of %d video files", release.name, name,
                 len(candidates))
    try:
        text, info = (reader or MediaReader()).read(main)
    except MediainfoError as exc:
        log.warning("%s", exc)
        return None
    videos = [t for t in info.tracks if t.track_type == "Video"]
    if not videos:
        log.warning("%s: libmediainfo finds no video track (corrupt, or not a video?) — "
                    "mediainfo skipped", name)
        return None
    audio = [t for t in info.tracks if t.track_type == "Audio"]
    subs = [t for t in info.tracks if t.track_type == "Text"]
    text_subs = [t for t in subs if str(t.format or "").casefold() in TEXT_SUBTITLES]
    bitmap_subs = [t for t in subs if t not in text_subs]
    text = _COMPLETE_NAME.sub(lambda m: m.group(1) + name, text, count=1)
    text, truncated = truncate(text.rstrip("\n") + "\n")
    if truncated:
        log.info("%s: mediainfo is over %d characters — truncated, with a note", name,
                 MEDIAINFO_MAX)
    video = videos[0]
    return MediaReport(
        text=text,
        main_file=main,
        name=name,
        video_codec=codec_id(video.format, video.codec_id, video.format_version),
        audio_langs=_track_langs(audio, "audio", name, languages),
        subtitle_langs=_track_langs(text_subs, "text", name, languages),
        bitmap_subtitle_langs=_track_langs(bitmap_subs, "subtitle", name, languages),
        summary=_summary(video, audio, subs),
        truncated=truncated,
    )
