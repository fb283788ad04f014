"""Benchmark: our torrent builder against `mktorrent -t2` (not a test; run it by hand).

    .venv/bin/python bench/hash.py [--runs N] [--big-runs N] [--keep-going]

Cases (data under /tmp, deleted afterwards; free space is checked first):
  * one 4 GiB file       * a 24 x 150 MiB pack       * 4,000 small files (1-60 KB)

For each case: a warm-up run of both tools, then runs that alternate ours / mktorrent (who goes
first alternates too), each preceded by reading the data so the page cache is warm (this VM
reclaims idle page cache within minutes); the table shows medians. Ours runs in a fresh
interpreter per run (`CHILD`) so its peak RSS (VmHWM) is measured alone; "call" is the
`build_torrent` call, "process" adds interpreter start-up and imports (mktorrent's time is its
whole process). Both use the same piece size (our auto size) and trackers, and the infohashes
must be equal. Finally the cached second run: the same build with a warm piece cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import read_all  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
TRACKERS = [
    ["https://tracker.nekobt.to/api/tracker/public/announce"],
    ["udp://tracker.opentrackr.org:1337/announce"],
]
MiB, GiB = 1024**2, 1024**3


# The child is a `-c` program, not this module, so its process time counts what a one-off build
# imports and no more: this file's own imports (argparse, statistics, subprocess, ...) cost a
# fresh interpreter ~40 ms that no user of `build_torrent` pays.
CHILD = """
import sys, time
started = time.perf_counter()
root, path, cache_dir, *tiers = sys.argv[1:]
sys.path.insert(0, root)
from pathlib import Path
from uploader.torrent import build_torrent

