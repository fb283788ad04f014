"""rTorrent over XML-RPC: SCGI on a TCP port (`rtorrent://`), or HTTP(S) behind a web server.

No maintained Python library speaks rTorrent's SCGI well, so this is the stdlib's
`xmlrpc.client` with a small SCGI transport (one TCP connection per call: a netstring of
headers, then the XML; rtorrent answers `Status:`/`Content-Type:` lines, a blank line, the XML)
and, for `rtorrent+http(s)://`, xmlrpc's own HTTP transport with a timeout. Errors are
translated in one place, `RtorrentSeedClient._errors`.

What this relies on, checked against rtorrent 0.9.8 (tests/seed/test_rtorrent.py):

- `load.raw_start` answers 0 whatever becomes of the torrent: a duplicate infohash or a broken
  torrent is only written to rtorrent's log. And the torrent is made a moment later, by a task
  its main loop runs next (DownloadFactory::commit), not within the call. So `add` waits (up
  to `LOAD_WAIT`) until rtorrent holds the torrent.
- The commands after the torrent are read by rtorrent's own command parser: a quoted value ends
  at the first unescaped `"` and a backslash escapes, and a value that begins with `$` is *run*
  as a command, quoted or not. The folder must be absolute (it begins with `/`) and the label
  is percent-encoded (ruTorrent's convention for `d.custom1`: it decodes it for display), so
  no value sent here can begin with `$`.
- `d.directory.set` puts a single file into the folder and a batch into `<folder>/<name>/`:
  the original layout. (`d.directory_base.set` would pour a batch's files into the folder.)
  `d.directory` reads back the file's folder, or the batch's own folder.
- `d.message` also holds tracker errors (`Tracker: [...]`) of healthy torrents; a torrent whose
  files cannot be opened sits at `d.hashing` 1 with `d.hashing_failed` 1 and no message.
- An unknown hash is the fault "Could not find info-hash."; hashes may be either case.
"""

from __future__ import annotations

import base64
import http.client
import posixpath
import re
import socket
import ssl
import time
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.parsers.expat import ExpatError

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
    infohash_of,
)

if TYPE_CHECKING:
    from xmlrpc.client import _HostType, _Marshallable

    from _typeshed import SizedBuffer

KIND = "rtorrent"
SCGI_PATH = "/RPC2"         # REQUEST_URI on SCGI (rtorrent ignores it; web servers route on it)
MAX_ANSWER = 64 << 20       # bytes: far above any answer to these calls
UNKNOWN_HASH = "Could not find info-hash"   # rtorrent's fault text for a hash it does not hold
LOAD_WAIT = 5.0             # seconds (at most config.timeout) for a loaded torrent to show up
_INFOHASH = re.compile(r"[0-9a-fA-F]{40}")

# One torrent's fields, read in one system.multicall (in this order: see `status`).
STATUS_FIELDS = ("d.state", "d.is_active", "d.complete", "d.hashing", "d.hashing_failed",
                 "d.message", "d.completed_bytes", "d.size_bytes", "d.directory",
                 "d.is_multi_file")



def connect(config: ClientConfig) -> SeedClient:
    """The rTorrent adapter for `config`: it asks for the version, so a wrong port fails now."""
    client = RtorrentSeedClient(config)
    try:
        client.call("system.client_version")
    except BaseException:
        client.close()
        raise
    return client


class _BadAnswer(Exception):
    """What answered is not SCGI XML-RPC (or not what the call should return)."""


class _MethodFault(Exception):
    """A fault inside a system.multicall, with the method it answers."""

    def __init__(self, method: str, fault: xmlrpc.client.Fault) -> None:
        super().__init__(method)
        self.method = method
        self.fault = fault


