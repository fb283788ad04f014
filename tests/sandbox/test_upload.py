"""Uploads: stored as sent, infohash as torf computes it, duplicates refused, downloads."""

from __future__ import annotations

import io
import zipfile

import httpx
import torf

from tests.sandbox.conftest import BACKUP, upload_body
from uploader.sandbox import (
    DEMO_GROUP_ID,
    DEMO_TORRENT_KEY,
    DEMO_USER_ID,
    OTHER_API_KEY,
    OTHER_USER_ID,
    SAMPLE_TORRENT_ID,
    TRANSLATOR_USER_ID,
    Site,
)
from uploader.sandbox.checks import FAIL_BACKUP_TRACKER, WARN_NO_AUDIO, WARN_PUBLIC_TRACKER
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE

PRIVATE = f"https://tracker.nekobt.to/api/tracker/{DEMO_TORRENT_KEY}/announce"


def test_upload_is_stored_with_torfs_infohash(client: httpx.Client, site: Site,
                                              make_torrent) -> None:
    torrent = make_torrent()
    r = client.post("/upload", json=upload_body(torrent, audio_langs="jp", fansub_langs="eng"))
    assert r.status_code == 200
    new_id = r.json()["data"]["id"]
    assert r.json() == {"error": False, "data": {"id": new_id}}
    assert new_id.isdigit()
    assert 18 <= len(new_id) <= 19
    stored = site.torrents[new_id]
    assert stored.infohash == torrent.infohash
    assert (stored.audio_lang, stored.fsub_lang, stored.sub_lang) == ("ja", "en", "")
    assert stored.uploader_id == DEMO_USER_ID
    assert stored.media_id == "s1001"
    assert stored.media_episode_ids == ["48003"]

    data = client.get(f"/torrents/{new_id}").json()["data"]
    assert data["infohash"] == torrent.infohash
    assert data["title"] == "[ExampleSubs] Sample Show - 03 (1080p)"
    assert (data["audio_lang"], data["fsub_lang"], data["level"]) == ("ja", "en", 3)
    assert data["files"] == [{"path": torrent.name, "name": torrent.name,
                              "length": torrent.size, "offset": 0}]
    assert data["filesize"] == str(torrent.size)
    assert (data["waiting_approve"], data["upgraded"], data["can_edit"]) == (False, None, True)
    assert data["groups"][0]["id"] == DEMO_GROUP_ID
    assert data["groups"][0]["members"] == [{
        "id": DEMO_USER_ID, "invite": False, "username": "demo",
        "display_name": "Demo Uploader", "pfp_hash": None, "role": "Encode", "weight": 0}]
    assert data["auto_title"] == (
        "[ExampleSubs] Sample Show - 03 (1080p) {Tags:L3;V8;C2;A-ja;F-en;}")


def test_multi_file_torrent_paths_include_the_folder(client: httpx.Client, site: Site,
                                                     make_torrent) -> None:
    torrent = make_torrent("[ExampleSubs] Sample Show - 04-05 (1080p)", folder=True)
    new_id = client.post("/upload", json=upload_body(
        torrent, title="[ExampleSubs] Sample Show - 04-05 (1080p)")).json()["data"]["id"]
    files = site.torrents[new_id].files
    assert [f["path"] for f in files] == [
        "[ExampleSubs] Sample Show - 04-05 (1080p)/ep01.mkv",
        "[ExampleSubs] Sample Show - 04-05 (1080p)/extras/ncop.mkv"]
    assert [f["offset"] for f in files] == [0, files[0]["length"]]
    assert site.torrents[new_id].infohash == torrent.infohash


def test_duplicate_infohash_is_refused(client: httpx.Client, site: Site, make_torrent) -> None:
    torrent = make_torrent()
    assert client.post("/upload", json=upload_body(torrent)).status_code == 200
    again = client.post("/upload", json=upload_body(torrent, title="Other title"))
    assert again.status_code == 400
    assert again.json() == {"error": True, "message": "Torrent already exists."}
    assert sum(t.infohash == torrent.infohash for t in site.torrents.values()) == 1


