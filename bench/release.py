"""Benchmark: whole-command costs of a release, `nekobt-upload check` end to end (not a test).

    .venv/bin/python bench/release.py [--runs N] [--media FILE] [--skip-big] [--only 1,3]
                                      [--keep | --data DIR]

The site is the sandbox (`nekobt-upload sandbox --port 0`, a subprocess) on loopback, hosting
the groups of profiles/; names start with "[ExampleSubs] " so profiles/examplesubs.yaml is
picked. Each command is a process of its own with a clean environment (PATH, HOME, NEKOBT_*);
a "first" check gets a fresh, empty NEKOBT_STATE_DIR so nothing is cached. Rows:
  1. first check of a 4 GiB H.264 .mkv (ffmpeg testsrc2, 20 s lossless looped 63 times, or
     --media FILE hard-linked) vs `mktorrent -t2` with the piece size and trackers of the
     .torrent the check wrote ........................................ target: ratio <= 1.10
     Timed in the same rotation, two floors (bench/floor.py): our hasher with libmediainfo
     reading the file alongside and nothing else, and that plus importing the libraries any
     check must load (httpx, torf, pymediainfo, click, yaml); no target, they show how much of
     the ratio is left to the command itself.
  2. second check of that unchanged file, each on a copy of a first check's state dir (piece
     cache warm); ratio against row 1 ................................ target: ratio <= 0.25
  3. first check of one small real episode + 4,000 files of 1-60 KB (seeded random bytes);
     mktorrent -t2 on that folder for reference ...................... target: <= 0.6 s
  4. `nekobt-upload --help`; the interpreter's `python -c pass` for reference . target: < 0.3 s
  5. one first check of 10 hard links to the 4 GiB file (a 40 GB batch): peak RSS of the check
     alone (ru_maxrss of the only child of a tiny wrapper) and its wall . target: <= 150 MiB
Method: a warm-up run of each command, then --runs runs (default 5) alternating ours /
reference (who goes first alternates too), each after reading the data so the page cache is
warm (this VM reclaims idle page cache within minutes); the table shows medians. Data lives in
a temp dir under /tmp, deleted afterwards unless --keep or --data DIR (kept; the media and the
small-files folder already in DIR are reused); free space is checked first.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torf
from common import read_all  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
EXE = str(ROOT / ".venv" / "bin" / "nekobt-upload")
PROFILES = str(ROOT / "profiles")
MiB, GiB = 1024**2, 1024**3
SHOW = "[ExampleSubs] Bench Show - 01 (1080p).mkv"
BATCH = "[ExampleSubs] Bench Batch (1080p)"
PACK = "[ExampleSubs] Bench Pack (1080p)"
FFMPEG = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
# Runs one command as its only child, so ru_maxrss(RUSAGE_CHILDREN) is that process's peak
# (the wrapper is a bare interpreter: what the child inherits at fork is ~10 MiB).
WRAPPER = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t0
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, wall)
sys.exit(rc)
"""
SECRETS: list[str] = []  # redacted from anything printed


def redact(text: str) -> str:
    for secret in SECRETS:
        text = text.replace(secret, "<api key>")
    return text


