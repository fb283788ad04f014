"""What a release's name and shape say, for profile fields written as `auto`.

    video_type: auto ... from the source tag in the release name (table below), else from
                         the site's parsed quality source (`parsedData.quality.source`)
    batch: auto ........ a folder holding two or more episodes, or a name with a range/"Batch"
    movie: auto ........ the site parsed the title as media with no episodes

Source tags (matched as whole words, case-insensitive, first row that matches wins):

    BDMV, BD ISO, Blu-ray Disc ............ 11 BD Disc
    BD Remux, BDRemux, Blu-ray Remux ...... 14 BD Remux
    BD Mini, BDMini ....................... 12 BD Mini
    BD, BDRip, Blu-ray, BluRay ............ 13 BD Encode
    WEB-DL, WEBDL ......................... 9  WEB-DL
    WEB Mini .............................. 7  WEB Mini
    WEBRip, WEB ........................... 8  WEB Encode
    DVD ISO, VIDEO_TS, DVD9, DVD5 ......... 16 DVD Disc
    DVD Remux ............................. 5  DVD Remux
    DVD, DVDRip ........................... 6  DVD Encode
    TV Raw, TS (a .ts file) ............... 4  TV Raw
    HDTV, TV, TVRip ....................... 3  TV Encode
    LD, LaserDisc ......................... 2  LaserDisc
    VHS ................................... 1  VHS

Remux before encode, disc before remux: "BD Remux" must not read as "BD".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from uploader.profiles.templates import episode_of

_SEP = r"(?<![A-Za-z0-9])"
_END = r"(?![A-Za-z0-9])"


def _tags(*words: str) -> re.Pattern[str]:
    alternatives = "|".join(w.replace(" ", r"[\s._-]?") for w in words)
    return re.compile(f"{_SEP}(?:{alternatives}){_END}", re.IGNORECASE)


VIDEO_TYPE_TABLE: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (_tags("BDMV", "BD ISO", "Blu-ray Disc", "BluRay Disc"), 11, "BD Disc"),
    (_tags("BD Remux", "BDRemux", "Blu-ray Remux", "BluRay Remux"), 14, "BD Remux"),
    (_tags("BD Mini", "BDMini"), 12, "BD Mini"),
    (_tags("BD", "BDRip", "Blu-ray", "BluRay", "BRRip"), 13, "BD Encode"),
    (_tags("WEB-DL", "WEBDL"), 9, "WEB-DL"),
    (_tags("WEB Mini"), 7, "WEB Mini"),
    (_tags("WEBRip", "WEB"), 8, "WEB Encode"),
    (_tags("DVD ISO", "VIDEO_TS", "DVD9", "DVD5"), 16, "DVD Disc"),
    (_tags("DVD Remux", "DVDRemux"), 5, "DVD Remux"),
    (_tags("DVD", "DVDRip"), 6, "DVD Encode"),
    (_tags("TV Raw"), 4, "TV Raw"),
    (_tags("HDTV", "TV", "TVRip"), 3, "TV Encode"),
    (_tags("LD", "LaserDisc"), 2, "LaserDisc"),
    (_tags("VHS"), 1, "VHS"),
)

# The site's parsed quality source (Sonarr-style) → video type, when the name has no tag.
SITE_SOURCES = {"bluray": 13, "web": 8, "webdl": 9, "webrip": 8, "dvd": 6, "television": 3,
                "tv": 3}

VIDEO_SUFFIXES = frozenset({".mkv", ".mp4", ".avi", ".m2ts", ".ts", ".webm", ".wmv", ".mov",
                            ".ogm", ".m4v", ".flv"})
_RANGE = re.compile(r"(?<![0-9])\d{1,4}\s*[-~]\s*\d{1,4}(?![0-9p])|\bbatch\b", re.IGNORECASE)


def video_type_from_name(name: str) -> tuple[int, str] | None:
    """(video type id, the row's name) for the first table row the name matches."""
    if Path(name).suffix.lower() == ".ts" and not _tags("HDTV", "TVRip").search(name):
        return 4, "TV Raw"
    for pattern, type_id, label in VIDEO_TYPE_TABLE:
        if pattern.search(name):
            return type_id, label
    return None


def video_type_from_site(checks: Mapping[str, Any]) -> int | None:
    """From the checks answer's `parsedData.quality.source`, when the site parsed one."""
    parsed = checks.get("parsedData")
    quality = parsed.get("quality") if isinstance(parsed, Mapping) else None
    source = quality.get("source") if isinstance(quality, Mapping) else None
    if not isinstance(source, str):
        return None
    return SITE_SOURCES.get(source.strip().lower().replace("-", ""))


def is_batch(release: Path, files: Sequence[Path] = ()) -> bool:
    """A folder with two or more distinct episodes, or a name with a range or "Batch"."""
    if _RANGE.search(release.name):
        return True
    if not release.is_dir():
        return False
    videos = [f for f in (files or release.rglob("*"))
              if Path(f).suffix.lower() in VIDEO_SUFFIXES]
    episodes = {episode_of(Path(f).name) for f in videos} - {""}
    return len(episodes) >= 2


def is_movie(checks: Mapping[str, Any]) -> bool | None:
    """True when the site parsed the title as media with no episodes; None: no opinion."""
    parsed = checks.get("parsedData")
    if not isinstance(parsed, Mapping) or not isinstance(parsed.get("media"), Mapping):
        return None
    episodes = parsed.get("episodes")
    return isinstance(episodes, list) and not episodes
