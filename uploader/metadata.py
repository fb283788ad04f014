"""A release's metadata for the site: the profile, merged with what the media says.

PRODUCT.md's rule: a language the profile lists is always sent; languages detected in the media
are added. Detection asks the site first (`PUT /upload/mediainfo` with the mediainfo text: the
site's reading is what its checks will agree with) and falls back to our own reading of the
tracks when the site cannot read the text (400), fails (5xx) or cannot be reached. With
`detect=False` (`--no-detect`) only the profile speaks.

Subtitles: the site's answer does not say which of its languages came from text tracks, so
detected subtitle languages are sorted here — bitmap tracks (PGS, VobSub) are official
subtitles; text tracks are fansubs or official subtitles as the profile's
`languages.detected_subtitles` says. With level -1 (no subs) nothing is added to fansub: the
site rejects fansub languages on a "no subs" release.

The video codec: the profile's when it sets one, else the detected one.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from uploader.exceptions import ApiError, RateLimitedError, ServerError, TransportError
from uploader.languages import Languages, UnknownLanguageError
from uploader.mediainfo import MediaReport
from uploader.profiles import Profile, release_fields, render_description, render_title

if TYPE_CHECKING:
    from uploader.payloads import ReleaseMeta

log = logging.getLogger(__name__)

LANGS_MAX = 256  # characters of each comma-separated language list


class MediainfoClient(Protocol):
    """The part of `uploader.api.NekoClient` detection uses."""

    def extract_mediainfo(self, mediainfo: str, /) -> Mapping[str, Any]: ...


class BuiltLike(Protocol):
    """The part of `uploader.torrent.BuiltTorrent` used here: the shared bytes, for {size}."""

    @property
    def total_size(self) -> int: ...


@dataclass(frozen=True)
class Detected:
    """What the media says, already sorted into the site's three language fields."""

    video_codec: int | None
    audio: tuple[str, ...] = ()
    subtitles: tuple[str, ...] = ()
    fansub: tuple[str, ...] = ()
    source: Literal["site", "local", "none"] = "none"


@dataclass(frozen=True)
class Merged:
    """The site-facing languages, codec and mediainfo text of one release."""

    video_codec: int | None
    audio: tuple[str, ...]
    subtitles: tuple[str, ...]
    fansub: tuple[str, ...]
    mediainfo: str | None
    detected: Detected


def _codes(text: object, languages: Languages, source: str) -> list[str]:
    """Site codes of a comma-separated answer; an unknown one is logged and left out."""
    if not isinstance(text, str):
        return []
    found = []
    for part in text.split(","):
        if part.strip():
            try:
                found.append(languages.normalise(part.strip(), source=source))
            except UnknownLanguageError as exc:
                log.warning("%s — not added", exc)
    return found


