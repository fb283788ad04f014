"""The real CLI as a subprocess against a sandbox served over loopback (for the profiles
init / sandbox hosting tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Run, REPO and SAMPLE are the end-to-end tests' own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_world import REPO, SAMPLE, Run

__all__ = ["REPO", "SAMPLE", "Run", "cli", "release"]


def cli(tmp: Path, url: str, key: str, profiles: Path, *args: str,
        stdin: int | None = subprocess.DEVNULL, timeout: float = 120) -> Run:
    """`python -m uploader ARGS` with the site, key, profiles and state of this test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    env.update(NEKOBT_API_URL=url, NEKOBT_API_KEY=key, NEKOBT_PROFILES=str(profiles),
               NEKOBT_STATE_DIR=str(tmp / "state"))
    proc = subprocess.run([sys.executable, "-m", "uploader", *args], env=env, stdin=stdin,
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=tmp)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def release(tmp: Path, tag: str) -> Path:
    """The sample release renamed to the group's tag, finished a minute ago."""
    dest = tmp / "in" / f"[{tag}] Sample Show - 01v2 (1080p).mkv"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE, dest)
    past = time.time() - 60
    os.utime(dest, (past, past))
    return dest
