"""`NekoClient` against the sandbox site, in-process: every public method, exact outcomes.

Each test names the client methods it exercises with `@covers(...)`; the fixture checks after
the test that it really called them (through a recording proxy), and
`test_every_public_method_has_a_case` fails as soon as `NekoClient` grows a public method
without a case here. Answers are compared with the response TypedDicts in
`uploader.api.models` (the reference's shapes), and every change is read back from the
sandbox's own state (`site.torrents`, `site.state`) and request log (`site.requests`).

The sandbox runs at its defaults (as strict as the reference) unless a test sets a quirk.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
import torf

from uploader.api import ChecksRequest, NekoClient, UploadRequest, models
from uploader.exceptions import (
    ApiError,
    AuthError,
    ChecksError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from uploader.sandbox import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_GROUP_TAG,
    DEMO_INVITE_ID,
    DEMO_INVITE_KEY,
    DEMO_MEMBER_IDS,
    DEMO_RAWS_GROUP_ID,
    DEMO_TORRENT_KEY,
    DEMO_USER_ID,
    ENCODER_USER_ID,
    OTHER_API_KEY,
    OTHER_GROUP_ID,
    OTHER_TORRENT_ID,
    OTHER_USER_ID,
    SAMPLE_TITLE,
    SAMPLE_TORRENT_02_ID,
    SAMPLE_TORRENT_ID,
    TRANSLATOR_USER_ID,
    LoggedRequest,
    Site,
)
from uploader.sandbox.state import Link
from uploader.secret import Secret
from uploader.torrent import BuiltTorrent, build_torrent

BASE = "http://127.0.0.1:9/api/v1"  # never dialled: the sandbox answers through the transport
PUBLIC_ANNOUNCE = "https://tracker.nekobt.to/api/tracker/public/announce"
BACKUP_ANNOUNCE = "udp://tracker.opentrackr.org:1337/announce"
# Quoted by the reference (nekobt-api.md, upload checks).
WARN_PUBLIC_TRACKER = (
    "You have not included our public tracker URL in your torrent. If you plan to upload "
    "this torrent to other sites, you should make sure you include it."
)
FAIL_BACKUP_TRACKER = "Torrents must have at least one backup tracker."
EPISODE_3 = "[ExampleSubs] Sample Show - 03 (1080p)"
UNKNOWN_HASH = "0123456789abcdef0123456789abcdef01234567"
HEX32 = re.compile(r"[0-9a-f]{32}")
SAMPLE_02_TITLE = "[ExampleSubs] Sample Show - 02 (1080p)"
OTHER_TITLE = "[OtherGroup] Another Example - 05 (1080p)"

# --- which methods this file exercises ---------------------------------------------------

PUBLIC_METHODS = frozenset(
    name for name, _ in inspect.getmembers(NekoClient, inspect.isfunction)
    if not name.startswith("_"))
COVERED: dict[str, list[str]] = {}  # client method -> the tests that exercise it

T = TypeVar("T", bound=Callable[..., Any])


def covers(*methods: str) -> Callable[[T], T]:
    """Declare the client methods a test exercises (checked against the calls it makes)."""
    def mark(test: T) -> T:
        for method in methods:
            COVERED.setdefault(method, []).append(test.__name__)
        test.__dict__["covers"] = frozenset(methods)
        return test
    return mark


class Recorded:
    """A client seen through a proxy that notes which public methods the test called.

    A proxy, not a subclass, so the client's own inner calls (find_by_infohash calls
    search_torrents) do not count as the test exercising them."""

    def __init__(self, client: NekoClient, called: set[str]) -> None:
        self._client = client
        self._called = called

    def __getattr__(self, name: str) -> Any:
        if name in PUBLIC_METHODS:
            self._called.add(name)
        return getattr(self._client, name)


Connect = Callable[..., NekoClient]


@pytest.fixture
def site() -> Site:
    return Site.demo()


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the clients asked for (the limiter never waits: min_interval=0)."""
    return []


@pytest.fixture
def connect(site: Site, sleeps: list[float], request: pytest.FixtureRequest) -> Iterator[Connect]:
    """Clients of the sandbox; afterwards: closed, `@covers` honoured, no sandbox bug hit."""
    called: set[str] = set()
    made: list[NekoClient] = []

    def make(key: str | None = DEMO_API_KEY, **kw: Any) -> NekoClient:
        kw.setdefault("min_interval", 0)
        client = NekoClient(BASE, Secret(key) if key is not None else None,
                            transport=site.transport(), sleep=sleeps.append, **kw)
        made.append(client)
        return cast(NekoClient, Recorded(client, called))

    yield make
    for client in made:
        client.close()
    declared = request.function.__dict__.get("covers", frozenset())
    assert declared <= called, f"@covers names methods the test never called: " \
                               f"{sorted(declared - called)}"
    assert site.errors == [], "the sandbox itself failed (answered 500)"


@pytest.fixture
def client(connect: Connect) -> NekoClient:
    return connect()


def test_every_public_method_has_a_case() -> None:
    assert PUBLIC_METHODS, "inspect found no public methods"
    missing = sorted(PUBLIC_METHODS - set(COVERED))
    unknown = sorted(set(COVERED) - PUBLIC_METHODS)
    assert (missing, unknown) == ([], [])
    assert set(COVERED) == PUBLIC_METHODS


# --- helpers -----------------------------------------------------------------------------


def keys_of(model: Any) -> tuple[set[str], set[str]]:
    """(required, allowed) keys of a response TypedDict.

    The models use postponed annotations, so Python 3.11 counts `NotRequired[...]` keys as
    required: read those from the annotation's text instead."""
    hints: dict[str, Any] = model.__annotations__
    optional = set(model.__optional_keys__) | {
        name for name, hint in hints.items()
        if getattr(hint, "__forward_arg__", str(hint)).startswith("NotRequired[")}
    return set(hints) - optional, set(hints)


def assert_shape(value: Any, model: Any) -> None:
    """`value` is a JSON object with every required key of `model` and no other key."""
    assert isinstance(value, dict), f"{model.__name__}: not an object: {value!r}"
    required, allowed = keys_of(model)
    assert sorted(required - set(value)) == [], f"{model.__name__}: missing keys"
    assert sorted(set(value) - allowed) == [], f"{model.__name__}: undocumented keys"


def sent(site: Site, method: str, path: str) -> list[LoggedRequest]:
    return [r for r in site.requests if r.method == method and r.path == path]


def torrent_of(data: bytes) -> torf.Torrent:
    return torf.Torrent.read_stream(io.BytesIO(data))


def private_announce(key: str) -> str:
    return f"https://tracker.nekobt.to/api/tracker/{key}/announce"


def build(tmp_path: Path, name: str = EPISODE_3, *,
          trackers: list[list[str]] | None = None) -> BuiltTorrent:
    """A real v1 torrent of a small file, built by the tool's own builder."""
    path = tmp_path / f"{name}.mkv"
    path.write_bytes(hashlib.sha256(name.encode()).digest() * 2048)  # 64 KiB, unique per name
    tiers = trackers if trackers is not None else [[PUBLIC_ANNOUNCE], [BACKUP_ANNOUNCE]]
    return build_torrent(path, trackers=tiers, threads=1)


def upload_request(built: BuiltTorrent, title: str = EPISODE_3, **over: Any) -> UploadRequest:
    req: dict[str, Any] = {
        "torrent": base64.b64encode(built.raw).decode(),
        "title": title,
        "movie": False,
        "category": 1,
        "video_type": 8,
        "video_codec": 2,
        "level": 3,
        "mtl": False,
        "anonymous": False,
        "hidden": False,
        "otl": False,
        "hardsub": False,
        "primary_group": {"id": DEMO_GROUP_ID, "members": [
            {"id": DEMO_USER_ID, "role": "Encode", "display_name": ""},
            {"id": None, "role": "Typesetting", "display_name": "NewTypesetter"}]},
        "secondary_groups": [],
        "audio_langs": "jp",
        "sub_langs": "",
        "fansub_langs": "en",
        "description": "Episode 3.",
        **over,
    }
    return cast(UploadRequest, req)


