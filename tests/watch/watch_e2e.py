"""End-to-end harness: the real `python -m uploader watch` process against the sandbox site
served over real loopback HTTP from the test process (so the test reads the site's state)."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uploader.sandbox import DEMO_API_KEY, DEMO_GROUP_ID, DEMO_GROUP_TAG, SandboxServer

REPO = Path(__file__).resolve().parents[2]
#: A real (tiny) Matroska video: releases must hold a video track the site can use.
SAMPLE_VIDEO = next((REPO / "examples" / "sample-release").glob("*.mkv")).read_bytes()


def video(extra: int) -> bytes:
    """A video file of its own: the sample followed by `extra` random bytes."""
    return SAMPLE_VIDEO + os.urandom(extra)


TAG = DEMO_GROUP_TAG  # "ExampleSubs": the demo user leads this group
PROFILE = f"""\
group:
  id: "{DEMO_GROUP_ID}"
  tag: {TAG}
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
  - [udp://open.demonii.com:1337/announce]
description: "{{description}}"
"""


def release_name(n: int | str, show: str = "Watch Test") -> str:
    return f"[{TAG}] {show} - {n} (1080p).mkv"


def write_profile(folder: Path, description: str = "Watch test release.") -> None:
    (folder / "examplesubs.yaml").write_text(PROFILE.replace("{description}", description))


class Env:
    """Folders of one test: inbox, state, profiles; the environment pointing at the sandbox."""

    def __init__(self, tmp: Path, server: SandboxServer) -> None:
        self.tmp = tmp
        self.server = server
        self.site = server.site
        self.inbox = tmp / "in"
        self.state = tmp / "state"
        self.profiles = tmp / "profiles"
        for folder in (self.inbox, self.state, self.profiles):
            folder.mkdir()
        write_profile(self.profiles)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
        self.env.update(NEKOBT_API_URL=server.url, NEKOBT_API_KEY=DEMO_API_KEY,
                        NEKOBT_PROFILES=str(self.profiles), NEKOBT_STATE_DIR=str(self.state),
                        PYTHONUNBUFFERED="1")
        self.runs = 0

    def posts(self) -> list[str]:
        """Titles of every `POST /upload` the site received (stored or not)."""
        with self.site.lock:
            return [r.json.get("title", "?") for r in self.site.requests
                    if r.method == "POST" and r.path == "/upload" and isinstance(r.json, dict)]

    def stored(self) -> dict[str, Any]:
        """Torrents the site stored from our uploads, by title."""
        with self.site.lock:
            found: Counter[str] = Counter(t.title for t in self.site.torrents.values()
                                          if "Watch Test" in t.title)
            assert all(n == 1 for n in found.values()), found  # never twice
            return {t.title: t for t in self.site.torrents.values() if "Watch Test" in t.title}

    def status(self) -> list[dict[str, Any]]:
        out = subprocess.run([sys.executable, "-m", "uploader", "status", "--json"],
                             env=self.env, capture_output=True, text=True, check=True,
                             cwd=self.tmp)
        return [json.loads(line) for line in out.stdout.splitlines()]


class Watcher:
    """One `nekobt-upload watch` process; stdout (--json records) and stderr go to files."""

    def __init__(self, env: Env, *args: str, settle: float = 1.0) -> None:
        env.runs += 1
        self.env = env
        self.out_path = env.tmp / f"watch-{env.runs}.out"
        self.err_path = env.tmp / f"watch-{env.runs}.err"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uploader", "watch", str(env.inbox), "--json",
                 "--settle", str(settle), *args],
                env=env.env, stdout=out, stderr=err, cwd=env.tmp)

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out_path.read_text().splitlines() if line]

    def statuses(self) -> dict[str, str]:
        """Last status per release name."""
        return {Path(r["path"]).name: r["status"] for r in self.records()}

    def log(self) -> str:
        return self.err_path.read_text()

    def wait_for(self, what: Callable[[], object], timeout: float, why: str) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            if self.proc.poll() is not None:
                raise AssertionError(f"watch exited ({self.proc.returncode}) before: {why}\n"
                                     f"{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {why}\n{self.log()}")
            time.sleep(0.05)

    def signal(self, signum: int, timeout: float = 20.0) -> tuple[int, float]:
        """Send `signum`; (exit code, seconds until the process was gone)."""
        sent = time.monotonic()
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"watch did not exit within {timeout} s\n{self.log()}") from None
        return code, time.monotonic() - sent

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


def torrent_matches(raw_b64: str, content: Path) -> bool:
    """The uploaded .torrent's pieces verify against `content` as it is now on disk."""
    import torf

    torrent = torf.Torrent.read_stream(io.BytesIO(base64.b64decode(raw_b64)))
    return bool(torrent.verify(str(content)))
