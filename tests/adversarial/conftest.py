"""The adversarial suite: the real CLI against a hostile nekoBT (see hostile.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# The end-to-end helpers (World: the real CLI, the sample release) are shared.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_terminal_summary(terminalreporter: object) -> None:
    """The measured table of the hostile-site cases (for quoting)."""
    module = sys.modules.get("test_hostile_site")
    table = getattr(module, "TABLE", None)
    if not table:
        return
    write = terminalreporter.write_line  # type: ignore[attr-defined]
    write("")
    write(f"{'case':32} {'seconds':>8} {'peak RSS MB':>12} {'exit':>5} {'rerun':>6} {'stored':>7}")
    for name, seconds, rss, code, rerun, stored in table:
        write(f"{name:32} {seconds:8.1f} {rss:12.1f} {code:5d} {rerun:6d} {stored:7d}")
