"""Deluge over its daemon RPC (deluged 2.x), with `deluge-client` (DelugeRPCClient).

What `add` sends, on purpose (each overrides a preference the daemon may have):

    download_location=<folder>  the folder that holds the release
    add_paused=False            the daemon's "Add torrents in Paused state"
    move_completed=False        "Move completed to" would move the files away from the release
    seed_mode=<skip_check>      libtorrent's seed mode: trust the files, no hash check

The category becomes a label when the daemon has the Label plugin (enabled here if it is
available but off); Deluge has no tags. The RPC is always TLS; like the Deluge clients, the
library does not verify the daemon's self-signed certificate.

One request is bounded by `config.timeout` as a whole: the library reads a few bytes per
`recv`, so its socket timeout alone would bound each read, not the answer. The library's own
reconnect is off; after a dropped connection the next call connects again (once). Every
library, socket and TLS error is translated in one place, `_errors`, and no message carries
the password.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import socket
import ssl
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any, NoReturn, cast

from deluge_client import client as _dc  # type: ignore[import-untyped]

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

KIND = "deluge"
log = logging.getLogger(__name__)

# What the library raises for a transport, protocol or remote failure. Decoding a garbled
# answer fails inside it with zlib/struct/rencode errors; a remote error whose arguments are
# not strings (Deluge's NotAuthorizedError) makes its `', '.join` raise TypeError.
_LIBRARY_ERRORS = (_dc.DelugeClientException, OSError, zlib.error, struct.error, ValueError,
                   IndexError, TypeError)

# The torrent status keys `status` reads.
_STATUS_KEYS = ["state", "paused", "progress", "save_path", "message", "total_done",
                "total_wanted"]

# Deluge 2's torrent states (deluge.common.TORRENT_STATE) and the phase each one means;
# "Queued" is decided by progress in `_phase`.
_PHASES: dict[str, str] = {
    "Checking": CHECKING,
    "Allocating": CHECKING,
    "Moving": CHECKING,
    "Downloading": DOWNLOADING,
    "Seeding": SEEDING,
    "Paused": PAUSED,
    "Error": ERROR,
}

_ALREADY = re.compile(r"Torrent already (?:in session|being added)")
_LABEL_CHARS = re.compile(r"[^a-z0-9_.-]+")


class _NoArguments(logging.Filter):
    """The library logs every call's arguments at DEBUG: for add_torrent_file that is the
    torrent itself, and the site's torrent carries the passkey. Keep the method, drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text.startswith("Calling reqid") and " with args:" in text:
            record.msg = text.split(" with args:", 1)[0] + " (arguments not logged)"
            record.args = None
        return True


logging.getLogger(_dc.__name__).addFilter(_NoArguments())


def connect(config: ClientConfig) -> SeedClient:
    """Log in to deluged now, so a wrong password or a stopped daemon shows at once."""
    return DelugeClient(config)


class _DeadlineSocket:
    """The library's TLS socket, bounded by one deadline per request instead of per read."""

    def __init__(self, sock: ssl.SSLSocket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout
        self.deadline: float | None = None

    def _arm(self) -> None:
        left = self._timeout if self.deadline is None else self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left)

    def connect(self, address: tuple[str, int]) -> None:
        self._arm()
        self._sock.connect(address)

    def send(self, data: bytes) -> int:
        self._arm()
        self._sock.sendall(data)  # the library ignores short writes of send()
        return len(data)

    def recv(self, size: int) -> bytes:
        self._arm()
        try:
            return self._sock.recv(size)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
            # Closed under us. The library would call any SSLError here a timeout; an empty
            # read is its ConnectionLostException.
            return b""

    def settimeout(self, value: float | None) -> None:
        self._sock.settimeout(value)

    def close(self) -> None:
        self._sock.close()


