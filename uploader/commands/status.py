"""`nekobt-upload status`: the journal."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from uploader.commands._common import settings_command_using
from uploader.exceptions import ConfigError
from uploader.settings import Settings

if TYPE_CHECKING:
    from uploader.journal import ReleaseRecord

# States `--failed` shows (besides uploaded releases whose follow-up failed).
FAILED_STATES = frozenset({"failed", "rejected", "interrupted"})
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """`--since`: an age (30m, 12h, 2d, 1w) or a UTC date / time (2026-12-01,
    2026-12-01T18:00), as the epoch it names."""
    if value is None:
        return None
    text = value.strip()
    number, unit = text[:-1], text[-1:].lower()
    if unit in _UNITS and number.isdigit():
        return time.time() - int(number) * _UNITS[unit]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: not an age or a date — use e.g. 30m, 12h, 2d, 1w "
                                 "or 2026-12-01 (UTC)", ctx, param) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def selected(record: ReleaseRecord, *, failed: bool, since: float | None) -> bool:
    """Whether `record` (as `status` sees it) passes the --failed / --since filters."""
    if failed and not (record.state in FAILED_STATES or record.followups_failed):
        return False
    return since is None or record.updated_at >= since


@click.command("status", help="""Show each release in the journal: state, seeding, torrent id,
when it last changed and when it was uploaded (UTC), and its last error.

\b
Examples:
  nekobt-upload status --failed             # what needs you
  nekobt-upload status --since 2d --json    # the last 2 days, for scripts
  nekobt-upload status --retry 7            # make failed release 7 eligible again

--failed shows failed, rejected and interrupted releases, and uploaded ones whose follow-up
(seeding, upgrade marking) failed. --since takes an age (30m, 12h, 2d, 1w) or a UTC date
(2026-12-01) and keeps releases updated since then. Filters change which records --json
prints, never their fields.

Reads NEKOBT_STATE_DIR (the journal is <state-dir>/journal.sqlite3; --sandbox runs keep
theirs in <state-dir>/sandbox). Exit codes: 0 shown, 2 a bad option, or no journal where
--state-dir / NEKOBT_STATE_DIR points (or none to --retry in); never creates one.""")
@click.option("--retry", "retry_ids", type=int, multiple=True, metavar="ID",
              help="Make failed release ID eligible again (see the id column; repeatable).")
@click.option("--failed", is_flag=True,
              help="Only releases that need you: failed, rejected, interrupted, or uploaded "
                   "with a failed follow-up.")
@click.option("--since", metavar="AGE|DATE", callback=parse_since,
              help="Only releases updated since then: 12h, 2d, 1w or 2026-12-01 (UTC).")
@click.option("--sandbox", is_flag=True,
              help="The journal of --sandbox runs (<state-dir>/sandbox).")
@settings_command_using("state_dir", "json", "verbosity")
def command(settings: Settings, retry_ids: tuple[int, ...], failed: bool, since: float | None,
            sandbox: bool) -> int:
    from uploader.journal import Journal

    state_dir = settings.state_dir / "sandbox" if sandbox else settings.state_dir
    path = state_dir / "journal.sqlite3"
    if not path.is_file():
        if retry_ids or _state_dir_given(click.get_current_context()):
            raise ConfigError(f"no journal at {path} — check --state-dir / NEKOBT_STATE_DIR")
        # The default state dir before the first run: nothing to show, and nothing created.
        if not settings.json:
            click.echo(f"No releases in the journal yet (none at {path}).")
        return 0
    with Journal(path) as journal:
        for release_id in retry_ids:
            journal.reset_for_retry(release_id)
            click.echo(f"release {release_id}: queued for retry", err=True)
        # A release whose process is gone mid-way reads `interrupted`, never "building".
        everything = [record.as_seen() for record in journal.releases()]
        records = [r for r in everything if selected(r, failed=failed, since=since)]
        earlier = {r.id: [u for u in journal.uploads(r.id) if u.torrent_id != r.torrent_id]
                   for r in records}
    if settings.json:
        for record in records:
            data = record.to_json()
            data["earlier_uploads"] = [u.to_json() for u in earlier[record.id]]
            click.echo(json.dumps(data, ensure_ascii=False))
        return 0
    if not everything:
        click.echo("No releases in the journal yet.")
        return 0
    if not records:
        click.echo(f"No releases match {_filters(failed, since)} "
                   f"({len(everything)} in the journal).")
        return 0
    click.echo(f"{'ID':>4}  {'STATE':<11}  {'SEEDING':<8}  {'TORRENT':<20}  "
               f"{'UPDATED (UTC)':<16}  {'UPLOADED (UTC)':<16}  PATH")
    for record in records:
        tid = record.torrent_id or "-"
        done = record.state in ("uploaded", "exists")
        seeding = record.seeding_state if done else "-"
        uploaded = _short(record.uploaded_at) if done else "-"
        click.echo(f"{record.id:>4}  {record.state:<11}  {seeding:<8}  {tid:<20}  "
                   f"{_short(record.updated_at):<16}  {uploaded:<16}  {record.path}")
        if record.state == "interrupted":
            click.echo("      its process is gone — run the same command again to resume it")
        if record.error and record.state != "checked":
            click.echo(f"      {record.error}")
        for upload in earlier[record.id]:
            later = f", replaced by {upload.replaced_by}" if upload.replaced_by else ""
            click.echo(f"      earlier upload from this path: {upload.torrent_id} "
                       f"(uploaded {_when(upload.uploaded_at)}{later})")
    return 0


def _state_dir_given(ctx: click.Context) -> bool:
    """--state-dir or NEKOBT_STATE_DIR named the folder (a typo there must not look empty)."""
    from click.core import ParameterSource

    return ctx.get_parameter_source("state_dir") in (ParameterSource.COMMANDLINE,
                                                     ParameterSource.ENVIRONMENT)


def _filters(failed: bool, since: float | None) -> str:
    parts = ["--failed"] if failed else []
    if since is not None:
        parts.append(f"--since {_short(since)} UTC")
    return " ".join(parts)


def _short(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "at an unknown time"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")