def test_warnings_block_unless_ignored(client: httpx.Client, site: Site, make_torrent) -> None:
    torrent = make_torrent(trackers=[BACKUP, "udp://tracker.example.org:6969/announce"])
    r = client.post("/upload", json=upload_body(torrent, audio_langs=""))
    assert r.status_code == 400
    assert r.json() == {"error": True,
                        "message": "Can't upload torrent due to parsing warnings.",
                        "fails": [], "warns": [WARN_PUBLIC_TRACKER, WARN_NO_AUDIO]}
    before = len(site.torrents)
    ok = client.post("/upload", json=upload_body(torrent, audio_langs="", ignore_warnings=True))
    assert ok.status_code == 200
    assert len(site.torrents) == before + 1


def test_fails_block_even_with_ignore_warnings(client: httpx.Client, make_torrent) -> None:
    torrent = make_torrent(trackers=[BACKUP])
    r = client.post("/upload", json=upload_body(torrent, ignore_warnings=True))
    assert r.status_code == 400
    assert r.json() == {"error": True,
                        "message": "Can't upload torrent due to parsing failures.",
                        "fails": [FAIL_BACKUP_TRACKER], "warns": [WARN_PUBLIC_TRACKER]}


def test_not_a_torrent_is_refused(client: httpx.Client, make_torrent) -> None:
    for bad in ("bm90IGEgdG9ycmVudA==", "***"):
        body = upload_body(make_torrent())
        body["torrent"] = bad
        r = client.post("/upload", json=body)
        assert r.status_code == 400
        assert r.json() == {"error": True, "message": "Invalid torrent file."}


def test_members_without_id_become_invites(client: httpx.Client, site: Site,
                                           make_torrent) -> None:
    members = [{"id": TRANSLATOR_USER_ID, "role": "Translation", "display_name": ""},
               {"id": None, "role": "Typesetting", "display_name": "NewTypesetter"}]
    body = upload_body(make_torrent())
    body["primary_group"]["members"] = members
    new_id = client.post("/upload", json=body).json()["data"]["id"]
    credits = site.torrents[new_id].primary_group["members"]  # type: ignore[index]
    invite_id = credits[1]["id"]
    assert credits[0] == {"id": TRANSLATOR_USER_ID, "role": "Translation", "weight": 0}
    assert invite_id.isdigit()
    assert invite_id != TRANSLATOR_USER_ID
    invite = client.get(f"/invites/{invite_id}").json()["data"]
    assert (invite["display_name"], invite["used"], invite["torrent_count"]) == (
        "NewTypesetter", False, "1")
    shown = client.get(f"/torrents/{new_id}").json()["data"]["groups"][0]["members"][1]
    assert (shown["invite"], shown["display_name"], shown["role"]) == (
        True, "NewTypesetter", "Typesetting")


def test_secondary_groups_are_stored_and_shown(client: httpx.Client, make_torrent) -> None:
    from uploader.sandbox import OTHER_GROUP_ID

    new_id = client.post("/upload", json=upload_body(make_torrent(), secondary_groups=[
        {"id": OTHER_GROUP_ID, "role": "Encode"}])).json()["data"]["id"]
    groups = client.get(f"/torrents/{new_id}").json()["data"]["groups"]
    assert [(g["id"], g["uploading_group"], g["role"]) for g in groups] == [
        (DEMO_GROUP_ID, True, None), (OTHER_GROUP_ID, False, "Encode")]
    unknown = client.post("/upload", json=upload_body(make_torrent("other.mkv"), secondary_groups=[
        {"id": "77", "role": None}]))
    assert unknown.json()["fails"] == ['Secondary group "77" not found.']


