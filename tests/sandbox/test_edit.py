"""Edits: single and bulk, `upgraded` ids kept exact, `bad_torrents`, edit checks."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import upload_body
from uploader.sandbox import (
    DEMO_GROUP_ID,
    DEMO_USER_ID,
    OTHER_TORRENT_ID,
    SAMPLE_TORRENT_02_ID,
    SAMPLE_TORRENT_ID,
    Site,
)
from uploader.sandbox.checks import FAIL_NO_SUBS_WITH_FANSUBS

NO_PERMISSION = "You do not have permission to edit one or more torrents."


def test_edit_fields_with_singular_language_names(client: httpx.Client, site: Site) -> None:
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={
        "title": "[ExampleSubs] Sample Show - 01 (1080p) [Fixed]", "audio_lang": "jp,eng",
        "sub_lang": "", "fsub_lang": "es", "video_type": 9, "hidden": True,
        "media_episodes": [48001]})
    assert r.json() == {"error": False}
    stored = site.torrents[SAMPLE_TORRENT_ID]
    assert stored.title == "[ExampleSubs] Sample Show - 01 (1080p) [Fixed]"
    assert (stored.audio_lang, stored.fsub_lang, stored.video_type) == ("ja,en", "es-es", 9)
    assert stored.hidden is True
    assert stored.media_episode_ids == ["48001"]


def test_upgraded_is_a_number_stored_as_the_exact_id(client: httpx.Client, site: Site,
                                                     make_torrent) -> None:
    new_id = client.post("/upload", json=upload_body(
        make_torrent(), title="[ExampleSubs] Sample Show - 01v2 (1080p)")).json()["data"]["id"]
    assert int(new_id) > 2**53  # a float would have lost digits
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"upgraded": int(new_id)})
    assert r.status_code == 200
    assert site.torrents[SAMPLE_TORRENT_ID].upgraded == new_id
    assert client.get(f"/torrents/{SAMPLE_TORRENT_ID}").json()["data"]["upgraded"] == new_id
    as_string = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"upgraded": new_id})
    assert as_string.json()["validate_errors"][0]["params"] == {"type": ["number", "null"]}
    cleared = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"upgraded": None})
    assert cleared.status_code == 200
    assert site.torrents[SAMPLE_TORRENT_ID].upgraded is None


def test_upgraded_must_exist_and_not_be_itself(client: httpx.Client) -> None:
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"upgraded": 1234567890123456789})
    assert r.json() == {"error": True, "message": "Upgraded torrent not found."}
    itself = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}",
                          json={"upgraded": int(SAMPLE_TORRENT_ID)})
    assert itself.status_code == 400


def test_edit_checks_languages_against_the_level(client: httpx.Client, site: Site) -> None:
    site.torrents[SAMPLE_TORRENT_ID].level = -1
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"fsub_lang": "en"})
    assert r.status_code == 400
    assert r.json() == {"error": True, "message": "Can't edit torrent due to parsing failures.",
                        "fails": [FAIL_NO_SUBS_WITH_FANSUBS], "warns": []}
    bad = client.patch(f"/torrents/{SAMPLE_TORRENT_02_ID}", json={"audio_lang": "zz"}).json()
    assert bad["fails"] == ['Invalid audio language: "zz".']


def test_edit_of_someone_elses_torrent_is_forbidden(client: httpx.Client) -> None:
    r = client.patch(f"/torrents/{OTHER_TORRENT_ID}", json={"hidden": True})
    assert r.status_code == 403
    missing = client.patch("/torrents/42", json={"hidden": True})
    assert missing.status_code == 404


def test_group_admin_may_edit_a_members_upload(client: httpx.Client) -> None:
    # SAMPLE_TORRENT_02 was uploaded by the encoder; the demo user leads its group.
    assert client.patch(f"/torrents/{SAMPLE_TORRENT_02_ID}",
                        json={"description": "edited"}).status_code == 200


def test_bulk_edit_reports_bad_torrents_and_changes_nothing(client: httpx.Client,
                                                            site: Site) -> None:
    ids = [SAMPLE_TORRENT_ID, OTHER_TORRENT_ID, "404"]
    r = client.patch("/torrents/bulk/edit", json={"ids": ids, "upgraded": int(
        SAMPLE_TORRENT_02_ID)})
    assert r.status_code == 400
    assert r.json() == {"error": True, "message": NO_PERMISSION, "fails": [], "warns": [],
                        "bad_torrents": [OTHER_TORRENT_ID, "404"]}
    assert site.torrents[SAMPLE_TORRENT_ID].upgraded is None
    perms = client.patch("/torrents/bulk/edit/perms", json={"ids": ids})
    assert perms.json() == {"error": True, "message": NO_PERMISSION,
                            "bad_torrents": [OTHER_TORRENT_ID, "404"]}


def test_bulk_edit_marks_upgrades(client: httpx.Client, site: Site, make_torrent) -> None:
    batch = client.post("/upload", json=upload_body(
        make_torrent(), title="[ExampleSubs] Sample Show - 01-12 (1080p)")).json()["data"]["id"]
    ids = [SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]
    assert client.patch("/torrents/bulk/edit/perms", json={"ids": ids}).json() == {
        "error": False}
    r = client.patch("/torrents/bulk/edit", json={"ids": ids, "upgraded": int(batch)})
    assert r.json() == {"error": False}
    assert [site.torrents[i].upgraded for i in ids] == [batch, batch]
    found = client.get("/torrents/search", params={"query": "Sample Show",
                                                   "sort_by": "oldest"}).json()["data"]
    assert [t["upgraded"] for t in found["results"]] == [batch, batch, None]


def test_bulk_title_find_replace_and_limits(client: httpx.Client, site: Site) -> None:
    ids = [SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]
    r = client.patch("/torrents/bulk/edit", json={
        "ids": ids, "title": [{"find": "(1080p)", "replace": "(BD 1080p)"}]})
    assert r.status_code == 200
    assert site.torrents[SAMPLE_TORRENT_02_ID].title == "[ExampleSubs] Sample Show - 02 (BD 1080p)"
    too_many = client.patch("/torrents/bulk/edit", json={"ids": ["1"] * 251, "hidden": True})
    assert too_many.json()["validate_errors"][0] == {
        "instancePath": "/ids", "schemaPath": "#/properties/ids/maxItems",
        "keyword": "maxItems", "params": {"limit": 250},
        "message": "must NOT have more than 250 items"}
    only_ids = client.patch("/torrents/bulk/edit", json={"ids": ids}).json()
    assert only_ids["validate_errors"][0]["keyword"] == "minProperties"
    empty = client.patch("/torrents/bulk/edit/perms", json={"ids": []}).json()
    assert empty["validate_errors"][0]["keyword"] == "minItems"


def test_edit_primary_group_members_creates_invites(client: httpx.Client, site: Site) -> None:
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"primary_group": {
        "id": DEMO_GROUP_ID, "members": [
            {"id": DEMO_USER_ID, "role": "Encode", "pfp_hash": None},
            {"id": None, "display_name": "Karaoke Person", "role": "Karaoke"}]}})
    assert r.status_code == 200
    credits = site.torrents[SAMPLE_TORRENT_ID].primary_group["members"]  # type: ignore[index]
    assert [c["role"] for c in credits] == ["Encode", "Karaoke"]
    invite = site.state.find_invite(credits[1]["id"])
    assert invite is not None
    assert invite[1].display_name == "Karaoke Person"
