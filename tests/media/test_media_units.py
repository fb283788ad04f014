"""Mediainfo helpers that need no media: the codec table, truncation."""

from __future__ import annotations

from uploader.mediainfo import codec_id, truncate


def test_codec_id_table_for_what_ffmpeg_cannot_encode() -> None:
    assert codec_id("VC-1", "WVC1") == 8
    assert codec_id("VC-1", "V_MS/VFW/FOURCC / WVC1") == 8
    assert codec_id("VC-1", "WMV3") == 7
    assert codec_id("WMV1", "WMV1") == 7
    assert codec_id("MPEG Video", None, "Version 1") == 0
    assert codec_id("ProRes") == 0
    assert codec_id(None) == 0


def test_truncate_cuts_at_a_line_end() -> None:
    text = "".join(f"line {i:05d}\n" for i in range(10_000))  # 110,000 characters
    cut, truncated = truncate(text, limit=1000)
    assert truncated
    assert len(cut) <= 1000
    body, note = cut.split("\n\n[", 1)
    assert note == "truncated by nekobt-upload: the full mediainfo is 110,000 characters]\n"
    assert text.startswith(body + "\n")
    assert body.endswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
    assert truncate("short\n", limit=1000) == ("short\n", False)


def test_truncate_without_line_ends_still_fits_the_limit() -> None:
    cut, truncated = truncate("x" * 70_000)
    assert truncated
    assert len(cut) == 65_536
