"""Every NekoClient method sends the documented method, path, query and JSON body, and
returns the answer's `data` as the site sent it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_fakes import KEY, UPLOAD, MakeClient, ScriptedSite, ok, reply

from uploader import USER_AGENT
from uploader.api import ChecksRequest, NekoClient
from uploader.exceptions import ConfigError

NO_BODY = object()
HASH = "bd2fb09a1c3e5f7a9b0d2e4f6a8c0e1f3a5b7c9d"
BIG_ID = "1234567890123456789"  # a 19-digit snowflake: exact only as an integer, never a float

CHECKS: ChecksRequest = {
    "title": "[ExampleSubs] Sample Show - 01 (1080p)",
    "movie": False,
    "files": [{"path": "[ExampleSubs] Sample Show - 01 (1080p).mkv"}],
    "video_type": None,
    "video_codec": 1,
    "level": 3,
    "mtl": False,
    "otl": True,
    "hardsub": False,
    "primary_group": {"id": "111", "tag": "ExampleSubs",
                      "members": [{"id": "5", "role": "Translation", "display_name": ""}]},
    "audio_langs": "ja",
    "sub_langs": "",
    "fansub_langs": "en,enm",
    "announce_urls": ["https://tracker.nekobt.to/api/tracker/public/announce",
                      "udp://tracker.opentrackr.org:1337/announce"],
    "raw_announce_urls": [["https://tracker.nekobt.to/api/tracker/public/announce"],
                          ["udp://tracker.opentrackr.org:1337/announce"]],
}

CHECKS_RESULT = {"warns": [], "fails": [], "parsedData": {"releaseGroup": "ExampleSubs"},
                 "auto_title": "[ExampleSubs] Sample Show - 01 (1080p)",
                 "upgraded_torrents": ["900"]}
SEARCH = {"results": [], "infohash_match": None, "recommended_media": None, "media": None,
          "similar_media": None, "debug": {"summary": [], "debug": []}, "more": False,
          "search": {"limit": 50}}
NOTES = [{"id": "1", "data": "Welcome to the site.", "seen": True}]
TORRENT = {"id": "123", "title": "T", "infohash": HASH, "upgraded": None}
GROUP = {"id": "111", "tag": "ExampleSubs", "members": []}
ATOSHO = [{"file_id": 1, "filename": "a.mkv", "filesize": 9, "subs": [], "mediainfo": "G",
           "screenshot_id": "0", "screenshot_timings": [1]}]

Case = tuple[Callable[[NekoClient], Any], str, str, dict[str, str], Any, Any, Any]

# (call, method, path, query, body, site's reply, expected return)
CASES: dict[str, Case] = {
    "announcements": (lambda c: c.get_announcements(), "GET", "/announcements", {}, NO_BODY,
                      ok([{"message": "hi"}]), [{"message": "hi"}]),
    "group": (lambda c: c.get_group("111"), "GET", "/groups/111", {}, NO_BODY, ok(GROUP), GROUP),
    "search_groups": (
        lambda c: c.search_groups(query="ex", limit=10, offset=20, sort="uploads", order="asc"),
        "GET", "/groups/search",
        {"query": "ex", "limit": "10", "offset": "20", "sort": "uploads", "order": "asc"},
        NO_BODY, ok({"results": [], "more": False}), {"results": [], "more": False}),
    "search_groups_bare": (lambda c: c.search_groups(), "GET", "/groups/search", {}, NO_BODY,
                           ok({"results": [], "more": True}), {"results": [], "more": True}),
    "create_group_link": (lambda c: c.create_group_link("111", "222", parent="111"), "POST",
                          "/groups/111/links/222", {"parent": "111"}, NO_BODY, ok(), None),
    "delete_group_link": (lambda c: c.delete_group_link("111", "222"), "DELETE",
                          "/groups/111/links/222", {}, NO_BODY, ok(), None),
    "add_group_members": (
        lambda c: c.add_group_members("111", [{"id": "5", "display_name": None},
                                              {"id": None, "display_name": "NewTS"}]),
        "POST", "/groups/111/members", {},
        [{"id": "5", "display_name": None}, {"id": None, "display_name": "NewTS"}],
        ok([{"id": "70", "invite_key": "k1"}, {"id": "71", "invite_key": "k2"}]),
        [{"id": "70", "invite_key": "k1"}, {"id": "71", "invite_key": "k2"}]),
    "update_member_roles": (
        lambda c: c.update_group_member("111", "5", admin=True, regular=False), "PATCH",
        "/groups/111/members/5", {}, {"admin": True, "regular": False}, ok(), None),
    "update_member_name": (
        lambda c: c.update_group_member("111", "71", display_name="TS"), "PATCH",
        "/groups/111/members/71", {}, {"display_name": "TS"}, ok(), None),
    "remove_member": (lambda c: c.remove_group_member("111", "5"), "DELETE",
                      "/groups/111/members/5", {}, NO_BODY, ok(), None),
    "remove_member_destructive": (
        lambda c: c.remove_group_member("111", "71", destructive=True), "DELETE",
        "/groups/111/members/71", {"destructive": "true"}, NO_BODY, ok(), None),
    "get_invite": (lambda c: c.get_invite("70"), "GET", "/invites/70", {}, NO_BODY,
                   ok({"id": "70"}), {"id": "70"}),
    "get_invite_key": (lambda c: c.get_invite("70", key="k1"), "GET", "/invites/70",
                       {"key": "k1"}, NO_BODY, ok({"id": "70", "recipient": None}),
                       {"id": "70", "recipient": None}),
    "assign_invite": (lambda c: c.assign_invite("70"), "PATCH", "/invites/70", {}, NO_BODY,
                      ok(), None),
    "accept_invite": (lambda c: c.accept_invite("70", "abcdef12"), "POST",
                      "/invites/70/accept/abcdef12", {}, NO_BODY, ok(), None),
    "langs": (lambda c: c.get_langs(), "GET", "/langs", {}, NO_BODY,
              ok({"langs": {}, "convert": {"jp": "ja"}}), {"langs": {}, "convert": {"jp": "ja"}}),
    "media": (lambda c: c.get_media("s1234"), "GET", "/media/s1234", {}, NO_BODY,
              ok({"title": "Aria"}), {"title": "Aria"}),
    "media_force": (lambda c: c.get_media("s1234", force=True), "GET", "/media/s1234",
                    {"force": "true"}, NO_BODY, ok({"title": "Aria"}), {"title": "Aria"}),
    "search_media": (lambda c: c.search_media("aria", limit=5, offset=0), "GET",
                     "/media/search", {"query": "aria", "limit": "5", "offset": "0"}, NO_BODY,
                     ok({"more": False, "results": []}), {"more": False, "results": []}),
    "stats": (lambda c: c.get_stats(), "GET", "/stats", {}, NO_BODY,
              ok({"created_at": "1"}, message="Cache hit"), {"created_at": "1"}),
    "torrent": (lambda c: c.get_torrent("123"), "GET", "/torrents/123", {}, NO_BODY,
                ok(TORRENT), TORRENT),
    "edit_torrent": (
        lambda c: c.edit_torrent("123", {"title": "New", "audio_lang": "ja", "sub_lang": "",
                                         "fsub_lang": "en", "video_type": None, "hidden": False,
                                         "media_episodes": [48665]}),
        "PATCH", "/torrents/123", {},
        {"title": "New", "audio_lang": "ja", "sub_lang": "", "fsub_lang": "en",
         "video_type": None, "hidden": False, "media_episodes": [48665]}, ok(), None),
    "animetosho": (lambda c: c.get_animetosho("123"), "GET", "/torrents/123/animetosho", {},
                   NO_BODY, ok(ATOSHO, retry=False),
                   {"data": ATOSHO, "retry": False, "message": None}),
    "animetosho_202": (
        lambda c: c.get_animetosho("123"), "GET", "/torrents/123/animetosho", {}, NO_BODY,
        reply(202, {"error": False, "message": "Still processing.", "retry": True}),
        {"data": None, "retry": True, "message": "Still processing."}),
    "comments": (lambda c: c.get_comments("123"), "GET", "/torrents/123/comments", {}, NO_BODY,
                 ok([{"id": "9", "text": "hi"}]), [{"id": "9", "text": "hi"}]),
    "download": (lambda c: c.download_torrent("123"), "GET", "/torrents/123/download", {},
                 NO_BODY, reply(200, content=b"d8:announce3:urle",
                                headers={"Content-Type": "application/x-bittorrent"}),
                 b"d8:announce3:urle"),
    "download_public": (
        lambda c: c.download_torrent("123", public=True), "GET", "/torrents/123/download",
        {"public": "true"}, NO_BODY,
        reply(200, content=b"d4:infod", headers={"Content-Type": "application/x-bittorrent"}),
        b"d4:infod"),
    "bulk_download": (
        lambda c: c.bulk_download(["1", "2"]), "GET", "/torrents/bulk/download",
        {"ids": "1,2"}, NO_BODY,
        reply(200, content=b"PK\x03\x04zip", headers={"Content-Type": "application/zip"}),
        b"PK\x03\x04zip"),
    "bulk_download_public": (
        lambda c: c.bulk_download(["1"], public=True), "GET", "/torrents/bulk/download",
        {"ids": "1", "public": "true"}, NO_BODY,
        reply(200, content=b"PK\x03\x04", headers={"Content-Type": "application/zip"}),
        b"PK\x03\x04"),
    "bulk_download_patch": (
        lambda c: c.bulk_download_patch(["1", "2"], public=True), "PATCH",
        "/torrents/bulk/download", {}, {"ids": ["1", "2"], "public": True},
        reply(200, content=b"PK\x03\x04", headers={"Content-Type": "application/zip"}),
        b"PK\x03\x04"),
    "bulk_download_patch_private": (
        lambda c: c.bulk_download_patch(["1"]), "PATCH", "/torrents/bulk/download", {},
        {"ids": ["1"]},
        reply(200, content=b"PK\x03\x04", headers={"Content-Type": "application/zip"}),
        b"PK\x03\x04"),
    "bulk_edit": (
        lambda c: c.bulk_edit(["1", "2"], {"title": [{"find": "x264", "replace": "x265"}],
                                           "fsub_lang": "en"}),
        "PATCH", "/torrents/bulk/edit", {},
        {"ids": ["1", "2"], "title": [{"find": "x264", "replace": "x265"}], "fsub_lang": "en"},
        ok(), None),
    "bulk_edit_perms": (lambda c: c.bulk_edit_perms(["1", "2"]), "PATCH",
                        "/torrents/bulk/edit/perms", {}, {"ids": ["1", "2"]}, ok(), []),
    "search_torrents": (
        lambda c: c.search_torrents(
            query="show", limit=100, offset=50, sort_by="latest", category=0, media_id="s12",
            episode_ids=["48665", "48666"], episode_match_any=True, levels=[2, 3],
            video_codec=[1, 2], video_type=[8], audio_lang=["ja"], fansub_lang=["en", "enm"],
            sub_lang=[], hardsub=False, otl=True, mtl=False, group_id="111",
            group_primary=True, group_secondary=False, group_childs=True, group_parents=False,
            uploader_id="42", uploader_uploads=True, uploader_contributions=False,
            before=1765432000000, after="1765000000000"),
        "GET", "/torrents/search",
        {"query": "show", "limit": "100", "offset": "50", "sort_by": "latest", "category": "0",
         "media_id": "s12", "episode_ids": "48665,48666", "episode_match_any": "true",
         "levels": "2,3", "video_codec": "1,2", "video_type": "8", "audio_lang": "ja",
         "fansub_lang": "en,enm", "sub_lang": "", "hardsub": "false", "otl": "true",
         "mtl": "false", "group_id": "111", "group_primary": "true",
         "group_secondary": "false", "group_childs": "true", "group_parents": "false",
         "uploader_id": "42", "uploader_uploads": "true", "uploader_contributions": "false",
         "before": "1765432000000", "after": "1765000000000"},
        NO_BODY, ok(SEARCH), SEARCH),
    "find_by_infohash": (lambda c: c.find_by_infohash(HASH.upper()), "GET", "/torrents/search",
                         {"query": HASH}, NO_BODY, ok({**SEARCH, "infohash_match": "777"}),
                         "777"),
    "find_by_infohash_none": (lambda c: c.find_by_infohash(HASH), "GET", "/torrents/search",
                              {"query": HASH}, NO_BODY, ok(SEARCH), None),
    "upload": (lambda c: c.upload(UPLOAD), "POST", "/upload", {}, dict(UPLOAD),
               ok({"id": "1234567890"}), "1234567890"),
    "upload_checks": (lambda c: c.upload_checks(CHECKS), "PUT", "/upload/checks", {},
                      dict(CHECKS), ok(CHECKS_RESULT), CHECKS_RESULT),
    "mediainfo_text": (
        lambda c: c.extract_mediainfo("General\nComplete name : a.mkv\n"), "PUT",
        "/upload/mediainfo", {}, {"mediainfo": "General\nComplete name : a.mkv\n"},
        ok({"video_codec": 2, "fansub_langs": "", "sub_langs": "en", "audio_langs": "jp"}),
        {"video_codec": 2, "fansub_langs": "", "sub_langs": "en", "audio_langs": "jp"}),
    "mediainfo_json": (
        lambda c: c.extract_mediainfo({"media": {"track": [{"@type": "General",
                                                            "Format": "Matroska"}]}}),
        "PUT", "/upload/mediainfo", {},
        {"mediainfo": {"media": {"track": [{"@type": "General", "Format": "Matroska"}]}}},
        ok({"video_codec": None, "fansub_langs": "", "sub_langs": "", "audio_langs": ""}),
        {"video_codec": None, "fansub_langs": "", "sub_langs": "", "audio_langs": ""}),
    "user_me": (lambda c: c.get_user(), "GET", "/users/@me", {}, NO_BODY, ok({"id": "42"}),
                {"id": "42"}),
    "check_key": (lambda c: c.check_key(), "GET", "/users/@me", {}, NO_BODY,
                  ok({"id": "42", "username": "u"}), {"id": "42", "username": "u"}),
    "user_other": (lambda c: c.get_user("43"), "GET", "/users/43", {}, NO_BODY,
                   ok({"id": "43"}), {"id": "43"}),
    "edit_user": (
        lambda c: c.edit_user(description="hi", reset_torrent_key=True), "PATCH", "/users/@me",
        {}, {"description": "hi", "reset_torrent_key": True},
        reply(200, {"error": False, "new_torrent_key": "tk2"}), {"new_torrent_key": "tk2"}),
    "edit_user_plain": (lambda c: c.edit_user("42", pfp="keep"), "PATCH", "/users/42", {},
                        {"pfp": "keep"}, ok(), {}),
    "user_groups": (lambda c: c.get_user_groups(), "GET", "/users/@me/groups", {}, NO_BODY,
                    ok([GROUP]), [GROUP]),
    "notifications": (lambda c: c.get_notifications(), "GET", "/users/@me/notifications", {},
                      NO_BODY, ok(NOTES), NOTES),
    "notifications_read_all": (
        lambda c: c.mark_notifications_read("all"), "PUT", "/users/@me/notifications/read", {},
        {"ids": "all"}, ok(NOTES), NOTES),
    "notifications_read_ids": (
        lambda c: c.mark_notifications_read(["1", "2"], user_id="42"), "PUT",
        "/users/42/notifications/read", {}, {"ids": ["1", "2"]}, ok(NOTES), NOTES),
    "peers": (lambda c: c.get_user_peers(), "GET", "/users/@me/peers", {}, NO_BODY,
              ok([{"torrent_id": "1", "peers": []}]), [{"torrent_id": "1", "peers": []}]),
    "search_users": (lambda c: c.search_users("example"), "GET", "/users/search",
                     {"query": "example"}, NO_BODY, ok({"more": False, "results": []}),
                     {"more": False, "results": []}),
}


def exact(value: Any) -> str:
    """JSON text with sorted keys: tells `true` from `1` and `1` from `1.0`, unlike ==."""
    return json.dumps(value, sort_keys=True)


@pytest.mark.parametrize("name", list(CASES))
def test_each_method_sends_the_documented_request(
    name: str, make_client: MakeClient, site: ScriptedSite
) -> None:
    call, method, path, query, body, answer, expected = CASES[name]
    site.on(method, path, answer)
    result = call(make_client(site))
    assert [(r.method, r.path) for r in site.requests] == [(method, path)]
    seen = site.requests[0]
    assert seen.query == query
    if body is NO_BODY:
        assert seen.raw == b""
        assert "content-type" not in seen.headers
    else:
        assert exact(seen.body) == exact(body)
        assert seen.headers["content-type"] == "application/json"
    assert exact(result) == exact(expected) if not isinstance(result, bytes) else result == expected


def test_every_public_method_has_a_case() -> None:
    methods = {n for n in dir(NekoClient) if not n.startswith("_")} - {"close", "base_url"}
    called = {name for name in methods if any(f"c.{name}(" in _source(c[0]) for c in
                                              CASES.values())}
    assert called == methods
    assert len(methods) == 37  # the reference's 35 endpoints + find_by_infohash, check_key


def _source(func: Callable[..., Any]) -> str:
    import inspect

    return inspect.getsource(func)


def test_requests_carry_cookie_and_user_agent(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    site.on("GET", "/stats", ok({}))
    make_client(site).get_stats()
    headers = site.requests[0].headers
    assert headers["cookie"] == f"ssid={KEY}"
    assert headers["user-agent"] == USER_AGENT == "nekobt-upload/0.1.0"
    assert site.requests[0].path == "/stats"


def test_no_key_sends_no_cookie(make_client: MakeClient, site: ScriptedSite) -> None:
    site.on("GET", "/stats", ok({}))
    make_client(site, key=None).get_stats()
    assert "cookie" not in site.requests[0].headers


def test_cookies_set_by_the_site_are_never_sent_back(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    site.on("GET", "/stats", reply(200, {"error": False, "data": {}},
                                   headers={"Set-Cookie": "tracking=abc; Path=/"}))
    client = make_client(site, key=None)
    client.get_stats()
    client.get_stats()
    assert "cookie" not in site.requests[1].headers


def test_upload_body_is_exactly_the_request(make_client: MakeClient, site: ScriptedSite) -> None:
    site.on("POST", "/upload", ok({"id": "55"}))
    make_client(site).upload(UPLOAD)
    assert list(site.requests[0].body) == list(UPLOAD)  # same keys, same order, nothing added
    assert exact(site.requests[0].body) == exact(UPLOAD)


def test_batch_is_sent_only_when_true(make_client: MakeClient, site: ScriptedSite) -> None:
    site.on("POST", "/upload", ok({"id": "55"}))
    site.on("PUT", "/upload/checks", ok(CHECKS_RESULT))
    client = make_client(site)
    client.upload({**UPLOAD, "batch": False})
    client.upload({**UPLOAD, "batch": True})
    client.upload_checks({**CHECKS, "batch": False})
    client.upload_checks({**CHECKS, "batch": True})
    bodies = [r.body for r in site.requests]
    assert ["batch" in b for b in bodies] == [False, True, False, True]
    assert bodies[1]["batch"] is True
    assert bodies[3]["batch"] is True


def test_checks_sends_only_the_fields_given(make_client: MakeClient, site: ScriptedSite) -> None:
    minimal: ChecksRequest = {k: v for k, v in CHECKS.items()  # type: ignore[assignment]
                              if k not in ("primary_group", "announce_urls", "raw_announce_urls")}
    site.on("PUT", "/upload/checks", ok(CHECKS_RESULT))
    make_client(site).upload_checks(minimal)
    assert sorted(site.requests[0].body) == sorted(minimal)
    assert "primary_group" not in site.requests[0].body


def test_bulk_edit_sends_upgraded_as_an_exact_integer(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    site.on("PATCH", "/torrents/bulk/edit", ok())
    site.on("PATCH", "/torrents/900", ok())
    client = make_client(site)
    client.bulk_edit(["900", "901"], {"upgraded": BIG_ID})
    client.edit_torrent("900", {"upgraded": int(BIG_ID)})
    client.edit_torrent("900", {"upgraded": None})
    raws = [r.raw for r in site.requests]
    assert raws[0] == b'{"ids":["900","901"],"upgraded":1234567890123456789}'
    assert raws[1] == b'{"upgraded":1234567890123456789}'
    assert raws[2] == b'{"upgraded":null}'
    # What a float would have made of it: the bug this guards against.
    assert str(int(float(BIG_ID))) != BIG_ID


@pytest.mark.parametrize("bad", ["12a", "", "-5", "1.5", "0", True, 2.0])
def test_upgraded_must_be_a_torrent_id(bad: object, make_client: MakeClient,
                                       site: ScriptedSite) -> None:
    with pytest.raises(ConfigError, match="not a torrent id"):
        make_client(site).edit_torrent("900", {"upgraded": bad})  # type: ignore[typeddict-item]
    assert site.requests == []


def test_unknown_or_missing_fields_are_refused_before_sending(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    client = make_client(site)
    with pytest.raises(ValueError, match=r"unknown field\(s\) audio_langs"):
        client.edit_torrent("1", {"audio_langs": "ja"})  # type: ignore[typeddict-unknown-key]
    missing = {k: v for k, v in UPLOAD.items() if k != "torrent"}
    with pytest.raises(ValueError, match=r"missing field\(s\) torrent"):
        client.upload(missing)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one field"):
        client.bulk_edit(["1"], {})
    with pytest.raises(ValueError, match="give admin, regular or display_name"):
        client.update_group_member("1", "2")
    with pytest.raises(ValueError, match=r"unknown field\(s\) nope"):
        client.search_torrents(nope=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="list or 'all'"):
        client.mark_notifications_read("some")  # type: ignore[arg-type]
    assert site.requests == []


@pytest.mark.parametrize("bad", ["../stats", "1/2", "", "a b", "..", "1?x=2"])
def test_ids_cannot_escape_their_path_segment(bad: str, make_client: MakeClient,
                                              site: ScriptedSite) -> None:
    with pytest.raises(ConfigError, match="not a valid nekoBT torrent id"):
        make_client(site).get_torrent(bad)
    assert site.requests == []


@pytest.mark.parametrize("bad", ["abc", "g" * 40, "a" * 39, "a" * 64])
def test_find_by_infohash_wants_40_hex(bad: str, make_client: MakeClient,
                                       site: ScriptedSite) -> None:
    with pytest.raises(ValueError, match="expected 40 hex digits"):
        make_client(site).find_by_infohash(bad)
    assert site.requests == []


def test_bulk_edit_perms_returns_the_bad_torrents(
    make_client: MakeClient, site: ScriptedSite
) -> None:
    site.on("PATCH", "/torrents/bulk/edit/perms", reply(400, {
        "error": True, "message": "You do not have permission to edit one or more torrents.",
        "bad_torrents": ["0987654321"]}))
    assert make_client(site).bulk_edit_perms(["1234567890", "0987654321"]) == ["0987654321"]


def test_animetosho_gets_a_long_read_timeout(make_client: MakeClient, site: ScriptedSite) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: Any) -> Any:
        timeouts.append(request.extensions["timeout"])
        return site(request)

    site.on("GET", "/torrents/1/animetosho", ok([], retry=False))
    site.on("GET", "/torrents/1", ok(TORRENT))
    client = make_client(handler)
    client.get_animetosho("1")
    client.get_torrent("1")
    assert timeouts[0] == {"connect": 10.0, "read": 75.0, "write": 75.0, "pool": 75.0}
    assert timeouts[1] == {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}


def test_base_url_is_validated(make_client: MakeClient) -> None:
    with pytest.raises(ConfigError, match="plain http is only allowed for loopback"):
        make_client(None, base_url="http://nekobt.to/api/v1")
    assert make_client(None, base_url="http://127.0.0.1:8080/api/v1/").base_url == (
        "http://127.0.0.1:8080/api/v1")


def test_the_client_is_a_context_manager_that_closes(site: ScriptedSite) -> None:
    site.on("GET", "/stats", ok({"created_at": "1"}))
    with NekoClient("https://nekobt.test/api/v1", transport=httpx.MockTransport(site),
                    min_interval=0) as client:
        assert client.get_stats() == {"created_at": "1"}
        assert not client._session._http.is_closed
    assert client._session._http.is_closed
