"""Lenient loading (issue 10): one group's broken profile does not stop another group's upload;
selecting the broken one fails with its own error. Strict loading is unchanged."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import pytest
from profile_helpers import MINIMAL, write_profile

import uploader.profiles
from uploader.cli import main
from uploader.exceptions import ConfigError, ProfileError
from uploader.profiles import (
    LoadedProfiles,
    ProfileErrors,
    load_profiles,
    select_profile,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample-release" / "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


def tagged(tag: str) -> str:
    return MINIMAL.replace("ExampleSubs", tag)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """good ([Good]), broken ([Broken] still readable), garbled (no tag), twin-a/twin-b ([Twin])."""
    folder = tmp_path / "profiles"
    write_profile(folder, "good", tagged("Good"))
    write_profile(folder, "broken", tagged("Broken") + "level: 9\nlevle: 3\n")
    write_profile(folder, "garbled", "group: [\n")
    write_profile(folder, "twin-a", tagged("Twin"))
    write_profile(folder, "twin-b", tagged("twin"))
    return folder


def test_strict_loading_still_refuses_the_folder(folder: Path) -> None:
    with pytest.raises(ProfileErrors) as info:
        load_profiles(folder)
    assert [(e.file.name if e.file else None, e.key) for e in info.value.errors] == [
        ("broken.yaml", "level"), ("broken.yaml", "levle"), ("garbled.yaml", None),
        ("twin-a.yaml", "group.tag"), ("twin-b.yaml", "group.tag")]


def test_lenient_loading_keeps_the_usable_profiles(folder: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="uploader.profiles")
    loaded = load_profiles(folder, strict=False)
    assert isinstance(loaded, LoadedProfiles)
    assert sorted(loaded) == ["good", "twin-a", "twin-b"]
    assert sorted(loaded.unusable) == ["broken", "garbled"]
    assert (loaded.unusable["broken"].tag, loaded.unusable["garbled"].tag) == ("Broken", None)
    assert [str(p) for p in loaded.problems] == [
        f"{folder / 'broken.yaml'}:5:8: level: expected an integer from -1 to 4, got 9",
        f"{folder / 'broken.yaml'}:6:1: levle: unknown key — did you mean 'level'?",
        f"{folder / 'garbled.yaml'}:2:1: invalid YAML: expected the node content, but found "
        "'<stream end>' (while parsing a flow node)",
        f"{folder / 'twin-a.yaml'}:1:32: group.tag: 'Twin' is also the tag of "
        f"{folder / 'twin-b.yaml'} — keep one profile per group tag",
        f"{folder / 'twin-b.yaml'}:1:32: group.tag: 'twin' is also the tag of "
        f"{folder / 'twin-a.yaml'} — keep one profile per group tag",
    ]
    assert caplog.messages == [
        f"profile broken: cannot be used ({folder / 'broken.yaml'}:5:8: level: expected an "
        "integer from -1 to 4, got 9, and 1 more) — releases that select it fail until it is "
        "fixed; `nekobt-upload profiles validate broken` lists every problem",
        f"profile garbled: cannot be used ({folder / 'garbled.yaml'}:2:1: invalid YAML: "
        "expected the node content, but found '<stream end>' (while parsing a flow node)) — "
        "releases that select it fail until it is fixed; `nekobt-upload profiles validate "
        "garbled` lists every problem",
        "profiles twin-a, twin-b: all have the tag [Twin] — a release named [Twin] ... fails "
        "until only one does; --profile twin-a or --profile twin-b still works",
    ]


def test_a_good_profile_is_selected_by_tag_and_by_name(folder: Path) -> None:
    loaded = load_profiles(folder, strict=False)
    assert select_profile(loaded, "[Good] Show - 01.mkv").name == "good"
    assert select_profile(loaded, "[Broken] Show - 01.mkv", "good").name == "good"


def test_selecting_the_broken_file_fails_with_its_error(folder: Path) -> None:
    loaded = load_profiles(folder, strict=False)
    broken = folder / "broken.yaml"
    expected = (f"{broken}:5:8: level: expected an integer from -1 to 4, got 9\n"
                f"{broken}:6:1: levle: unknown key — did you mean 'level'?")
    for name in ("broken", "broken.yaml"):
        with pytest.raises(ProfileErrors) as by_name:
            select_profile(loaded, "[Good] Show - 01.mkv", name)
        assert str(by_name.value) == expected
        assert by_name.value.exit_code == 2
    with pytest.raises(ProfileErrors) as by_tag:
        select_profile(loaded, "[broken] Show - 01.mkv")
    assert str(by_tag.value) == expected
    with pytest.raises(ProfileError) as garbled:
        select_profile(loaded, "x.mkv", "garbled")
    assert str(garbled.value) == (f"{folder / 'garbled.yaml'}:2:1: invalid YAML: expected the "
                                  "node content, but found '<stream end>' (while parsing a "
                                  "flow node)")


def test_an_unknown_tag_names_the_unreadable_file(folder: Path) -> None:
    loaded = load_profiles(folder, strict=False)
    with pytest.raises(ConfigError) as info:
        select_profile(loaded, "[Garbled] Show - 01.mkv")
    assert str(info.value) == (
        "[Garbled] Show - 01.mkv: no profile has the tag [Garbled] — and "
        f"{folder / 'garbled.yaml'} could not be read far enough to know its tag; fix it "
        "(`nekobt-upload profiles validate`), or pass --profile NAME")


def test_a_shared_tag_selects_by_name_only(folder: Path) -> None:
    loaded = load_profiles(folder, strict=False)
    assert select_profile(loaded, "[Twin] Show - 01.mkv", "twin-b").name == "twin-b"
    with pytest.raises(ConfigError) as info:
        select_profile(loaded, "[Twin] Show - 01.mkv")
    assert str(info.value) == ("[Twin] Show - 01.mkv: [Twin] matches more than one profile "
                               "(twin-a, twin-b) — keep one profile per group tag, or pass "
                               "--profile NAME")


def test_a_plain_dict_selects_as_before(folder: Path) -> None:
    profiles = dict(load_profiles(folder, strict=False))
    with pytest.raises(ConfigError, match=r"--profile 'broken': no such profile"):
        select_profile(profiles, "x.mkv", "broken")


def test_reloads_compare_the_problems_too(folder: Path) -> None:
    # The watch daemon swaps profiles only when the new load differs from the old one.
    first = load_profiles(folder, strict=False)
    assert first == load_profiles(folder, strict=False)
    write_profile(folder, "broken", tagged("Broken") + "level: 8\n")
    second = load_profiles(folder, strict=False)
    assert dict(first) == dict(second)
    assert first != second
    assert LoadedProfiles() == {}


def test_an_empty_or_fully_broken_folder(tmp_path: Path) -> None:
    assert load_profiles(tmp_path, strict=False) == {}
    write_profile(tmp_path, "only", tagged("Only") + "level: 9\n")
    loaded = load_profiles(tmp_path, strict=False)
    assert (dict(loaded), sorted(loaded.unusable)) == ({}, ["only"])
    with pytest.raises(ProfileError, match=r"only\.yaml:5:8: level: "):
        select_profile(loaded, "[Only] Show - 01.mkv")


def test_check_uses_the_good_profile_beside_a_broken_one(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end through `check --sandbox`, with the runner's one-line change applied (the
    runner imports `load_profiles` from `uploader.profiles` when it runs)."""
    write_profile(folder, "examplesubs", (REPO / "profiles" / "examplesubs.yaml").read_text())
    monkeypatch.setattr(uploader.profiles, "load_profiles",
                        functools.partial(load_profiles, strict=False))
    args = ["check", "--sandbox", "--profiles", str(folder), "--state-dir",
            str(tmp_path / "state")]
    with pytest.raises(SystemExit) as info:
        main([*args, str(SAMPLE)])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert out.splitlines()[0].startswith(f"checked: {SAMPLE.stem} — the site's checks passed")
    with pytest.raises(SystemExit) as info:
        main([*args, "--profile", "broken", str(SAMPLE)])
    out = capsys.readouterr().out
    assert info.value.code == 2
    assert out.splitlines()[:2] == [
        f"failed: {SAMPLE.stem}",
        f"  {folder / 'broken.yaml'}:5:8: level: expected an integer from -1 to 4, got 9"]
