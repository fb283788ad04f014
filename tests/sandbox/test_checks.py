"""`PUT /upload/checks`: every rule with its exact text, parsedData, upgraded_torrents."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import BACKUP, b64, checks_body
from uploader.sandbox import (
    DEMO_GROUP_ID,
    DEMO_GROUP_TAG,
    DEMO_TORRENT_KEY,
    OTHER_GROUP_ID,
    SAMPLE_TORRENT_02_ID,
    SAMPLE_TORRENT_ID,
    Site,
)
from uploader.sandbox.checks import (
    FAIL_BACKUP_TRACKER,
    FAIL_NO_SUBS_WITH_FANSUBS,
    FAIL_PRIVATE_ANNOUNCE,
    FAIL_RELEASE_GROUP,
    WARN_NO_AUDIO,
    WARN_PUBLIC_TRACKER,
    fail_wrong_tag,
)
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE


def check(client: httpx.Client, **changes: object) -> dict[str, object]:
    r = client.put("/upload/checks", json=checks_body(**changes))
    assert r.status_code == 200, r.text
    data: dict[str, object] = r.json()["data"]
    return data


def test_rule_texts_are_the_documented_ones() -> None:
    assert FAIL_BACKUP_TRACKER == "Torrents must have at least one backup tracker."
    assert FAIL_RELEASE_GROUP == (
        "You need to set your Primary Group to the \"Release Group\" found in your title.")
    assert FAIL_NO_SUBS_WITH_FANSUBS == (
        "You have set sub level to \"no subs\", but you have added fansub languages.")
    assert WARN_PUBLIC_TRACKER == (
        "You have not included our public tracker URL in your torrent. If you plan to upload "
        "this torrent to other sites, you should make sure you include it.")
    assert WARN_NO_AUDIO == (
        "You have not added any audio languages, please make sure to include them if you have "
        "any audio tracks.")


def test_clean_release_passes(client: httpx.Client) -> None:
    data = check(client)
    assert data["fails"] == []
    assert data["warns"] == []
    assert data["auto_title"] == "[ExampleSubs] Sample Show - 03 (1080p)"
    assert data["parsedData"] == {
        "media": {"torrentTitle": "Sample Show", "releaseTokens": " (1080p)",
                  "title": "Sample Show", "genres": ["Animation", "Anime", "Comedy"],
                  "id": 1001},
        "episodes": [{"id": 48003, "title": "Sample Show Episode 3", "season": 1,
                      "episode": 3, "absolute": 3}],
        "quality": {"id": 0, "name": "Unknown-1080p", "source": "unknown",
                    "resolution": 1080, "version": 1},
        "releaseGroup": "ExampleSubs",
    }


def test_one_tracker_fails_and_no_public_tracker_warns(client: httpx.Client) -> None:
    data = check(client, announce_urls=[BACKUP], raw_announce_urls=[[BACKUP]])
    assert data["fails"] == [FAIL_BACKUP_TRACKER]
    assert data["warns"] == [WARN_PUBLIC_TRACKER]


def test_trackers_are_counted_across_both_lists_without_duplicates(client: httpx.Client) -> None:
    only_raw = check(client, announce_urls=[], raw_announce_urls=[[PUBLIC_ANNOUNCE], [BACKUP]])
    assert only_raw["fails"] == []
    same_twice = check(client, announce_urls=[PUBLIC_ANNOUNCE],
                       raw_announce_urls=[[PUBLIC_ANNOUNCE]])
    assert same_twice["fails"] == [FAIL_BACKUP_TRACKER]


def test_private_announce_fails(client: httpx.Client) -> None:
    private = f"https://tracker.nekobt.to/api/tracker/{DEMO_TORRENT_KEY}/announce"
    data = check(client, announce_urls=[private, BACKUP], raw_announce_urls=[[private], [BACKUP]])
    assert data["fails"] == [FAIL_PRIVATE_ANNOUNCE]
    assert data["warns"] == [WARN_PUBLIC_TRACKER]


def test_no_audio_languages_warns(client: httpx.Client) -> None:
    assert check(client, audio_langs="")["warns"] == [WARN_NO_AUDIO]


def test_release_group_must_be_the_primary_group(client: httpx.Client) -> None:
    data = check(client, title="[SomeoneElse] Sample Show - 03 (1080p)")
    assert data["fails"] == [FAIL_RELEASE_GROUP]
    no_group = checks_body()
    del no_group["primary_group"]
    r = client.put("/upload/checks", json=no_group).json()["data"]
    assert r["fails"] == [FAIL_RELEASE_GROUP]
    lower = check(client, title="[examplesubs] Sample Show - 03 (1080p)")
    assert lower["fails"] == []


@pytest.mark.parametrize("tag", ["ExampleSubs", "examplesubs", "EXAMPLESUBS"])
def test_primary_group_tag_is_the_groups_tag_in_any_case(client: httpx.Client, tag: str) -> None:
    group = {"id": DEMO_GROUP_ID, "tag": tag, "members": []}
    assert check(client, primary_group=group)["fails"] == []


def test_primary_group_tag_that_is_not_the_groups_fails(client: httpx.Client) -> None:
    wrong = check(client, primary_group={"id": DEMO_GROUP_ID, "tag": "OtherGroup",
                                         "members": []})
    assert wrong["fails"] == [fail_wrong_tag("OtherGroup", DEMO_GROUP_TAG)]
    assert fail_wrong_tag("OtherGroup", DEMO_GROUP_TAG) == (
        'Primary Group tag "OtherGroup" does not match the group\'s tag "ExampleSubs".')
    # The release-group rule still reads the title: a title of another group fails both ways.
    both = check(client, title="[OtherGroup] Sample Show - 03 (1080p)",
                 primary_group={"id": DEMO_GROUP_ID, "tag": "OtherGroup", "members": []})
    assert both["fails"] == [FAIL_RELEASE_GROUP, fail_wrong_tag("OtherGroup", DEMO_GROUP_TAG)]
    # A tag with surrounding spaces is not the tag (no trimming, like a strict server).
    spaced = check(client, primary_group={"id": DEMO_GROUP_ID, "tag": " ExampleSubs",
                                          "members": []})
    assert spaced["fails"] == [fail_wrong_tag(" ExampleSubs", DEMO_GROUP_TAG)]


def test_group_the_user_does_not_administer_fails(client: httpx.Client) -> None:
    data = check(client, title="[OtherGroup] Sample Show - 03 (1080p)",
                 primary_group={"id": OTHER_GROUP_ID, "tag": "OtherGroup", "members": []})
    assert data["fails"] == ["You must be an admin of the Primary Group to upload for it."]


def test_level_minus_one_with_fansubs_fails(client: httpx.Client) -> None:
    assert check(client, level=-1)["fails"] == [FAIL_NO_SUBS_WITH_FANSUBS]
    assert check(client, level=-1, fansub_langs="")["fails"] == []
    assert check(client, level=None)["fails"] == []


def test_unknown_language_codes_fail_and_aliases_pass(client: httpx.Client) -> None:
    data = check(client, audio_langs="ja,xx", sub_langs="klingon", fansub_langs="en")
    assert data["fails"] == ['Invalid audio language: "xx".',
                             'Invalid subtitle language: "klingon".']
    assert check(client, audio_langs="jp", fansub_langs="eng,en-jp,es")["fails"] == []


def test_members_must_belong_to_the_group(client: httpx.Client) -> None:
    members = [{"id": "999", "role": "TS", "display_name": ""},
               {"id": None, "role": "QC", "display_name": ""},
               {"id": None, "role": "QC", "display_name": "Translator"}]
    data = check(client, primary_group={"id": DEMO_GROUP_ID, "tag": "ExampleSubs",
                                        "members": members})
    assert data["fails"] == ['Member "999" is not part of the Primary Group.',
                             "New members need a display name.",
                             'Display name ("Translator") already taken.']


def test_v2_of_an_episode_lists_the_v1_as_upgraded(client: httpx.Client) -> None:
    data = check(client, title="[ExampleSubs] Sample Show - 01v2 (1080p)")
    assert data["upgraded_torrents"] == [
        {"id": SAMPLE_TORRENT_ID, "title": "[ExampleSubs] Sample Show - 01 (1080p)"}]
    assert data["parsedData"]["quality"]["version"] == 2  # type: ignore[index]


def test_batch_lists_every_covered_episode(client: httpx.Client, site: Site) -> None:
    data = check(client, title="[ExampleSubs] Sample Show - 01-12 (1080p)")
    assert [t["id"] for t in data["upgraded_torrents"]] == [  # type: ignore[attr-defined]
        SAMPLE_TORRENT_ID, SAMPLE_TORRENT_02_ID]
    assert len(data["parsedData"]["episodes"]) == 12  # type: ignore[index]
    site.faults.quirks.newer_site = True  # the `batch` flag changes nothing in the answer
    assert check(client, title="[ExampleSubs] Sample Show - 01-12 (1080p)", batch=True) == data


@pytest.mark.parametrize("title", [
    "[ExampleSubs] Sample Show - 03 (1080p)",      # a new episode replaces nothing
    "[ExampleSubs] Sample Show - 01 (1080p)",      # same version again
    "[ExampleSubs] Sample Show - 01v2 (720p)",     # another resolution
    "[ExampleSubs] Another Example - 05v2 (1080p)",  # OtherGroup's episode
])
def test_no_upgrade_without_a_better_release_of_the_same_group(client: httpx.Client,
                                                               title: str) -> None:
    assert check(client, title=title)["upgraded_torrents"] == []


def test_already_upgraded_torrents_are_not_listed_again(client: httpx.Client, site) -> None:
    site.torrents[SAMPLE_TORRENT_ID].upgraded = SAMPLE_TORRENT_02_ID
    assert check(client, title="[ExampleSubs] Sample Show - 01v2 (1080p)")[
        "upgraded_torrents"] == []


def _torrent_instead_of_files(torrent: str) -> dict[str, object]:
    body = checks_body(torrent=torrent)
    for key in ("files", "announce_urls", "raw_announce_urls"):
        del body[key]
    return body


MISSING_FILES = {
    "error": True,
    "message": "Data provided was invalid: must have required property 'files'.",
    "validate_errors": [{
        "instancePath": "", "schemaPath": "#/required", "keyword": "required",
        "params": {"missingProperty": "files"}, "message": "must have required property 'files'",
    }],
}


def test_checks_require_files_and_refuse_the_torrent(client: httpx.Client, make_torrent) -> None:
    torrent = b64(make_torrent())
    missing = client.put("/upload/checks", json=_torrent_instead_of_files(torrent))
    assert (missing.status_code, missing.json()) == (400, MISSING_FILES)
    both = client.put("/upload/checks", json=checks_body(torrent=torrent))
    assert both.status_code == 400
    assert both.json()["validate_errors"] == [{
        "instancePath": "", "schemaPath": "#/additionalProperties",
        "keyword": "additionalProperties", "params": {"additionalProperty": "torrent"},
        "message": "must NOT have additional properties"}]


def test_newer_site_checks_take_the_torrent_instead_of_files(client: httpx.Client, site: Site,
                                                             make_torrent) -> None:
    site.faults.quirks.newer_site = True
    body = _torrent_instead_of_files(b64(make_torrent(trackers=[BACKUP])))
    data = client.put("/upload/checks", json=body).json()["data"]
    assert data["fails"] == [FAIL_BACKUP_TRACKER]
    assert data["warns"] == [WARN_PUBLIC_TRACKER]
    assert client.put("/upload/checks", json=checks_body()).json()["data"]["fails"] == []
    del body["torrent"]
    missing = client.put("/upload/checks", json=body)
    assert (missing.status_code, missing.json()) == (400, MISSING_FILES)
    bad = client.put("/upload/checks", json={**body, "torrent": "bm90IGEgdG9ycmVudA=="})
    assert (bad.status_code, bad.json()) == (400, {"error": True,
                                                   "message": "Invalid torrent file."})


def test_unknown_media_parses_without_media(client: httpx.Client) -> None:
    data = check(client, title="[ExampleSubs] Unknown Show - 04 (720p) [WEB]")
    assert data["parsedData"]["media"] is None  # type: ignore[index]
    assert data["parsedData"]["episodes"] == []  # type: ignore[index]
    assert data["parsedData"]["quality"] == {  # type: ignore[index]
        "id": 5, "name": "WEBDL-720p", "source": "web", "resolution": 720, "version": 1}
