"""The `world` fixture, importable by other test folders (tests/notify)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_world import REPO, World

from uploader.sandbox import SandboxServer, Site


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    before = set(threading.enumerate())
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO / "profiles", profiles)
    site = Site.demo()
    with SandboxServer(site) as server:
        yield World(site, server, tmp_path, tmp_path / "state", profiles)
    assert site.errors == []
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert leaked == []
