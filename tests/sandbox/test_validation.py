"""Request validation answers exactly like the reference's `validate_errors` examples."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import checks_body, upload_body
from uploader.sandbox import DEMO_GROUP_ID, SAMPLE_TORRENT_ID, Site


def test_missing_required_query_parameter_matches_reference(client: httpx.Client) -> None:
    r = client.get("/users/search")
    assert r.status_code == 400
    assert r.json() == {
        "error": True,
        "message": "Data provided was invalid: must have required property 'query'.",
        "validate_errors": [{
            "instancePath": "", "schemaPath": "#/required", "keyword": "required",
            "params": {"missingProperty": "query"},
            "message": "must have required property 'query'",
        }],
    }


def test_limit_over_maximum_matches_reference(anon: httpx.Client) -> None:
    r = anon.get("/groups/search", params={"limit": 101})
    assert r.status_code == 400
    assert r.json() == {
        "error": True,
        "message": "Data provided was invalid: 'limit' must be <= 100.",
        "validate_errors": [{
            "instancePath": "/limit", "schemaPath": "#/properties/limit/maximum",
            "keyword": "maximum", "params": {"comparison": "<=", "limit": 100},
            "message": "must be <= 100",
        }],
    }


def test_offset_below_minimum_and_wrong_type(anon: httpx.Client) -> None:
    below = anon.get("/torrents/search", params={"offset": -1}).json()
    assert below["message"] == "Data provided was invalid: 'offset' must be >= 0."
    assert below["validate_errors"][0]["params"] == {"comparison": ">=", "limit": 0}
    wrong = anon.get("/torrents/search", params={"offset": "abc"}).json()
    assert wrong == {
        "error": True,
        "message": "Data provided was invalid: 'offset' must be integer.",
        "validate_errors": [{
            "instancePath": "/offset", "schemaPath": "#/properties/offset/type",
            "keyword": "type", "params": {"type": "integer"}, "message": "must be integer",
        }],
    }


def test_query_strings_are_coerced_like_ajv(anon: httpx.Client) -> None:
    r = anon.get("/torrents/search", params={"limit": "1", "hardsub": "false"})
    assert r.status_code == 200
    assert r.json()["data"]["search"]["limit"] == 1
    bad_bool = anon.get("/torrents/search", params={"hardsub": "yes"}).json()
    assert bad_bool["validate_errors"][0]["keyword"] == "type"
    assert bad_bool["validate_errors"][0]["params"] == {"type": "boolean"}


def test_unknown_upload_field_is_rejected(client: httpx.Client, make_torrent) -> None:
    body = upload_body(make_torrent(), nonsense=True)
    r = client.post("/upload", json=body)
    assert r.status_code == 400
    assert r.json() == {
        "error": True,
        "message": "Data provided was invalid: must NOT have additional properties.",
        "validate_errors": [{
            "instancePath": "", "schemaPath": "#/additionalProperties",
            "keyword": "additionalProperties", "params": {"additionalProperty": "nonsense"},
            "message": "must NOT have additional properties",
        }],
    }


@pytest.mark.parametrize(("field", "value", "error"), [
    ("category", "1", ("/category", "#/properties/category/type", "type",
                       {"type": "number"}, "must be number")),
    ("category", 2, ("/category", "#/properties/category/const", "const",
                     {"allowedValue": 1}, "must be equal to constant")),
    ("level", "3", ("/level", "#/properties/level/type", "type",
                    {"type": "number"}, "must be number")),
    ("level", 5, ("/level", "#/properties/level/maximum", "maximum",
                  {"comparison": "<=", "limit": 4}, "must be <= 4")),
    ("level", -2, ("/level", "#/properties/level/minimum", "minimum",
                   {"comparison": ">=", "limit": -1}, "must be >= -1")),
    ("audio_langs", ["ja"], ("/audio_langs", "#/properties/audio_langs/type", "type",
                             {"type": "string"}, "must be string")),
    ("video_type", "7", ("/video_type", "#/properties/video_type/type", "type",
                         {"type": ["number", "null"]}, "must be number,null")),
    ("video_codec", 9, ("/video_codec", "#/properties/video_codec/enum", "enum",
                        {"allowedValues": [1, 2, 3, 4, 5, 6, 7, 8, 0, None]},
                        "must be equal to one of the allowed values")),
    ("hidden", 0, ("/hidden", "#/properties/hidden/type", "type",
                   {"type": "boolean"}, "must be boolean")),
    ("title", "x" * 513, ("/title", "#/properties/title/maxLength", "maxLength",
                          {"limit": 512}, "must NOT have more than 512 characters")),
    ("description", "d" * 8193, ("/description", "#/properties/description/maxLength",
                                 "maxLength", {"limit": 8192},
                                 "must NOT have more than 8192 characters")),
    ("fansub_langs", "en," * 86, ("/fansub_langs", "#/properties/fansub_langs/maxLength",
                                  "maxLength", {"limit": 256},
                                  "must NOT have more than 256 characters")),
])
def test_upload_field_errors(client: httpx.Client, make_torrent, field: str, value: object,
                             error: tuple[str, str, str, dict[str, object], str]) -> None:
    r = client.post("/upload", json=upload_body(make_torrent(), **{field: value}))
    assert r.status_code == 400
    path, schema_path, keyword, params, message = error
    assert r.json()["validate_errors"] == [{
        "instancePath": path, "schemaPath": schema_path, "keyword": keyword,
        "params": params, "message": message}]
    assert r.json()["message"] == f"Data provided was invalid: '{field}' {message}."


def test_missing_required_upload_field(client: httpx.Client, make_torrent) -> None:
    body = upload_body(make_torrent())
    del body["secondary_groups"]
    r = client.post("/upload", json=body)
    assert r.json()["validate_errors"][0]["params"] == {"missingProperty": "secondary_groups"}


def test_nested_member_errors_point_at_the_member(client: httpx.Client, make_torrent) -> None:
    body = upload_body(make_torrent())
    body["primary_group"]["members"] = [{"id": None, "role": "TS", "display_name": "n" * 33}]
    error = client.post("/upload", json=body).json()["validate_errors"][0]
    assert error["instancePath"] == "/primary_group/members/0/display_name"
    assert error["schemaPath"] == (
        "#/properties/primary_group/properties/members/items/properties/display_name/maxLength")
    tagged = upload_body(make_torrent())
    tagged["primary_group"]["tag"] = "ExampleSubs"  # documented for checks, not for upload
    error = client.post("/upload", json=tagged).json()["validate_errors"][0]
    assert (error["instancePath"], error["params"]) == (
        "/primary_group", {"additionalProperty": "tag"})


@pytest.mark.parametrize("field", ["anonymous", "hidden", "description", "secondary_groups",
                                   "category", "audio_lang"])
def test_checks_reject_upload_only_fields(client: httpx.Client, field: str) -> None:
    r = client.put("/upload/checks", json=checks_body(**{field: False}))
    assert r.status_code == 400
    assert r.json()["validate_errors"][0]["params"] == {"additionalProperty": field}


NO_BATCH = {
    "error": True,
    "message": "Data provided was invalid: must NOT have additional properties.",
    "validate_errors": [{
        "instancePath": "", "schemaPath": "#/additionalProperties",
        "keyword": "additionalProperties", "params": {"additionalProperty": "batch"},
        "message": "must NOT have additional properties"}],
}


def _batch_requests(client: httpx.Client, torrent: object, value: object = True
                    ) -> list[httpx.Response]:
    """`batch` on each endpoint the newer site versions take it on."""
    return [
        client.post("/upload", json=upload_body(torrent, batch=value)),
        client.put("/upload/checks", json=checks_body(batch=value)),
        client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"batch": value}),
        client.patch("/torrents/bulk/edit", json={"ids": [SAMPLE_TORRENT_ID], "batch": value}),
    ]


@pytest.mark.parametrize("value", [True, False])
def test_batch_is_refused_like_any_undocumented_field(client: httpx.Client, site: Site,
                                                      make_torrent, value: bool) -> None:
    for r in _batch_requests(client, make_torrent(), value):
        assert (r.status_code, r.json()) == (400, NO_BATCH), r.request.url
    assert len(site.torrents) == 3  # nothing was uploaded
    assert site.torrents[SAMPLE_TORRENT_ID].batch is False


def test_newer_site_accepts_batch_on_upload_checks_and_edits(client: httpx.Client, site: Site,
                                                             make_torrent) -> None:
    site.faults.quirks.newer_site = True
    upload, checks, edit, bulk = _batch_requests(client, make_torrent())
    assert [r.status_code for r in (upload, checks, edit, bulk)] == [200] * 4
    assert site.torrents[upload.json()["data"]["id"]].batch is True
    assert site.torrents[SAMPLE_TORRENT_ID].batch is True
    assert client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"batch": False}).json() == {
        "error": False}
    assert site.torrents[SAMPLE_TORRENT_ID].batch is False
    # Still a boolean, and still unknown where the newer site has no `batch` either.
    wrong = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"batch": 1}).json()
    assert wrong["validate_errors"][0]["params"] == {"type": "boolean"}
    perms = client.patch("/torrents/bulk/edit/perms",
                         json={"ids": [SAMPLE_TORRENT_ID], "batch": True}).json()
    assert perms["validate_errors"][0]["params"] == {"additionalProperty": "batch"}
    # Fields no site version documents stay refused.
    other = client.put("/upload/checks", json=checks_body(batch=True, anonymous=False)).json()
    assert other["validate_errors"][0]["params"] == {"additionalProperty": "anonymous"}


def test_edit_member_display_name_is_a_string_when_sent(client: httpx.Client) -> None:
    member = {"id": None, "role": "QC", "display_name": None}
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}",
                     json={"primary_group": {"id": DEMO_GROUP_ID, "members": [member]}})
    error = r.json()["validate_errors"][0]
    assert (error["instancePath"], error["params"]) == (
        "/primary_group/members/0/display_name", {"type": "string"})


def test_edit_uses_singular_language_fields(client: httpx.Client) -> None:
    r = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={"audio_langs": "ja"})
    assert r.json()["validate_errors"][0]["params"] == {"additionalProperty": "audio_langs"}
    empty = client.patch(f"/torrents/{SAMPLE_TORRENT_ID}", json={}).json()
    assert empty["validate_errors"][0]["keyword"] == "minProperties"
    assert empty["message"] == "Data provided was invalid: must NOT have fewer than 1 properties."


def test_body_that_is_not_an_object(client: httpx.Client) -> None:
    r = client.put("/upload/checks", content=b"[1]", headers={"content-type": "application/json"})
    assert r.json()["message"] == "Data provided was invalid: must be object."
    garbage = client.put("/upload/checks", content=b"{nope",
                         headers={"content-type": "application/json"})
    assert garbage.status_code == 400
    assert garbage.json() == {"error": True, "message": "Body is not valid JSON."}
    undeclared = client.put("/upload/checks", content=b'{"title": "x"}',
                            headers={"content-type": "text/plain"})
    assert undeclared.status_code == 415
    assert undeclared.json() == {"error": True, "message": "Unsupported Media Type: text/plain"}


def test_401_shape_for_auth_required_endpoints(anon: httpx.Client) -> None:
    for method, path in [("POST", "/upload"), ("PUT", "/upload/checks"),
                         ("PATCH", "/torrents/bulk/edit"), ("GET", "/users/@me/notifications"),
                         ("GET", "/users/search?query=demo"), ("GET", "/users/@me")]:
        r = anon.request(method, path, json={} if method != "GET" else None)
        assert r.status_code == 401, path
        assert r.json() == {"error": True, "message": "Unauthorized."}


def test_wrong_key_is_unauthorized_even_where_auth_is_optional(site) -> None:
    # "If authorization isn't present or is invalid, you will receive a 401."
    with httpx.Client(transport=site.transport(), base_url="http://x/api/v1",
                      cookies={"ssid": "not-a-key"}) as wrong:
        assert wrong.put("/upload/checks", json=checks_body()).status_code == 401
        assert wrong.get("/langs").status_code == 401
        assert wrong.get(f"/torrents/{SAMPLE_TORRENT_ID}").status_code == 401
    with httpx.Client(transport=site.transport(), base_url="http://x/api/v1") as anonymous:
        assert anonymous.get("/langs").status_code == 200
        assert anonymous.get(f"/torrents/{SAMPLE_TORRENT_ID}").status_code == 200
