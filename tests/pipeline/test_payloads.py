"""Request bodies carry exactly the fields the reference documents for each endpoint."""

from __future__ import annotations

import base64
import json

from uploader.payloads import Member, ReleaseMeta, SecondaryGroup, checks_body, upload_body

META = ReleaseMeta(
    title="[ExampleSubs] Show - 01 (1080p)", description="Encoded by ExampleSubs.",
    group_id="1234567890123456789", group_tag="ExampleSubs",
    members=(Member(role="Translation", id="111"),
             Member(role="Typesetting", display_name="NewTS")),
    secondary_groups=(SecondaryGroup("222", "Encode"), SecondaryGroup("333")),
    level=3, video_type=8, video_codec=None, audio_langs=("ja", "ja", "en"),
    sub_langs=(), fansub_langs=("en",), mediainfo="General\n...",
)
TIERS = [["https://tracker.nekobt.to/api/tracker/public/announce"],
         ["udp://tracker.opentrackr.org:1337/announce", "udp://open.demonii.com:1337/announce"]]

CHECKS_FIELDS = {"title", "movie", "files", "video_type", "video_codec", "level", "mtl", "otl",
                 "hardsub", "primary_group", "audio_langs", "sub_langs", "fansub_langs",
                 "announce_urls", "raw_announce_urls"}
UPLOAD_FIELDS = {"torrent", "title", "movie", "category", "video_type", "video_codec", "level",
                 "mtl", "anonymous", "hidden", "otl", "hardsub", "primary_group",
                 "secondary_groups", "audio_langs", "sub_langs", "fansub_langs", "description",
                 "mediainfo", "ignore_warnings"}


def test_checks_body_fields_and_values() -> None:
    body = checks_body(META, ["a/b.mkv"], TIERS)
    assert set(body) == CHECKS_FIELDS
    assert body["files"] == [{"path": "a/b.mkv"}]
    assert body["primary_group"] == {
        "id": "1234567890123456789", "tag": "ExampleSubs",
        "members": [{"id": "111", "role": "Translation", "display_name": ""},
                    {"id": None, "role": "Typesetting", "display_name": "NewTS"}]}
    assert body["audio_langs"] == "ja,en"
    assert body["sub_langs"] == ""
    assert body["announce_urls"] == [u for t in TIERS for u in t]
    assert body["raw_announce_urls"] == TIERS
    assert body["level"] == 3
    assert body["video_codec"] is None


def test_upload_body_fields_types_and_torrent() -> None:
    body = upload_body(META, b"d4:infod4:name1:aee", ignore_warnings=True)
    assert set(body) == UPLOAD_FIELDS
    assert base64.b64decode(body["torrent"]) == b"d4:infod4:name1:aee"
    assert body["category"] == 1
    assert isinstance(body["level"], int)
    assert body["secondary_groups"] == [{"id": "222", "role": "Encode"},
                                        {"id": "333", "role": None}]
    assert "tag" not in body["primary_group"]
    assert body["ignore_warnings"] is True
    assert json.loads(json.dumps(body)) == body


def test_optional_fields_only_when_set() -> None:
    plain = ReleaseMeta(title="t", description="", group_id="1", group_tag="G")
    body = upload_body(plain, b"x", ignore_warnings=False)
    assert "mediainfo" not in body
    assert "ignore_warnings" not in body
    assert "batch" not in body
    assert "batch" not in checks_body(plain, [], TIERS)
    batch = ReleaseMeta(title="t", description="", group_id="1", group_tag="G", batch=True)
    assert upload_body(batch, b"x", ignore_warnings=False)["batch"] is True
    assert checks_body(batch, [], TIERS)["batch"] is True
