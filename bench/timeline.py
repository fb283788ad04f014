"""Where one `nekobt-upload check` spends its time: a timeline of its phases (not a test).

    NEKOBT_API_URL=... NEKOBT_API_KEY=... NEKOBT_STATE_DIR=$(mktemp -d) \\
        .venv/bin/python bench/timeline.py PATH [PATH...]

Runs the real command in this process with a clock on the stages that matter (each wrapped
here, nothing else changed) and prints, in seconds since the interpreter started, when each
began (>) and ended (<): the settle rule's look at the release, its fingerprint, the listing,
the hash (with the piece reading inside it), libmediainfo, the site calls, and the end. Point
it at a sandbox (`nekobt-upload sandbox --port 8799`) and use a fresh state dir for a first
check, the same one again for a second. `bench/release.py` times whole commands.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()
MARKS: list[tuple[str, float]] = []


def mark(name: str) -> None:
    MARKS.append((name, time.perf_counter() - STARTED))


def clocked(owner: Any, attr: str, name: str) -> None:
    original: Callable[..., Any] = getattr(owner, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(f"{name}>")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{name}<")

    setattr(owner, attr, wrapper)


def main() -> int:
    import uploader.api.client as client
    import uploader.mediainfo as mediainfo
    import uploader.prepare as prepare
    import uploader.torrent as torrent
    import uploader.torrent.builder as builder
    import uploader.watch.settle as settle

    mark("imports")
    clocked(settle, "wait_until_complete", "settle")
    clocked(prepare, "fingerprint", "fingerprint")
    clocked(torrent, "plan_torrent", "list")
    clocked(builder.PlannedTorrent, "hash", "hash")
    clocked(builder, "release_pieces", "pieces")
    clocked(mediainfo, "read_mediainfo", "mediainfo")
    for method, name in (("check_key", "key"), ("extract_mediainfo", "PUT mediainfo"),
                         ("get_group", "GET group"), ("upload_checks", "PUT checks"),
                         ("find_by_infohash", "infohash lookup")):
        clocked(client.NekoClient, method, name)
    from uploader.cli import main as cli

    try:
        cli(["check", *sys.argv[1:]])
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        mark("end")
        print("\n".join(f"{at:7.3f}  {name}" for name, at in MARKS), file=sys.stderr)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