def test_download_carries_the_private_announce_unless_public(
        client: httpx.Client, anon: httpx.Client) -> None:
    private = client.get(f"/torrents/{SAMPLE_TORRENT_ID}/download")
    assert private.headers["content-type"] == "application/x-bittorrent"
    meta = torf.Torrent.read_stream(io.BytesIO(private.content))
    assert meta.trackers[0] == [PRIVATE]
    assert meta.trackers[1] == [BACKUP]
    public = torf.Torrent.read_stream(io.BytesIO(
        client.get(f"/torrents/{SAMPLE_TORRENT_ID}/download", params={"public": "true"}).content))
    assert public.trackers == [[PUBLIC_ANNOUNCE], [BACKUP]]
    logged_out = torf.Torrent.read_stream(io.BytesIO(
        anon.get(f"/torrents/{SAMPLE_TORRENT_ID}/download").content))
    assert logged_out.trackers[0] == [PUBLIC_ANNOUNCE]
    # The info dict is untouched: same infohash whichever announce.
    sample = client.get(f"/torrents/{SAMPLE_TORRENT_ID}").json()["data"]["infohash"]
    assert meta.infohash == public.infohash == sample


def test_download_of_an_upload_keeps_its_infohash(client: httpx.Client, make_torrent) -> None:
    torrent = make_torrent()
    new_id = client.post("/upload", json=upload_body(torrent)).json()["data"]["id"]
    meta = torf.Torrent.read_stream(io.BytesIO(client.get(f"/torrents/{new_id}/download").content))
    assert meta.infohash == torrent.infohash
    assert meta.trackers == [[PRIVATE], [BACKUP]]


def test_search_finds_an_infohash(client: httpx.Client, anon: httpx.Client,
                                  make_torrent) -> None:
    torrent = make_torrent()
    missing = client.get("/torrents/search", params={"query": torrent.infohash}).json()["data"]
    assert (missing["infohash_match"], missing["results"]) == (None, [])
    new_id = client.post("/upload", json=upload_body(torrent)).json()["data"]["id"]
    found = client.get("/torrents/search",
                       params={"query": torrent.infohash.upper()}).json()["data"]
    assert found["infohash_match"] == new_id
    assert [r["id"] for r in found["results"]] == [new_id]
    # A hidden upload is still found by its uploader (so a re-run never uploads it twice).
    hidden = make_torrent("[ExampleSubs] Sample Show - 06 (1080p).mkv")
    hidden_id = client.post("/upload", json=upload_body(
        hidden, title="[ExampleSubs] Sample Show - 06 (1080p)", hidden=True)).json()["data"]["id"]
    assert client.get("/torrents/search", params={"query": hidden.infohash}).json()[
        "data"]["infohash_match"] == hidden_id
    assert anon.get("/torrents/search", params={"query": hidden.infohash}).json()[
        "data"]["infohash_match"] is None


def test_search_filters(anon: httpx.Client) -> None:
    def ids(**params: object) -> list[str]:
        return [r["id"] for r in anon.get("/torrents/search", params=params).json()["data"][
            "results"]]

    assert ids(query="sample show", sort_by="oldest") == [
        SAMPLE_TORRENT_ID, "1300000000000001002"]
    assert ids(group_id=DEMO_GROUP_ID, sort_by="latest") == [
        "1300000000000001002", SAMPLE_TORRENT_ID]
    assert ids(uploader_id=DEMO_USER_ID) == [SAMPLE_TORRENT_ID]
    assert ids(media_id="s1002") == ["1300000000000001003"]
    assert ids(episode_ids="48001,48002", episode_match_any="true", sort_by="oldest") == [
        SAMPLE_TORRENT_ID, "1300000000000001002"]
    assert ids(audio_lang="ko") == []
    assert ids(limit=1, offset=1, sort_by="oldest") == ["1300000000000001003"]
    page = anon.get("/torrents/search", params={"limit": 1}).json()["data"]
    assert page["more"] is True
    assert page["results"][0]["private_magnet"] is None


