"""`nekobt-upload check PATH...`"""

from uploader.commands._release_options import release_command

command = release_command("check", "check", """\
Build the torrent and ask the site's checks for each PATH; upload nothing.
Shows the exact request `upload` would send (`--json`: the `payload` field).
The same as `upload --dry-run`.

\b
Examples:
  nekobt-upload check "[MyGroup] Show - 05 (1080p).mkv"
  nekobt-upload check --json --set languages.audio=[ja,en] "[MyGroup] Show - 05 (1080p).mkv"
  nekobt-upload check --sandbox examples/sample-release/*.mkv    # no account needed

Reads NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE, a file holding it), NEKOBT_API_URL,
NEKOBT_PROFILES and NEKOBT_STATE_DIR.

Exit codes: 0 all passed, 1 any rejected or failed, 2 usage or configuration
error, 3 API key missing or refused, 130 interrupted.""")
