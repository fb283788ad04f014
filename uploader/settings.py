"""Settings are built once, from flags and environment (read only by the CLI), then passed down."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from uploader.exceptions import AuthError, ConfigError
from uploader.secret import Secret

if TYPE_CHECKING:
    from uploader.api.limits import ClientLimits
    from uploader.profiles.overrides import Override
from uploader.seed.base import ClientConfig
from uploader.seed.config import PathMap
from uploader.urls import DEFAULT_API_URL, check_api_url

# Long enough for a client to recheck a 40 GB batch on a seedbox's disk (~25 MB/s and up).
DEFAULT_SEED_TIMEOUT = 1800.0
# `upload` / `check`: a release whose newest file changed less than this long ago is waited for
# (a file finished a minute ago starts at once); and the longest such a wait may take.
DEFAULT_SETTLE = 5.0
DEFAULT_SETTLE_MAX = 600.0


def default_state_dir() -> Path:
    import platformdirs  # imported here: keeps `--help` fast

    return Path(platformdirs.user_state_dir("nekobt-upload", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """What every command needs to know; built by `uploader.commands._common`."""

    api_url: str = DEFAULT_API_URL
    api_key: Secret | None = field(default=None, repr=True)  # Secret's repr hides the value
    profiles_dir: Path = Path("profiles")
    state_dir: Path = field(default_factory=default_state_dir)
    torrent_dir: Path | None = None
    profile_name: str | None = None
    ignore_warnings: bool = False
    detect: bool = True
    json: bool = False
    verbosity: int = 0
    sandbox: bool = False
    # The torrent client that seeds what is uploaded (a property of this machine).
    seed_client: ClientConfig | None = None
    seed_path_map: PathMap = field(default_factory=PathMap)
    seed_timeout: float = DEFAULT_SEED_TIMEOUT  # 0: hand off, do not wait for "seeding"
    seed_skip_check: bool = False  # let the client skip its recheck (after our own check)
    # `--set KEY=VALUE`: profile keys overridden for this run (uploader.profiles.overrides).
    overrides: tuple[Override, ...] = ()
    # NEKOBT_API_DEADLINE: the base total deadline of one request to the site (seconds);
    # None: the client's default (uploader.api.limits).
    api_deadline: float | None = None
    # `--hash-threads N`; None: the cores this process may use (as mktorrent uses every core).
    hash_threads: int | None = None
    # `--torrent FILE`: upload this existing .torrent (verified against the data) instead.
    torrent_file: Path | None = None
    # `--notify` / NEKOBT_NOTIFY: apprise URLs told about every outcome (they carry tokens).
    notify_urls: tuple[Secret, ...] = ()
    # Complete content only (`upload` / `check`): quiet period, the longest wait, --no-wait.
    settle: float = DEFAULT_SETTLE
    settle_max: float = DEFAULT_SETTLE_MAX
    no_wait: bool = False
    # --replace: new content at a path already uploaded is uploaded; the old torrent upgraded.
    replace: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", check_api_url(self.api_url))

    def client_limits(self) -> ClientLimits | None:
        """The API client's deadlines and caps (None: its defaults)."""
        if self.api_deadline is None:
            return None
        from uploader.api.limits import ClientLimits

        return ClientLimits.scaled(self.api_deadline)

    @property
    def threads(self) -> int:
        """Hashing threads: --hash-threads, else the cores this process may run on."""
        if self.hash_threads is not None:
            return self.hash_threads
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):  # not on Linux
            return max(1, os.cpu_count() or 2)

    @property
    def torrents_dir(self) -> Path:
        return self.torrent_dir if self.torrent_dir is not None else self.state_dir / "torrents"

    def require_key(self) -> Secret:
        """The API key, or AuthError (exit 3) saying how to provide one."""
        if self.api_key is None or not self.api_key:
            raise AuthError(
                "API key: none given — set NEKOBT_API_KEY, or NEKOBT_API_KEY_FILE to a file "
                "holding it (generate one in your nekoBT account settings), or use --sandbox"
            )
        return self.api_key

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def read_api_key(value: str | None, file: str | None) -> Secret | None:
    """The key from NEKOBT_API_KEY, else from the file NEKOBT_API_KEY_FILE names."""
    return read_secret(value, file, "NEKOBT_API_KEY_FILE", "the key")


def read_secret(value: str | None, file: str | None, file_var: str, what: str
                ) -> Secret | None:
    """A secret from its variable, else from the file its `*_FILE` variable names."""
    if value:
        return Secret(value.strip())
    if not file:
        return None
    path = Path(file).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"{file_var} {str(path)!r}: cannot read it ({exc.strerror}) — "
            f"point it at a readable file holding only {what}"
        ) from None
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            logging.getLogger(__name__).warning(
                "%s %s: readable by other users — run: chmod 600 %s", file_var, path, path)
    if not text:
        raise ConfigError(f"{file_var} {str(path)!r}: the file is empty — put {what} in it")
    return Secret(text)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True)
    # Not ours to change on some mounts; the files inside are still written 0600.
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IRWXU)
    return path
