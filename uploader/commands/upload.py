"""`nekobt-upload upload PATH...` (`--dry-run`: the same as `check`)."""

from typing import Any

import click

from uploader.commands._release_options import release_command

_DOC = """\
Build, check and upload each PATH (a file, or a folder for a batch), then exit.

\b
Examples:
  nekobt-upload upload "[MyGroup] Show - 05 (1080p).mkv"
  nekobt-upload upload --json --set level=4 "/srv/encodes/ready/[MyGroup] Show - 01-12"
  nekobt-upload upload --sandbox examples/sample-release/*.mkv    # no account needed

With --dry-run, stop after the site's checks, as `check` does: show the exact
request `upload` would send (and put it in each --json record as `payload`).

Reads NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE, a file holding it), NEKOBT_API_URL,
NEKOBT_PROFILES and NEKOBT_STATE_DIR; for seeding NEKOBT_SEED_CLIENT,
NEKOBT_SEED_PASSWORD (or NEKOBT_SEED_PASSWORD_FILE), NEKOBT_SEED_PATH_MAP and
NEKOBT_SEED_TIMEOUT; and NEKOBT_NOTIFY.

Exit codes: 0 all uploaded or already on the site (or checked clean), 1 any
rejected or failed, 2 usage or configuration error, 3 API key missing or refused,
130 interrupted."""

# The same options twice, one command per pipeline mode; --dry-run picks the check one.
_upload = release_command("upload", "upload", _DOC, seeds=True)
_dry_run = release_command("upload", "check", _DOC, seeds=True)


def _run(dry_run: bool, **params: Any) -> Any:
    chosen = _dry_run if dry_run else _upload
    assert chosen.callback is not None
    return chosen.callback(**params)


command = click.Command(
    "upload", callback=_run, help=_DOC,
    params=[*_upload.params, click.Option(
        ["--dry-run"], is_flag=True,
        help="Upload nothing: run the site's checks and show the request that would be sent "
        "(the same as `check`).")])