def checks_request(title: str, announce: list[str], **over: Any) -> ChecksRequest:
    req: dict[str, Any] = {
        "title": title,
        "movie": False,
        "files": [{"path": f"{title}.mkv"}],
        "video_type": 8,
        "video_codec": 2,
        "level": 3,
        "mtl": False,
        "otl": False,
        "hardsub": False,
        "primary_group": {"id": DEMO_GROUP_ID, "tag": DEMO_GROUP_TAG, "members": [
            {"id": DEMO_USER_ID, "role": "Encode", "display_name": ""}]},
        "audio_langs": "ja",
        "sub_langs": "",
        "fansub_langs": "en",
        "announce_urls": announce,
        "raw_announce_urls": [[url] for url in announce],
        **over,
    }
    return cast(ChecksRequest, req)


# --- announcements, languages, media, stats ----------------------------------------------


@covers("get_announcements")
def test_announcements_are_the_sites(client: NekoClient, site: Site) -> None:
    found = client.get_announcements()
    assert found == site.state.announcements
    assert len(found) == 1
    assert_shape(found[0], models.Announcement)
    assert found[0]["message"] == "Welcome to the nekoBT sandbox: a local model of the site's API."


@covers("get_langs")
def test_langs_list_codes_and_the_alias_map(client: NekoClient) -> None:
    langs = client.get_langs()
    assert_shape(langs, models.Langs)
    for code, lang in langs["langs"].items():
        assert_shape(lang, models.Lang)
        assert lang["code"] == code
    assert langs["langs"]["ja"]["name"] == "Japanese"
    assert langs["langs"]["enm"]["name"] == "English (Weeb)"
    # The aliases nekobt-facts.md lists, each onto a code the site knows.
    assert {"jp": "ja", "eng": "en", "en-jp": "enm", "spa-419": "es-419", "es": "es-es",
            "pt": "pt-pt", "fr": "fr-fr", "tg": "fil", "nb": "no",
            "nn": "no"}.items() <= langs["convert"].items()
    assert set(langs["convert"].values()) <= set(langs["langs"])


@covers("get_media")
def test_get_media_with_and_without_force(client: NekoClient, site: Site) -> None:
    media = client.get_media("s1001")
    assert_shape(media, models.Media)
    assert (media["title"], media["year"], media["tvdbId"]) == ("Sample Show", 2025, 465001)
    assert [e["episode"] for e in media["episodes"]] == list(range(1, 13))
    episode_keys, _ = keys_of(models.MediaEpisode)
    assert all(episode_keys <= set(e) for e in media["episodes"])  # extra keys: see below
    assert [g["id"] for g in media["groups"]] == [DEMO_GROUP_ID]
    group = media["groups"][0]
    assert_shape(group, models.MediaGroup)
    assert sorted(group["episodes"]) == ["48001", "48002"]
    assert group["langs"] == {"fsub": ["en"], "sub": []}
    assert group["max_level"] == 3

    # A known media without torrents: 400 unless forced.
    with pytest.raises(ApiError) as caught:
        client.get_media("s1003")
    assert (type(caught.value), caught.value.status) == (ApiError, 400)
    assert "No torrents found for this media." in str(caught.value)
    forced = client.get_media("s1003", force=True)
    assert (forced["title"], forced["groups"]) == ("Dusk Beyond the End of the World", [])
    assert [r.query for r in sent(site, "GET", "/media/s1003")] == [{}, {"force": "true"}]

    with pytest.raises(NotFoundError):
        client.get_media("s9999")


@covers("get_media")
def test_media_episodes_have_exactly_the_documented_keys(client: NekoClient) -> None:
    for episode in client.get_media("s1001")["episodes"]:
        assert_shape(episode, models.MediaEpisode)


@covers("search_media")
def test_search_media(client: NekoClient, site: Site) -> None:
    found = client.search_media("sample show", limit=5, offset=0)
    assert_shape(found, models.MediaSearchResult)
    assert [m["id"] for m in found["results"]] == ["s1001"]
    assert found["more"] is False
    assert_shape(found["results"][0], models.MediaSummary)
    assert 0 < found["results"][0]["similarity"] <= 1
    assert sent(site, "GET", "/media/search")[0].query == {
        "query": "sample show", "limit": "5", "offset": "0"}
    assert client.search_media("no such show")["results"] == []


@covers("get_stats")
def test_stats_count_the_demo_world(client: NekoClient) -> None:
    stats = client.get_stats()
    assert_shape(stats, models.Stats)
    assert stats["users"] == {"total": 4, "new_1w": 0, "active_1m": 4}
    assert stats["groups"] == {"total": 3, "new_1w": 0, "active_1m": 3}
    assert stats["torrents"]["total"] == 3
    assert stats["torrents"]["total_downloads"] == 301 + 302 + 305
    assert stats["peers"] == {"seeders": 39 + 38 + 35, "leechers": 1 + 2 + 2}
    assert [m["id"] for m in stats["top_media_1w"]] == ["s1001", "s1002"]
    for top in stats["top_media_1w"]:
        assert_shape(top, models.TopMedia)


# --- groups and invites ------------------------------------------------------------------


@covers("get_group")
def test_get_group_as_leader_and_as_outsider(client: NekoClient, connect: Connect) -> None:
    group = client.get_group(DEMO_GROUP_ID)
    assert_shape(group, models.Group)
    assert (group["tag"], group["display_tag"]) == ("examplesubs", DEMO_GROUP_TAG)
    assert [m["id"] for m in group["members"]] == [
        DEMO_MEMBER_IDS[role] for role in ("leader", "admin", "member", "invite")]
    for member in group["members"]:
        assert_shape(member, models.GroupMember)
    invite = group["members"][3]
    assert (invite["invite"], invite["invite_key"]) == (True, DEMO_INVITE_KEY)
    assert (group["can_edit"], group["can_leave"], group["can_delete"]) == (True, False, True)
    assert group["stats"] == {"uploads": 2, "hidden_uploads": 0, "tags": 1,
                              "seeders": "77", "leechers": "3", "downloads": "603"}
    assert [g["id"] for g in group["relations"]["children"]] == [DEMO_RAWS_GROUP_ID]
    assert group["relations"]["parents"] == []
    assert_shape(group["relations"]["children"][0], models.RelatedGroup)
    assert group["relations"]["children"][0]["active"] is True
    assert [m["media"]["id"] for m in group["media"]] == ["s1001"]
    assert_shape(group["media"][0], models.GroupMedia)
    assert sorted(group["media"][0]["torrents"]) == sorted([SAMPLE_TORRENT_ID,
                                                            SAMPLE_TORRENT_02_ID])

    outsider = connect(OTHER_API_KEY).get_group(DEMO_GROUP_ID)
    assert all("invite_key" not in m for m in outsider["members"])
    assert "can_delete" not in outsider
    assert "hidden_uploads" not in outsider["stats"]
    assert (outsider["can_edit"], outsider["can_leave"]) == (False, False)


@covers("search_groups")
def test_search_groups_sorts_pages_and_sends_the_query(client: NekoClient, site: Site) -> None:
    found = client.search_groups("example", sort="name", order="asc")
    assert_shape(found, models.GroupSearchResult)
    assert [g["id"] for g in found["results"]] == [DEMO_GROUP_ID, DEMO_RAWS_GROUP_ID]
    for summary in found["results"]:
        assert_shape(summary, models.GroupSummary)
    assert found["results"][0]["member_count"] == "3"  # invites are not members
    assert found["results"][0]["torrent_count"] == "2"
    assert found["more"] is False
    page = client.search_groups("example", limit=1, offset=0, sort="name", order="asc")
    assert ([g["id"] for g in page["results"]], page["more"]) == ([DEMO_GROUP_ID], True)
    assert [r.query for r in sent(site, "GET", "/groups/search")] == [
        {"query": "example", "sort": "name", "order": "asc"},
        {"query": "example", "limit": "1", "offset": "0", "sort": "name", "order": "asc"}]
    everyone = client.search_groups()
    assert {g["id"] for g in everyone["results"]} == {DEMO_GROUP_ID, DEMO_RAWS_GROUP_ID,
                                                      OTHER_GROUP_ID}


