"""`nekobt-upload profiles validate`: one line per profile, exit 2 on any error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from profile_helpers import MINIMAL, write_profile

from uploader.cli import main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEKOBT_API_KEY", raising=False)
    monkeypatch.delenv("NEKOBT_API_KEY_FILE", raising=False)


def test_example_profiles_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = REPO / "profiles"
    code, out, err = run(capsys, "profiles", "validate", "--profiles", str(folder),
                         "--state-dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"OK examplesubs ({folder / 'examplesubs.yaml'})",
        f"OK examplesubs-raws ({folder / 'examplesubs-raws.yaml'})",
    ]


def test_errors_one_line_each_and_exit_2(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    bad = write_profile(folder, "bad", MINIMAL + "level: three\nlevle: 3\n")
    good = write_profile(folder, "good", MINIMAL.replace("ExampleSubs", "Good"))
    code, out, err = run(capsys, "profiles", "validate", "--profiles", str(folder),
                         "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{bad}:5:8: level: expected an integer from -1 to 4, got 'three'",
        f"{bad}:6:1: levle: unknown key — did you mean 'level'?",
        f"OK good ({good})",
    ]
    assert "Traceback" not in err
    code, out, _ = run(capsys, "profiles", "validate", "good", "--profiles", str(folder),
                       "--state-dir", str(tmp_path / "state"))
    assert (code, out) == (0, f"OK good ({good})\n")


def test_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = ('group: {id: "1", tag: T}\n'
            "trackers: [[udp://a.example:80/announce], [udp://b.example:80/announce]]\n")
    path = write_profile(tmp_path / "p", "t", text)
    code, out, err = run(capsys, "profiles", "validate", "--profiles", str(tmp_path / "p"),
                         "--state-dir", str(tmp_path / "state"))
    assert (code, out) == (0, f"OK t ({path})\n")
    assert err.startswith(f"warning: {path}:2:11: trackers: the site's public tracker ")


def test_json_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    bad = write_profile(folder, "bad", MINIMAL + "level: 9\n")
    code, out, _ = run(capsys, "profiles", "validate", "--json", "--profiles", str(folder),
                       "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert [json.loads(line) for line in out.splitlines()] == [{
        "profile": "bad", "path": str(bad), "ok": False, "warnings": [],
        "errors": [f"{bad}:5:8: level: expected an integer from -1 to 4, got 9"]}]


def test_unknown_name_and_missing_folder(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    code, out, err = run(capsys, "profiles", "validate", "nope", "--profiles",
                         str(REPO / "profiles"), "--state-dir", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (f"error: profile 'nope': no nope.yaml in {REPO / 'profiles'} — available: "
                   "examplesubs, examplesubs-raws\n")
    code, _, err = run(capsys, "profiles", "validate", "--profiles", str(tmp_path / "none"),
                       "--state-dir", str(tmp_path))
    assert code == 2
    assert err.startswith("error: profiles folder ")


def test_online_against_the_embedded_sandbox(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    ok = write_profile(folder, "examplesubs", (REPO / "profiles" / "examplesubs.yaml")
                       .read_text())
    other = write_profile(folder, "other", MINIMAL.replace('"1234567890"',
                                                           '"1300000000000000200"')
                          .replace("ExampleSubs", "OtherGroup"))
    code, out, _ = run(capsys, "profiles", "validate", "--online", "--sandbox",
                       "--profiles", str(folder), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    cached = json.loads((tmp_path / "state" / "cache" / "langs.json").read_text())
    assert cached["data"]["convert"]["jp"] == "ja"  # the site's table, kept for offline runs
    assert out.splitlines() == [
        f"OK examplesubs ({ok})",
        f"{other}:1:13: group.id: your account (demo) is not a member of Other Group — only "
        "its leader or an admin may upload for it",
    ]


def test_online_needs_the_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "profiles", "validate", "--online", "--profiles",
                         str(REPO / "profiles"), "--state-dir", str(tmp_path))
    assert (code, out) == (3, "")
    assert err.startswith("error: API key: none given — set NEKOBT_API_KEY")


def test_no_traceback_from_the_console(tmp_path: Path) -> None:
    write_profile(tmp_path / "p", "x", "group: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "uploader", "profiles", "validate", "--profiles",
         str(tmp_path / "p"), "--state-dir", str(tmp_path / "s")],
        capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 2
    assert result.stdout == (f"{tmp_path / 'p' / 'x.yaml'}:2:1: invalid YAML: expected the "
                             "node content, but found '<stream end>' (while parsing a flow "
                             "node)\n")
    assert result.stderr == ""
