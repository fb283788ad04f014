"""The Transmission adapter against a real transmission-daemon 3.00 on loopback."""

from __future__ import annotations

import base64
import contextlib
import http.server
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import transmission_rpc
from daemon_transmission import PASSWORD, TIMEOUT, transmission  # noqa: F401 - the fixture
from seed_helpers import Daemon, assert_no_secret, make_release, seeding, wait_for

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import Secret
from uploader.seed import connect
from uploader.seed.base import (
    CHECKING,
    DOWNLOADING,
    PAUSED,
    SEEDING,
    ClientConfig,
    SeedClient,
    TorrentStatus,
)
from uploader.seed.transmission import TransmissionSeedClient
from uploader.torrent import build_torrent

pytestmark = pytest.mark.slow


@pytest.fixture
def client(transmission: Daemon) -> Iterator[SeedClient]:  # noqa: F811 - the fixture
    seed_client = connect(transmission.config)
    yield seed_client
    seed_client.close()


def raw_client(daemon: Daemon) -> transmission_rpc.Client:
    """The library itself, for what the adapter does not do (stop a torrent, settings)."""
    assert daemon.config.password is not None
    return transmission_rpc.Client(host="127.0.0.1", port=daemon.config.port,
                                   username=daemon.config.username,
                                   password=daemon.config.password.reveal(), timeout=TIMEOUT)



def test_info_reports_version_and_default_folder(transmission: Daemon,  # noqa: F811
                                                 client: SeedClient) -> None:
    info = client.info()
    assert client.kind == "transmission"
    assert info.version.startswith("3.00"), info.version
    assert info.default_save_path == str(transmission.default_dir)


def test_single_file_outside_the_download_dir_seeds_in_place(
        transmission: Daemon, client: SeedClient, tmp_path: Path,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    release = make_release(tmp_path / "elsewhere", "file")
    folder = str(release.path.parent)
    before = release.path.read_bytes()

    with caplog.at_level(logging.DEBUG):
        client.add(release.raw, save_path=folder)
    # transmission-rpc's DEBUG lines (URL with user:password, the request) are not let out.
    assert not [r for r in caplog.records if r.name.startswith("uploader.seed.transmission")]
    assert PASSWORD not in caplog.text

    assert seeding(client, release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state="seeding")
    assert list(transmission.default_dir.iterdir()) == []
    assert sorted(p.name for p in release.path.parent.iterdir()) == [release.path.name]
    assert release.path.read_bytes() == before


def test_batch_folder_seeds_at_100_percent(transmission: Daemon, client: SeedClient,  # noqa: F811
                                           tmp_path: Path) -> None:
    release = make_release(tmp_path / "batches", "batch")
    folder = str(release.path.parent)

    client.add(release.raw, save_path=folder)

    status = seeding(client, release.infohash)
    assert (status.phase, status.progress, status.save_path) == (SEEDING, 1.0, folder)
    assert list(transmission.default_dir.iterdir()) == []
    with raw_client(transmission) as raw:
        files = raw.get_torrent(release.infohash).get_files()
    assert sorted(f.name for f in files) == sorted(
        str(p.relative_to(release.path.parent)) for p in release.path.rglob("*") if p.is_file())
    assert all(f.completed == f.size for f in files)
    assert any(f.size == 0 for f in files)   # the empty file is part of it


def test_labels_are_category_then_tags(transmission: Daemon, client: SeedClient,  # noqa: F811
                                       tmp_path: Path) -> None:
    release = make_release(tmp_path / "labelled", "file", size=300_000)
    with raw_client(transmission) as raw:
        assert raw.get_session().rpc_version == 16   # 3.00: labels by torrent-set only

        client.add(release.raw, save_path=str(release.path.parent), category="anime",
                   tags=("nekobt", " 1080p ", "anime", ""))
        assert raw.get_torrent(release.infohash, ["labels"]).labels == [
            "anime", "nekobt", "1080p"]

        # Added again (a rerun) with another tag: the labels it has are kept, the new added.
        raw.change_torrent(release.infohash, labels=["anime", "nekobt", "1080p", "mine"])
        client.add(release.raw, save_path=str(release.path.parent), tags=("batch-2",))
        assert raw.get_torrent(release.infohash, ["labels"]).labels == [
            "anime", "nekobt", "1080p", "mine", "batch-2"]

        # Transmission refuses a comma in a label: refused before anything is added.
        other = make_release(tmp_path / "comma", "file", size=1000)
        with pytest.raises(SeedClientError, match="contains a comma") as err:
            client.add(other.raw, save_path=str(other.path.parent), tags=("a,b",))
        assert not isinstance(err.value, SeedAuthError)
        assert client.status(other.infohash) is None
        assert len(raw.get_torrents()) == 1


def test_adding_the_same_torrent_twice_is_not_an_error(transmission: Daemon,  # noqa: F811
                                                       client: SeedClient,
                                                       tmp_path: Path) -> None:
    release = make_release(tmp_path / "twice", "file")
    folder = str(release.path.parent)

    client.add(release.raw, save_path=folder)
    client.add(release.raw, save_path=folder)
    seeding(client, release.infohash)
    client.add(release.raw, save_path=folder, skip_check=True)   # accepted, ignored

    with raw_client(transmission) as raw:
        assert [t.hash_string for t in raw.get_torrents()] == [release.infohash]
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state="seeding")

    # remove() drops it and keeps the files; removing again is a no-op.
    client.remove(release.infohash)
    wait_for(lambda: client.status(release.infohash) is None, timeout=10)
    client.remove(release.infohash)
    assert release.path.is_file()


