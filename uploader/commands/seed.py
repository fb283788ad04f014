"""`nekobt-upload seed test [DIR]`: try the seeding client before the first real upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from uploader.commands._common import settings_command_using
from uploader.commands._seed_options import seed_options, seed_settings
from uploader.settings import Settings


@click.group("seed")
def command() -> None:
    """The torrent client that seeds what is uploaded.

    \b
    Example:
      nekobt-upload seed test /srv/encodes/ready --seed-client qbittorrent://admin@127.0.0.1:8080
    """


@command.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@seed_options
@settings_command_using("verbosity")
def test(settings: Settings, path: Path | None, **seed: Any) -> int:
    """Connect to the seeding client; with PATH, prove it can see and read files there.

    PATH is the folder your releases are in (the watch folder), or a release file (its folder
    is used). A small hidden probe file is written there, handed to the client as a torrent
    through the path map, and must reach "seeding"; then both are removed again.

    \b
    Examples:
      NEKOBT_SEED_PASSWORD=... nekobt-upload seed test --seed-client qbittorrent://admin@127.0.0.1:8080
      nekobt-upload seed test /srv/encodes/ready --seed-path-map /srv/encodes=/data

    Reads NEKOBT_SEED_CLIENT, NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE),
    NEKOBT_SEED_PATH_MAP and NEKOBT_SEED_TIMEOUT.
    Exit codes: 0 ready, 1 the client cannot seed from PATH, 2 no or bad --seed-client,
    3 the client refused the login.
    """
    from uploader.exceptions import ConfigError
    from uploader.seed.probe import describe_client, probe_folder

    settings = seed_settings(settings, **seed)
    if settings.seed_client is None:
        raise ConfigError("--seed-client: none given — name your torrent client, e.g. "
                          "--seed-client qbittorrent://admin@127.0.0.1:8080 (or set "
                          "NEKOBT_SEED_CLIENT)")
    click.echo(describe_client(settings.seed_client))
    if path is None:
        return 0
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    click.echo(probe_folder(settings.seed_client, folder, settings.seed_path_map))
    return 0
