"""`nekobt-upload check PATH...`"""

from uploader.commands._release_options import release_command

command = release_command("check", "check", """\
Build the torrent and ask the site's checks for each PATH; upload nothing.
Shows the exact request `upload` would send (`--json`: the `payload` field).
The same as `upload --dry-run`.

Exit codes: 0 all passed, 1 any rejected or failed, 2 usage or configuration
error, 3 API key missing or refused, 130 interrupted.""")