def test_wrong_save_path_wants_to_download(transmission: Daemon, client: SeedClient,  # noqa: F811
                                           tmp_path: Path) -> None:
    release = make_release(tmp_path / "real", "batch")
    empty = tmp_path / "not-here"
    empty.mkdir()

    client.add(release.raw, save_path=str(empty))

    def checked() -> TorrentStatus | None:
        status = client.status(release.infohash)
        return status if status and status.phase == DOWNLOADING else None

    wait_for(checked, timeout=20, step=0.1)
    time.sleep(1.0)   # stays there: nothing to check, no peer to download from
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=DOWNLOADING, progress=0.0, save_path=str(empty),
        error=None, raw_state="downloading")
    assert list(empty.iterdir()) == []
    assert list(transmission.default_dir.iterdir()) == []


def test_a_stopped_torrent_is_resumed(transmission: Daemon, client: SeedClient,  # noqa: F811
                                      tmp_path: Path) -> None:
    release = make_release(tmp_path / "stopped", "file")
    folder = str(release.path.parent)
    client.add(release.raw, save_path=folder)
    seeding(client, release.infohash)

    with raw_client(transmission) as raw:
        raw.stop_torrent(release.infohash)
    wait_for(lambda: getattr(client.status(release.infohash), "phase", None) == PAUSED,
             timeout=10, step=0.1)
    assert client.status(release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=PAUSED, progress=1.0, save_path=folder,
        error=None, raw_state="stopped")

    client.resume(release.infohash.upper())
    seeding(client, release.infohash)

    unknown = "0" * 40
    with pytest.raises(SeedClientError, match=f"has no torrent {unknown} to resume"):
        client.resume(unknown)
    with pytest.raises(SeedClientError, match="is not a v1 infohash"):
        client.status("abc")


def test_start_added_torrents_off_does_not_change_add(transmission: Daemon,  # noqa: F811
                                                      client: SeedClient,
                                                      tmp_path: Path) -> None:
    with raw_client(transmission) as raw:
        raw.set_session(start_added_torrents=False)
        assert raw.get_session().start_added_torrents is False
        # The setting works: added without saying "paused", the daemon keeps it stopped.
        control = make_release(tmp_path / "control", "file", size=200_000)
        raw.add_torrent(control.raw, download_dir=str(control.path.parent))
        # (3.00 reports percentDone 1 while it still checks: wait for the check to end.)
        wait_for(lambda: getattr(client.status(control.infohash), "phase", CHECKING)
                 != CHECKING, timeout=10, step=0.1)
        assert client.status(control.infohash) == TorrentStatus(
            infohash=control.infohash, phase=PAUSED, progress=1.0,
            save_path=str(control.path.parent), error=None, raw_state="stopped")

    release = make_release(tmp_path / "started", "file")
    client.add(release.raw, save_path=str(release.path.parent))
    assert seeding(client, release.infohash).raw_state == "seeding"


