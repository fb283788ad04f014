"""`GET /langs` and `PUT /upload/mediainfo` (text and JSON, real mediainfo output)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from uploader.sandbox import Site
from uploader.sandbox.langs import media_code, site_code

FAILED = {"error": True, "message": "Failed to extract mediainfo text languages and codec."}


def test_langs_convert_map_is_exact(anon: httpx.Client) -> None:
    data = anon.get("/langs").json()["data"]
    assert data["convert"] == {"jp": "ja", "eng": "en", "en-jp": "enm", "spa-419": "es-419",
                               "es": "es-es", "pt": "pt-pt", "fr": "fr-fr", "tg": "fil",
                               "nb": "no", "nn": "no"}
    assert data["langs"]["ja"] == {"code": "ja", "name": "Japanese",
                                   "flag": "https://flagcdn.com/40x30/jp.png"}
    assert data["langs"]["enm"]["name"] == "English (Weeb)"
    for code in ("ja", "en", "enm", "es-419", "es-es", "pt-br", "pt-pt", "fr-fr", "de", "it",
                 "ru", "ar", "zh", "zh-hant", "ko", "fil", "no", "pl", "id", "vi", "th"):
        assert data["langs"][code]["code"] == code
    # Every alias leads to a real code.
    assert set(data["convert"].values()) <= set(data["langs"])


def test_site_codes_and_media_names() -> None:
    assert [site_code(c) for c in ("JA", "jp", "es", "xx", "Japanese")] == [
        "ja", "ja", "es-es", None, None]
    assert [media_code(v) for v in ("Japanese", "jpn", "en-US", "pt-BR", "zh-Hant",
                                    "Spanish (Latin America)", "Klingon")] == [
        "ja", "ja", "en", "pt-br", "zh-hant", "es-419", None]


def extract(client: httpx.Client, mediainfo: object) -> httpx.Response:
    return client.put("/upload/mediainfo", json={"mediainfo": mediainfo})


TEXT = """General
Complete name                            : [ExampleSubs] Show - 01.mkv
Format                                   : Matroska

Video
ID                                       : 1
Format                                   : {codec}
Format/Info                              : Something

Audio #1
Format                                   : FLAC
Language                                 : Japanese

Audio #2
Format                                   : AAC LC
Language                                 : English

Text #1
Format                                   : ASS
Language                                 : English

Text #2
Format                                   : ASS
Language                                 : Portuguese (Brazil)
"""


@pytest.mark.parametrize(("codec", "expected"), [
    ("AVC", 1), ("HEVC", 2), ("AV1", 3), ("VP9", 4), ("MPEG Video", 5), ("MPEG-4 Visual", 6),
    ("VC-1", 8), ("ProRes", 0)])
def test_text_extraction(anon: httpx.Client, codec: str, expected: int) -> None:
    # By default the answer uses the site's aliases, as the reference's example ("jp") does.
    r = extract(anon, TEXT.format(codec=codec))
    assert r.json() == {"error": False, "data": {
        "video_codec": expected, "fansub_langs": "eng,pt-br", "sub_langs": "",
        "audio_langs": "jp,eng"}}


def test_default_answer_matches_the_reference_for_japanese(anon: httpx.Client) -> None:
    japanese = "General\nFormat : Matroska\n\nAudio\nFormat : FLAC\nLanguage : Japanese\n"
    assert extract(anon, japanese).json()["data"]["audio_langs"] == "jp"
    # Every alias answered is one the site's own `convert` map resolves.
    convert = anon.get("/langs").json()["data"]["convert"]
    answered = extract(anon, TEXT.format(codec="AVC")).json()["data"]
    codes = answered["audio_langs"].split(",") + answered["fansub_langs"].split(",")
    assert [convert.get(c, c) for c in codes] == ["ja", "en", "en", "pt-br"]


def test_quirks_site_codes_and_text_tracks_as_subs(anon: httpx.Client, site: Site) -> None:
    site.faults.quirks.lang_aliases = False
    site.faults.quirks.text_langs_as = "sub"
    r = extract(anon, TEXT.format(codec="HEVC"))
    assert r.json()["data"] == {"video_codec": 2, "fansub_langs": "", "sub_langs": "en,pt-br",
                                "audio_langs": "ja,en"}


def test_json_extraction_whole_or_media(anon: httpx.Client) -> None:
    media = {"@ref": "x.mkv", "track": [
        {"@type": "General", "Format": "Matroska"},
        {"@type": "Video", "Format": "AVC"},
        {"@type": "Audio", "Format": "AAC", "Language": "ja"},
        {"@type": "Text", "Format": "UTF-8", "Language": "en-US"}]}
    expected = {"video_codec": 1, "fansub_langs": "eng", "sub_langs": "", "audio_langs": "jp"}
    assert extract(anon, {"creatingLibrary": {}, "media": media}).json()["data"] == expected
    assert extract(anon, media).json()["data"] == expected


def test_audio_only_has_no_codec_and_garbage_fails(anon: httpx.Client) -> None:
    audio_only = "General\nFormat : FLAC\n\nAudio\nFormat : FLAC\nLanguage : Japanese\n"
    assert extract(anon, audio_only).json()["data"] == {
        "video_codec": None, "fansub_langs": "", "sub_langs": "", "audio_langs": "jp"}
    for junk in ("hello world", "General\nFormat : Matroska\n", {"track": "nope"}, {}):
        r = extract(anon, junk)
        assert r.status_code == 400
        assert r.json() == FAILED
    wrong = extract(anon, ["General"]).json()["validate_errors"][0]
    assert wrong["params"] == {"type": ["string", "object"]}


@pytest.mark.needs_ffmpeg
@pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("mediainfo")),
                    reason="needs ffmpeg and mediainfo")
def test_real_mediainfo_output(anon: httpx.Client, tmp_path: Path) -> None:
    subs = tmp_path / "s.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    media = tmp_path / "ep.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1",
         "-f", "lavfi", "-i", "sine=duration=1", "-i", str(subs), "-map", "0", "-map", "1",
         "-map", "2", "-c:v", "libx264", "-c:a", "aac", "-c:s", "srt",
         "-metadata:s:a:0", "language=jpn", "-metadata:s:s:0", "language=eng", str(media)],
        check=True, timeout=60)
    text = subprocess.run(["mediainfo", str(media)], capture_output=True, text=True,
                          check=True).stdout
    as_json = json.loads(subprocess.run(["mediainfo", "--Output=JSON", str(media)],
                                        capture_output=True, text=True, check=True).stdout)
    expected = {"video_codec": 1, "fansub_langs": "eng", "sub_langs": "", "audio_langs": "jp"}
    assert extract(anon, text).json()["data"] == expected
    assert extract(anon, as_json).json()["data"] == expected
    assert extract(anon, as_json["media"]).json()["data"] == expected
