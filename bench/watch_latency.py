"""Benchmark: watch-folder latency from "file closed" to "uploaded" (not a test; run by hand).

    .venv/bin/python bench/watch_latency.py [--settle 2 10] [--sizes-mib 1 256] [--runs 3]

The sandbox site is served on loopback from this process; the real daemon
(`python -m uploader watch DIR --json --settle S`) runs as a subprocess pointed at it. Each run
writes a file of random bytes (unique content: no cache hits) straight into the watched folder,
closes it, and waits for the daemon's `uploaded` record on stdout. The journal's event times
split the latency into its parts:

    settle .... closed -> the release is complete and queued (the settle period itself)
    build ..... hashing and the .torrent (building -> built)
    site ...... mediainfo, checks, infohash lookup, POST /upload, verify (built -> verified)
    excess .... latency - settle period - build - site: detection, polling and output delays

The issue's budget: latency = settle period + hashing + site calls + at most 1 s.
Data lives in a temporary folder, deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from uploader.journal import Journal
from uploader.sandbox import DEMO_API_KEY, DEMO_GROUP_ID, DEMO_GROUP_TAG, SandboxServer, Site

PROFILE = f"""\
group:
  id: "{DEMO_GROUP_ID}"
  tag: {DEMO_GROUP_TAG}
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
"""


@dataclass
class Sample:
    latency: float
    settle_part: float
    build: float
    site: float


def write_random(path: Path, size: int) -> float:
    """Write `size` random bytes and close the file; the time it was closed."""
    chunk = 4 << 20
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(os.urandom(min(chunk, left)))
            left -= chunk
    return time.time()


def wait_record(out_file: Path, name: str, proc: subprocess.Popen[bytes], timeout: float
                ) -> tuple[dict[str, object], float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in out_file.read_text().splitlines():
            record = json.loads(line)
            if Path(str(record["path"])).name == name:
                return record, time.time()
        if proc.poll() is not None:
            raise SystemExit(f"the daemon exited ({proc.returncode})")
        time.sleep(0.005)
    raise SystemExit(f"no record for {name} within {timeout} s")


def event_times(state: Path, path: str) -> dict[str, float]:
    with Journal.in_state_dir(state) as journal:
        record = journal.find(path)
        assert record is not None
        times: dict[str, float] = {}
        for event in journal.events(record.id):
            key = event.kind if event.kind != "state" else f"state:{event.state}"
            times.setdefault(key, event.at)
        return times


def run_settle(server: SandboxServer, work: Path, settle: float, sizes: list[int], runs: int,
               counter: list[int]) -> list[tuple[int, Sample]]:
    inbox, state, profiles = work / f"in-{settle}", work / f"state-{settle}", work / "profiles"
    inbox.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    env.update(NEKOBT_API_URL=server.url, NEKOBT_API_KEY=DEMO_API_KEY,
               NEKOBT_PROFILES=str(profiles), NEKOBT_STATE_DIR=str(state))
    out_file, err_file = work / f"watch-{settle}.out", work / f"watch-{settle}.err"
    with out_file.open("wb") as out, err_file.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "uploader", "watch", str(inbox),
                                 "--json", "--settle", str(settle)],
                                env=env, stdout=out, stderr=err)
    samples: list[tuple[int, Sample]] = []
    try:
        while "watching " not in err_file.read_text():
            time.sleep(0.05)
        for size in sizes:
            for _ in range(runs):
                counter[0] += 1
                name = f"[{DEMO_GROUP_TAG}] Latency Bench - {counter[0]:03} (1080p).mkv"
                path = inbox / name
                closed = write_random(path, size)
                record, seen = wait_record(out_file, name, proc, timeout=settle + 120)
                if record["status"] != "uploaded":
                    raise SystemExit(f"{name}: {record['status']} ({record['error']})")
                times = event_times(state, str(path.resolve()))
                sample = Sample(
                    latency=seen - closed,
                    settle_part=times["created"] - closed,
                    build=times["built"] - times["state:building"],
                    site=times["verified"] - times["built"],
                )
                samples.append((size, sample))
                print(f"  settle {settle:>4g} s  {size >> 20:>5} MiB  "
                      f"latency {sample.latency:6.2f} s  (settle {sample.settle_part:5.2f}  "
                      f"build {sample.build:5.2f}  site {sample.site:5.2f})", flush=True)
                path.unlink()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settle", type=float, nargs="+", default=[2.0, 10.0])
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[1, 256])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [mib << 20 for mib in args.sizes_mib]
    counter = [0]
    rows: list[tuple[float, int, Sample]] = []
    with tempfile.TemporaryDirectory(prefix="nekobt-watch-bench-") as tmp, \
            SandboxServer(Site.demo()) as server:
        work = Path(tmp)
        (work / "profiles").mkdir()
        (work / "profiles" / "bench.yaml").write_text(PROFILE)
        for settle in args.settle:
            for size, sample in run_settle(server, work, settle, sizes, args.runs, counter):
                rows.append((settle, size, sample))
    print("\nmedians: settle period | size | latency | build (hash) | mediainfo + site | "
          "excess over settle + build + site")
    for settle in args.settle:
        for size in sizes:
            group = [s for st, sz, s in rows if st == settle and sz == size]
            latency = statistics.median(s.latency for s in group)
            build = statistics.median(s.build for s in group)
            site = statistics.median(s.site for s in group)
            excess = statistics.median(s.latency - settle - s.build - s.site for s in group)
            print(f"  {settle:>5g} s | {size >> 20:>4} MiB | {latency:6.2f} s | {build:5.2f} s | "
                  f"{site:5.2f} s | {excess:+5.2f} s")


if __name__ == "__main__":
    main()