def test_wrong_password_is_an_auth_error_without_the_password(
        transmission: Daemon, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    wrong = "Wrong-pw-for-trx-77e1"
    config = replace(transmission.config, password=Secret(wrong))

    with pytest.raises(SeedAuthError) as err, caplog.at_level(logging.DEBUG):
        connect(config)
    assert wrong not in caplog.text   # nor in the library's log (its 401 dumps the headers)
    assert base64.b64encode(f"admin:{wrong}".encode()).decode() not in caplog.text

    text = str(err.value)
    assert text.startswith(f"Transmission at {config.display()}: refused the user name or "
                           "password (HTTP 401) — ")
    assert wrong not in text
    assert PASSWORD not in text
    assert err.value.client == "transmission"
    assert err.value.__cause__ is None   # the library's error (its request) is not chained
    # The config folder never holds the password in plain text (it is stored hashed).
    assert_no_secret(transmission.home, PASSWORD)


def test_wrong_rpc_path_says_what_answered(transmission: Daemon) -> None:  # noqa: F811
    """3.00 answers any other path with its web interface (or a 404 page), not JSON."""
    config = replace(transmission.config, path="/transmission/web")
    with pytest.raises(SeedClientError) as err:
        connect(config)
    assert not isinstance(err.value, SeedAuthError)
    assert str(err.value) == (
        f"Transmission at {config.display()}: failed to log in: the answer is not JSON-RPC but "
        "'404: Not Found /transmission/web' — check the RPC path in --seed-client (default "
        "/transmission/rpc), rpc-host-whitelist, and the daemon's log")

    config = replace(transmission.config, path="/")
    with pytest.raises(SeedClientError, match="not JSON-RPC but 'Transmission Web Interface'"):
        connect(config)


def test_client_down_then_back(transmission: Daemon, tmp_path: Path) -> None:  # noqa: F811
    config = transmission.config
    up = connect(config)
    transmission.stop()

    started = time.monotonic()
    with pytest.raises(SeedClientError) as err:
        up.status("1" * 40)               # a session that was open: the daemon went away
    up.close()
    with pytest.raises(SeedClientError) as err2:
        connect(config)                   # a new run while the daemon is down
    elapsed = time.monotonic() - started
    assert elapsed < config.timeout + 2.0, elapsed
    for exc in (err.value, err2.value):
        assert not isinstance(exc, SeedAuthError)
        assert str(exc).startswith(f"Transmission at {config.display()}: unreachable while ")
        assert "(Connection refused) — check that transmission-daemon is running" in str(exc)
        assert PASSWORD not in str(exc)
    assert_no_secret(transmission.home, PASSWORD)   # also after it rewrote its settings

    # The next run, with the daemon back (same config dir and ports), seeds.
    transmission.restart()
    release = make_release(tmp_path / "later", "file")
    with contextlib.closing(connect(config)) as again:
        again.add(release.raw, save_path=str(release.path.parent))
        assert seeding(again, release.infohash).save_path == str(release.path.parent)


def test_a_client_that_never_answers_times_out(tmp_path: Path) -> None:
    """Something accepts the connection but never answers: bounded by config.timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)   # never accept(): the kernel completes the handshake anyway
        config = ClientConfig(kind="transmission", host="127.0.0.1",
                              port=listener.getsockname()[1], username="admin",
                              password=Secret(PASSWORD), timeout=1.0)
        started = time.monotonic()
        with pytest.raises(SeedClientError) as err:
            connect(config)
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0, elapsed
    assert str(err.value) == (
        f"Transmission at {config.display()}: no answer within 1 s while trying to log in "
        "— check that the daemon is running and not stuck, or raise the timeout")
    assert PASSWORD not in str(err.value)


class _RefusingTracker(http.server.BaseHTTPRequestHandler):
    """An HTTP tracker that refuses every announce (as a site does for an unknown torrent)."""

    def do_GET(self) -> None:
        body = b"d14:failure reason22:torrent not registerede"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the base class's name
        pass


def test_a_refusing_tracker_is_not_a_client_error(transmission: Daemon,  # noqa: F811
                                                  client: SeedClient,
                                                  tmp_path: Path) -> None:
    """Transmission's error 2 (tracker error) leaves the torrent seeding: the phase says
    seeding, the tracker's text shows in raw_state (only error 3, local, is ERROR)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusingTracker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        release = make_release(tmp_path / "tracked", "file", size=200_000)
        url = f"http://127.0.0.1:{server.server_address[1]}/announce"
        built = build_torrent(release.path, trackers=[[url]], piece_size=64 * 1024)
        client.add(built.raw, save_path=str(release.path.parent))

        def refused() -> TorrentStatus | None:
            status = client.status(built.infohash)
            return status if status and "tracker" in status.raw_state else None

        status = wait_for(refused, timeout=20, step=0.1)
        assert status == TorrentStatus(
            infohash=built.infohash, phase=SEEDING, progress=1.0,
            save_path=str(release.path.parent), error=None,
            raw_state="seeding (tracker error: torrent not registered)")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_connect_returns_the_adapter(transmission: Daemon) -> None:  # noqa: F811
    with contextlib.closing(connect(transmission.config)) as seed_client:
        assert isinstance(seed_client, TransmissionSeedClient)
        assert repr(seed_client) == f"TransmissionSeedClient({transmission.config.display()})"
