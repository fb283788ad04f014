"""A catalogue of profile mistakes: each gives exactly this message, with file, line and column.

Every case breaks one line of a valid profile (`BASE`), so the line and column in the message
can be checked against the text by eye: `level: three` is line 13, its value starts at column 8.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from profile_helpers import BASE, edit, write_profile

from uploader.exceptions import ProfileError
from uploader.profiles import ProfileErrors, errors_of, load_profile

PUBLIC = "https://tracker.nekobt.to/api/tracker/public/announce"
FIELDS = "{stem}, {name}, {group}, {tag}, {episode}, {date}, {size}, {mediainfo_summary}"
ROOT_KEYS = ("group, members, secondary_groups, languages, level, video_type, video_codec, "
             "movie, batch, mtl, otl, hardsub, anonymous, hidden, title, description, "
             "trackers, torrent, upload, seed, notify")

CATALOGUE: dict[str, tuple[str, str]] = {
    # name: (profile text, message after "<file>:")
    "level as a word": (
        edit(13, "level: three"),
        "13:8: level: expected an integer from -1 to 4, got 'three'"),
    "level out of range": (
        edit(13, "level: 5"),
        "13:8: level: expected an integer from -1 to 4, got 5"),
    "typo in a key": (
        edit(13, "levle: 3"),
        "13:1: levle: unknown key — did you mean 'level'?"),
    "typo in a nested key": (
        edit(24, "  piece_sise: auto"),
        "24:3: torrent.piece_sise: unknown key — did you mean 'torrent.piece_size'?"),
    "nested key at the top level": (
        edit(13, "level: 3\npiece_size: auto"),
        "14:1: piece_size: unknown key — did you mean 'torrent.piece_size'?"),
    "group id as a number": (
        edit(2, "  id: 1234567890"),
        '2:7: group.id: expected an ID in quotes, like "1234567890", got 1234567890'),
    "group tag missing": (
        edit(3, None),
        "2:3: group.tag: required key is missing"),
    "group tag in brackets": (
        edit(3, '  tag: "[ExampleSubs]"'),
        "3:8: group.tag: expected the tag as written in titles, like ExampleSubs (no "
        "brackets), got '[ExampleSubs]'"),
    "group is a list": (
        edit(1, "group: [1]", edit(2, None, edit(3, None))),
        "1:8: group: expected a mapping with keys id, tag, name, got a list"),
    "trackers missing": (
        edit(20, None, edit(21, None, edit(22, None))),
        "1:1: trackers: required key is missing"),
    "one tracker only": (
        edit(22, None),
        "21:3: trackers: expected at least 2 trackers in total (the site fails a torrent "
        "without a backup tracker), got 1"),
    "tracker without a scheme": (
        edit(22, "  - [tracker.opentrackr.org]"),
        "22:6: trackers[1][0]: expected an announce URL (http, https, udp, ws, wss), got "
        "'tracker.opentrackr.org'"),
    "private announce URL": (
        edit(21, "  - [https://tracker.nekobt.to/api/tracker/abcdef0123456789abcdef/announce]"),
        "21:6: trackers[0][0]: a private announce URL (it holds your torrent key) must never "
        f"go into an uploaded torrent — use {PUBLIC}"),
    "tracker listed twice": (
        edit(22, f"  - [{PUBLIC}]"),
        "22:6: trackers[1][0]: this URL is already listed at trackers[0][0] — keep one"),
    "empty tier": (
        edit(22, "  - []"),
        "22:5: trackers[1]: expected a tier with at least one URL, got an empty list"),
    "retired video type": (
        edit(14, "video_type: 10"),
        "14:13: video_type: expected a video type id (0-9 or 11-16; 10 is retired), auto "
        "(from the release name) or null, got 10"),
    "unknown video codec": (
        edit(15, "video_codec: 9"),
        "15:14: video_codec: expected a video codec id from 0 to 8 or null, got 9"),
    "quoted boolean": (
        edit(16, 'movie: "no"'),
        "16:8: movie: expected true, false or auto (detected), got 'no'"),
    "typo in a title field": (
        edit(17, 'title: "{sten}"'),
        "17:8: title: unknown template field '{sten}' — did you mean '{stem}'?"),
    "unknown description field": (
        edit(19, "  Encoded by {encoder}."),
        f"18:14: description: unknown template field '{{encoder}}' — use {FIELDS}"),
    "title over two lines": (
        edit(17, 'title: "a\\nb"'),
        "17:8: title: expected a single-line template, got a line break"),
    "unknown language code": (
        edit(10, "  audio: [ja, xx]"),
        "10:15: languages.audio[1]: expected a nekoBT language code like ja, en or es-419, "
        "got 'xx'"),
    "language not in a list": (
        edit(10, "  audio: ja"),
        "10:10: languages.audio: expected a list of language codes like [ja], got 'ja'"),
    "fansubs with no-subs level": (
        edit(13, "level: -1"),
        "12:11: languages.fansub: expected no fansub languages with level -1 (no subs), got "
        "en — the site rejects that combination"),
    "bad detected_subtitles": (
        edit(12, "  fansub: [en]\n  detected_subtitles: official"),
        "13:23: languages.detected_subtitles: expected fansub or subtitles, got 'official'"),
    "piece size not a power of two": (
        edit(24, "  piece_size: 3 MiB"),
        '24:15: torrent.piece_size: expected auto or a power of two from 16 KiB to 16 MiB, '
        'like "4 MiB", got \'3 MiB\''),
    "exclude as a string": (
        edit(25, '  exclude: "*.nfo"'),
        "25:12: torrent.exclude: expected a list of glob patterns, got '*.nfo'"),
    "member with neither id nor name": (
        edit(5, "  - {role: Translation}"),
        "5:5: members[0]: expected an id, or a display_name for a new member, got neither"),
    "member without a role": (
        edit(5, '  - {id: "111"}'),
        "5:5: members[0].role: required key is missing"),
    "display name too long": (
        edit(6, "  - {display_name: " + "N" * 33 + ", role: Typesetting}"),
        "6:20: members[1].display_name: expected at most 32 characters, got 33"),
    "primary group as secondary": (
        edit(8, '  - {id: "1234567890", role: Encode}'),
        "8:10: secondary_groups[0].id: expected another group, got the primary group's id — "
        "list only other groups here"),
    "duplicate key": (
        edit(13, "level: 3\nlevel: 2"),
        "14:1: level: duplicate key (first at line 13) — keep one"),
    "ignore_warnings as a number": (
        edit(27, "  ignore_warnings: 3"),
        "27:20: upload.ignore_warnings: expected true, false or a list of warning texts, got 3"),
    "empty copy_torrent_to": (
        edit(29, '  copy_torrent_to: ""'),
        "29:20: seed.copy_torrent_to: expected a text of 1 to 4096 characters, got ''"),
    "yes as a key (a YAML boolean)": (
        edit(16, "movie: false\nyes: 1"),
        "17:1: expected a text key, got true — quote it"),
    "broken YAML": (
        edit(13, "level: [3"),
        "14:11: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow "
        "sequence)"),
    "tab indentation": (
        edit(13, "level:\t3"),
        "13:7: invalid YAML: found character '\\t' that cannot start any token (while "
        "scanning for the next token)"),
    "control character": (
        edit(13, "level: 3\x07"),
        "13:9: invalid YAML: character U+0007 is not allowed — remove it"),
    "a list instead of a mapping": (
        "- a\n- b\n",
        f"1:1: expected a mapping with keys {ROOT_KEYS}, got a list"),
    "unsupported tag": (
        edit(13, "level: !!python/object:os.system 3"),
        "13:8: level: unsupported tag !!python/object:os.system — remove it"),
}


def test_the_base_profile_is_valid(tmp_path: Path) -> None:
    profile = load_profile(write_profile(tmp_path, "base", BASE))
    assert profile.level == 3
    assert profile.group.id == "1234567890"


def test_catalogue_has_at_least_20_distinct_mistakes() -> None:
    assert len(CATALOGUE) >= 20
    assert len({message for _, message in CATALOGUE.values()}) == len(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_mistake_gives_exact_message(tmp_path: Path, name: str) -> None:
    text, message = CATALOGUE[name]
    path = write_profile(tmp_path, "examplesubs", text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == f"{path}:{message}"
    assert not isinstance(info.value, ProfileErrors)  # exactly one mistake each
    assert info.value.exit_code == 2


def test_private_announce_key_is_never_echoed(tmp_path: Path) -> None:
    key = "abcdef0123456789abcdef"
    text = edit(21, f"  - [https://tracker.nekobt.to/api/tracker/{key}/announce]")
    with pytest.raises(ProfileError) as info:
        load_profile(write_profile(tmp_path, "p", text))
    assert key not in str(info.value)
    assert key not in repr(info.value.args)


def test_empty_file(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "empty", "")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == (f"{path}: expected a profile (a mapping with at least group and "
                               "trackers), got an empty file")


def test_every_mistake_in_a_file_is_reported(tmp_path: Path) -> None:
    text = edit(13, "level: three", edit(5, '  - {id: "111", rol: Translation}'))
    path = write_profile(tmp_path, "p", text)
    with pytest.raises(ProfileErrors) as info:
        load_profile(path)
    assert [str(e) for e in errors_of(info.value)] == [
        f"{path}:5:5: members[0].role: required key is missing",
        f"{path}:5:17: members[0].rol: unknown key — did you mean 'members[0].role'?",
        f"{path}:13:8: level: expected an integer from -1 to 4, got 'three'",
    ]
    assert str(info.value) == "\n".join(str(e) for e in errors_of(info.value))
    assert (info.value.line, info.value.column, info.value.key) == (5, 5, "members[0].role")


def test_level_minus_one_with_default_fansub_points_at_level(tmp_path: Path) -> None:
    text = "\n".join(line for line in edit(13, "level: -1").splitlines()
                     if not line.startswith(("languages:", "  audio", "  subtitles",
                                             "  fansub"))) + "\n"
    path = write_profile(tmp_path, "p", text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == (f"{path}:9:8: level: level -1 (no subs) with the default "
                               "fansub language en — add `fansub: []` under languages")


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ProfileError) as info:
        load_profile(missing)
    assert str(info.value) == (f"{missing}: cannot read the file (No such file or directory) "
                               "— check the path and permissions")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"group: {tag: \xe9}\n")
    with pytest.raises(ProfileError) as info:
        load_profile(latin)
    assert str(info.value) == f"{latin}:1:14: not UTF-8 text — save the file as UTF-8"
