"""A real deluged (Debian's 2.0.3, with libtorrent 2.0) for the adapter's tests: loopback only.

The daemon gets its own config folder (`-c`), written before it starts:

    core.conf     Deluge's format, two JSON objects back to back: {"file": 1, "format": 1}{...}
                  download_location under tmp; listen_ports [p, p] with random_port false and
                  listen_interface / outgoing_interface 127.0.0.1; dht, upnp, natpmp, lsd,
                  utpex, new_release_check, send_info and allow_remote false
    auth          `user:password:10` (10 = admin); deluged adds its own `localclient` line
    sitecustomize the same loopback settings for libtorrent's first moment (see below)

and runs in the foreground: `deluged -d -c DIR -p RPC_PORT -u 127.0.0.1 -i 127.0.0.1
-o 127.0.0.1 -L warning -l DIR/deluged.log` (-u: the RPC server's address, -i: the peer
listen address, -o: the outgoing interface).

Why the sitecustomize: Deluge 2.0.3 creates its libtorrent session with libtorrent's defaults
(DHT, LSD, UPnP, NAT-PMP on; listening on every interface, port 6881) and applies core.conf
only a moment later. Under strace that moment was enough for a DNS query for the DHT bootstrap
node, LSD sockets on 0.0.0.0:6771 and UPnP M-SEARCH multicasts. A `sitecustomize.py` on the
daemon's PYTHONPATH wraps `libtorrent.session` so that the very first settings pack already
has them off and listens on 127.0.0.1 only; the daemon's code is otherwise untouched.

Deluge 2.0.3's logger breaks on Python 3.11 (`findCaller()` signature): every log call it
makes prints "Unhandled error in Deferred" to stderr. Harmless; `-L warning` keeps it rare.
Measured here: the first start (to a working login) about 1.1 s, of it about 0.2 s making
the TLS key; a restart about 0.7 s; SIGTERM stops it in about 0.3 s.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deluge_client import DelugeRPCClient
from seed_helpers import Daemon, free_port, require, running, stop_pid, wait_port

from uploader.secret import Secret
from uploader.seed.base import ClientConfig

PASSWORD = "dlg-Test-pw-7e3a91"   # distinctive, so tests can search files and messages for it
TIMEOUT = 10.0                     # the ClientConfig timeout the tests' adapter uses
START_WITHIN = 30.0

SITECUSTOMIZE = '''\
"""Test harness only: libtorrent's first settings pack is loopback-only (see daemon_deluge)."""
import libtorrent as _lt

_Session = _lt.session
_FIRST = {
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "dht_bootstrap_nodes": "", "listen_interfaces": "127.0.0.1:%(port)d",
    "outgoing_interfaces": "127.0.0.1",
}


def session(settings=None, flags=0):
    pack = dict(settings or {})
    pack.update(_FIRST)
    return _Session(pack, flags)


