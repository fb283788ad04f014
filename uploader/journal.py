"""The journal: every release, its state transitions, requests and the site's answers (SQLite, WAL).

Nothing is lost: a crash at any instant leaves the last committed state, and a release recorded
as `uploading` is "in doubt" — resolved at the next run by asking the site for its infohash,
never by uploading again blindly. The API key is never written here.

Schema changes are ordered, named migration functions, each applied in one transaction together
with its bookkeeping row (as sqlite-utils does).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from uploader.exceptions import JournalError
from uploader.processes import process_alive, process_started
from uploader.settings import ensure_private_dir

# Release states. PRODUCT.md fixes the final ones and the in-progress ones `status` may show.
QUEUED = "queued"
BUILDING = "building"
CHECKING = "checking"
CHECKED = "checked"
UPLOADING = "uploading"  # POST may have reached the site: resolve by infohash before anything
UPLOADED = "uploaded"
EXISTS = "exists"
REJECTED = "rejected"
FAILED = "failed"

# Event kind: the release at this path now has other content (another infohash) than the one
# uploaded or attempted before; what came before it is history, not this upload's.
NEW_CONTENT = "new_content"

# Not stored: what `status` shows for an in-progress state whose process is gone.
INTERRUPTED = "interrupted"

IN_PROGRESS = frozenset({QUEUED, BUILDING, CHECKING, UPLOADING})
DONE = frozenset({UPLOADED, EXISTS})


def _m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            fingerprint TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            title TEXT,
            profile TEXT,
            infohash TEXT,
            site_infohash TEXT,
            torrent_id TEXT,
            torrent_file TEXT,
            warns TEXT NOT NULL DEFAULT '[]',
            fails TEXT NOT NULL DEFAULT '[]',
            upgraded TEXT NOT NULL DEFAULT '[]',
            error TEXT,
            permanent INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            waiting_approve INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            at REAL NOT NULL,
            state TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    db.execute("CREATE INDEX events_release ON events(release_id, id)")
    db.execute("CREATE INDEX releases_infohash ON releases(infohash)")


def _m002_bad_torrents(db: sqlite3.Connection) -> None:
    # Old torrents the site would not let us mark as upgraded (bulk edit's `bad_torrents`).
    db.execute("ALTER TABLE releases ADD COLUMN bad_torrents TEXT NOT NULL DEFAULT '[]'")


def _m003_seeding(db: sqlite3.Connection) -> None:
    # The seeding follow-up's outcome (SEED_STATES), the client (never its password), and why
    # it failed; and when the site says the torrent was uploaded (epoch seconds).
    db.execute("ALTER TABLE releases ADD COLUMN seeding_state TEXT NOT NULL DEFAULT 'none'")
    db.execute("ALTER TABLE releases ADD COLUMN seeding_client TEXT")
    db.execute("ALTER TABLE releases ADD COLUMN seeding_error TEXT")
    db.execute("ALTER TABLE releases ADD COLUMN uploaded_at REAL")


def _m004_uploads_owner(db: sqlite3.Connection) -> None:
    # Every upload ever made from a path (a release's record moves on to new content; its
    # earlier torrents stay here), and which process works on an in-progress release (pid and
    # its start time, so `status` can tell a live one from one interrupted by a crash).
    db.execute(
        """
        CREATE TABLE uploads (
            id INTEGER PRIMARY KEY,
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            torrent_id TEXT NOT NULL,
            infohash TEXT,
            fingerprint TEXT NOT NULL DEFAULT '',
            uploaded_at REAL,
            replaced_by TEXT,
            UNIQUE (release_id, torrent_id)
        )
        """
    )
    db.execute(
        "INSERT INTO uploads (release_id, torrent_id, infohash, fingerprint, uploaded_at)"
        " SELECT id, torrent_id, infohash, fingerprint, uploaded_at FROM releases"
        " WHERE state IN ('uploaded', 'exists') AND torrent_id IS NOT NULL"
    )
    db.execute("ALTER TABLE releases ADD COLUMN owner_pid INTEGER")
    db.execute("ALTER TABLE releases ADD COLUMN owner_started TEXT")


def _m005_preview(db: sqlite3.Connection) -> None:
    # A checked release's preview (uploader.preview): the exact POST /upload body without the
    # torrent, and what the terminal shows beside it. JSON; NULL until checked.
    db.execute("ALTER TABLE releases ADD COLUMN preview TEXT")


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("001_initial", _m001_initial),
    ("002_bad_torrents", _m002_bad_torrents),
    ("003_seeding", _m003_seeding),
    ("004_uploads_owner", _m004_uploads_owner),
    ("005_preview", _m005_preview),
]

# The `seeding` record's states (PRODUCT.md): confirmed by the client, failed (retried by the
# next run), handed off without confirmation (a watch folder, or --seed-timeout 0), none.
SEEDING, SEED_FAILED, SEED_PENDING, SEED_NONE = "seeding", "failed", "pending", "none"

_LIST_FIELDS = ("warns", "fails", "upgraded", "bad_torrents")
_FIELDS = (
    "fingerprint", "state", "title", "profile", "infohash", "site_infohash", "torrent_id",
    "torrent_file", "warns", "fails", "upgraded", "error", "permanent", "attempts",
    "waiting_approve", "bad_torrents", "seeding_state", "seeding_client", "seeding_error",
    "uploaded_at", "owner_pid", "owner_started", "preview",
)


@dataclass(frozen=True)
class ReleaseRecord:
    id: int
    path: str
    state: str
    fingerprint: str = ""
    title: str | None = None
    profile: str | None = None
    infohash: str | None = None
    site_infohash: str | None = None
    torrent_id: str | None = None
    torrent_file: str | None = None
    warns: list[str] = field(default_factory=list)
    fails: list[str] = field(default_factory=list)
    upgraded: list[str] = field(default_factory=list)
    error: str | None = None
    permanent: bool = False
    attempts: int = 0
    waiting_approve: bool | None = None
    bad_torrents: list[str] = field(default_factory=list)
    seeding_state: str = "none"
    seeding_client: str | None = None
    seeding_error: str | None = None
    uploaded_at: float | None = None
    owner_pid: int | None = None
    owner_started: str | None = None
    preview: dict[str, Any] | None = None  # set when checked (uploader.preview)
    # Reported as `failed` while the journal still says `uploading` (runner.settled); not
    # stored: the journal's own state says it.
    in_doubt: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0

    def as_seen(self) -> ReleaseRecord:
        """The record as `status` shows it: an in-progress state whose process is gone reads
        `interrupted` (the next run resumes or resolves it, by infohash when in doubt)."""
        if self.state not in IN_PROGRESS:
            return self
        if self.owner_pid is None:
            # Queued by `status --retry` (no one has taken it yet), or written before owners
            # were recorded (that process is long gone).
            gone = self.state != QUEUED
        else:
            gone = not process_alive(self.owner_pid, self.owner_started)
        return replace(self, state=INTERRUPTED) if gone else self

    @property
    def followups_failed(self) -> bool:
        """Uploaded (or there already), but seeding or upgrade marking did not complete."""
        return self.state in DONE and bool(self.error)

    def to_json(self) -> dict[str, Any]:
        """The `--json` record of PRODUCT.md."""
        preview = self.preview if self.state == CHECKED else None
        return {
            "path": self.path,
            "status": self.state,
            "title": self.title,
            "profile": self.profile,
            "infohash": self.infohash,
            "torrent_id": self.torrent_id,
            "torrent_file": self.torrent_file,
            "warns": list(self.warns),
            "fails": list(self.fails),
            "upgraded": list(self.upgraded),
            "bad_torrents": list(self.bad_torrents),
            "error": self.error,
            "journal_id": self.id,
            "waiting_approve": self.waiting_approve,
            "seeding": {"state": self.seeding_state, "client": self.seeding_client,
                        "error": self.seeding_error},
            "uploaded_at": _iso(self.uploaded_at) if self.state in DONE else None,
            "updated_at": self.updated_at,
            # check / dry run: the exact POST /upload body without `torrent`.
            "in_doubt": self.in_doubt or self.state == UPLOADING,
            "payload": preview.get("payload") if preview else None,
            "detected": preview.get("detected") if preview else None,
        }


@dataclass(frozen=True)
class Upload:
    """One torrent uploaded from a release's path (the current one, or an earlier content)."""

    torrent_id: str
    infohash: str | None
    uploaded_at: float | None
    replaced_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {"torrent_id": self.torrent_id, "infohash": self.infohash,
                "uploaded_at": _iso(self.uploaded_at), "replaced_by": self.replaced_by}


