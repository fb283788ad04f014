"""Language codes as the site wants them, from whatever a profile or mediainfo says.

The site accepts its own codes (`GET /langs` → `langs`) and a few aliases (`convert`: jp→ja,
eng→en, es→es-es, ...). Mediainfo writes ISO 639 codes and English names instead (`ja`, `jpn`,
`Japanese`, `pt-BR`). `Languages.lookup` maps all of these onto a site code:

1. the site's own code or one of its `convert` aliases (any case);
2. an ISO 639-2 code (B or T form) or an English name → its ISO 639-1 code → step 1;
3. the site's own language names ("English (Weeb)", "Portuguese (Brazil)");
4. a regional tag ("pt-BR", "es-MX", "zh-TW"): a regional site code when one fits, else the
   language without its region.

Where the table comes from: the site (fetched, cached on disk for `DEFAULT_TTL`), else the cache
even when stale, else the snapshot bundled in `uploader/data/langs.json` (the reference's codes
and aliases plus the common languages), so profiles validate offline.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Protocol

from uploader.atomic import write_atomic
from uploader.exceptions import ConfigError, UploaderError

log = logging.getLogger(__name__)

#: How long a fetched `/langs` answer is trusted before it is fetched again.
DEFAULT_TTL = 24 * 3600.0

# Regions that have their own site code; any other region falls back to the bare language.
# "es" + a region other than Spain is Latin-American Spanish (es-419 is the UN M.49 region).
_REGIONAL = {
    ("zh", "tw"): "zh-hant", ("zh", "hk"): "zh-hant", ("zh", "mo"): "zh-hant",
    ("zh", "hant"): "zh-hant", ("zh", "hans"): "zh", ("zh", "cn"): "zh",
    ("pt", "br"): "pt-br", ("pt", "pt"): "pt-pt", ("es", "es"): "es-es", ("fr", "fr"): "fr-fr",
}
# ISO 639-1 languages the site files under another code: Filipino is standardised Tagalog.
_EQUIVALENT = {"tl": "fil"}
# Media say these when a track has no usable language: not an error, just nothing to add.
NO_LANGUAGE = frozenset({"", "und", "zxx", "mul", "mis", "qaa", "undetermined"})


class LangsClient(Protocol):
    """The part of `uploader.api.NekoClient` this module uses."""

    def get_langs(self) -> Mapping[str, object]: ...


class UnknownLanguageError(ConfigError):
    """A language code the site does not know. `code` and `source` say which and from where."""

    def __init__(self, code: str, source: str) -> None:
        self.code = code
        self.source = source
        super().__init__(
            f"{source}: language {code!r} is not a nekoBT language — use a site code such as "
            "ja, en, enm, es-419 (aliases like jp, eng, Japanese are accepted)"
        )


def _key(value: str) -> str:
    """Lower case, '_' as '-', single spaces: how every lookup key is spelled."""
    return " ".join(value.strip().lower().replace("_", "-").split())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@functools.cache
def _iso_table() -> dict[str, str]:
    """ISO 639-2 codes (B and T) and English names → ISO 639-1 code (else the 639-2 code)."""
    raw = resources.files("uploader").joinpath("data/iso639.json").read_text(encoding="utf-8")
    rows: list[list[str]] = json.loads(raw)["codes"]
    table: dict[str, str] = {}
    # Languages with a two-letter code first, so a shared name resolves to the common one.
    for alpha2, alpha3, bib, name in sorted(rows, key=lambda r: r[0] == ""):
        base = alpha2 or alpha3
        for code in (alpha2, alpha3, bib):
            if code:
                table.setdefault(code, base)
        # "Spanish; Castilian", "Greek, Modern (1453-)", "Bokmål, Norwegian; Norwegian Bokmål"
        for part in name.split(";"):
            for variant in (part, part.split(",")[0], part.split(" (")[0]):
                for spelled in (variant, _ascii(variant)):
                    if _key(spelled):
                        table.setdefault(_key(spelled), base)
    return table


class Languages:
    """The site's language table and the lookups onto it."""

    def __init__(self, langs: Mapping[str, str], convert: Mapping[str, str],
                 *, origin: str = "bundled snapshot") -> None:
        # langs: site code -> English name; convert: alias -> site code (both as the site says).
        self.names = {_key(code): name for code, name in langs.items()}
        self.convert = {_key(alias): _key(code) for alias, code in convert.items()}
        self.origin = origin
        self._by_name = {_key(name): code for code, name in self.names.items()}

    @classmethod
    def bundled(cls) -> Languages:
        return _bundled()

    @classmethod
    def from_payload(cls, data: object, *, origin: str) -> Languages:
        """From the `data` of `GET /langs`; ValueError when it does not have that shape."""
        if not isinstance(data, Mapping):
            raise ValueError("not an object")
        langs, convert = data.get("langs"), data.get("convert", {})
        if not isinstance(langs, Mapping) or not langs or not isinstance(convert, Mapping):
            raise ValueError("no 'langs' object")
        names: dict[str, str] = {}
        for code, entry in langs.items():
            name = entry.get("name") if isinstance(entry, Mapping) else None
            if not isinstance(code, str) or not isinstance(name, str):
                raise ValueError(f"bad entry {code!r}")
            names[code] = name
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in convert.items()):
            raise ValueError("bad 'convert' map")
        return cls(names, convert, origin=origin)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.names)

    def name(self, code: str) -> str:
        return self.names.get(_key(code), code)

    def _site(self, key: str) -> str | None:
        if key in self.names:
            return key
        return self.convert.get(key)

    def lookup(self, value: str) -> str | None:
        """The site code for a code, alias, ISO 639 code, English name or regional tag."""
        key = _key(value)
        if not key:
            return None
        found = self._site(key) or self._by_name.get(key)
        if found is None and key in _iso_table():
            base = _iso_table()[key]
            found = self._site(base) or self._site(_EQUIVALENT.get(base, base))
        if found is None and "-" in key:
            lang, *subtags = key.split("-")
            lang_base = _iso_table().get(lang, lang)
            # "zh-Hant-TW": the script or the region may carry the variant.
            regional = next((_REGIONAL[(lang_base, s)] for s in subtags
                             if (lang_base, s) in _REGIONAL), None)
            if regional is None and lang_base == "es":
                regional = "es-419"
            if regional is not None and regional in self.names:
                return regional
            found = self.lookup(lang)
        if found is None and key.endswith(")") and " (" in key:
            found = self.lookup(key.split(" (")[0])  # "English (US)" -> English
        return found

    def normalise(self, value: str, *, source: str) -> str:
        """The site code for `value`, or UnknownLanguageError naming it and `source`."""
        found = self.lookup(value)
        if found is None:
            raise UnknownLanguageError(value, source)
        return found

    def normalise_all(self, values: Iterable[str], *, source: str) -> tuple[str, ...]:
        """Each value normalised, duplicates dropped, order kept."""
        return tuple(dict.fromkeys(self.normalise(v, source=source) for v in values))

    def parse_list(self, text: str, *, source: str) -> tuple[str, ...]:
        """A comma-separated list as the site writes it ("jp,en") → site codes."""
        return self.normalise_all((p for p in text.split(",") if p.strip()), source=source)


