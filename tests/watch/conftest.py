"""Fixtures for the watch-folder tests: no thread may outlive its test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_thread_leaks() -> Iterator[None]:
    """Every observer, worker and server thread a test starts is gone when it ends."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert extra == [], f"threads left running: {[t.name for t in extra]}"
