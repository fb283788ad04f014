"""Profile + the site's reading of the mediainfo + local detection, merged as PRODUCT.md says.

The site is the sandbox (in-process, through the real API client); the network is faked only
where a failure of the network itself is the point.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from uploader.api import NekoClient
from uploader.exceptions import ApiError, AuthError, RateLimitedError
from uploader.languages import Languages
from uploader.mediainfo import MediaReport, read_mediainfo
from uploader.metadata import detect, merge, release_meta
from uploader.payloads import checks_body
from uploader.profiles import Profile, load_profile, load_profile_text
from uploader.sandbox import DEMO_GROUP_ID, Site
from uploader.secret import Secret
from uploader.torrent import build_torrent

pytestmark = pytest.mark.needs_ffmpeg

REPO = Path(__file__).resolve().parents[2]
URL = "https://nekobt.to/api/v1"
PROFILE = f"""\
group: {{id: "{DEMO_GROUP_ID}", tag: ExampleSubs}}
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
languages: {{audio: [ja], subtitles: [], fansub: [pt-br]}}
"""


@pytest.fixture
def site() -> Site:
    return Site.demo()


@pytest.fixture
def client(site: Site) -> Iterator[NekoClient]:
    with NekoClient(URL, Secret(site.api_key), transport=site.transport(), min_interval=0.0,
                    sleep=lambda _: None, max_attempts=2) as c:
        yield c


@pytest.fixture
def h264(media: dict[str, Path]) -> MediaReport:
    report = read_mediainfo(media["h264"])
    assert report is not None
    return report


def profile(tmp_path: Path, extra: str = "") -> Profile:
    return load_profile_text(PROFILE + extra, tmp_path / "examplesubs.yaml")


def test_site_answer_is_merged_after_the_profile(tmp_path: Path, client: NekoClient,
                                                 site: Site, h264: MediaReport) -> None:
    merged = merge(profile(tmp_path), h264, client=client)
    assert merged.detected.source == "site"
    assert merged.video_codec == 1
    assert merged.audio == ("ja", "en")  # profile's ja first, then the detected English
    assert merged.fansub == ("pt-br", "en")  # the ASS track, counted as fansub by default
    assert merged.subtitles == ()
    assert merged.mediainfo == h264.text
    assert [(r.method, r.path, r.json) for r in site.requests] == [
        ("PUT", "/upload/mediainfo", {"mediainfo": h264.text})]


def test_aliases_in_the_site_answer_are_normalised(tmp_path: Path, client: NekoClient,
                                                   site: Site, h264: MediaReport) -> None:
    site.faults.quirks.lang_aliases = True  # the site answers "jp", as the reference shows
    found = detect(profile(tmp_path), h264, client, languages=Languages.bundled())
    assert found.audio == ("ja", "en")


def test_detected_subtitles_setting_moves_text_tracks(tmp_path: Path, client: NekoClient,
                                                      site: Site, h264: MediaReport) -> None:
    official = load_profile_text(PROFILE.replace("fansub: [pt-br]}", "fansub: [pt-br], "
                                                 "detected_subtitles: subtitles}"),
                                 tmp_path / "p.yaml")
    merged = merge(official, h264, client=client)
    assert (merged.subtitles, merged.fansub) == (("en",), ("pt-br",))
    # Whichever field the site put them in: the profile decides.
    site.faults.quirks.text_langs_as = "sub"
    assert merge(profile(tmp_path), h264, client=client).fansub == ("pt-br", "en")


def test_bitmap_subtitles_are_official(tmp_path: Path, h264: MediaReport) -> None:
    report = dataclasses.replace(h264, subtitle_langs=(), bitmap_subtitle_langs=("ja",))
    merged = merge(profile(tmp_path), report, client=None)
    assert (merged.subtitles, merged.fansub) == (("ja",), ("pt-br",))


def test_site_cannot_read_the_text_falls_back_to_local(tmp_path: Path, client: NekoClient,
                                                       site: Site, h264: MediaReport,
                                                       caplog: pytest.LogCaptureFixture
                                                       ) -> None:
    unreadable = dataclasses.replace(h264, text="not mediainfo at all\n")
    with caplog.at_level(logging.INFO, logger="uploader.metadata"):
        merged = merge(profile(tmp_path), unreadable, client=client)
    assert merged.detected.source == "local"
    assert (merged.video_codec, merged.audio, merged.fansub) == (1, ("ja", "en"),
                                                                 ("pt-br", "en"))
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith(f"{h264.name}: the site could not read the mediainfo "
                                         "(")
    assert caplog.messages[0].endswith(") — using local detection")


def test_site_failing_falls_back_to_local(tmp_path: Path, client: NekoClient, site: Site,
                                          h264: MediaReport) -> None:
    site.faults.server_error(count=2, method="PUT", path="/upload/mediainfo")
    assert merge(profile(tmp_path), h264, client=client).detected.source == "local"


def test_site_unreachable_falls_back_to_local(tmp_path: Path, h264: MediaReport) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with NekoClient(URL, Secret("k"), transport=httpx.MockTransport(refuse), min_interval=0.0,
                    sleep=lambda _: None, max_attempts=1) as offline:
        merged = merge(profile(tmp_path), h264, client=offline)
    assert merged.detected.source == "local"
    assert merged.audio == ("ja", "en")


class Refusing:
    """The edge: a client whose call fails in a way detection must not swallow."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def extract_mediainfo(self, mediainfo: str, /) -> Mapping[str, Any]:
        raise self.error