def test_bulk_download_zip(client: httpx.Client) -> None:
    r = client.get("/torrents/bulk/download",
                   params={"ids": f"{SAMPLE_TORRENT_ID},1300000000000001003,404"})
    assert r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = archive.namelist()
        first = torf.Torrent.read_stream(io.BytesIO(archive.read(names[0])))
    assert names == ["[ExampleSubs] Sample Show - 01 (1080p).torrent",
                     "[OtherGroup] Another Example - 05 (1080p).torrent"]
    assert first.trackers[0] == [PRIVATE]
    patched = client.patch("/torrents/bulk/download",
                           json={"ids": [SAMPLE_TORRENT_ID], "public": True})
    with zipfile.ZipFile(io.BytesIO(patched.content)) as archive:
        only = torf.Torrent.read_stream(io.BytesIO(archive.read(archive.namelist()[0])))
    assert only.trackers[0] == [PUBLIC_ANNOUNCE]
    none = client.patch("/torrents/bulk/download", json={"ids": ["404"]})
    assert none.json() == {"error": True, "message": "No accessible torrents found."}


WAITING = {"error": True, "message": "Torrent is waiting for approval."}


def _as(site: Site, key: str | None) -> httpx.Client:
    return httpx.Client(transport=site.transport(), base_url="http://x/api/v1",
                        cookies={"ssid": key} if key else None)


def _match(client: httpx.Client, infohash: str) -> object:
    data = client.get("/torrents/search", params={"query": infohash}).json()["data"]
    return (data["infohash_match"], [t["id"] for t in data["results"]])


def test_waiting_for_approval_is_hidden_from_all_but_staff(client: httpx.Client, site: Site,
                                                           make_torrent) -> None:
    site.faults.quirks.waiting_approve = True
    torrent = make_torrent()
    r = client.post("/upload", json=upload_body(torrent))
    new_id = r.json()["data"]["id"]
    assert r.json() == {"error": False, "data": {"id": new_id}}  # the upload answers its id
    assert site.torrents[new_id].waiting_approve is True
    with _as(site, OTHER_API_KEY) as other, _as(site, None) as anon:
        for asker in (client, other, anon):  # the uploader is no exception
            page = asker.get(f"/torrents/{new_id}")
            assert (page.status_code, page.json()) == (403, WAITING)
            assert _match(asker, torrent.infohash) == (None, [])
            for part in ("download", "comments", "animetosho"):
                r = asker.get(f"/torrents/{new_id}/{part}")
                assert (r.status_code, r.json()) == (403, WAITING), part
        assert client.get("/torrents/bulk/download", params={"ids": new_id}).json() == {
            "error": True, "message": "No accessible torrents found."}
        # It is there all the same: the same file again is a duplicate, and its uploader
        # may still edit it.
        again = client.post("/upload", json=upload_body(torrent))
        assert again.json() == {"error": True, "message": "Torrent already exists."}
        edit = client.patch(f"/torrents/{new_id}", json={"description": "v2 soon"})
        assert edit.json() == {"error": False}
        stranger = other.patch(f"/torrents/{new_id}", json={"description": "mine"})
        assert (stranger.status_code, stranger.json()["message"]) == (404, "Torrent not found.")

        site.state.users[OTHER_USER_ID].permissions = 1  # staff see the queue
        staff_view = other.get(f"/torrents/{new_id}").json()["data"]
        assert (staff_view["waiting_approve"], staff_view["description"]) == (True, "v2 soon")
        assert _match(other, torrent.infohash) == (new_id, [new_id])

        site.torrents[new_id].waiting_approve = False  # approved: everyone sees it
        assert anon.get(f"/torrents/{new_id}").json()["data"]["waiting_approve"] is False
        assert _match(anon, torrent.infohash) == (new_id, [new_id])


def test_waiting_visible_quirk_shows_it_to_its_editors(client: httpx.Client, site: Site,
                                                       make_torrent) -> None:
    site.faults.quirks.waiting_approve = True
    site.faults.quirks.waiting_hidden = False
    torrent = make_torrent()
    new_id = client.post("/upload", json=upload_body(torrent)).json()["data"]["id"]
    assert client.get(f"/torrents/{new_id}").json()["data"]["waiting_approve"] is True
    assert _match(client, torrent.infohash) == (new_id, [new_id])
    with _as(site, OTHER_API_KEY) as other:
        r = other.get(f"/torrents/{new_id}")
        assert (r.status_code, r.json()) == (403, WAITING)
        assert _match(other, torrent.infohash) == (None, [])
