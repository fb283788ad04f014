"""`nekobt-upload status`: the journal."""

from __future__ import annotations

import json

import click

from uploader.commands._common import settings_command
from uploader.settings import Settings


@click.command("status")
@click.option("--retry", "retry_ids", type=int, multiple=True, metavar="ID",
              help="Make failed release ID eligible again (see the id column).")
@settings_command
def command(settings: Settings, retry_ids: tuple[int, ...]) -> int:
    """Show each release in the journal: state, torrent id, last error."""
    from uploader.journal import Journal

    state_dir = settings.state_dir / "sandbox" if settings.sandbox else settings.state_dir
    with Journal.in_state_dir(state_dir) as journal:
        for release_id in retry_ids:
            journal.reset_for_retry(release_id)
            click.echo(f"release {release_id}: queued for retry", err=True)
        records = journal.releases()
    if settings.json:
        for record in records:
            click.echo(json.dumps(record.to_json(), ensure_ascii=False))
        return 0
    if not records:
        click.echo("No releases in the journal yet.")
        return 0
    click.echo(f"{'ID':>4}  {'STATE':<9}  {'SEEDING':<8}  {'TORRENT':<20}  PATH")
    for record in records:
        tid = record.torrent_id or "-"
        seeding = record.seeding_state if record.state in ("uploaded", "exists") else "-"
        click.echo(f"{record.id:>4}  {record.state:<9}  {seeding:<8}  {tid:<20}  "
                   f"{record.path}")
        if record.error and record.state != "checked":
            click.echo(f"      {record.error}")
    return 0
