"""A damaged journal is a clear configuration error (exit 2) that says to move it aside."""

from __future__ import annotations

import sqlite3

import pytest
from e2e_world import World

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


def scramble_text(path: object) -> None:
    """Valid pages, undecodable contents: a title that is not UTF-8, events not JSON."""
    db = sqlite3.connect(str(path))
    db.execute("UPDATE releases SET title = CAST(X'FFFE00' AS TEXT)")
    db.execute("UPDATE events SET detail = '{not json'")
    db.commit()
    db.close()


def not_a_database(path: object) -> None:
    with open(str(path), "r+b") as f:
        f.write(b"this is not an SQLite file at all" * 4)


@pytest.mark.parametrize("damage", [scramble_text, not_a_database])
def test_status_and_upload_say_move_it_aside(world: World, damage: object) -> None:
    release = world.release(V2)
    assert world.cli("upload", "--json", str(release)).code == 0
    journal = world.state / "journal.sqlite3"
    for suffix in ("-wal", "-shm"):
        (world.state / f"journal.sqlite3{suffix}").unlink(missing_ok=True)
    damage(journal)  # type: ignore[operator]
    for args in (("status",), ("status", "--json"), ("upload", "--json", str(release))):
        run = world.cli(*args)
        assert run.code == 2, (args, run.out, run.err)
        assert "Traceback" not in run.err
        assert "move it aside" in run.err
        assert str(journal) in run.err
    assert len(world.posts()) == 1
