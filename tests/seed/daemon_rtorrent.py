"""A real rtorrent (Debian's, 0.9.8) for the adapter's tests: headless, loopback only.

Started as `rtorrent -n -O import="<rc>"`: `-n` skips ~/.rtorrent.rc, and the rc (written under
the test's tmp) holds everything. (`-O` reads one command with rtorrent's parser, quotes and
all; `-o key=value,...` would split the path at commas and keep quotes as part of it.)

    system.daemon.set = true                  no terminal UI: runs without a tty, in the
                                              foreground (0.9.8 does not fork), so its PID is ours
    network.scgi.open_port = 127.0.0.1:PORT   XML-RPC over SCGI on a free loopback port
    network.bind_address.set = 127.0.0.1      peers (and tracker requests) on loopback only,
    network.local_address.set = 127.0.0.1       on a free, fixed port (port_random no)
    network.port_range.set = P-P
    dht.mode.set = disable, protocol.pex.set = no, trackers.use_udp.set = no
    directory.default.set, session.path.set   its default save folder and session, under tmp
    log.open_file / log.add_output = info     its log, for failures (rtorrent.log)

No watch directories, throttles left at their defaults. The environment it gets has no proxy
variables (libcurl would send tracker announces to a proxy) and HOME is its own folder.

Stopped by PID: SIGTERM is 0.9.8's quick shutdown (about a second); should it still run, a
SIGINT and another SIGTERM, then SIGKILL (`stop_pid`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from seed_helpers import Daemon, free_port, require, running, stop_pid, wait_port

from uploader.exceptions import SeedClientError
from uploader.seed import connect
from uploader.seed.base import ClientConfig

TIMEOUT = 5.0          # the ClientConfig timeout the tests' adapter uses
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy")


def rc_quote(value: str) -> str:
    """A value for rtorrent's command parser: quoted, backslash and `"` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_rc(home: Path, *, scgi_port: int, peer_port: int, default_dir: Path,
             session: Path, log: Path) -> Path:
    lines = [
        "system.daemon.set = true",
        f"network.scgi.open_port = 127.0.0.1:{scgi_port}",
        "network.bind_address.set = 127.0.0.1",
        "network.local_address.set = 127.0.0.1",
        f"network.port_range.set = {peer_port}-{peer_port}",
        "network.port_random.set = no",
        "dht.mode.set = disable",
        "protocol.pex.set = no",
        "trackers.use_udp.set = no",
        f"directory.default.set = {rc_quote(str(default_dir))}",
        f"session.path.set = {rc_quote(str(session))}",
        f"log.open_file = \"log\", {rc_quote(str(log))}",
        "log.add_output = \"info\", \"log\"",
    ]
    rc = home / "rtorrent.rc"
    rc.write_text("\n".join(lines) + "\n")
    return rc


def _wait_rpc(config: ClientConfig, proc: subprocess.Popen[bytes], logs: tuple[Path, ...],
              timeout: float = 30.0) -> None:
    """Until SCGI answers system.client_version (the port alone may be early)."""
    wait_port(config.port, timeout, proc, logs[0])
    deadline = time.monotonic() + timeout
    while True:
        try:
            with contextlib.closing(connect(config)):
                return
        except SeedClientError:
            if time.monotonic() > deadline or proc.poll() is not None:
                text = "\n".join(p.read_text(errors="replace")[-2000:]
                                 for p in logs if p.exists())
                raise RuntimeError(f"rtorrent SCGI on port {config.port} did not answer "
                                   f"(exit {proc.poll()}):\n{text}") from None
            time.sleep(0.05)


def stop_rtorrent(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (quick shutdown); if it lingers, SIGINT and SIGTERM again; then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(8.0)
        return
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    stop_pid(proc, timeout=5.0)     # SIGTERM once more, SIGKILL if still there


@contextlib.contextmanager
def start_rtorrent(tmp: Path) -> Iterator[Daemon]:
    """rtorrent on loopback with its own rc, session and default folder under `tmp`."""
    binary = require("rtorrent")
    home = tmp / "rtorrent-home"
    session = home / "session"
    default_dir = tmp / "rtorrent-downloads"
    for folder in (home, session, default_dir):
        folder.mkdir(parents=True, exist_ok=True)
    log = home / "rtorrent.log"           # its own log (log.open_file truncates it)
    out = home / "rtorrent.out"           # stdout/stderr: errors before the log is open
    scgi_port, peer_port = free_port(), free_port()
    rc = write_rc(home, scgi_port=scgi_port, peer_port=peer_port, default_dir=default_dir,
                  session=session, log=log)
    config = ClientConfig(kind="rtorrent", host="127.0.0.1", port=scgi_port, scgi=True,
                          timeout=TIMEOUT)
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARS}
    env["HOME"] = str(home)

    def launch() -> subprocess.Popen[bytes]:
        if log.exists():
            log.replace(log.with_suffix(".log.1"))   # keep the last run's log
        with out.open("ab") as sink:
            proc = subprocess.Popen([binary, "-n", "-O", f"import={rc_quote(str(rc))}"],
                                    stdin=subprocess.DEVNULL, stdout=sink,
                                    stderr=subprocess.STDOUT, cwd=home, env=env)
        try:
            _wait_rpc(config, proc, (out, log))
        except BaseException:
            stop_rtorrent(proc)
            raise
        return proc

    # restart: the same rc, so the same ports, session and default folder (it loads its
    # session back).
    with running(config, default_dir=default_dir, home=home, log=log, launch=launch,
                 halt=stop_rtorrent) as daemon:
        yield daemon


@pytest.fixture
def rtorrent(tmp_path: Path) -> Iterator[Daemon]:
    with start_rtorrent(tmp_path) as daemon:
        yield daemon
