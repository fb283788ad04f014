"""Notification tests share the end-to-end World (the real CLI against the sandbox)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from conftest_world import world  # noqa: F401 - the fixture, shared
