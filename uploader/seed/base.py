"""What every seeding client adapter offers, whatever its protocol.

One adapter per client (`qbittorrent.py`, `transmission.py`, `deluge.py`, `rtorrent.py`), each
over the well-kept library made for it. An adapter translates its library's errors into
`SeedClientError` / `SeedAuthError` in one place and never puts the password into a message.
The handoff logic (add, then poll until seeding) lives in `uploader.seed.handoff`, once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from uploader.secret import Secret

# Normalised phases of a torrent in a client.
CHECKING = "checking"        # hashing the files it found (or queued for that)
DOWNLOADING = "downloading"  # below 100 % and wanting data: it does not have the files
SEEDING = "seeding"          # complete and uploading (or ready to: active, not paused)
PAUSED = "paused"            # stopped by the user or the client's settings
ERROR = "error"              # the client reports an error (missing files, permission denied)
PHASES = (CHECKING, DOWNLOADING, SEEDING, PAUSED, ERROR)


@dataclass(frozen=True)
class ClientConfig:
    """A client as `--seed-client URL` names it; the password comes from the environment."""

    kind: str                # qbittorrent, transmission, deluge, rtorrent
    host: str
    port: int
    username: str | None = None
    password: Secret | None = field(default=None, repr=True)  # Secret's repr hides it
    tls: bool = False
    path: str | None = None  # transmission's RPC path, rtorrent+http's XML-RPC path
    scgi: bool = False       # rtorrent over SCGI (rtorrent://) rather than HTTP
    timeout: float = 30.0    # seconds for one request, all of it (connect, send, answer)

    def display(self) -> str:
        """Where the client is, for messages: never the password."""
        scheme = self.kind + ("+https" if self.tls else "")
        if self.kind == "rtorrent" and not self.scgi:
            scheme = "rtorrent+" + ("https" if self.tls else "http")
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}{self.path or ''}"


@dataclass(frozen=True)
class TorrentStatus:
    """One torrent as the client sees it."""

    infohash: str
    phase: str               # one of PHASES
    progress: float          # 0.0 .. 1.0 of the wanted data present and verified
    save_path: str           # the folder the client saves into (content is below it)
    error: str | None = None  # the client's own error text, when phase is ERROR
    raw_state: str = ""      # the client's own state name, for messages and debugging


@dataclass(frozen=True)
class ClientInfo:
    version: str
    default_save_path: str


class ClientBase:
    """What every adapter shares: how it names itself in messages, closing as a context
    manager, and finding the infohash of the bytes it is asked to add."""

    kind: str
    label: str  # the client's own name, for messages: "qBittorrent"
    config: ClientConfig

    @property
    def _subject(self) -> str:
        return f"{self.label} at {self.config.display()}"

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ClientBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.display()})"

    def _torrent_infohash(self, torrent: bytes) -> str:
        from uploader.exceptions import SeedClientError

        infohash = infohash_of(torrent)
        if infohash is None:
            raise SeedClientError(f"{self._subject}: the data to add is not a torrent — "
                                  "this is a bug: report it", client=self.kind)
        return infohash


class SeedClient(Protocol):
    """A connected client. Every method raises only `SeedClientError` / `SeedAuthError`."""

    kind: str

    def info(self) -> ClientInfo:
        """The client's version and its default save (download) folder."""
        ...

    def add(self, torrent: bytes, *, save_path: str, category: str | None = None,
            tags: tuple[str, ...] = (), skip_check: bool = False) -> None:
        """Add the torrent from memory, started (not paused), original content layout, saving
        into `save_path` (the folder that holds the release). Adding a torrent the client
        already has is not an error (the call is repeated after a lost answer or a rerun)."""
        ...

    def status(self, infohash: str) -> TorrentStatus | None:
        """The torrent by its v1 infohash (40 hex, lower case), or None when not there."""
        ...

    def resume(self, infohash: str) -> None:
        """Start a torrent the client holds paused/stopped."""
        ...

    def remove(self, infohash: str) -> None:
        """Drop the torrent from the client, keeping its files (used by `seed test`'s probe)."""
        ...

    def close(self) -> None: ...


def infohash_of(torrent: bytes) -> str | None:
    """The v1 infohash (40 lower-case hex) of .torrent bytes: the SHA-1 of the `info` value's
    exact bytes. None when it is not a bencoded dict with an `info`. Adapters use it to find
    the torrent they just added."""
    try:
        if torrent[:1] != b"d":
            return None
        pos = 1
        while torrent[pos:pos + 1] != b"e":
            key, pos = _bstring(torrent, pos)
            end = _bskip(torrent, pos)
            if key == b"info":
                return hashlib.sha1(torrent[pos:end]).hexdigest()  # noqa: S324 - v1
            pos = end
    except (ValueError, IndexError, RecursionError):
        return None
    return None


def _bstring(data: bytes, pos: int) -> tuple[bytes, int]:
    colon = data.index(b":", pos)
    length = int(data[pos:colon])
    end = colon + 1 + length
    if length < 0 or end > len(data):
        raise ValueError("a string runs past the end")
    return data[colon + 1:end], end


def _bskip(data: bytes, pos: int) -> int:
    """The position just after the bencoded value that starts at `pos`."""
    lead = data[pos:pos + 1]
    if lead == b"i":
        return data.index(b"e", pos) + 1
    if lead in (b"l", b"d"):
        pos += 1
        while data[pos:pos + 1] != b"e":
            if pos >= len(data):
                raise ValueError("an unterminated list or dict")
            pos = _bskip(data, pos)
        return pos + 1
    if lead.isdigit():
        return _bstring(data, pos)[1]
    raise ValueError(f"unexpected {lead!r}")
