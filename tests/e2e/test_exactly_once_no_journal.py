"""Exactly once without the journal: a fresh runner (no state) whose profile now makes another
infohash of the same files finds the site's copy by title and file list, and uploads nothing."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from e2e_world import World

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


@pytest.mark.parametrize("edit", [
    {"piece_size": "64 KiB"},
    {"source": "nekoBT"},
    {"private": True},
])
def test_a_profile_edit_on_a_fresh_runner_is_not_a_second_upload(
        world: World, edit: dict[str, object]) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    (record,) = first.records()
    shutil.rmtree(world.state)  # a new CI runner: no journal, no cache
    world.edit_profile("examplesubs", lambda d: d["torrent"].update(edit))
    again = world.cli("upload", "--json", "--ignore-warnings", str(release))
    assert again.code == 0, again.err
    (second,) = again.records()
    assert second["infohash"] != record["infohash"]  # the profile edit made another torrent
    assert (second["status"], second["torrent_id"]) == ("exists", record["torrent_id"])
    assert len(world.posts()) == 1


def test_other_files_under_the_same_title_are_still_uploaded(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    shutil.rmtree(world.state)
    with release.open("ab") as f:
        f.write(b"\0" * 1024)  # other content: another size
    past = time.time() - 60
    os.utime(release, (past, past))
    again = world.cli("upload", "--json", "--ignore-warnings", str(release))
    (second,) = again.records()
    assert second["status"] == "uploaded", again.err
    assert len(world.posts()) == 2
    assert second["torrent_id"] != first.records()[0]["torrent_id"]


def test_check_after_upload_keeps_the_journals_uploaded_state(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    check = world.cli("check", "--json", "--ignore-warnings", str(release))
    assert check.records()[0]["status"] == "checked", check.err
    (status,) = world.cli("status", "--json").records()
    assert (status["status"], status["torrent_id"]) == (
        "uploaded", first.records()[0]["torrent_id"])
    again = world.cli("upload", "--json", str(release))
    assert again.records()[0]["status"] == "exists"
    assert len(world.posts()) == 1
