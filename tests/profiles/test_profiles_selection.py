"""Picking the profile for a release, and rendering its title and description."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
from profile_helpers import MINIMAL

from uploader.exceptions import ConfigError, ProfileError
from uploader.profiles import (
    Profile,
    load_profile_text,
    release_fields,
    release_tag,
    render_description,
    render_title,
    select_profile,
)
from uploader.profiles.templates import episode_of, human_size


@pytest.fixture
def profiles(tmp_path: Path) -> dict[str, Profile]:
    subs = load_profile_text(MINIMAL, tmp_path / "examplesubs.yaml")
    raws = load_profile_text(MINIMAL.replace("ExampleSubs", "ExampleSubs-Raws"),
                             tmp_path / "raws.yaml")
    return {"examplesubs": subs, "raws": raws}


def test_release_tag() -> None:
    assert release_tag("[ExampleSubs] Show - 01 (1080p).mkv") == "ExampleSubs"
    assert release_tag("  [Example Subs ] Show") == "Example Subs"
    assert release_tag("Show - 01 [ExampleSubs].mkv") is None
    assert release_tag("[] Show") is None


def test_selection_by_tag(profiles: dict[str, Profile]) -> None:
    assert select_profile(profiles, "[ExampleSubs] Show - 01 (1080p).mkv").name == "examplesubs"
    assert select_profile(profiles, "[examplesubs-RAWS] Show - 01").name == "raws"


def test_selection_by_name_wins_over_the_tag(profiles: dict[str, Profile]) -> None:
    assert select_profile(profiles, "[ExampleSubs] Show - 01", "raws").name == "raws"
    assert select_profile(profiles, "no tag at all.mkv", "raws.yaml").name == "raws"


def test_selection_errors(profiles: dict[str, Profile]) -> None:
    with pytest.raises(ConfigError) as info:
        select_profile(profiles, "[Show] - 01", "nope")
    assert str(info.value) == "--profile 'nope': no such profile — available: examplesubs, raws"
    with pytest.raises(ConfigError) as info:
        select_profile(profiles, "Show - 01.mkv")
    assert str(info.value) == ("Show - 01.mkv: the name does not start with a [Tag] — name it "
                               "'[Tag] ...' or pass --profile NAME (profiles: examplesubs, raws)")
    with pytest.raises(ConfigError) as info:
        select_profile(profiles, "[Other] Show - 01.mkv")
    assert str(info.value) == (
        "[Other] Show - 01.mkv: no profile has the tag [Other] — known tags: [ExampleSubs], "
        "[ExampleSubs-Raws]; add a profile with group.tag: Other, or pass --profile NAME")
    with pytest.raises(ConfigError) as info:
        select_profile({}, "[Other] Show - 01.mkv")
    assert str(info.value) == ("[Other] Show - 01.mkv: no profiles loaded — add one to the "
                               "profiles folder (--profiles DIR)")
    assert info.value.exit_code == 2


def test_more_than_one_match_is_an_error(profiles: dict[str, Profile]) -> None:
    # load_profiles refuses duplicate tags; a caller building the dict by hand still gets a
    # clear error rather than an arbitrary pick.
    twin = dataclasses.replace(profiles["examplesubs"], name="twin")
    with pytest.raises(ConfigError) as info:
        select_profile({**profiles, "twin": twin}, "[ExampleSubs] Show - 01.mkv")
    assert str(info.value) == ("[ExampleSubs] Show - 01.mkv: [ExampleSubs] matches more than "
                               "one profile (examplesubs, twin) — keep one profile per group "
                               "tag, or pass --profile NAME")


@pytest.mark.parametrize(("name", "episode"), [
    ("[ExampleSubs] Show - 01 (1080p) [ABCD1234].mkv", "01"),
    ("[ExampleSubs] Show - 01v2 (1080p).mkv", "01"),
    ("[ExampleSubs] Show - 1080p.mkv", ""),
    ("[ExampleSubs] Show - 01-12 (BD 1080p)", "01-12"),
    ("Show.S02E05.1080p.WEB.mkv", "05"),
    ("[Grp] Show 2 - 113.mkv", "113"),
    ("[Grp] Show - Movie (1080p).mkv", ""),
    ("[Grp] Show EP07 [1080p].mkv", "07"),
])
def test_episode_of(name: str, episode: str) -> None:
    assert episode_of(name) == episode


def test_human_size() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 1536 * 1024, 1_567_000_000, 3 << 40)] == [
        "0 B", "1023 B", "1.00 KiB", "1.50 MiB", "1.46 GiB", "3.00 TiB"]


def test_release_fields_and_rendering(tmp_path: Path) -> None:
    text = MINIMAL + (
        'title: "{stem} [{tag}]"\n'
        "group_name_placeholder: x\n"
    ).replace("group_name_placeholder: x\n", "description: |\n  {group} / {tag} / {name} / "
              "{episode} / {date} / {size} / {mediainfo_summary} / {{literal}}\n")
    profile = load_profile_text(text.replace("tag: ExampleSubs}", "tag: ExampleSubs, name: "
                                             "Example Subs}"), tmp_path / "p.yaml")
    release = tmp_path / "[ExampleSubs] Show - 03 (1080p).mkv"
    release.write_bytes(b"x")
    fields = release_fields(profile, release, size=1536 * 1024, mediainfo_summary="HEVC",
                            today=datetime.date(2025, 11, 27))
    assert fields == {
        "stem": "[ExampleSubs] Show - 03 (1080p)", "name": release.name,
        "group": "Example Subs", "tag": "ExampleSubs", "episode": "03", "date": "2025-11-27",
        "size": "1.50 MiB", "mediainfo_summary": "HEVC",
    }
    assert render_title(profile, fields) == "[ExampleSubs] Show - 03 (1080p) [ExampleSubs]"
    assert render_description(profile, fields) == (
        f"Example Subs / ExampleSubs / {release.name} / 03 / 2025-11-27 / 1.50 MiB / HEVC / "
        "{literal}\n")


def test_folder_stem_keeps_dots(tmp_path: Path) -> None:
    profile = load_profile_text(MINIMAL, tmp_path / "p.yaml")
    folder = tmp_path / "[ExampleSubs] Show S2.5 (BD 1080p)"
    folder.mkdir()
    assert release_fields(profile, folder, size=0)["stem"] == folder.name


def test_rendered_title_limits(tmp_path: Path) -> None:
    profile = load_profile_text(MINIMAL + 'title: "{stem} {mediainfo_summary}"\n',
                                tmp_path / "p.yaml")
    fields = {"stem": "x" * 300, "mediainfo_summary": "y" * 300}
    with pytest.raises(ProfileError) as info:
        render_title(profile, fields)
    assert str(info.value) == (f"{tmp_path / 'p.yaml'}:5:8: title: the rendered title is 601 "
                               "characters, the site allows 512 — shorten the template or the "
                               "release name")
    with pytest.raises(ProfileError) as info:
        render_title(profile, {"stem": " ", "mediainfo_summary": ""})
    assert str(info.value).endswith("title: the rendered title is empty — check the template")
    assert render_title(profile, {"stem": "a\n b", "mediainfo_summary": "c"}) == "a b c"


def test_rendered_description_limit(tmp_path: Path) -> None:
    profile = load_profile_text(MINIMAL + 'description: "{mediainfo_summary}"\n',
                                tmp_path / "p.yaml")
    assert render_description(profile, {"mediainfo_summary": "y" * 8192}) == "y" * 8192
    with pytest.raises(ProfileError) as info:
        render_description(profile, {"mediainfo_summary": "y" * 8193})
    assert str(info.value) == (f"{tmp_path / 'p.yaml'}:5:14: description: the rendered "
                               "description is 8193 characters, the site allows 8192 — "
                               "shorten it")


@pytest.mark.parametrize(("template", "problem"), [
    ("{stem.__class__}", "expected a plain field like '{stem}', got '{stem.__class__}'"),
    ("{name[0]}", "expected a plain field like '{name}', got '{name[0]}'"),
    ("{sise}", "unknown template field '{sise}' — did you mean '{size}'?"),
    ("{stem!r}", "expected a plain field like '{stem}', got '{stem!r}'"),
    ("{size:>9}", "expected a plain field like '{size}', got '{size:>9}'"),
    ("{stem", "expected a template with matched braces, got a stray '{' or '}' — write {{ or "
              "}} for a literal brace"),
    ("{}", "unknown template field '{}' — use {stem}, {name}, {group}, {tag}, {episode}, "
           "{date}, {size}, {mediainfo_summary}"),
])
def test_template_mistakes_are_caught_at_load_time(tmp_path: Path, template: str,
                                                   problem: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + f'title: "{template}"\n', tmp_path / "p.yaml")
    assert str(info.value) == f"{tmp_path / 'p.yaml'}:5:8: title: {problem}"


def test_template_literal_over_the_limit_is_caught_at_load_time(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + f'title: "{"t" * 513}"\n', tmp_path / "p.yaml")
    assert str(info.value) == (f"{tmp_path / 'p.yaml'}:5:8: title: expected at most 512 "
                               "characters, got 513 before any field is filled in")
