"""`--online` checks: against the sandbox site in-process, and a fake client for the rest."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from profile_helpers import MINIMAL

from uploader.api import NekoClient
from uploader.exceptions import AuthError, NotFoundError
from uploader.languages import Languages
from uploader.profiles import Profile, load_profile, load_profile_text
from uploader.profiles.online import OnlineChecker, check_online
from uploader.sandbox import DEMO_GROUP_ID, OTHER_GROUP_ID, Site
from uploader.secret import Secret

REPO = Path(__file__).resolve().parents[2]
URL = "https://nekobt.to/api/v1"


@pytest.fixture
def client() -> Iterator[NekoClient]:
    site = Site.demo()
    with NekoClient(URL, Secret(site.api_key), transport=site.transport(),
                    min_interval=0.0) as c:
        yield c


def profile_for(tmp_path: Path, group_id: str, tag: str, extra: str = "") -> Profile:
    text = MINIMAL.replace('"1234567890"', f'"{group_id}"').replace("ExampleSubs", tag) + extra
    return load_profile_text(text, tmp_path / "p.yaml")


@pytest.mark.parametrize("name", ["examplesubs", "examplesubs-raws"])
def test_example_profiles_pass_against_the_sandbox(client: NekoClient, name: str) -> None:
    profile = load_profile(REPO / "profiles" / f"{name}.yaml")
    assert check_online(profile, client) == ([], [])


def test_unknown_group(client: NekoClient, tmp_path: Path) -> None:
    errors, _ = check_online(profile_for(tmp_path, "999", "Nobody"), client)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'p.yaml'}:1:13: group.id: no group 999 on the site — check the ID in "
        "the group's page address"]


def test_tag_differs_from_the_site(client: NekoClient, tmp_path: Path) -> None:
    errors, _ = check_online(profile_for(tmp_path, DEMO_GROUP_ID, "ExSubs"), client)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'p.yaml'}:1:41: group.tag: the site's group {DEMO_GROUP_ID} has the tag "
        "'ExampleSubs', not 'ExSubs' — titles must carry the group's tag"]


def test_group_the_user_cannot_upload_for(client: NekoClient, tmp_path: Path) -> None:
    errors, _ = check_online(profile_for(tmp_path, OTHER_GROUP_ID, "OtherGroup"), client)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'p.yaml'}:1:13: group.id: your account (demo) is not a member of Other "
        "Group — only its leader or an admin may upload for it"]


def test_unknown_member_and_bad_secondary_are_errors(client: NekoClient,
                                                     tmp_path: Path) -> None:
    # Issue 10: an id that is neither a member nor an invite fails the site's checks, so it
    # is an error now (it was a warning).
    extra = ('members:\n  - {id: "1300000000000000002", role: Encode}\n'
             '  - {id: "42", role: QC}\n'
             'secondary_groups:\n  - {id: "43"}\n')
    errors, warnings = check_online(profile_for(tmp_path, DEMO_GROUP_ID, "ExampleSubs", extra),
                                    client)
    path = tmp_path / "p.yaml"
    assert [str(e) for e in errors] == [
        f"{path}:7:10: members[1].id: '42' is neither a member nor a pending invite of Example "
        "Subs on the site — check the id on the group's page, or credit a new person with a "
        "display_name instead of an id",
        f"{path}:9:10: secondary_groups[0].id: no group 43 on the site — check the ID in the "
        "group's page address"]
    assert warnings == []


def test_language_the_site_does_not_list(client: NekoClient, tmp_path: Path) -> None:
    # A code from a stale snapshot: the offline table knows "xq", the site does not.
    offline = Languages({"ja": "Japanese", "en": "English", "xq": "Gone"}, {})
    text = (MINIMAL.replace('"1234567890"', f'"{DEMO_GROUP_ID}"')
            + "languages: {audio: [ja, xq]}\n")
    profile = load_profile_text(text, tmp_path / "p.yaml", languages=offline)
    errors, _ = check_online(profile, client)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'p.yaml'}:5:20: languages.audio: 'xq' is not one of the site's languages "
        "(GET /langs) — use a code the site lists"]


class FakeClient:
    """The edge, for what the demo site has no account for: a plain member's key."""

    def __init__(self, membership: Mapping[str, Any] | None) -> None:
        self.membership = membership
        self.calls: list[str] = []

    def get_group(self, group_id: str, /) -> Mapping[str, Any]:
        self.calls.append(f"group {group_id}")
        if group_id != "1234567890":
            raise NotFoundError("Group not found.", status=404)
        return {"id": group_id, "tag": "examplesubs", "display_tag": "ExampleSubs",
                "display_name": "Example", "members": [{"id": "7"}]}

    def get_user(self, user_id: str = "@me", /) -> Mapping[str, Any]:
        self.calls.append("user")
        return {"id": "7", "username": "typesetter"}

    def get_user_groups(self, user_id: str = "@me", /) -> Sequence[Mapping[str, Any]]:
        self.calls.append("groups")
        return [self.membership] if self.membership else []

    def get_langs(self) -> Mapping[str, Any]:
        self.calls.append("langs")
        return {"langs": {"ja": {"name": "Japanese"}, "en": {"name": "English"}},
                "convert": {}}


def test_plain_member_may_not_upload(tmp_path: Path) -> None:
    member = {"id": "1234567890", "leader": False, "admin": False, "regular": True}
    errors, _ = check_online(load_profile_text(MINIMAL, tmp_path / "p.yaml"),
                             FakeClient(member))
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'p.yaml'}:1:13: group.id: your account (typesetter) is a member of "
        "Example but not its leader or an admin — ask the leader to make you an admin"]
    admin = {**member, "admin": True}
    assert check_online(load_profile_text(MINIMAL, tmp_path / "p.yaml"),
                        FakeClient(admin)) == ([], [])


def test_user_groups_and_langs_are_fetched_once_for_many_profiles(tmp_path: Path) -> None:
    fake = FakeClient({"id": "1234567890", "leader": True, "admin": True})
    checker = OnlineChecker(fake)
    for name in ("a", "b", "c"):
        assert checker.check(load_profile_text(MINIMAL, tmp_path / f"{name}.yaml")) == ([], [])
    assert fake.calls.count("user") == 1
    assert fake.calls.count("groups") == 1
    assert fake.calls.count("langs") == 1
    assert fake.calls.count("group 1234567890") == 3


def test_refused_key_propagates(tmp_path: Path) -> None:
    site = Site.demo()
    with NekoClient(URL, Secret("wrong"), transport=site.transport(), min_interval=0.0) as c, \
            pytest.raises(AuthError):
        check_online(load_profile_text(MINIMAL.replace('"1234567890"', f'"{DEMO_GROUP_ID}"'),
                                       tmp_path / "p.yaml"), c)
