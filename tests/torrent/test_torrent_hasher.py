"""The piece hasher: threads, progress, cancellation, and files that change while hashed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from torrent_helpers import OLD, TRACKERS, data, verify_pieces, write_tree

from uploader.exceptions import CancelledError, TorrentError
from uploader.torrent import Progress, build_torrent

KiB, MiB, GiB = 1024, 1024**2, 1024**3


def hasher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("piece-hasher")]


def sparse(path: Path, size: int) -> Path:
    """A large file that takes no disk space (holes read as zeros)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    os.utime(path, (OLD, OLD))
    return path


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts_agree_and_verify(tmp_path: Path, threads: int) -> None:
    files = {f"{i:02d}.bin": data(i * 7 * KiB + i, i) for i in range(12)}  # 0 .. 77 KiB
    root = write_tree(tmp_path / "Rel", files)
    built = build_torrent(root, trackers=TRACKERS, piece_size=16 * KiB, threads=threads)
    assert built.hashed_bytes == sum(map(len, files.values()))
    assert verify_pieces(built.raw, root) == -(-built.hashed_bytes // (16 * KiB))
    assert hasher_threads() == []


def test_piece_spanning_many_files_and_chunks(tmp_path: Path) -> None:
    # 1 MiB pieces over files straddling piece and 128 KiB read-chunk boundaries.
    sizes = [1, 128 * KiB - 1, 128 * KiB + 1, 3 * MiB + 17, 0, 5, MiB]
    root = write_tree(tmp_path / "Rel", {f"f{i}": data(n, i) for i, n in enumerate(sizes)})
    built = build_torrent(root, trackers=TRACKERS, piece_size=MiB)
    assert verify_pieces(built.raw, root) == 5


def test_progress_reports_bytes_up_to_total(tmp_path: Path) -> None:
    target = write_tree(tmp_path, {"big.bin": data(6 * MiB + 5, 9)}) / "big.bin"
    seen: list[Progress] = []
    build_torrent(target, trackers=TRACKERS, piece_size=256 * KiB, progress=seen.append)
    assert seen, "progress was never reported"
    dones = [p.done for p in seen]
    assert dones == sorted(dones)
    assert {p.total for p in seen} == {6 * MiB + 5}
    assert seen[-1].done == seen[-1].total
    assert seen[-1].fraction == 1.0
    assert seen[-1].rate > 0
    assert seen[-1].eta == 0


def test_cancel_before_start_reads_nothing(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    seen: list[Progress] = []
    with pytest.raises(CancelledError):
        build_torrent(tmp_path, trackers=TRACKERS, cancel=cancel, progress=seen.append)
    assert seen == []


def test_cancel_stops_hashing_within_a_second(tmp_path: Path) -> None:
    target = sparse(tmp_path / "huge.mkv", 16 * GiB)  # would take seconds to hash
    cancel = threading.Event()
    outcome: list[BaseException] = []
    seen: list[Progress] = []

    def run() -> None:
        try:
            build_torrent(target, trackers=TRACKERS, cancel=cancel, progress=seen.append)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while not (seen and seen[-1].done > 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    cancelled_at = time.monotonic()
    cancel.set()
    worker.join(5)
    latency = time.monotonic() - cancelled_at
    assert not worker.is_alive()
    assert latency < 1.0
    assert len(outcome) == 1
    assert isinstance(outcome[0], CancelledError)
    assert seen[-1].done < seen[-1].total
    assert hasher_threads() == []


def _change_on_first_report(how: str, target: Path) -> object:
    done = False

    def on_progress(_: Progress) -> None:
        nonlocal done
        if done:
            return
        done = True
        if how == "touch":
            os.utime(target, (OLD + 60, OLD + 60))
        elif how == "truncate":
            os.truncate(target, 1 * MiB)
        elif how == "append":
            with open(target, "ab") as f:
                f.write(b"more")
            os.utime(target, (OLD, OLD))
        elif how == "replace":
            staged = target.with_name("staged")
            sparse(staged, target.stat().st_size)
            os.replace(staged, target)

    return on_progress


@pytest.mark.parametrize("how", ["touch", "truncate", "append", "replace"])
def test_file_changed_mid_hash_fails_the_build(tmp_path: Path, how: str) -> None:
    target = sparse(tmp_path / "Rel" / "ep01.mkv", 96 * MiB)
    write_tree(tmp_path / "Rel", {"ep02.mkv": data(1000, 1)})
    cache = tmp_path / "cache"
    with pytest.raises(TorrentError, match="changed while it was being hashed") as err:
        build_torrent(
            tmp_path / "Rel",
            trackers=TRACKERS,
            cache_dir=cache,
            threads=1,
            progress=_change_on_first_report(how, target),  # type: ignore[arg-type]
        )
    assert err.value.path == target
    assert not cache.exists() or not any(cache.iterdir())  # nothing cached from a bad run
    assert hasher_threads() == []


def test_failing_progress_callback_stops_workers(tmp_path: Path) -> None:
    target = sparse(tmp_path / "big.mkv", 2 * GiB)

    def explode(_: Progress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_torrent(target, trackers=TRACKERS, progress=explode)
    assert hasher_threads() == []
