"""`profiles validate` (offline too) refuses a `seed.copy_torrent_to` that cannot be a watch
folder: missing, a file, not writable, or a system folder (issue 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from profile_helpers import MINIMAL, write_profile

from uploader.cli import main
from uploader.profiles import load_profiles
from uploader.profiles.loading import seed_folder_problem

ADVICE = "point it at your torrent client's watch folder"


def validate(capsys: pytest.CaptureFixture[str], tmp_path: Path,
             folder: str) -> tuple[int, str, Path]:
    path = write_profile(tmp_path / "profiles", "demo",
                         MINIMAL + f"seed:\n  copy_torrent_to: {folder}\n")
    with pytest.raises(SystemExit) as info:
        main(["profiles", "validate", "--profiles", str(tmp_path / "profiles"),
              "--state-dir", str(tmp_path / "state")])
    code = info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().out, path


@pytest.mark.parametrize(("folder", "problem"), [
    ("/proc", f"/proc is a system folder — {ADVICE}"),
    ("/sys", f"/sys is a system folder — {ADVICE}"),
    ("/dev", f"/dev is a system folder — {ADVICE}"),
    ("/dev/shm", f"/dev/shm is inside the system folder /dev — {ADVICE}"),
    ("/proc/self/fd", f"/proc/self/fd is inside the system folder /proc — {ADVICE}"),
])
def test_system_folders_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    folder: str, problem: str) -> None:
    code, out, path = validate(capsys, tmp_path, folder)
    assert (code, out) == (2, f"{path}:6:20: seed.copy_torrent_to: {problem}\n")


def test_a_link_into_proc_is_proc(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "watch").symlink_to("/proc")
    code, out, path = validate(capsys, tmp_path, str(tmp_path / "watch"))
    assert (code, out) == (2, f"{path}:6:20: seed.copy_torrent_to: /proc is a system folder — "
                              f"{ADVICE}\n")


def test_a_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, path = validate(capsys, tmp_path, "../watch")
    shown = tmp_path / "profiles" / "../watch"  # relative to the profile's folder
    assert (code, out) == (2, f"{path}:6:20: seed.copy_torrent_to: {shown} does not exist — "
                              f"create it, or {ADVICE}\n")
    (tmp_path / "watch").mkdir()
    code, out, path = validate(capsys, tmp_path, "../watch")
    assert (code, out) == (0, f"OK demo ({path})\n")


def test_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "watch.torrent").write_bytes(b"d4:infoe")
    code, out, path = validate(capsys, tmp_path, str(tmp_path / "watch.torrent"))
    assert (code, out) == (2, f"{path}:6:20: seed.copy_torrent_to: {tmp_path / 'watch.torrent'} "
                              f"is a file, not a folder — {ADVICE}\n")


def test_a_folder_this_user_cannot_write(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    watch = tmp_path / "watch"
    watch.mkdir(mode=0o555)
    if os.geteuid() == 0:  # root may write anywhere: play the user that may not
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == watch
                            else real(p, mode))
    code, out, path = validate(capsys, tmp_path, str(watch))
    assert (code, out) == (2, f"{path}:6:20: seed.copy_torrent_to: {watch} is not writable by "
                              f"this user — fix its permissions, or {ADVICE}\n")


def test_a_usable_folder_and_null(tmp_path: Path) -> None:
    assert seed_folder_problem(tmp_path) is None
    assert seed_folder_problem(Path("/proc")) == f"/proc is a system folder — {ADVICE}"


def test_loading_for_an_upload_leaves_the_folder_to_the_seeding_step(tmp_path: Path) -> None:
    # A missing watch folder is a follow-up failure (retried by the next run), not a reason to
    # refuse the profile when uploading; `profiles validate` is where it is refused.
    write_profile(tmp_path, "demo", MINIMAL + "seed:\n  copy_torrent_to: /nonexistent/watch\n")
    assert list(load_profiles(tmp_path)) == ["demo"]
