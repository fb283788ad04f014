"""A valid profile to break one line at a time, and a writer for profile folders."""

from __future__ import annotations

from pathlib import Path

# Line numbers matter: the catalogue's messages point into this text.
BASE = """\
group:
  id: "1234567890"
  tag: ExampleSubs
members:
  - {id: "111", role: Translation}
  - {display_name: NewTypesetter, role: Typesetting}
secondary_groups:
  - {id: "222", role: Encode}
languages:
  audio: [ja]
  subtitles: []
  fansub: [en]
level: 3
video_type: 8
video_codec: null
movie: false
title: "{stem}"
description: |
  Encoded by {group}. Released {date}.
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
torrent:
  piece_size: auto
  exclude: ["*.nfo"]
upload:
  ignore_warnings: false
seed:
  copy_torrent_to: null
"""

MINIMAL = """\
group: {id: "1234567890", tag: ExampleSubs}
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
"""


def edit(line: int, new: str | None, text: str = BASE) -> str:
    """`text` with 1-based `line` replaced by `new` (None deletes it; may hold several lines)."""
    lines = text.splitlines()
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1 : line] = new.splitlines()
    return "\n".join(lines) + "\n"


def write_profile(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
