"""The command line surface: help, version, exit codes for usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from uploader import __version__
from uploader.cli import COMMANDS, main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uploader", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_available_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "Usage: nekobt-upload" in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"nekobt-upload, version {__version__}"


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "No such command" in capsys.readouterr().err


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from uploader.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'torf', 'pymediainfo', 'watchdog', 'yaml', 'rich') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_every_registered_command_has_help_text() -> None:
    for name, (_module, help_) in COMMANDS.items():
        assert help_.strip(), name


def test_every_command_is_present_has_help_and_is_in_the_readme() -> None:
    from pathlib import Path

    from uploader.cli import available_commands

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert set(available_commands()) == set(COMMANDS)
    for name in COMMANDS:
        result = run(name, "--help")
        assert result.returncode == 0, (name, result.stderr)
        assert "Usage: nekobt-upload" in result.stdout
        assert f"`{name}" in readme, name


def test_readme_commands_are_what_ci_runs() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "bash .ci/run" in readme
    assert "nekobt-upload upload --sandbox examples/sample-release/*.mkv" in readme
    assert list((root / "examples" / "sample-release").glob("*.mkv"))
