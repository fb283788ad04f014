"""A real transmission-daemon (Debian's, 3.00) for the adapter's tests: loopback only.

The daemon runs in the foreground (-f) with its own config folder (-g) holding a
settings.json written before it starts:

    rpc-bind-address 127.0.0.1, rpc-port       RPC on a free loopback port
    rpc-whitelist 127.0.0.1 (enabled)          only loopback may call it
    rpc-host-whitelist-enabled false           no Host header check (we call by IP anyway)
    rpc-authentication-required, rpc-username, a preset password, already hashed the way
      rpc-password "{<sha1(pw+salt)><salt>"    3.00 stores it: a plain one would sit in
                                               settings.json until the daemon exits
    bind-address-ipv4 127.0.0.1 / -ipv6 ::1,   peers on loopback only, on a free port
      peer-port (not random on start)
    dht / lpd / pex / port-forwarding / utp    off
    blocklist-enabled false                    (and its URL points at loopback)
    download-dir, incomplete-dir-enabled false the default save folder, under the test's tmp
    start-added-torrents true                  (a test turns it off through the RPC)

Stopped by PID with SIGTERM. With torrents that have announced, 3.00 takes ~2.5–4.5 s to
exit: it waits for the "stopped" announces to the (unreachable) trackers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import string
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import transmission_rpc
from seed_helpers import Daemon, free_port, require, running, stop_pid, wait_port

from uploader.secret import Secret
from uploader.seed.base import ClientConfig

PASSWORD = "trx-Test-pw-8d41c7"   # distinctive, so tests can search files and messages for it
TIMEOUT = 5.0                      # the ClientConfig timeout the tests' adapter uses
_SALT_CHARS = string.ascii_letters + string.digits + "./"


def ssha1_password(password: str, salt: str | None = None) -> str:
    """Transmission's stored rpc-password: "{" + hex SHA-1 of password+salt + the 8-char salt
    (what 3.00's tr_ssha1 writes into settings.json when it saves a plain password)."""
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(8)) if salt is None else salt
    digest = hashlib.sha1((password + salt).encode()).hexdigest()  # noqa: S324 - its format
    return "{" + digest + salt


def write_settings(home: Path, *, rpc_port: int, peer_port: int, download_dir: Path,
                   username: str, password: str) -> Path:
    settings = {
        "rpc-enabled": True,
        "rpc-bind-address": "127.0.0.1",
        "rpc-port": rpc_port,
        "rpc-authentication-required": True,
        "rpc-username": username,
        "rpc-password": ssha1_password(password),
        "rpc-whitelist-enabled": True,
        "rpc-whitelist": "127.0.0.1",
        "rpc-host-whitelist-enabled": False,
        "bind-address-ipv4": "127.0.0.1",
        "bind-address-ipv6": "::1",
        "peer-port": peer_port,
        "peer-port-random-on-start": False,
        "dht-enabled": False,
        "lpd-enabled": False,
        "pex-enabled": False,
        "port-forwarding-enabled": False,
        "utp-enabled": False,
        "blocklist-enabled": False,
        "blocklist-url": "http://127.0.0.1:9/blocklist",
        "download-dir": str(download_dir),
        "incomplete-dir": str(download_dir),
        "incomplete-dir-enabled": False,
        "watch-dir-enabled": False,
        "start-added-torrents": True,
        "script-torrent-done-enabled": False,
        "ratio-limit-enabled": False,
        "idle-seeding-limit-enabled": False,
        "message-level": 2,
    }
    home.mkdir(parents=True, exist_ok=True)
    path = home / "settings.json"
    path.write_text(json.dumps(settings, indent=4))
    return path


def _wait_rpc(config: ClientConfig, proc: subprocess.Popen[bytes], log: Path,
              timeout: float = 30.0) -> None:
    """Until the RPC answers a logged-in session-get (the port alone may be early)."""
    wait_port(config.port, timeout, proc, log)
    assert config.password is not None
    deadline = time.monotonic() + timeout
    while True:
        try:
            with transmission_rpc.Client(host=config.host, port=config.port,
                                         username=config.username,
                                         password=config.password.reveal(), timeout=2.0):
                return
        except transmission_rpc.TransmissionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"transmission-daemon RPC on port {config.port} did not "
                                   f"answer:\n{log.read_text(errors='replace')[-3000:]}") from None
            time.sleep(0.1)


@contextlib.contextmanager
def start_transmission(tmp: Path, *, username: str = "admin",
                       password: str = PASSWORD) -> Iterator[Daemon]:
    """transmission-daemon on loopback with its own config dir under `tmp`; stopped on exit."""
    binary = require("transmission-daemon")
    home = tmp / "transmission-home"
    default_dir = tmp / "transmission-downloads"
    default_dir.mkdir(parents=True, exist_ok=True)
    log = tmp / "transmission.log"
    rpc_port, peer_port = free_port(), free_port()
    write_settings(home, rpc_port=rpc_port, peer_port=peer_port, download_dir=default_dir,
                   username=username, password=password)
    config = ClientConfig(kind="transmission", host="127.0.0.1", port=rpc_port,
                          username=username, password=Secret(password), timeout=TIMEOUT)

    def launch() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen([binary, "-f", "-g", str(home), "--log-info"],
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            _wait_rpc(config, proc, log)
        except BaseException:
            stop_pid(proc)
            raise
        return proc

    # restart: the same config dir, ports and password; the state it saved on exit is read
    # back.
    with running(config, default_dir=default_dir, home=home, log=log, launch=launch,
                 halt=lambda proc: stop_pid(proc, timeout=15.0)) as daemon:
        yield daemon


@pytest.fixture
def transmission(tmp_path: Path) -> Iterator[Daemon]:
    with start_transmission(tmp_path) as daemon:
        yield daemon
