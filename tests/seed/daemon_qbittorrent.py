"""A real qbittorrent-nox (Debian's, 4.5.x) for the adapter's tests: loopback only.

The daemon gets its own `--profile` folder, with a qBittorrent.conf written before it starts:

    [LegalNotice] Accepted=true              no interactive legal notice on first start
    WebUI\\Address=127.0.0.1, WebUI\\Port       the Web API on a free loopback port
    WebUI\\Username, WebUI\\Password_PBKDF2     a preset password (PBKDF2-HMAC-SHA512, 100000
                                             iterations, 16-byte salt, 64-byte key, as
                                             "@ByteArray(<b64 salt>:<b64 key>)")
    WebUI\\LocalHostAuth=true                 a wrong password is refused even on loopback
    Session\\Interface=lo, InterfaceAddress   peers (TCP and uTP) on 127.0.0.1 only, on a
      =127.0.0.1, Session\\Port                free port
    DHT / LSD / PeX off, UPnP + NAT-PMP off  (Network\\PortForwardingEnabled, WebUI\\UseUPnP)
    Connection\\ResolvePeerCountries=false    else it downloads a GeoIP database at start
    Session\\DefaultSavePath                  a folder under the test's tmp

HOME and the XDG folders point under tmp too (qbittorrent-nox writes ~/.config and ~/.local
even for --version). It runs fine as root. Stopped by PID with SIGTERM (it takes ~1.5 s to
exit: libtorrent's session shutdown).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from seed_helpers import Daemon, free_port, require, running, stop_pid, wait_port

from uploader.secret import Secret
from uploader.seed.base import ClientConfig

PASSWORD = "qbt-Test-pw-5f2c9e"   # distinctive, so tests can search files and messages for it
TIMEOUT = 10.0                     # the ClientConfig timeout the tests' adapter uses


def pbkdf2_password(password: str, salt: bytes | None = None) -> str:
    """qBittorrent's WebUI\\Password_PBKDF2 value (without the surrounding quotes)."""
    salt = os.urandom(16) if salt is None else salt
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, dklen=64)
    return f"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"


def write_config(profile: Path, *, webui_port: int, peer_port: int, default_dir: Path,
                 username: str, password: str) -> Path:
    for value in (str(default_dir), username):
        assert not set(value) & set('"\\;,\n'), f"would need QSettings escaping: {value!r}"
    conf = profile / "qBittorrent" / "config" / "qBittorrent.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "[LegalNotice]",
        "Accepted=true",
        "",
        "[BitTorrent]",
        "Session\\DHTEnabled=false",
        "Session\\LSDEnabled=false",
        "Session\\PeXEnabled=false",
        f"Session\\Port={peer_port}",
        "Session\\Interface=lo",
        "Session\\InterfaceName=lo",
        "Session\\InterfaceAddress=127.0.0.1",
        f'Session\\DefaultSavePath="{default_dir}"',
        "Session\\TempPathEnabled=false",
        "",
        "[Network]",
        "PortForwardingEnabled=false",
        "",
        "[Preferences]",
        "Connection\\UPnP=false",
        "Connection\\ResolvePeerCountries=false",
        "WebUI\\Enabled=true",
        "WebUI\\Address=127.0.0.1",
        f"WebUI\\Port={webui_port}",
        "WebUI\\UseUPnP=false",
        "WebUI\\LocalHostAuth=true",
        f"WebUI\\Username={username}",
        f'WebUI\\Password_PBKDF2="{pbkdf2_password(password)}"',
        "",
    ]
    conf.write_text("\n".join(lines), encoding="utf-8")
    return conf


def _answers(port: int) -> bool:
    """The Web API answers HTTP (any status: 403 before login is fine)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/api/v2/app/webapiVersion")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


@contextlib.contextmanager
def start_qbittorrent(tmp: Path, *, username: str = "admin",
                      password: str = PASSWORD) -> Iterator[Daemon]:
    binary = require("qbittorrent-nox")
    tmp.mkdir(parents=True, exist_ok=True)
    profile, default_dir, home = tmp / "qbt-profile", tmp / "qbt-downloads", tmp / "qbt-home"
    default_dir.mkdir(exist_ok=True)
    home.mkdir(exist_ok=True)
    webui_port, peer_port = free_port(), free_port()
    while peer_port == webui_port:
        peer_port = free_port()
    write_config(profile, webui_port=webui_port, peer_port=peer_port, default_dir=default_dir,
                 username=username, password=password)
    log = tmp / "qbittorrent-nox.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LC_ALL": "C.UTF-8",   # Qt decodes file names with the locale: unicode names need UTF-8
        "LANG": "C.UTF-8",
    }

    def spawn() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen([binary, f"--profile={profile}"], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_port(webui_port, timeout=30.0, proc=proc, log=log)
            deadline = time.monotonic() + 30.0
            while not _answers(webui_port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"qbittorrent-nox's Web UI does not answer:\n"
                                       f"{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.05)
        except BaseException:
            stop_pid(proc)
            raise
        return proc

    config = ClientConfig(kind="qbittorrent", host="127.0.0.1", port=webui_port,
                          username=username, password=Secret(password), timeout=TIMEOUT)
    with running(config, default_dir=default_dir, home=profile, log=log,
                 launch=spawn) as daemon:
        yield daemon


@pytest.fixture(name="qbittorrent")
def qbittorrent_daemon(tmp_path: Path) -> Iterator[Daemon]:
    """Fixture `qbittorrent`: a fresh daemon per test (starts in ~0.1 s). Import this
    function into a test module (its name differs, so ruff sees no redefinition)."""
    with start_qbittorrent(tmp_path / "qbt") as daemon:
        yield daemon
