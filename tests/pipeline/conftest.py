"""Shared by the pipeline tests: the example release, copied and complete."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = next((REPO / "examples" / "sample-release").glob("*.mkv"))


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """The example episode under `tmp_path/in`, last written a minute ago (complete)."""
    dest = tmp_path / "in" / SAMPLE.name
    dest.parent.mkdir()
    shutil.copyfile(SAMPLE, dest)
    past = time.time() - 60
    os.utime(dest, (past, past))
    return dest
