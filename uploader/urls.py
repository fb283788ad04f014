"""Base URL policy: https everywhere, plain http only for loopback hosts."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from uploader.exceptions import ConfigError

DEFAULT_API_URL = "https://nekobt.to/api/v1"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise ConfigError naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(
            f"--api-url {url!r}: not an http(s) URL — use e.g. {DEFAULT_API_URL}"
        )
    if parts.username or parts.password:
        raise ConfigError("--api-url: credentials in the URL are not allowed — use NEKOBT_API_KEY")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"--api-url {url!r}: plain http is only allowed for loopback hosts "
            "(127.0.0.1, ::1, localhost) — use https://"
        )
    return url.rstrip("/")
