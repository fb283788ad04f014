"""In the watch folder: a sidecar `<release>.nekobt.yaml` and the group's own `<release>.torrent`
beside a release are used for it (and are never releases themselves)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import torf
from e2e_world import SAMPLE, World

pytestmark = pytest.mark.needs_mktorrent

NAME = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
PUBLIC = ["https://tracker.nekobt.to/api/tracker/public/announce",
          "udp://tracker.opentrackr.org:1337/announce"]


def test_watch_uses_the_sidecar_and_the_torrent_beside_a_release(world: World) -> None:
    inbox = world.tmp / "inbox"
    inbox.mkdir()
    release = inbox / NAME
    shutil.copyfile(SAMPLE, release)
    own = inbox / (NAME + ".torrent")
    subprocess.run(["mktorrent", "-l", "18", "-o", str(own),
                    *[arg for url in PUBLIC for arg in ("-a", url)], str(release)],
                   check=True, capture_output=True)
    (inbox / (NAME + ".nekobt.yaml")).write_text("level: 1\nhardsub: true\n")
    past = time.time() - 60
    for entry in inbox.iterdir():
        os.utime(entry, (past, past))
    world.edit_profile("examplesubs", lambda d: d["torrent"].update(reuse=True))
    run = world.cli("watch", "--once", "--json", "--settle", "0", str(inbox))
    assert run.code == 0, run.err
    (record,) = run.records()  # the .torrent and the sidecar are not releases
    assert record["infohash"] == str(torf.Torrent.read(own).infohash)
    stored = world.site.torrents[record["torrent_id"]]
    assert (stored.level, stored.hardsub) == (1, True)