@pytest.mark.parametrize("error", [
    AuthError("refused", status=401),
    ApiError("forbidden", status=403),
])
def test_other_site_errors_propagate(tmp_path: Path, h264: MediaReport,
                                     error: Exception) -> None:
    with pytest.raises(type(error)):
        merge(profile(tmp_path), h264, client=Refusing(error))


def test_no_detect_uses_the_profile_only(tmp_path: Path, h264: MediaReport) -> None:
    merged = merge(profile(tmp_path), h264, client=Refusing(AssertionError("called")),
                   detect_media=False)
    assert (merged.video_codec, merged.audio, merged.subtitles, merged.fansub) == (
        None, ("ja",), (), ("pt-br",))
    assert merged.mediainfo == h264.text  # the text is still attached (include_mediainfo)
    assert merged.detected.source == "none"


def test_profile_codec_wins_and_mediainfo_can_be_left_out(tmp_path: Path,
                                                          h264: MediaReport) -> None:
    p = profile(tmp_path, "video_codec: 2\nupload: {include_mediainfo: false}\n")
    merged = merge(p, h264, client=None)
    assert (merged.video_codec, merged.mediainfo) == (2, None)


def test_no_report_means_profile_languages(tmp_path: Path) -> None:
    merged = merge(profile(tmp_path), None, client=Refusing(AssertionError("called")))
    assert (merged.video_codec, merged.audio, merged.fansub, merged.mediainfo) == (
        None, ("ja",), ("pt-br",), None)


def test_no_subs_level_gets_no_detected_fansubs(tmp_path: Path, h264: MediaReport,
                                                caplog: pytest.LogCaptureFixture) -> None:
    p = load_profile_text(PROFILE.replace("fansub: [pt-br]", "fansub: []") + "level: -1\n",
                          tmp_path / "p.yaml")
    with caplog.at_level(logging.WARNING, logger="uploader.metadata"):
        merged = merge(p, h264, client=None)
    assert merged.fansub == ()
    assert caplog.messages == [f"{h264.name}: subtitles in en found, but the profile's level "
                               "is -1 (no subs) — not added as fansubs"]


def test_unknown_code_from_the_site_is_left_out(tmp_path: Path, h264: MediaReport,
                                                caplog: pytest.LogCaptureFixture) -> None:
    class Answers:
        def extract_mediainfo(self, mediainfo: str, /) -> Mapping[str, Any]:
            return {"video_codec": 2, "audio_langs": "jp,tlh", "sub_langs": "",
                    "fansub_langs": "en"}

    with caplog.at_level(logging.WARNING, logger="uploader.metadata"):
        found = detect(profile(tmp_path), h264, Answers(), languages=Languages.bundled())
    assert (found.video_codec, found.audio, found.fansub) == (2, ("ja",), ("en",))
    assert caplog.messages == [
        f"PUT /upload/mediainfo for {h264.name}: language 'tlh' is not a nekoBT language — use "
        "a site code such as ja, en, enm, es-419 (aliases like jp, eng, Japanese are accepted) "
        "— not added"]


