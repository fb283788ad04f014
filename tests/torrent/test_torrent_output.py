"""Writing the .torrent, the progress bar's silence rules, and lazy imports."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from torrent_helpers import TRACKERS, data, infohash_of, verify_pieces, write_tree

from uploader.exceptions import TorrentError
from uploader.torrent import (
    Progress,
    TerminalProgress,
    build_torrent,
    progress_bar,
    terminal_progress,
)
from uploader.torrent.metainfo import load_torrent, read_torrent


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_write_is_atomic_and_readable(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"a.mkv": data(50_000, 1)})
    built = build_torrent(root, trackers=TRACKERS)
    dest = tmp_path / "out" / "nested" / "Rel.torrent"
    assert built.write(dest) == dest
    assert dest.read_bytes() == built.raw
    assert sorted(p.name for p in dest.parent.iterdir()) == ["Rel.torrent"]
    assert infohash_of(dest.read_bytes()) == built.infohash
    assert read_torrent(dest).infohash == built.infohash
    dest.write_bytes(b"old content")
    built.write(dest)  # replaces an existing file
    assert dest.read_bytes() == built.raw
    verify_pieces(dest.read_bytes(), root)


def test_local_files_are_the_files_on_disk(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"b/ep.mkv": b"1", "a.ass": b"2", ".x": b"3"})
    built = build_torrent(root, trackers=TRACKERS)
    assert built.files == ["Rel/a.ass", "Rel/b/ep.mkv"]
    assert built.local_files == [root / "a.ass", root / "b" / "ep.mkv"]
    single = build_torrent(root / "a.ass", trackers=TRACKERS)
    assert single.local_files == [root / "a.ass"]
    assert [root / f for f in single.local_files] == [root / "a.ass"]


def test_write_failure_is_a_torrent_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"a.mkv": b"x"})
    built = build_torrent(root, trackers=TRACKERS)
    (tmp_path / "dir.torrent").mkdir()
    with pytest.raises(TorrentError, match="cannot write the torrent"):
        built.write(tmp_path / "dir.torrent")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_bad_torrent_bytes_are_a_torrent_error(tmp_path: Path) -> None:
    with pytest.raises(TorrentError, match=r"not a valid \.torrent file"):
        load_torrent(b"d4:spam", "upload.torrent")
    (tmp_path / "x.torrent").write_bytes(b"le")
    with pytest.raises(TorrentError, match=r"x\.torrent"):
        read_torrent(tmp_path / "x.torrent")


def test_progress_bar_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with progress_bar("Hashing", stream=stream) as update:
        update(Progress(5, 10, 1.0, 5.0))
    assert stream.getvalue() == ""


def test_progress_bar_is_silent_in_json_mode() -> None:
    stream = FakeTerminal()
    with progress_bar("Hashing", json_mode=True, stream=stream) as update:
        update(Progress(5, 10, 1.0, 5.0))
    assert stream.getvalue() == ""


def test_progress_bar_draws_on_a_terminal() -> None:
    stream = FakeTerminal()
    with progress_bar("Hashing [G] Show", stream=stream) as update:
        update(Progress(512 * 1024, 1024 * 1024, 1e6, 0.5))
    assert "Hashing [G] Show" in stream.getvalue()
    assert "0.5/1.0 MiB" in stream.getvalue()


def test_terminal_progress_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    update = terminal_progress(stream=stream)
    update(Progress(5, 10, 1.0, 5.0))
    assert stream.getvalue() == ""
    assert not isinstance(
        terminal_progress(stream=FakeTerminal(), json_mode=True), TerminalProgress
    )


def test_terminal_progress_one_bar_per_run() -> None:
    stream = FakeTerminal()
    update = terminal_progress(stream=stream, description="Hashing")
    assert isinstance(update, TerminalProgress)
    update(Progress(0, 4096, 0.0, 0.0))
    update(Progress(2048, 4096, 1e6, 0.1))
    update(Progress(4096, 4096, 1e6, 0.2))  # finished: the bar is cleared
    first = stream.getvalue()
    assert "2.0/4.0 KiB" in first
    update(Progress(0, 1024 * 1024, 0.0, 0.0))  # a second release starts a new bar
    update(Progress(1024, 1024 * 1024, 0.0, 0.0))
    update(Progress(10, 2048, 0.0, 0.0))  # went backwards: a failed run, then a new one
    update.close()
    drawn = stream.getvalue()[len(first) :]
    assert "0.0/1.0 MiB" in drawn
    assert "0.0/2.0 KiB" in drawn


def test_importing_the_package_loads_neither_torf_nor_rich() -> None:
    code = "import sys, uploader.torrent; print(sorted({'torf', 'rich'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("private", [False, True])
def test_our_encoding_of_the_file_is_torfs(tmp_path: Path, private: bool) -> None:
    # The .torrent is bencoded by our encoder; torf's own `dump` must give the same bytes.
    files = {f"Extras/ふぉんと {n:03}.ttf": data(300 + n, n) for n in range(120)}
    files["Show - 01.mkv"] = data(70_000, 7)
    files["empty.txt"] = b""
    folder = build_torrent(write_tree(tmp_path / "Rel", files), trackers=TRACKERS,
                           private=private, source="nekoBT" if private else None)
    single = build_torrent(tmp_path / "Rel" / "Show - 01.mkv", trackers=TRACKERS)
    for built in (folder, single):
        assert built.raw == built.torrent.dump(validate=False)
        assert infohash_of(built.raw) == built.infohash
        built.torrent.validate()  # not run while building (checked parts): torf agrees
        assert load_torrent(built.raw, "built").infohash == built.infohash


def test_a_built_info_dict_with_the_wrong_piece_count_is_refused() -> None:
    from uploader.torrent.metainfo import check_pieces

    info = {"name": "a.mkv", "piece length": 16384, "pieces": b"x" * 40, "length": 20_000}
    check_pieces(info, 20_000)  # two pieces, two digests
    with pytest.raises(TorrentError, match="2 piece hashes for 40000 bytes"):
        check_pieces(info, 40_000)
    with pytest.raises(TorrentError):
        check_pieces({**info, "pieces": b"x" * 20}, 20_000)