import_s = time.perf_counter() - started
t0 = time.perf_counter()
built = build_torrent(
    Path(path),
    trackers=[tier.split(",") for tier in tiers],
    cache_dir=Path(cache_dir) if cache_dir else None,
)
call_s = time.perf_counter() - t0
# VmHWM, not ru_maxrss: ru_maxrss survives execve, so it would report the parent's peak.
with open("/proc/self/status") as status:
    rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(
    f'{{"call": {call_s!r}, "import": {import_s!r}, "rss_mib": {rss_kib / 1024!r}, '
    f'"infohash": "{built.infohash}", "piece_size": {built.piece_size}, '
    f'"hashed": {built.hashed_bytes}}}'
)
"""


@dataclass
class Run:
    process: float
    call: float
    rss_mib: float
    infohash: str
    piece_size: int
    hashed: int


def ours(path: Path, cache_dir: Path | None = None) -> Run:
    tiers = [",".join(tier) for tier in TRACKERS]
    args = [sys.executable, "-c", CHILD, str(ROOT), str(path), str(cache_dir or ""), *tiers]
    t0 = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    process = time.perf_counter() - t0
    d = json.loads(out)
    return Run(process, d["call"], d["rss_mib"], d["infohash"], d["piece_size"], d["hashed"])


def mktorrent(path: Path, piece_size: int, out_dir: Path) -> tuple[float, str]:
    out = out_dir / "mk.torrent"
    out.unlink(missing_ok=True)
    args = ["mktorrent", "-t2", "-l", str(piece_size.bit_length() - 1), "-o", str(out)]
    for tier in TRACKERS:
        args += ["-a", ",".join(tier)]
    t0 = time.perf_counter()
    subprocess.run([*args, str(path)], check=True, capture_output=True)
    elapsed = time.perf_counter() - t0
    sys.path.insert(0, str(ROOT / "tests" / "torrent"))
    from torrent_helpers import infohash_of  # independent decoder, not the builder's

    return elapsed, infohash_of(out.read_bytes())


def write_file(path: Path, size: int, block: bytes) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n


def make_big(base: Path, block: bytes) -> Path:
    target = base / "[Bench] Big - 01 (1080p).mkv"
    write_file(target, 4 * GiB, block)
    return target


def make_pack(base: Path, block: bytes) -> Path:
    root = base / "[Bench] Pack (BD 1080p)"
    root.mkdir()
    for i in range(1, 25):
        write_file(root / f"[Bench] Pack - {i:02d} (BD 1080p).mkv", 150 * MiB, block)
    return root


def make_small(base: Path, block: bytes) -> Path:
    import random

    rng = random.Random(7)
    root = base / "[Bench] Small files"
    for i in range(4000):
        folder = root / f"dir{i % 40:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        n = rng.randint(1000, 60000)
        offset = rng.randint(0, len(block) - n)
        (folder / f"file{i:05d}.bin").write_bytes(block[offset : offset + n])
    return root


@dataclass
class Result:
    case: str
    size: int
    piece: int
    runs: int
    ours_call: float
    ours_proc: float
    mk: float
    rss: float
    first_cached_proc: float
    cached_proc: float
    all_ours: list[float]
    all_mk: list[float]


def bench_case(name: str, path: Path, runs: int, work: Path) -> Result:
    read_all(path)
    warm = ours(path)  # warm-up (also gives the piece size)
    _, mk_hash = mktorrent(path, warm.piece_size, work)
    if mk_hash != warm.infohash:
        raise SystemExit(f"{name}: infohash differs: ours {warm.infohash}, mktorrent {mk_hash}")
    our_runs: list[Run] = []
    mk_times: list[float] = []
    for n in range(runs):
        # The page cache is re-warmed before every timed run: this VM reclaims idle cache
        # (kdamond), and both tools must start from the same state. Who goes first alternates.
        for tool in ("ours", "mk") if n % 2 == 0 else ("mk", "ours"):
            read_all(path)
            if tool == "ours":
                our_runs.append(ours(path))
            else:
                mk_times.append(mktorrent(path, warm.piece_size, work)[0])
    cache = work / "cache"
    read_all(path)
    first = ours(path, cache)
    cached = [ours(path, cache) for _ in range(runs)]
    if any(r.hashed for r in cached) or not first.hashed:
        raise SystemExit(f"{name}: the cached runs hashed again (or the first did not hash)")
    shutil.rmtree(cache)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    med = statistics.median
    return Result(
        case=name,
        size=sum(p.stat().st_size for p in files),
        piece=warm.piece_size,
        runs=runs,
        ours_call=med(r.call for r in our_runs),
        ours_proc=med(r.process for r in our_runs),
        mk=med(mk_times),
        rss=max(r.rss_mib for r in [*our_runs, first, *cached]),
        first_cached_proc=first.process,
        cached_proc=med(r.process for r in cached),
        all_ours=[round(r.process, 3) for r in our_runs],
        all_mk=[round(t, 3) for t in mk_times],
    )


def print_table(rows: list[Result]) -> None:
    head = (
        f"{'case':<18} {'size':>8} {'piece':>7} {'runs':>4} {'ours call':>9} "
        f"{'ours proc':>9} {'mktorrent':>9} {'proc/mk':>7} {'GB/s ours':>9} "
        f"{'GB/s mk':>7} {'peak RSS':>8} {'cached':>7} {'cached/1st':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.case:<18} {r.size / GiB:>6.2f}Gi {r.piece // 1024:>5}Ki {r.runs:>4} "
            f"{r.ours_call:>8.3f}s {r.ours_proc:>8.3f}s {r.mk:>8.3f}s {r.ours_proc / r.mk:>7.2f} "
            f"{r.size / r.ours_call / 1e9:>9.2f} {r.size / r.mk / 1e9:>7.2f} "
            f"{r.rss:>5.0f}MiB {r.cached_proc:>6.3f}s {r.cached_proc / r.first_cached_proc:>10.2f}"
        )
    print()
    for r in rows:
        print(f"{r.case}: ours (process, s) {r.all_ours}; mktorrent (s) {r.all_mk}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per tool (pack, small files)")
    parser.add_argument("--big-runs", type=int, default=3, help="runs per tool (4 GiB file)")
    parser.add_argument("--only", choices=["big", "pack", "small"], action="append")
    args = parser.parse_args()
    if shutil.which("mktorrent") is None:
        raise SystemExit("mktorrent is not installed")
    free = shutil.disk_usage("/tmp").free
    print(f"/tmp free: {free / GiB:.1f} GiB; load: {os.getloadavg()}")
    if free < 6 * GiB:
        raise SystemExit("need at least 6 GiB free in /tmp")
    block = os.urandom(64 * MiB)
    cases = [
        ("4 GiB file", make_big, args.big_runs, "big"),
        ("24 x 150 MiB pack", make_pack, args.runs, "pack"),
        ("4,000 small files", make_small, args.runs, "small"),
    ]
    rows: list[Result] = []
    for name, make, runs, key in cases:
        if args.only and key not in args.only:
            continue
        with tempfile.TemporaryDirectory(dir="/tmp", prefix="nekobt-bench-") as tmp:
            work = Path(tmp)
            data_dir = work / "data"
            data_dir.mkdir()
            path = make(data_dir, block)
            time.sleep(1.0)  # past the cache's racy window, so the cached run can hit
            rows.append(bench_case(name, path, runs, work))
            print(f"done: {name} (load {os.getloadavg()[0]:.2f})", flush=True)
    print()
    print_table(rows)
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
