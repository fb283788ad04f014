"""The qBittorrent adapter against the real qbittorrent-nox (Debian's 4.5), loopback only.

Each test gets a fresh daemon (`qbittorrent` fixture). What the tests read back from the
daemon they read with qbittorrent-api directly, not through the adapter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import qbittorrentapi
from daemon_qbittorrent import PASSWORD, qbittorrent_daemon, start_qbittorrent  # noqa: F401
from seed_helpers import Daemon, Release, assert_no_secret, make_release, wait_for

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import Secret
from uploader.seed import connect
from uploader.seed.base import CHECKING, DOWNLOADING, PAUSED, SEEDING, SeedClient, TorrentStatus

# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def adapter(daemon: Daemon) -> Iterator[SeedClient]:
    client = connect(daemon.config)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def raw(daemon: Daemon) -> Iterator[qbittorrentapi.Client]:
    """The library itself, to read back what the adapter did (and to change preferences)."""
    config = daemon.config
    assert config.password is not None
    qbt = qbittorrentapi.Client(host=f"http://{config.host}", port=config.port,
                                username=config.username, password=config.password.reveal(),
                                FORCE_SCHEME_FROM_HOST=True, REQUESTS_ARGS={"timeout": 10})
    qbt.auth_log_in()
    try:
        yield qbt
    finally:
        qbt.auth_log_out()
        qbt._trigger_session_initialization()  # closes its requests session (no public close)


def wait_status(client: SeedClient, infohash: str, predicate: Callable[[TorrentStatus], bool],
                timeout: float = 30.0) -> TorrentStatus:
    seen: list[TorrentStatus | None] = []

    def check() -> TorrentStatus | None:
        status = client.status(infohash)
        seen.append(status)
        return status if status is not None and predicate(status) else None

    try:
        found = wait_for(check, timeout=timeout, step=0.1)
    except AssertionError:
        raise AssertionError(f"last status: {seen[-1] if seen else None}") from None
    assert isinstance(found, TorrentStatus)
    return found


def seeding_complete(status: TorrentStatus) -> bool:
    return status.phase == SEEDING and status.progress == 1.0


def torrent_info(qbt: qbittorrentapi.Client, infohash: str) -> dict[str, Any]:
    found = [dict(t) for t in qbt.torrents_info(torrent_hashes=infohash)]
    assert len(found) == 1, found
    return found[0]


def tree(root: Path) -> list[str]:
    """Every path under `root`, relative, sorted: to show nothing stray was created."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def digests(root: Path) -> dict[str, str]:
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def add_release(client: SeedClient, release: Release, **kw: Any) -> TorrentStatus:
    client.add(release.raw, save_path=str(release.path.parent), **kw)
    return wait_status(client, release.infohash, seeding_complete)


# -- tests ------------------------------------------------------------------------------------


def test_info_reports_version_and_default_save_path(qbittorrent: Daemon, tmp_path: Path) -> None:
    home = tmp_path / "version-home"
    home.mkdir()
    out = subprocess.run(["qbittorrent-nox", "--version"], capture_output=True, text=True,
                         check=True, env={**os.environ, "HOME": str(home)}).stdout
    match = re.search(r"v\d+\.\d+\.\d+\S*", out)
    assert match, out
    with adapter(qbittorrent) as client:
        assert client.kind == "qbittorrent"
        info = client.info()
    assert info.version == match.group(0)     # e.g. "v4.5.2"
    assert info.default_save_path == str(qbittorrent.default_dir)
    # The preset password is stored as a PBKDF2 hash only, never in clear.
    assert_no_secret(qbittorrent.home, PASSWORD)