def _sort_subtitles(profile: Profile, report: MediaReport, langs: Iterable[str]
                    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(official subtitles, fansubs) for detected subtitle languages."""
    official: list[str] = []
    fansub: list[str] = []
    text_as_official = profile.languages.detected_subtitles == "subtitles"
    for code in dict.fromkeys(langs):
        bitmap_only = code in report.bitmap_subtitle_langs and code not in report.subtitle_langs
        (official if bitmap_only or text_as_official else fansub).append(code)
    return tuple(official), tuple(fansub)


def _site_cannot_read(exc: ApiError | TransportError) -> bool:
    """No usable answer — 400 (it cannot parse the text), 5xx, 429 after the client's retries,
    an answer not shaped as documented (200), or none at all: read the media locally instead.
    A refused key or permission (401, 403) is the pipeline's to handle."""
    if isinstance(exc, TransportError | ServerError | RateLimitedError):
        return True
    return exc.status == 400 or 200 <= exc.status < 300


def detect(profile: Profile, report: MediaReport | None, client: MediainfoClient | None,
           languages: Languages) -> Detected:
    """Ask the site about `report`; fall back to the local reading when it cannot answer."""
    if report is None:
        return Detected(video_codec=None)
    if client is not None:
        try:
            answer = client.extract_mediainfo(report.text)
        except (ApiError, TransportError) as exc:
            if not _site_cannot_read(exc):
                raise
            log.info("%s: the site could not read the mediainfo (%s) — using local detection",
                     report.name, exc)
        else:
            if not isinstance(answer, dict):  # the client checks shapes; never trust blindly
                log.info("%s: the site's mediainfo answer is unusable — using local "
                         "detection", report.name)
                return _local(profile, report)
            source = f"PUT /upload/mediainfo for {report.name}"
            codec = answer.get("video_codec")
            subs = (_codes(answer.get("sub_langs"), languages, source)
                    + _codes(answer.get("fansub_langs"), languages, source))
            official, fansub = _sort_subtitles(profile, report, subs)
            return Detected(
                video_codec=codec if isinstance(codec, int) and not isinstance(codec, bool)
                and 0 <= codec <= 8 else None,
                audio=tuple(dict.fromkeys(_codes(answer.get("audio_langs"), languages,
                                                 source))),
                subtitles=official, fansub=fansub, source="site")
    return _local(profile, report)


def _local(profile: Profile, report: MediaReport) -> Detected:
    official, fansub = _sort_subtitles(
        profile, report, (*report.subtitle_langs, *report.bitmap_subtitle_langs))
    return Detected(video_codec=report.video_codec, audio=report.audio_langs,
                    subtitles=official, fansub=fansub, source="local")


def _union(base: tuple[str, ...], extra: tuple[str, ...], field: str, name: str
           ) -> tuple[str, ...]:
    """Profile codes, then detected ones that still fit the site's 256-character limit."""
    out = list(dict.fromkeys(base))
    for code in extra:
        if code not in out:
            if len(",".join([*out, code])) > LANGS_MAX:
                log.warning("%s: %s language %s left out — the list would pass %d characters",
                            name, field, code, LANGS_MAX)
                continue
            out.append(code)
    return tuple(out)


def merge(profile: Profile, report: MediaReport | None, *, client: MediainfoClient | None,
          detect_media: bool = True, languages: Languages | None = None) -> Merged:
    """Profile languages plus detected ones, the codec, and the mediainfo text to send."""
    languages = languages or Languages.bundled()
    found = (detect(profile, report, client, languages) if detect_media
             else Detected(video_codec=None))
    fansub_extra = found.fansub
    if profile.level == -1 and fansub_extra:
        log.warning("%s: subtitles in %s found, but the profile's level is -1 (no subs) — "
                    "not added as fansubs", report.name if report else profile.name,
                    ", ".join(fansub_extra))
        fansub_extra = ()
    name = report.name if report else profile.name
    langs = profile.languages
    return Merged(
        video_codec=profile.video_codec if profile.video_codec is not None
        else found.video_codec,
        audio=_union(langs.audio, found.audio, "audio", name),
        subtitles=_union(langs.subtitles, found.subtitles, "subtitle", name),
        fansub=_union(langs.fansub, fansub_extra, "fansub", name),
        mediainfo=report.text if report is not None and profile.upload.include_mediainfo
        else None,
        detected=found,
    )


def release_meta(profile: Profile, release: Path, built: BuiltLike, report: MediaReport | None,
                 *, client: MediainfoClient | None, detect: bool = True,
                 languages: Languages | None = None,
                 today: datetime.date | None = None) -> ReleaseMeta:
    """Everything the site is told about `release`: rendered title and description, credits,
    flags, and the merged languages and codec."""
    from uploader import payloads

    merged = merge(profile, report, client=client, detect_media=detect, languages=languages)
    video_type, movie, batch, detected = _auto_fields(profile, release, built)
    fields = release_fields(profile, release, size=built.total_size,
                            mediainfo_summary=report.summary if report else "", today=today)
    return payloads.ReleaseMeta(
        title=render_title(profile, fields),
        description=render_description(profile, fields),
        group_id=profile.group.id,
        group_tag=profile.group.tag,
        members=profile.members,
        secondary_groups=profile.secondary_groups,
        level=profile.level,
        video_type=video_type,
        video_codec=merged.video_codec,
        movie=movie,
        batch=batch,
        mtl=profile.mtl,
        otl=profile.otl,
        hardsub=profile.hardsub,
        anonymous=profile.anonymous,
        hidden=profile.hidden,
        audio_langs=merged.audio,
        sub_langs=merged.subtitles,
        fansub_langs=merged.fansub,
        mediainfo=merged.mediainfo,
        detected=detected,
    )


def _auto_fields(profile: Profile, release: Path, built: BuiltLike
                 ) -> tuple[int | None, bool, bool, tuple[tuple[str, str], ...]]:
    """video_type / movie / batch, resolving `auto` from the release (movie: after the site
    parsed the title, in the pipeline)."""
    from uploader.detect import is_batch, video_type_from_name
    from uploader.profiles.model import AUTO

    detected: list[tuple[str, str]] = []
    video_type: int | None
    if profile.video_type == AUTO:
        found = video_type_from_name(release.name)
        video_type = found[0] if found else None
        detected.append(("video_type", f"{found[0]} {found[1]}, from the name" if found
                         else "no source tag in the name: left to the site"))
    else:
        video_type = profile.video_type
    if profile.batch == AUTO:
        batch = is_batch(release, list(getattr(built, "local_files", ())))
        detected.append(("batch", f"{str(batch).lower()}, from the release's shape"))
    else:
        batch = profile.batch
    movie = profile.movie if profile.movie != AUTO else False
    return video_type, movie, batch, tuple(detected)