class ScgiTransport(xmlrpc.client.Transport):
    """XML-RPC over SCGI on a TCP socket; `timeout` bounds each call, connect to last byte."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        super().__init__(use_builtin_types=True)
        self._address = (host, port)
        self._timeout = timeout

    def request(self, host: _HostType, handler: str, request_body: SizedBuffer,
                verbose: bool = False) -> tuple[_Marshallable, ...]:
        answer = self._exchange(scgi_request(bytes(request_body), handler))
        parser, unmarshaller = self.getparser()
        parser.feed(cgi_body(answer))
        parser.close()
        return unmarshaller.close()   # raises Fault for a fault answer

    def _exchange(self, message: bytes) -> bytes:
        deadline = time.monotonic() + self._timeout

        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out")
            return remaining

        with socket.create_connection(self._address, timeout=self._timeout) as sock:
            sock.settimeout(left())
            sock.sendall(message)
            chunks: list[bytes] = []
            size = 0
            while True:
                sock.settimeout(left())
                chunk = sock.recv(65536)
                if not chunk:       # rtorrent closes the connection after its answer
                    return b"".join(chunks)
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise _BadAnswer(f"an answer over {MAX_ANSWER >> 20} MiB")
                chunks.append(chunk)


def scgi_request(body: bytes, uri: str = SCGI_PATH) -> bytes:
    """An SCGI request: a netstring of NUL-separated headers (CONTENT_LENGTH first), the body."""
    headers = (("CONTENT_LENGTH", str(len(body))), ("SCGI", "1"),
               ("REQUEST_METHOD", "POST"), ("REQUEST_URI", uri or SCGI_PATH))
    head = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in headers)
    return str(len(head)).encode() + b":" + head + b"," + body


def cgi_body(answer: bytes) -> bytes:
    """The XML of a CGI-style answer (`Status: 200 OK`, `Content-Type`, blank line, body)."""
    if not answer:
        raise _BadAnswer("the connection closed without an answer")
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = answer.partition(sep)
        if found:
            break
    else:
        raise _BadAnswer("no header block")
    fields: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            raise _BadAnswer(f"a header line without a colon: {line[:60]!r}")
        fields[name.strip().lower()] = value.strip()
    status = fields.get("status", "200 OK")
    code, _, reason = status.partition(" ")
    if not code.isdigit():
        raise _BadAnswer(f"status {status[:60]!r}")
    if int(code) != 200:
        raise xmlrpc.client.ProtocolError(SCGI_PATH, int(code), reason, fields)
    length = fields.get("content-length", "")
    if length.isdigit():
        if len(body) < int(length):
            raise _BadAnswer(f"the answer was cut short ({len(body)} of {length} bytes)")
        body = body[: int(length)]
    return body


class _HttpTransport(xmlrpc.client.Transport):
    """xmlrpc's HTTP transport, with a timeout on connect and on every read."""

    def __init__(self, timeout: float, headers: list[tuple[str, str]]) -> None:
        super().__init__(use_builtin_types=True, headers=headers)
        self._timeout = timeout

    def make_connection(self, host: _HostType) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


class _HttpsTransport(xmlrpc.client.SafeTransport):
    """xmlrpc's HTTPS transport (certificates verified), with a timeout."""

    def __init__(self, timeout: float, headers: list[tuple[str, str]]) -> None:
        super().__init__(use_builtin_types=True, headers=headers)
        self._timeout = timeout

    def make_connection(self, host: _HostType) -> http.client.HTTPSConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


