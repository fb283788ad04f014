"""The real pipeline and client against the sandbox model in-process (fast paths).

`HidesUnapproved` wraps the site at the edge to behave as nekoBT does for torrents waiting for
staff approval: `GET /torrents/<id>` answers the documented 403 and search does not list them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from uploader import journal as J
from uploader.api import NekoClient
from uploader.exactly_once import Policy
from uploader.journal import Journal
from uploader.pipeline import UPLOAD, Pipeline
from uploader.profiles import load_profiles
from uploader.runner import describe
from uploader.sandbox import DEMO_API_KEY, Site
from uploader.secret import Secret
from uploader.settings import Settings

REPO = Path(__file__).resolve().parents[2]
URL = "http://127.0.0.1:9/api/v1"


class HidesUnapproved(httpx.BaseTransport):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.hide = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        waiting = {t.id for t in self.site.torrents.values() if t.waiting_approve}
        if self.hide and request.method == "GET" and path.removeprefix("/torrents/") in waiting:
            return httpx.Response(403, json={"error": True,
                                             "message": "Torrent is waiting for approval."})
        response = self.site.handle(request)
        if self.hide and path == "/torrents/search":
            body = json.loads(response.content)
            if body["data"]["infohash_match"] in waiting:
                body["data"]["infohash_match"] = None
            return httpx.Response(200, json=body)
        return response


@pytest.fixture
def site() -> Site:
    site = Site.demo()
    site.faults.quirks.waiting_approve = True
    return site


@pytest.fixture
def pipeline(tmp_path: Path, site: Site) -> Iterator[Pipeline]:
    settings = Settings(api_url=URL, api_key=Secret(DEMO_API_KEY), state_dir=tmp_path / "state",
                        profiles_dir=REPO / "profiles")
    transport = HidesUnapproved(site)
    with NekoClient(URL, settings.api_key, transport=transport, min_interval=0,
                    sleep=lambda s: None) as client, \
            Journal.in_state_dir(settings.state_dir) as journal:
        yield Pipeline(settings, client, journal, load_profiles(settings.profiles_dir),
                       sleep=lambda s: None, policy=Policy(base_wait=0.0))


def test_waiting_for_approval_is_uploaded_not_failed(pipeline: Pipeline, release: Path,
                                                      site: Site) -> None:
    record = pipeline.publish(pipeline.prepare(release), UPLOAD)
    assert record.state == J.UPLOADED
    assert record.waiting_approve is True
    assert record.error is None
    assert len(site.torrents) == 4
    assert "(waiting for staff approval)" in describe(record, URL)


def test_rerun_recognises_its_unapproved_upload_by_id(pipeline: Pipeline, release: Path,
                                                      site: Site) -> None:
    first = pipeline.publish(pipeline.prepare(release), UPLOAD)
    posts = len([r for r in site.requests if (r.method, r.path) == ("POST", "/upload")])
    again = pipeline.publish(pipeline.prepare(release), UPLOAD)
    # Reported as `exists` (an earlier run uploaded it); the journal keeps `uploaded`.
    assert (again.state, again.torrent_id) == (J.EXISTS, first.torrent_id)
    assert pipeline.journal.get(again.id).state == J.UPLOADED
    assert len([r for r in site.requests if (r.method, r.path) == ("POST", "/upload")]) == posts


def test_rerun_after_the_site_deleted_it_uploads_again(pipeline: Pipeline, release: Path,
                                                       site: Site) -> None:
    first = pipeline.publish(pipeline.prepare(release), UPLOAD)
    assert first.torrent_id is not None
    del site.torrents[first.torrent_id]  # staff removed it; our id now answers 404
    site.faults.quirks.waiting_approve = False
    again = pipeline.publish(pipeline.prepare(release), UPLOAD)
    assert again.state == J.UPLOADED
    assert again.torrent_id != first.torrent_id


def test_second_release_credits_the_invite_created_by_the_first(
        pipeline: Pipeline, release: Path, site: Site) -> None:
    site.faults.quirks.waiting_approve = False
    first = pipeline.publish(pipeline.prepare(release), UPLOAD)
    assert first.torrent_id is not None
    primary = site.torrents[first.torrent_id].primary_group
    assert primary is not None
    invite_id = primary["members"][3]["id"]
    assert invite_id is not None
    second_path = release.with_name("[ExampleSubs] Sample Show - 02v2 (1080p).mkv")
    shutil.copyfile(release, second_path)
    with second_path.open("ab") as fh:
        fh.write(b"\0")  # other content, other infohash
    second = pipeline.publish(pipeline.prepare(second_path), UPLOAD)
    assert second.state == J.UPLOADED, second.error
    assert second.torrent_id is not None
    members = site.torrents[second.torrent_id].primary_group["members"]  # type: ignore[index]
    assert (members[3]["id"], members[3]["role"]) == (invite_id, "QC")
    (body,) = [r.json for r in site.requests
               if (r.method, r.path) == ("POST", "/upload") and "02v2" in r.json["title"]]
    assert body["primary_group"]["members"][3] == {"id": invite_id, "role": "QC",
                                                   "display_name": ""}


class StoresANeighbouringId(httpx.BaseTransport):
    """A server that parses JSON numbers as doubles stores a neighbouring id for a snowflake
    above 2**53; here that neighbour is another existing torrent."""

    def __init__(self, site: Site, neighbour: str) -> None:
        self.site = site
        self.neighbour = neighbour

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and request.url.path.endswith("/torrents/bulk/edit"):
            body = json.loads(request.content)
            body["upgraded"] = int(self.neighbour)
            request = httpx.Request("PATCH", request.url, headers=request.headers,
                                    content=json.dumps(body).encode())
        return self.site.handle(request)


def test_upgrades_are_read_back_and_a_wrongly_stored_id_is_reported() -> None:
    from uploader.sandbox import OTHER_TORRENT_ID, SAMPLE_TORRENT_02_ID, SAMPLE_TORRENT_ID
    from uploader.upgrades import mark_upgraded

    site = Site.demo()
    with NekoClient(URL, Secret(DEMO_API_KEY),
                    transport=StoresANeighbouringId(site, OTHER_TORRENT_ID),
                    min_interval=0, sleep=lambda s: None) as client:
        result = mark_upgraded(client, SAMPLE_TORRENT_02_ID, [SAMPLE_TORRENT_ID])
    assert result.marked == ()
    assert result.unverified == (SAMPLE_TORRENT_ID,)
    with NekoClient(URL, Secret(DEMO_API_KEY), transport=site.transport(), min_interval=0,
                    sleep=lambda s: None) as client:
        result = mark_upgraded(client, SAMPLE_TORRENT_02_ID, [SAMPLE_TORRENT_ID])
    assert (result.marked, result.unverified) == ((SAMPLE_TORRENT_ID,), ())
    assert site.torrents[SAMPLE_TORRENT_ID].upgraded == SAMPLE_TORRENT_02_ID


class ListsAnUneditableUpgrade(httpx.BaseTransport):
    """The site's checks name a torrent of another group among `upgraded_torrents`."""

    def __init__(self, site: Site, extra: str) -> None:
        self.site = site
        self.extra = extra

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.site.handle(request)
        if request.url.path.endswith("/upload/checks") and response.status_code == 200:
            body = json.loads(response.content)
            body["data"]["upgraded_torrents"].append({"id": self.extra, "title": "theirs"})
            return httpx.Response(200, json=body)
        return response