def test_single_file_outside_default_path_seeds_in_place(qbittorrent: Daemon,
                                                         tmp_path: Path) -> None:
    release = make_release(tmp_path / "elsewhere", "file")
    before = digests(release.path)
    with adapter(qbittorrent) as client:
        status = add_release(client, release)
    assert status.infohash == release.infohash
    assert status.progress == 1.0
    assert status.save_path.rstrip("/") == str(tmp_path / "elsewhere")
    with raw(qbittorrent) as qbt:
        info = torrent_info(qbt, release.infohash)
    assert info["content_path"] == str(release.path)
    assert info["auto_tmm"] is False
    # Original layout: no subfolder, no copies, nothing in the client's default folder.
    assert tree(tmp_path / "elsewhere") == [release.path.name]
    assert tree(qbittorrent.default_dir) == []
    assert digests(release.path) == before


def test_batch_folder_seeds_at_100_percent(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "batches", "batch")
    listing, before = tree(tmp_path / "batches"), digests(release.path)
    assert any("ルナ" in name for name in listing)
    assert any("ñ" in name for name in listing)
    with adapter(qbittorrent) as client:
        status = add_release(client, release)
    assert (status.phase, status.progress) == (SEEDING, 1.0)
    assert status.save_path.rstrip("/") == str(tmp_path / "batches")
    with raw(qbittorrent) as qbt:
        info = torrent_info(qbt, release.infohash)
        files = sorted(str(f["name"]) for f in qbt.torrents_files(torrent_hash=release.infohash))
    assert info["content_path"] == str(release.path)
    assert files == sorted(f"{release.path.name}/{p}" for p in
                           (str(q.relative_to(release.path)) for q in release.path.rglob("*")
                            if q.is_file()))
    assert tree(tmp_path / "batches") == listing   # the empty file too, and nothing more
    assert tree(qbittorrent.default_dir) == []
    assert digests(release.path) == before


def test_category_and_tags_applied_and_category_path_ignored(qbittorrent: Daemon,
                                                             tmp_path: Path) -> None:
    category_dir = tmp_path / "category-dir"
    with raw(qbittorrent) as qbt:
        # A category with its own folder, and automatic management as the user's default:
        # neither may move the torrent away from the folder the release is in.
        qbt.torrents_create_category(name="preset", save_path=str(category_dir))
        qbt.app_set_preferences({"auto_tmm_enabled": True})
        assert qbt.app_preferences()["auto_tmm_enabled"] is True
        assert "nekobt" not in qbt.torrents_categories()
    first = make_release(tmp_path / "one", "file")
    second = make_release(tmp_path / "two", "batch")
    with adapter(qbittorrent) as client:
        add_release(client, first, category="preset")
        status = add_release(client, second, category="nekobt", tags=("nekobt", "BD ルナ"))
    assert status.save_path.rstrip("/") == str(tmp_path / "two")
    with raw(qbittorrent) as qbt:
        one, two = torrent_info(qbt, first.infohash), torrent_info(qbt, second.infohash)
        categories = qbt.torrents_categories()
        all_tags = set(qbt.torrents_tags())
    assert (one["category"], one["tags"], one["auto_tmm"]) == ("preset", "", False)
    assert one["save_path"].rstrip("/") == str(tmp_path / "one")
    assert two["category"] == "nekobt"      # created by add(): it did not exist
    assert "nekobt" in categories
    assert sorted(two["tags"].split(", ")) == ["BD ルナ", "nekobt"]
    assert {"nekobt", "BD ルナ"} <= all_tags
    assert two["auto_tmm"] is False
    assert not category_dir.exists()
    assert tree(qbittorrent.default_dir) == []


def test_bad_tag_is_refused_before_adding(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "r", "file", size=64 * 1024)
    with adapter(qbittorrent) as client:
        with pytest.raises(SeedClientError, match=r"tag 'a,b' is not allowed"):
            client.add(release.raw, save_path=str(release.path.parent), tags=("a,b",))
        assert client.status(release.infohash) is None