def clean_env(**extra: str) -> dict[str, str]:
    return {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ} | extra


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(args, env=env or clean_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        shown = redact(shlex.join(args[-3:]))
        raise SystemExit(f"... {shown} failed (exit {done.returncode}):\n"
                         f"{redact(done.stdout[-3000:])}{redact(done.stderr)}")
    return elapsed, done.stdout


class Sandbox:
    """The sandbox site, and `nekobt-upload check` runs against it."""

    def __init__(self, log: Path, states: Path) -> None:
        self.states = states
        states.mkdir(exist_ok=True)
        with open(log, "wb") as err:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [EXE, "sandbox", "--port", "0"], env=clean_env(NEKOBT_PROFILES=PROFILES),
                stdout=subprocess.PIPE, stderr=err, text=True,
            )
        assert self.proc.stdout is not None
        first, second = self.proc.stdout.readline(), self.proc.stdout.readline()
        if not first.startswith("nekoBT sandbox: ") or "demo API key:" not in second:
            self.close()
            raise SystemExit(f"the sandbox did not start:\n{log.read_text()}")
        self.url = first.split(": ", 1)[1].strip()
        self.key = second.split("demo API key:", 1)[1].split()[0]
        SECRETS.append(self.key)
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # drain the rest

    def env(self, state: Path) -> dict[str, str]:
        return clean_env(NEKOBT_API_URL=self.url, NEKOBT_API_KEY=self.key,
                         NEKOBT_PROFILES=PROFILES, NEKOBT_STATE_DIR=str(state))

    def state(self, copy_of: Path | None = None) -> Path:
        """A fresh state dir, empty or a copy of `copy_of`."""
        state = Path(tempfile.mkdtemp(dir=self.states))
        if copy_of is not None:
            shutil.copytree(copy_of, state, dirs_exist_ok=True)
        return state

    def check(self, path: Path, state: Path) -> float:
        return run([EXE, "check", str(path)], self.env(state))[0]

    def timed(self, path: Path, copy_of: Path | None = None) -> float:
        """One check with a state dir of its own, deleted afterwards."""
        state = self.state(copy_of)
        try:
            return self.check(path, state)
        finally:
            shutil.rmtree(state)

    def warm_up(self, path: Path, out: Path, notes: list[str], row: str
                ) -> tuple[Path, torf.Torrent]:
        """A first check and mktorrent once; the check's state dir and the torrent it wrote."""
        read_all(path)
        state = self.state()
        self.check(path, state)
        built = torrent_of(state)
        mktorrent(path, built, out)
        same = torf.Torrent.read(out).infohash == built.infohash
        notes.append(f"row {row}: piece size {built.piece_size // 1024} KiB, "
                     f"{built.size / GiB:.2f} GiB; mktorrent's infohash "
                     f"{'is the same' if same else 'DIFFERS'}")
        return state, built

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def torrent_of(state: Path) -> torf.Torrent:
    found = sorted((state / "torrents").glob("*.torrent"))
    if len(found) != 1:
        raise SystemExit(f"expected one .torrent in {state / 'torrents'}, found {len(found)}")
    return torf.Torrent.read(found[0])


def mktorrent(path: Path, built: torf.Torrent, out: Path) -> float:
    out.unlink(missing_ok=True)
    args = ["mktorrent", "-t2", "-l", str(built.piece_size.bit_length() - 1), "-o", str(out)]
    for tier in built.trackers:
        args += ["-a", ",".join(tier)]
    return run([*args, str(path)])[0]