@functools.cache
def _bundled() -> Languages:
    raw = resources.files("uploader").joinpath("data/langs.json").read_text(encoding="utf-8")
    return Languages.from_payload(json.loads(raw), origin="bundled snapshot")


def _read_cache(cache_file: Path) -> tuple[float, Languages] | None:
    try:
        stored = json.loads(cache_file.read_text(encoding="utf-8"))
        fetched_at = float(stored["fetched_at"])
        return fetched_at, Languages.from_payload(stored["data"], origin=f"cache {cache_file}")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("language cache %s: unreadable (%s) — it will be fetched again",
                    cache_file, exc)
        return None


def _write_cache(cache_file: Path, data: object, now: float) -> None:
    try:
        write_atomic(cache_file, json.dumps({"fetched_at": now, "data": data}).encode())
    except OSError as exc:
        log.warning("language cache %s: cannot write it (%s) — continuing without",
                    cache_file, exc)


def load_languages(client: LangsClient | None = None, cache_file: Path | None = None, *,
                   ttl: float = DEFAULT_TTL, now: Callable[[], float] = time.time) -> Languages:
    """The freshest table available: cache within `ttl`, else the site, else stale cache or
    the bundled snapshot. Never raises for a site or cache problem (it logs a warning)."""
    cached = _read_cache(cache_file) if cache_file is not None else None
    if cached is not None and 0 <= now() - cached[0] < ttl:
        return cached[1]
    if client is not None:
        try:
            data = client.get_langs()
            fetched = Languages.from_payload(data, origin="the site")
        except (UploaderError, ValueError) as exc:
            log.warning("GET /langs: %s — using the %s", exc,
                        cached[1].origin if cached else "bundled snapshot")
        else:
            if cache_file is not None:
                _write_cache(cache_file, dict(data), now())
            return fetched
    return cached[1] if cached is not None else Languages.bundled()
