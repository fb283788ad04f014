"""A group profile as the rest of the tool sees it: frozen, typed, every default filled in.

The YAML keys of PRODUCT.md map one to one onto these attributes (`torrent.piece_size` is
`profile.torrent.piece_size`). Two additive keys: `group.name` (the display name `{group}`
renders; default the tag) and `languages.detected_subtitles` (whether subtitle text tracks
found in the media count as fansubs or as official subtitles; default fansub).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from uploader.exceptions import ProfileError
from uploader.secret import Secret

PUBLIC_TRACKER = "https://tracker.nekobt.to/api/tracker/public/announce"
DEFAULT_TITLE = "{stem}"
DEFAULT_DESCRIPTION = "Encoded by {group}. Released {date}.\n"
TITLE_MAX = 512
DESCRIPTION_MAX = 8192

DetectedSubtitles = Literal["fansub", "subtitles"]


@dataclass(frozen=True)
class Group:
    id: str  # a snowflake: always a string, never a number
    tag: str  # as written in titles: [ExampleSubs]
    name: str | None = None  # display name for {group}; None: the tag

    @property
    def display_name(self) -> str:
        return self.name if self.name is not None else self.tag


@dataclass(frozen=True)
class Member:
    """A credited member; `id` None with a `display_name` makes the site create an invite."""

    role: str
    id: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class SecondaryGroup:
    id: str
    role: str | None = None


@dataclass(frozen=True)
class LanguageDefaults:
    """Site codes always sent; detected languages are added to these."""

    audio: tuple[str, ...] = ("ja",)
    subtitles: tuple[str, ...] = ()
    fansub: tuple[str, ...] = ("en",)
    detected_subtitles: DetectedSubtitles = "fansub"


@dataclass(frozen=True)
class TorrentOptions:
    piece_size: int | None = None  # bytes; None: chosen from the release size
    private: bool = False
    source: str | None = None
    exclude: tuple[str, ...] = ("*.nfo", "*.txt")
    # Upload `<release>.torrent` found beside a release (verified piece by piece) instead of
    # building one: the very torrent the group posted elsewhere, one infohash, one swarm.
    reuse: bool = False


@dataclass(frozen=True)
class UploadOptions:
    # True: accept every warning; a tuple: accept warnings containing one of these substrings.
    ignore_warnings: bool | tuple[str, ...] = False
    mark_upgrades: bool = True
    include_mediainfo: bool = True
    # False: upload releases without a readable video track (music, fonts, scans); on purpose.
    require_video: bool = True

    def accepts(self, warning: str) -> bool:
        if isinstance(self.ignore_warnings, bool):
            return self.ignore_warnings
        return any(part.casefold() in warning.casefold() for part in self.ignore_warnings)


@dataclass(frozen=True)
class SeedOptions:
    copy_torrent_to: Path | None = None  # relative paths are resolved against the profile's folder
    category: str | None = None  # the client's category (qBittorrent) or label (others)
    tags: tuple[str, ...] = ()  # qBittorrent tags; Transmission labels
    # Where the client should save/find the release, as the client sees it; None: the
    # release's own folder, translated by --seed-path-map.
    save_path: str | None = None


@dataclass(frozen=True)
class NotifyOptions:
    """The group's own notification targets (apprise URLs: secrets) and message template."""

    urls: tuple[Secret, ...] = ()
    template: str | None = None  # None: the standard message
    events: tuple[str, ...] = ("uploaded",)  # which events reach these targets


Auto = Literal["auto"]
AUTO: Auto = "auto"  # video_type, movie, batch: detected per release (uploader/detect.py)


@dataclass(frozen=True)
class Profile:
    name: str  # the file stem: what --profile NAME selects
    source: Path  # the YAML file it was read from
    group: Group
    trackers: tuple[tuple[str, ...], ...]  # announce tiers, first is primary
    members: tuple[Member, ...] = ()
    secondary_groups: tuple[SecondaryGroup, ...] = ()
    languages: LanguageDefaults = LanguageDefaults()
    level: int = 3
    video_type: int | Auto | None = 8
    video_codec: int | None = None  # None: detect from mediainfo
    movie: bool | Auto = False
    batch: bool | Auto = False
    mtl: bool = False
    otl: bool = False
    hardsub: bool = False
    anonymous: bool = False
    hidden: bool = False
    title: str = DEFAULT_TITLE
    description: str = DEFAULT_DESCRIPTION
    torrent: TorrentOptions = TorrentOptions()
    upload: UploadOptions = UploadOptions()
    seed: SeedOptions = SeedOptions()
    notify: NotifyOptions = NotifyOptions()
    # "languages.audio[1]" -> (line, column) of its value, for errors found after loading.
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False,
                                                     repr=False)

    def locate(self, key: str) -> tuple[int, int] | None:
        """(line, column) of `key`'s value, or of the nearest enclosing key in the file."""
        probe = key
        while probe not in self.positions:
            if probe.endswith("]"):
                probe = probe[: probe.rindex("[")]
            elif "." in probe:
                probe = probe.rsplit(".", 1)[0]
            else:
                return None
        return self.positions[probe]

    def where(self, key: str) -> str:
        """`file:line:col` of `key` (just the file when it is not written in it)."""
        at = self.locate(key)
        return f"{self.source}:{at[0]}:{at[1]}" if at else str(self.source)

    def error(self, key: str, problem: str) -> ProfileError:
        """A ProfileError about `key` of this profile, at its place in the file."""
        at = self.locate(key)
        return ProfileError(problem, file=self.source, line=at[0] if at else None,
                            column=at[1] if at else None, key=key)

    @property
    def tracker_urls(self) -> tuple[str, ...]:
        return tuple(url for tier in self.trackers for url in tier)