@covers("create_group_link", "delete_group_link")
def test_group_links(client: NekoClient, connect: Connect, site: Site) -> None:
    client.delete_group_link(DEMO_GROUP_ID, DEMO_RAWS_GROUP_ID)
    assert site.state.links == []
    with pytest.raises(NotFoundError):
        client.delete_group_link(DEMO_GROUP_ID, DEMO_RAWS_GROUP_ID)

    # The leader of both groups: approved at once.
    client.create_group_link(DEMO_RAWS_GROUP_ID, DEMO_GROUP_ID, parent=DEMO_GROUP_ID)
    assert site.state.links == [Link(parent=DEMO_GROUP_ID, child=DEMO_RAWS_GROUP_ID,
                                     initiator=DEMO_RAWS_GROUP_ID, active=True)]
    assert sent(site, "POST", f"/groups/{DEMO_RAWS_GROUP_ID}/links/{DEMO_GROUP_ID}")[0].query \
        == {"parent": DEMO_GROUP_ID}

    # Someone else's group: the reference's 400 "waiting", stored as pending...
    with pytest.raises(ApiError) as caught:
        client.create_group_link(DEMO_GROUP_ID, OTHER_GROUP_ID, parent=DEMO_GROUP_ID)
    assert (type(caught.value), caught.value.status) == (ApiError, 400)
    assert "Link is waiting for other group to approve." in str(caught.value)
    assert site.state.links[-1] == Link(parent=DEMO_GROUP_ID, child=OTHER_GROUP_ID,
                                        initiator=DEMO_GROUP_ID, active=False)
    # ...until the other leader asks for the same link.
    connect(OTHER_API_KEY).create_group_link(OTHER_GROUP_ID, DEMO_GROUP_ID,
                                             parent=DEMO_GROUP_ID)
    assert site.state.links[-1].active is True
    assert len(site.state.links) == 2


@covers("add_group_members", "get_invite", "accept_invite", "get_notifications")
def test_invite_a_user_who_accepts(client: NekoClient, connect: Connect, site: Site) -> None:
    invites = client.add_group_members(DEMO_GROUP_ID, [
        {"id": OTHER_USER_ID, "display_name": None},
        {"id": None, "display_name": "NewTypesetter"}])
    assert len(invites) == 2
    for invite in invites:
        assert_shape(invite, models.NewInvite)
        assert HEX32.fullmatch(invite["invite_key"])
    assert sent(site, "POST", f"/groups/{DEMO_GROUP_ID}/members")[0].json == [
        {"id": OTHER_USER_ID, "display_name": None},
        {"id": None, "display_name": "NewTypesetter"}]
    group = site.state.groups[DEMO_GROUP_ID]
    added = {m.id: m for m in group.members[-2:]}
    assert sorted(added) == sorted(i["id"] for i in invites)
    first, second = (added[i["id"]] for i in invites)
    assert (first.invite, first.display_name, first.user_id) == (True, "Other", OTHER_USER_ID)
    assert (second.display_name, second.user_id) == ("NewTypesetter", None)

    # With the key the invite names its recipient; without it, it does not.
    with_key = client.get_invite(invites[0]["id"], key=invites[0]["invite_key"])
    assert_shape(with_key, models.Invite)
    assert_shape(with_key["author"], models.UserRef)
    assert_shape(with_key["group"], models.InviteGroup)
    assert with_key["recipient"] is not None
    assert with_key["recipient"]["id"] == OTHER_USER_ID
    assert (with_key["author"]["id"], with_key["group"]["id"]) == (DEMO_USER_ID, DEMO_GROUP_ID)
    assert client.get_invite(invites[0]["id"])["recipient"] is None
    with pytest.raises(NotFoundError):
        client.get_invite("1")

    other = connect(OTHER_API_KEY)
    note = other.get_notifications()[-1]
    assert_shape(note, models.Notification)
    assert note["seen"] is False
    assert f"<i:{invites[0]['id']}:{invites[0]['invite_key']}>" in note["data"]
    other.accept_invite(invites[0]["id"], invites[0]["invite_key"])
    assert site.state.membership(group, OTHER_USER_ID) is not None
    assert first.used is True
    assert client.get_invite(invites[0]["id"])["used"] is True
    with pytest.raises(ApiError) as caught:
        other.accept_invite(invites[1]["id"], "0" * 32)
    assert (caught.value.status, "Invalid invite key." in str(caught.value)) == (400, True)


@covers("update_group_member")
def test_update_group_member(client: NekoClient, site: Site) -> None:
    group = site.state.groups[DEMO_GROUP_ID]
    client.update_group_member(DEMO_GROUP_ID, TRANSLATOR_USER_ID, admin=True)
    client.update_group_member(DEMO_GROUP_ID, ENCODER_USER_ID, regular=False)
    client.update_group_member(DEMO_GROUP_ID, DEMO_INVITE_ID, display_name="OldTypesetter")
    members = {m.id: m for m in group.members}
    assert members[TRANSLATOR_USER_ID].admin is True
    assert members[ENCODER_USER_ID].regular is False
    assert members[DEMO_INVITE_ID].display_name == "OldTypesetter"
    base = f"/groups/{DEMO_GROUP_ID}/members"
    assert [r.json for r in site.requests if r.method == "PATCH"] == [
        {"admin": True}, {"regular": False}, {"display_name": "OldTypesetter"}]
    assert sent(site, "PATCH", f"{base}/{TRANSLATOR_USER_ID}")
    with pytest.raises(ApiError) as caught:  # the leader stays the leader
        client.update_group_member(DEMO_GROUP_ID, DEMO_USER_ID, admin=False)
    assert caught.value.status == 400
    with pytest.raises(ValueError, match="give admin, regular or display_name"):
        client.update_group_member(DEMO_GROUP_ID, TRANSLATOR_USER_ID)
    assert len(site.requests) == 4


@covers("remove_group_member")
def test_remove_group_member(client: NekoClient, site: Site) -> None:
    group = site.state.groups[DEMO_GROUP_ID]
    with pytest.raises(ApiError) as caught:  # an invite is only ever deleted destructively
        client.remove_group_member(DEMO_GROUP_ID, DEMO_INVITE_ID)
    assert caught.value.status == 400
    assert "destructive=true" in str(caught.value)
    client.remove_group_member(DEMO_GROUP_ID, DEMO_INVITE_ID, destructive=True)
    assert DEMO_INVITE_ID not in {m.id for m in group.members}
    assert [r.query for r in site.requests] == [{}, {"destructive": "true"}]

    # A member removed softly leaves a "Deleted Member" invite holding their credits.
    client.remove_group_member(DEMO_GROUP_ID, TRANSLATOR_USER_ID)
    assert TRANSLATOR_USER_ID not in {m.id for m in group.members}
    placeholder = group.members[-1]
    assert (placeholder.invite, placeholder.display_name) == (True, "Deleted Member")
    credits = site.torrents[SAMPLE_TORRENT_ID].primary_group
    assert credits is not None
    assert [c["id"] for c in credits["members"]] == [DEMO_USER_ID, placeholder.id]
    with pytest.raises(NotFoundError):
        client.remove_group_member(DEMO_GROUP_ID, TRANSLATOR_USER_ID)


@covers("assign_invite")
def test_assign_invite(client: NekoClient, connect: Connect, site: Site) -> None:
    invite = next(m for m in site.state.groups[DEMO_GROUP_ID].members if m.id == DEMO_INVITE_ID)
    assert invite.assigned is False
    client.assign_invite(DEMO_INVITE_ID)
    assert site.state.groups[DEMO_GROUP_ID].members[3].assigned is True
    assert site.state.groups[DEMO_GROUP_ID].members[3] is invite
    assert sent(site, "PATCH", f"/invites/{DEMO_INVITE_ID}")[0].json is None  # no body
    shown = client.get_group(DEMO_GROUP_ID)["members"][3]
    assert (shown["id"], shown["invite_has_recipient"]) == (DEMO_INVITE_ID, True)
    with pytest.raises(ForbiddenError):
        connect(OTHER_API_KEY).assign_invite(DEMO_INVITE_ID)


# --- torrents ----------------------------------------------------------------------------


