"""--set KEY=VALUE and sidecar overrides: exactly the field named changes, same schema errors."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from uploader.exceptions import ConfigError, ProfileError
from uploader.profiles import Profile, load_profile
from uploader.profiles.overrides import apply_overrides, parse_set, read_sidecar

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    shutil.copy(REPO / "profiles" / "examplesubs.yaml", tmp_path / "examplesubs.yaml")
    return load_profile(tmp_path / "examplesubs.yaml")


def changed(a: Profile, b: Profile) -> set[str]:
    return {f.name for f in dataclasses.fields(a) if f.name != "positions"
            and getattr(a, f.name) != getattr(b, f.name)}


@pytest.mark.parametrize(("arg", "field", "value"), [
    ("level=4", "level", 4),
    ("video_type=13", "video_type", 13),
    ("video_codec=2", "video_codec", 2),
    ("batch=true", "batch", True),
    ("movie=true", "movie", True),
    ("mtl=true", "mtl", True),
    ("otl=true", "otl", True),
    ("hardsub=true", "hardsub", True),
    ("title={stem} [BD]", "title", "{stem} [BD]"),
    ("description=Special release.", "description", "Special release."),
])
def test_each_override_changes_exactly_its_field(profile: Profile, arg: str, field: str,
                                                 value: object) -> None:
    new = apply_overrides(profile, [parse_set(arg)])
    assert getattr(new, field) == value
    assert changed(profile, new) == {field}
    assert (new.name, new.source) == (profile.name, profile.source)


def test_languages_and_extra_credits(profile: Profile) -> None:
    new = apply_overrides(profile, [parse_set("languages.audio=[ja,eng]"),
                                    parse_set('members+={id: "333", role: QC}'),
                                    parse_set('secondary_groups+={id: "444", role: Raws}')])
    assert new.languages.audio == ("ja", "en")  # aliases normalised as in the file
    assert changed(profile, new) == {"languages", "members", "secondary_groups"}
    assert new.members[:-1] == profile.members
    assert (new.members[-1].id, new.members[-1].role) == ("333", "QC")
    assert new.secondary_groups[-1].id == "444"


@pytest.mark.parametrize(("arg", "message"), [
    ("level=9", "--set level=9: level: expected an integer from -1 to 4, got 9"),
    ("languages.audio=[klingon]", "--set languages.audio=[klingon]: languages.audio"),
    ("batch=yes please", "--set batch=yes please: batch: expected true, false or auto"),
])
def test_bad_values_get_the_schemas_message_named_after_the_override(
        profile: Profile, arg: str, message: str) -> None:
    with pytest.raises(ProfileError) as info:
        apply_overrides(profile, [parse_set(arg)])
    assert str(info.value).startswith(message)
    assert "examplesubs.yaml" not in str(info.value)


@pytest.mark.parametrize(("arg", "message"), [
    ("level", "expected KEY=VALUE"),
    ("levle=4", "unknown key 'levle' — did you mean 'level'?"),
    ("group.id=1", "'group' cannot be overridden per release"),
    ("languages.audoi=[ja]", "unknown key 'languages.audoi'"),
    ("level=[unclosed", "not valid YAML"),
])
def test_malformed_sets(arg: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        parse_set(arg)


def test_sidecar_carries_the_same_overrides(profile: Profile, tmp_path: Path) -> None:
    release = tmp_path / "[ExampleSubs] Show - 01 (BD 1080p).mkv"
    release.write_bytes(b"x")
    assert read_sidecar(release) is None
    sidecar = tmp_path / (release.name + ".nekobt.yaml")
    sidecar.write_text("level: 4\nvideo_type: 13\nlanguages:\n  audio: [ja, en]\n"
                       "append:\n  members: [{id: \"333\", role: QC}]\n")
    found = read_sidecar(release)
    assert found is not None
    new = apply_overrides(profile, found[1])
    assert (new.level, new.video_type, new.languages.audio) == (4, 13, ("ja", "en"))
    assert new.members[-1].id == "333"
    sidecar.write_text("level: 9\n")
    found = read_sidecar(release)
    assert found is not None
    with pytest.raises(ProfileError, match=r"nekobt\.yaml: level: level: expected an integer"):
        apply_overrides(profile, found[1])
