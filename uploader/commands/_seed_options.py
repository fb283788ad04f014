"""Options of the follow-ups of an upload: the torrent client that seeds releases (`upload`,
`watch`, `seed test`) and who is told about outcomes (`--notify`).

The client is a property of the machine, not of a group's profile kept in git, so it comes
from options and the environment only. Its password is read from the environment alone
(NEKOBT_SEED_PASSWORD or NEKOBT_SEED_PASSWORD_FILE), like the API key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from uploader.settings import DEFAULT_SEED_TIMEOUT, Settings

F = TypeVar("F", bound=Callable[..., Any])


class _PathMapEntry(click.types.StringParamType):
    """LOCAL=CLIENT; NEKOBT_SEED_PATH_MAP holds several separated by ';'."""

    name = "LOCAL=CLIENT"
    envvar_list_splitter = ";"


def seed_options(func: F) -> F:
    options = [
        click.option("--seed-client", metavar="URL", envvar="NEKOBT_SEED_CLIENT", default=None,
                     help="The torrent client that seeds what is uploaded, e.g. "
                          "qbittorrent://admin@127.0.0.1:8080, transmission://USER@HOST:9091, "
                          "deluge://USER@HOST:58846, rtorrent://HOST:5000 (env "
                          "NEKOBT_SEED_CLIENT; password from NEKOBT_SEED_PASSWORD or "
                          "NEKOBT_SEED_PASSWORD_FILE)."),
        click.option("--seed-path-map", "seed_path_map", multiple=True, type=_PathMapEntry(),
                     envvar="NEKOBT_SEED_PATH_MAP",
                     help="How the client sees this machine's folders, e.g. /srv/encodes=/data "
                          "(repeatable; env NEKOBT_SEED_PATH_MAP, ';'-separated)."),
        click.option("--seed-timeout", type=click.FloatRange(min=0), metavar="SECONDS",
                     envvar="NEKOBT_SEED_TIMEOUT", default=DEFAULT_SEED_TIMEOUT,
                     show_default=True,
                     help="How long to wait for the client to check the files and seed "
                          "(0: hand off without waiting; env NEKOBT_SEED_TIMEOUT)."),
        click.option("--seed-skip-check", is_flag=True,
                     help="Let the client skip its hash check (qBittorrent, Deluge), once this "
                          "tool has confirmed the files are the ones it hashed."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def notify_options(func: F) -> F:
    """`--notify URL` (`upload`, `watch`): the operator's notification targets."""
    option = click.option(
        "--notify", "notify_urls", multiple=True, metavar="URL", envvar="NEKOBT_NOTIFY",
        help="An apprise URL told about uploads, rejections and failures, e.g. "
             "discord://ID/TOKEN, tgram://BOT/CHAT, ntfy://topic, json://host/path "
             "(repeatable; env NEKOBT_NOTIFY, space-separated).")
    return option(func)


def notify_settings(settings: Settings, notify_urls: tuple[str, ...]) -> Settings:
    from uploader.secret import Secret

    return settings.with_(notify_urls=tuple(Secret(u) for u in notify_urls if u.strip()))


def seed_settings(settings: Settings, seed_client: str | None, seed_path_map: tuple[str, ...],
                  seed_timeout: float, seed_skip_check: bool) -> Settings:
    from uploader.commands._common import read_seed_password
    from uploader.seed.config import parse_client_url, parse_path_map

    config = None
    if seed_client:
        config = parse_client_url(seed_client, read_seed_password())
    return settings.with_(seed_client=config, seed_path_map=parse_path_map(seed_path_map),
                          seed_timeout=seed_timeout, seed_skip_check=seed_skip_check)