@covers("get_torrent")
def test_get_torrent(client: NekoClient, connect: Connect, site: Site) -> None:
    torrent = client.get_torrent(SAMPLE_TORRENT_ID)
    assert_shape(torrent, models.Torrent)
    stored = site.torrents[SAMPLE_TORRENT_ID]
    assert (torrent["id"], torrent["title"], torrent["infohash"]) == (
        SAMPLE_TORRENT_ID, SAMPLE_TITLE, stored.infohash)
    assert (torrent["audio_lang"], torrent["fsub_lang"], torrent["level"]) == ("ja", "en", 3)
    assert torrent["filesize"] == "700000001"
    assert torrent["media_episode_ids"] == ["48001"]
    assert torrent["can_edit"] is True
    assert torrent["upgraded"] is None
    assert torrent["uploader"] is not None
    assert torrent["uploader"]["id"] == DEMO_USER_ID
    assert torrent["private_magnet"] is not None
    assert DEMO_TORRENT_KEY in torrent["private_magnet"]
    assert DEMO_TORRENT_KEY not in torrent["magnet"]
    for entry in torrent["files"]:
        assert_shape(entry, models.TorrentFile)
    [group] = torrent["groups"]
    assert_shape(group, models.TorrentGroup)
    assert (group["id"], group["uploading_group"]) == (DEMO_GROUP_ID, True)
    assert [(m["id"], m["role"]) for m in group["members"]] == [
        (DEMO_USER_ID, "Encode"), (TRANSLATOR_USER_ID, "Translation")]
    for member in group["members"]:
        assert_shape(member, models.CreditedGroupMember)

    as_other = connect(OTHER_API_KEY).get_torrent(SAMPLE_TORRENT_ID)
    assert as_other["can_edit"] is False
    assert as_other["private_magnet"] is not None
    assert DEMO_TORRENT_KEY not in as_other["private_magnet"]
    assert connect(None).get_torrent(SAMPLE_TORRENT_ID)["private_magnet"] is None


@covers("edit_torrent")
def test_edit_torrent_changes_the_stored_fields(client: NekoClient, site: Site) -> None:
    client.edit_torrent(SAMPLE_TORRENT_ID, {
        "title": "[ExampleSubs] Sample Show - 01v2 (1080p)",
        "description": "Fixed typesetting.",
        "audio_lang": "jp",  # an alias: the site stores its own code
        "hidden": True,
        "video_codec": 1,
    })
    stored = site.torrents[SAMPLE_TORRENT_ID]
    assert (stored.title, stored.description, stored.audio_lang, stored.hidden,
            stored.video_codec) == ("[ExampleSubs] Sample Show - 01v2 (1080p)",
                                    "Fixed typesetting.", "ja", True, 1)
    assert sent(site, "PATCH", f"/torrents/{SAMPLE_TORRENT_ID}")[0].json == {
        "title": "[ExampleSubs] Sample Show - 01v2 (1080p)", "description": "Fixed typesetting.",
        "audio_lang": "jp", "hidden": True, "video_codec": 1}
    assert client.get_torrent(SAMPLE_TORRENT_ID)["title"] == stored.title

    # `upgraded` given as a 19-digit string goes out as a JSON integer and is stored exactly.
    client.edit_torrent(SAMPLE_TORRENT_ID, {"upgraded": SAMPLE_TORRENT_02_ID})
    body = site.requests[-1].json
    assert type(body["upgraded"]) is int
    assert body["upgraded"] == int(SAMPLE_TORRENT_02_ID)
    assert stored.upgraded == SAMPLE_TORRENT_02_ID
    assert client.get_torrent(SAMPLE_TORRENT_ID)["upgraded"] == SAMPLE_TORRENT_02_ID
    client.edit_torrent(SAMPLE_TORRENT_ID, {"upgraded": None})
    assert site.torrents[SAMPLE_TORRENT_ID].upgraded is None

    with pytest.raises(ValueError, match="at least one field"):
        client.edit_torrent(SAMPLE_TORRENT_ID, {})


@covers("edit_torrent", "get_torrent")
def test_edit_credits_episodes_groups_and_deletion(client: NekoClient, connect: Connect,
                                                   site: Site) -> None:
    client.edit_torrent(SAMPLE_TORRENT_ID, {
        "primary_group": {"id": DEMO_GROUP_ID, "members": [
            {"id": TRANSLATOR_USER_ID, "role": "Translation"},
            {"id": None, "role": "Karaoke", "display_name": "KaraokeFan"}]},
        "secondary_groups": [{"id": DEMO_RAWS_GROUP_ID, "role": "Raws"}],
        "media_episodes": [48001, 48002],
    })
    stored = site.torrents[SAMPLE_TORRENT_ID]
    assert stored.primary_group is not None
    credits = stored.primary_group["members"]
    assert [(c["role"], c["weight"]) for c in credits] == [("Translation", 0), ("Karaoke", 1)]
    invite = site.state.member(site.state.groups[DEMO_GROUP_ID], credits[1]["id"])
    assert invite is not None
    assert (invite.invite, invite.display_name) == (True, "KaraokeFan")
    assert stored.secondary_groups == [{"id": DEMO_RAWS_GROUP_ID, "role": "Raws"}]
    assert stored.media_episode_ids == ["48001", "48002"]
    page = client.get_torrent(SAMPLE_TORRENT_ID)
    assert [(g["id"], g["uploading_group"], g["role"]) for g in page["groups"]] == [
        (DEMO_GROUP_ID, True, None), (DEMO_RAWS_GROUP_ID, False, "Raws")]

    client.edit_torrent(SAMPLE_TORRENT_ID, {"deleted": True, "deletion_reason": "Bad encode."})
    assert stored.deleted is not None
    assert stored.deletion_reason == "Bad encode."
    assert client.get_torrent(SAMPLE_TORRENT_ID)["deleted"] == str(stored.deleted)
    with pytest.raises(NotFoundError):  # only those who may edit it still see it
        connect(OTHER_API_KEY).get_torrent(SAMPLE_TORRENT_ID)


@covers("edit_torrent")
def test_edit_batch_is_refused_by_default_and_stored_on_a_newer_site(
        client: NekoClient, site: Site) -> None:
    with pytest.raises(ValidationError) as caught:
        client.edit_torrent(SAMPLE_TORRENT_ID, {"batch": True})
    assert caught.value.errors == [("/batch", "must NOT have additional properties")]
    assert site.torrents[SAMPLE_TORRENT_ID].batch is False
    site.faults.quirks.newer_site = True
    client.edit_torrent(SAMPLE_TORRENT_ID, {"batch": True})
    assert site.torrents[SAMPLE_TORRENT_ID].batch is True
    # `batch: False` is never sent (an older site would refuse the field).
    client.edit_torrent(SAMPLE_TORRENT_ID, {"title": SAMPLE_TITLE, "batch": False})
    assert site.requests[-1].json == {"title": SAMPLE_TITLE}


@covers("get_animetosho")
def test_animetosho_ready_processing_and_skipped(client: NekoClient, site: Site) -> None:
    ready = client.get_animetosho(SAMPLE_TORRENT_ID)
    assert (ready["retry"], ready["message"]) == (False, None)
    assert ready["data"] is not None
    [entry] = ready["data"]
    assert_shape(entry, models.AnimeToshoFile)
    assert entry["filename"] == site.torrents[SAMPLE_TORRENT_ID].files[0]["name"]
    assert [s["lang"] for s in entry["subs"]] == ["en"]
    assert_shape(entry["subs"][0], models.AnimeToshoSub)

    # Processing: 202 with retry, then the data (201).
    first = client.get_animetosho(SAMPLE_TORRENT_02_ID)
    assert first == {"data": None, "retry": True,
                     "message": "Torrent is still being processed on AnimeTosho."}
    second = client.get_animetosho(SAMPLE_TORRENT_02_ID)
    assert second["retry"] is False
    assert second["data"] is not None
    assert [f["filesize"] for f in second["data"]] == [700000002]

    with pytest.raises(ApiError) as caught:  # skipped: a 400 that says not to retry
        client.get_animetosho(OTHER_TORRENT_ID)
    assert (type(caught.value), caught.value.status) == (ApiError, 400)
    assert caught.value.payload == {"error": True, "retry": False,
                                    "message": "Torrent was skipped on AnimeTosho."}
    assert len(sent(site, "GET", f"/torrents/{OTHER_TORRENT_ID}/animetosho")) == 1

    site.torrents[SAMPLE_TORRENT_02_ID].animetosho = "not_found"  # a 404 that says "maybe"
    site.torrents[SAMPLE_TORRENT_02_ID].animetosho_fetched_at = None
    with pytest.raises(NotFoundError) as missing:
        client.get_animetosho(SAMPLE_TORRENT_02_ID)
    assert missing.value.payload == {"error": True, "retry": True,
                                     "message": "Torrent was not found on AnimeTosho."}


