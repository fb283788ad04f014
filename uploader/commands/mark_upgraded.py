"""`nekobt-upload mark-upgraded NEW_ID OLD_ID...`"""

from __future__ import annotations

import json

import click

from uploader.commands._common import settings_command
from uploader.settings import Settings


@click.command("mark-upgraded")
@click.argument("new_id")
@click.argument("old_ids", nargs=-1, required=True)
@settings_command
def command(settings: Settings, new_id: str, old_ids: tuple[str, ...]) -> int:
    """Set `upgraded` = NEW_ID on each OLD_ID (torrents the new one replaces).

    Exit codes: 0 all marked, 1 some could not be edited or not verified (listed), 2 bad ids,
    3 key refused.
    """
    from uploader.api import NekoClient
    from uploader.runner import site_settings
    from uploader.upgrades import mark_upgraded

    with site_settings(settings) as settings, \
            NekoClient(settings.api_url, settings.require_key()) as client:
        result = mark_upgraded(client, new_id, list(old_ids))
    if settings.json:
        click.echo(json.dumps({"torrent_id": new_id, "upgraded": list(result.marked),
                               "bad_torrents": list(result.bad_torrents),
                               "unverified": list(result.unverified)}))
    else:
        for tid in result.marked:
            click.echo(f"marked upgraded: {tid} → {new_id}")
        for tid in result.bad_torrents:
            click.echo(f"not allowed to edit: {tid} (bad_torrents)")
        for tid in result.unverified:
            click.echo(f"sent, but the site does not show it: {tid} — check it on the site")
    return 1 if result.bad_torrents or result.unverified else 0
