"""Migration 004: every upload from a path is kept; in-progress records know their process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from uploader import journal as j


def test_uploads_made_before_004_are_kept_as_history(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    for name, migrate in j.MIGRATIONS[:3]:
        migrate(old)
        old.execute("INSERT INTO migrations VALUES (?, 1.0)", (name,))
    old.execute("INSERT INTO releases (path, state, torrent_id, infohash, uploaded_at,"
                " created_at, updated_at) VALUES ('/a', 'uploaded', '77', 'ab', 5.0, 1, 1)")
    old.execute("INSERT INTO releases (path, state, created_at, updated_at)"
                " VALUES ('/b', 'building', 1, 1)")
    old.close()
    with j.Journal(path) as journal:
        done, building = journal.releases()
        assert journal.uploads(done.id) == [j.Upload("77", "ab", 5.0, None)]
        assert journal.uploads(building.id) == []
        # Written by a version that recorded no owner: that process is gone.
        assert building.as_seen().state == j.INTERRUPTED
        assert done.as_seen().state == j.UPLOADED


def test_replaced_upload_stays_in_the_history(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        rec = journal.start("/a", "fp1")
        rec = journal.update(rec.id, state=j.UPLOADED, torrent_id="77", uploaded_at=5.0)
        journal.keep_upload(rec)
        rec = journal.update(rec.id, state=j.UPLOADED, torrent_id="88", uploaded_at=9.0)
        journal.keep_upload(rec)
        journal.mark_replaced(rec.id, "77", "88")
        assert [(u.torrent_id, u.replaced_by) for u in journal.uploads(rec.id)] == [
            ("77", "88"), ("88", None)]
        assert journal.uploads(rec.id)[0].to_json()["uploaded_at"] == "1970-01-01T00:00:05Z"


def test_in_progress_reads_interrupted_only_when_its_process_is_gone(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        mine = journal.update(journal.start("/a", "fp").id, state=j.BUILDING)
        assert mine.owner_pid == os.getpid()
        assert mine.as_seen().state == j.BUILDING  # this process is alive
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
        gone = journal.update(mine.id, owner_pid=int(dead.stdout))
        assert gone.as_seen().state == j.INTERRUPTED
        # Same pid, another process (pid reuse): the start time tells them apart.
        reused = journal.update(mine.id, owner_pid=os.getpid(), owner_started="1")
        assert reused.as_seen().state == j.INTERRUPTED
        retried = journal.reset_for_retry(mine.id)
        assert retried.as_seen().state == j.QUEUED  # waiting for someone to take it
