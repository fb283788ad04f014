"""The documented detection table: release names → video type; folders → batch; site → movie."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploader.detect import is_batch, is_movie, video_type_from_name, video_type_from_site


@pytest.mark.parametrize(("name", "expected"), [
    ("[G] Show - 01 (BD 1080p) [ABCD1234].mkv", 13),
    ("[G] Show - 01 [BDRip 1080p HEVC].mkv", 13),
    ("[G] Show (Blu-ray 1080p) Batch", 13),
    ("[G] Show - 01 (BluRay 1080p).mkv", 13),
    ("[G] Show (BD Remux 1080p)", 14),
    ("[G] Show [BDRemux]", 14),
    ("[G] Show Vol.1 [BDMV]", 11),
    ("[G] Show - 01 [BD Mini 720p].mkv", 12),
    ("[G] Show - 01 (WEB-DL 1080p).mkv", 9),
    ("[G] Show - 01 (WEBDL 1080p).mkv", 9),
    ("[G] Show - 01 (WEBRip 1080p).mkv", 8),
    ("[G] Show - 01 (WEB 1080p).mkv", 8),
    ("[G] Show - 01 (WEB Mini 720p).mkv", 7),
    ("[G] Show - 01 (DVD 480p).mkv", 6),
    ("[G] Show - 01 [DVDRip].mkv", 6),
    ("[G] Show [DVD Remux]", 5),
    ("[G] Show [VIDEO_TS]", 16),
    ("[G] Show - 01 (HDTV 1080i).mkv", 3),
    ("[G] Show - 01 (TV 1080p).mkv", 3),
    ("[G] Show - 01 (TV Raw).mkv", 4),
    ("Show - 01 (1080i).ts", 4),
    ("[G] Show [LaserDisc]", 2),
    ("[G] Show [VHS]", 1),
    ("[G] Show - 01 (1080p) [ABCD1234].mkv", None),
    ("[G] Webster - 01 (1080p).mkv", None),   # "WEB" only as a whole word
    ("[G] TVNation - 01 (1080p).mkv", None),
    ("[G] Bold Dreams - 01 (1080p).mkv", None),
])
def test_video_type_table(name: str, expected: int | None) -> None:
    found = video_type_from_name(name)
    assert (found[0] if found else None) == expected


def test_site_quality_source() -> None:
    assert video_type_from_site({"parsedData": {"quality": {"source": "bluray"}}}) == 13
    assert video_type_from_site({"parsedData": {"quality": {"source": "web"}}}) == 8
    assert video_type_from_site({"parsedData": {"quality": {"source": "tv"}}}) == 3
    assert video_type_from_site({"parsedData": {"quality": {}}}) is None
    assert video_type_from_site({"parsedData": "x"}) is None
    assert video_type_from_site({}) is None


def test_batch(tmp_path: Path) -> None:
    single = tmp_path / "[G] Show - 01 (1080p).mkv"
    single.write_bytes(b"")
    assert not is_batch(single)
    assert is_batch(tmp_path / "[G] Show - 01-12 (BD 1080p)")
    assert is_batch(tmp_path / "[G] Show (BD 1080p) [Batch]")
    folder = tmp_path / "[G] Show (BD 1080p)"
    (folder / "Extras").mkdir(parents=True)
    (folder / "[G] Show - 01 (1080p).mkv").write_bytes(b"")
    (folder / "Extras" / "NCOP.mkv").write_bytes(b"")
    (folder / "[G] Show - 01 (1080p).ass").write_bytes(b"")
    assert not is_batch(folder)  # one episode plus extras and subs
    (folder / "[G] Show - 02 (1080p).mkv").write_bytes(b"")
    assert is_batch(folder)
    assert not is_batch(tmp_path / "[G] Show - 05 (1080p).mkv")  # "1080p" is no range


def test_movie_from_the_sites_parse() -> None:
    assert is_movie({"parsedData": {"media": {"id": 1}, "episodes": []}}) is True
    assert is_movie({"parsedData": {"media": {"id": 1}, "episodes": [{"episode": 1}]}}) is False
    assert is_movie({"parsedData": {}}) is None
    assert is_movie({}) is None


def test_auto_fields_the_sites_parse_settles(tmp_path: Path) -> None:
    import dataclasses

    from uploader.payloads import ReleaseMeta
    from uploader.pipeline import _from_site_parse
    from uploader.profiles import load_profile_text

    text = ('group: {id: "1", tag: G}\nvideo_type: auto\nmovie: auto\n'
            'trackers: [[https://tracker.nekobt.to/api/tracker/public/announce], '
            '[udp://tracker.opentrackr.org:1337/announce]]\n')
    profile = load_profile_text(text, tmp_path / "g.yaml")
    meta = ReleaseMeta(title="[G] A Movie (1080p)", description="", group_id="1",
                       group_tag="G")
    movie = {"parsedData": {"media": {"id": 7}, "episodes": [],
                            "quality": {"source": "bluray"}}}
    settled = _from_site_parse(profile, meta, movie)
    assert (settled.movie, settled.video_type) == (True, 13)
    assert dict(settled.detected) == {
        "movie": "true, the site parsed a title without episodes",
        "video_type": "13, from the site's parsed quality"}
    series = {"parsedData": {"media": {"id": 7}, "episodes": [{"episode": 1}]}}
    assert _from_site_parse(profile, meta, series) == meta  # nothing to settle: asked once
    fixed = dataclasses.replace(profile, movie=False, video_type=8)
    assert _from_site_parse(fixed, meta, movie) == meta  # only `auto` fields are touched
