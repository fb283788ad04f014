"""`upload`, `check`, `status`, `mark-upgraded`: the real CLI against the sandbox over loopback."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import torf
from e2e_world import World

from uploader.sandbox import (
    DEMO_GROUP_ID,
    DEMO_MEMBER_IDS,
    DEMO_RAWS_GROUP_ID,
    OTHER_TORRENT_ID,
    SAMPLE_TORRENT_ID,
)

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
RECORD_KEYS = {"path", "status", "title", "profile", "infohash", "torrent_id", "torrent_file",
               "warns", "fails", "upgraded", "error"}


def finished(path: Path) -> None:
    """Written a minute ago: complete, so `upload` does not wait for it to settle."""
    past = time.time() - 60
    os.utime(path, (past, past))


def independent_infohash(torrent_file: Path) -> str:
    return str(torf.Torrent.read(torrent_file).infohash)


def test_happy_path_every_field_reaches_the_site(world: World) -> None:
    release = world.release(V2)
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert set(record) >= RECORD_KEYS
    assert record["status"] == "uploaded"
    assert record["upgraded"] == [SAMPLE_TORRENT_ID]
    assert record["error"] is None
    stored = world.site.torrents[record["torrent_id"]]
    assert stored.title == "[ExampleSubs] Sample Show - 01v2 (1080p)"
    assert stored.infohash == record["infohash"] == independent_infohash(
        Path(record["torrent_file"]))
    assert (stored.level, stored.video_type, stored.video_codec) == (3, 8, 1)
    assert (stored.audio_lang, stored.fsub_lang, stored.sub_lang) == ("ja", "en", "")
    assert (stored.movie, stored.mtl, stored.otl, stored.hardsub, stored.anonymous,
            stored.hidden) == (False,) * 6
    assert stored.primary_group is not None
    assert stored.primary_group["id"] == DEMO_GROUP_ID
    roles = [(m.get("id"), m["role"]) for m in stored.primary_group["members"]]
    assert roles[:3] == [(DEMO_MEMBER_IDS["leader"], "Translation"),
                         (DEMO_MEMBER_IDS["admin"], "Encode"),
                         (DEMO_MEMBER_IDS["member"], "Typesetting")]
    assert roles[3][1] == "QC"  # the invite created for NewQC
    assert [(g["id"], g["role"]) for g in stored.secondary_groups] == [
        (DEMO_RAWS_GROUP_ID, "Raws")]
    assert stored.mediainfo is not None
    assert stored.mediainfo.startswith("General\n")
    assert "Japanese" in stored.mediainfo
    assert stored.description is not None
    assert "**ExampleSubs** presents episode 01" in stored.description
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded == record["torrent_id"]
    # Exactly the documented fields went to the checks and upload endpoints.
    (checks,) = [r.json for r in world.site.requests if r.path == "/upload/checks"]
    assert {"anonymous", "hidden", "description", "torrent", "secondary_groups"}.isdisjoint(checks)
    (post,) = world.posts()
    assert "files" not in post.json
    assert "batch" not in post.json
    assert "ignore_warnings" not in post.json


def test_check_uploads_nothing_then_upload_does_not_hash_again(world: World) -> None:
    release = world.release(V2)
    run = world.cli("check", "--json", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "checked"
    assert world.posts() == []
    run = world.cli("upload", "--json", "-v", str(release))
    assert run.code == 0, run.err
    assert len(world.posts()) == 1
    assert '"hashed_bytes": 0' in _journal_dump(world)


def _journal_dump(world: World) -> str:
    import sqlite3

    with sqlite3.connect(world.state / "journal.sqlite3") as db:
        rows = db.execute("SELECT kind, detail FROM events").fetchall()
    db.close()
    return "\n".join(f"{k} {d}" for k, d in rows)


def test_rerun_and_already_on_site_never_upload_twice(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    again = world.cli("upload", "--json", str(release))
    assert again.code == 0, again.err
    assert again.records()[0]["status"] == "exists"
    assert again.records()[0]["torrent_id"] == first.records()[0]["torrent_id"]
    # A fresh state dir (another machine, a lost journal): the site's answer decides.
    shutil.rmtree(world.state)
    third = world.cli("upload", "--json", str(release))
    assert third.code == 0, third.err
    assert third.records()[0]["status"] == "exists"
    assert len(world.posts()) == 1


def test_lost_answer_after_the_site_stored_it_is_exactly_one_torrent(world: World) -> None:
    world.site.faults.drop(1, method="POST", path="/upload")
    release = world.release(V2)
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert len(world.uploads_titled("[ExampleSubs] Sample Show - 01v2 (1080p)")) == 1
    assert len(world.posts()) == 1
    assert "lost_answer" in _journal_dump(world)


@pytest.mark.parametrize(("kind", "wait"), [("json", 0.6), ("html", 1.0)])
def test_429_waits_are_honoured(world: World, kind: str, wait: float) -> None:
    if kind == "json":
        world.site.faults.rate_limit_json(1, retry_after=wait, method="PUT",
                                          path="/upload/checks")
    else:
        world.site.faults.rate_limit_html(1, retry_after=int(wait), method="PUT",
                                          path="/upload/checks")
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.err
    first, second = [r for r in world.site.requests if r.path == "/upload/checks"]
    assert first.fault is not None
    assert first.fault.startswith("rate-limit")
    assert second.fault is None
    assert second.at - first.at >= wait


def test_429_on_the_upload_post_waits_then_uploads_once(world: World) -> None:
    world.site.faults.rate_limit_json(1, retry_after=0.5, method="POST", path="/upload")
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.err
    first, second = world.posts()
    assert second.at - first.at >= 0.5
    assert len(world.uploads_titled("[ExampleSubs] Sample Show - 01v2 (1080p)")) == 1


def test_5xx_on_checks_is_retried(world: World) -> None:
    world.site.faults.server_error(2, method="PUT", path="/upload/checks")
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.err
    assert len([r for r in world.site.requests if r.path == "/upload/checks"]) == 3


def test_5xx_on_upload_is_resolved_by_infohash_not_reposted_blindly(world: World) -> None:
    world.site.faults.server_error(1, method="POST", path="/upload")
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.err
    # The 500 came before the site stored it: the lookup says "not there", so one more POST.
    assert len(world.posts()) == 2
    assert len(world.uploads_titled("[ExampleSubs] Sample Show - 01v2 (1080p)")) == 1


def test_refused_key_exits_3_after_one_try_and_never_shows_it(world: World) -> None:
    bad = "wrong-key-0123456789abcdef-SECRET"
    run = world.cli("upload", "--json", str(world.release(V2)), key=bad)
    assert run.code == 3, run.err
    assert bad not in run.out + run.err
    assert "401" in run.err or "refused" in run.err
    assert world.posts() == []
    assert len([r for r in world.site.requests if r.path == "/upload/checks"]) <= 1


def test_missing_key_exits_3(world: World) -> None:
    world.key = ""
    run = world.cli("upload", str(world.release(V2)))
    assert run.code == 3
    assert "NEKOBT_API_KEY" in run.err


def test_failed_checks_exit_1_with_the_sites_text(world: World) -> None:
    release = world.release("[SomeoneElse] Sample Show - 05 (1080p).mkv")
    run = world.cli("upload", "--profile", "examplesubs", str(release))
    assert run.code == 1
    assert 'You need to set your Primary Group to the "Release Group" found in your title.' \
        in run.out
    assert world.posts() == []


PUBLIC = "https://tracker.nekobt.to/api/tracker/public/announce"


def _without_public_tracker(world: World) -> None:
    def change(data: dict[str, Any]) -> None:
        data["trackers"] = [[u for u in tier if u != PUBLIC] or
                            ["udp://open.demonii.com:1337/announce"]
                            for tier in data["trackers"]]

    world.edit_profile("examplesubs", change)


def test_warnings_block_unless_accepted_by_list(world: World) -> None:
    _without_public_tracker(world)
    release = world.release(V2)
    run = world.cli("upload", "--json", str(release))
    assert run.code == 1
    (record,) = run.records()
    assert record["status"] == "rejected"
    assert any("public tracker" in w for w in record["warns"])
    assert world.posts() == []
    world.edit_profile("examplesubs", lambda d: d.setdefault("upload", {}).update(
        ignore_warnings=["public tracker URL"]))
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.out + run.err
    (post,) = world.posts()
    assert post.json["ignore_warnings"] is True


def test_ignore_warnings_flag(world: World) -> None:
    _without_public_tracker(world)
    run = world.cli("upload", "--json", "--ignore-warnings", str(world.release(V2)))
    assert run.code == 0, run.err
    assert run.records()[0]["status"] == "uploaded"


def test_mark_upgraded_reports_bad_torrents(world: World) -> None:
    run = world.cli("upload", "--json", str(world.release(V2)))
    new_id = run.records()[0]["torrent_id"]
    run = world.cli("mark-upgraded", "--json", new_id, OTHER_TORRENT_ID, SAMPLE_TORRENT_ID)
    assert run.code == 1
    assert '"bad_torrents": ["' + OTHER_TORRENT_ID + '"]' in run.out
    assert world.site.torrents[OTHER_TORRENT_ID].upgraded is None
    run = world.cli("mark-upgraded", new_id, "12x")
    assert run.code == 2
    assert "not a torrent id" in run.err


def test_private_announce_is_refused_before_hashing(world: World) -> None:
    world.edit_profile("examplesubs", lambda d: d["trackers"].append(
        ["https://tracker.example.org/announce?passkey=0123456789abcdef0123456789abcdef"]))
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 2
    assert "0123456789abcdef0123456789abcdef" not in run.out + run.err
    assert world.posts() == []
    assert not (world.state / "torrents").exists() or not any((world.state / "torrents").iterdir())


def test_folder_release_and_unicode_names(world: World) -> None:
    folder = world.tmp / "in" / "[ExampleSubs] ねこの話 (1080p) [Batch]"
    (folder / "Extras").mkdir(parents=True)
    world.release("x.mkv")  # ensure in/ exists
    for episode in ("01", "02"):
        name = f"[ExampleSubs] ねこの話 - {episode} (1080p).mkv"
        shutil.copyfile(world.tmp / "in" / "x.mkv", folder / name)
    (folder / "Extras" / "notes.txt").write_text("excluded by the profile's *.txt")
    (folder / ".DS_Store").write_text("junk")
    run = world.cli("upload", "--json", str(folder))
    assert run.code == 0, run.out + run.err
    (record,) = run.records()
    stored = world.site.torrents[record["torrent_id"]]
    assert stored.title == "[ExampleSubs] ねこの話 (1080p) [Batch]"
    assert sorted(f["path"] for f in stored.files) == [
        "[ExampleSubs] ねこの話 (1080p) [Batch]/[ExampleSubs] ねこの話 - 01 (1080p).mkv",
        "[ExampleSubs] ねこの話 (1080p) [Batch]/[ExampleSubs] ねこの話 - 02 (1080p).mkv",
    ]


def test_bad_paths_and_profiles_exit_2(world: World) -> None:
    run = world.cli("upload", str(world.tmp / "missing.mkv"))
    assert run.code == 2
    assert "no such file or folder" in run.err
    unmatched = world.release("[NoSuchGroup] Show - 01.mkv")
    run = world.cli("upload", "--json", str(unmatched))
    assert run.code == 2
    assert run.records()[0]["status"] == "failed"
    assert "NoSuchGroup" in run.records()[0]["error"]
    # Another group's broken profile is that group's problem: a warning naming the file, and
    # this release goes on; selecting the broken one is the configuration error.
    (world.profiles / "broken.yaml").write_text("group: {id: 1, tag: X}\nlevel: three\n")
    run = world.cli("upload", str(world.release(V2)))
    assert run.code == 0, run.err
    assert "broken.yaml:" in run.err
    run = world.cli("check", "--profile", "broken", str(world.release(V2)))
    assert run.code == 2
    assert "broken.yaml:2:8: level:" in run.out + run.err
    assert "Traceback" not in run.err


def test_status_lists_releases(world: World) -> None:
    world.cli("upload", "--json", str(world.release(V2)))
    world.cli("upload", "--json", str(world.release("[NoSuchGroup] Show - 01.mkv")))
    run = world.cli("status", "--json")
    assert run.code == 0
    states = sorted(r["status"] for r in run.records())
    assert states == ["failed", "uploaded"]
    human = world.cli("status")
    assert "uploaded" in human.out
    assert "NoSuchGroup" in human.out


def test_seeding_handoff_writes_private_torrent_0600(world: World) -> None:
    watch = world.tmp / "client-watch"
    watch.mkdir()
    world.edit_profile("examplesubs", lambda d: d.update(seed={"copy_torrent_to": str(watch)}))
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.err
    (handed,) = list(watch.iterdir())
    assert handed.name == V2 + ".torrent"
    assert os.stat(handed).st_mode & 0o777 == 0o600
    torrent = torf.Torrent.read(handed)
    assert "/api/tracker/public/announce" not in str(torrent.trackers[0][0])
    assert str(torrent.infohash) == run.records()[0]["infohash"]


def test_the_key_is_nowhere_in_output_or_state(world: World) -> None:
    watch = world.tmp / "client-watch"
    watch.mkdir()
    world.edit_profile("examplesubs", lambda d: d.update(seed={"copy_torrent_to": str(watch)}))
    world.site.faults.drop(1, method="POST", path="/upload")
    outputs = []
    for args in (("check", "-vv"), ("upload", "-vv", "--json"), ("status",), ("status", "--json")):
        run = world.cli(*args, str(world.release(V2))) if args[0] != "status" else \
            world.cli(*args)
        outputs.append(run.out + run.err)
    key = world.key.encode()
    assert all(world.key not in text for text in outputs)
    for folder in (world.state, watch, world.tmp / "in"):
        for file in folder.rglob("*"):
            if file.is_file():
                assert key not in file.read_bytes(), file


def test_next_release_is_hashed_while_the_current_one_talks_to_the_site(world: World) -> None:
    import sqlite3

    first = world.release(V2)
    second = world.release("[ExampleSubs] Sample Show - 02 (1080p).mkv")
    with second.open("ab") as fh:
        fh.write(b"\0")
    finished(second)
    world.site.faults.slow(2.0, method="PUT", path="/upload/checks")  # the first's checks
    run = world.cli("upload", "--json", str(first), str(second))
    assert run.code == 0, run.err
    assert [r["status"] for r in run.records()] == ["uploaded", "uploaded"]
    assert [Path(r["path"]).name for r in run.records()] == [first.name, second.name]
    with sqlite3.connect(world.state / "journal.sqlite3") as db:
        times = dict(db.execute(
            "SELECT r.path || ':' || e.kind || ':' || e.state, MAX(e.at) FROM events e "
            "JOIN releases r ON r.id = e.release_id GROUP BY 1").fetchall())
        (built,) = db.execute(
            "SELECT e.detail FROM events e JOIN releases r ON r.id = e.release_id "
            "WHERE r.path = ? AND e.kind = 'built'", (str(second),)).fetchone()
    db.close()
    second_hashed = json.loads(built)["hashed_at"]  # the hash ended then, needed later
    first_checked = max(at for key, at in times.items()
                        if key.startswith(f"{first}:answer:"))
    assert second_hashed < first_checked


def test_follow_up_failure_keeps_the_upload_and_the_rerun_finishes_it(world: World) -> None:
    # More 5xx than the client's retries: marking upgrades fails after the upload is stored.
    world.site.faults.server_error(5, method="PATCH", path="/torrents/bulk/edit/perms")
    release = world.release(V2)
    run = world.cli("upload", "--json", str(release))
    assert run.code == 1, run.err  # uploaded, but a follow-up failed: not a success
    (record,) = run.records()
    assert record["status"] == "uploaded"
    assert record["upgraded"] == []
    assert record["error"].startswith("uploaded, but upgrades:")
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded is None
    again = world.cli("upload", "--json", str(release))
    assert again.code == 0, again.err
    (record,) = again.records()
    # Uploaded by the first run: the rerun finishes its follow-ups and reports `exists`.
    assert (record["status"], record["upgraded"], record["error"]) == (
        "exists", [SAMPLE_TORRENT_ID], None)
    assert world.site.torrents[SAMPLE_TORRENT_ID].upgraded == record["torrent_id"]
    assert len(world.posts()) == 1


@pytest.mark.parametrize("newer_site", [False, True])
def test_batch_profile_on_sites_with_and_without_the_field(world: World,
                                                            newer_site: bool) -> None:
    world.site.faults.quirks.newer_site = newer_site
    world.edit_profile("examplesubs", lambda d: d.update(batch=True, level=3))
    run = world.cli("upload", "--json", str(world.release(V2)))
    assert run.code == 0, run.out + run.err
    stored = world.site.torrents[run.records()[0]["torrent_id"]]
    (post,) = world.posts()
    if newer_site:
        assert (post.json["batch"], post.json["level"]) == (True, 3)
        assert (stored.batch, stored.level) == (True, 3)
    else:
        # The reference's site: `batch` is refused, so "full-scale batch" is level 4.
        assert "batch" not in post.json
        assert post.json["level"] == 4
        assert stored.level == 4
        checks = [r.json for r in world.site.requests if r.path == "/upload/checks"]
        assert [c.get("batch") for c in checks] == [True, None]


def test_first_upload_waiting_for_approval_is_uploaded_and_seeded(world: World) -> None:
    world.site.faults.quirks.waiting_approve = True
    watch = world.tmp / "client-watch"
    watch.mkdir()
    world.edit_profile("examplesubs", lambda d: d.update(seed={"copy_torrent_to": str(watch)}))
    release = world.release(V2)
    run = world.cli("upload", "--json", str(release))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert (record["status"], record["waiting_approve"], record["error"]) == (
        "uploaded", True, None)
    # The site will not serve it yet: our own torrent (same infohash) goes to the client.
    (handed,) = list(watch.iterdir())
    assert str(torf.Torrent.read(handed).infohash) == record["infohash"]
    assert os.stat(handed).st_mode & 0o777 == 0o600
    again = world.cli("upload", str(release))
    assert again.code == 0, again.err
    assert "waiting for staff approval" in again.out
    assert len(world.posts()) == 1


def test_release_replaced_in_place_is_refused_then_replaced_with_replace(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    old = first.records()[0]
    with release.open("ab") as fh:  # the encoder re-muxed it: other bytes, same name
        fh.write(b"\0" * 1024)
    finished(release)
    refused = world.cli("upload", "--json", str(release))
    assert refused.code == 1, refused.err
    (record,) = refused.records()
    assert record["status"] == "failed"
    assert record["error"].startswith(
        f"{V2}: already uploaded from this path as {old['torrent_id']} on ")
    assert record["error"].endswith(
        f"with different content — pass --replace to upload the new content (and mark "
        f"{old['torrent_id']} upgraded)")
    assert len(world.posts()) == 1
    # The journal still holds the first upload.
    (kept,) = world.cli("status", "--json").records()
    assert (kept["status"], kept["torrent_id"]) == ("uploaded", old["torrent_id"])

    second = world.cli("upload", "--json", "--replace", str(release))
    assert second.code == 0, second.err
    new = second.records()[0]
    assert new["status"] == "uploaded"
    assert new["infohash"] != old["infohash"]
    assert new["torrent_id"] != old["torrent_id"]
    assert world.site.torrents[new["torrent_id"]].infohash == new["infohash"]
    assert world.site.torrents[old["torrent_id"]].upgraded == new["torrent_id"]
    assert old["torrent_id"] in new["upgraded"]
    assert len(world.posts()) == 2
    # Its own follow-ups ran (the old generation's events do not count as done).
    assert "uploaded, but" not in (new["error"] or "")
    (status,) = world.cli("status", "--json").records()
    assert status["torrent_id"] == new["torrent_id"]
    assert [(u["torrent_id"], u["replaced_by"]) for u in status["earlier_uploads"]] == [
        (old["torrent_id"], new["torrent_id"])]
    human = world.cli("status")
    assert f"earlier upload from this path: {old['torrent_id']}" in human.out


def test_failure_on_a_rerun_keeps_the_release_uploaded(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    bad = world.cli("upload", "--json", str(release), key="wrong-key-for-this-test")
    assert bad.code == 3, bad.out + bad.err
    (record,) = world.cli("status", "--json").records()
    assert (record["status"], record["torrent_id"]) == (
        "uploaded", first.records()[0]["torrent_id"])
    again = world.cli("upload", "--json", str(release))
    assert again.records()[0]["status"] == "exists"
    assert len(world.posts()) == 1


def test_profile_edit_after_upload_does_not_upload_the_same_content_again(world: World) -> None:
    release = world.release(V2)
    first = world.cli("upload", "--json", str(release))
    assert first.code == 0, first.err
    world.edit_profile("examplesubs", lambda d: d.setdefault("torrent", {}).update(source="GRP"))
    again = world.cli("upload", "--json", str(release))
    assert again.code == 0, again.err
    (record,) = again.records()
    assert (record["status"], record["torrent_id"], record["infohash"]) == (
        "exists", first.records()[0]["torrent_id"], first.records()[0]["infohash"])
    assert "another torrent" in again.err
    assert len(world.posts()) == 1


def test_same_file_name_in_two_folders_keeps_two_torrent_files(world: World) -> None:
    one = world.release(V2)
    other = world.tmp / "in2" / V2
    other.parent.mkdir()
    shutil.copyfile(one, other)
    with other.open("ab") as fh:
        fh.write(b"\0")
    finished(other)
    run = world.cli("upload", "--json", str(one), str(other))
    assert run.code == 0, run.err
    first, second = run.records()
    assert first["torrent_file"] != second["torrent_file"]
    for record in (first, second):
        assert independent_infohash(Path(record["torrent_file"])) == record["infohash"]


def test_unusable_torrent_dir_is_a_clear_error(world: World) -> None:
    blocker = world.tmp / "afile"
    blocker.write_text("not a folder")
    run = world.cli("upload", "--torrent-dir", str(blocker / "sub"), str(world.release(V2)))
    assert run.code == 2, run.err
    assert "Traceback" not in run.err
    assert "--torrent-dir" in run.out + run.err
    assert world.posts() == []
