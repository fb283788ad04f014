"""Loading profiles: defaults, the example profiles, unique tags, folders, positions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from profile_helpers import BASE, MINIMAL, edit, write_profile

from uploader.exceptions import ConfigError, ProfileError
from uploader.profiles import (
    Group,
    LanguageDefaults,
    Member,
    Profile,
    ProfileErrors,
    SecondaryGroup,
    SeedOptions,
    TorrentOptions,
    UploadOptions,
    check_profiles,
    errors_of,
    load_profile,
    load_profile_text,
    load_profiles,
)

REPO = Path(__file__).resolve().parents[2]
PUBLIC = "https://tracker.nekobt.to/api/tracker/public/announce"
OPENTRACKR = "udp://tracker.opentrackr.org:1337/announce"


def test_minimal_profile_gets_productmd_defaults(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "mini", MINIMAL)
    profile = load_profile(path)
    assert profile == Profile(
        name="mini", source=path, group=Group(id="1234567890", tag="ExampleSubs"),
        trackers=((PUBLIC,), (OPENTRACKR,)),
        members=(), secondary_groups=(),
        languages=LanguageDefaults(audio=("ja",), subtitles=(), fansub=("en",),
                                   detected_subtitles="fansub"),
        level=3, video_type=8, video_codec=None, movie=False, batch=False, mtl=False,
        otl=False, hardsub=False, anonymous=False, hidden=False, title="{stem}",
        description="Encoded by {group}. Released {date}.\n",
        torrent=TorrentOptions(piece_size=None, private=False, source=None,
                               exclude=("*.nfo", "*.txt")),
        upload=UploadOptions(ignore_warnings=False, mark_upgrades=True, include_mediainfo=True),
        seed=SeedOptions(copy_torrent_to=None),
    )
    assert profile.group.display_name == "ExampleSubs"
    assert profile.tracker_urls == (PUBLIC, OPENTRACKR)


def test_example_fansub_profile(tmp_path: Path) -> None:
    path = REPO / "profiles" / "examplesubs.yaml"
    profile = load_profile(path)
    assert profile.group == Group(id="1300000000000000100", tag="ExampleSubs")
    assert profile.members == (
        Member(role="Translation", id="1300000000000000001"),
        Member(role="Encode", id="1300000000000000002"),
        Member(role="Typesetting", id="1300000000000000003"),
        Member(role="QC", id=None, display_name="NewQC"),
    )
    assert profile.secondary_groups == (SecondaryGroup(id="1300000000000000101", role="Raws"),)
    assert profile.languages == LanguageDefaults(("ja",), (), ("en",), "fansub")
    assert (profile.level, profile.video_type, profile.video_codec) == (3, 8, None)
    assert profile.trackers[0] == (PUBLIC,)
    assert len(profile.tracker_urls) == 4
    assert profile.torrent.exclude == ("*.nfo", "*.txt", "*.md5")
    assert profile.upload == UploadOptions(False, True, True)


def test_example_encode_only_profile() -> None:
    profile = load_profile(REPO / "profiles" / "examplesubs-raws.yaml")
    assert profile.group == Group(id="1300000000000000101", tag="ExampleSubs-Raws",
                                  name="Example Subs Raws")
    assert profile.group.display_name == "Example Subs Raws"
    assert profile.languages == LanguageDefaults(("ja",), ("en",), (), "subtitles")
    assert (profile.level, profile.video_type) == (0, 13)
    assert profile.torrent.piece_size == 4 * 1024 * 1024


def test_the_example_folder_loads_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        profiles = load_profiles(REPO / "profiles")
    assert sorted(profiles) == ["examplesubs", "examplesubs-raws"]
    assert caplog.records == []


def test_values_are_normalised_and_parsed(tmp_path: Path) -> None:
    text = MINIMAL + """\
