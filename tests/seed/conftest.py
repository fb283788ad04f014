"""The seeding tests: real client daemons, and the sandbox world of the end-to-end tests."""

from __future__ import annotations

import sys
from pathlib import Path

# The end-to-end helpers (World: the real CLI against the sandbox over loopback) are shared.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from conftest_world import world  # noqa: F401 - the fixture, overridden in test_seed_cli