_lt.session = session
'''


def core_conf(*, peer_port: int, default_dir: Path) -> dict[str, Any]:
    return {
        "download_location": str(default_dir),
        "move_completed": False,
        "move_completed_path": str(default_dir),
        "torrentfiles_location": str(default_dir),
        "copy_torrent_file": False,
        "listen_ports": [peer_port, peer_port],
        "random_port": False,
        "listen_interface": "127.0.0.1",
        "outgoing_interface": "127.0.0.1",
        "outgoing_ports": [0, 0],
        "random_outgoing_ports": True,
        "dht": False,
        "upnp": False,
        "natpmp": False,
        "lsd": False,
        "utpex": False,
        "new_release_check": False,
        "send_info": False,
        "allow_remote": False,
        "add_paused": False,
        "enabled_plugins": [],
    }


def write_config(home: Path, *, rpc_port: int, peer_port: int, default_dir: Path,
                 username: str, password: str) -> Path:
    """The config folder deluged gets with -c; returns the PYTHONPATH folder of the shim."""
    for value in (username, password):
        assert not set(value) & set(":\n"), "the auth file cannot hold this user name or password"
    home.mkdir(parents=True, exist_ok=True)
    conf = core_conf(peer_port=peer_port, default_dir=default_dir)
    conf["daemon_port"] = rpc_port
    (home / "core.conf").write_text(
        json.dumps({"file": 1, "format": 1}) + json.dumps(conf, indent=2), encoding="utf-8")
    auth = home / "auth"
    auth.write_text(f"{username}:{password}:10\n", encoding="utf-8")
    auth.chmod(0o600)
    shim = home / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE % {"port": peer_port},
                                           encoding="utf-8")
    return shim


@contextlib.contextmanager
def raw_client(config: ClientConfig) -> Iterator[Any]:
    """deluge-client itself, logged in: for the tests' own setup and read-backs (pause a
    torrent, change a preference, read a label). The socket is closed whatever happens."""
    assert config.password is not None
    client = DelugeRPCClient(config.host, config.port, config.username,
                             config.password.reveal(), decode_utf8=True,
                             automatic_reconnect=False, timeout=config.timeout)
    try:
        client.connect()
        yield client
    finally:
        with contextlib.suppress(OSError):
            client._socket.close()


def _login_works(config: ClientConfig) -> bool:
    # While the daemon starts, deluge-client may retry a TLS handshake on a new socket and
    # drop the first one unclosed; collected here, not as a warning in some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            with raw_client(config) as client:
                return bool(client.call("daemon.info"))
        except Exception:  # not up yet: refused, reset, TLS not ready, login not ready
            return False
        finally:
            gc.collect()


@contextlib.contextmanager
def start_deluge(tmp: Path, *, username: str = "seeder",
                 password: str = PASSWORD) -> Iterator[Daemon]:
    binary = require("deluged")
    tmp.mkdir(parents=True, exist_ok=True)
    home, default_dir, user_home = tmp / "deluge-config", tmp / "deluge-downloads", \
        tmp / "deluge-home"
    default_dir.mkdir(exist_ok=True)
    user_home.mkdir(exist_ok=True)
    rpc_port, peer_port = free_port(), free_port()
    while peer_port == rpc_port:
        peer_port = free_port()
    shim = write_config(home, rpc_port=rpc_port, peer_port=peer_port, default_dir=default_dir,
                        username=username, password=password)
    log = tmp / "deluged.out"   # stdout/stderr; the daemon's own log is home/deluged.log
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(user_home),
        "XDG_CONFIG_HOME": str(user_home / ".config"),
        "XDG_DOWNLOAD_DIR": str(default_dir),
        "PYTHONPATH": str(shim),
        "PYTHON_EGG_CACHE": str(user_home / ".cache" / "Python-Eggs"),
        "LC_ALL": "C.UTF-8",   # file names with unicode
        "LANG": "C.UTF-8",
    }
    command = [binary, "-d", "-c", str(home), "-p", str(rpc_port), "-u", "127.0.0.1",
               "-i", "127.0.0.1", "-o", "127.0.0.1", "-L", "warning",
               "-l", str(home / "deluged.log")]
    config = ClientConfig(kind="deluge", host="127.0.0.1", port=rpc_port, username=username,
                          password=Secret(password), timeout=TIMEOUT)

    def spawn() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=env)
        try:
            wait_port(rpc_port, timeout=START_WITHIN, proc=proc, log=log)
            deadline = time.monotonic() + START_WITHIN
            while not _login_works(config):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"deluged does not accept the login:\n"
                                       f"{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.05)
        except BaseException:
            stop_pid(proc)
            raise
        return proc

    with running(config, default_dir=default_dir, home=home, log=log, launch=spawn) as daemon:
        yield daemon


@pytest.fixture
def deluge(tmp_path: Path) -> Iterator[Daemon]:
    """A fresh daemon per test (starts in about 1.1 s, stops in about 0.3 s)."""
    with start_deluge(tmp_path / "deluge") as daemon:
        yield daemon
