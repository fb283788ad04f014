"""Every failure the tool reports is an `UploaderError`.

Messages read "subject: problem — what to do". Foreign errors (httpx, torf, pymediainfo,
yaml, sqlite3) are translated into these at one border each; the command line maps them to
exit codes in one place (`uploader.cli`).

    UploaderError
    ├── ConfigError ................ exit 2: bad option, bad path, missing folder
    │   └── ProfileError ........... a profile file is wrong (file, line, column, key)
    ├── AuthError .................. exit 3: API key missing, or refused (401)
    ├── ApiError ................... the site answered with an error (status, payload)
    │   ├── ValidationError ........ 400 with `validate_errors` (field path + message each)
    │   ├── ChecksError ............ 400 with `fails` / `warns` (and `bad_torrents`)
    │   ├── ForbiddenError ......... 403
    │   ├── NotFoundError .......... 404
    │   ├── RateLimitedError ....... 429 (`retry_after` from JSON or `Retry-After`)
    │   └── ServerError ............ 5xx
    ├── TransportError ............. no answer: timeout, refused or dropped connection
    ├── TorrentError ............... building or reading a .torrent failed
    │   └── PrivateAnnounceError ... a private announce URL would leak the key (also ConfigError)
    ├── MediainfoError ............. libmediainfo could not read a file
    ├── JournalError ............... exit 2: the state database is unusable
    ├── SeedClientError ............ the seeding client is unreachable, failed or cannot seed
    │   └── SeedAuthError .......... the seeding client refused its login
    └── CancelledError ............. shutdown requested while work was running
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


class UploaderError(Exception):
    """Base of every error this tool raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(UploaderError):
    """Usage or configuration is wrong; nothing was attempted."""

    exit_code = 2


class ProfileError(ConfigError):
    """A profile file is invalid. `str()` reads `file:line:col: key.path: problem`."""

    def __init__(
        self,
        problem: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = Path(file) if file is not None else None
        self.line = line
        self.column = column
        self.key = key
        where = ""
        if self.file is not None:
            where = str(self.file)
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        subject = f"{key}: " if key else ""
        super().__init__(f"{where}{subject}{problem}")


class AuthError(UploaderError):
    """The API key is missing, or the site refused it (401)."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ApiError(UploaderError):
    """The site answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        payload: Any = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.payload = payload
        self.method = method
        self.path = path


class ValidationError(ApiError):
    """400 with `validate_errors`: each entry is (field path, message)."""

    def __init__(self, message: str, *, errors: Sequence[tuple[str, str]], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = list(errors)


class ChecksError(ApiError):
    """400 with `fails` / `warns`, from upload, checks or edits."""

    def __init__(
        self,
        message: str,
        *,
        fails: Sequence[str] = (),
        warns: Sequence[str] = (),
        bad_torrents: Sequence[str] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.fails = list(fails)
        self.warns = list(warns)
        self.bad_torrents = list(bad_torrents)


class ForbiddenError(ApiError):
    """403: the key's user may not do this."""

    @property
    def waiting_for_approval(self) -> bool:
        """The site's 403 for a torrent hidden until staff approve it (new accounts' uploads)."""
        return "waiting for approval" in self.message.lower()


class NotFoundError(ApiError):
    """404: no such torrent, group, user or invite."""


class RateLimitedError(ApiError):
    """429: wait `retry_after` seconds (from the JSON body or the Retry-After header)."""

    def __init__(self, message: str, *, retry_after: float | None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the site failed; reads may be retried."""


class TransportError(UploaderError):
    """No usable answer: timeout, connection refused or dropped."""

    def __init__(self, message: str, *, method: str = "", path: str = "", sent: bool = False):
        super().__init__(message)
        self.method = method
        self.path = path
        # True when the request may have reached the site (the answer was lost).
        self.sent = sent


class TorrentError(UploaderError):
    """Building or reading a torrent failed."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class PrivateAnnounceError(TorrentError, ConfigError):
    """A tracker URL carries a torrent key; it must never go into an uploaded torrent.

    Also a ConfigError (exit 2): the fix is in the profile's trackers.
    """

    def __init__(self, message: str, *, url_hint: str) -> None:
        super().__init__(message)
        # The URL with its key masked, safe to print.
        self.url_hint = url_hint


class MediainfoError(UploaderError):
    """libmediainfo could not read a file."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class JournalError(UploaderError):
    """The state database cannot be opened, read or written (a configuration problem of the
    state dir: exit 2)."""

    exit_code = 2


class SeedClientError(UploaderError):
    """The torrent client that should seed a release: unreachable, failing, or stuck.

    `client` is the client's kind (`qbittorrent`, `transmission`, `deluge`, `rtorrent`).
    Messages never contain the client's password (`uploader.seed` redacts it at its border).
    """

    def __init__(self, message: str, *, client: str = "") -> None:
        super().__init__(message)
        self.client = client


class SeedAuthError(SeedClientError):
    """The seeding client refused the user name or password (exit 3 where it ends a command)."""

    exit_code = 3


class CancelledError(UploaderError):
    """Shutdown was requested while work was running."""

    exit_code = 130
