"""`profiles show NAME`: every default filled in, as YAML that loads back to the same profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from profile_helpers import BASE, MINIMAL, write_profile

from uploader.cli import main
from uploader.profiles import load_profile, load_profile_text

REPO = Path(__file__).resolve().parents[2]

EVERYTHING = """\
group: {id: "42", tag: "Odd: Tag", name: "Ünïcode Group"}
members:
  - {id: "111", role: Translation}
  - {display_name: "New #1", role: "QC: final"}
secondary_groups:
  - {id: "222"}
  - {id: "333", role: Raws}
languages: {audio: [jp, eng], subtitles: [en], fansub: [], detected_subtitles: subtitles}
level: 0
video_type: null
video_codec: 2
movie: true
batch: true
mtl: true
hidden: true
title: "[{tag}] {stem} — yes"
description: "no trailing newline"
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce, udp://b.example:80/announce]
  - udp://c.example:80/announce
torrent: {piece_size: 4 MiB, private: true, source: "no", exclude: []}
upload: {ignore_warnings: [audio languages, "null"], mark_upgrades: false}
seed: {copy_torrent_to: watch, category: anime, tags: [a, b], save_path: /data/anime}
notify: {template: "{title} is out", events: [uploaded, failed]}
"""


def show(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["profiles", "show", *args, "--profiles", str(folder), "--state-dir",
              str(folder.parent / "state")])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize("text", [MINIMAL, BASE, EVERYTHING], ids=["minimal", "base", "all"])
def test_output_loads_back_to_the_same_profile(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, text: str) -> None:
    folder = tmp_path / "profiles"
    (folder / "watch").mkdir(parents=True)
    path = write_profile(folder, "group", text)
    code, out, err = show(capsys, folder, "group")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (f"# profile group from {path}, every default filled in.")
    original = load_profile(path)
    assert load_profile_text(out, path) == original
    # Nothing left to fill in: showing the shown text again gives the same text.
    write_profile(folder, "group", out)
    assert show(capsys, folder, "group")[1] == out


def test_every_key_is_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    write_profile(folder, "group", MINIMAL)
    code, out, _ = show(capsys, folder, "group")
    assert code == 0
    top = [line.split(":")[0] for line in out.splitlines()
           if line and not line.startswith((" ", "#", "-"))]
    assert top == ["group", "members", "secondary_groups", "languages", "level", "video_type",
                   "video_codec", "movie", "batch", "mtl", "otl", "hardsub", "anonymous",
                   "hidden", "title", "description", "trackers", "torrent", "upload", "seed",
                   "notify"]
    assert "# group.name is not set: {group} renders the tag.\n" in out
    assert "  piece_size: auto\n" in out
    assert "description: |\n  Encoded by {group}. Released {date}.\n" in out


def test_the_example_profiles_round_trip(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    folder = REPO / "profiles"
    for name in ("examplesubs", "examplesubs-raws"):
        code, out, _ = show(capsys, folder, name)
        assert code == 0
        path = folder / f"{name}.yaml"
        assert load_profile_text(out, path) == load_profile(path)
    assert "  piece_size: 4 MiB\n" in show(capsys, folder, "examplesubs-raws")[1]


def test_unknown_name_lists_the_available_ones(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    write_profile(folder, "alpha", MINIMAL)
    write_profile(folder, "beta", MINIMAL.replace("ExampleSubs", "Beta"))
    code, out, err = show(capsys, folder, "gamma")
    assert (code, out) == (2, "")
    assert err == f"error: profile 'gamma': no gamma.yaml in {folder} — available: alpha, beta\n"


def test_a_broken_profile_shows_its_errors(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    path = write_profile(folder, "bad", MINIMAL + "level: 9\n")
    code, out, err = show(capsys, folder, "bad")
    assert (code, out) == (2, "")
    assert err == f"{path}:5:8: level: expected an integer from -1 to 4, got 9\n"


def test_notification_urls_are_masked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    write_profile(folder, "group", MINIMAL + "notify:\n  urls: [discord://1234/s3cr3tT0ken]\n")
    code, out, _ = show(capsys, folder, "group")
    assert code == 0
    assert "s3cr3tT0ken" not in out
    assert "notify:\n  urls: ['discord://1234/…']\n" in out
    assert "# notify.urls are masked (they hold tokens): keep the file's own.\n" in out
