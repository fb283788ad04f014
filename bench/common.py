"""What the benchmarks share (each is run as a script: `python bench/NAME.py`)."""

from __future__ import annotations

from pathlib import Path

MiB = 1024**2


def read_all(path: Path) -> None:
    """Pull the data into the page cache."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for p in files:
        with open(p, "rb") as f:
            while f.read(8 * MiB):
                pass
