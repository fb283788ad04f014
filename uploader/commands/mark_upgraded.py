"""`nekobt-upload mark-upgraded NEW_ID OLD_ID...`"""

from __future__ import annotations

import json

import click

from uploader.commands._common import settings_command_using
from uploader.settings import Settings


@click.command("mark-upgraded", help="""Set `upgraded` = NEW_ID on each OLD_ID (the torrents the
new one replaces), as the site's "mark as upgraded" does.

\b
Examples:
  nekobt-upload mark-upgraded 1376523410987654321 1374901234567890123
  nekobt-upload mark-upgraded --json NEW_ID OLD_ID1 OLD_ID2    # a v3 replaces v1 and v2
  nekobt-upload mark-upgraded --sandbox 1300000000000001002 1300000000000001001

Each OLD_ID that cannot be marked is named with the reason: no torrent with that id on
the site, or not yours to edit (you are not its uploader or a group admin). Every mark is
read back from the site.

Reads NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE, a file holding it) and NEKOBT_API_URL.
Exit codes: 0 all marked, 1 any not marked or not shown by the site (listed), 2 bad ids
(not digits, or OLD_ID = NEW_ID), 3 API key missing or refused.""")
@click.argument("new_id")
@click.argument("old_ids", nargs=-1, required=True)
@settings_command_using("api_url", "json", "sandbox", "verbosity")
def command(settings: Settings, new_id: str, old_ids: tuple[str, ...]) -> int:
    from uploader.api import NekoClient
    from uploader.runner import site_settings
    from uploader.upgrades import check_request, mark_upgraded

    check_request(new_id, old_ids)  # exit 2 before the sandbox starts or anything is sent
    with site_settings(settings) as settings, \
            NekoClient(settings.api_url, settings.require_key(),
                       limits=settings.client_limits()) as client:
        result = mark_upgraded(client, new_id, list(old_ids))
    if settings.json:
        click.echo(json.dumps({"torrent_id": new_id, "upgraded": list(result.marked),
                               "bad_torrents": list(result.bad_torrents),
                               "not_found": list(result.missing),
                               "not_yours": list(result.not_yours),
                               "unverified": list(result.unverified)}))
    else:
        for tid in result.marked:
            click.echo(f"marked upgraded: {tid} → {new_id}")
        for tid in result.missing:
            click.echo(f"not marked: no torrent {tid} on the site — check the id")
        for tid in result.not_yours:
            click.echo(f"not marked: {tid} is not yours to edit (you are not its uploader or "
                       "a group admin) — ask its group to mark it")
        for tid in result.unverified:
            click.echo(f"sent, but the site does not show it: {tid} — check it on the site")
    return 1 if result.bad_torrents or result.unverified else 0