def alternate(runs: int, data: Path | None, ours: Callable[[], float],
              ref: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Runs of ours and ref, alternating, and who goes first alternates too."""
    a, b = rotate(runs, data, [ours, ref])
    return a, b


def rotate(runs: int, data: Path | None, fns: list[Callable[[], float]]
           ) -> list[list[float]]:
    """Runs of each command in turn, each round starting one later in the list (for two:
    they alternate, and who goes first alternates too); `data` read before each run."""
    times: list[list[float]] = [[] for _ in fns]
    for n in range(runs):
        for i in range(len(fns)):
            k = (i + n) % len(fns)
            if data is not None:
                read_all(data)
            times[k].append(fns[k]())
    return times


def wait_quiet(paths: list[Path], quiet: float = 6.0) -> None:
    """Until the newest file is `quiet` s old: a check waits for a release modified within its
    settle period (5 s by default); also past the piece cache's racy window."""
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*"))]
    newest = max((f.stat().st_mtime for f in files), default=0.0)
    time.sleep(max(0.0, newest + quiet - time.time()))


def link(src: Path, dst: Path, notes: list[str]) -> None:
    if dst.exists() and dst.samefile(src):
        return
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError as exc:
        notes.append(f"could not hard-link {src} ({exc}); copied it instead")
        shutil.copyfile(src, dst)


def make_media(work: Path) -> Path:
    big = work / "media" / "big.mkv"
    if big.exists():
        return big
    big.parent.mkdir(exist_ok=True)
    seg, partial = big.with_name("seg.mkv"), big.with_name("big.partial.mkv")
    print("making the 4 GiB H.264 file (about a minute) ...", flush=True)
    run([*FFMPEG, "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(seg)])
    run([*FFMPEG, "-stream_loop", "62", "-i", str(seg), "-c", "copy", str(partial)])
    partial.rename(big)
    seg.unlink()
    return big


def make_batch(work: Path) -> Path:
    root = work / BATCH
    if root.is_dir():
        return root
    partial = work / f"{BATCH}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for sub in ("fonts", "extras"):
        (partial / sub).mkdir(parents=True)
    run([*FFMPEG, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "10",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-c:a", "aac",
         "-metadata:s:a:0", "language=jpn", str(partial / "[ExampleSubs] Bench Batch - 01.mkv")])
    rng = random.Random(7)
    for i in range(4000):
        n = i // 2 + 1
        name = f"fonts/font{n:04d}.ttf" if i % 2 == 0 else f"extras/extra{n:04d}.bin"
        (partial / name).write_bytes(rng.randbytes(rng.randint(1000, 60000)))
    partial.rename(root)
    return root


def machine() -> str:
    mk = subprocess.run(["mktorrent", "-v"], capture_output=True, text=True)
    mk_version = next((ln.split(" (")[0] for ln in (mk.stdout + mk.stderr).splitlines()
                       if ln.startswith("mktorrent")), "mktorrent (no version)")
    ours = run([EXE, "--version"])[1].strip()
    head = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()
    return (f"nproc {os.cpu_count()}, sched_getaffinity {len(os.sched_getaffinity(0))} CPUs, "
            f"Python {platform.python_version()}, {mk_version}, {ours} (git {head or '?'}), "
            f"load {os.getloadavg()[0]:.2f}")


def s(x: float) -> str:
    return f"{x:.3f}"


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--media", type=Path, help="an existing 4 GiB H.264 .mkv to hard-link")
    parser.add_argument("--skip-big", action="store_true", help="skip row 5 (the 40 GB batch)")
    parser.add_argument("--only", help="rows to run, e.g. 1,3 (row 2 needs row 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    parser.add_argument("--data", type=Path, help="data dir to use and keep (reused next time)")
    args = parser.parse_args()
    rows = set((args.only or "1,2,3,4,5").replace(" ", "").split(","))
    if not rows <= {"1", "2", "3", "4", "5"}:
        parser.error("--only: rows are 1 to 5")
    rows |= {"1"} if "2" in rows else set()
    rows -= {"5"} if args.skip_big else set()
    if args.media is not None and not args.media.is_file():
        parser.error(f"--media {args.media}: not a file")
    for tool in ("mktorrent", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    print(machine())
    keep = args.keep or args.data is not None
    if args.data is not None:
        work = args.data.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(dir="/tmp", prefix="nekobt-bench-release-"))
    big_rows = bool(rows & {"1", "2", "5"})
    need = 0.5 * GiB
    if big_rows and not (work / "media" / "big.mkv").exists() and (
        args.media is None or args.media.stat().st_dev != work.stat().st_dev
    ):
        need += 4.5 * GiB
    free = shutil.disk_usage(work).free
    print(f"data in {work}; free {free / GiB:.1f} GiB; rows {','.join(sorted(rows))}; "
          f"runs {args.runs}\n", flush=True)
    if free < need:
        raise SystemExit(f"need {need / GiB:.1f} GiB free in {work}")
    notes: list[str] = []
    table: list[tuple[str, ...]] = []
    runs_of: dict[str, tuple[list[float], list[float]]] = {}
    site = None
    try:
        # All data first: a hard link changes the file's ctime, so linking after a check
        # could spoil its piece cache.
        if big_rows:
            media = args.media.resolve() if args.media else make_media(work)
            single = work / "single" / SHOW
            single.parent.mkdir(exist_ok=True)
            link(media, single, notes)
            pack = work / PACK
            if "5" in rows:
                pack.mkdir(exist_ok=True)
                for i in range(1, 11):
                    link(media, pack / f"[ExampleSubs] Bench Pack - {i:02d} (1080p).mkv", notes)
        batch = make_batch(work) if "3" in rows else None
        wait_quiet([p for p in (work / "single", batch) if p is not None and p.exists()])
        site = Sandbox(work / "sandbox.log", work / "states")
        med = statistics.median
        out = work / "mk.torrent"
        if "1" in rows:
            warm, built = site.warm_up(single, out, notes, "1")  # warm: row 2's piece cache
            floor = [sys.executable, str(ROOT / "bench" / "floor.py"), str(single)]
            run(floor)  # warm-up
            ours, mk, least, least_imports = rotate(args.runs, single, [
                lambda: site.timed(single), lambda: mktorrent(single, built, out),
                lambda: run(floor)[0], lambda: run([*floor, "--imports"])[0]])
            runs_of["1 check / mktorrent"] = ours, mk
            runs_of["1 floor / floor with the libraries' imports"] = least, least_imports
            first = med(ours)
            table.append(("whole check, 4 GiB H.264 (ref: mktorrent -t2, hash only)", s(first),
                          s(med(mk)), f"{first / med(mk):.3f}", "ratio ≤ 1.10",
                          met(first / med(mk) <= 1.10)))
            table.append(("floor: hash + libmediainfo alone in Python (bench/floor.py)",
                          s(med(least)), s(med(mk)), f"{med(least) / med(mk):.3f}", "—", "—"))
            table.append(("floor + imports of httpx, torf, pymediainfo, click, yaml",
                          s(med(least_imports)), s(med(mk)),
                          f"{med(least_imports) / med(mk):.3f}", "—", "—"))
        if "2" in rows:
            second = []
            for _ in range(args.runs):
                read_all(single)
                second.append(site.timed(single, copy_of=warm))
            runs_of["2 second check"] = second, []
            table.append(("second check, unchanged (ref: row 1)", s(med(second)), s(first),
                          f"{med(second) / first:.3f}", "ratio ≤ 0.25",
                          met(med(second) / first <= 0.25)))
        if batch is not None:
            built = site.warm_up(batch, out, notes, "3")[1]
            ours, mk = alternate(args.runs, batch, lambda: site.timed(batch),
                                 lambda: mktorrent(batch, built, out))
            runs_of["3 check / mktorrent"] = ours, mk
            table.append(("4,000 small files + one episode (ref: mktorrent -t2)",
                          s(med(ours)), s(med(mk)), f"{med(ours) / med(mk):.3f}", "≤ 0.6 s",
                          met(med(ours) <= 0.6)))
        if "4" in rows:
            helps, bare = [EXE, "--help"], [sys.executable, "-c", "pass"]
            run(helps), run(bare)  # warm-up
            ours, py = alternate(args.runs, None, lambda: run(helps)[0], lambda: run(bare)[0])
            runs_of["4 --help / python -c pass"] = ours, py
            table.append(("--help (ref: python -c pass)", s(med(ours)), s(med(py)),
                          f"{med(ours) / med(py):.3f}", "< 0.3 s", met(med(ours) < 0.3)))
        if "5" in rows:
            read_all(single)  # the ten links are one inode
            state = site.state()
            print("row 5: one check of the 40 GB batch ...", flush=True)
            report = run([sys.executable, "-c", WRAPPER, EXE, "check", str(pack)],
                         site.env(state))[1].split()
            built = torrent_of(state)
            notes.append(f"row 5: piece size {built.piece_size // 1024} KiB, "
                         f"{built.size / GiB:.2f} GiB")
            shutil.rmtree(state)
            rss_mib, wall = int(report[0]) / 1024, float(report[1])
            table.append(("peak RSS, 40 GB batch (10 x 4 GiB links)", f"{rss_mib:.0f} MiB", "—",
                          "—", "≤ 150 MiB", met(rss_mib <= 150)))
            table.append(("wall time of that check (one run)", s(wall), "—", "—", "—", "—"))
    finally:
        if site is not None:
            site.close()
        shutil.rmtree(work / "states", ignore_errors=True)
        if keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work)
    print("\n| case | ours (s) | reference (s) | ratio | target | met |")
    print("|---|---:|---:|---:|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    print()
    for name, (ours, ref) in runs_of.items():
        print(f"runs, {name} (s): {[round(x, 3) for x in ours]} / {[round(x, 3) for x in ref]}")
    for note in notes:
        print(f"note: {note}")
    print(f"load average at the end: {os.getloadavg()}")
    print(f"\nrerun: cd {shlex.quote(str(Path.cwd()))} && "
          f"{shlex.join([sys.executable, sys.argv[0], *sys.argv[1:]])}")


if __name__ == "__main__":
    main()
