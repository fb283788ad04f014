"""Seeding through the real CLI: the sandbox over loopback, and each real client daemon.

Every torrent handed to a client here announces to loopback only: the profile's trackers are
127.0.0.1:9 and the sandbox hands out its .torrent files with a loopback tracker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from e2e_world import World
from seed_helpers import Daemon, assert_no_secret, wait_for

from uploader.seed import connect

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
LOOPBACK_TRACKERS = [["http://127.0.0.1:9/announce"], ["udp://127.0.0.1:9/announce"]]

DAEMONS = {
    "qbittorrent": ("daemon_qbittorrent", "start_qbittorrent"),
    "transmission": ("daemon_transmission", "start_transmission"),
    "deluge": ("daemon_deluge", "start_deluge"),
    "rtorrent": ("daemon_rtorrent", "start_rtorrent"),
}


def _starter(kind: str) -> Callable[[Path], AbstractContextManager[Daemon]]:
    module, name = DAEMONS[kind]
    start: Callable[[Path], AbstractContextManager[Daemon]] = getattr(
        importlib.import_module(module), name)
    return start


@pytest.fixture(params=sorted(DAEMONS))
def daemon(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Daemon]:
    with _starter(request.param)(tmp_path / "client") as running:
        yield running


@pytest.fixture
def world(world: World) -> World:
    """The end-to-end world, announcing to loopback only: the sandbox hands out its .torrent
    files with a loopback tracker and the profile's trackers are 127.0.0.1:9."""
    world.site.tracker_base = "http://127.0.0.1:9/api/tracker"
    world.edit_profile("examplesubs", lambda d: d.update(trackers=LOOPBACK_TRACKERS))
    return world


def seed_env(daemon: Daemon) -> dict[str, str]:
    password = daemon.config.password.reveal() if daemon.config.password else ""
    return {"NEKOBT_SEED_CLIENT": daemon.config.display(), "NEKOBT_SEED_PASSWORD": password}


def upload(world: World, daemon: Daemon, release: Path, *extra: str,
           env: dict[str, str] | None = None) -> Any:
    return world.cli("upload", "--json", "--ignore-warnings", "--seed-timeout", "60", *extra,
                     str(release), env={**seed_env(daemon), **(env or {})})


def client_status(daemon: Daemon, infohash: str) -> Any:
    client = connect(daemon.config)
    try:
        return client.status(infohash)
    finally:
        client.close()


def test_uploaded_release_is_confirmed_seeding_from_its_own_folder(
        world: World, daemon: Daemon) -> None:
    release = world.release(V2)  # <tmp>/in: not the client's default save path
    assert release.parent != daemon.default_dir
    run = upload(world, daemon, release)
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert record["seeding"] == {"state": "seeding", "client": daemon.config.display(),
                                 "error": None}
    assert record["uploaded_at"].endswith("Z")
    status = client_status(daemon, record["infohash"])
    assert (status.phase, status.progress) == ("seeding", 1.0)
    assert Path(status.save_path) == release.parent
    assert list(daemon.default_dir.iterdir()) == []  # nothing stray in the client's folder
    human = world.cli("status")
    assert "seeding" in human.out.splitlines()[1]


def test_client_down_is_uploaded_but_failed_then_the_next_run_seeds_it(
        world: World, daemon: Daemon) -> None:
    release = world.release(V2)
    daemon.stop()
    run = upload(world, daemon, release)
    assert run.code == 1, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert record["seeding"]["state"] == "failed"
    assert "unreachable" in record["seeding"]["error"] or "connect" in record[
        "seeding"]["error"].lower()
    human = world.cli("upload", "--ignore-warnings", "--seed-timeout", "60", str(release),
                      env=seed_env(daemon))
    assert human.code == 1
    assert "NOT SEEDING" in human.out
    daemon.restart()
    again = upload(world, daemon, release)
    assert again.code == 0, again.err
    assert again.records()[0]["seeding"]["state"] == "seeding"
    assert len(world.posts()) == 1  # the follow-up was retried, never the upload


def test_wrong_password_fails_the_handoff_and_is_never_written(
        world: World, daemon: Daemon) -> None:
    if daemon.config.kind == "rtorrent":
        pytest.skip("rtorrent's SCGI socket has no login")
    release = world.release(V2)
    wrong = "not-the-password-4711"
    run = upload(world, daemon, release, env={"NEKOBT_SEED_PASSWORD": wrong})
    assert run.code == 1, run.err
    (record,) = run.records()
    assert record["seeding"]["state"] == "failed"
    assert wrong not in run.out + run.err
    assert_no_secret(world.state, wrong)
    real = seed_env(daemon)["NEKOBT_SEED_PASSWORD"]
    ok = upload(world, daemon, release, "-vv")
    assert ok.code == 0, ok.err
    assert real not in ok.out + ok.err
    assert_no_secret(world.state, real)


def test_wrong_save_path_is_found_stuck_with_a_clear_message(
        world: World, daemon: Daemon) -> None:
    empty = world.tmp / "not-here"
    empty.mkdir()
    world.edit_profile("examplesubs", lambda d: d.update(seed={"save_path": str(empty)}))
    run = upload(world, daemon, world.release(V2))
    assert run.code == 1, run.err
    (record,) = run.records()
    assert record["seeding"]["state"] == "failed"
    assert f"cannot see the files at {empty}/{V2}" in record["seeding"]["error"]


def test_path_map_tells_the_client_its_own_view_of_the_folder(
        world: World, daemon: Daemon) -> None:
    release = world.release(V2)
    client_view = world.tmp / "client-view"
    client_view.symlink_to(release.parent, target_is_directory=True)
    run = upload(world, daemon, release, "--seed-path-map", f"{release.parent}={client_view}")
    assert run.code == 0, run.err
    status = client_status(daemon, run.records()[0]["infohash"])
    assert Path(status.save_path) == client_view
    assert status.progress == 1.0


def test_seed_test_probes_a_folder_and_cleans_up(world: World, daemon: Daemon) -> None:
    folder = world.tmp / "ready"
    folder.mkdir()
    run = world.cli("seed", "test", str(folder), env=seed_env(daemon))
    assert run.code == 0, run.err
    assert run.out.startswith(f"client: {daemon.config.display()}")
    assert f"sees and reads {folder}" in run.out
    assert list(folder.iterdir()) == []
    missing = world.cli("seed", "test", str(folder), "--seed-path-map",
                        f"{folder}={world.tmp / 'nowhere'}", env=seed_env(daemon))
    assert missing.code == 1
    assert "cannot seed from there" in missing.err
    wait_for(lambda: not list(folder.iterdir()), timeout=5)
