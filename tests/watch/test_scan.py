"""What in a watched folder is a release, and the snapshot that says whether it changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uploader.watch.scan import is_ignored, is_unfinished, release_of, scan, snapshot


@pytest.mark.parametrize("name", [
    "ep.mkv.part", "ep.mkv.!qB", "ep.MKV.!QB", "ep.tmp", "ep.mkv.crdownload",
    ".hidden.mkv", ".rsync-partial", "Thumbs.db", "desktop.ini",
])
def test_temporary_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["[G] Show - 01 (1080p).mkv", "Batch [BD]", "ep.partial.mkv"])
def test_ordinary_names_are_releases(name: str) -> None:
    assert not is_ignored(name)


def test_profile_excludes_apply_case_insensitively() -> None:
    assert is_ignored("NOTES.TXT", ["*.txt"])
    assert is_ignored("info.nfo", ["*.txt", "*.nfo"])
    assert not is_ignored("[G] Show - 01.mkv", ["*.txt", "*.nfo"])


def test_unfinished_is_only_the_download_suffixes() -> None:
    assert is_unfinished("a.mkv.part")
    assert is_unfinished("a.!qB")
    assert is_unfinished("a.tmp")
    assert not is_unfinished(".hidden")
    assert not is_unfinished("a.mkv")


def test_release_of_maps_any_path_to_the_top_level_entry(tmp_path: Path) -> None:
    root, other = tmp_path / "in", tmp_path / "in2"
    assert release_of(root / "a.mkv", [root]) == root / "a.mkv"
    assert release_of(root / "Batch" / "sub" / "ep1.mkv", [other, root]) == root / "Batch"
    assert release_of(root, [root]) is None
    assert release_of(tmp_path / "elsewhere" / "a.mkv", [root, other]) is None


def test_scan_lists_files_and_folders_but_not_ignored_names(tmp_path: Path) -> None:
    (tmp_path / "[G] A - 01.mkv").write_bytes(b"a")
    (tmp_path / "[G] Batch").mkdir()
    (tmp_path / "B - 02.mkv.part").write_bytes(b"b")
    (tmp_path / ".stfolder").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    os.mkfifo(tmp_path / "pipe")
    assert scan(tmp_path, ["*.txt"]) == [tmp_path / "[G] A - 01.mkv", tmp_path / "[G] Batch"]
    assert scan(tmp_path / "missing") == []


def test_file_snapshot_changes_with_size_and_mtime(tmp_path: Path) -> None:
    f = tmp_path / "a.mkv"
    f.write_bytes(b"12345")
    first = snapshot(f)
    assert first is not None
    assert first.shareable_bytes == 5
    assert first.waiting_for is None
    assert snapshot(f) == first
    os.utime(f, ns=(1, 1_000_000_000))
    assert snapshot(f) != first  # same size, new mtime
    touched = snapshot(f)
    with f.open("ab") as out:
        out.write(b"6")
    assert snapshot(f) != touched
    f.unlink()
    assert snapshot(f) is None


def test_folder_snapshot_sees_every_change_inside(tmp_path: Path) -> None:
    batch = tmp_path / "Batch"
    (batch / "sub").mkdir(parents=True)
    (batch / "sub" / "ep1.mkv").write_bytes(b"x" * 10)
    first = snapshot(batch)
    assert first is not None
    assert first.shareable_bytes == 10
    assert first.waiting_for is None
    (batch / "sub" / "ep2.mkv").write_bytes(b"")
    second = snapshot(batch)
    assert second != first
    (batch / "sub" / "ep2.mkv").write_bytes(b"y")
    assert snapshot(batch) != second


def test_folder_with_a_download_in_progress_or_nothing_to_share_waits(tmp_path: Path) -> None:
    batch = tmp_path / "Batch"
    batch.mkdir()
    empty = snapshot(batch)
    assert empty is not None
    assert empty.waiting_for == "nothing to share in it yet"
    (batch / ".DS_Store").write_bytes(b"junk")
    only_hidden = snapshot(batch)
    assert only_hidden is not None
    assert only_hidden.waiting_for == "nothing to share in it yet"
    (batch / "ep1.mkv").write_bytes(b"x")
    (batch / "ep2.mkv.!qB").write_bytes(b"y")
    downloading = snapshot(batch)
    assert downloading is not None
    assert downloading.waiting_for == "ep2.mkv.!qB is still downloading (temporary name)"
    (batch / "ep2.mkv.!qB").rename(batch / "ep2.mkv")
    done = snapshot(batch)
    assert done is not None
    assert done.waiting_for is None
    assert done.shareable_bytes == 2


def test_a_snapshots_fingerprint_is_the_builds(tmp_path: Path) -> None:
    # One-shot commands take the release's fingerprint from the settle rule's last snapshot
    # instead of walking it again: the two must be the same string, whatever is in it.
    from uploader.pipeline import fingerprint

    root = tmp_path / "Batch"
    for rel in ("Show - 01.mkv", "fonts/a.ttf", "fonts/sub/b.ttf", ".hidden/x", "c.part",
                "Thumbs.db", "empty/.keep", "ü/名前.ass"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(rel.encode() * 3)
    (root / "empty2").mkdir()
    os.symlink(root / "fonts" / "a.ttf", root / "link.ttf")
    os.symlink(root / "gone", root / "broken.ttf")
    single = root / "Show - 01.mkv"
    for release in (root, root / "fonts", single):
        snap = snapshot(release)
        assert snap is not None
        assert snap.fingerprint() == fingerprint(release)
    before = snapshot(root)
    assert before is not None
    (root / "fonts" / "a.ttf").write_bytes(b"changed, longer than before")
    assert before.fingerprint() != fingerprint(root)