class _RPC(_dc.DelugeRPCClient):  # type: ignore[misc]
    """DelugeRPCClient with the deadline socket; a replaced socket is closed, not leaked."""

    _socket: _DeadlineSocket | None

    def _create_socket(self, ssl_version: Any = None, ciphers: Any = None) -> None:
        # Not getattr: the library turns unknown attributes into remote calls (__getattr__).
        old: _DeadlineSocket | None = self.__dict__.get("_socket")
        if old is not None:
            old.close()  # the library's TLS fallback makes a new socket without closing it
        self._socket = None
        super()._create_socket(ssl_version=ssl_version, ciphers=ciphers)
        wrapped = _DeadlineSocket(cast("ssl.SSLSocket", self._socket), self.timeout)
        wrapped.deadline = old.deadline if old is not None else None
        self._socket = wrapped

    def call_within(self, seconds: float, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._deadline(seconds):
            return self.call(method, *args, **kwargs)

    def connect_within(self, seconds: float) -> None:
        with self._deadline(seconds):
            self.connect()

    @contextlib.contextmanager
    def _deadline(self, seconds: float) -> Iterator[None]:
        if self._socket is None:
            raise ConnectionError("not connected")
        self._socket.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            if self._socket is not None:
                self._socket.deadline = None

    def close_socket(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
        self.connected = False


class DelugeClient(ClientBase):
    """A logged-in deluged RPC connection (one TLS socket, closed by `close`)."""

    kind = KIND
    label = "Deluge"

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._rpc: _RPC | None = None
        self._label_ok: bool | None = None   # the Label plugin: unknown / usable / missing
        self._unreachable = False             # the last failure was "no connection / answer"
        if config.password is None or not config.password.reveal():
            raise SeedAuthError(f"{self._subject}: no password — set NEKOBT_SEED_PASSWORD or "
                                "NEKOBT_SEED_PASSWORD_FILE to the password of this user in the "
                                "daemon's auth file", client=KIND)
        self._connect()

    # -- the SeedClient interface ---------------------------------------------------------

    def info(self) -> ClientInfo:
        version = self._call("read its version", "daemon.info")
        save_path = self._call("read its download folder", "core.get_config_value",
                               "download_location")
        return ClientInfo(version=str(version), default_save_path=str(save_path or ""))

    def add(self, torrent: bytes, *, save_path: str, category: str | None = None,
            tags: tuple[str, ...] = (), skip_check: bool = False) -> None:
        infohash = self._torrent_infohash(torrent)
        options = {
            "download_location": save_path,
            "add_paused": False,
            "move_completed": False,
            "seed_mode": bool(skip_check),
        }
        data = base64.b64encode(torrent).decode("ascii")
        try:
            # "" as file name: Deluge names any copy it keeps after the torrent's name.
            self._call("add the torrent", "core.add_torrent_file", "", data, options,
                       reraise_remote=True)
        except _dc.RemoteException as exc:
            if not _ALREADY.search(str(exc).split("\n", 1)[0]):
                self._raise("add the torrent", exc)
            # Already there (a repeated call after a lost answer, or a rerun): not an error.
            log.info("%s: already has torrent %s", self._subject, infohash)
        if tags:
            log.debug("%s: Deluge has no tags; ignoring %s", self._subject, ", ".join(tags))
        if category:
            self._label(infohash, category)

    def status(self, infohash: str) -> TorrentStatus | None:
        infohash = infohash.strip().lower()
        found = self._call(f"read torrent {infohash}", "core.get_torrent_status", infohash,
                           _STATUS_KEYS)
        if not found:
            return None  # Deluge answers {} for a torrent it does not have
        state = str(found.get("state", ""))
        percent = _number(found.get("progress"))
        done, wanted = _number(found.get("total_done")), _number(found.get("total_wanted"))
        if state in ("Error", "Moving"):
            # Deluge reports 100 for these (the move's progress, or nothing): use the data.
            progress = done / wanted if wanted > 0 else 0.0
        else:
            progress = percent / 100.0
        progress = min(max(progress, 0.0), 1.0)
        phase = _phase(state, progress)
        if state == "Paused" and found.get("paused") is False:
            # Deluge adds every torrent paused and then starts it; its state catches up with
            # libtorrent's (live) paused flag a moment later: starting, not paused.
            phase = CHECKING
        message = str(found.get("message") or "").strip()
        error = (message if message and message != "OK" else "Deluge reports an error") \
            if phase == ERROR else None
        return TorrentStatus(infohash=infohash, phase=phase, progress=progress,
                             save_path=str(found.get("save_path", "")), error=error,
                             raw_state=state)

    def resume(self, infohash: str) -> None:
        infohash = infohash.strip().lower()
        if self.status(infohash) is None:
            raise SeedClientError(f"{self._subject}: has no torrent {infohash} to resume — "
                                  "add it first", client=KIND)
        self._call(f"resume torrent {infohash}", "core.resume_torrent", [infohash])

    def remove(self, infohash: str) -> None:
        """Drop the torrent, keeping its files; nothing to do when it is not there."""
        infohash = infohash.strip().lower()
        try:
            self._call(f"remove torrent {infohash}", "core.remove_torrent", infohash, False,
                       reraise_remote=True)
        except _dc.RemoteException as exc:
            if type(exc).__name__ != "InvalidTorrentError":
                self._raise(f"remove torrent {infohash}", exc)

    def close(self) -> None:
        """Close the connection (Deluge has no logout)."""
        if self._rpc is not None:
            self._rpc.close_socket()
            self._rpc = None




    # -- helpers --------------------------------------------------------------------------


    def _connect(self, action: str = "log in") -> _RPC:
        config = self.config
        assert config.password is not None
        rpc: _RPC | None = None
        try:
            with self._errors(action):
                rpc = _RPC(config.host, config.port, config.username or "",
                           config.password.reveal(), decode_utf8=True,
                           automatic_reconnect=False, timeout=config.timeout)
                rpc.connect_within(config.timeout)
        except SeedClientError:
            if rpc is not None:
                rpc.close_socket()
            raise
        self._rpc = rpc
        return rpc

    def _call(self, action: str, method: str, *args: Any,
              reraise_remote: bool = False) -> Any:
        """One RPC call within config.timeout. With reraise_remote, the daemon's own errors
        (deluge_client's RemoteException) come back to the caller, untranslated."""
        rpc = self._rpc if self._rpc is not None else self._connect(f"log in again to {action}")
        try:
            with self._errors(action, reraise_remote=reraise_remote):
                return rpc.call_within(self.config.timeout, method, *args)
        except SeedClientError:
            if self._unreachable:  # the connection is gone: the next call connects again
                self.close()
            raise

    def _label(self, infohash: str, category: str) -> None:
        label = _LABEL_CHARS.sub("_", category.strip().lower()).strip("_")
        if not label:
            log.warning("%s: category %r has no character a Deluge label allows ([a-z0-9_.-]); "
                        "the torrent is not labelled", self._subject, category)
            return
        if label != category:
            log.info("%s: category %r becomes Deluge label %r", self._subject, category, label)
        if not self._label_plugin():
            return
        if label not in (self._call("read its labels", "label.get_labels") or ()):
            try:
                self._call(f"create label {label!r}", "label.add", label, reraise_remote=True)
            except _dc.RemoteException as exc:
                if "already exists" not in str(exc).split("\n", 1)[0]:
                    self._raise(f"create label {label!r}", exc)
        self._call(f"label torrent {infohash} {label!r}", "label.set_torrent", infohash, label)

    def _label_plugin(self) -> bool:
        """Whether labels can be set: the Label plugin is enabled (enabled now if it is off)."""
        if self._label_ok is None:
            enabled = self._call("list its plugins", "core.get_enabled_plugins") or ()
            ok = "Label" in enabled
            if not ok and "Label" in (self._call("list its plugins",
                                                 "core.get_available_plugins") or ()):
                ok = bool(self._call("enable the Label plugin", "core.enable_plugin", "Label"))
            if not ok:
                log.warning("%s: the Label plugin is not available, so the category is not "
                            "set — install/enable Deluge's Label plugin to get labels",
                            self._subject)
            self._label_ok = ok
        return self._label_ok


    @contextlib.contextmanager
    def _errors(self, action: str, *, reraise_remote: bool = False) -> Iterator[None]:
        """The one border: every library, socket and TLS error becomes SeedAuthError /
        SeedClientError (or, with reraise_remote, the daemon's own error goes to the caller,
        who passes what it does not expect back to `_raise`)."""
        try:
            yield
        except SeedClientError:
            raise
        except _dc.RemoteException as exc:
            if reraise_remote and type(exc).__name__ not in _AUTH_ERRORS:
                raise
            self._raise(action, exc)
        except _LIBRARY_ERRORS as exc:
            self._raise(action, exc)

    def _raise(self, action: str, exc: BaseException) -> NoReturn:
        subject = self._subject
        config = self.config
        where = f"{config.host}:{config.port}"
        auth = False
        self._unreachable = False
        name = type(exc).__name__
        if isinstance(exc, _dc.RemoteException):
            reason = _remote_reason(exc)
            if name == "BadLoginError":
                auth = True
                if reason.startswith("Username does not exist"):
                    problem = f"the daemon has no user {config.username!r}"
                else:
                    problem = "the password was refused"
                message = (f"{subject}: {problem} — check the user in --seed-client and "
                           "NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE) against a "
                           "user:password:level line of the daemon's auth file (deluged reads "
                           "it again when it changes)")
            elif name == "NotAuthorizedError":
                auth = True
                message = (f"{subject}: user {config.username!r} may not {action} ({reason}) — "
                           "give the user level 10 (admin) in the daemon's auth file")
            elif name == "AuthenticationRequired":
                auth = True
                message = (f"{subject}: not logged in while trying to {action} ({reason}) — "
                           "check the user name and password")
            elif name == "IncompatibleClient":
                message = (f"{subject}: refused this client ({reason}) — the daemon needs a "
                           "newer deluge-client; Deluge 2.0 or newer is supported")
            else:
                message = (f"{subject}: could not {action} ({reason}) — see the daemon's log "
                           "(deluged -l FILE -L info)")
        elif isinstance(exc, TypeError) and "sequence item" in str(exc):
            # The library cannot join a remote error's non-text arguments: NotAuthorizedError.
            auth = True
            message = (f"{subject}: refused the request to {action} (most likely: the user's "
                       f"auth level is too low) — give user {config.username!r} level 10 "
                       "(admin) in the daemon's auth file")
        elif isinstance(exc, TimeoutError | _dc.CallTimeoutException):
            self._unreachable = True
            message = (f"{subject}: no answer within {config.timeout:g} s while trying to "
                       f"{action} — check that deluged is running and not stuck and that "
                       f"{where} is its daemon (RPC) port, or raise the seed client timeout")
        elif isinstance(exc, ConnectionRefusedError):
            self._unreachable = True
            message = (f"{subject}: connection refused while trying to {action} — check that "
                       f"deluged is running and listens on {where} (its -p / daemon_port; "
                       "allow_remote for other machines) and any firewall between")
        elif isinstance(exc, socket.gaierror):
            self._unreachable = True
            message = (f"{subject}: cannot resolve host {config.host!r} "
                       f"({exc.strerror or exc}) — check the host in --seed-client")
        elif isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError) and self._rpc is not None:
            self._unreachable = True  # TLS's view of a connection closed under us
            message = (f"{subject}: the connection was dropped while trying to {action} — "
                       "check that deluged is still running (see its log), then run again")
        elif isinstance(exc, ssl.SSLError):
            self._unreachable = True
            message = (f"{subject}: TLS failed while trying to {action} ({exc.reason or exc}) "
                       f"— check that {where} is deluged's daemon port (default 58846), not "
                       "its Web UI (8112) or another service")
        elif isinstance(exc, _dc.ConnectionLostException | _dc.FailedToReconnectException |
                        ConnectionError):
            self._unreachable = True
            message = (f"{subject}: the connection was dropped while trying to {action} — "
                       "check that deluged is still running (see its log), then run again")
        elif isinstance(exc, OSError):
            self._unreachable = True
            message = (f"{subject}: unreachable while trying to {action} "
                       f"({exc.strerror or exc}) — check the host and port in --seed-client, "
                       "that deluged is running, and the network between")
        else:
            self._unreachable = True
            text = str(exc).split("\n", 1)[0].strip()[:200] or name
            message = (f"{subject}: garbled answer while trying to {action} ({name}: {text}) — "
                       f"check that {where} is deluged's daemon (RPC) port, of Deluge 2.x")
        message = redact(message, config.password)
        error = SeedAuthError if auth else SeedClientError
        raise error(message, client=KIND) from None


# Remote errors that mean the login is wrong, whatever the call.
_AUTH_ERRORS = frozenset({"BadLoginError", "NotAuthorizedError", "AuthenticationRequired"})


def _phase(state: str, progress: float) -> str:
    if state == "Queued":
        # Queued by the daemon's active limits: complete ones seed when their turn comes.
        return SEEDING if progress >= 1.0 else DOWNLOADING
    return _PHASES.get(state, CHECKING)  # anything new is transient; the poll is bounded


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _remote_reason(exc: BaseException) -> str:
    """The daemon's error in one line, without the traceback the library appends.

    Deluge's own errors read "message, arg…"; other exceptions arrive wrapped as
    "value, TypeName, Traceback …"."""
    first = str(exc).split("\n", 1)[0].strip()
    if type(exc).__name__ == "WrappedException":
        head = first.split(", Traceback (most recent call last):", 1)[0]
        value, _, kind = head.rpartition(", ")
        first = f"{kind}: {value}" if value else head
    return first[:300]
