"""Benchmark: from the upload's answer to "seeding confirmed", per client (not a test).

    .venv/bin/python bench/seed.py [--size-gib 4] [--runs 3] [--clients qbittorrent,...]

For each real client daemon (Debian's qbittorrent-nox, transmission-daemon, deluged, rtorrent,
started on loopback by the test suite's own fixtures, torrents announcing to loopback only):
hand a release of --size-gib GiB to it with `uploader.seed.handoff.seed` — add from memory,
then poll until it has checked the files and seeds at 100 % — and time it; once letting the
client recheck every piece, once with skip-check (qBittorrent and Deluge have one; the others
always recheck). Each run uses a fresh daemon so nothing is cached in the client; the page
cache is warmed by reading the data first. Medians of --runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "seed"))

from seed_helpers import TRACKERS  # noqa: E402

from uploader.seed.config import PathMap  # noqa: E402
from uploader.seed.handoff import SeedRequest, seed  # noqa: E402
from uploader.torrent import build_torrent  # noqa: E402

STARTERS = {
    "qbittorrent": ("daemon_qbittorrent", "start_qbittorrent", True),
    "transmission": ("daemon_transmission", "start_transmission", False),
    "deluge": ("daemon_deluge", "start_deluge", True),
    "rtorrent": ("daemon_rtorrent", "start_rtorrent", False),
}
MiB = 1024 * 1024


def make_data(folder: Path, size: int) -> Path:
    path = folder / "[Bench] Show - 01 (1080p).mkv"
    chunk = os.urandom(64 * MiB)
    with path.open("wb") as out:
        written = 0
        while written < size:
            n = min(len(chunk), size - written)
            out.write(chunk[:n])
            written += n
    return path


def warm(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(8 * MiB):
            pass


def one_run(kind: str, work: Path, release: Path, raw: bytes, infohash: str,
            skip: bool) -> float:
    import importlib

    module, name, _ = STARTERS[kind]
    start = getattr(importlib.import_module(module), name)
    home = Path(tempfile.mkdtemp(dir=work, prefix=f"{kind}-"))
    try:
        with start(home) as daemon:
            warm(release)
            request = SeedRequest(torrent=raw, infohash=infohash, release=release,
                                  skip_check=skip)
            t0 = time.perf_counter()
            seed(daemon.config, request, path_map=PathMap(), timeout=1800, poll=0.1)
            return time.perf_counter() - t0
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gib", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", default=",".join(STARTERS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nekobt-bench-seed-"))
    try:
        size = int(args.size_gib * 1024 * MiB)
        if shutil.disk_usage(work).free < size * 1.2:
            print(f"not enough free space under {work} for {args.size_gib} GiB")
            return 1
        data = work / "data"
        data.mkdir()
        release = make_data(data, size)
        built = build_torrent(release, trackers=TRACKERS)
        print(f"release: {args.size_gib:g} GiB, {built.piece_size // MiB} MiB pieces, "
              f"runs: {args.runs}")
        print(f"{'client':<13} {'recheck (median s)':>19} {'skip-check (median s)':>22}  runs")
        for kind in args.clients.split(","):
            has_skip = STARTERS[kind][2]
            recheck = [one_run(kind, work, release, built.raw, built.infohash, False)
                       for _ in range(args.runs)]
            skipped = ([one_run(kind, work, release, built.raw, built.infohash, True)
                        for _ in range(args.runs)] if has_skip else [])
            skip_text = f"{statistics.median(skipped):.2f}" if skipped else "(none)"
            runs = ", ".join(f"{t:.2f}" for t in recheck + skipped)
            print(f"{kind:<13} {statistics.median(recheck):>19.2f} {skip_text:>22}  {runs}")
        print(f"command: .venv/bin/python bench/seed.py --size-gib {args.size_gib:g} "
              f"--runs {args.runs} --clients {args.clients}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
