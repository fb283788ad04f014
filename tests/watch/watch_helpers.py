"""Test doubles at the daemon's edge: a clock moved by hand, and a processor standing in for
the pipeline (real journal, scripted site outcomes, every call recorded)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uploader import journal as J
from uploader.exceptions import AuthError, CancelledError, ConfigError
from uploader.journal import Journal, ReleaseRecord
from uploader.pipeline import Prepared, fingerprint


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Torrent:
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeProfile:
    """What the daemon reads of a profile: its tag and its exclude globs."""

    tag: str
    torrent: Torrent = field(default_factory=Torrent)


class FakeProcessor:
    """Plays the pipeline: `[Tag] ...` names need a profile with that tag; the site's answer
    for a release is scripted by name: "ok" (default), "fail" (transient), "reject", "auth",
    "block" (the upload waits for `release` to be set)."""

    def __init__(self, journal: Journal, profiles: dict[str, Any] | None = None) -> None:
        self.journal = journal
        self.cancel = threading.Event()
        self.profiles: dict[str, Any] = profiles if profiles is not None else {
            "example": FakeProfile("ExampleSubs")}
        self.script: dict[str, list[str]] = {}
        self.site: Counter[str] = Counter()  # torrents the "site" stored, by release name
        self.prepared: list[str] = []
        self.published: list[str] = []
        self.hash_seconds = 0.0
        self.crash_prepare: Counter[str] = Counter()  # raise a bug this many times, by name
        self.hashing = threading.Event()
        self.publishing = threading.Event()
        self.release = threading.Event()
        self.events: list[tuple[str, str]] = []  # ("prepare"/"publish", name) start order
        self.hashing_now = 0
        self.most_hashing_at_once = 0
        self._lock = threading.Lock()

    def _log(self, kind: str, name: str) -> None:
        with self._lock:
            self.events.append((kind, name))

    def prepare(self, path: Path) -> Prepared:
        path = path.resolve()
        if self.crash_prepare[path.name] > 0:
            self.crash_prepare[path.name] -= 1
            raise RuntimeError("a bug in the pipeline")
        record = self.journal.start(str(path), fingerprint(path))
        prepared = Prepared(path, record)
        self.prepared.append(path.name)
        self._log("prepare", path.name)
        tag = path.name[1:].split("]")[0] if path.name.startswith("[") else None
        if tag not in {p.tag for p in self.profiles.values()}:
            prepared.error = ConfigError(f"{path.name}: no profile matches — add one")
        else:
            self.journal.update(record.id, state=J.BUILDING)
            with self._lock:
                self.hashing_now += 1
                self.most_hashing_at_once = max(self.most_hashing_at_once, self.hashing_now)
            self.hashing.set()
            try:
                if self.cancel.wait(self.hash_seconds):
                    prepared.error = CancelledError("shutdown requested")
            finally:
                with self._lock:
                    self.hashing_now -= 1
        prepared.record = self.journal.get(record.id)
        return prepared

    def publish(self, prepared: Prepared, mode: str) -> ReleaseRecord:
        name = prepared.path.name
        rid = prepared.record.id
        self.published.append(name)
        self._log("publish", name)
        current = self.journal.get(rid)
        if prepared.error is not None:
            return self.journal.update(
                rid, state=J.FAILED, error=str(prepared.error),
                permanent=isinstance(prepared.error, ConfigError), attempts=current.attempts + 1)
        steps = self.script.get(name, [])
        step = steps.pop(0) if steps else "ok"
        if step == "auth":
            self.journal.update(rid, state=J.FAILED, error="authentication refused (401)")
            raise AuthError("API key: refused (401)", status=401)
        if step == "reject":
            return self.journal.update(rid, state=J.REJECTED, fails=["bad title"],
                                       error="the site's checks failed", permanent=True)
        if step == "fail":
            return self.journal.update(rid, state=J.FAILED, error="site: 503 — try later",
                                       attempts=current.attempts + 1)
        self.journal.update(rid, state=J.UPLOADING)
        if step == "block":
            self.publishing.set()
            self.release.wait(30)
        if self.site[name] == 0:  # an in-doubt one already there is found, not stored again
            self.site[name] = 1
        # As the pipeline: an upload clears the error an earlier attempt left.
        return self.journal.update(rid, state=J.UPLOADED, torrent_id=str(1000 + rid),
                                   error=None, kind="finished")
