"""`nekobt-upload watch DIR...`"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from uploader.commands._common import settings_command
from uploader.commands._release_options import release_options, release_settings
from uploader.commands._seed_options import (
    notify_options,
    notify_settings,
    seed_options,
    seed_settings,
)
from uploader.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def release_flags(func: F) -> F:
    """`upload`'s release options (--profile, --ignore-warnings, --torrent-dir, --no-detect)
    without its PATH argument: taken from `release_options` so both commands stay alike."""
    # click decorators collect their parameters in `__click_params__` until the command is made.
    probe: Any = release_options(lambda: None)
    params = [p for p in probe.__click_params__ if not isinstance(p, click.Argument)]
    target: Any = func
    target.__click_params__ = [*getattr(func, "__click_params__", []), *params]
    return func


@click.command("watch")
@click.argument("dirs", metavar="DIR...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("--once", is_flag=True,
              help="Process what is in DIR now, wait until it is done, then exit "
                   "(exit codes as for `upload`).")
@click.option("--polling", is_flag=True,
              help="Poll the folders instead of native events (network and FUSE filesystems).")
@click.option("--settle", type=click.FloatRange(min=0), default=10.0, show_default=True,
              metavar="SECONDS",
              help="A release is complete when nothing in it changed for this long.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Releases hashed at the same time.")
@click.option("--replace", is_flag=True,
              help="New content at a path already uploaded: upload it and mark the earlier "
                   "torrent upgraded by the new one (default: hold it).")
@release_flags
@notify_options
@seed_options
@settings_command
def command(settings: Settings, dirs: tuple[Path, ...], once: bool, polling: bool,
            settle: float, jobs: int, replace: bool, profile_name: str | None,
            ignore_warnings: bool, torrent_dir: Path | None, no_detect: bool,
            sets: tuple[str, ...], hash_threads: int | None, notify_urls: tuple[str, ...],
            **seed: Any) -> int:
    """Upload releases as they appear in DIR (a file, or a folder for a batch), exactly once.

    A release is processed once nothing in it has changed for the settle period; temporary
    names (*.part, *.!qB, *.tmp, *.crdownload) and dotfiles are ignored. Releases already
    uploaded are skipped; an upload interrupted by a crash is resolved by infohash. Runs until
    SIGINT/SIGTERM (exit 130/0); an upload in flight finishes or is left for the next start.

    \b
    Examples:
      nekobt-upload watch /srv/encodes/ready
      nekobt-upload watch --once --json /srv/encodes/ready       # from cron or CI
      nekobt-upload watch --polling --settle 30 /mnt/nas/ready   # a network share

    Reads NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE, a file holding it), NEKOBT_API_URL,
    NEKOBT_PROFILES and NEKOBT_STATE_DIR; for seeding NEKOBT_SEED_CLIENT,
    NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE), NEKOBT_SEED_PATH_MAP and
    NEKOBT_SEED_TIMEOUT; and NEKOBT_NOTIFY.

    Exit codes with --once: 0 all uploaded or already on the site, 1 any rejected or failed,
    2 usage or configuration error, 3 API key missing or refused, 130 interrupted.
    """
    from uploader.watch.service import watch

    settings = release_settings(settings, profile_name, ignore_warnings, torrent_dir,
                                no_detect, sets, hash_threads)
    settings = notify_settings(seed_settings(settings, **seed), notify_urls).with_(
        replace=replace)
    return watch(settings, list(dirs), once=once, polling=polling, settle=settle, jobs=jobs)
