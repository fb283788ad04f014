"""Language codes: the site's codes and aliases, ISO 639 codes and names, the /langs cache."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from uploader.exceptions import TransportError
from uploader.languages import Languages, UnknownLanguageError, load_languages

REFERENCE_CONVERT = {"jp": "ja", "eng": "en", "en-jp": "enm", "spa-419": "es-419", "es": "es-es",
                     "pt": "pt-pt", "fr": "fr-fr", "tg": "fil", "nb": "no", "nn": "no"}


def test_bundled_snapshot_has_the_reference_codes() -> None:
    langs = Languages.bundled()
    assert {"ja", "en", "enm", "es-419", "es-es", "pt-pt", "pt-br", "fr-fr", "fil",
            "no"} <= langs.codes
    assert langs.convert == REFERENCE_CONVERT
    assert langs.name("enm") == "English (Weeb)"
    assert langs.origin == "bundled snapshot"
    assert len(langs.codes) >= 30


@pytest.mark.parametrize(("given", "code"), [
    ("ja", "ja"), ("JA", "ja"), ("jp", "ja"), ("jpn", "ja"), ("Japanese", "ja"),
    ("en", "en"), ("eng", "en"), ("English", "en"), ("en-US", "en"), ("English (US)", "en"),
    ("en-jp", "enm"), ("English (Weeb)", "enm"),
    ("es", "es-es"), ("spa", "es-es"), ("Spanish", "es-es"), ("es-ES", "es-es"),
    ("es-419", "es-419"), ("es-MX", "es-419"), ("spa-419", "es-419"),
    ("pt", "pt-pt"), ("por", "pt-pt"), ("pt-BR", "pt-br"), ("Portuguese (Brazil)", "pt-br"),
    ("fr", "fr-fr"), ("fre", "fr-fr"), ("fra", "fr-fr"), ("French", "fr-fr"),
    ("ger", "de"), ("deu", "de"), ("German", "de"),
    ("chi", "zh"), ("zh-CN", "zh"), ("zh-TW", "zh-hant"), ("zh-Hant-TW", "zh-hant"),
    ("tl", "fil"), ("tgl", "fil"), ("Tagalog", "fil"), ("tg", "fil"),
    ("nb", "no"), ("nn", "no"), ("nob", "no"), ("Norwegian Bokmål", "no"),
    ("gre", "el"), ("Greek", "el"), ("pt_BR", "pt-br"), ("  ja ", "ja"),
])
def test_lookup(given: str, code: str) -> None:
    assert Languages.bundled().lookup(given) == code


@pytest.mark.parametrize("given", ["xx", "tlh", "Klingon", "", "und", "xx-YY", "e"])
def test_unknown_codes(given: str) -> None:
    assert Languages.bundled().lookup(given) is None


def test_unknown_code_error_names_the_code_and_its_source() -> None:
    with pytest.raises(UnknownLanguageError) as info:
        Languages.bundled().normalise("tlh", source="profiles/examplesubs.yaml")
    assert str(info.value) == (
        "profiles/examplesubs.yaml: language 'tlh' is not a nekoBT language — use a site code "
        "such as ja, en, enm, es-419 (aliases like jp, eng, Japanese are accepted)")
    assert (info.value.code, info.value.source, info.value.exit_code) == (
        "tlh", "profiles/examplesubs.yaml", 2)


def test_lists() -> None:
    langs = Languages.bundled()
    assert langs.parse_list("jp, en,, eng ,ja", source="x") == ("ja", "en")
    assert langs.normalise_all(["Japanese", "jpn"], source="x") == ("ja",)
    with pytest.raises(UnknownLanguageError):
        langs.parse_list("ja,zz", source="PUT /upload/mediainfo")


# -- the /langs cache --------------------------------------------------------------------------

SITE = {"langs": {"ja": {"code": "ja", "name": "Japanese", "flag": ""},
                  "xq": {"code": "xq", "name": "Newly Added", "flag": ""}},
        "convert": {"jp": "ja"}}


class FakeSite:
    """The edge: what `NekoClient.get_langs` would return, counting calls."""

    def __init__(self, answer: Any = SITE, error: Exception | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, 0

    def get_langs(self) -> Mapping[str, object]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.answer  # type: ignore[no-any-return]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_fetched_table_is_cached_for_the_ttl(tmp_path: Path) -> None:
    cache, site, clock = tmp_path / "cache" / "langs.json", FakeSite(), Clock()
    first = load_languages(site, cache, ttl=3600, now=clock)
    assert first.codes == {"ja", "xq"}
    assert first.origin == "the site"
    assert json.loads(cache.read_text()) == {"fetched_at": clock.now, "data": SITE}
    clock.now += 3599
    again = load_languages(site, cache, ttl=3600, now=clock)
    assert again.lookup("xq") == "xq"
    assert again.origin == f"cache {cache}"
    assert site.calls == 1
    clock.now += 2  # past the TTL: fetched again
    load_languages(site, cache, ttl=3600, now=clock)
    assert site.calls == 2
    assert list(cache.parent.iterdir()) == [cache]  # no temporary files left behind


def test_site_down_uses_the_stale_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                        ) -> None:
    cache, clock = tmp_path / "langs.json", Clock()
    load_languages(FakeSite(), cache, ttl=10, now=clock)
    clock.now += 100
    down = FakeSite(error=TransportError("GET /langs: connection refused — check the network"))
    with caplog.at_level(logging.WARNING):
        langs = load_languages(down, cache, ttl=10, now=clock)
    assert langs.codes == {"ja", "xq"}
    assert caplog.messages == [f"GET /langs: GET /langs: connection refused — check the "
                               f"network — using the cache {cache}"]


def test_no_cache_and_no_site_gives_the_bundled_snapshot(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    assert load_languages(None, tmp_path / "langs.json") is Languages.bundled()
    with caplog.at_level(logging.WARNING):
        langs = load_languages(FakeSite(answer={"langs": "nope"}), tmp_path / "langs.json")
    assert langs is Languages.bundled()
    assert caplog.messages == ["GET /langs: no 'langs' object — using the bundled snapshot"]
    assert not (tmp_path / "langs.json").exists()


def test_corrupt_cache_is_fetched_again(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                        ) -> None:
    cache = tmp_path / "langs.json"
    cache.write_text("{not json")
    site = FakeSite()
    with caplog.at_level(logging.WARNING):
        langs = load_languages(site, cache)
    assert site.calls == 1
    assert "xq" in langs.codes
    assert caplog.messages[0].startswith(f"language cache {cache}: unreadable (")
    assert json.loads(cache.read_text())["data"] == SITE
