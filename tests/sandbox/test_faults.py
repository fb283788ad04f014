"""Fault injection on the in-process face, and the request log."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import upload_body
from uploader.commands.sandbox import QUIRKS
from uploader.sandbox import DEMO_API_KEY, Site
from uploader.sandbox.faults import QUIRK_NAMES, Faults, Quirks


def test_json_rate_limit_for_the_next_n_requests(client: httpx.Client, site: Site) -> None:
    site.faults.rate_limit_json(2, retry_after=11.82)
    for _ in range(2):
        r = client.get("/langs")
        assert r.status_code == 429
        assert r.json() == {"error": True,
                            "message": "Rate limit exceeded, try again in 12 seconds.",
                            "retry_after": 11.82}
    assert client.get("/langs").status_code == 200
    assert [e.fault for e in site.requests] == ["rate-limit-json", "rate-limit-json", None]


def test_cloudflare_rate_limit_is_html_with_retry_after(client: httpx.Client,
                                                        site: Site) -> None:
    site.faults.rate_limit_html(retry_after=4)
    r = client.get("/langs")
    assert r.status_code == 429
    assert r.headers["retry-after"] == "4"
    assert r.headers["content-type"] == "text/html; charset=UTF-8"
    assert "You are being rate limited" in r.text


@pytest.mark.parametrize(("as_json", "content_type"), [(False, "text/html"),
                                                       (True, "application/json")])
def test_server_errors(client: httpx.Client, site: Site, as_json: bool,
                       content_type: str) -> None:
    site.faults.server_error(json=as_json)
    r = client.get("/stats")
    assert r.status_code == 500
    assert r.headers["content-type"] == content_type
    if as_json:
        assert r.json() == {"error": True, "message": "Internal Error"}
    else:
        assert "<h1>500 Internal Server Error</h1>" in r.text


def test_faults_can_target_a_method_and_path(client: httpx.Client, site: Site) -> None:
    site.faults.server_error(method="PUT", path="/upload/*")
    assert client.get("/langs").status_code == 200
    assert client.put("/upload/mediainfo", json={"mediainfo": "x"}).status_code == 500
    assert site.faults.pending == []


def test_drop_stores_the_upload_then_fails_like_a_lost_connection(
        client: httpx.Client, site: Site, make_torrent) -> None:
    site.faults.drop(method="POST", path="/upload")
    torrent = make_torrent()
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/upload", json=upload_body(torrent))
    stored = [t for t in site.torrents.values() if t.infohash == torrent.infohash]
    assert len(stored) == 1
    found = client.get("/torrents/search", params={"query": torrent.infohash}).json()["data"]
    assert found["infohash_match"] == stored[0].id


def test_slow_is_recorded_in_process(client: httpx.Client, site: Site) -> None:
    fault = site.faults.slow(5.0)
    assert client.get("/langs").status_code == 200
    assert site.requests[-1].fault == "slow"
    assert fault.value == 5.0


def test_request_log_never_holds_the_cookie(client: httpx.Client, site: Site) -> None:
    client.put("/upload/checks?x=1", json={"title": "t"})
    entry = site.requests[-1]
    assert (entry.method, entry.path, entry.query, entry.json) == (
        "PUT", "/upload/checks", {"x": "1"}, {"title": "t"})
    assert DEMO_API_KEY not in repr(site.requests)


def test_fault_specs_from_the_command_line() -> None:
    faults = Faults()
    plain = faults.add_spec("rate-limit-json:3")
    assert (plain.kind, plain.remaining, plain.method, plain.path, plain.value) == (
        "rate-limit-json", 3, None, None, 1.5)
    full = faults.add_spec("slow=2.5:1:get:/torrents/*")
    assert (full.kind, full.remaining, full.method, full.path, full.value) == (
        "slow", 1, "GET", "/torrents/*", 2.5)
    drop = faults.add_spec("drop:1:POST:/upload")
    assert drop.matches("POST", "/upload")
    assert not drop.matches("POST", "/upload/checks")
    for bad in ("explode", "slow=fast", "drop:0", "drop:1:POST:upload"):
        with pytest.raises(ValueError, match=r"fault"):
            faults.add_spec(bad)


def test_quirk_defaults_are_the_reference() -> None:
    assert Quirks() == Quirks(lang_aliases=True, text_langs_as="fansub", waiting_approve=False,
                              waiting_hidden=True, newer_site=False)


def test_quirks_from_their_command_line_names() -> None:
    assert tuple(QUIRK_NAMES) == QUIRKS  # the command's choices are exactly these
    quirks = Quirks()
    quirks.apply(["newer-site", "no-lang-aliases", "waiting-approve", "waiting-visible",
                  "text-langs-as-sub"])
    assert quirks == Quirks(lang_aliases=False, text_langs_as="sub", waiting_approve=True,
                            waiting_hidden=False, newer_site=True)
    quirks.apply(["lang-aliases"])
    assert quirks.lang_aliases is True
    with pytest.raises(ValueError, match="unknown quirk 'older-site'"):
        quirks.apply(["older-site"])
