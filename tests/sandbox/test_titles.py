"""The title parser behind `parsedData`, `releaseGroup` and `upgraded_torrents`."""

from __future__ import annotations

import pytest

from uploader.sandbox.titles import parse_title


@pytest.mark.parametrize(("title", "group", "show", "season", "episodes", "version", "res",
                          "source"), [
    ("[ExampleSubs] Sample Show - 01 (1080p) [ABCD1234].mkv", "ExampleSubs", "Sample Show",
     None, (1,), 1, 1080, None),
    ("[ExampleSubs] Sample Show - 01v2 [WEB 720p]", "ExampleSubs", "Sample Show", None, (1,),
     2, 720, "web"),
    ("[ExampleSubs] Sample Show - 01-12 (BD 1080p)", "ExampleSubs", "Sample Show", None,
     tuple(range(1, 13)), 1, 1080, "bluray"),
    ("[Grp] Sample Show - 01 ~ 03v2 (1080p)", "Grp", "Sample Show", None, (1, 2, 3), 2, 1080,
     None),
    ("Sample.Show.S01E05.1080p.WEB-DL.AAC-GROUP", "GROUP", "Sample Show", 1, (5,), 1, 1080,
     "web"),
    ("[Grp] Sample Show S02E03-E04 [HDTV 720p]", "Grp", "Sample Show", 2, (3, 4), 1, 720, "tv"),
    ("[Grp] 86 - 03 (1080p)", "Grp", "86", None, (3,), 1, 1080, None),
    ("[Grp] Example Movie (2023) [BD 2160p]", "Grp", "Example Movie", None, (), 1, 2160,
     "bluray"),
    ("Plain Title", None, "Plain Title", None, (), 1, None, None),
])
def test_parse(title: str, group: str | None, show: str, season: int | None,
               episodes: tuple[int, ...], version: int, res: int | None,
               source: str | None) -> None:
    parsed = parse_title(title)
    assert (parsed.release_group, parsed.show, parsed.season, parsed.episodes, parsed.version,
            parsed.resolution, parsed.source) == (group, show, season, episodes, version, res,
                                                  source)


def test_movie_year_and_quality() -> None:
    parsed = parse_title("[Grp] Example Movie (2023) [BD 1080p]")
    assert parsed.year == 2023
    assert parsed.quality() == {"id": 7, "name": "Bluray-1080p", "source": "bluray",
                                "resolution": 1080, "version": 1}