def test_adding_twice_is_not_an_error_and_remove_keeps_files(qbittorrent: Daemon,
                                                             tmp_path: Path) -> None:
    release = make_release(tmp_path / "twice", "file")
    with adapter(qbittorrent) as client:
        client.add(release.raw, save_path=str(release.path.parent))
        client.add(release.raw, save_path=str(release.path.parent))  # while it checks
        wait_status(client, release.infohash, seeding_complete)
        client.add(release.raw, save_path=str(release.path.parent), tags=("again",))
        with raw(qbittorrent) as qbt:
            assert [t["hash"] for t in qbt.torrents_info()] == [release.infohash]
        client.remove(release.infohash)
        assert client.status(release.infohash) is None
        assert release.path.is_file()
        client.remove(release.infohash)   # not there any more: nothing to do
        add_release(client, release)      # and it can come back
    with raw(qbittorrent) as qbt:
        assert [t["hash"] for t in qbt.torrents_info()] == [release.infohash]


def test_wrong_save_path_is_downloading_below_100(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "real", "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    with adapter(qbittorrent) as client:
        client.add(release.raw, save_path=str(empty))
        wait_status(client, release.infohash, lambda s: s.phase != CHECKING)
        time.sleep(1.0)   # stays so once the check is over
        status = client.status(release.infohash)
    assert status is not None
    assert (status.phase, status.progress) == (DOWNLOADING, 0.0)
    assert status.raw_state in ("stalledDL", "downloading", "queuedDL")
    assert status.save_path.rstrip("/") == str(empty)
    assert tree(empty) == []


def test_skip_check_seeds_without_a_recheck(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "skip", "file")
    # A decoy: the right size but other bytes. Only a client that did not hash the file
    # calls it complete, so 100 % here proves skip_check reached qBittorrent.
    decoy = make_release(tmp_path / "decoy", "file")
    decoy.path.write_bytes(os.urandom(decoy.path.stat().st_size))
    with adapter(qbittorrent) as client:
        status = add_release(client, release, skip_check=True)
        fooled = add_release(client, decoy, skip_check=True)
        assert (status.progress, fooled.progress) == (1.0, 1.0)
        # The same decoy checked normally is not complete.
        client.remove(decoy.infohash)
        client.add(decoy.raw, save_path=str(decoy.path.parent))
        checked = wait_status(client, decoy.infohash, lambda s: s.phase != CHECKING)
    assert checked.phase == DOWNLOADING
    assert checked.progress < 1.0


def test_paused_torrent_is_resumed(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "pause", "file")
    with adapter(qbittorrent) as client:
        add_release(client, release)
        with raw(qbittorrent) as qbt:
            qbt.torrents_pause(torrent_hashes=release.infohash)
        paused = wait_status(client, release.infohash, lambda s: s.phase == PAUSED)
        assert paused.raw_state == "pausedUP"
        client.resume(release.infohash)
        status = wait_status(client, release.infohash, seeding_complete)
    assert status.raw_state in ("stalledUP", "uploading", "queuedUP", "checkingUP",
                                "forcedUP")
    with adapter(qbittorrent) as client, pytest.raises(SeedClientError, match="has no torrent"):
        client.resume("0" * 40)


@pytest.mark.parametrize(("layout", "kind"), [("Subfolder", "file"), ("NoSubfolder", "batch")])
def test_user_preferences_do_not_change_add(qbittorrent: Daemon, tmp_path: Path, layout: str,
                                            kind: str) -> None:
    with raw(qbittorrent) as qbt:
        qbt.app_set_preferences({"torrent_content_layout": layout, "start_paused_enabled": True})
        prefs = qbt.app_preferences()
    assert (prefs["torrent_content_layout"], prefs["start_paused_enabled"]) == (layout, True)
    release = make_release(tmp_path / "prefs", kind)
    listing = tree(tmp_path / "prefs")
    with adapter(qbittorrent) as client:
        client.add(release.raw, save_path=str(release.path.parent))
        first = client.status(release.infohash)
        assert first is not None
        assert first.phase != PAUSED, first
        # A paused torrent never turns to seeding by itself: reaching it proves "not paused".
        status = wait_status(client, release.infohash, seeding_complete)
    assert status.progress == 1.0
    with raw(qbittorrent) as qbt:
        assert torrent_info(qbt, release.infohash)["content_path"] == str(release.path)
    assert tree(tmp_path / "prefs") == listing     # no subfolder made, none stripped
    assert tree(qbittorrent.default_dir) == []


def test_wrong_password_is_an_auth_error_without_the_password(qbittorrent: Daemon) -> None:
    wrong = "Wrong-pw-" + os.urandom(4).hex()
    config = dataclasses.replace(qbittorrent.config, password=Secret(wrong))
    with pytest.raises(SeedAuthError) as caught:
        connect(config)
    message = str(caught.value)
    assert wrong not in message
    assert PASSWORD not in message
    assert wrong not in repr(caught.value.args)
    assert message.startswith(f"qBittorrent at {config.display()}: ")
    assert "password was refused" in message
    assert caught.value.client == "qbittorrent"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    # No user name at all: qBittorrent (LocalHostAuth on) wants a login, and says so.
    anonymous = dataclasses.replace(qbittorrent.config, username=None, password=None)
    with pytest.raises(SeedAuthError, match=r"names no user — write it as qbittorrent://USER@"):
        connect(anonymous)
    # The right password still works (one failure is below qBittorrent's ban threshold).
    with adapter(qbittorrent) as client:
        assert client.info().version.startswith("v")


def test_client_down_then_restarted(qbittorrent: Daemon, tmp_path: Path) -> None:
    release = make_release(tmp_path / "later", "file")
    config = qbittorrent.config
    with adapter(qbittorrent) as client:
        client.info()
        qbittorrent.stop()
        # A session whose client went away: an error, and close() still returns.
        with pytest.raises(SeedClientError) as lost:
            client.status(release.infohash)
    assert not isinstance(lost.value, SeedAuthError)
    started = time.monotonic()
    with pytest.raises(SeedClientError) as caught:
        connect(config)
    elapsed = time.monotonic() - started
    assert not isinstance(caught.value, SeedAuthError)
    assert elapsed < config.timeout + 2.0, elapsed
    message = str(caught.value)
    assert message.startswith(f"qBittorrent at {config.display()}: unreachable")
    assert "check that qBittorrent is running" in message
    assert PASSWORD not in message
    assert_no_secret(qbittorrent.home, PASSWORD)   # its config as written on exit
    qbittorrent.restart()
    with adapter(qbittorrent) as client:
        status = add_release(client, release)
    assert status.save_path.rstrip("/") == str(tmp_path / "later")


def test_hung_client_times_out(qbittorrent: Daemon) -> None:
    """A frozen daemon (SIGSTOP: the kernel accepts, nobody answers) → error within timeout."""
    config = dataclasses.replace(qbittorrent.config, timeout=2.0)
    qbittorrent.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(SeedClientError) as caught:
            connect(config)
        elapsed = time.monotonic() - started
    finally:
        qbittorrent.proc.send_signal(signal.SIGCONT)
    assert not isinstance(caught.value, SeedAuthError)
    assert elapsed < config.timeout + 1.5, elapsed
    assert "no answer within 2 s" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_missing_files_after_restart_is_an_error(tmp_path: Path) -> None:
    with start_qbittorrent(tmp_path / "qbt") as daemon:
        release = make_release(tmp_path / "gone", "file")
        with adapter(daemon) as client:
            add_release(client, release)
        daemon.stop()
        release.path.unlink()
        daemon.restart()
        with adapter(daemon) as client:
            status = wait_status(client, release.infohash, lambda s: s.phase != CHECKING)
    assert (status.phase, status.raw_state) == ("error", "missingFiles")
    assert status.error is not None
    assert "missing files" in status.error
    assert str(tmp_path / "gone") in status.error
    assert release.path.name in status.error   # qBittorrent's own log line about it
