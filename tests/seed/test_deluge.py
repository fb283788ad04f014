"""The Deluge adapter against a real deluged 2.0.3 on loopback (see daemon_deluge)."""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from daemon_deluge import PASSWORD, TIMEOUT, deluge, raw_client  # noqa: F401 - the fixture
from seed_helpers import Daemon, make_release, seeding, wait_for

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import Secret
from uploader.seed import connect
from uploader.seed.base import (
    DOWNLOADING,
    ERROR,
    PAUSED,
    SEEDING,
    ClientConfig,
    SeedClient,
    TorrentStatus,
)
from uploader.seed.deluge import DelugeClient

pytestmark = pytest.mark.slow


@pytest.fixture
def client(deluge: Daemon) -> Iterator[SeedClient]:  # noqa: F811 - the fixture
    seed_client = connect(deluge.config)
    yield seed_client
    seed_client.close()



def files_of(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def test_info_reports_version_and_default_folder(deluge: Daemon,  # noqa: F811
                                                 client: SeedClient) -> None:
    info = client.info()
    assert client.kind == "deluge"
    assert isinstance(client, DelugeClient)
    assert info.version.startswith("2.0"), info.version
    assert info.default_save_path == str(deluge.default_dir)


def test_single_file_outside_the_download_dir_seeds_in_place(
        deluge: Daemon, client: SeedClient, tmp_path: Path,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    release = make_release(tmp_path / "elsewhere", "file")
    folder = str(release.path.parent)
    before = files_of(release.path)
    caplog.set_level(logging.DEBUG)

    client.add(release.raw, save_path=folder)

    # The library's DEBUG line for the call is there, without the torrent (it would carry
    # the site's passkey) and without the password.
    assert "method 'core.add_torrent_file' (arguments not logged)" in caplog.text
    assert base64.b64encode(release.raw).decode()[:60] not in caplog.text

    assert seeding(client, release.infohash) == TorrentStatus(
        infohash=release.infohash, phase=SEEDING, progress=1.0, save_path=folder,
        error=None, raw_state="Seeding")
    assert files_of(release.path) == before
    assert sorted(p.name for p in release.path.parent.iterdir()) == [release.path.name]
    assert list(deluge.default_dir.iterdir()) == []   # nothing stray in the default folder


def test_batch_folder_with_nested_unicode_and_empty_files_seeds(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    release = make_release(tmp_path / "batches", "batch")
    folder = str(release.path.parent)
    before = files_of(release.path)
    assert "Extras/empty.ass" in before
    assert "[Seed] Show - 02 (1080p) ルナ.mkv" in before

    client.add(release.raw, save_path=folder)

    status = seeding(client, release.infohash)
    assert (status.phase, status.progress, status.save_path) == (SEEDING, 1.0, folder)
    assert files_of(release.path) == before
    assert list(deluge.default_dir.iterdir()) == []


def test_category_becomes_a_label_when_the_plugin_is_there(
        deluge: Daemon, client: SeedClient, tmp_path: Path,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    first = make_release(tmp_path / "one", "file", size=300_000)
    second = make_release(tmp_path / "two", "file", size=300_000)
    with raw_client(deluge.config) as raw:
        available = "Label" in raw.call("core.get_available_plugins")
        assert "Label" not in raw.call("core.get_enabled_plugins")   # off until asked for

    caplog.set_level(logging.INFO, logger="uploader.seed.deluge")
    client.add(first.raw, save_path=str(first.path.parent), category="Anime 1080p",
               tags=("ignored", "by deluge"))
    # Another connection: the plugin is on and the label exists already.
    with contextlib.closing(connect(deluge.config)) as again:
        again.add(second.raw, save_path=str(second.path.parent), category="Anime 1080p")

    with raw_client(deluge.config) as raw:
        if available:
            assert "Label" in raw.call("core.get_enabled_plugins")
            assert list(raw.call("label.get_labels")) == ["anime_1080p"]
            for release in (first, second):
                assert raw.call("core.get_torrent_status", release.infohash, ["label"]) == {
                    "label": "anime_1080p"}
            assert "category 'Anime 1080p' becomes Deluge label 'anime_1080p'" in caplog.text
        else:  # the documented fallback: added without a label, and a warning says why
            assert "the Label plugin is not available" in caplog.text
    for release in (first, second):
        assert seeding(client, release.infohash).save_path == str(release.path.parent)


def test_a_category_without_label_characters_adds_unlabelled(
        deluge: Daemon, client: SeedClient, tmp_path: Path,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    release = make_release(tmp_path / "r", "file", size=300_000)
    client.add(release.raw, save_path=str(release.path.parent), category="アニメ")
    assert "has no character a Deluge label allows" in caplog.text
    assert seeding(client, release.infohash).progress == 1.0
    with raw_client(deluge.config) as raw:
        assert raw.call("core.get_torrent_status", release.infohash, ["state"]) == {
            "state": "Seeding"}


def test_adding_the_same_torrent_twice_is_not_an_error(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    release = make_release(tmp_path / "twice", "file")
    folder = str(release.path.parent)
    client.add(release.raw, save_path=folder)
    client.add(release.raw, save_path=folder)           # right away
    seeding(client, release.infohash)
    with contextlib.closing(connect(deluge.config)) as other:
        other.add(release.raw, save_path=folder)        # a rerun, on a new connection
    with raw_client(deluge.config) as raw:
        assert list(raw.call("core.get_session_state")) == [release.infohash]
    assert seeding(client, release.infohash).save_path == folder


def test_wrong_save_path_is_below_100_once_checked(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    release = make_release(tmp_path / "real", "batch")
    empty = tmp_path / "empty"
    empty.mkdir()

    client.add(release.raw, save_path=str(empty))

    def checked() -> TorrentStatus | None:
        status = client.status(release.infohash)
        return status if status and status.phase in (DOWNLOADING, ERROR, SEEDING) else None

    status = wait_for(checked, timeout=30.0, step=0.1)
    assert isinstance(status, TorrentStatus)
    assert status.phase in (DOWNLOADING, ERROR), status
    assert status.progress < 1.0
    time.sleep(1.0)  # and it stays there: nothing to find, nobody to download from
    later = client.status(release.infohash)
    assert later is not None
    assert (later.phase, later.progress, later.save_path) == (DOWNLOADING, 0.0, str(empty))
    assert later.raw_state == "Downloading"
    # Nothing made up but the empty file (libtorrent creates zero-length files when adding).
    made = [(str(p.relative_to(empty)), p.stat().st_size) for p in empty.rglob("*")
            if p.is_file()]
    assert made == [("[Seed] Show (BD 1080p) Batch/Extras/empty.ass", 0)]


def test_an_error_carries_the_daemons_message_and_the_real_progress(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    release = make_release(tmp_path / "real", "batch", size=300_000)
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_bytes(b"x")

    client.add(release.raw, save_path=str(blocker))

    def settled() -> TorrentStatus | None:
        status = client.status(release.infohash)
        return status if status and status.phase in (ERROR, PAUSED) else None

    first = wait_for(settled, timeout=30.0, step=0.1)
    assert isinstance(first, TorrentStatus)
    if first.phase == PAUSED:
        # Now and then (under load) the error comes before Deluge starts the torrent it added
        # paused; starting it clears the error and leaves it paused. The handoff resumes a
        # paused torrent once, as here, and the error comes back.
        client.resume(release.infohash)
    status = wait_for(lambda: (s := client.status(release.infohash)) and s.phase == ERROR
                      and s, timeout=30.0, step=0.1)
    assert status == TorrentStatus(infohash=release.infohash, phase=ERROR, progress=0.0,
                                   save_path=str(blocker), error="Not a directory",
                                   raw_state="Error")
    with raw_client(deluge.config) as raw:   # what Deluge itself says: 100 % in Error
        assert raw.call("core.get_torrent_status", release.infohash, ["progress"]) == {
            "progress": 100.0}


def test_skip_check_trusts_the_files(deluge: Daemon, client: SeedClient,  # noqa: F811
                                     tmp_path: Path) -> None:
    """seed_mode reaches the daemon: even files whose content no longer matches (same sizes)
    are seeding at 100 % at once, where a check would have found every piece wrong."""
    release = make_release(tmp_path / "trusted", "file")
    release.path.write_bytes(os.urandom(release.path.stat().st_size))

    client.add(release.raw, save_path=str(release.path.parent), skip_check=True)

    status = seeding(client, release.infohash, timeout=10.0)
    assert status.raw_state == "Seeding"
    with raw_client(deluge.config) as raw:
        assert raw.call("core.get_torrent_status", release.infohash, ["seed_mode"]) == {
            "seed_mode": True}


def test_a_paused_torrent_is_resumed(deluge: Daemon, client: SeedClient,  # noqa: F811
                                     tmp_path: Path) -> None:
    release = make_release(tmp_path / "pause", "file")
    client.add(release.raw, save_path=str(release.path.parent))
    seeding(client, release.infohash)
    with raw_client(deluge.config) as raw:
        raw.call("core.pause_torrent", [release.infohash])
    paused = wait_for(lambda: (s := client.status(release.infohash)) and s.phase == PAUSED
                      and s, timeout=10.0, step=0.1)
    assert isinstance(paused, TorrentStatus)
    assert (paused.raw_state, paused.progress) == ("Paused", 1.0)

    client.resume(release.infohash)

    assert seeding(client, release.infohash, timeout=10.0).raw_state == "Seeding"


def test_the_daemons_add_paused_preference_does_not_pause_our_add(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    with raw_client(deluge.config) as raw:
        raw.call("core.set_config", {"add_paused": True, "move_completed": True,
                                     "move_completed_path": str(tmp_path / "moved")})
        assert raw.call("core.get_config_value", "add_paused") is True
    release = make_release(tmp_path / "prefs", "file")

    client.add(release.raw, save_path=str(release.path.parent))

    assert seeding(client, release.infohash).save_path == str(release.path.parent)
    with raw_client(deluge.config) as raw:
        assert raw.call("core.get_torrent_status", release.infohash,
                        ["paused", "move_completed"]) == {"paused": False,
                                                          "move_completed": False}
    assert release.path.exists()
    assert not (tmp_path / "moved").exists()


def test_a_complete_torrent_queued_by_the_active_limits_counts_as_seeding(
        deluge: Daemon, client: SeedClient, tmp_path: Path) -> None:  # noqa: F811
    with raw_client(deluge.config) as raw:
        raw.call("core.set_config", {"max_active_seeding": 0})
    release = make_release(tmp_path / "queued", "file", size=300_000)
    client.add(release.raw, save_path=str(release.path.parent), skip_check=True)

    queued = wait_for(lambda: (s := client.status(release.infohash)) and s.raw_state == "Queued"
                      and s, timeout=10.0, step=0.1)
    assert isinstance(queued, TorrentStatus)
    assert (queued.phase, queued.progress) == (SEEDING, 1.0)


def test_status_resume_and_remove_of_an_unknown_torrent(
        deluge: Daemon, client: SeedClient) -> None:  # noqa: F811
    unknown = "0" * 40
    assert client.status(unknown) is None
    with pytest.raises(SeedClientError) as err:
        client.resume(unknown)
    assert str(err.value).startswith(f"Deluge at {deluge.config.display()}: has no torrent "
                                     f"{unknown} to resume — ")
    client.remove(unknown)   # nothing to do


def test_remove_keeps_the_files(deluge: Daemon, client: SeedClient,  # noqa: F811
                                tmp_path: Path) -> None:
    release = make_release(tmp_path / "removed", "file", size=300_000)
    before = files_of(release.path)
    client.add(release.raw, save_path=str(release.path.parent))
    seeding(client, release.infohash)

    client.remove(release.infohash)

    assert client.status(release.infohash) is None
    assert files_of(release.path) == before
    client.add(release.raw, save_path=str(release.path.parent))   # and it can come back
    assert seeding(client, release.infohash).progress == 1.0


@pytest.mark.parametrize(("change", "problem"), [
    ({"password": Secret("Wrong-pw-31337")}, "the password was refused"),
    ({"username": "nobody"}, "the daemon has no user 'nobody'"),
])
def test_a_refused_login_is_an_auth_error_without_the_password(
        deluge: Daemon, change: dict[str, object], problem: str,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    config = replace(deluge.config, **change)  # type: ignore[arg-type]
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SeedAuthError) as err:
        connect(config)

    text = str(err.value)
    assert text.startswith(f"Deluge at {config.display()}: {problem} — check the user in "
                           "--seed-client and NEKOBT_SEED_PASSWORD"), text
    assert "Wrong-pw-31337" not in text + caplog.text
    assert PASSWORD not in text + caplog.text
    assert "Traceback" not in text
    assert err.value.client == "deluge"
    assert err.value.__cause__ is None
    assert err.value.__suppress_context__


def test_a_stopped_daemon_is_a_client_error_and_a_restart_recovers(
        deluge: Daemon, tmp_path: Path) -> None:  # noqa: F811
    config = replace(deluge.config, timeout=3.0)
    release = make_release(tmp_path / "later", "file", size=300_000)
    client = connect(config)
    try:
        deluge.stop()

        subject = f"Deluge at {config.display()}"
        started = time.monotonic()
        with pytest.raises(SeedClientError) as lost:
            client.status(release.infohash)
        assert time.monotonic() - started < config.timeout + 1.0
        assert not isinstance(lost.value, SeedAuthError)
        assert str(lost.value) == (
            f"{subject}: the connection was dropped while trying to read torrent "
            f"{release.infohash} — check that deluged is still running (see its log), then "
            "run again")
        with pytest.raises(SeedClientError) as again:   # the next call tries to connect again
            client.status(release.infohash)
        assert str(again.value).startswith(
            f"{subject}: connection refused while trying to log in again to read torrent "
            f"{release.infohash} — check that deluged is running")

        started = time.monotonic()
        with pytest.raises(SeedClientError) as down:
            connect(config)
        assert time.monotonic() - started < config.timeout + 1.0
        assert not isinstance(down.value, SeedAuthError)
        assert str(down.value) == (
            f"{subject}: connection refused while trying to log in — check "
            f"that deluged is running and listens on 127.0.0.1:{config.port} (its -p / "
            "daemon_port; allow_remote for other machines) and any firewall between")
        assert PASSWORD not in str(lost.value) + str(again.value) + str(down.value)

        deluge.restart()

        client.add(release.raw, save_path=str(release.path.parent))   # connects again
        assert seeding(client, release.infohash).progress == 1.0
        with contextlib.closing(connect(config)) as fresh:
            again = fresh.status(release.infohash)
            assert again is not None
            assert again.phase == SEEDING
    finally:
        client.close()


def test_a_stuck_daemon_times_out_and_is_used_again_once_it_answers(
        deluge: Daemon, tmp_path: Path) -> None:  # noqa: F811
    config = replace(deluge.config, timeout=1.5)
    release = make_release(tmp_path / "stuck", "file", size=300_000)
    client = connect(config)
    try:
        deluge.proc.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(SeedClientError) as err:
                client.status(release.infohash)
            elapsed = time.monotonic() - started
        finally:
            deluge.proc.send_signal(signal.SIGCONT)
        assert 1.4 <= elapsed < config.timeout + 1.0, elapsed
        assert not isinstance(err.value, SeedAuthError)
        assert str(err.value) == (
            f"Deluge at {config.display()}: no answer within 1.5 s while trying to read "
            f"torrent {release.infohash} — check that deluged is running and not stuck and "
            f"that 127.0.0.1:{config.port} is its daemon (RPC) port, or raise the seed client "
            "timeout")

        client.add(release.raw, save_path=str(release.path.parent))   # a new connection
        assert seeding(client, release.infohash).progress == 1.0
    finally:
        client.close()


@contextlib.contextmanager
def silent_server(answer: bytes | None) -> Iterator[int]:
    """A loopback port that accepts and then says nothing (None) or `answer`, not TLS."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)
            if answer is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(answer)
                    conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in accepted:
            conn.close()


def test_a_daemon_that_does_not_answer_times_out_within_the_timeout() -> None:
    with silent_server(None) as port:
        config = ClientConfig(kind="deluge", host="127.0.0.1", port=port, username="seeder",
                              password=Secret(PASSWORD), timeout=1.0)
        started = time.monotonic()
        with pytest.raises(SeedClientError) as err:
            connect(config)
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 2.0, elapsed
    assert not isinstance(err.value, SeedAuthError)
    assert str(err.value) == (
        f"Deluge at {config.display()}: no answer within 1 s while trying to log in — check "
        f"that deluged is running and not stuck and that 127.0.0.1:{port} is its daemon (RPC) "
        "port, or raise the seed client timeout")


def test_a_port_that_is_not_deluged_is_a_client_error() -> None:
    with silent_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as port:
        config = ClientConfig(kind="deluge", host="127.0.0.1", port=port, username="seeder",
                              password=Secret(PASSWORD), timeout=2.0)
        with pytest.raises(SeedClientError) as err:
            connect(config)
    assert not isinstance(err.value, SeedAuthError)
    assert str(err.value).startswith(f"Deluge at {config.display()}: ")
    assert f"check that 127.0.0.1:{port} is deluged's daemon port" in str(err.value)
    assert PASSWORD not in str(err.value)
