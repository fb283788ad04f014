"""Configured destinations are checked for sense when used, as `profiles validate` does."""

from __future__ import annotations

import pytest
from e2e_world import World

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


@pytest.mark.parametrize(("folder", "message"), [
    ("/proc", "/proc is a system folder"),
    ("/sys/kernel", "inside the system folder /sys"),
])
def test_a_system_folder_as_watch_folder_is_refused_and_nothing_is_written(
        world: World, folder: str, message: str) -> None:
    world.edit_profile("examplesubs", lambda d: d.update(seed={"copy_torrent_to": folder}))
    validate = world.cli("profiles", "validate")
    assert validate.code == 2
    assert message in validate.out + validate.err
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 1, run.err
    assert "error: profile examplesubs: seed.copy_torrent_to: " in run.err  # at start
    assert message in run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert record["seeding"]["state"] == "failed"
    assert message in record["seeding"]["error"]


def test_a_file_instead_of_a_folder(world: World) -> None:
    blocker = world.tmp / "watch"
    blocker.write_text("not a folder")
    world.edit_profile("examplesubs",
                       lambda d: d.update(seed={"copy_torrent_to": str(blocker)}))
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 1
    assert "is a file, not a folder" in run.records()[0]["seeding"]["error"]
