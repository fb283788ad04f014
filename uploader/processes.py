"""Is the process that owns an in-progress release still alive? (`status` shows `interrupted`
when it is gone.)"""

from __future__ import annotations

import os
from pathlib import Path


def process_started(pid: int) -> str | None:
    """When process `pid` started (Linux: /proc/<pid>/stat field 22, in clock ticks since
    boot), telling it from a later process that got the same pid; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def process_alive(pid: int, started: str | None) -> bool:
    if started is not None and Path("/proc/self/stat").exists():
        return process_started(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
