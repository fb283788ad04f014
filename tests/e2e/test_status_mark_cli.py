"""`status` (no journal, --failed, --since, times) and `mark-upgraded` (itself, not found, not
yours): the real CLI against the sandbox over loopback."""

from __future__ import annotations

from datetime import UTC, datetime

from e2e_world import World

from uploader.sandbox import OTHER_TORRENT_ID, SAMPLE_TORRENT_02_ID, SAMPLE_TORRENT_ID

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
NO_GROUP = "[NoSuchGroup] Show - 01.mkv"
MISSING = "1399999999999999999"


def edits(world: World) -> list[object]:
    return [r for r in world.site.requests if r.method == "PATCH"]


def test_a_torrent_cannot_upgrade_itself(world: World) -> None:
    run = world.cli("mark-upgraded", SAMPLE_TORRENT_02_ID, SAMPLE_TORRENT_ID,
                    SAMPLE_TORRENT_02_ID)
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"error: OLD_ID {SAMPLE_TORRENT_02_ID} is NEW_ID itself — a torrent "
                       "cannot upgrade itself\n")
    assert world.site.requests == []  # refused before anything was sent
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded is None


def test_mark_upgraded_tells_a_missing_torrent_from_one_that_is_not_yours(world: World) -> None:
    run = world.cli("mark-upgraded", "--json", SAMPLE_TORRENT_02_ID, OTHER_TORRENT_ID, MISSING,
                    SAMPLE_TORRENT_ID)
    assert run.code == 1, run.err
    assert run.records() == [{
        "torrent_id": SAMPLE_TORRENT_02_ID, "upgraded": [SAMPLE_TORRENT_ID],
        "bad_torrents": [OTHER_TORRENT_ID, MISSING], "not_found": [MISSING],
        "not_yours": [OTHER_TORRENT_ID], "unverified": []}]
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded == SAMPLE_TORRENT_02_ID
    assert world.site.torrents[OTHER_TORRENT_ID].upgraded is None
    looked_up = [r.path for r in world.site.requests if r.method == "GET"]
    assert f"/torrents/{MISSING}" in looked_up
    assert f"/torrents/{OTHER_TORRENT_ID}" in looked_up

    human = world.cli("mark-upgraded", SAMPLE_TORRENT_02_ID, MISSING, OTHER_TORRENT_ID)
    assert human.code == 1, human.err
    assert human.out == (
        f"not marked: no torrent {MISSING} on the site — check the id\n"
        f"not marked: {OTHER_TORRENT_ID} is not yours to edit (you are not its uploader or a "
        "group admin) — ask its group to mark it\n")


def test_mark_upgraded_offers_only_what_it_uses(world: World) -> None:
    run = world.cli("mark-upgraded", "--profiles", "x", SAMPLE_TORRENT_02_ID, SAMPLE_TORRENT_ID)
    assert run.code == 2
    assert "No such option '--profiles'" in run.err
    assert edits(world) == []


def test_status_names_a_missing_journal_and_creates_none(world: World) -> None:
    nowhere = world.tmp / "nowhere"
    for args in (("--state-dir", str(nowhere)), ("--json", "--state-dir", str(nowhere))):
        run = world.cli("status", *args)
        assert (run.code, run.out) == (2, "")
        assert run.err == (f"error: no journal at {nowhere / 'journal.sqlite3'} — check "
                           "--state-dir / NEKOBT_STATE_DIR\n")
        assert not nowhere.exists()
    nowhere.mkdir()
    run = world.cli("status", "--sandbox", "--state-dir", str(nowhere))
    assert run.code == 2
    assert f"no journal at {nowhere / 'sandbox' / 'journal.sqlite3'}" in run.err
    assert list(nowhere.iterdir()) == []
    run = world.cli("status")  # NEKOBT_STATE_DIR names it, nothing has run yet
    assert run.code == 2
    assert f"error: no journal at {world.state / 'journal.sqlite3'} — " in run.err
    assert not world.state.exists()


def _minute(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def test_status_filters_and_shows_times(world: World) -> None:
    uploaded = world.cli("upload", "--json", str(world.release(V2)))
    assert uploaded.code == 0, uploaded.err
    failed = world.cli("upload", "--json", str(world.release(NO_GROUP)))
    assert failed.records()[0]["status"] == "failed"  # no profile for its tag
    everything = world.cli("status", "--json").records()
    by_status = {r["status"]: r for r in everything}
    assert set(by_status) == {"uploaded", "failed"}

    # Filtering picks records; each is the same record, field for field.
    assert world.cli("status", "--failed", "--json").records() == [by_status["failed"]]
    assert world.cli("status", "--since", "1h", "--json").records() == everything
    assert world.cli("status", "--since", "2000-01-01", "--json").records() == everything
    assert world.cli("status", "--since", "2999-01-01", "--json").records() == []
    assert world.cli("status", "--failed", "--since", "2999-01-01T00:00",
                     "--json").records() == []

    none = world.cli("status", "--failed", "--since", "2999-01-01")
    assert (none.code, none.out) == (
        0, "No releases match --failed --since 2999-01-01 00:00 UTC (2 in the journal).\n")

    human = world.cli("status")
    assert human.code == 0, human.err
    lines = human.out.splitlines()
    assert lines[0] == ("  ID  STATE        SEEDING   TORRENT               UPDATED (UTC)     "
                        "UPLOADED (UTC)    PATH")
    done = by_status["uploaded"]
    uploaded_at = datetime.fromisoformat(done["uploaded_at"].replace("Z", "+00:00"))
    assert lines[1] == (
        f"{done['journal_id']:>4}  uploaded     none      {done['torrent_id']:<20}  "
        f"{_minute(done['updated_at'])}  {_minute(uploaded_at.timestamp())}  {done['path']}")
    bad = by_status["failed"]
    assert lines[2] == (f"{bad['journal_id']:>4}  failed       -         -                     "
                        f"{_minute(bad['updated_at'])}  -                 {bad['path']}")
    assert lines[3] == f"      {bad['error']}"

    only_failed = world.cli("status", "--failed")
    assert only_failed.out.splitlines() == [lines[0], lines[2], lines[3]]


def test_status_rejects_a_since_it_cannot_read(world: World) -> None:
    world.state.mkdir()
    run = world.cli("status", "--since", "yesterday")
    assert (run.code, run.out) == (2, "")
    assert ("Invalid value for '--since': 'yesterday': not an age or a date — use e.g. 30m, "
            "12h, 2d, 1w or 2026-12-01 (UTC)") in run.err
    assert list(world.state.iterdir()) == []
