"""Odd release names through the real CLI: shell characters, newlines, 250-byte names, and
names that are not UTF-8 — never a traceback, a clear outcome for each."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from e2e_world import SAMPLE, World

PREFIX = "[ExampleSubs] Sample Show - 01v2 (1080p)"


def place(world: World, name: str | bytes) -> Path:
    folder = world.tmp / "in"
    folder.mkdir(exist_ok=True)
    raw = name if isinstance(name, bytes) else name.encode()
    dest = os.path.join(os.fsencode(folder), raw)
    shutil.copyfile(SAMPLE, dest)
    past = time.time() - 60
    os.utime(dest, (past, past))
    return Path(os.fsdecode(dest))


@pytest.mark.parametrize("name", [
    f"{PREFIX} $(touch pwned) `id`.mkv",
    f"{PREFIX} \"quoted\" 'single'.mkv",
    f"{PREFIX} new\nline.mkv",
    f"{PREFIX} {'x' * (250 - len(PREFIX) - 5)}.mkv",      # 250 bytes of ASCII
    f"{PREFIX} {'ね' * ((250 - len(PREFIX) - 5) // 3)}.mkv",  # ~250 bytes of UTF-8
])
def test_odd_but_valid_names_upload(world: World, name: str) -> None:
    release = place(world, name)
    run = world.cli("upload", "--json", "--ignore-warnings", str(release))
    assert "Traceback" not in run.err
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    torrent_file = Path(record["torrent_file"])
    assert torrent_file.is_file()
    assert len(os.fsencode(torrent_file.name)) <= 255
    assert not (world.tmp / "pwned").exists()


def test_a_name_that_is_not_utf8_is_refused_with_the_name_escaped(world: World) -> None:
    release = place(world, PREFIX.encode() + b" \xff\xfe.mkv")
    run = world.cli("upload", "--json", str(release))
    assert "Traceback" not in run.err
    assert run.code == 2
    (record,) = run.records()
    assert record["status"] == "failed"
    assert "\\xff\\xfe" in record["error"]
    assert "not valid UTF-8" in record["error"]
    assert world.posts() == []


def test_a_batch_with_one_non_utf8_file_is_refused_clearly(world: World) -> None:
    batch = world.tmp / "in" / "[ExampleSubs] ねこの話 (1080p) [Batch]"
    batch.mkdir(parents=True)
    shutil.copyfile(SAMPLE, batch / "[ExampleSubs] ねこの話 - 01 (1080p).mkv")
    shutil.copyfile(SAMPLE, os.path.join(os.fsencode(batch), b"bad \xff name.ass"))
    past = time.time() - 60
    for entry in os.scandir(os.fsencode(batch)):
        os.utime(entry.path, (past, past))
    run = world.cli("upload", "--json", str(batch))
    assert "Traceback" not in run.err
    assert run.code in (1, 2)
    (record,) = run.records()
    assert record["status"] == "failed"
    assert "bad \\xff name.ass" in record["error"]
    assert world.posts() == []


def test_watch_once_skips_a_non_utf8_release_and_uploads_the_one_beside_it(
        world: World) -> None:
    inbox = world.tmp / "inbox"
    inbox.mkdir()
    shutil.copyfile(SAMPLE, os.path.join(os.fsencode(inbox), PREFIX.encode() + b" \xff.mkv"))
    good = inbox / f"{PREFIX}.mkv"
    shutil.copyfile(SAMPLE, good)
    past = time.time() - 60
    for entry in os.scandir(os.fsencode(inbox)):
        os.utime(entry.path, (past, past))
    run = world.cli("watch", "--once", "--json", "--settle", "0", str(inbox))
    assert "Traceback" not in run.err
    assert "not valid UTF-8" in run.err
    assert [r["status"] for r in run.records()] == ["uploaded"]
    assert len(world.posts()) == 1


def test_a_release_that_is_a_symlink_keeps_its_own_name(world: World) -> None:
    target = place(world, "encode-output-1234.mkv")
    link = target.with_name(f"{PREFIX}.mkv")
    link.symlink_to(target)
    run = world.cli("upload", "--json", str(link))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["path"] == str(link)
    assert record["title"] == PREFIX
    stored = world.site.torrents[record["torrent_id"]]
    assert [f["path"] for f in stored.files] == [f"{PREFIX}.mkv"]
