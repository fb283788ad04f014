"""What `check` (and `upload --dry-run`) would send: the exact `POST /upload` body, and more.

The body is made by `payloads.upload_body` from the same metadata and the same
`ignore_warnings` decision `upload` uses, and only then loses its `torrent` (the .torrent file
is written to disk instead). Beside it the preview keeps what a person checks before
uploading but the body does not say in words: the group's tag, the trackers and piece size of
the torrent, and what was detected for the profile's `auto` fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from uploader.payloads import upload_body

if TYPE_CHECKING:
    from uploader.payloads import ReleaseMeta
    from uploader.torrent import BuiltTorrent

# Site ids (nekobt-facts.md).
VIDEO_TYPES = {15: "Hybrid", 14: "BD Remux", 13: "BD Encode", 12: "BD Mini", 11: "BD Disc",
               9: "WEB-DL", 8: "WEB Encode", 7: "WEB Mini", 6: "DVD Encode", 5: "DVD Remux",
               16: "DVD Disc", 4: "TV Raw", 3: "TV Encode", 2: "LaserDisc", 1: "VHS", 0: "Other"}
VIDEO_CODECS = {1: "H.264/AVC", 2: "H.265/HEVC", 3: "AV1", 4: "VP9", 5: "MPEG-2",
                6: "MPEG-4 (not Part 10)", 7: "WMV", 8: "VC-1", 0: "Other"}
LEVELS = {-1: "no subs", 0: "official subs", 1: "slight modifications",
          2: "small-scale fansub", 3: "full-scale fansub", 4: "full-scale batch"}
FLAGS = ("movie", "batch", "mtl", "otl", "hardsub", "anonymous", "hidden")


def build_preview(meta: ReleaseMeta, built: BuiltTorrent, *, ignore_warnings: bool
                  ) -> dict[str, Any]:
    """The preview journalled with a `checked` release (plain JSON values only)."""
    body = upload_body(meta, built.raw, ignore_warnings=ignore_warnings)
    del body["torrent"]
    return {
        "payload": body,
        "group_tag": meta.group_tag,
        "trackers": [list(tier) for tier in built.announce_tiers],
        "piece_size": built.piece_size,
        "detected": dict(meta.detected),
    }


def named(table: Mapping[int, str], value: object) -> str:
    """`13 BD Encode`; `none (left to the site)` for null."""
    if value is None:
        return "none (left to the site)"
    return f"{value} {table.get(value, '(unknown id)')}" if isinstance(value, int) \
        else str(value)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:g} {unit}"
        n //= 1024
    return str(n)  # pragma: no cover - the loop always returns


def _langs(text: object) -> str:
    return str(text).replace(",", ", ") if text else "(none)"


def _member(member: Mapping[str, Any]) -> str:
    who = member.get("id") or f"{member.get('display_name')} (new: the site sends an invite)"
    return f"{who} — {member.get('role')}"


def render_preview(preview: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the preview, in the order a person reads an upload form; the
    description's lines come last, each labelled `|`."""
    body: Mapping[str, Any] = preview.get("payload") or {}
    detected: Mapping[str, str] = preview.get("detected") or {}

    def noted(key: str, value: str) -> str:
        return f"{value} (auto)" if key in detected else value

    group = body.get("primary_group") or {}
    rows = [
        ("title", str(body.get("title"))),
        ("category", str(body.get("category"))),
        ("level", noted("level", named(LEVELS, body.get("level")))),
        ("video type", noted("video_type", named(VIDEO_TYPES, body.get("video_type")))),
        ("video codec", noted("video_codec", named(VIDEO_CODECS, body.get("video_codec")))),
        ("audio", _langs(body.get("audio_langs"))),
        ("subtitles", _langs(body.get("sub_langs"))),
        ("fansub", _langs(body.get("fansub_langs"))),
        ("group", f"{group.get('id')} [{preview.get('group_tag')}]"),
    ]
    rows += [("  member", _member(m)) for m in group.get("members") or []]
    rows += [("secondary group", f"{g.get('id')} — {g.get('role')}")
             for g in body.get("secondary_groups") or []]
    flags = [name for name in FLAGS if body.get(name)]
    rows.append(("flags", ", ".join(flags) or "(none)"))
    rows.append(("ignore warnings", "yes" if body.get("ignore_warnings") else "no"))
    mediainfo = body.get("mediainfo")
    rows.append(("mediainfo", f"{len(mediainfo)} characters" if isinstance(mediainfo, str)
                 else "not sent"))
    tiers: Sequence[Sequence[str]] = preview.get("trackers") or []
    rows += [("trackers" if n == 0 else "", f"tier {n + 1}: {', '.join(tier)}")
             for n, tier in enumerate(tiers)]
    if isinstance(preview.get("piece_size"), int):
        rows.append(("piece size", _size(preview["piece_size"])))
    rows += [(f"auto {key}", value) for key, value in detected.items()]
    description = str(body.get("description") or "")
    rows.append(("description", "(empty)" if not description.strip() else ""))
    rows += [("|", line) for line in description.splitlines()]
    return rows
