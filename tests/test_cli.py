"""The command line surface: help, version, exit codes for usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

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


# --- the README and the command line agree ---------------------------------------------------


def _readme() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _tree() -> dict[tuple[str, ...], Any]:
    """Every command path (groups and their commands) -> the click command."""
    import click

    from uploader.cli import cli

    found: dict[tuple[str, ...], Any] = {}

    def walk(group: click.Group, path: tuple[str, ...], parent: click.Context) -> None:
        for name in group.list_commands(parent):
            command = group.get_command(parent, name)
            assert command is not None
            found[(*path, name)] = command
            if isinstance(command, click.Group):
                walk(command, (*path, name), click.Context(command, info_name=name,
                                                           parent=parent))

    walk(cli, (), click.Context(cli, info_name="nekobt-upload"))
    return found


def _options(command: Any) -> set[str]:
    import click

    return {"-h", "--help"} | {opt for param in command.params if isinstance(param, click.Option)
                               for opt in (*param.opts, *param.secondary_opts)}


def _command_of(words: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The longest command path `words` start with, and the words after it."""
    tree = _tree()
    paths = [p for p in tree if tuple(words[:len(p)]) == p]
    assert paths, f"README: `nekobt-upload {' '.join(words)}` names no command"
    path = max(paths, key=len)
    return path, words[len(path):]


def _readme_invocations() -> list[list[str]]:
    """Every `nekobt-upload ...` the README shows: in code blocks and in inline code."""
    import itertools
    import re
    import shlex

    text = _readme()
    found = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block and "nekobt-upload " in line:
            command = re.sub(r"\s+#.*$", "", line[line.index("nekobt-upload "):])
            # Up to a shell operator: `nekobt-upload status --json | jq`, `... > file`.
            lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
            words = list(itertools.takewhile(lambda w: w not in ("|", ">", ";", "&&"), lexer))
            found.append(words[1:])
    for span in re.findall(r"`nekobt-upload ([^`]+)`", text):
        found.append(shlex.split(span))
    return found


def test_every_command_in_the_readme_exists_with_the_options_it_shows() -> None:
    invocations = _readme_invocations()
    assert len(invocations) >= 10
    for words in invocations:
        if not words:
            continue  # the program itself, e.g. completion: `... nekobt-upload > file`
        path, rest = _command_of(words)
        for word in rest:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in _options(_tree()[path]), (path, word)


def test_every_row_of_the_readme_command_table_exists_with_its_options() -> None:
    import re

    rows = [line for line in _readme().splitlines() if line.startswith("| `")]
    assert len(rows) >= 8
    for row in rows:
        first = re.match(r"\| `([^`]+)`", row)
        assert first is not None
        path, _ = _command_of(first.group(1).split())
        for option in re.findall(r"`(--[a-z][a-z-]*)", row):
            assert option in _options(_tree()[path]), (row, option)


def test_every_option_the_readme_names_exists() -> None:
    import re

    everywhere = set().union(*(_options(c) for c in _tree().values()))
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", _readme()))
    assert named, "the README names options"
    assert named - everywhere == set()


def test_every_command_appears_in_the_readme() -> None:
    import re

    readme = _readme()
    for path in _tree():
        words = " ".join(path)
        assert re.search(rf"(`|nekobt-upload ){re.escape(words)}\b", readme), words


def test_process_exit_keeps_the_interpreters_last_steps(tmp_path: Any) -> None:
    """`run` ends the process with os._exit, but first does what the interpreter would:
    waits for a non-daemon thread, runs atexit callbacks (logging's flush among them) and
    flushes a block-buffered stdout; the exit code is the command's."""
    code = (
        "import atexit, logging, logging.handlers, sys, threading, time\n"
        "from pathlib import Path\n"
        "out = Path(sys.argv[1])\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    (out / 'thread').write_text('done')\n"
        "threading.Thread(target=late).start()\n"
        "atexit.register(lambda: (out / 'atexit').write_text('ran'))\n"
        "atexit.register(lambda: print('printed at exit'))\n"
        "handler = logging.handlers.MemoryHandler(100, target=logging.FileHandler(out / 'log'))\n"
        "logging.getLogger('t').addHandler(handler)\n"
        "logging.getLogger('t').warning('kept')\n"
        "from uploader.cli import run\n"
        "sys.argv = ['nekobt-upload', sys.argv[2]]\n"
        "run()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe buffers
    ok = subprocess.run([sys.executable, "-c", code, str(tmp_path), "--version"],
                        capture_output=True, text=True, check=False, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [f"nekobt-upload, version {__version__}", "printed at exit"]
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "log").read_text().strip() == "kept"
    bad = subprocess.run([sys.executable, "-c", code, str(tmp_path), "no-such-command"],
                         capture_output=True, text=True, check=False, env=env)
    assert bad.returncode == 2
    assert "No such command" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_python_m_uploader_output_reaches_a_pipe_in_full(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Block-buffered stdout (a pipe) is flushed before the quick exit: the whole help, the
    same text the command prints in-process."""
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    expected = capsys.readouterr().out
    result = run("check", "--help")
    assert result.returncode == 0
    assert len(expected) > 2000
    assert result.stdout == expected
