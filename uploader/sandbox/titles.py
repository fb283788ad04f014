"""Release-title parsing, a small stand-in for the Sonarr/Radarr parser the site uses.

Understands the usual fansub and scene forms:
`[Group] Show - 01v2 (1080p) [CRC32].mkv`, `[Group] Show - 01-12 (BD 1080p)`,
`Show.S01E05.1080p.WEB-DL-GROUP`, `[Group] Movie Title (2023) [1080p]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXTENSION = re.compile(r"\.(mkv|mp4|avi|webm|ts|m2ts|torrent)$", re.IGNORECASE)
_LEADING_GROUP = re.compile(r"^\s*\[([^\]]+)\]\s*")
_SCENE_GROUP = re.compile(r"-([A-Za-z0-9]+)$")
_SEASON_EPISODE = re.compile(
    r"\bS(?P<season>\d{1,2})E(?P<first>\d{1,4})(?:-?E?(?P<last>\d{1,4}))?(?:v(?P<v>\d))?\b",
    re.IGNORECASE,
)
# " - 01", " - 01v2", " - 01-12", " - 01 ~ 12", " 01-12 " (absolute numbering)
_ABSOLUTE = re.compile(
    r"(?:\s-\s*|\s)(?P<first>\d{1,4})(?:v(?P<v>\d))?"
    r"(?:\s*[-~]\s*(?P<last>\d{1,4})(?:v(?P<v2>\d))?)?(?=$|[\s\[\(._])"
)
_RESOLUTION = re.compile(r"\b(2160|1080|720|576|480)[pi]\b", re.IGNORECASE)
_YEAR = re.compile(r"[\(\[]?((?:19|20)\d{2})[\)\]]?")

# Sonarr's quality ids for the (source, resolution) pairs a title can name.
_QUALITIES: dict[tuple[str, int], tuple[int, str]] = {
    ("web", 2160): (18, "WEBDL-2160p"), ("web", 1080): (3, "WEBDL-1080p"),
    ("web", 720): (5, "WEBDL-720p"), ("web", 480): (8, "WEBDL-480p"),
    ("bluray", 2160): (19, "Bluray-2160p"), ("bluray", 1080): (7, "Bluray-1080p"),
    ("bluray", 720): (6, "Bluray-720p"), ("bluray", 480): (20, "Bluray-480p"),
    ("tv", 2160): (16, "HDTV-2160p"), ("tv", 1080): (9, "HDTV-1080p"),
    ("tv", 720): (4, "HDTV-720p"), ("tv", 480): (1, "SDTV"), ("dvd", 480): (2, "DVD"),
}


@dataclass(frozen=True)
class ParsedTitle:
    release_group: str | None
    show: str
    season: int | None
    episodes: tuple[int, ...]
    version: int
    resolution: int | None
    source: str | None
    release_tokens: str
    year: int | None

    @property
    def is_range(self) -> bool:
        return len(self.episodes) > 1

    def quality(self) -> dict[str, object]:
        res = self.resolution or 0
        qid, name = _QUALITIES.get((self.source or "", res), (0, "Unknown"))
        if qid == 0 and res:
            name = f"Unknown-{res}p"
        return {"id": qid, "name": name, "source": self.source or "unknown",
                "resolution": res, "version": self.version}


def _source(text: str) -> str | None:
    lowered = text.lower()
    if re.search(r"\b(web[- ]?dl|web[- ]?rip|web|cr|amzn|nf|adn|dsnp)\b", lowered):
        return "web"
    if re.search(r"\b(bd|bdrip|blu[- ]?ray|bdmv|bd[- ]?remux)\b", lowered):
        return "bluray"
    if re.search(r"\b(hdtv|tv|tvrip)\b", lowered):
        return "tv"
    if re.search(r"\b(dvd|dvdrip)\b", lowered):
        return "dvd"
    return None


def parse_title(title: str) -> ParsedTitle:
    text = _EXTENSION.sub("", title.strip())
    group = None
    lead = _LEADING_GROUP.match(text)
    if lead:
        group = lead.group(1).strip()
        text = text[lead.end():]
    elif "." in text and " " not in text:
        scene = _SCENE_GROUP.search(text)
        group = scene.group(1) if scene else None
    spaced = re.sub(r"[._]", " ", text) if " " not in text else text

    season: int | None = None
    episodes: tuple[int, ...] = ()
    version = 1
    show_end = len(spaced)
    tokens_start = len(spaced)
    match = _SEASON_EPISODE.search(spaced)
    if match:
        season = int(match["season"])
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else first
        episodes = tuple(range(first, max(first, last) + 1))
        version = int(match["v"]) if match["v"] else 1
        show_end, tokens_start = match.start(), match.end()
    else:
        for found in _ABSOLUTE.finditer(spaced):
            # A 4-digit number in brackets/parentheses is a year, not an episode.
            if len(found["first"]) == 4 and not found["last"]:
                continue
            first = int(found["first"])
            last = int(found["last"]) if found["last"] else first
            episodes = tuple(range(first, max(first, last) + 1))
            version = int(found["v2"] or found["v"] or 1)
            show_end, tokens_start = found.start(), found.end()
            break
    if not episodes:
        # Movies and unparsed titles: the show ends at the first bracket or year.
        cut = re.search(r"\s*[\(\[]", spaced)
        show_end = cut.start() if cut else len(spaced)
        tokens_start = show_end
    show = spaced[:show_end].strip(" -_.")
    tokens = spaced[tokens_start:]
    year_match = _YEAR.search(spaced[show_end:]) if not episodes else None
    resolution = _RESOLUTION.search(tokens) or _RESOLUTION.search(spaced)
    return ParsedTitle(
        release_group=group,
        show=show,
        season=season,
        episodes=episodes,
        version=version,
        resolution=int(resolution.group(1)) if resolution else None,
        source=_source(tokens),
        release_tokens=tokens,
        year=int(year_match.group(1)) if year_match else None,
    )