def test_bad_torrents_of_the_upgrade_step_reach_the_record(tmp_path: Path, release: Path) -> None:
    from uploader.sandbox import OTHER_TORRENT_ID, SAMPLE_TORRENT_ID

    site = Site.demo()
    settings = Settings(api_url=URL, api_key=Secret(DEMO_API_KEY), state_dir=tmp_path / "st",
                        profiles_dir=REPO / "profiles")
    with NekoClient(URL, settings.api_key,
                    transport=ListsAnUneditableUpgrade(site, OTHER_TORRENT_ID),
                    min_interval=0, sleep=lambda s: None) as client, \
            Journal.in_state_dir(settings.state_dir) as journal:
        pipeline = Pipeline(settings, client, journal, load_profiles(settings.profiles_dir),
                            sleep=lambda s: None, policy=Policy(base_wait=0.0))
        record = pipeline.publish(pipeline.prepare(release), UPLOAD)
    assert record.state == J.UPLOADED
    assert (record.upgraded, record.bad_torrents) == ([SAMPLE_TORRENT_ID], [OTHER_TORRENT_ID])
    assert record.to_json()["bad_torrents"] == [OTHER_TORRENT_ID]
    assert site.torrents[OTHER_TORRENT_ID].upgraded is None
    assert f"not allowed to mark as upgraded: {OTHER_TORRENT_ID}" in describe(record, URL)