languages: {audio: [jp, Japanese, eng], subtitles: [pt-BR], fansub: [spa, en-jp]}
torrent: {piece_size: 16 MiB, private: true, source: NEKO, exclude: []}
upload: {ignore_warnings: [audio languages, Public Tracker]}
seed: {copy_torrent_to: ../watch}
video_type: null
"""
    path = write_profile(tmp_path / "profiles", "p", text)
    profile = load_profile(path)
    assert profile.languages == LanguageDefaults(("ja", "en"), ("pt-br",), ("es-es", "enm"))
    assert profile.torrent == TorrentOptions(16 * 1024 * 1024, True, "NEKO", ())
    assert profile.upload.ignore_warnings == ("audio languages", "Public Tracker")
    assert profile.upload.accepts("You have not included our public tracker URL in ...")
    assert not profile.upload.accepts("Torrents must have at least one backup tracker.")
    assert profile.seed.copy_torrent_to == tmp_path / "profiles" / "../watch"
    assert profile.video_type is None


@pytest.mark.parametrize(("written", "size"), [
    ("16384", 16384), ('"16 KiB"', 16384), ("4MiB", 4 << 20), ("1 m", 1 << 20),
    ("2 MB", 2 << 20), ("auto", None),
])
def test_piece_sizes(tmp_path: Path, written: str, size: int | None) -> None:
    profile = load_profile_text(MINIMAL + f"torrent: {{piece_size: {written}}}\n",
                                tmp_path / "p.yaml")
    assert profile.torrent.piece_size == size


def test_a_bare_url_is_a_tier_of_one(tmp_path: Path) -> None:
    text = ('group: {id: "1", tag: T}\n'
            f"trackers:\n  - {PUBLIC}\n  - [{OPENTRACKR}, udp://b.example:80/announce]\n")
    profile = load_profile_text(text, tmp_path / "p.yaml")
    assert profile.trackers == ((PUBLIC,), (OPENTRACKR, "udp://b.example:80/announce"))


def test_missing_public_tracker_is_a_warning(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    text = ('group: {id: "1", tag: T}\n'
            "trackers:\n  - [udp://a.example:80/announce]\n  - [udp://b.example:80/announce]\n")
    path = write_profile(tmp_path, "p", text)
    with caplog.at_level(logging.WARNING):
        load_profile(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:3:3: trackers: the site's public tracker {PUBLIC} is not listed — the site "
        "will warn about it; add it unless this torrent is not for nekoBT's swarm"]
    [report] = check_profiles(tmp_path)
    assert report.ok
    assert len(report.warnings) == 1


def test_positions_locate_keys_for_later_errors(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "p", BASE)
    profile = load_profile(path)
    assert profile.locate("level") == (13, 8)
    assert profile.locate("members[1].role") == (6, 41)
    assert profile.locate("languages.audio[0]") == (10, 11)
    assert profile.where("group.id") == f"{path}:2:7"
    # Not written: the nearest enclosing key that is.
    assert profile.where("torrent.private") == f"{path}:24:3"
    assert profile.where("hidden") == str(path)
    error = profile.error("group.tag", "the site says otherwise")
    assert str(error) == f"{path}:3:8: group.tag: the site says otherwise"


def test_two_profiles_with_the_same_tag(tmp_path: Path) -> None:
    a = write_profile(tmp_path, "a", MINIMAL)
    b = write_profile(tmp_path, "b", MINIMAL.replace("tag: ExampleSubs", "tag: examplesubs"))
    write_profile(tmp_path, "c", MINIMAL.replace("ExampleSubs", "Other"))
    with pytest.raises(ProfileErrors) as info:
        load_profiles(tmp_path)
    assert [str(e) for e in errors_of(info.value)] == [
        f"{a}:1:32: group.tag: 'ExampleSubs' is also the tag of {b} — keep one profile per "
        "group tag",
        f"{b}:1:32: group.tag: 'examplesubs' is also the tag of {a} — keep one profile per "
        "group tag",
    ]
    reports = {r.name: r for r in check_profiles(tmp_path)}
    assert (reports["a"].ok, reports["b"].ok, reports["c"].ok) == (False, False, True)
    # Checking one of them still compares its tag with every other file.
    [only_b] = check_profiles(tmp_path, ["b"])
    assert [e.key for e in only_b.errors] == ["group.tag"]


def test_load_profiles_reports_every_file(tmp_path: Path) -> None:
    good = write_profile(tmp_path, "good", MINIMAL)
    bad1 = write_profile(tmp_path, "bad1", edit(13, "level: 9"))
    bad2 = write_profile(tmp_path, "bad2", "group: [\n")
    (tmp_path / ".hidden.yaml").write_text("not: [valid\n")  # editor droppings are skipped
    (tmp_path / "notes.txt").write_text("not a profile")
    with pytest.raises(ProfileErrors) as info:
        load_profiles(tmp_path)
    assert [e.file for e in errors_of(info.value)] == [bad1, bad2]
    assert good.exists()


def test_folder_and_name_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_profiles(tmp_path / "nope")
    assert str(info.value) == (f"profiles folder {str(tmp_path / 'nope')!r}: not found — "
                               "create it, or pass --profiles DIR (env NEKOBT_PROFILES)")
    write_profile(tmp_path, "a", MINIMAL)
    with pytest.raises(ConfigError) as info:
        check_profiles(tmp_path, ["b"])
    assert str(info.value) == f"profile 'b': no b.yaml in {tmp_path} — available: a"
    assert [r.name for r in check_profiles(tmp_path, ["a.yaml"])] == ["a"]


def test_empty_folder_gives_no_profiles(tmp_path: Path) -> None:
    assert load_profiles(tmp_path) == {}


def test_only_safe_yaml(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = MINIMAL + f'title: !!python/object/apply:os.system ["touch {marker}"]\n'
    with pytest.raises(ProfileError) as info:
        load_profile_text(text, tmp_path / "p.yaml")
    assert "unsupported tag !!python/object/apply:os.system" in str(info.value)
    assert not marker.exists()


def test_alias_bomb_is_a_clean_error(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(ProfileError) as info:
        load_profile_text("\n".join(lines) + "\n", tmp_path / "p.yaml")
    assert str(info.value).endswith("the document is too large or nests too deep (an alias "
                                    "loop?) — a profile is a few plain keys")


def test_self_referencing_alias_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile_text("group: &g [*g]\n", tmp_path / "p.yaml")
    assert str(info.value) == (f"{tmp_path / 'p.yaml'}:1:8: group: the document is too large "
                               "or nests too deep (an alias loop?) — a profile is a few plain "
                               "keys")


def test_aliases_of_plain_values_work(tmp_path: Path) -> None:
    text = ('group: {id: "1", tag: T}\n'
            f"trackers:\n  - &pub [{PUBLIC}]\n  - [{OPENTRACKR}]\n"
            "languages: {audio: &langs [ja], fansub: *langs}\n")
    profile = load_profile_text(text, tmp_path / "p.yaml")
    assert profile.languages.fansub == ("ja",)


def test_deep_nesting_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    with pytest.raises(ProfileError) as info:  # PyYAML's own recursion gives up first
        load_profile_text("group: " + "[" * 5000 + "\n", path)
    assert str(info.value) == f"{path}: invalid YAML: nested too deep"
    with pytest.raises(ProfileError) as info:  # parsed, but deeper than any profile nests
        load_profile_text("group: " + "[" * 100 + "]" * 100 + "\n", path)
    assert str(info.value) == (f"{path}:1:40: group: the document is too large or nests too "
                               "deep (an alias loop?) — a profile is a few plain keys")


def test_odd_yaml_collections_and_sizes(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + "torrent: !!omap [{private: true}]\n", path)
    assert str(info.value) == f"{path}:5:10: torrent: unsupported tag !!omap — remove it"
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + "# " + "x" * (1 << 20) + "\n", path)
    assert str(info.value) == f"{path}: the file is over 1048576 characters — is this a profile?"
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + "title: 2025-11-27\n", path)
    assert str(info.value) == (f"{path}:5:8: title: expected a non-empty template text, got a "
                               "date (2025-11-27)")
    with pytest.raises(ProfileError) as info:
        load_profile_text(MINIMAL + "level: 2.5\n", path)
    assert str(info.value) == f"{path}:5:8: level: expected an integer from -1 to 4, got 2.5"


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_profile(path).group.tag == "ExampleSubs"
