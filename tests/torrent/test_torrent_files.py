"""What a release shares: exclusions, symlink policy, empty releases, order, names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from torrent_helpers import TRACKERS, data, verify_pieces, write_tree

from uploader.exceptions import TorrentError
from uploader.torrent import build_torrent, release_files


def rel_paths(root: Path, **kw: object) -> list[str]:
    return ["/".join(f.parts) for f in release_files(root, **kw).files]  # type: ignore[arg-type]


def test_builtin_exclusions(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "Rel",
        {
            "ep01.mkv": b"1",
            ".hidden": b"h",
            ".dotdir/inside.mkv": b"d",
            "sub/.also-hidden.ass": b"h",
            "sub/keep.ass": b"k",
            "Thumbs.db": b"t",
            "sub/THUMBS.DB": b"t",
            "desktop.ini": b"d",
            "Desktop.INI": b"d",
            "ep02.mkv.part": b"p",
            "ep03.mkv.!qB": b"q",
            "ep04.mkv.!qb": b"q",
            "ep05.tmp": b"t",
            "ep06.mkv.crdownload": b"c",
            "ep07.PART": b"p",
        },
    )
    assert rel_paths(root) == ["ep01.mkv", "sub/keep.ass"]


def test_profile_globs_match_names_and_paths_casefolded(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "Rel",
        {
            "ep01.mkv": b"1",
            "info.NFO": b"n",
            "readme.txt": b"r",
            "Extras/ncop.mkv": b"e",
            "Samples/s.mkv": b"s",
            "sub/deep/sample.mkv": b"s",
        },
    )
    exclude = ["*.nfo", "*.txt", "extras/*", "Samples", "sample.*"]
    assert rel_paths(root, exclude=exclude) == ["ep01.mkv"]
    assert rel_paths(root) == [
        "Extras/ncop.mkv",
        "Samples/s.mkv",
        "ep01.mkv",
        "info.NFO",
        "readme.txt",
        "sub/deep/sample.mkv",
    ]


def test_files_are_in_mktorrent_byte_order(tmp_path: Path) -> None:
    names = ["b", "B", "a.txt", "a/x", "a b/x", "a-b", "é", "z", "Z/z", "~"]
    root = write_tree(tmp_path / "Rel", {n: b"x" for n in names})
    expected = sorted(names, key=lambda n: n.encode())
    assert rel_paths(root) == expected
    assert expected[:4] == ["B", "Z/z", "a b/x", "a-b"]


def test_symlink_inside_release_is_followed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"real/ep01.mkv": data(5000, 1), "ep02.mkv": b"2"})
    (root / "link-to-ep01.mkv").symlink_to("real/ep01.mkv")
    (root / "linked-dir").symlink_to(root / "real", target_is_directory=True)
    built = build_torrent(root, trackers=TRACKERS, piece_size=16384)
    assert built.files == [
        "Rel/ep02.mkv",
        "Rel/link-to-ep01.mkv",
        "Rel/linked-dir/ep01.mkv",
        "Rel/real/ep01.mkv",
    ]
    assert built.total_size == 5000 * 3 + 1
    verify_pieces(built.raw, root)


@pytest.mark.parametrize("kind", ["file", "dir", "relative-up"])
def test_symlink_escaping_release_is_refused(tmp_path: Path, kind: str) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.txt": b"private", "d/x": b"x"})
    root = write_tree(tmp_path / "Rel", {"ep01.mkv": b"1"})
    if kind == "file":
        (root / "leak.txt").symlink_to(outside / "secret.txt")
    elif kind == "dir":
        (root / "leak").symlink_to(outside / "d", target_is_directory=True)
    else:
        (root / "leak.txt").symlink_to("../outside/secret.txt")
    with pytest.raises(TorrentError, match="symlink points outside the release") as err:
        build_torrent(root, trackers=TRACKERS)
    assert err.value.path == root / ("leak" if kind == "dir" else "leak.txt")


def test_excluded_escaping_symlink_is_just_ignored(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"ep01.mkv": b"1"})
    (root / ".leak").symlink_to("/etc/hostname")
    assert rel_paths(root) == ["ep01.mkv"]


def test_broken_symlink_and_loop_are_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"ep01.mkv": b"1"})
    (root / "dangling.mkv").symlink_to(root / "missing.mkv")
    with pytest.raises(TorrentError, match="broken symlink"):
        release_files(root)
    (root / "dangling.mkv").unlink()
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    with pytest.raises(TorrentError, match="symlink loop"):
        release_files(root)


def test_single_file_release_through_a_symlink(tmp_path: Path) -> None:
    target = write_tree(tmp_path / "store", {"ep.mkv": data(4000, 2)}) / "ep.mkv"
    link = tmp_path / "[G] Show - 01.mkv"
    link.symlink_to(target)
    built = build_torrent(link, trackers=TRACKERS, piece_size=16384)
    assert built.files == ["[G] Show - 01.mkv"]
    verify_pieces(built.raw, link)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "has no files"),
        ({".nfo": b"x", "Thumbs.db": b"y", "a.part": b"z"}, "has no files"),
        ({"a.mkv": b"", "sub/b.ass": b""}, "has only empty files"),
    ],
)
def test_empty_release_is_a_clear_error(
    tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    root = tmp_path / "Rel"
    root.mkdir()
    write_tree(root, files)
    with pytest.raises(TorrentError, match=message) as err:
        build_torrent(root, trackers=TRACKERS)
    assert "after exclusions" in str(err.value)


def test_excluded_single_file_is_an_empty_release(tmp_path: Path) -> None:
    target = write_tree(tmp_path, {"ep01.mkv.part": b"partial"}) / "ep01.mkv.part"
    with pytest.raises(TorrentError, match="has no files"):
        build_torrent(target, trackers=TRACKERS)


def test_missing_path_and_special_files(tmp_path: Path) -> None:
    with pytest.raises(TorrentError, match="no such file or folder"):
        release_files(tmp_path / "nope")
    root = write_tree(tmp_path / "Rel", {"ep.mkv": b"1"})
    os.mkfifo(root / "pipe")
    assert rel_paths(root) == ["ep.mkv"]  # a FIFO holds no content: skipped, never opened
    with pytest.raises(TorrentError, match="neither a file nor a folder"):
        release_files(root / "pipe")


def test_non_utf8_name_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"ok.mkv": b"1"})
    bad = os.fsencode(root) + b"/caf\xe9.mkv"
    with open(bad, "wb") as out:
        out.write(b"latin-1 name")
    with pytest.raises(TorrentError, match="not valid UTF-8"):
        release_files(root)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "Rel", {"ep.mkv": b"1"})
    (root / "ep.mkv").chmod(0)
    with pytest.raises(TorrentError, match="not readable"):
        release_files(root)
