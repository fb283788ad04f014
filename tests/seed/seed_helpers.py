"""Shared by the seeding tests: ports, a running daemon's handle, releases to seed.

Every daemon is the real one from Debian (qbittorrent-nox, transmission-daemon, deluged,
rtorrent), started by a fixture on 127.0.0.1 with its own config folder under a temp dir, no
DHT/LSD/PeX/UPnP, and stopped by PID. Nothing here fakes a client's API.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from uploader.seed.base import SEEDING, ClientConfig, SeedClient, TorrentStatus
from uploader.torrent import build_torrent

# Trackers the tests' torrents carry: unreachable on purpose (the network is loopback only).
TRACKERS = [["http://127.0.0.1:9/announce"], ["udp://127.0.0.1:9/announce"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None,
              log: Path | None = None) -> None:
    """Until something accepts on 127.0.0.1:port (or fail, showing the daemon's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    text = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"daemon on port {port} did not come up (exit {proc and proc.poll()}):"
                       f"\n{text}")


def stop_pid(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"{binary} is not installed: .ci/run installs it with apt-get")
        pytest.skip(f"{binary} not installed (apt-get install it; .ci/run does)")
    return path


@dataclass
class Daemon:
    """A running client: how to reach it (password included) and where it saves by default."""

    config: ClientConfig
    default_dir: Path       # the client's own default download folder
    home: Path              # its config folder (scanned for credentials in tests)
    proc: subprocess.Popen[bytes]
    log: Path
    stop: Callable[[], None] = field(repr=False)
    restart: Callable[[], None] = field(repr=False)


@dataclass
class Release:
    path: Path              # the release (file or folder)
    raw: bytes              # the .torrent (built by our builder, as the site serves it)
    infohash: str


@contextmanager
def running(config: ClientConfig, *, default_dir: Path, home: Path, log: Path,
            launch: Callable[[], subprocess.Popen[bytes]],
            halt: Callable[[subprocess.Popen[bytes]], None] = stop_pid) -> Iterator[Daemon]:
    """A started daemon: `stop` halts it, `restart` launches it again with the same config
    and ports, and it is halted on exit whatever happens."""
    daemon: Daemon

    def stop() -> None:
        halt(daemon.proc)

    def restart() -> None:
        stop()
        daemon.proc = launch()

    daemon = Daemon(config=config, default_dir=default_dir, home=home, proc=launch(), log=log,
                    stop=stop, restart=restart)
    try:
        yield daemon
    finally:
        stop()


def make_release(parent: Path, kind: str = "file", size: int = 3 * 1024 * 1024 + 17) -> Release:
    """A single file, or a batch folder with nested and unicode names and an empty file."""
    parent.mkdir(parents=True, exist_ok=True)
    rng = os.urandom
    if kind == "file":
        path = parent / "[Seed] Show - 01 (1080p).mkv"
        path.write_bytes(rng(size))
    else:
        path = parent / "[Seed] Show (BD 1080p) Batch"
        (path / "Extras" / "NCOP").mkdir(parents=True)
        (path / "[Seed] Show - 01 (1080p).mkv").write_bytes(rng(size))
        (path / "[Seed] Show - 02 (1080p) ルナ.mkv").write_bytes(rng(size // 2 + 5))
        (path / "Extras" / "NCOP" / "NCOP ñ.mkv").write_bytes(rng(123_457))
        (path / "Extras" / "empty.ass").write_bytes(b"")
    built = build_torrent(path, trackers=TRACKERS, piece_size=256 * 1024)
    return Release(path, built.raw, built.infohash)


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, step: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(step)


def seeding(client: SeedClient, infohash: str, timeout: float = 30.0,
            step: float = 0.1) -> TorrentStatus:
    """Wait until the client seeds `infohash` at 100 %; its status then."""
    def done() -> TorrentStatus | None:
        status = client.status(infohash)
        return status if status and status.phase == SEEDING and status.progress == 1.0 else None

    found = wait_for(done, timeout=timeout, step=step)
    assert isinstance(found, TorrentStatus)
    return found


def assert_no_secret(root: Path, secret: str) -> None:
    """No file under `root` contains `secret` (as bytes) — the password is never written."""
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