@covers("get_animetosho")
def test_animetosho_error_with_retry_false_is_not_repeated(
        client: NekoClient, site: Site, sleeps: list[float]) -> None:
    site.torrents[OTHER_TORRENT_ID].animetosho = "error"
    with pytest.raises(ServerError) as caught:
        client.get_animetosho(OTHER_TORRENT_ID)
    assert caught.value.payload["retry"] is False
    assert len(sent(site, "GET", f"/torrents/{OTHER_TORRENT_ID}/animetosho")) == 1
    assert sleeps == []


@covers("get_comments")
def test_comments(client: NekoClient, site: Site) -> None:
    comments = client.get_comments(SAMPLE_TORRENT_ID)
    assert comments == site.torrents[SAMPLE_TORRENT_ID].comments
    [comment] = comments
    assert_shape(comment, models.Comment)
    assert (comment["user_id"], comment["text"]) == (OTHER_USER_ID, "Thanks for the release!")
    assert client.get_comments(SAMPLE_TORRENT_02_ID) == []
    with pytest.raises(NotFoundError):
        client.get_comments("1")


@covers("download_torrent")
def test_download_torrent_private_and_public(client: NekoClient, site: Site) -> None:
    infohash = site.torrents[SAMPLE_TORRENT_ID].infohash
    private = torrent_of(client.download_torrent(SAMPLE_TORRENT_ID))
    assert private.infohash == infohash
    assert private.trackers == [[private_announce(DEMO_TORRENT_KEY)], [BACKUP_ANNOUNCE]]

    data = client.download_torrent(SAMPLE_TORRENT_ID, public=True)
    assert DEMO_TORRENT_KEY.encode() not in data
    public = torrent_of(data)
    assert public.infohash == infohash
    assert public.trackers == [[PUBLIC_ANNOUNCE], [BACKUP_ANNOUNCE]]
    assert [r.query for r in sent(site, "GET", f"/torrents/{SAMPLE_TORRENT_ID}/download")] == [
        {}, {"public": "true"}]
    with pytest.raises(NotFoundError):
        client.download_torrent("1")


def zip_members(data: bytes) -> dict[str, torf.Torrent]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: torrent_of(archive.read(name)) for name in archive.namelist()}


@covers("bulk_download", "bulk_download_patch")
def test_bulk_downloads_zip_the_torrents(client: NekoClient, site: Site) -> None:
    ids = [SAMPLE_TORRENT_ID, OTHER_TORRENT_ID]
    names = [f"{SAMPLE_TITLE}.torrent", f"{OTHER_TITLE}.torrent"]
    hashes = [site.torrents[i].infohash for i in ids]

    by_query = zip_members(client.bulk_download(ids))
    assert list(by_query) == names
    assert [t.infohash for t in by_query.values()] == hashes
    assert all(t.trackers[0] == [private_announce(DEMO_TORRENT_KEY)]
               for t in by_query.values())
    assert sent(site, "GET", "/torrents/bulk/download")[0].query == {"ids": ",".join(ids)}

    by_body = zip_members(client.bulk_download_patch(ids, public=True))
    assert list(by_body) == names
    assert [t.infohash for t in by_body.values()] == hashes
    assert all(t.trackers[0] == [PUBLIC_ANNOUNCE] for t in by_body.values())
    assert sent(site, "PATCH", "/torrents/bulk/download")[0].json == {"ids": ids,
                                                                      "public": True}

    public_query = zip_members(client.bulk_download([SAMPLE_TORRENT_02_ID], public=True))
    assert list(public_query) == [f"{SAMPLE_02_TITLE}.torrent"]
    assert sent(site, "GET", "/torrents/bulk/download")[1].query == {
        "ids": SAMPLE_TORRENT_02_ID, "public": "true"}
    private_body = zip_members(client.bulk_download_patch([SAMPLE_TORRENT_02_ID]))
    assert [t.trackers[0] for t in private_body.values()] == [
        [private_announce(DEMO_TORRENT_KEY)]]
    assert sent(site, "PATCH", "/torrents/bulk/download")[1].json == {
        "ids": [SAMPLE_TORRENT_02_ID]}


@covers("bulk_edit")
def test_bulk_edit_applies_to_all_or_none(client: NekoClient, site: Site) -> None:
    sample, sample_02 = site.torrents[SAMPLE_TORRENT_ID], site.torrents[SAMPLE_TORRENT_02_ID]
    with pytest.raises(ChecksError) as caught:
        client.bulk_edit([SAMPLE_TORRENT_ID, OTHER_TORRENT_ID], {"hidden": True})
    assert caught.value.bad_torrents == [OTHER_TORRENT_ID]
    assert (caught.value.fails, caught.value.warns) == ([], [])
    assert (sample.hidden, site.torrents[OTHER_TORRENT_ID].hidden) == (False, False)

    client.bulk_edit([SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID], {
        "title": [{"find": "(1080p)", "replace": "(1080p) [v2]"}], "otl": True})
    assert (sample.title, sample_02.title) == (f"{SAMPLE_TITLE} [v2]",
                                               f"{SAMPLE_02_TITLE} [v2]")
    assert (sample.otl, sample_02.otl) == (True, True)

    # A 19-digit id: beyond a float's 53 bits, so only an exact integer survives.
    client.bulk_edit([SAMPLE_TORRENT_ID], {"upgraded": SAMPLE_TORRENT_02_ID})
    body = site.requests[-1].json
    assert body == {"ids": [SAMPLE_TORRENT_ID], "upgraded": 1300000000000001002}
    assert type(body["upgraded"]) is int
    assert int(float(SAMPLE_TORRENT_02_ID)) != int(SAMPLE_TORRENT_02_ID)
    assert sample.upgraded == SAMPLE_TORRENT_02_ID
    assert sample_02.upgraded is None


@covers("bulk_edit_perms")
def test_bulk_edit_perms_names_what_may_not_be_edited(client: NekoClient, site: Site) -> None:
    assert client.bulk_edit_perms([SAMPLE_TORRENT_ID, OTHER_TORRENT_ID]) == [OTHER_TORRENT_ID]
    assert client.bulk_edit_perms([SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]) == []
    assert client.bulk_edit_perms(["1", SAMPLE_TORRENT_ID]) == ["1"]
    assert [r.json for r in sent(site, "PATCH", "/torrents/bulk/edit/perms")] == [
        {"ids": [SAMPLE_TORRENT_ID, OTHER_TORRENT_ID]},
        {"ids": [SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]},
        {"ids": ["1", SAMPLE_TORRENT_ID]}]


@covers("search_torrents")
def test_search_torrents_filters(client: NekoClient, site: Site) -> None:
    found = client.search_torrents("sample", sort_by="oldest")
    assert_shape(found, models.TorrentSearchResult)
    assert [t["id"] for t in found["results"]] == [SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]
    for result in found["results"]:
        assert_shape(result, models.TorrentSummary)
        for group in result["groups"]:
            assert_shape(group, models.SearchGroup)
    assert_shape(found["debug"], models.SearchDebug)
    assert (found["infohash_match"], found["more"]) == (None, False)
    assert found["recommended_media"] is not None
    assert found["recommended_media"]["id"] == "s1001"

    by_filters = client.search_torrents(
        group_id=DEMO_GROUP_ID, levels=[3], audio_lang=["ja", "en"],
        episode_ids=["48001", "48002"], episode_match_any=True, hardsub=False,
        uploader_id=ENCODER_USER_ID, limit=10, after=0)
    assert [t["id"] for t in by_filters["results"]] == [SAMPLE_TORRENT_02_ID]
    assert sent(site, "GET", "/torrents/search")[-1].query == {
        "group_id": DEMO_GROUP_ID, "levels": "3", "audio_lang": "ja,en",
        "episode_ids": "48001,48002", "episode_match_any": "true", "hardsub": "false",
        "uploader_id": ENCODER_USER_ID, "limit": "10", "after": "0"}
    other = client.search_torrents("another", media_id="s1002")
    assert [t["id"] for t in other["results"]] == [OTHER_TORRENT_ID]
    assert other["media"] is not None
    assert other["media"]["id"] == "s1002"
    assert client.search_torrents(levels="4")["results"] == []
    with pytest.raises(ValueError, match="unknown field"):
        client.search_torrents(levle=3)  # type: ignore[call-arg]


