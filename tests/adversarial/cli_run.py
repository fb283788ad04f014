"""Run the real CLI once, in a fresh process, measuring wall time and peak RSS.

The CLI's API deadlines are shrunk for the suite: until the command line reads
`NEKOBT_API_DEADLINE` (a change proposed in uploader/commands/_common.py), the process starts
through a two-line launcher that sets `uploader.api.limits.DEFAULT_LIMITS` and then runs
`python -m uploader` unchanged. Peak RSS is the process's own VmHWM (/proc/self/status,
written at exit by the launcher: per address space, so the test runner's memory, which a forked
child's `ru_maxrss` inherits, does not count); without the launcher, `ru_maxrss` from `wait4`
(an upper bound).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LAUNCHER = ("import atexit, pathlib, runpy, sys; import uploader.api.limits as L; "
            "L.DEFAULT_LIMITS = L.ClientLimits.scaled(float(sys.argv.pop(1))); "
            "hwm = pathlib.Path(sys.argv.pop(1)); "
            "atexit.register(lambda: hwm.write_text(next(line for line in "
            "pathlib.Path('/proc/self/status').read_text().splitlines() "
            "if line.startswith('VmHWM:')))); "
            "sys.argv[0] = 'uploader'; runpy.run_module('uploader', run_name='__main__')")


@dataclass
class Measured:
    code: int
    out: str
    err: str
    seconds: float
    rss_mb: float

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def run_cli(args: list[str], *, env: dict[str, str], cwd: Path, deadline: float | None,
            kill_after: float) -> Measured:
    """`python -m uploader ARGS` (through the launcher when `deadline` is set)."""
    out_path, err_path, hwm_path = cwd / "cli.out", cwd / "cli.err", cwd / "cli.hwm"
    hwm_path.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "uploader", *args] if deadline is None else \
        [sys.executable, "-c", LAUNCHER, str(deadline), str(hwm_path), *args]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        killer = threading.Timer(kill_after, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            killer.join()
        seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb = float(usage.ru_maxrss)
    if hwm_path.exists():  # "VmHWM:    51234 kB"
        rss_kb = float(hwm_path.read_text(encoding="utf-8").split()[1])
    return Measured(proc.returncode, out_path.read_text(encoding="utf-8"),
                    err_path.read_text(encoding="utf-8"), seconds, rss_kb / 1024)


def cli_env(url: str, state: Path, profiles: Path, key: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    environ.update(NEKOBT_API_URL=url, NEKOBT_STATE_DIR=str(state),
                   NEKOBT_PROFILES=str(profiles), NEKOBT_API_KEY=key)
    return environ