def _iso(epoch: float | None) -> str | None:
    """ISO 8601 in UTC, as the `uploaded_at` field of `--json` records."""
    if epoch is None:
        return None
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


@dataclass(frozen=True)
class Event:
    at: float
    state: str
    kind: str
    detail: dict[str, Any]


class Journal:
    """One SQLite file; safe to share between the threads of one process."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        try:
            ensure_private_dir(path.parent)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                       timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # an answer recorded is an answer kept
            self._db.execute("PRAGMA foreign_keys=ON")
            path.chmod(0o600)
            self._migrate()
        except (sqlite3.Error, OSError, ValueError) as exc:
            if _damaged(exc):
                raise JournalError(_damaged_message(path, exc)) from None
            raise JournalError(
                f"journal {path}: cannot open it ({exc}) — check the state dir "
                "(--state-dir / NEKOBT_STATE_DIR) is writable and not on a network share"
            ) from None

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Journal:
        return cls(state_dir / "journal.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if _damaged(exc):
                    raise JournalError(_damaged_message(self.path, exc)) from None
                raise JournalError(f"journal {self.path}: write failed ({exc})") from None

    def _migrate(self) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL)"
        )
        done = {row[0] for row in self._db.execute("SELECT name FROM migrations")}
        for name, migrate in MIGRATIONS:
            if name in done:
                continue
            with self._tx() as db:
                migrate(db)
                db.execute("INSERT INTO migrations VALUES (?, ?)", (name, self._clock()))

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except (sqlite3.Error, ValueError) as exc:  # ValueError: undecodable text / JSON
                if _damaged(exc):
                    raise JournalError(_damaged_message(self.path, exc)) from None
                raise JournalError(f"journal {self.path}: read failed ({exc})") from None

    def applied_migrations(self) -> list[str]:
        with self._read() as db:
            return [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")]

    # -- releases -----------------------------------------------------------------------------

    def start(self, path: str, fingerprint: str) -> ReleaseRecord:
        """The record for `path`, created as queued. A changed fingerprint resets it.

        A release that is done (uploaded/exists) keeps its record even when the fingerprint
        changed: re-uploading the same path is the caller's decision (by infohash).
        """
        now = self._clock()
        pid = os.getpid()
        with self._tx() as db:
            row = db.execute("SELECT * FROM releases WHERE path = ?", (path,)).fetchone()
            if row is None:
                cur = db.execute(
                    "INSERT INTO releases (path, fingerprint, state, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (path, fingerprint, QUEUED, now, now),
                )
                release_id = int(cur.lastrowid or 0)
                self._event(db, release_id, QUEUED, "created", {"fingerprint": fingerprint})
            else:
                release_id = int(row["id"])
                if row["fingerprint"] != fingerprint and row["state"] not in DONE | {UPLOADING}:
                    db.execute(
                        "UPDATE releases SET fingerprint = ?, state = ?, permanent = 0,"
                        " attempts = 0, error = NULL, updated_at = ? WHERE id = ?",
                        (fingerprint, QUEUED, now, release_id),
                    )
                    self._event(db, release_id, QUEUED, "changed", {"fingerprint": fingerprint})
            # This process works on it now (`status` shows `interrupted` once it is gone).
            db.execute("UPDATE releases SET owner_pid = ?, owner_started = ? WHERE id = ?",
                       (pid, process_started(pid), release_id))
        return self.get(release_id)

    def update(self, release_id: int, *, kind: str = "state",
               detail: dict[str, Any] | None = None, **fields: Any) -> ReleaseRecord:
        """Set fields (and maybe state) and append one event, in one transaction."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key in _LIST_FIELDS:
                value = json.dumps(list(value), ensure_ascii=False)
            elif key == "preview" and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            elif key in ("permanent", "waiting_approve") and value is not None:
                value = int(bool(value))
            values[key] = value
        values["updated_at"] = self._clock()
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE releases SET {assignments} WHERE id = ?",  # noqa: S608 - names from _FIELDS
                (*values.values(), release_id),
            )
            if cur.rowcount != 1:
                raise JournalError(f"journal: release {release_id} does not exist")
            state = fields.get("state") or db.execute(
                "SELECT state FROM releases WHERE id = ?", (release_id,)
            ).fetchone()[0]
            self._event(db, release_id, state, kind, detail or {})
        return self.get(release_id)

    def record(self, release_id: int, kind: str, detail: dict[str, Any]) -> None:
        """Append an event (a request sent, an answer received) without changing the release."""
        with self._tx() as db:
            state = db.execute("SELECT state FROM releases WHERE id = ?", (release_id,)).fetchone()
            if state is None:
                raise JournalError(f"journal: release {release_id} does not exist")
            self._event(db, release_id, state[0], kind, detail)

    def _event(self, db: sqlite3.Connection, release_id: int, state: str, kind: str,
               detail: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO events (release_id, at, state, kind, detail) VALUES (?, ?, ?, ?, ?)",
            (release_id, self._clock(), state, kind,
             json.dumps(detail, ensure_ascii=False, default=str)),
        )

    def get(self, release_id: int) -> ReleaseRecord:
        with self._read() as db:
            row = db.execute("SELECT * FROM releases WHERE id = ?", (release_id,)).fetchone()
            if row is None:
                raise JournalError(f"journal: release {release_id} does not exist")
            return _to_record(row)

    def find(self, path: str) -> ReleaseRecord | None:
        with self._read() as db:
            row = db.execute("SELECT * FROM releases WHERE path = ?", (path,)).fetchone()
            return _to_record(row) if row is not None else None

    def releases(self) -> list[ReleaseRecord]:
        with self._read() as db:
            rows = db.execute("SELECT * FROM releases ORDER BY id").fetchall()
            return [_to_record(row) for row in rows]

    def current_events(self, release_id: int) -> list[Event]:
        """Events of the release's current content: those after its last `new_content`."""
        events = self.events(release_id)
        starts = [i for i, e in enumerate(events) if e.kind == NEW_CONTENT]
        return events[starts[-1] + 1:] if starts else events

    def events(self, release_id: int) -> list[Event]:
        with self._read() as db:
            rows = db.execute(
                "SELECT at, state, kind, detail FROM events WHERE release_id = ? ORDER BY id",
                (release_id,),
            ).fetchall()
            return [Event(r["at"], r["state"], r["kind"], json.loads(r["detail"]))
                    for r in rows]

    def reset_for_retry(self, release_id: int) -> ReleaseRecord:
        """Make a failed/rejected release eligible again (`status --retry ID`)."""
        record = self.get(release_id)
        if record.state in DONE:
            raise JournalError(
                f"journal: release {release_id} is already {record.state} — nothing to retry"
            )
        return self.update(release_id, state=QUEUED, permanent=False, error=None, attempts=0,
                           owner_pid=None, owner_started=None, kind="retry")

    # -- uploads made from a path -------------------------------------------------------------

    def keep_upload(self, record: ReleaseRecord) -> None:
        """Remember the upload `record` now describes (kept when its path gets new content)."""
        if record.state not in DONE or not record.torrent_id:
            return
        with self._tx() as db:
            db.execute(
                "INSERT INTO uploads (release_id, torrent_id, infohash, fingerprint, uploaded_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (release_id, torrent_id) DO UPDATE SET"
                " infohash = excluded.infohash, fingerprint = excluded.fingerprint,"
                " uploaded_at = excluded.uploaded_at",
                (record.id, record.torrent_id, record.infohash, record.fingerprint,
                 record.uploaded_at),
            )

    def mark_replaced(self, release_id: int, old_id: str, new_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE uploads SET replaced_by = ? WHERE release_id = ? AND torrent_id = ?",
                       (new_id, release_id, old_id))

    def uploads(self, release_id: int) -> list[Upload]:
        """Every torrent uploaded from this release's path, oldest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT torrent_id, infohash, uploaded_at, replaced_by FROM uploads"
                " WHERE release_id = ? ORDER BY id", (release_id,)).fetchall()
        return [Upload(r["torrent_id"], r["infohash"], r["uploaded_at"], r["replaced_by"])
                for r in rows]


def _damaged(exc: BaseException) -> bool:
    """Damage, as opposed to a locked, missing or unwritable file."""
    if isinstance(exc, ValueError):  # text or JSON that does not decode
        return True
    if isinstance(exc, sqlite3.OperationalError):  # locked, unwritable — unless it is this:
        return any(word in str(exc).lower() for word in ("decode", "malformed"))
    return isinstance(exc, sqlite3.DatabaseError)


def _damaged_message(path: Path, exc: BaseException) -> str:
    what = "".join(c if c.isprintable() else "?" for c in str(exc).split(" with text ")[0])
    return (f"journal {path}: damaged ({what[:120]}) — move it "
            f"aside (mv '{path}' '{path}.broken') and run again: a new journal starts, and "
            "the site is asked by infohash before any upload, so nothing is uploaded twice")


def _to_record(row: sqlite3.Row) -> ReleaseRecord:
    data = dict(row)
    for key in _LIST_FIELDS:
        data[key] = json.loads(data[key])
    data["permanent"] = bool(data["permanent"])
    if data["preview"] is not None:
        data["preview"] = json.loads(data["preview"])
    if data["waiting_approve"] is not None:
        data["waiting_approve"] = bool(data["waiting_approve"])
    return ReleaseRecord(**data)