def test_release_meta_passes_the_sandbox_checks(media: dict[str, Path], client: NekoClient,
                                                tmp_path: Path) -> None:
    release = media["h264"]
    p = load_profile(REPO / "profiles" / "examplesubs.yaml")
    built = build_torrent(release, trackers=[list(t) for t in p.trackers])
    report = read_mediainfo(release, built.local_files)
    assert report is not None
    meta = release_meta(p, release, built, report, client=client,
                        today=datetime.date(2025, 11, 27))
    assert meta.title == "[ExampleSubs] Show - 01 (720p)"
    assert meta.description == (
        "**ExampleSubs** presents episode 01.\n\nTranslated, typeset and encoded by "
        f"ExampleSubs. Released 2025-11-27 · {built.total_size / 1024:.2f} KiB.\n\n"
        "AVC 128x72 8-bit · Audio: Japanese AAC, English AAC · Subtitles: English ASS, "
        "UTF-8\n")
    assert (meta.group_id, meta.group_tag, meta.level, meta.video_type, meta.video_codec) == (
        DEMO_GROUP_ID, "ExampleSubs", 3, 8, 1)
    assert (meta.audio_langs, meta.sub_langs, meta.fansub_langs) == (("ja", "en"), (), ("en",))
    assert [(m.id, m.role, m.display_name) for m in meta.members] == [
        ("1300000000000000001", "Translation", None), ("1300000000000000002", "Encode", None),
        ("1300000000000000003", "Typesetting", None), (None, "QC", "NewQC")]
    assert meta.mediainfo == report.text
    answer = client.upload_checks(checks_body(meta, built.files,  # type: ignore[arg-type]
                                              built.announce_tiers))
    assert answer["fails"] == []


def test_language_lists_stay_within_the_site_limit(tmp_path: Path, h264: MediaReport,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    many = tuple(f"c{i:03d}" for i in range(50))  # 249 characters joined
    p = dataclasses.replace(profile(tmp_path), languages=dataclasses.replace(
        profile(tmp_path).languages, audio=many))
    report = dataclasses.replace(h264, audio_langs=("ja", "en", "es-es"))
    with caplog.at_level(logging.WARNING, logger="uploader.metadata"):
        merged = merge(p, report, client=None)
    assert merged.audio == (*many, "ja", "en")
    assert len(",".join(merged.audio)) == 255
    assert caplog.messages == [f"{h264.name}: audio language es-es left out — the list would "
                               "pass 256 characters"]


def test_rate_limited_after_the_clients_retries_falls_back_to_local(
        tmp_path: Path, h264: MediaReport) -> None:
    error = RateLimitedError("slow down", retry_after=3.0, status=429)
    assert merge(profile(tmp_path), h264, client=Refusing(error)).detected.source == "local"


@pytest.mark.parametrize("body", [
    b"[]",
    b"{}",
    b'{"error": false}',
    b'{"error": false, "data": "ja"}',
    b'{"error": false, "data": [1, 2]}',
    b'{"error": true, "message": "no"}',
    b"<html><body>maintenance</body></html>",
    b"[" * 100_000,
])
def test_an_unusable_200_falls_back_to_local(tmp_path: Path, h264: MediaReport,
                                             body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        kind = "text/html" if body.startswith(b"<") else "application/json"
        return httpx.Response(200, content=body, headers={"content-type": kind})

    with NekoClient(URL, Secret("k"), transport=httpx.MockTransport(answer), min_interval=0.0,
                    sleep=lambda _: None, max_attempts=1) as odd:
        merged = merge(profile(tmp_path), h264, client=odd)
    assert merged.detected.source == "local"
    assert merged.audio == ("ja", "en")