@covers("find_by_infohash")
def test_find_by_infohash(client: NekoClient, site: Site) -> None:
    infohash = site.torrents[SAMPLE_TORRENT_02_ID].infohash
    assert client.find_by_infohash(f"  {infohash.upper()}\n") == SAMPLE_TORRENT_02_ID
    assert sent(site, "GET", "/torrents/search")[0].query == {"query": infohash}
    assert client.find_by_infohash(UNKNOWN_HASH) is None
    count = len(site.requests)
    with pytest.raises(ValueError, match="40 hex"):
        client.find_by_infohash("not-a-hash")
    assert len(site.requests) == count  # refused before sending


# --- upload ------------------------------------------------------------------------------


@covers("upload", "find_by_infohash", "download_torrent")
def test_upload_a_built_torrent(client: NekoClient, site: Site, tmp_path: Path) -> None:
    built = build(tmp_path)
    torrent_id = client.upload(upload_request(built))
    assert torrent_id.isdigit()
    assert torrent_id not in (SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID, OTHER_TORRENT_ID)
    assert client.find_by_infohash(built.infohash) == torrent_id

    stored = site.torrents[torrent_id]
    assert base64.b64decode(stored.raw) == built.raw  # byte for byte
    assert (stored.title, stored.infohash, stored.uploader_id) == (
        EPISODE_3, built.infohash, DEMO_USER_ID)
    assert (stored.audio_lang, stored.fsub_lang, stored.sub_lang) == ("ja", "en", "")
    assert (stored.media_id, stored.media_episode_ids) == ("s1001", ["48003"])
    assert stored.filesize == built.total_size
    assert stored.primary_group is not None
    credits = stored.primary_group["members"]
    assert [(c["role"], c["weight"]) for c in credits] == [("Encode", 0), ("Typesetting", 1)]
    assert credits[0]["id"] == DEMO_USER_ID
    new_invite = site.state.member(site.state.groups[DEMO_GROUP_ID], credits[1]["id"])
    assert new_invite is not None
    assert (new_invite.invite, new_invite.display_name) == (True, "NewTypesetter")
    assert "batch" not in sent(site, "POST", "/upload")[0].json

    downloaded = torrent_of(client.download_torrent(torrent_id))
    assert downloaded.infohash == built.infohash
    assert downloaded.trackers == [[private_announce(DEMO_TORRENT_KEY)], [BACKUP_ANNOUNCE]]

    with pytest.raises(ApiError) as caught:  # the same infohash again
        client.upload(upload_request(built))
    assert caught.value.status == 400
    assert "Torrent already exists." in str(caught.value)
    assert len(site.torrents) == 4


@covers("upload")
def test_upload_fails_and_warns(client: NekoClient, site: Site, tmp_path: Path) -> None:
    lone = build(tmp_path, trackers=[[PUBLIC_ANNOUNCE]])
    with pytest.raises(ChecksError) as caught:
        client.upload(upload_request(lone))
    assert (caught.value.status, caught.value.fails, caught.value.warns) == (
        400, [FAIL_BACKUP_TRACKER], [])

    no_public = build(tmp_path, "[ExampleSubs] Sample Show - 04 (1080p)",
                      trackers=[[BACKUP_ANNOUNCE], ["udp://tracker.example.org:6969/announce"]])
    req = upload_request(no_public, "[ExampleSubs] Sample Show - 04 (1080p)")
    with pytest.raises(ChecksError) as caught:
        client.upload(req)
    assert (caught.value.fails, caught.value.warns) == ([], [WARN_PUBLIC_TRACKER])
    assert len(site.torrents) == 3  # nothing stored
    torrent_id = client.upload({**req, "ignore_warnings": True})
    assert site.torrents[torrent_id].infohash == no_public.infohash


@covers("upload")
def test_upload_batch_needs_a_newer_site(client: NekoClient, site: Site,
                                         tmp_path: Path) -> None:
    built = build(tmp_path, "[ExampleSubs] Sample Show (01-12) (1080p)")
    req = upload_request(built, "[ExampleSubs] Sample Show (01-12) (1080p)", batch=True)
    with pytest.raises(ValidationError) as caught:
        client.upload(req)
    assert caught.value.errors == [("/batch", "must NOT have additional properties")]
    assert len(site.torrents) == 3
    site.faults.quirks.newer_site = True
    torrent_id = client.upload(req)
    assert site.torrents[torrent_id].batch is True
    assert sent(site, "POST", "/upload")[-1].json["batch"] is True


@covers("upload_checks")
def test_upload_checks(client: NekoClient, site: Site) -> None:
    missing = client.upload_checks(checks_request("[ExampleSubs] Sample Show - 04 (1080p)",
                                                  [BACKUP_ANNOUNCE]))
    assert_shape(missing, models.ChecksResult)
    assert missing["warns"] == [WARN_PUBLIC_TRACKER]
    assert missing["fails"] == [FAIL_BACKUP_TRACKER]
    assert missing["upgraded_torrents"] == []
    parsed = missing["parsedData"]
    assert_shape(parsed, models.ParsedData)
    assert parsed["releaseGroup"] == DEMO_GROUP_TAG
    assert [e["id"] for e in parsed["episodes"]] == [48004]
    assert_shape(parsed["quality"], models.ParsedQuality)
    assert parsed["quality"]["resolution"] == 1080

    # Both trackers and a v2 of episode 1: clean, and it would replace episode 1.
    v2 = client.upload_checks(checks_request("[ExampleSubs] Sample Show - 01v2 (1080p)",
                                             [PUBLIC_ANNOUNCE, BACKUP_ANNOUNCE]))
    assert (v2["warns"], v2["fails"]) == ([], [])
    assert v2["upgraded_torrents"] == [{"id": SAMPLE_TORRENT_ID, "title": SAMPLE_TITLE}]
    assert v2["auto_title"] == "[ExampleSubs] Sample Show - 01v2 (1080p)"

    other_group = client.upload_checks(checks_request(
        "[OtherGroup] Another Example - 06 (1080p)", [PUBLIC_ANNOUNCE, BACKUP_ANNOUNCE]))
    assert other_group["fails"] == [
        'You need to set your Primary Group to the "Release Group" found in your title.']
    assert [r.json["title"] for r in sent(site, "PUT", "/upload/checks")] == [
        "[ExampleSubs] Sample Show - 04 (1080p)", "[ExampleSubs] Sample Show - 01v2 (1080p)",
        "[OtherGroup] Another Example - 06 (1080p)"]
    assert len(site.torrents) == 3  # checks store nothing


MEDIAINFO_TEXT = """General
Complete name                            : [ExampleSubs] Sample Show - 03 (1080p).mkv
Format                                   : Matroska

Video
ID                                       : 1
Format                                   : HEVC

Audio
ID                                       : 2
Format                                   : FLAC
Language                                 : Japanese

Text
ID                                       : 3
Format                                   : ASS
Language                                 : English
"""
MEDIAINFO_JSON = {"media": {"track": [
    {"@type": "General", "Format": "Matroska"},
    {"@type": "Video", "Format": "AVC"},
    {"@type": "Audio", "Format": "AAC", "Language": "ja"},
    {"@type": "Audio", "Format": "AAC", "Language": "en"},
    {"@type": "Text", "Format": "ASS", "Language": "en"},
]}}


@covers("extract_mediainfo", "get_langs")
def test_extract_mediainfo_answers_aliases_to_normalise(client: NekoClient, site: Site) -> None:
    codes = client.extract_mediainfo(MEDIAINFO_TEXT)
    assert_shape(codes, models.MediainfoResult)
    assert codes == {"video_codec": 2, "audio_langs": "jp", "fansub_langs": "eng",
                     "sub_langs": ""}
    convert = client.get_langs()["convert"]
    assert [convert.get(c, c) for c in codes["audio_langs"].split(",")] == ["ja"]
    assert [convert.get(c, c) for c in codes["fansub_langs"].split(",")] == ["en"]
    assert sent(site, "PUT", "/upload/mediainfo")[0].json == {"mediainfo": MEDIAINFO_TEXT}

    assert client.extract_mediainfo(MEDIAINFO_JSON) == {
        "video_codec": 1, "audio_langs": "jp,eng", "fansub_langs": "eng", "sub_langs": ""}
    assert sent(site, "PUT", "/upload/mediainfo")[1].json == {"mediainfo": MEDIAINFO_JSON}

    site.faults.quirks.lang_aliases = False
    assert client.extract_mediainfo(MEDIAINFO_TEXT)["audio_langs"] == "ja"

    with pytest.raises(ApiError) as caught:
        client.extract_mediainfo("nothing a parser could use")
    assert caught.value.status == 400
    assert "Failed to extract mediainfo text languages and codec." in str(caught.value)


