"""Options shared by `upload` and `check`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def release_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(path_type=Path)),
        click.option("--profile", "profile_name", default=None, metavar="NAME",
                     help="Profile to use (default: chosen by the [Tag] in the release name)."),
        click.option("--ignore-warnings", is_flag=True,
                     help="Upload even when the site's checks warn."),
        click.option("--torrent-dir", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Where built .torrent files go "
                     "(default: <state-dir>/torrents)."),
        click.option("--no-detect", is_flag=True,
                     help="Do not add languages/codec detected from the media."),
        click.option("--hash-threads", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Threads hashing pieces (default: the cores this process may use)."),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="Override one profile key for this run, e.g. --set level=4, "
                     "--set batch=true, --set languages.audio=[ja,en], "
                     "--set 'members+={id: \"333\", role: QC}' (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def wait_options(func: F) -> F:
    """`upload` / `check` only: how long to wait for a release still being written (`watch`
    has its own --settle, measured by its observer)."""
    from uploader.settings import DEFAULT_SETTLE, DEFAULT_SETTLE_MAX

    options = [
        click.option("--settle", type=click.FloatRange(min=0), default=DEFAULT_SETTLE,
                     show_default=True, metavar="SECONDS",
                     help="A release is complete when none of its files changed for this "
                     "long (a file finished earlier starts at once)."),
        click.option("--max-wait", "settle_max", type=click.FloatRange(min=0),
                     default=DEFAULT_SETTLE_MAX, show_default=True, metavar="SECONDS",
                     help="Give up (failed) on a release still changing after this long."),
        click.option("--no-wait", is_flag=True,
                     help="Refuse (failed), rather than wait for, a release whose files are "
                     "still changing."),
        click.option("--torrent", "torrent_file", metavar="FILE", default=None,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Upload this existing .torrent of PATH (e.g. the one posted on "
                     "Nyaa: same infohash, one swarm) after verifying every piece against "
                     "the data. One PATH only."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def release_settings(settings: Any, profile_name: str | None, ignore_warnings: bool,
                     torrent_dir: Path | None, no_detect: bool,
                     sets: tuple[str, ...] = (), hash_threads: int | None = None) -> Any:
    from uploader.profiles.overrides import parse_set

    return settings.with_(profile_name=profile_name, ignore_warnings=ignore_warnings,
                          torrent_dir=torrent_dir, detect=not no_detect,
                          overrides=tuple(parse_set(arg) for arg in sets),
                          hash_threads=hash_threads)


def release_command(name: str, mode: str, doc: str, *, seeds: bool = False) -> click.Command:
    """The `upload` and `check` commands differ only in the pipeline's mode (and `upload`
    hands what it uploaded to the seeding client)."""
    from uploader.commands._common import settings_command
    from uploader.commands._seed_options import (
        notify_options,
        notify_settings,
        seed_options,
        seed_settings,
    )

    def run(settings: Any, paths: tuple[Path, ...], profile_name: str | None,
            ignore_warnings: bool, torrent_dir: Path | None, no_detect: bool,
            sets: tuple[str, ...], hash_threads: int | None, settle: float,
            settle_max: float, no_wait: bool,
            torrent_file: Path | None, replace: bool = False,
            notify_urls: tuple[str, ...] = (), **seed: Any) -> int:
        from uploader.exceptions import ConfigError
        from uploader.runner import run_releases

        if torrent_file is not None and len(paths) != 1:
            raise ConfigError(f"--torrent {torrent_file}: it describes one release — give "
                              f"exactly one PATH (got {len(paths)})")
        settings = release_settings(settings, profile_name, ignore_warnings, torrent_dir,
                                    no_detect, sets, hash_threads)
        settings = settings.with_(settle=settle, settle_max=settle_max, no_wait=no_wait,
                                  replace=replace, torrent_file=torrent_file)
        if seeds:
            settings = notify_settings(seed_settings(settings, **seed), notify_urls)
        return run_releases(settings, list(paths), mode)

    command: Any = settings_command(run)
    if seeds:
        command = notify_options(seed_options(command))
        command = click.option(
            "--replace", is_flag=True,
            help="New content at a path already uploaded: upload it and mark the earlier "
            "torrent upgraded by the new one.")(command)
    command = wait_options(command)
    return click.command(name, help=doc)(release_options(command))
