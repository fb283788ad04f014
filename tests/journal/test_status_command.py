"""`status --failed` / `--since` over a journal holding every kind of outcome, in-process."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from uploader import journal as j
from uploader.cli import main

DAY = 86400.0
NOW = time.time()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal with one release per outcome, each last changed at a known time."""
    for name in ("NEKOBT_STATE_DIR", "NEKOBT_API_KEY_FILE", "NEKOBT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    clock = Clock()
    with j.Journal(tmp_path / "journal.sqlite3", clock=clock) as journal:
        def add(path: str, age_days: float, **fields: object) -> None:
            clock.now = NOW - age_days * DAY
            record = journal.start(path, "fp")
            journal.update(record.id, **fields)

        add("/in/failed.mkv", 3, state=j.FAILED, error="boom")
        add("/in/uploaded-not-seeding.mkv", 0.5, state=j.UPLOADED, torrent_id="11",
            uploaded_at=NOW - 0.6 * DAY, seeding_state=j.SEED_FAILED,
            error="uploaded, but seeding: down — run the same command again to retry")
        add("/in/uploaded.mkv", 0.5, state=j.UPLOADED, torrent_id="12",
            uploaded_at=NOW - 0.5 * DAY, seeding_state=j.SEEDING)
        add("/in/rejected.mkv", 5, state=j.REJECTED, fails=["no"], error="rejected: no")
        add("/in/checked.mkv", 0.1, state=j.CHECKED)
        # Its process is gone (none recorded): `status` reads it as interrupted.
        add("/in/interrupted.mkv", 1.5, state=j.BUILDING, owner_pid=None)
    return tmp_path


def paths(out: str) -> list[str]:
    return [Path(json.loads(line)["path"]).stem for line in out.splitlines()]


def test_failed_is_what_needs_you(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--state-dir", str(state), "--failed", "--json")
    assert code == 0
    assert paths(out) == ["failed", "uploaded-not-seeding", "rejected", "interrupted"]
    assert [json.loads(line)["status"] for line in out.splitlines()] == [
        "failed", "uploaded", "rejected", "interrupted"]


def test_since_an_age(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", "2d", "--json")
    assert paths(out) == ["uploaded-not-seeding", "uploaded", "checked", "interrupted"]
    _, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", "12h", "--json")
    assert paths(out) == ["checked"]  # the uploads changed 12 h and a few ms ago
    _, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", "1w", "--failed",
                    "--json")
    assert paths(out) == ["failed", "uploaded-not-seeding", "rejected", "interrupted"]


def test_since_a_date_is_utc(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    four_days_ago = datetime.fromtimestamp(NOW - 4 * DAY, UTC).date().isoformat()
    _, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", four_days_ago,
                    "--failed", "--json")
    # The rejection (5 days old) is before that date; the failure (3 days) after it.
    assert paths(out) == ["failed", "uploaded-not-seeding", "interrupted"]


def test_filtered_records_are_the_unfiltered_ones(state: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, everything, _ = run(capsys, "status", "--state-dir", str(state), "--json")
    _, failed, _ = run(capsys, "status", "--state-dir", str(state), "--failed", "--json")
    records = {json.loads(line)["path"]: json.loads(line) for line in everything.splitlines()}
    for line in failed.splitlines():
        record = json.loads(line)
        assert record == records[record["path"]]


def test_the_table_shows_when(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def minute(epoch: float) -> str:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")

    code, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", "1d")
    assert code == 0
    assert out.splitlines() == [
        "  ID  STATE        SEEDING   TORRENT               UPDATED (UTC)     UPLOADED (UTC)    "
        "PATH",
        f"   2  uploaded     failed    11                    {minute(NOW - 0.5 * DAY)}  "
        f"{minute(NOW - 0.6 * DAY)}  /in/uploaded-not-seeding.mkv",
        "      uploaded, but seeding: down — run the same command again to retry",
        f"   3  uploaded     seeding   12                    {minute(NOW - 0.5 * DAY)}  "
        f"{minute(NOW - 0.5 * DAY)}  /in/uploaded.mkv",
        f"   5  checked      -         -                     {minute(NOW - 0.1 * DAY)}  "
        "-                 /in/checked.mkv",
    ]


def test_the_default_state_dir_without_a_journal_is_empty_and_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NEKOBT_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    assert out == ("No releases in the journal yet (none at "
                   f"{tmp_path / 'xdg' / 'nekobt-upload' / 'journal.sqlite3'}).\n")
    assert run(capsys, "status", "--json")[:2] == (0, "")
    code, out, err = run(capsys, "status", "--retry", "7")  # nothing to retry: say where
    assert (code, out) == (2, "")
    assert err == (f"error: no journal at {tmp_path / 'xdg' / 'nekobt-upload' / 'journal.sqlite3'}"
                   " — check --state-dir / NEKOBT_STATE_DIR\n")
    assert not (tmp_path / "xdg").exists()


def test_status_needs_no_api_key(state: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NEKOBT_API_KEY", raising=False)
    monkeypatch.setenv("NEKOBT_API_KEY_FILE", str(state / "no-such-key-file"))
    code, out, _ = run(capsys, "status", "--state-dir", str(state), "--since", "3h", "--json")
    assert (code, paths(out)) == (0, ["checked"])
