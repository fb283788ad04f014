"""`profiles show NAME`: a profile as YAML with every default filled in.

The text loads back (as the same file) into an equal `Profile`, so it can be copied over the
file to make every default explicit — except `notify.urls`: they hold webhook tokens, so they
are shown masked (`discord://host/…`), as everywhere else, and a header line says so. Two
values are written as the file means them rather than as the tool holds them:
`seed.copy_torrent_to` relative to the profile's folder (as it was read), and
`torrent.piece_size` as a size ("4 MiB"). `group.name` and `notify.template` are left out
when not set ({group} then renders the tag; notifications use the standard message).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from uploader.notify import masked
from uploader.profiles.model import Profile


def profile_data(profile: Profile) -> dict[str, Any]:
    """The profile as the plain mapping its YAML file would hold, every key present."""
    group: dict[str, Any] = {"id": profile.group.id, "tag": profile.group.tag}
    if profile.group.name is not None:
        group["name"] = profile.group.name
    langs = profile.languages
    upload = profile.upload
    seed = profile.seed
    return {
        "group": group,
        "members": [_member(m.id, m.display_name, m.role) for m in profile.members],
        "secondary_groups": [{"id": g.id, "role": g.role} for g in profile.secondary_groups],
        "languages": {"audio": list(langs.audio), "subtitles": list(langs.subtitles),
                      "fansub": list(langs.fansub),
                      "detected_subtitles": langs.detected_subtitles},
        "level": profile.level,
        "video_type": profile.video_type,
        "video_codec": profile.video_codec,
        "movie": profile.movie,
        "batch": profile.batch,
        "mtl": profile.mtl,
        "otl": profile.otl,
        "hardsub": profile.hardsub,
        "anonymous": profile.anonymous,
        "hidden": profile.hidden,
        "title": profile.title,
        "description": profile.description,
        "trackers": [list(tier) for tier in profile.trackers],
        "torrent": {"piece_size": _piece_size(profile.torrent.piece_size),
                    "private": profile.torrent.private, "source": profile.torrent.source,
                    "exclude": list(profile.torrent.exclude)},
        "upload": {"ignore_warnings": upload.ignore_warnings
                   if isinstance(upload.ignore_warnings, bool)
                   else list(upload.ignore_warnings),
                   "mark_upgrades": upload.mark_upgrades,
                   "include_mediainfo": upload.include_mediainfo,
                   "require_video": upload.require_video},
        "seed": {"category": seed.category, "tags": list(seed.tags),
                 "save_path": seed.save_path,
                 "copy_torrent_to": _folder(seed.copy_torrent_to, profile.source)},
        "notify": _notify(profile),
    }


def _notify(profile: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {"urls": [masked(url) for url in profile.notify.urls]}
    if profile.notify.template is not None:  # null is no template text: left out
        out["template"] = profile.notify.template
    out["events"] = list(profile.notify.events)
    return out


def _member(member_id: str | None, display_name: str | None, role: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if member_id is not None:
        out["id"] = member_id
    if display_name is not None:
        out["display_name"] = display_name
    out["role"] = role
    return out


def _piece_size(size: int | None) -> str:
    if size is None:
        return "auto"
    if size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    return f"{size >> 10} KiB"  # profiles allow powers of two from 16 KiB


def _folder(folder: Path | None, source: Path) -> str | None:
    """As the file would say it: relative paths were read relative to the profile's folder."""
    if folder is None:
        return None
    if folder.is_absolute():
        return str(folder)
    try:
        return str(folder.relative_to(source.parent))
    except ValueError:
        return os.path.relpath(folder, source.parent)


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line texts (descriptions), lists of scalars in flow style."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(item, dict | list) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)


def show_text(profile: Profile) -> str:
    """The YAML `profiles show` prints: a header naming the source file, then every key."""
    body = yaml.dump(profile_data(profile), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=100)
    header = [f"# profile {profile.name} from {profile.source}, every default filled in.",
              "# Paths are relative to that file's folder."]
    if profile.group.name is None:
        header.append("# group.name is not set: {group} renders the tag.")
    if profile.notify.template is None:
        header.append("# notify.template is not set: notifications use the standard message.")
    if profile.notify.urls:
        header.append("# notify.urls are masked (they hold tokens): keep the file's own.")
    return "\n".join(header) + "\n" + body
