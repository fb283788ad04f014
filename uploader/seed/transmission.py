"""Transmission RPC (transmission-daemon, or the desktop apps with remote access on).

Over `transmission-rpc`. Facts this adapter relies on, checked against Debian's
transmission-daemon 3.00 (RPC version 16):

* `torrent-add` takes the .torrent from memory (`metainfo`, base64: the library encodes bytes),
  the folder (`download-dir`) and `paused`; a torrent it already holds is answered with
  `torrent-duplicate` and result "success" (the library returns it like a new one).
* Labels are read and written by `torrent-get` / `torrent-set` since RPC 16 (3.00); `torrent-add`
  itself only takes them since RPC 17 (4.0) and 3.00 silently drops them there, so they are
  set with `torrent-set` after the add.
* There is no per-add "skip hash check": Transmission verifies whatever files a new torrent
  finds before it seeds them. `skip_check` is accepted and ignored.
* `tr_stat.error` is 1 (tracker warning), 2 (tracker error) or 3 (local error: missing files,
  permission denied). Only 3 is the client failing to seed; a tracker that is down or refuses
  the torrent (while the site waits for approval, say) leaves the data complete and the
  torrent seeding, so those only show in `raw_state`.

* A torrent that finished checking can report percentDone 1 while its status still says
  "checking": only phase "seeding" with progress 1.0 means it seeds.

Every library exception is translated in `_translated` (one place); no message carries the
password, and the library's own log records other than warnings are dropped (they hold the
URL with the password, the Authorization header, or a torrent-add's torrent). Each request
is bounded by `config.timeout`, as requests applies it: to the connect and to each wait for
the answer's bytes (requests has no overall deadline; on loopback the two are the same).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Final
from urllib.parse import quote

import requests
from transmission_rpc import (
    Client,
    Status,
    Torrent,
    TransmissionAuthError,
    TransmissionConnectError,
    TransmissionError,
    TransmissionTimeoutError,
)

from uploader.exceptions import SeedAuthError, SeedClientError
from uploader.secret import Secret, redact
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

log = logging.getLogger(__name__)

KIND: Final = "transmission"
DEFAULT_RPC_PATH: Final = "/transmission/rpc"
LABELS_RPC_VERSION: Final = 16  # torrent-get / torrent-set "labels" (Transmission 3.00)
LOCAL_ERROR: Final = 3          # tr_stat.error: 1 tracker warning, 2 tracker error, 3 local
_TRACKER_ERRORS: Final = {1: "tracker warning", 2: "tracker error"}
_FIELDS: Final = ("hashString", "status", "error", "errorString", "percentDone", "downloadDir")
_PHASES: Final = {
    Status.CHECK_PENDING: CHECKING,
    Status.CHECKING: CHECKING,
    Status.DOWNLOAD_PENDING: DOWNLOADING,
    Status.DOWNLOADING: DOWNLOADING,
    Status.SEED_PENDING: SEEDING,
    Status.SEEDING: SEEDING,
    Status.STOPPED: PAUSED,
}
_INFOHASH = re.compile(r"[0-9a-f]{40}")
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)")
# The characters transmission-rpc leaves unquoted when it puts the password into its URL.
_URL_SAFE: Final = "$-_.+!*'(),;&="


class _WarningsOnly(logging.Filter):
    """transmission-rpc logs each request's URL (user:password@host) at DEBUG, the request's
    headers (Basic auth) on a 401, and on an answer that is not JSON the whole request (a
    torrent-add's: the torrent, passkey included) at ERROR. Only its warnings (a feature the
    daemon's RPC version lacks) pass; its failures reach the user as our exceptions."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno == logging.WARNING


_library_log = logging.getLogger(f"{__name__}.rpc")
_library_log.addFilter(_WarningsOnly())


class TransmissionSeedClient(ClientBase):
    """A logged-in Transmission session (`connect` makes one)."""

    kind = KIND
    label = "Transmission"

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._rpc_version: int | None = None
        self._stack = contextlib.ExitStack()
        host = f"[{config.host}]" if ":" in config.host else config.host
        password = config.password.reveal() if config.password is not None else None
        with self._translated("log in"):
            # Its first request (session-get) is sent from here: a refused login fails now.
            client = Client(protocol="https" if config.tls else "http", host=host,
                            port=config.port, path=config.path or DEFAULT_RPC_PATH,
                            username=config.username, password=password,
                            timeout=config.timeout, logger=_library_log)
        self._client = self._stack.enter_context(client)

    # -- the SeedClient interface ---------------------------------------------------------

    def info(self) -> ClientInfo:
        with self._translated("read its session settings"):
            session = self._client.get_session()
        self._rpc_version = session.rpc_version
        return ClientInfo(version=session.version, default_save_path=session.download_dir)

    def add(self, torrent: bytes, *, save_path: str, category: str | None = None,
            tags: tuple[str, ...] = (), skip_check: bool = False) -> None:
        # `skip_check` is ignored: Transmission has no such option on torrent-add and always
        # verifies the files a new torrent finds before it seeds them.
        labels = self._labels(category, tags)
        with self._translated("add the torrent"):
            # paused=False explicitly, so the daemon's "start-added-torrents" does not matter.
            added: Torrent = self._client.add_torrent(torrent, download_dir=save_path,
                                                      paused=False)
        if labels:
            self._add_labels(added.hash_string, labels)

    def status(self, infohash: str) -> TorrentStatus | None:
        infohash = self._infohash(infohash)
        with self._translated(f"read torrent {infohash}"):
            try:
                torrent = self._client.get_torrent(infohash, arguments=_FIELDS)
            except KeyError:  # the library's "not in the answer"
                return None
        raw_state = torrent.status.value
        phase = _PHASES[torrent.status]
        error: str | None = None
        if torrent.error == LOCAL_ERROR:
            phase, error = ERROR, torrent.error_string or "local error"
        elif torrent.error in _TRACKER_ERRORS:
            raw_state += f" ({_TRACKER_ERRORS[torrent.error]}: {torrent.error_string})"
        return TorrentStatus(infohash=infohash, phase=phase,
                             progress=min(max(torrent.percent_done, 0.0), 1.0),
                             save_path=torrent.download_dir, error=error, raw_state=raw_state)

    def resume(self, infohash: str) -> None:
        infohash = self._infohash(infohash)
        # torrent-start ignores ids it does not know: say so instead of starting nothing.
        if self.status(infohash) is None:
            raise SeedClientError(f"{self._subject}: has no torrent {infohash} to resume — "
                                  "add it first", client=KIND)
        with self._translated(f"start torrent {infohash}"):
            self._client.start_torrent(infohash)

    def remove(self, infohash: str) -> None:
        """Drop the torrent, keeping its files; nothing to do when it is not there."""
        infohash = self._infohash(infohash)
        with self._translated(f"remove torrent {infohash}"):
            self._client.remove_torrent(infohash, delete_data=False)

    def close(self) -> None:
        """Close the HTTP session (Transmission's RPC has no log out)."""
        self._stack.close()




    # -- helpers ----------------------------------------------------------------------------


    def _labels(self, category: str | None, tags: tuple[str, ...]) -> list[str]:
        """Category then tags, stripped, without blanks or repeats; commas are refused up
        front (Transmission refuses labels with a comma, and only after the add)."""
        labels: list[str] = []
        for label in (category or "", *tags):
            label = label.strip()
            if "," in label:
                raise SeedClientError(
                    f"{self._subject}: label {label!r} contains a comma — Transmission "
                    "refuses commas in labels; rename the seed category or tag", client=KIND)
            if label and label not in labels:
                labels.append(label)
        return labels

    def _add_labels(self, infohash: str, labels: list[str]) -> None:
        """Merge `labels` into the torrent's own (a torrent already there keeps its labels)."""
        if self._rpc_version is None:
            with self._translated("read its session settings"):
                self._rpc_version = self._client.get_session().rpc_version
        if self._rpc_version < LABELS_RPC_VERSION:
            log.info("%s: RPC version %d has no labels (they arrived with %d, Transmission "
                     "3.00); not setting %s", self._subject, self._rpc_version,
                     LABELS_RPC_VERSION, ", ".join(labels))
            return
        with self._translated(f"label torrent {infohash}"):
            try:
                have = list(self._client.get_torrent(infohash, arguments=["labels"]).labels)
            except KeyError:  # removed meanwhile: nothing to label
                return
            wanted = have + [label for label in labels if label not in have]
            if wanted != have:
                self._client.change_torrent(infohash, labels=wanted)

    def _infohash(self, infohash: str) -> str:
        value = infohash.strip().lower()
        if not _INFOHASH.fullmatch(value):
            raise SeedClientError(f"{self._subject}: {infohash!r} is not a v1 infohash "
                                  "— pass the 40 hex digits of the torrent's SHA-1 infohash",
                                  client=KIND)
        return value

    def _scrub(self, text: str) -> str:
        """`text` without the password, raw or as the library quoted it into its URL."""
        secret = self.config.password
        if secret is None or not secret.reveal():
            return text
        return redact(text, secret, Secret(quote(secret.reveal(), safe=_URL_SAFE)))

    @contextlib.contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """The one place transmission-rpc's (and requests') exceptions become ours."""
        where = self._subject
        try:
            yield
        except TransmissionAuthError as exc:
            code = getattr(exc.original, "status_code", None)
            if code == 403:
                raise SeedAuthError(
                    f"{where}: refused this connection (HTTP 403) — add this machine's address "
                    "to the daemon's rpc-whitelist, or restart the daemon if it locked logins "
                    "after too many failed attempts", client=KIND) from None
            raise SeedAuthError(
                f"{where}: refused the user name or password (HTTP {code or 401}) — check the "
                "user in --seed-client and NEKOBT_SEED_PASSWORD(_FILE) against the daemon's "
                "rpc-username and rpc-password", client=KIND) from None
        except TransmissionTimeoutError:
            raise SeedClientError(
                f"{where}: no answer within {self.config.timeout:g} s while trying to {doing} "
                "— check that the daemon is running and not stuck, or raise the timeout",
                client=KIND) from None
        except TransmissionConnectError as exc:
            if isinstance(exc.__cause__, requests.exceptions.SSLError):
                raise SeedClientError(
                    f"{where}: TLS failed while trying to {doing} (certificate not trusted or "
                    "not for this host name) — use a certificate for this host signed by a "
                    "public CA (transmission-rpc ignores REQUESTS_CA_BUNDLE), or plain "
                    "transmission:// on loopback", client=KIND) from None
            raise SeedClientError(
                f"{where}: unreachable while trying to {doing} ({self._reason(exc)}) — check "
                "that transmission-daemon is running and listens there (rpc-port, "
                "rpc-bind-address, rpc-whitelist)", client=KIND) from None
        except TransmissionError as exc:
            raise SeedClientError(
                f"{where}: failed to {doing}: {self._reason(exc)} — check the RPC path in "
                "--seed-client (default /transmission/rpc), rpc-host-whitelist, and the "
                "daemon's log", client=KIND) from None
        except OSError as exc:  # requests' own errors that the library lets through
            raise SeedClientError(
                f"{where}: failed to {doing}: {self._scrub(str(exc)) or type(exc).__name__} — "
                "check that the daemon is running and the URL is right", client=KIND) from None

    def _reason(self, exc: TransmissionError) -> str:
        """The library's message, plus the start of a non-JSON answer (an HTML error page)."""
        reason = exc.message or type(exc).__name__
        errno = _ERRNO.search(reason)  # requests' long "HTTPConnectionPool(...): Max retries..."
        if errno:
            reason = errno.group(1).strip()
        if exc.raw_response and exc.response is None:   # not JSON: a web page, an error page
            page = exc.raw_response
            title = _TITLE.search(page)
            text = title.group(1) if title else _TAG.sub(" ", page)
            reason = f"the answer is not JSON-RPC but {' '.join(text.split())[:200]!r}"
        return self._scrub(reason)


def connect(config: ClientConfig) -> SeedClient:
    """Log in to the Transmission daemon `config` names."""
    return TransmissionSeedClient(config)