# --- users -------------------------------------------------------------------------------


@covers("get_user")
def test_get_user(client: NekoClient, connect: Connect) -> None:
    me = client.get_user()
    assert_shape(me, models.User)
    assert (me["id"], me["username"], me["torrent_key"], me["permissions"]) == (
        DEMO_USER_ID, "demo", DEMO_TORRENT_KEY, 0)
    assert [g["id"] for g in me["groups"]] == [DEMO_GROUP_ID, DEMO_RAWS_GROUP_ID]
    for group in me["groups"]:
        assert_shape(group, models.UserGroupMembership)
    assert me["nyaa"] == [{"username": "DemoNyaa", "public": True}]
    assert (me["upload"], me["download"], me["can_edit"]) == ("50043", "1945", True)
    assert client.get_user(DEMO_USER_ID) == me

    seen_by_other = connect(OTHER_API_KEY).get_user(DEMO_USER_ID)
    assert_shape(seen_by_other, models.User)
    assert "torrent_key" not in seen_by_other
    assert "permissions" not in seen_by_other
    assert seen_by_other["can_edit"] is False
    with pytest.raises(NotFoundError):
        client.get_user("1")


@covers("edit_user", "download_torrent")
def test_edit_user(client: NekoClient, site: Site) -> None:
    me = site.state.users[DEMO_USER_ID]
    picture = b"\x89PNG\r\n\x1a\n not really a picture"
    assert client.edit_user(description="Now with more subs.",
                            pfp=base64.b64encode(picture).decode(),
                            nyaa_account_private="DemoNyaa") == {}
    assert me.description == "Now with more subs."
    assert me.pfp_hash == hashlib.sha1(picture, usedforsecurity=False).hexdigest()
    assert me.nyaa == [{"username": "DemoNyaa", "public": False}]

    reset = client.edit_user(reset_torrent_key=True)
    assert list(reset) == ["new_torrent_key"]
    assert reset["new_torrent_key"] == me.torrent_key != DEMO_TORRENT_KEY
    assert sent(site, "PATCH", "/users/@me")[-1].json == {"reset_torrent_key": True}
    fresh = torrent_of(client.download_torrent(SAMPLE_TORRENT_ID))
    assert fresh.trackers[0] == [private_announce(reset["new_torrent_key"])]

    with pytest.raises(ApiError) as caught:
        client.edit_user(remove_nyaa_account="NobodyOnNyaa")
    assert caught.value.status == 400
    with pytest.raises(ValueError, match="at least one field"):
        client.edit_user()

    # Revoking every key: the next call is refused with the revoked key.
    assert client.edit_user(revoke_api_keys=True) == {}
    assert me.api_keys == []
    with pytest.raises(AuthError):
        client.get_notifications()


@covers("get_user_groups")
def test_get_user_groups(client: NekoClient, connect: Connect) -> None:
    groups = client.get_user_groups()
    assert [(g["id"], g["leader"], g["upload_count"]) for g in groups] == [
        (DEMO_GROUP_ID, True, 2), (DEMO_RAWS_GROUP_ID, True, 0)]
    for group in groups:
        assert_shape(group, models.UserGroup)
        for member in group["members"]:
            assert_shape(member, models.UserGroupMember)
    assert [m["id"] for m in groups[0]["members"]] == [
        DEMO_USER_ID, ENCODER_USER_ID, TRANSLATOR_USER_ID, DEMO_INVITE_ID]
    translator = connect(None).get_user_groups(TRANSLATOR_USER_ID)  # no key needed
    assert [(g["id"], g["admin"], g["leader"]) for g in translator] == [
        (DEMO_GROUP_ID, False, False), (OTHER_GROUP_ID, False, False)]


@covers("get_notifications", "mark_notifications_read")
def test_notifications_read_some_then_all(client: NekoClient, site: Site) -> None:
    notes = client.get_notifications()
    assert notes == site.state.users[DEMO_USER_ID].notifications
    for note in notes:
        assert_shape(note, models.Notification)
    assert [(n["id"], n["seen"]) for n in notes] == [
        ("1300000000000009001", True), ("1300000000000009002", False)]

    after = client.mark_notifications_read(["1300000000000009002"])
    assert [n["seen"] for n in after] == [True, True]
    assert [n["seen"] for n in site.state.users[DEMO_USER_ID].notifications] == [True, True]
    for stored in site.state.users[DEMO_USER_ID].notifications:
        stored["seen"] = False
    assert [n["seen"] for n in client.mark_notifications_read("all")] == [True, True]
    assert [r.json for r in sent(site, "PUT", "/users/@me/notifications/read")] == [
        {"ids": ["1300000000000009002"]}, {"ids": "all"}]
    count = len(site.requests)
    with pytest.raises(ValueError, match="must be a list or 'all'"):
        client.mark_notifications_read("1300000000000009002")
    assert len(site.requests) == count
    with pytest.raises(ForbiddenError):  # someone else's notifications
        client.get_notifications(OTHER_USER_ID)


@covers("get_user_peers")
def test_get_user_peers(client: NekoClient, site: Site) -> None:
    peers = client.get_user_peers()
    assert [p["torrent_id"] for p in peers] == [SAMPLE_TORRENT_ID]
    assert_shape(peers[0], models.UserPeer)
    assert peers[0]["torrent_infohash"] == site.torrents[SAMPLE_TORRENT_ID].infohash
    assert peers[0]["torrent_title"] == SAMPLE_TITLE
    [peer] = peers[0]["peers"]
    assert_shape(peer, models.Peer)
    assert (peer["ip"], peer["port"]) == ("127.0.0.1", 58071)


@covers("search_users")
def test_search_users_matches_exact_usernames(client: NekoClient, connect: Connect,
                                              site: Site) -> None:
    found = client.search_users("Demo")
    assert_shape(found, models.UserSearchResult)
    assert found == {"more": False, "results": [
        {"id": DEMO_USER_ID, "username": "demo", "display_name": "Demo Uploader",
         "pfp_hash": None}]}
    assert_shape(found["results"][0], models.UserSummary)
    assert client.search_users("dem")["results"] == []
    assert sent(site, "GET", "/users/search")[0].query == {"query": "Demo"}
    with pytest.raises(AuthError):  # the reference marks it "Auth Required"
        connect(None).search_users("demo")


@covers("close")
def test_close_sends_nothing_more(connect: Connect, site: Site) -> None:
    client = connect()
    assert client.get_stats()["users"]["total"] == 4
    client.close()
    client.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        client.get_stats()
    assert len(site.requests) == 1
    with NekoClient(BASE, Secret(DEMO_API_KEY), transport=site.transport()) as scoped:
        assert scoped.get_langs()["langs"]["ja"]["code"] == "ja"
    with pytest.raises(RuntimeError, match="closed"):
        scoped.get_langs()


# --- errors, end to end through the sandbox ----------------------------------------------


@covers("get_user")
def test_wrong_key_is_an_auth_error_never_retried(connect: Connect, site: Site,
                                                  sleeps: list[float]) -> None:
    wrong = "nekobt-sandbox-wrong-key-0000"
    with pytest.raises(AuthError) as caught:
        connect(wrong).get_user()
    assert caught.value.status == 401
    assert "the API key was refused (401 Unauthorized.)" in str(caught.value)
    assert wrong not in str(caught.value)
    assert (len(site.requests), sleeps) == (1, [])
    with pytest.raises(AuthError) as caught:
        connect(None).get_user()
    assert "the site wants an API key" in str(caught.value)


@covers("check_key")
def test_check_key(connect: Connect, site: Site, sleeps: list[float]) -> None:
    me = connect().check_key()
    assert (me["id"], me["username"]) == (DEMO_USER_ID, "demo")
    with pytest.raises(AuthError) as caught:
        connect("nekobt-sandbox-wrong-key-0000").check_key()
    assert (caught.value.exit_code, caught.value.status) == (3, 401)
    assert [(r.method, r.path) for r in site.requests] == [("GET", "/users/@me")] * 2
    assert sleeps == []


@covers("get_torrent", "get_group")
def test_not_found(client: NekoClient, site: Site) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_torrent("1")
    assert (caught.value.status, caught.value.method, caught.value.path) == (
        404, "GET", "/torrents/1")
    assert caught.value.payload == {"error": True, "message": "Torrent not found."}
    with pytest.raises(NotFoundError, match="Group not found"):
        client.get_group("1")
    assert len(site.requests) == 2  # 404s are not retried


