"""The rTorrent adapter against a real rtorrent 0.9.8 on loopback (XML-RPC over SCGI)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from daemon_rtorrent import TIMEOUT, rtorrent  # noqa: F401 - the fixture
from seed_helpers import Daemon, make_release, seeding, wait_for

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import Secret
from uploader.seed import connect
from uploader.seed.base import (
    CHECKING,
    DOWNLOADING,
    ERROR,
    PAUSED,
    SEEDING,
    ClientConfig,
    TorrentStatus,
)
from uploader.seed.rtorrent import RtorrentSeedClient, command_quote, torrent_infohash

pytestmark = pytest.mark.slow

SEEDING_RAW = "d.state=1 d.is_active=1 d.complete=1 d.hashing=0"


@pytest.fixture
def client(rtorrent: Daemon) -> Iterator[RtorrentSeedClient]:  # noqa: F811 - the fixture
    seed_client = connect(rtorrent.config)
    assert isinstance(seed_client, RtorrentSeedClient)
    yield seed_client
    seed_client.close()



def phase_is(client: RtorrentSeedClient, infohash: str, phase: str,
             timeout: float = 15.0) -> TorrentStatus:
    def reached() -> TorrentStatus | None:
        status = client.status(infohash)
        return status if status and status.phase == phase else None

    found = wait_for(reached, timeout=timeout, step=0.05)
    assert isinstance(found, TorrentStatus)
    return found


def files_of(client: RtorrentSeedClient, infohash: str) -> list[tuple[str, int, int]]:
    """(path inside the torrent, size, completed chunks) of each file, as rtorrent has them."""
    rows = client.call("f.multicall", infohash.upper(), "", "f.path=", "f.size_bytes=",
                       "f.completed_chunks=")
    assert isinstance(rows, list)
    return sorted((str(p), int(s), int(c)) for p, s, c in rows)


def held(client: RtorrentSeedClient) -> list[str]:
    """The infohashes rtorrent holds (upper-case, as it names them), sorted."""
    hashes = client.call("download_list", "")
    assert isinstance(hashes, list)
    return sorted(str(h) for h in hashes)


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_info_reports_version_and_default_folder(rtorrent: Daemon,  # noqa: F811
                                                 client: RtorrentSeedClient) -> None:
    info = client.info()
    assert client.kind == "rtorrent"
    assert info.version == "0.9.8"
    assert info.default_save_path == str(rtorrent.default_dir)
    assert repr(client) == f"RtorrentSeedClient(rtorrent://127.0.0.1:{rtorrent.config.port})"
    assert held(client) == []


def test_single_file_outside_the_default_folder_seeds_in_place(
        rtorrent: Daemon, client: RtorrentSeedClient, tmp_path: Path) -> None:  # noqa: F811
    release = make_release(tmp_path / "elsewhere", "file")
    folder = str(release.path.parent)
    before = release.path.read_bytes()

    assert torrent_infohash(release.raw) == release.infohash.upper()

    client.add(release.raw, save_path=folder)

    assert seeding(client, release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state=SEEDING_RAW)
    target = release.infohash.upper()
    assert client.call("d.base_path", target) == str(release.path)
    assert client.call("d.is_multi_file", target) == 0
    assert list(rtorrent.default_dir.iterdir()) == []
    assert tree(release.path.parent) == [release.path.name]
    assert release.path.read_bytes() == before
    # The unreachable tracker shows in d.message; the torrent still seeds (not an error).
    wait_for(lambda: str(client.call("d.message", target)).startswith("Tracker: ["),
             timeout=15, step=0.05)
    assert client.status(release.infohash.upper()) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state=SEEDING_RAW)


def test_batch_folder_seeds_at_100_percent_from_an_odd_path(
        rtorrent: Daemon, client: RtorrentSeedClient, tmp_path: Path) -> None:  # noqa: F811
    odd = tmp_path / 'my "seeds" \\ $x, ルナ; d.erase='
    release = make_release(odd, "batch")
    folder = str(release.path.parent)
    expected = sorted((str(p.relative_to(release.path)), p.stat().st_size)
                      for p in release.path.rglob("*") if p.is_file())

    client.add(release.raw, save_path=folder)

    assert seeding(client, release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state=SEEDING_RAW)
    target = release.infohash.upper()
    # d.directory.set appended the torrent's name: the batch's own folder, as it is on disk.
    assert client.call("d.directory", target) == str(release.path)
    assert client.call("d.base_path", target) == str(release.path)
    assert client.call("d.is_multi_file", target) == 1
    files = files_of(client, release.infohash)
    assert [(p, s) for p, s, _ in files] == expected
    assert ("Extras/empty.ass", 0) in expected                    # the empty file is there
    assert client.call("d.completed_bytes", target) == sum(s for _, s in expected)
    assert tree(odd) == [release.path.name, *(f"{release.path.name}/{p}"
                                              for p in tree(release.path))]
    assert list(rtorrent.default_dir.iterdir()) == []


def test_category_is_the_rutorrent_label(client: RtorrentSeedClient, tmp_path: Path) -> None:
    plain = make_release(tmp_path / "plain", "file", size=200_000)
    client.add(plain.raw, save_path=str(plain.path.parent), category="anime",
               tags=("ignored", "too"))
    assert client.call("d.custom1", plain.infohash.upper()) == "anime"

    # ruTorrent keeps labels percent-encoded in d.custom1 (and decodes them to show): so does
    # the adapter, which also keeps a label that starts with `$` from being run by rtorrent.
    odd = make_release(tmp_path / "odd", "file", size=200_000)
    client.add(odd.raw, save_path=str(odd.path.parent),
               category='$d.erase= Fansub "A" ルナ/x')
    assert client.call("d.custom1", odd.infohash.upper()) == (
        "%24d.erase%3D%20Fansub%20%22A%22%20%E3%83%AB%E3%83%8A%2Fx")
    seeding(client, odd.infohash)

    none = make_release(tmp_path / "none", "file", size=200_000)
    client.add(none.raw, save_path=str(none.path.parent))
    assert client.call("d.custom1", none.infohash.upper()) == ""
    assert held(client) == sorted(r.infohash.upper() for r in (plain, odd, none))


def test_adding_the_same_torrent_twice_is_not_an_error(client: RtorrentSeedClient,
                                                       tmp_path: Path) -> None:
    release = make_release(tmp_path / "twice", "file")
    folder = str(release.path.parent)

    client.add(release.raw, save_path=folder)
    client.add(release.raw, save_path=folder)
    seeding(client, release.infohash)
    client.add(release.raw, save_path=folder, skip_check=True, category="again")  # ignored

    assert held(client) == [release.infohash.upper()]
    assert client.call("d.custom1", release.infohash.upper()) == ""   # the first add's
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state=SEEDING_RAW)

    # remove() drops it (d.erase) and keeps the files; removing again is a no-op.
    client.remove(release.infohash)
    assert client.status(release.infohash) is None
    assert held(client) == []
    client.remove(release.infohash)
    assert release.path.is_file()


def test_wrong_save_path_wants_to_download(rtorrent: Daemon,  # noqa: F811
                                           client: RtorrentSeedClient, tmp_path: Path) -> None:
    release = make_release(tmp_path / "real", "batch")
    empty = tmp_path / "not-here"
    empty.mkdir()

    client.add(release.raw, save_path=str(empty))

    status = phase_is(client, release.infohash, DOWNLOADING)
    time.sleep(1.0)   # stays there: nothing to check, no peer to download from
    assert client.status(release.infohash) == status == TorrentStatus(
        infohash=release.infohash, phase=DOWNLOADING, progress=0.0, save_path=str(empty),
        error=None, raw_state="d.state=1 d.is_active=1 d.complete=0 d.hashing=0")
    # rtorrent made the batch's folders and (sparse, empty) files where it was told to.
    assert tree(empty) == [release.path.name, *(f"{release.path.name}/{p}"
                                                for p in tree(release.path))]
    assert all(p.stat().st_size == 0 for p in empty.rglob("*") if p.is_file())
    assert list(rtorrent.default_dir.iterdir()) == []


def test_a_folder_that_cannot_be_made_is_an_error(client: RtorrentSeedClient,
                                                  tmp_path: Path) -> None:
    release = make_release(tmp_path / "real", "batch", size=100_000)
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a folder")
    folder = str(blocker / "sub")

    client.add(release.raw, save_path=folder)

    status = phase_is(client, release.infohash, ERROR)
    content = f"{folder}/{release.path.name}"
    assert status == TorrentStatus(
        infohash=release.infohash, phase=ERROR, progress=0.0, save_path=folder,
        error=(f"rtorrent could not open or check the files in {content!r} "
               "(d.hashing_failed) — check that the folder exists, holds the release and is "
               "writable"),
        raw_state="d.state=1 d.is_active=0 d.complete=0 d.hashing=1 d.hashing_failed=1")

    # With the release where it was said to be, resume() has rtorrent check it again: it seeds.
    # (rtorrent makes a batch's own folder, not the save folder: that one must exist.)
    blocker.unlink()
    Path(folder).mkdir(parents=True)
    shutil.move(release.path, folder)
    client.resume(release.infohash)
    assert seeding(client, release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state=SEEDING_RAW)


def test_a_torrent_rtorrent_refuses_is_an_error(rtorrent: Daemon,  # noqa: F811
                                               tmp_path: Path) -> None:
    """load.raw_start answers 0 for a torrent it then drops: add() notices it is not there."""
    config = replace(rtorrent.config, timeout=1.0)   # the wait for it is at most the timeout
    broken = b"d4:infod6:lengthi1e4:name1:xee"        # no pieces: rtorrent refuses it
    with contextlib.closing(connect(config)) as client:
        started = time.monotonic()
        with pytest.raises(SeedClientError) as err:
            client.add(broken, save_path=str(tmp_path))
        assert 1.0 <= time.monotonic() - started < 3.0
        infohash = hashlib.sha1(b"d6:lengthi1e4:name1:xe").hexdigest()  # noqa: S324
        assert str(err.value) == (
            f"rtorrent at {config.display()}: it did not take torrent {infohash} within 1 s "
            "(load.raw_start answers nothing about it) — its log says why (log.open_file in "
            "rtorrent.rc)")
        assert "Could not create download" in rtorrent.log.read_text()

        with pytest.raises(SeedClientError, match=r"the torrent to add is not a \.torrent"):
            client.add(b"<html>", save_path=str(tmp_path))
        release = make_release(tmp_path / "rel", "file", size=1000)
        with pytest.raises(SeedClientError, match="save path 'rel' is not absolute"):
            client.add(release.raw, save_path="rel")
        assert isinstance(client, RtorrentSeedClient)
        assert held(client) == []


def test_stopped_paused_and_closed_torrents_are_resumed(client: RtorrentSeedClient,
                                                         tmp_path: Path) -> None:
    release = make_release(tmp_path / "stopped", "file")
    folder = str(release.path.parent)
    client.add(release.raw, save_path=folder)
    seeding(client, release.infohash)
    target = release.infohash.upper()

    client.call("d.stop", target)                       # stopped, still open
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=PAUSED, progress=1.0, save_path=folder,
        error=None, raw_state="d.state=0 d.is_active=0 d.complete=1 d.hashing=0")
    client.resume(release.infohash)
    assert seeding(client, release.infohash).raw_state == SEEDING_RAW

    client.call("d.pause", target)                      # started, but inactive
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=PAUSED, progress=1.0, save_path=folder,
        error=None, raw_state="d.state=1 d.is_active=0 d.complete=1 d.hashing=0")
    client.resume(release.infohash)
    assert seeding(client, release.infohash).raw_state == SEEDING_RAW

    client.call("d.stop", target)                       # stopped and closed (files shut):
    client.call("d.close", target)                      # d.start opens it again
    assert client.call("d.is_open", target) == 0
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=PAUSED, progress=1.0, save_path=folder,
        error=None, raw_state="d.state=0 d.is_active=0 d.complete=1 d.hashing=0")
    client.resume(release.infohash)
    assert seeding(client, release.infohash).raw_state == SEEDING_RAW
    assert client.call("d.is_open", target) == 1
    client.resume(release.infohash)                     # seeding already: nothing changes
    assert client.status(release.infohash) == seeding(client, release.infohash)

    unknown = "0" * 40
    assert client.status(unknown) is None
    with pytest.raises(SeedClientError, match=f"has no torrent {unknown} to resume"):
        client.resume(unknown)
    with pytest.raises(SeedClientError, match="is not a v1 infohash"):
        client.status("abc")


def test_a_new_torrent_is_checked_before_it_seeds(client: RtorrentSeedClient,
                                                  tmp_path: Path) -> None:
    """Right after the add rtorrent is hashing (d.hashing 1): the phase says checking."""
    release = make_release(tmp_path / "big", "file", size=8 * 1024 * 1024)
    client.add(release.raw, save_path=str(release.path.parent))
    first = client.status(release.infohash)
    assert first is not None
    assert first.phase in (CHECKING, SEEDING), first
    if first.phase == CHECKING:
        assert first.raw_state.endswith("d.hashing=1")
        assert first.progress < 1.0
    seeding(client, release.infohash)


def test_client_down_then_back(rtorrent: Daemon, tmp_path: Path) -> None:  # noqa: F811
    config = rtorrent.config
    kept = make_release(tmp_path / "kept", "file", size=300_000)
    with contextlib.closing(connect(config)) as first:
        first.add(kept.raw, save_path=str(kept.path.parent))
        assert isinstance(first, RtorrentSeedClient)
        seeding(first, kept.infohash)

    up = connect(config)
    rtorrent.stop()
    assert rtorrent.proc.returncode == 0

    started = time.monotonic()
    with pytest.raises(SeedClientError) as err:
        up.status(kept.infohash)          # a client made while it ran: it went away
    up.close()
    with pytest.raises(SeedClientError) as err2:
        connect(config)                   # a new run while rtorrent is down
    elapsed = time.monotonic() - started
    assert elapsed < config.timeout + 2.0, elapsed
    for exc in (err.value, err2.value):
        assert not isinstance(exc, SeedAuthError)
        assert exc.client == "rtorrent"
        assert exc.__cause__ is None
        assert exc.__suppress_context__
    assert str(err.value) == (
        f"rtorrent at rtorrent://127.0.0.1:{config.port}: unreachable (Connection refused) — "
        "check that rtorrent runs and that network.scgi.open_port in rtorrent.rc is "
        f"127.0.0.1:{config.port}")

    # The next run, with rtorrent back (same session and ports): the torrent it had is back
    # and seeding, and a new one is added.
    rtorrent.restart()
    release = make_release(tmp_path / "later", "batch", size=300_000)
    with contextlib.closing(connect(config)) as again:
        assert isinstance(again, RtorrentSeedClient)
        assert seeding(again, kept.infohash).save_path == str(kept.path.parent)
        again.add(release.raw, save_path=str(release.path.parent))
        assert seeding(again, release.infohash).save_path == str(release.path.parent)
        assert held(again) == sorted([kept.infohash.upper(), release.infohash.upper()])


def test_a_port_that_never_answers_times_out() -> None:
    """Something accepts the connection but never answers: bounded by config.timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)   # never accept(): the kernel completes the handshake anyway
        config = ClientConfig(kind="rtorrent", host="127.0.0.1",
                              port=listener.getsockname()[1], scgi=True, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(SeedClientError) as err:
            connect(config)
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0, elapsed
    assert str(err.value) == (
        f"rtorrent at {config.display()}: no answer to system.client_version within 1 s — "
        "check that rtorrent runs and that network.scgi.open_port in rtorrent.rc is "
        f"127.0.0.1:{config.port}, and that it is not stuck")


class _NeedsLogin(http.server.BaseHTTPRequestHandler):
    """A web server in front of rtorrent that wants Basic auth (rtorrent itself has none) and
    refuses every login; it keeps what each request sent as Authorization and as its path."""

    seen: list[tuple[str, str]] = []   # noqa: RUF012 - one test's record

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="rtorrent"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_http_401_is_an_auth_error_without_the_password() -> None:
    password = "Rt-wrong-pw-5c1e"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NeedsLogin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = ClientConfig(kind="rtorrent", host="127.0.0.1", port=server.server_address[1],
                              username="seed", password=Secret(password), path="/RPC2",
                              timeout=TIMEOUT)
        with pytest.raises(SeedAuthError) as err:
            connect(config)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert str(err.value) == (
        f"rtorrent at rtorrent+http://seed@127.0.0.1:{config.port}/RPC2: the web server refused "
        "the login (HTTP 401) — check the user name in the URL and NEKOBT_SEED_PASSWORD / "
        "NEKOBT_SEED_PASSWORD_FILE")
    assert password not in repr(err.value)
    # The login went as a Basic header (xmlrpc would put a user:password URI into its errors).
    token = base64.b64encode(f"seed:{password}".encode()).decode()
    assert _NeedsLogin.seen == [("/RPC2", f"Basic {token}")]


def test_command_values_and_infohash_helpers() -> None:
    assert command_quote('/a b/"q"\\ ルナ') == '"/a b/\\"q\\"\\\\ ルナ"'
    info = b"d6:lengthi1e4:name1:xe"
    raw = b"d8:announce3:abc4:info" + info + b"3:zzzi0ee"
    assert torrent_infohash(raw) == hashlib.sha1(info).hexdigest().upper()  # noqa: S324
    assert torrent_infohash(b"garbage") is None
    assert torrent_infohash(b"d4:name1:xe") is None
    assert torrent_infohash(b"d4:infod4:name") is None
