"""Groups, invites, users, media, stats, announcements, AnimeTosho, comments."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from uploader.sandbox import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_INVITE_ID,
    DEMO_INVITE_KEY,
    DEMO_RAWS_GROUP_ID,
    DEMO_TORRENT_KEY,
    DEMO_USER_ID,
    ENCODER_USER_ID,
    OTHER_API_KEY,
    OTHER_GROUP_ID,
    OTHER_TORRENT_ID,
    OTHER_USER_ID,
    SAMPLE_TORRENT_02_ID,
    SAMPLE_TORRENT_ID,
    TRANSLATOR_USER_ID,
    Site,
)

BASE = "http://sandbox.test/api/v1"


@pytest.fixture
def other(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(transport=site.transport(), base_url=BASE,
                      cookies={"ssid": OTHER_API_KEY}) as client:
        yield client


def test_me_shows_torrent_key_only_to_self(client: httpx.Client, anon: httpx.Client) -> None:
    me = client.get("/users/@me").json()["data"]
    assert (me["id"], me["username"], me["torrent_key"]) == (DEMO_USER_ID, "demo",
                                                              DEMO_TORRENT_KEY)
    assert me["groups"][0]["display_tag"] == "ExampleSubs"
    public = anon.get(f"/users/{DEMO_USER_ID}").json()["data"]
    assert "torrent_key" not in public
    assert "permissions" not in public
    assert public["can_edit"] is False
    assert anon.get("/users/123").json() == {"error": True, "message": "Invalid user ID."}


def test_group_view_and_admin_only_fields(client: httpx.Client, anon: httpx.Client) -> None:
    mine = client.get(f"/groups/{DEMO_GROUP_ID}").json()["data"]
    assert (mine["tag"], mine["display_tag"], mine["can_edit"]) == (
        "examplesubs", "ExampleSubs", True)
    invite = next(m for m in mine["members"] if m["invite"])
    assert (invite["id"], invite["invite_key"]) == (DEMO_INVITE_ID, DEMO_INVITE_KEY)
    assert mine["stats"]["uploads"] == 2
    assert mine["relations"]["children"][0]["id"] == DEMO_RAWS_GROUP_ID
    assert mine["media"][0]["torrents"] == [SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]
    public = anon.get(f"/groups/{DEMO_GROUP_ID}").json()["data"]
    assert "invite_key" not in public["members"][0]
    assert "can_delete" not in public
    assert anon.get("/groups/1").json() == {"error": True, "message": "Group not found."}


def test_group_search(anon: httpx.Client) -> None:
    data = anon.get("/groups/search", params={"query": "example", "sort": "name",
                                              "order": "asc"}).json()["data"]
    assert [g["display_tag"] for g in data["results"]] == ["ExampleSubs", "ExampleSubs-Raws"]
    assert data["results"][0]["member_count"] == "3"
    assert data["more"] is False


def test_links_pending_then_approved(client: httpx.Client, other: httpx.Client,
                                     site: Site) -> None:
    r = client.post(f"/groups/{DEMO_GROUP_ID}/links/{OTHER_GROUP_ID}",
                    params={"parent": DEMO_GROUP_ID})
    assert r.json() == {"error": True, "message": "Link is waiting for other group to approve."}
    approve = other.post(f"/groups/{OTHER_GROUP_ID}/links/{DEMO_GROUP_ID}",
                         params={"parent": DEMO_GROUP_ID})
    assert approve.json() == {"error": False}
    children = client.get(f"/groups/{DEMO_GROUP_ID}").json()["data"]["relations"]["children"]
    assert {c["id"]: c["active"] for c in children} == {DEMO_RAWS_GROUP_ID: True,
                                                        OTHER_GROUP_ID: True}
    assert client.delete(f"/groups/{DEMO_GROUP_ID}/links/{OTHER_GROUP_ID}").json() == {
        "error": False}
    assert client.delete(f"/groups/{OTHER_GROUP_ID}/links/{DEMO_GROUP_ID}").status_code == 403


def test_member_add_update_remove(client: httpx.Client, site: Site) -> None:
    added = client.post(f"/groups/{DEMO_GROUP_ID}/members", json=[
        {"id": OTHER_USER_ID, "display_name": None},
        {"id": None, "display_name": "Timer"}]).json()["data"]
    assert len(added) == 2
    assert all(len(a["invite_key"]) == 32 for a in added)
    taken = client.post(f"/groups/{DEMO_GROUP_ID}/members",
                        json=[{"id": None, "display_name": "Timer"}])
    assert taken.json() == {"error": True, "message": 'Display name ("Timer") already taken.'}
    timer = added[1]["id"]
    assert client.patch(f"/groups/{DEMO_GROUP_ID}/members/{timer}",
                        json={"display_name": "Timer2"}).json() == {"error": False}
    assert client.patch(f"/groups/{DEMO_GROUP_ID}/members/{TRANSLATOR_USER_ID}",
                        json={"display_name": "X"}).status_code == 400
    assert client.patch(f"/groups/{DEMO_GROUP_ID}/members/{TRANSLATOR_USER_ID}",
                        json={"admin": True}).status_code == 200
    soft = client.delete(f"/groups/{DEMO_GROUP_ID}/members/{timer}")
    assert soft.json() == {"error": True, "message": (
        "Cannot soft delete an invite. Use ?destructive=true to delete an invite.")}
    assert client.delete(f"/groups/{DEMO_GROUP_ID}/members/{timer}",
                         params={"destructive": "true"}).json() == {"error": False}
    # Soft-removing a member turns their credits into a "Deleted Member" invite.
    assert client.delete(
        f"/groups/{DEMO_GROUP_ID}/members/{TRANSLATOR_USER_ID}").json() == {"error": False}
    credits = site.torrents[SAMPLE_TORRENT_ID].primary_group["members"]  # type: ignore[index]
    ghost = site.state.find_invite(credits[1]["id"])
    assert ghost is not None
    assert ghost[1].display_name == "Deleted Member"


def test_invite_accept_flow(client: httpx.Client, other: httpx.Client) -> None:
    added = client.post(f"/groups/{DEMO_GROUP_ID}/members",
                        json=[{"id": OTHER_USER_ID, "display_name": None}]).json()["data"][0]
    seen = other.get(f"/invites/{added['id']}", params={"key": added["invite_key"]}).json()
    assert seen["data"]["recipient"]["id"] == OTHER_USER_ID
    notes = other.get("/users/@me/notifications").json()["data"]
    assert f"<i:{added['id']}:{added['invite_key']}>" in notes[-1]["data"]
    wrong = other.post(f"/invites/{added['id']}/accept/{'0' * 32}")
    assert wrong.json() == {"error": True, "message": "Invalid invite key."}
    ok = other.post(f"/invites/{added['id']}/accept/{added['invite_key']}")
    assert ok.json() == {"error": False}
    again = client.post(f"/groups/{DEMO_GROUP_ID}/members",
                        json=[{"id": OTHER_USER_ID, "display_name": None}])
    assert again.status_code == 400
    assert other.get(f"/invites/{added['id']}").json()["data"]["used"] is True
    assert client.post(f"/invites/{DEMO_INVITE_ID}/accept/{DEMO_INVITE_KEY}").json() == {
        "error": True, "message": "You are already in this group."}


def test_assign_invite_needs_group_admin(client: httpx.Client, other: httpx.Client) -> None:
    assert client.patch(f"/invites/{DEMO_INVITE_ID}").json() == {"error": False}
    assert other.patch(f"/invites/{DEMO_INVITE_ID}").json() == {
        "error": True, "message": "Only group leaders and admins can edit invites."}
    assert client.patch("/invites/1").json() == {"error": True, "message": "Invite not found."}


def test_user_edit_notifications_peers_search(client: httpx.Client, other: httpx.Client,
                                             site: Site) -> None:
    new_key = client.patch("/users/@me", json={"reset_torrent_key": True}).json()
    assert len(new_key["new_torrent_key"]) == 32
    assert site.state.users[DEMO_USER_ID].torrent_key == new_key["new_torrent_key"]
    assert client.patch("/users/@me", json={"description": "hi"}).json() == {"error": False}
    assert client.patch(f"/users/{OTHER_USER_ID}", json={"description": "x"}).status_code == 403
    unread = [n for n in client.get("/users/@me/notifications").json()["data"] if not n["seen"]]
    assert len(unread) == 1
    read = client.put("/users/@me/notifications/read", json={"ids": "all"}).json()["data"]
    assert all(n["seen"] for n in read)
    bad = client.put("/users/@me/notifications/read", json={"ids": "some"}).json()
    assert bad["validate_errors"][0]["params"] == {"allowedValues": ["all"]}
    assert client.get(f"/users/{OTHER_USER_ID}/notifications").status_code == 403
    peers = client.get("/users/@me/peers").json()["data"]
    assert [p["torrent_id"] for p in peers] == [SAMPLE_TORRENT_ID]
    found = other.get("/users/search", params={"query": "Demo"}).json()["data"]
    assert found == {"more": False, "results": [
        {"id": DEMO_USER_ID, "username": "demo", "display_name": "Demo Uploader",
         "pfp_hash": None}]}
    assert other.get("/users/search", params={"query": "dem"}).json()["data"]["results"] == []
    groups = client.get(f"/users/{ENCODER_USER_ID}/groups").json()["data"]
    assert [(g["id"], g["admin"], g["upload_count"]) for g in groups] == [
        (DEMO_GROUP_ID, True, 2)]


def test_profile_picture_and_nyaa_links(client: httpx.Client, anon: httpx.Client,
                                        site: Site) -> None:
    me = site.state.users[DEMO_USER_ID]
    assert client.patch("/users/@me", json={"pfp": "aGVsbG8="}).status_code == 200
    assert me.pfp_hash == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"  # sha1("hello")
    assert client.patch("/users/@me", json={"pfp": "keep"}).status_code == 200
    assert me.pfp_hash is not None
    assert client.patch("/users/@me", json={"pfp": "reset"}).status_code == 200
    assert me.pfp_hash is None
    assert client.patch("/users/@me", json={"pfp": "%%%"}).json() == {
        "error": True, "message": "Invalid profile picture."}
    assert client.patch("/users/@me", json={"nyaa_account_private": "DemoNyaa"}).json() == {
        "error": False}
    assert anon.get(f"/users/{DEMO_USER_ID}").json()["data"]["nyaa"] == []
    assert client.get("/users/@me").json()["data"]["nyaa"] == [
        {"username": "DemoNyaa", "public": False}]
    assert client.patch("/users/@me", json={"remove_nyaa_account": "nobody"}).json() == {
        "error": True, "message": 'Nyaa account ("nobody") not found.'}
    assert client.patch("/users/@me", json={"remove_nyaa_account": "demonyaa"}).json() == {
        "error": False}
    assert me.nyaa == []


def test_revoking_keys_logs_the_key_out(client: httpx.Client) -> None:
    assert client.patch("/users/@me", json={"revoke_api_keys": True}).json() == {"error": False}
    assert client.get("/users/@me").status_code == 401
    assert client.cookies["ssid"] == DEMO_API_KEY


def test_media_stats_announcements(anon: httpx.Client) -> None:
    media = anon.get("/media/s1001").json()["data"]
    assert media["title"] == "Sample Show"
    assert media["groups"][0]["episodes"] == {
        "48001": {"level": 3, "video_type": 8, "mtl": False},
        "48002": {"level": 3, "video_type": 8, "mtl": False}}
    assert anon.get("/media/s1003").json() == {"error": True,
                                               "message": "No torrents found for this media."}
    assert anon.get("/media/s1003", params={"force": "true"}).status_code == 200
    found = anon.get("/media/search", params={"query": "towa no"}).json()["data"]
    assert [m["id"] for m in found["results"]] == ["s1003"]
    stats = anon.get("/stats").json()
    assert stats["message"] == "Cache hit, returning stats."
    assert stats["data"]["torrents"]["total"] == 3
    assert anon.get("/announcements").json()["data"][0]["color"] == "info"


def test_animetosho_statuses(anon: httpx.Client, site: Site) -> None:
    first = anon.get(f"/torrents/{SAMPLE_TORRENT_02_ID}/animetosho")
    assert (first.status_code, first.json()) == (202, {
        "error": False, "message": "Torrent is still being processed on AnimeTosho.",
        "retry": True})
    fetched = anon.get(f"/torrents/{SAMPLE_TORRENT_02_ID}/animetosho")
    assert fetched.status_code == 201
    assert fetched.json()["data"][0]["subs"][0]["lang"] == "en"
    assert anon.get(f"/torrents/{SAMPLE_TORRENT_02_ID}/animetosho").status_code == 200
    skipped = anon.get(f"/torrents/{OTHER_TORRENT_ID}/animetosho")
    assert (skipped.status_code, skipped.json()) == (400, {
        "error": True, "message": "Torrent was skipped on AnimeTosho.", "retry": False})
    site.torrents[SAMPLE_TORRENT_ID].animetosho = "not_found"
    assert anon.get(f"/torrents/{SAMPLE_TORRENT_ID}/animetosho").status_code == 404
    shown = anon.get(f"/torrents/{SAMPLE_TORRENT_02_ID}").json()["data"]
    assert len(shown["screenshots"]) == 5


def test_comments(anon: httpx.Client) -> None:
    comments = anon.get(f"/torrents/{SAMPLE_TORRENT_ID}/comments").json()["data"]
    assert comments[0]["text"] == "Thanks for the release!"
    assert anon.get("/torrents/1/comments").json() == {"error": True,
                                                       "message": "Torrent not found."}


def test_unknown_route(anon: httpx.Client) -> None:
    r = anon.get("/nope")
    assert r.status_code == 404
    assert r.json()["error"] is True
