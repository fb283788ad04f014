"""qBittorrent over its Web API v2, with `qbittorrent-api` (qbittorrentapi.Client).

What `add` sends, on purpose (each overrides a preference the user may have changed):

    contentLayout=Original   "Create subfolder" / "Don't create subfolder" would move the files
                             away from where the release already is (4.3.2+; the library turns
                             it into root_folder for older Web APIs)
    paused=false             ("stopped" in 5.x) "Do not start the download automatically"
    autoTMM=false            automatic management would save into the category's folder
    savepath=<folder>        the folder that holds the release

The scheme is forced from the URL (the library would otherwise try http, then https, and fall
back from one to the other), certificates are verified whatever the library's environment
variables say, and every HTTP request carries a timeout. Every library error is translated in
one place, `_errors`, and no message carries the password.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import qbittorrentapi
import requests

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import redact
from uploader.seed.base import (
    CHECKING,
    DOWNLOADING,
    ERROR,
    PAUSED,
    SEEDING,
    ClientBase,
    ClientConfig,
    ClientInfo,
    SeedClient,
    TorrentStatus,
)

KIND = "qbittorrent"

# qBittorrent's torrent states (4.1 … 5.x) and the phase each one means.
_PHASES: dict[str, str] = {
    "checkingUP": CHECKING,
    "checkingDL": CHECKING,
    "checkingResumeData": CHECKING,
    "queuedForChecking": CHECKING,   # qBittorrent < 4.1.4
    "moving": CHECKING,
    "metaDL": CHECKING,
    "forcedMetaDL": CHECKING,
    "allocating": CHECKING,
    "unknown": CHECKING,             # transient; the caller's poll is bounded
    "uploading": SEEDING,
    "stalledUP": SEEDING,
    "queuedUP": SEEDING,
    "forcedUP": SEEDING,
    "downloading": DOWNLOADING,
    "stalledDL": DOWNLOADING,
    "queuedDL": DOWNLOADING,
    "forcedDL": DOWNLOADING,
    "pausedUP": PAUSED,
    "pausedDL": PAUSED,
    "stoppedUP": PAUSED,             # 5.x names
    "stoppedDL": PAUSED,
    "error": ERROR,
    "missingFiles": ERROR,
}

# How long `add` waits for a torrent qBittorrent accepted to show in its list (it adds
# asynchronously), so that a `status` right after `add` never answers None.
_VISIBLE_WITHIN = 10.0


def connect(config: ClientConfig) -> SeedClient:
    """Log in to qBittorrent now, so a wrong password or a stopped client shows at once."""
    return QbittorrentClient(config)


class QbittorrentClient(ClientBase):
    """A logged-in qBittorrent Web API session (one `requests` session, closed by `close`)."""

    kind = KIND
    label = "qBittorrent"

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        scheme = "https" if config.tls else "http"
        host = f"[{config.host}]" if ":" in config.host else config.host
        # The library tries each HTTP request twice when the connection fails or times out
        # (and urllib3 would retry again below it: disabled here), so each attempt gets half
        # of the timeout: one request of ours stays within config.timeout (+0.6 s back-off).
        attempt = max(config.timeout / 2, 0.5)
        self._client = qbittorrentapi.Client(
            host=f"{scheme}://{host}",
            port=config.port,
            username=config.username or "",
            password=config.password.reveal() if config.password is not None else "",
            FORCE_SCHEME_FROM_HOST=True,
            VERIFY_WEBUI_CERTIFICATE=True,
            # verify=True per request wins over the session's verify, which the library sets
            # False when QBITTORRENTAPI_DO_NOT_VERIFY_WEBUI_CERTIFICATE is in the environment.
            REQUESTS_ARGS={"timeout": attempt, "verify": True},
            HTTPADAPTER_ARGS={"max_retries": 0},
        )
        self._logged_in = False
        self._unreachable = False  # the last failure was "no connection / no answer"
        try:
            with self._errors("log in"):
                if config.username:
                    self._client.auth_log_in()
                    self._logged_in = True
                else:
                    # No user name: only works when qBittorrent skips authentication for this
                    # address ("Bypass authentication for clients on localhost/whitelist").
                    self._client.app_version()
        except SeedClientError:
            self._drop_session()
            raise

    # -- the SeedClient interface ---------------------------------------------------------

    def info(self) -> ClientInfo:
        with self._errors("read its version and default save path"):
            version = str(self._client.app_version())
            save_path = str(self._client.app_default_save_path())
        return ClientInfo(version=version, default_save_path=save_path)

    def add(self, torrent: bytes, *, save_path: str, category: str | None = None,
            tags: tuple[str, ...] = (), skip_check: bool = False) -> None:
        infohash = self._torrent_infohash(torrent)
        for tag in tags:
            if not tag.strip() or "," in tag:
                raise SeedClientError(
                    f"{self._subject}: tag {tag!r} is not allowed — qBittorrent tags must be "
                    "non-empty and without commas; fix the profile's seed tags", client=KIND)
        with self._errors("add the torrent"):
            if self.status(infohash) is not None:
                return  # already there: a repeated call after a lost answer, or a rerun
            if category:
                self._ensure_category(category)
            answer: object
            try:
                answer = self._client.torrents_add(
                    torrent_files=torrent,
                    save_path=save_path,
                    category=category or None,
                    tags=list(tags) or None,
                    is_skip_checking=skip_check,
                    is_stopped=False,  # sends both paused=false (4.x) and stopped=false (5.x)
                    content_layout="Original",
                    use_auto_torrent_management=False,
                )
            except qbittorrentapi.Conflict409Error as exc:
                # Newer versions answer 409 for a torrent they already have.
                answer = exc
            if self._wait_visible(infohash):
                return  # added now, or qBittorrent already had it ("Fails." in 4.x)
        shown = str(answer).strip()[:200] if isinstance(answer, (str, Exception)) else ""
        raise SeedClientError(
            f"{self._subject}: did not add torrent {infohash} (answered {shown or 'nothing'!r})"
            f" — check that {save_path!r} is a folder qBittorrent can write to and see its "
            "log (Execution Log)", client=KIND)

    def status(self, infohash: str) -> TorrentStatus | None:
        infohash = infohash.strip().lower()
        with self._errors(f"read torrent {infohash}"):
            found = self._client.torrents_info(torrent_hashes=infohash)
            torrent: dict[str, Any] | None = None
            for item in found:
                if str(item.get("hash", "")).lower() == infohash or \
                        str(item.get("infohash_v1", "")).lower() == infohash:
                    torrent = dict(item)
                    break
            if torrent is None:
                return None
            state = str(torrent.get("state", ""))
            phase = _PHASES.get(state, CHECKING)
            error = self._error_text(torrent, state) if phase == ERROR else None
        progress = torrent.get("progress", 0.0)
        progress = min(max(float(progress), 0.0), 1.0) if isinstance(progress, int | float) else 0.0
        return TorrentStatus(infohash=infohash, phase=phase, progress=progress,
                             save_path=str(torrent.get("save_path", "")), error=error,
                             raw_state=state)

    def resume(self, infohash: str) -> None:
        infohash = infohash.strip().lower()
        if self.status(infohash) is None:
            raise SeedClientError(f"{self._subject}: has no torrent {infohash} to resume — "
                                  "add it first", client=KIND)
        with self._errors(f"resume torrent {infohash}"):
            self._client.torrents_resume(torrent_hashes=infohash)  # /resume, /start in 5.x

    def remove(self, infohash: str) -> None:
        """Drop the torrent, keeping its files; nothing to do when it is not there."""
        infohash = infohash.strip().lower()
        with self._errors(f"remove torrent {infohash}"):
            self._client.torrents_delete(delete_files=False, torrent_hashes=infohash)
        # qBittorrent drops it asynchronously: wait (briefly) so a re-add is not a duplicate.
        deadline = time.monotonic() + min(_VISIBLE_WITHIN, self.config.timeout)
        while self.status(infohash) is not None and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        """Log out (best effort, only while the client answers) and close the HTTP session."""
        if self._logged_in and not self._unreachable:
            self._logged_in = False
            with contextlib.suppress(SeedClientError), self._errors("log out"):
                self._client.auth_log_out()
        self._drop_session()




    # -- helpers --------------------------------------------------------------------------



    def _ensure_category(self, category: str) -> None:
        if category in self._client.torrents_categories():
            return
        try:
            self._client.torrents_create_category(name=category)
        except qbittorrentapi.Conflict409Error:
            # Created meanwhile by someone else (fine), or a name qBittorrent refuses.
            if category not in self._client.torrents_categories():
                raise SeedClientError(
                    f"{self._subject}: refused to create category {category!r} — use a "
                    "category name without leading/trailing slashes or '//' (or create it "
                    "in qBittorrent first)", client=KIND) from None

    def _wait_visible(self, infohash: str) -> bool:
        deadline = time.monotonic() + min(_VISIBLE_WITHIN, self.config.timeout)
        while True:
            if self.status(infohash) is not None:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def _error_text(self, torrent: dict[str, Any], state: str) -> str:
        where = str(torrent.get("save_path", ""))
        if state == "missingFiles":
            text = f"missing files: qBittorrent cannot find the torrent's files in {where!r}"
        else:
            text = f"qBittorrent reports an error for the torrent saved in {where!r}"
        detail = self._log_detail(str(torrent.get("name", "")))
        return f"{text} ({detail})" if detail else text

    def _log_detail(self, name: str) -> str:
        """qBittorrent's newest warning/critical log line about the torrent: the real reason
        (no such file, permission denied) that the torrent list does not carry."""
        if not name:
            return ""
        with contextlib.suppress(qbittorrentapi.APIError, requests.RequestException):
            entries = self._client.log_main(normal=False, info=False, warning=True,
                                            critical=True)
            for entry in reversed(list(entries)):
                message = str(entry.get("message", ""))
                if name in message:
                    return message[:500]
        return ""

    def _drop_session(self) -> None:
        # The library has no public close; this closes its requests.Session (and sockets).
        self._client._trigger_session_initialization()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """The one border: every library error becomes SeedAuthError / SeedClientError."""
        try:
            yield
        except SeedClientError:
            raise
        except (qbittorrentapi.APIError, requests.RequestException) as exc:
            self._raise(action, exc)

    def _raise(self, action: str, exc: Exception) -> NoReturn:
        subject = self._subject
        auth = False
        self._unreachable = False
        cause = exc.__context__
        if isinstance(exc, qbittorrentapi.LoginFailed):
            auth = True
            message = (f"{subject}: the user name or password was refused — check the user in "
                       "--seed-client and NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE); "
                       "after repeated failures qBittorrent bans this address for a while")
        elif isinstance(exc, qbittorrentapi.Forbidden403Error):
            auth = True
            message = (f"{subject}: access denied while trying to {action} (403: not logged "
                       "in, or this address is banned after failed logins) — check the user "
                       "name and password, or wait for the ban to end")
        elif isinstance(exc, qbittorrentapi.Unauthorized401Error):
            auth = True
            message = (f"{subject}: refused the request to {action} (401) — check the user "
                       "name and password, and that the Web UI's host header validation "
                       "allows this host name")
        elif isinstance(exc, qbittorrentapi.HTTPError):
            status = getattr(exc, "http_status_code", "?")
            text = str(exc).strip()[:200] or type(exc).__name__
            message = (f"{subject}: could not {action} (HTTP {status}: {text}) — see "
                       "qBittorrent's log (Execution Log) and check the qBittorrent version "
                       "(4.1 or newer)")
        elif isinstance(exc, requests.exceptions.SSLError) or \
                isinstance(cause, requests.exceptions.SSLError):
            message = (f"{subject}: TLS failed while trying to {action} (certificate not "
                       "trusted or not for this host name) — use a certificate for this host "
                       "signed by a CA this machine trusts (REQUESTS_CA_BUNDLE may name the CA "
                       "file), or plain qbittorrent:// on loopback")
        elif isinstance(exc, requests.exceptions.Timeout) or \
                isinstance(cause, requests.exceptions.Timeout):
            self._unreachable = True
            message = (f"{subject}: no answer within {self.config.timeout:g} s while trying to "
                       f"{action} — check that qBittorrent is running and not stuck, or raise "
                       "the seed client timeout")
        elif isinstance(exc, qbittorrentapi.APIConnectionError | requests.RequestException):
            self._unreachable = True
            message = (f"{subject}: unreachable while trying to {action} (connection refused "
                       "or dropped) — check that qBittorrent is running, that its Web UI is "
                       "enabled on this address and port, and any firewall between")
        else:
            text = str(exc).strip()[:200] or type(exc).__name__
            message = f"{subject}: could not {action} ({text}) — see qBittorrent's log"
        if auth and not self.config.username:
            message = (f"{subject}: asks for a login and --seed-client names no user — write "
                       "it as qbittorrent://USER@HOST:PORT, with the password in "
                       "NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE)")
        message = redact(message, self.config.password)
        error = SeedAuthError if auth else SeedClientError
        raise error(message, client=KIND) from None
