"""The journal keeps every release and transition, survives reopening, and migrates once."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from uploader import journal as j
from uploader.exceptions import JournalError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_lifecycle_recorded_and_reopened(tmp_path: Path) -> None:
    db = tmp_path / "state" / "journal.sqlite3"
    with j.Journal(db, clock=FakeClock()) as journal:
        rec = journal.start("/srv/in/a.mkv", "fp1")
        assert rec.state == j.QUEUED
        journal.update(rec.id, state=j.BUILDING)
        journal.update(rec.id, state=j.CHECKING, infohash="ab" * 20, title="[G] A - 01")
        journal.record(rec.id, "request", {"method": "PUT", "path": "/upload/checks"})
        journal.update(rec.id, state=j.UPLOADED, torrent_id="123456789012345678",
                       warns=["w1"], upgraded=["9"], waiting_approve=False,
                       detail={"answer": {"id": "123456789012345678"}})
    with j.Journal(db) as journal:
        (again,) = journal.releases()
        assert again.state == j.UPLOADED
        assert again.torrent_id == "123456789012345678"
        assert again.warns == ["w1"]
        assert again.upgraded == ["9"]
        assert again.waiting_approve is False
        kinds = [(e.state, e.kind) for e in journal.events(again.id)]
        assert kinds == [
            (j.QUEUED, "created"), (j.BUILDING, "state"), (j.CHECKING, "state"),
            (j.CHECKING, "request"), (j.UPLOADED, "state"),
        ]
        assert journal.events(again.id)[-1].detail == {"answer": {"id": "123456789012345678"}}
        assert journal.applied_migrations() == ["001_initial", "002_bad_torrents", "003_seeding",
                                                "004_uploads_owner", "005_preview"]


def test_json_record_has_product_schema(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        rec = journal.start("/x", "fp")
        record = journal.get(rec.id).to_json()
    for key in ("path", "status", "title", "profile", "infohash", "torrent_id", "torrent_file",
                "warns", "fails", "upgraded", "error"):
        assert key in record
    assert record["status"] == "queued"
    assert record["warns"] == []


def test_changed_fingerprint_resets_failed_but_not_done_or_in_doubt(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        failed = journal.start("/f", "1")
        journal.update(failed.id, state=j.REJECTED, permanent=True, error="checks failed")
        assert journal.start("/f", "2").state == j.QUEUED
        assert journal.get(failed.id).permanent is False

        done = journal.start("/d", "1")
        journal.update(done.id, state=j.UPLOADED)
        assert journal.start("/d", "2").state == j.UPLOADED

        doubt = journal.start("/u", "1")
        journal.update(doubt.id, state=j.UPLOADING)
        assert journal.start("/u", "2").state == j.UPLOADING


def test_retry_resets_permanent_failure_and_refuses_done(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        rec = journal.start("/f", "1")
        journal.update(rec.id, state=j.FAILED, permanent=True, error="bad", attempts=3)
        again = journal.reset_for_retry(rec.id)
        assert (again.state, again.permanent, again.error, again.attempts) == (
            j.QUEUED, False, None, 0)
        journal.update(rec.id, state=j.EXISTS)
        with pytest.raises(JournalError, match="already exists — nothing to retry"):
            journal.reset_for_retry(rec.id)


def test_file_is_private_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "s" / "j.db"
    j.Journal(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_unknown_field_and_missing_release(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        rec = journal.start("/f", "1")
        with pytest.raises(ValueError, match="unknown journal fields"):
            journal.update(rec.id, api_key="x")
        with pytest.raises(JournalError, match="release 999 does not exist"):
            journal.update(999, state=j.FAILED)


def test_failed_write_rolls_back(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.db") as journal:
        rec = journal.start("/f", "1")

        def fail_midway() -> None:
            with journal._tx() as db:
                db.execute("UPDATE releases SET state = 'failed' WHERE id = ?", (rec.id,))
                raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            fail_midway()
        assert journal.get(rec.id).state == j.QUEUED


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot open it"):
        j.Journal(blocker / "j.db")


def test_a_journal_from_an_older_version_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    j._m001_initial(old)
    old.execute("INSERT INTO migrations VALUES ('001_initial', 1.0)")
    old.execute("INSERT INTO releases (path, state, created_at, updated_at) "
                "VALUES ('/old', 'uploaded', 1, 1)")
    old.close()
    with j.Journal(path) as journal:
        assert journal.applied_migrations() == ["001_initial", "002_bad_torrents", "003_seeding",
                                                "004_uploads_owner", "005_preview"]
        (record,) = journal.releases()
        assert (record.path, record.state, record.bad_torrents) == ("/old", "uploaded", [])
        journal.update(record.id, bad_torrents=["9"])
        assert journal.get(record.id).to_json()["bad_torrents"] == ["9"]
    with j.Journal(path) as journal:  # applied once: reopening changes nothing
        assert journal.applied_migrations() == ["001_initial", "002_bad_torrents", "003_seeding",
                                                "004_uploads_owner", "005_preview"]


def test_a_damaged_journal_is_a_clear_error(tmp_path: Path) -> None:
    journal = j.Journal(tmp_path / "j.db")
    journal.start("/f", "1")
    journal._db.execute("DROP TABLE releases")  # what a damaged or foreign file looks like
    with pytest.raises(JournalError, match="read failed"):
        journal.releases()
    journal.close()
