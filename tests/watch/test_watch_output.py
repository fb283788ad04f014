"""What the daemon prints: one plain line per event off a terminal (journald), a hashing bar
per release and colour on one. The real `watch --once` process against the sandbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from watch_e2e import Env, release_name, video

from uploader.sandbox import SandboxServer, Site

# The pseudo-terminal runner is shared with tests/e2e (as tests/notify shares its world).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from pty_run import COLOUR, run_on_pty, terminal_env

pytestmark = pytest.mark.timeout(150)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with SandboxServer(Site.demo()) as server:
        yield Env(tmp_path, server)
        assert server.site.errors == []


def drop(env: Env, *numbers: int) -> list[str]:
    names = [release_name(n) for n in numbers]
    for n, name in zip(numbers, names, strict=True):
        (env.inbox / name).write_bytes(video(1000 + n))
    return names


def test_off_a_terminal_one_line_per_event(env: Env) -> None:
    names = drop(env, 1, 2)
    proc = subprocess.run([sys.executable, "-m", "uploader", "watch", "--once", "--settle",
                           "0", str(env.inbox)], env=env.env, cwd=env.tmp, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout + proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr
    url = env.server.url.removesuffix("/api/v1")
    results = proc.stdout.splitlines()
    # One line per release, its details on the same line.
    assert sorted(line.split(" → ")[0] for line in results) == [
        f"uploaded: {Path(name).stem}" for name in names]
    assert all(f" → {url}/torrents/" in line and " — torrent file: " in line
               for line in results)
    # The daemon's events, one line each, no timestamps or logger names (journald adds both).
    events = proc.stderr.splitlines()
    for name in names:
        assert f"building: {name}" in events
        assert f"publishing: {name}" in events
    assert not any(line.startswith(("INFO", "uploader.")) for line in events)


def test_on_a_terminal_progress_and_colour(env: Env) -> None:
    (name,) = drop(env, 3)
    run = run_on_pty(["watch", "--once", "--settle", "0", str(env.inbox)],
                     env=terminal_env(env.env), cwd=env.tmp)
    assert run.code == 0, run.raw
    assert f"Hashing {name}" in run.raw  # its bar, drawn and cleared
    assert COLOUR.search(run.raw)
    assert any(line.startswith(f"uploaded: {Path(name).stem} → ") for line in run.lines())
