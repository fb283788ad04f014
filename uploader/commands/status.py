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
        # A release whose process is gone mid-way reads `interrupted`, never "building".
        records = [record.as_seen() for record in journal.releases()]
        earlier = {r.id: [u for u in journal.uploads(r.id) if u.torrent_id != r.torrent_id]
                   for r in records}
    if settings.json:
        for record in records:
            data = record.to_json()
            data["earlier_uploads"] = [u.to_json() for u in earlier[record.id]]
            click.echo(json.dumps(data, ensure_ascii=False))
        return 0
    if not records:
        click.echo("No releases in the journal yet.")
        return 0
    click.echo(f"{'ID':>4}  {'STATE':<11}  {'SEEDING':<8}  {'TORRENT':<20}  PATH")
    for record in records:
        tid = record.torrent_id or "-"
        seeding = record.seeding_state if record.state in ("uploaded", "exists") else "-"
        click.echo(f"{record.id:>4}  {record.state:<11}  {seeding:<8}  {tid:<20}  "
                   f"{record.path}")
        if record.state == "interrupted":
            click.echo("      its process is gone — run the same command again to resume it")
        if record.error and record.state != "checked":
            click.echo(f"      {record.error}")
        for upload in earlier[record.id]:
            later = f", replaced by {upload.replaced_by}" if upload.replaced_by else ""
            click.echo(f"      earlier upload from this path: {upload.torrent_id} "
                       f"(uploaded {_when(upload.uploaded_at)}{later})")
    return 0


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "at an unknown time"
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