class RtorrentSeedClient(ClientBase):
    """rTorrent over XML-RPC (`connect` makes one). Hashes go out upper-case, as rtorrent
    names torrents; they come back lower-case, as the interface wants."""

    kind = KIND
    label = "rtorrent"

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        host = f"[{config.host}]" if ":" in config.host else config.host
        transport: xmlrpc.client.Transport
        if config.scgi:
            transport = ScgiTransport(config.host, config.port, config.timeout)
            uri = f"http://{host}:{config.port}{SCGI_PATH}"
        else:
            # The login goes into a header, not the URI: xmlrpc writes the URI into its errors.
            headers = []
            if config.username or config.password is not None:
                secret = config.password.reveal() if config.password is not None else ""
                token = base64.b64encode(f"{config.username or ''}:{secret}".encode())
                headers.append(("Authorization", "Basic " + token.decode("ascii")))
            maker = _HttpsTransport if config.tls else _HttpTransport
            transport = maker(config.timeout, headers)
            scheme = "https" if config.tls else "http"
            uri = f"{scheme}://{host}:{config.port}{config.path or SCGI_PATH}"
        self._proxy = xmlrpc.client.ServerProxy(uri, transport=transport, use_builtin_types=True)

    # -- the interface ----------------------------------------------------------------------

    def info(self) -> ClientInfo:
        version, folder = self._multicall(("system.client_version", ()),
                                          ("directory.default", ()))
        with self._errors("directory.default"):
            return ClientInfo(version=_str(version), default_save_path=_str(folder))

    def add(self, torrent: bytes, *, save_path: str, category: str | None = None,
            tags: tuple[str, ...] = (), skip_check: bool = False) -> None:
        # tags: rtorrent has one label (d.custom1, ruTorrent's); there is no place for tags.
        # skip_check: rtorrent has no per-add switch. ruTorrent's "fast resume" writes a
        # libtorrent_resume dict (every piece done, each file's mtime) into the torrent; that
        # needs this machine to stat the files where rtorrent sees them (not so through a path
        # map) and trusts mtimes. rtorrent hashes the files instead: slower, never wrong.
        del tags, skip_check
        infohash = torrent_infohash(torrent)
        if infohash is None:
            raise SeedClientError(f"{self._subject}: the torrent to add is not a .torrent (no "
                                  "info dictionary) — this is a bug, please report it",
                                  client=KIND)
        if not save_path.startswith("/"):
            raise SeedClientError(f"{self._subject}: save path {save_path!r} is not absolute "
                                  "— give the folder as rtorrent sees it (--seed-path-map)",
                                  client=KIND)
        commands = [f"d.directory.set={command_quote(save_path)}"]
        if category:
            commands.append(f"d.custom1.set={command_quote(quote(category, safe=''))}")
        # A torrent rtorrent already holds is left as it is (logged, no fault): not an error.
        self.call("load.raw_start_verbose", "", xmlrpc.client.Binary(torrent), *commands)
        wait = min(LOAD_WAIT, self.config.timeout)
        deadline = time.monotonic() + wait
        while self.status(infohash) is None:
            if time.monotonic() >= deadline:
                raise SeedClientError(
                    f"{self._subject}: it did not take torrent {infohash.lower()} within "
                    f"{wait:g} s (load.raw_start answers nothing about it) — its log says why "
                    "(log.open_file in rtorrent.rc)", client=KIND)
            time.sleep(0.02)

    def status(self, infohash: str) -> TorrentStatus | None:
        target = self._target(infohash)
        values = self._multicall(*((m, (target,)) for m in STATUS_FIELDS), allow=UNKNOWN_HASH)
        if any(isinstance(v, xmlrpc.client.Fault) for v in values):
            return None
        with self._errors("d.*"):
            state, active, complete, hashing, failed = (_int(v) for v in values[:5])
            message = _str(values[5])
            done, size = _int(values[6]), _int(values[7])
            folder = _str(values[8]).rstrip("/") or "/"
            # A batch's d.directory is its own folder: the content is saved into its parent.
            save_path = posixpath.dirname(folder) if _int(values[9]) else folder
        raw = f"d.state={state} d.is_active={active} d.complete={complete} d.hashing={hashing}"
        error = None
        if failed:
            phase, raw = ERROR, raw + " d.hashing_failed=1"
            error = message or (f"rtorrent could not open or check the files in {folder!r} "
                                "(d.hashing_failed) — check that the folder exists, holds the "
                                "release and is writable")
        elif hashing:
            phase = CHECKING
        elif message and not message.startswith("Tracker:") and (not state or not active):
            phase, error = ERROR, message
        elif not state or not active:
            phase = PAUSED
        elif complete:
            phase = SEEDING
        else:
            phase = DOWNLOADING
        progress = min(1.0, done / size) if size > 0 else 0.0
        return TorrentStatus(infohash=target.lower(), phase=phase, progress=progress,
                             save_path=save_path, error=error, raw_state=raw)

    def resume(self, infohash: str) -> None:
        target = self._target(infohash)
        (state,) = self._multicall(("d.state", (target,)), allow=UNKNOWN_HASH)
        if isinstance(state, xmlrpc.client.Fault):
            raise SeedClientError(f"{self._subject}: has no torrent {target.lower()} to resume "
                                  "— add it again", client=KIND)
        # d.start: stopped -> started (opened, hash-checked if need be); it also clears
        # d.hashing_failed. It leaves a paused torrent (started, inactive: d.pause) alone:
        # d.resume makes that one active again (and queues a failed hash check again).
        self.call("d.start", target)
        if state != 0:
            self.call("d.resume", target)

    def remove(self, infohash: str) -> None:
        """Drop the torrent (d.erase keeps the files); nothing to do when it is not there."""
        target = self._target(infohash)
        self._multicall(("d.erase", (target,)), allow=UNKNOWN_HASH)

    def close(self) -> None:
        self._proxy("close")()




    # -- XML-RPC ----------------------------------------------------------------------------

    def call(self, method: str, *args: _Marshallable) -> _Marshallable:
        """One XML-RPC call, errors translated (also what tests use to poke rtorrent)."""
        with self._errors(method):
            result: _Marshallable = getattr(self._proxy, method)(*args)
        return result

    def _multicall(self, *calls: tuple[str, tuple[_Marshallable, ...]],
                   allow: str | None = None) -> list[_Marshallable | xmlrpc.client.Fault]:
        """Several calls in one round trip. A fault raises, unless its text contains `allow`:
        then the Fault stands in the list for that call's result."""
        answers = self.call("system.multicall",
                            [{"methodName": m, "params": list(p)} for m, p in calls])
        results: list[_Marshallable | xmlrpc.client.Fault] = []
        with self._errors("system.multicall"):
            if not isinstance(answers, list) or len(answers) != len(calls):
                raise _BadAnswer(f"system.multicall answered {answers!r:.60}")
            for (method, _), answer in zip(calls, answers, strict=True):
                if isinstance(answer, dict):
                    fault = xmlrpc.client.Fault(int(answer.get("faultCode", 0)),
                                                str(answer.get("faultString", "")))
                    if allow is None or allow not in fault.faultString:
                        raise _MethodFault(method, fault)
                    results.append(fault)
                elif isinstance(answer, list) and len(answer) == 1:
                    results.append(answer[0])
                else:
                    raise _BadAnswer(f"{method} answered {answer!r:.60}")
        return results

    def _target(self, infohash: str) -> str:
        value = infohash.strip()
        if not _INFOHASH.fullmatch(value):
            raise SeedClientError(f"{self._subject}: {infohash!r} is not a v1 infohash — pass "
                                  "the 40 hex digits of the torrent's SHA-1 infohash",
                                  client=KIND)
        return value.upper()

    # -- errors, in one place ---------------------------------------------------------------

    @contextmanager
    def _errors(self, method: str) -> Iterator[None]:
        """Any failure of a call as SeedClientError / SeedAuthError, never with the password."""
        try:
            yield
        except (xmlrpc.client.Error, _MethodFault, _BadAnswer, OSError, ExpatError,
                http.client.HTTPException, ValueError) as exc:
            cls, message = self._translate(exc, method)
            raise cls(redact(message, self.config.password), client=KIND) from None

    def _translate(self, exc: Exception, method: str) -> tuple[type[SeedClientError], str]:
        where, config = self._subject, self.config
        if config.scgi:
            check = ("check that rtorrent runs and that network.scgi.open_port in rtorrent.rc "
                     f"is {config.host}:{config.port}")
        else:
            check = ("check that rtorrent runs and that the web server passes "
                     f"{config.path or SCGI_PATH} on to rtorrent's SCGI port")
        if isinstance(exc, _MethodFault):
            method, exc = exc.method, exc.fault
        if isinstance(exc, xmlrpc.client.Fault):
            text = str(exc.faultString).strip()
            advice = "see rtorrent's log"
            if "too large" in text:
                advice = "raise network.xmlrpc.size_limit.set in rtorrent.rc (e.g. to 8M)"
            elif UNKNOWN_HASH in text:
                advice = "the torrent is not in rtorrent (removed?): add it again"
            return SeedClientError, f"{where}: {method} failed: {text} — {advice}"
        if isinstance(exc, xmlrpc.client.ProtocolError):
            if exc.errcode == 401:
                return SeedAuthError, (f"{where}: the web server refused the login (HTTP 401) "
                                       "— check the user name in the URL and "
                                       "NEKOBT_SEED_PASSWORD / NEKOBT_SEED_PASSWORD_FILE")
            if exc.errcode == 404:
                return SeedClientError, (f"{where}: nothing answers at {config.path} (HTTP 404) "
                                         "— check the XML-RPC path (often /RPC2)")
            return SeedClientError, (f"{where}: {method}: HTTP {exc.errcode} {exc.errmsg} — "
                                     f"{check}")
        if isinstance(exc, TimeoutError):
            return SeedClientError, (f"{where}: no answer to {method} within "
                                     f"{config.timeout:g} s — {check}, and that it is not stuck")
        if isinstance(exc, ssl.SSLError):
            return SeedClientError, (f"{where}: TLS failed ({exc.reason or exc}) — check the "
                                     "server's certificate, or use rtorrent+http:// on loopback")
        if isinstance(exc, OSError):
            return SeedClientError, (f"{where}: unreachable "
                                     f"({exc.strerror or type(exc).__name__}) — {check}")
        if isinstance(exc, UnicodeError):
            return SeedClientError, (f"{where}: {method}: a value cannot be sent as UTF-8 XML "
                                     f"({exc}) — rename the file or folder")
        detail = str(exc) or type(exc).__name__
        if isinstance(exc, _BadAnswer) and method.startswith("load.") and "closed" in detail:
            return SeedClientError, (f"{where}: {method}: {detail} — rtorrent's SCGI drops "
                                     f"requests over 2 MiB (a very large torrent?); else {check}")
        return SeedClientError, (f"{where}: {method}: the answer is not XML-RPC "
                                 f"({detail:.120}) — {check} (is this rtorrent's port?)")


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadAnswer(f"expected an integer, got {value!r:.60}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise _BadAnswer(f"expected a string, got {value!r:.60}")
    return value


def command_quote(value: str) -> str:
    """`value` as one quoted argument of an rtorrent command (backslash and `"` escaped).

    The caller makes sure it does not begin with `$`: rtorrent runs such a value as a command.
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def torrent_infohash(torrent: bytes) -> str | None:
    """The v1 infohash in upper-case hex, as rtorrent names torrents (None: not a torrent)."""
    infohash = infohash_of(torrent)
    return infohash.upper() if infohash is not None else None
