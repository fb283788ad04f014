"""`--seed-client URL`, its password and `--seed-path-map`: parsed once, checked for sense.

    qbittorrent://USER@HOST:PORT              qBittorrent Web API v2
    transmission://USER@HOST:PORT[/rpc-path]  Transmission RPC (default /transmission/rpc)
    deluge://USER@HOST:PORT                   Deluge daemon RPC (deluged, default port 58846)
    rtorrent://HOST:PORT                      rTorrent XML-RPC over SCGI
    rtorrent+http://HOST:PORT/PATH            rTorrent XML-RPC behind a web server (ruTorrent's)

`+https` after the client name (`qbittorrent+https://`) talks TLS. Plain http carries the
password in the clear, so like the site's API it is refused for any host but loopback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from uploader.exceptions import ConfigError
from uploader.secret import Secret
from uploader.seed.base import ClientConfig
from uploader.urls import is_loopback_host

KINDS = ("qbittorrent", "transmission", "deluge", "rtorrent")
DEFAULT_PORTS = {"qbittorrent": 8080, "transmission": 9091, "deluge": 58846, "rtorrent": 5000}
EXAMPLE = "qbittorrent://admin@127.0.0.1:8080"


def parse_client_url(url: str, password: Secret | None = None, *,
                     timeout: float = 30.0) -> ClientConfig:
    """A `ClientConfig` from `--seed-client URL`, or ConfigError naming what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    kind, _, transport = scheme.partition("+")
    subject = f"--seed-client {_shown(url)!r}"
    if kind not in KINDS:
        raise ConfigError(f"{subject}: unknown client {kind or '(none)'!r} — use one of "
                          f"{', '.join(k + '://' for k in KINDS)} (e.g. {EXAMPLE})")
    if transport not in ("", "https") and not (kind == "rtorrent" and transport == "http"):
        raise ConfigError(f"{subject}: unknown transport {transport!r} — only '+https' "
                          "(and 'rtorrent+http') may follow the client's name")
    if parts.password is not None:
        raise ConfigError(f"{subject}: put the password in NEKOBT_SEED_PASSWORD or "
                          "NEKOBT_SEED_PASSWORD_FILE, not in the URL (it would show in "
                          "process lists and logs)")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ConfigError(f"{subject}: the port is not a number from 1 to 65535") from None
    if not host:
        raise ConfigError(f"{subject}: no host — write it as {kind}://USER@HOST:PORT")
    tls = transport == "https"
    scgi = kind == "rtorrent" and transport == ""
    path = parts.path.rstrip("/") or None
    if kind == "rtorrent" and not scgi and path is None:
        raise ConfigError(f"{subject}: rtorrent over http needs the XML-RPC path, e.g. "
                          "rtorrent+http://127.0.0.1:80/RPC2")
    if kind in ("qbittorrent", "deluge") and path:
        raise ConfigError(f"{subject}: {kind} takes no path after the port")
    if scgi and path:
        raise ConfigError(f"{subject}: rtorrent:// is SCGI on a TCP port and takes no path; "
                          "for XML-RPC behind a web server use rtorrent+http://HOST:PORT/PATH")
    if not tls and not is_loopback_host(host) and kind != "deluge" and not scgi:
        raise ConfigError(f"{subject}: plain http sends the password in the clear and is only "
                          f"allowed on loopback — use {kind}+https:// or a loopback address")
    username = unquote(parts.username) if parts.username else None
    if kind == "deluge" and not username:
        raise ConfigError(f"{subject}: deluge needs a user name (deluge://USER@HOST:PORT, "
                          "from the daemon's auth file)")
    if kind == "deluge" and password is None:
        raise ConfigError(f"{subject}: deluge needs a password — set NEKOBT_SEED_PASSWORD or "
                          "NEKOBT_SEED_PASSWORD_FILE")
    return ClientConfig(kind=kind, host=host, port=port or DEFAULT_PORTS[kind],
                        username=username, password=password, tls=tls, path=path, scgi=scgi,
                        timeout=timeout)


def _shown(url: str) -> str:
    """The URL with any password in it masked: safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":<hidden>@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True)
class PathMap:
    """How the client sees this machine's folders: longest matching local prefix wins."""

    pairs: tuple[tuple[PurePosixPath, PurePosixPath], ...] = ()

    def to_client(self, local: str) -> str:
        path = PurePosixPath(local)
        best: tuple[PurePosixPath, PurePosixPath] | None = None
        for src, dst in self.pairs:
            if (path == src or src in path.parents) and (
                    best is None or len(src.parts) > len(best[0].parts)):
                best = (src, dst)
        if best is None:
            return str(path)
        return str(best[1] / path.relative_to(best[0]))

    def __bool__(self) -> bool:
        return bool(self.pairs)


def parse_path_map(entries: list[str] | tuple[str, ...]) -> PathMap:
    """`LOCAL=CLIENT` entries (from repeated `--seed-path-map`, or `;`-separated env)."""
    pairs = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        local, sep, remote = entry.partition("=")
        if not sep or not local.strip() or not remote.strip():
            raise ConfigError(f"--seed-path-map {entry!r}: expected LOCAL=CLIENT, e.g. "
                              "/srv/encodes=/data (how the client sees this machine's folder)")
        src, dst = PurePosixPath(local.strip()), PurePosixPath(remote.strip())
        if not src.is_absolute() or not dst.is_absolute():
            raise ConfigError(f"--seed-path-map {entry!r}: both sides must be absolute paths")
        pairs.append((src, dst))
    return PathMap(tuple(pairs))
