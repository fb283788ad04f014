"""`PUT /upload/mediainfo`: video codec and languages from mediainfo text or JSON.

The site does not document which subtitle field text tracks land in. The sandbox puts them in
`fansub_langs` by default (a release group's subtitle tracks are its fansubs); the
`text_langs_as` argument ("fansub" | "sub") lets a test flip that. Languages are answered as
the site's aliases when `aliases` is set (the site's default: its reference answers "jp" for
Japanese, so clients must normalise through `GET /langs`' `convert` map), else as site codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from uploader.sandbox.langs import ALIAS_OF, media_code

EXTRACT_FAILED = "Failed to extract mediainfo text languages and codec."

CODECS = {
    "avc": 1, "hevc": 2, "av1": 3, "vp9": 4, "mpeg video": 5, "mpeg-4 visual": 6,
    "wmv1": 7, "wmv2": 7, "wmv3": 7, "vc-1": 8,
}
_SECTION = re.compile(r"^(General|Video|Audio|Text|Menu|Image|Other)(?:\s*#\d+)?\s*$")


@dataclass(frozen=True)
class Track:
    kind: str  # General | Video | Audio | Text | ...
    fields: dict[str, str]


class ExtractError(ValueError):
    pass


def tracks_from_text(text: str) -> list[Track]:
    tracks: list[Track] = []
    current: Track | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        section = _SECTION.match(stripped)
        if section and " : " not in line:
            current = Track(section.group(1), {})
            tracks.append(current)
        elif current is not None and ":" in line:
            key, _, value = line.partition(":")
            current.fields.setdefault(key.strip(), value.strip())
    return tracks


def tracks_from_json(data: dict[str, Any]) -> list[Track]:
    # Whole output ({"media": {"track": [...]}}) or just the media object ({"track": [...]}).
    media = data.get("media", data)
    raw = media.get("track") if isinstance(media, dict) else None
    if not isinstance(raw, list):
        return []
    tracks = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("@type"), str):
            fields = {str(k): str(v) for k, v in item.items() if isinstance(v, str | int)}
            tracks.append(Track(item["@type"], fields))
    return tracks


def extract(mediainfo: str | dict[str, Any], *, aliases: bool = False,
            text_langs_as: str = "fansub") -> dict[str, Any]:
    """The `data` of the answer, or ExtractError when nothing usable is in `mediainfo`."""
    tracks = tracks_from_text(mediainfo) if isinstance(mediainfo, str) else (
        tracks_from_json(mediainfo))
    media_tracks = [t for t in tracks if t.kind in ("Video", "Audio", "Text")]
    if not media_tracks:
        raise ExtractError(EXTRACT_FAILED)
    video = next((t for t in media_tracks if t.kind == "Video"), None)
    codec: int | None = None
    if video is not None:
        codec = CODECS.get(video.fields.get("Format", "").strip().lower(), 0)
    audio = _langs(t for t in media_tracks if t.kind == "Audio")
    text = _langs(t for t in media_tracks if t.kind == "Text")

    def show(codes: list[str]) -> str:
        return ",".join(ALIAS_OF.get(c, c) if aliases else c for c in codes)

    return {
        "video_codec": codec,
        "fansub_langs": show(text) if text_langs_as == "fansub" else "",
        "sub_langs": show(text) if text_langs_as == "sub" else "",
        "audio_langs": show(audio),
    }


def _langs(tracks: Any) -> list[str]:
    codes: list[str] = []
    for track in tracks:
        value = track.fields.get("Language", "")
        code = media_code(value) if value else None
        if code is not None and code not in codes:
            codes.append(code)
    return codes