@covers("edit_torrent")
def test_forbidden_edit_changes_nothing(client: NekoClient, site: Site) -> None:
    with pytest.raises(ForbiddenError) as caught:
        client.edit_torrent(OTHER_TORRENT_ID, {"title": "[OtherGroup] Mine now - 05"})
    assert caught.value.status == 403
    assert "You do not have permission to edit this torrent." in str(caught.value)
    assert site.torrents[OTHER_TORRENT_ID].title == OTHER_TITLE


@covers("upload", "get_torrent", "find_by_infohash", "download_torrent", "edit_torrent",
        "bulk_download")
def test_waiting_for_approval_is_hidden_with_403(client: NekoClient, site: Site,
                                                 tmp_path: Path) -> None:
    site.faults.quirks.waiting_approve = True
    built = build(tmp_path)
    torrent_id = client.upload(upload_request(built))
    assert site.torrents[torrent_id].waiting_approve is True
    with pytest.raises(ForbiddenError) as caught:
        client.get_torrent(torrent_id)
    assert caught.value.payload == {"error": True, "message": "Torrent is waiting for approval."}
    with pytest.raises(ForbiddenError):
        client.download_torrent(torrent_id)
    assert client.find_by_infohash(built.infohash) is None
    only_visible = zip_members(client.bulk_download([torrent_id, SAMPLE_TORRENT_ID]))
    assert list(only_visible) == [f"{SAMPLE_TITLE}.torrent"]
    client.edit_torrent(torrent_id, {"description": "Still waiting."})  # the uploader may edit
    assert site.torrents[torrent_id].description == "Still waiting."


@covers("upload_checks", "search_groups")
def test_validation_errors_name_the_fields(client: NekoClient, site: Site) -> None:
    req = checks_request(SAMPLE_TITLE, [PUBLIC_ANNOUNCE, BACKUP_ANNOUNCE])
    no_name = {**req, "primary_group": {"id": DEMO_GROUP_ID, "tag": DEMO_GROUP_TAG,
                                        "members": [{"id": DEMO_USER_ID, "role": "Encode"}]}}
    with pytest.raises(ValidationError) as caught:
        client.upload_checks(cast(ChecksRequest, no_name))
    assert caught.value.status == 400
    assert caught.value.errors == [("/primary_group/members/0/display_name",
                                    "must have required property 'display_name'")]

    long_role = {**req, "primary_group": {"id": DEMO_GROUP_ID, "tag": DEMO_GROUP_TAG,
                                          "members": [{"id": DEMO_USER_ID, "role": "x" * 65,
                                                       "display_name": ""}]}}
    with pytest.raises(ValidationError) as caught:
        client.upload_checks(cast(ChecksRequest, long_role))
    assert caught.value.errors == [("/primary_group/members/0/role",
                                    "must NOT have more than 64 characters")]
    assert "/primary_group/members/0/role" in str(caught.value)

    with pytest.raises(ValidationError) as caught:
        client.search_groups(limit=500)
    assert caught.value.errors == [("/limit", "must be <= 100")]
    assert len(site.requests) == 3  # 400s are not retried


@covers("bulk_edit", "edit_torrent")
def test_checks_errors_from_edits(client: NekoClient, site: Site) -> None:
    with pytest.raises(ChecksError) as caught:
        client.bulk_edit([SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID], {"audio_lang": "ja,xx"})
    assert (caught.value.status, caught.value.fails, caught.value.bad_torrents) == (
        400, ['Invalid audio language: "xx".'], [])
    with pytest.raises(ChecksError) as caught:
        client.edit_torrent(SAMPLE_TORRENT_ID, {"primary_group": {
            "id": OTHER_GROUP_ID, "members": []}})
    assert caught.value.fails == ["You must be an admin of the Primary Group to upload for it."]
    assert site.torrents[SAMPLE_TORRENT_ID].audio_lang == "ja"
    primary = site.torrents[SAMPLE_TORRENT_ID].primary_group
    assert primary is not None
    assert primary["id"] == DEMO_GROUP_ID


@covers("get_stats")
def test_429_json_waits_what_the_site_says(client: NekoClient, site: Site,
                                           sleeps: list[float]) -> None:
    site.faults.rate_limit_json(2, retry_after=1.5)
    assert client.get_stats()["torrents"]["total"] == 3
    assert [r.fault for r in sent(site, "GET", "/stats")] == [
        "rate-limit-json", "rate-limit-json", None]
    assert sleeps == [1.5, 1.5]


@covers("get_torrent")
def test_429_cloudflare_page_waits_the_retry_after_header(
        client: NekoClient, site: Site, sleeps: list[float]) -> None:
    site.faults.rate_limit_html(1, retry_after=7)
    assert client.get_torrent(SAMPLE_TORRENT_ID)["id"] == SAMPLE_TORRENT_ID
    assert [r.fault for r in site.requests] == ["rate-limit-html", None]
    assert sleeps == [7.0]


@covers("search_torrents")
def test_429_wait_is_capped_and_attempts_bounded(connect: Connect, site: Site,
                                                 sleeps: list[float]) -> None:
    client = connect(max_attempts=3, max_wait=20.0)
    site.faults.rate_limit_json(3, retry_after=500)
    with pytest.raises(RateLimitedError) as caught:
        client.search_torrents("sample")
    assert (caught.value.status, caught.value.retry_after) == (429, 500.0)
    assert len(site.requests) == 3
    assert sleeps == [20.0, 20.0]


@covers("get_group")
def test_5xx_is_retried_with_growing_backoff(client: NekoClient, site: Site,
                                             sleeps: list[float]) -> None:
    site.faults.server_error(2)
    site.faults.server_error(1, json=True)
    assert client.get_group(DEMO_GROUP_ID)["id"] == DEMO_GROUP_ID
    assert [r.fault for r in site.requests] == [
        "server-error", "server-error", "server-error-json", None]
    assert len(sleeps) == 3
    for wait, (low, high) in zip(sleeps, [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0)], strict=True):
        assert low <= wait <= high


@covers("get_comments")
def test_5xx_gives_up_after_max_attempts(connect: Connect, site: Site,
                                         sleeps: list[float]) -> None:
    client = connect(max_attempts=3)
    site.faults.server_error(5)
    with pytest.raises(ServerError) as caught:
        client.get_comments(SAMPLE_TORRENT_ID)
    assert caught.value.status == 500
    assert caught.value.payload is None  # an HTML page, reported without crashing
    assert len(site.requests) == 3
    assert len(sleeps) == 2


@covers("edit_torrent")
def test_edits_are_retried_and_applied_once(client: NekoClient, site: Site,
                                            sleeps: list[float]) -> None:
    site.faults.server_error(1, method="PATCH")
    client.edit_torrent(SAMPLE_TORRENT_ID, {"description": "Retried."})
    assert [r.fault for r in site.requests] == ["server-error", None]
    assert site.torrents[SAMPLE_TORRENT_ID].description == "Retried."
    assert len(sleeps) == 1


@covers("upload")
def test_upload_is_never_retried(client: NekoClient, site: Site, sleeps: list[float],
                                 tmp_path: Path) -> None:
    built = build(tmp_path)
    site.faults.server_error(1, method="POST", path="/upload")
    with pytest.raises(ServerError):
        client.upload(upload_request(built))
    site.faults.rate_limit_json(1, retry_after=3, method="POST", path="/upload")
    with pytest.raises(RateLimitedError) as caught:
        client.upload(upload_request(built))
    assert caught.value.retry_after == 3.0
    assert (len(sent(site, "POST", "/upload")), sleeps, len(site.torrents)) == (2, [], 3)


@covers("upload", "find_by_infohash")
def test_dropped_upload_answer_is_found_by_infohash(client: NekoClient, site: Site,
                                                    sleeps: list[float],
                                                    tmp_path: Path) -> None:
    built = build(tmp_path)
    site.faults.drop(1, method="POST", path="/upload")
    with pytest.raises(TransportError) as caught:
        client.upload(upload_request(built))
    assert caught.value.sent is True
    assert "the request may have reached the site" in str(caught.value)
    assert (len(sent(site, "POST", "/upload")), sleeps) == (1, [])
    found = client.find_by_infohash(built.infohash)
    assert found is not None
    assert site.torrents[found].infohash == built.infohash
