"""`nekobt-upload watch`: its options and its usage errors (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from uploader.cli import main


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    code = exc.value.code
    assert isinstance(code, int)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["watch", "--help"], capsys)
    assert code == 0
    assert "Usage: nekobt-upload watch [OPTIONS] DIR..." in out
    for option in ("--once", "--polling", "--settle SECONDS", "--jobs N", "--profile NAME",
                   "--ignore-warnings", "--torrent-dir", "--no-detect", "--api-url",
                   "--profiles", "--state-dir", "--json", "--sandbox"):
        assert option in out, option


def test_a_missing_folder_is_a_usage_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["watch", "--sandbox", str(tmp_path / "nope")], capsys)
    assert code == 2
    assert err == f"error: {tmp_path / 'nope'}: no such folder — create it or fix the path\n"


def test_a_file_is_not_a_folder_to_watch(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.mkv").write_bytes(b"x")
    code, _, err = run_main(["watch", str(tmp_path / "a.mkv")], capsys)
    assert code == 2
    assert "not a folder" in err


@pytest.mark.parametrize("args", [["watch"], ["watch", ".", "--settle", "-1"],
                                  ["watch", ".", "--jobs", "0"]])
def test_bad_arguments_are_usage_errors(args: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run_main(args, capsys)
    assert code == 2


def test_watch_help_imports_no_watchdog() -> None:
    code = (
        "import sys\n"
        "from uploader.cli import main\n"
        "try:\n    main(['watch', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('watchdog', 'torf', 'httpx') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "HEAVY []" in out.stdout
