"""The site's language codes, its `convert` map of aliases, and mediainfo's names for them.

Two doors: `site_code` is what the site accepts in `audio_langs` & co (its own codes plus the
`convert` aliases, nothing else — an unknown code fails the checks); `media_code` is the wider
net used when reading mediainfo, which writes ISO 639 names and codes (`Japanese`, `jpn`, `ja`).
"""

from __future__ import annotations

# code -> (name, flag). Flags follow the site: flagcdn for countries, local art for the rest.
LANGS: dict[str, tuple[str, str]] = {
    "ja": ("Japanese", "jp"),
    "en": ("English", "gb"),
    "enm": ("English (Weeb)", "/assets/img/flags/enm.png"),
    "es-419": ("Spanish (Latin America)", "mx"),
    "es-es": ("Spanish (Spain)", "es"),
    "pt-br": ("Portuguese (Brazil)", "br"),
    "pt-pt": ("Portuguese (Portugal)", "pt"),
    "fr-fr": ("French", "fr"),
    "de": ("German", "de"),
    "it": ("Italian", "it"),
    "ru": ("Russian", "ru"),
    "ar": ("Arabic", "sa"),
    "zh": ("Chinese (Simplified)", "cn"),
    "zh-hant": ("Chinese (Traditional)", "tw"),
    "ko": ("Korean", "kr"),
    "fil": ("Filipino", "ph"),
    "no": ("Norwegian", "no"),
    "pl": ("Polish", "pl"),
    "id": ("Indonesian", "id"),
    "vi": ("Vietnamese", "vn"),
    "th": ("Thai", "th"),
    "tr": ("Turkish", "tr"),
    "uk": ("Ukrainian", "ua"),
    "nl": ("Dutch", "nl"),
    "sv": ("Swedish", "se"),
    "da": ("Danish", "dk"),
    "fi": ("Finnish", "fi"),
    "cs": ("Czech", "cz"),
    "hu": ("Hungarian", "hu"),
    "ro": ("Romanian", "ro"),
    "el": ("Greek", "gr"),
    "he": ("Hebrew", "il"),
    "hi": ("Hindi", "in"),
    "ms": ("Malay", "my"),
    "ca": ("Catalan", "/assets/img/flags/ca.png"),
    "bg": ("Bulgarian", "bg"),
    "hr": ("Croatian", "hr"),
    "sr": ("Serbian", "rs"),
    "sk": ("Slovak", "sk"),
    "fa": ("Persian", "ir"),
    "ta": ("Tamil", "in"),
}

# Exactly the map the reference's `GET /langs` returns (nekobt-facts.md).
CONVERT: dict[str, str] = {
    "jp": "ja",
    "eng": "en",
    "en-jp": "enm",
    "spa-419": "es-419",
    "es": "es-es",
    "pt": "pt-pt",
    "fr": "fr-fr",
    "tg": "fil",
    "nb": "no",
    "nn": "no",
}

# The alias the real site sometimes answers with instead of its code (the reference's
# mediainfo example says "jp"): the first alias of each code in CONVERT.
ALIAS_OF: dict[str, str] = {}
for _alias, _code in CONVERT.items():
    ALIAS_OF.setdefault(_code, _alias)

# What mediainfo writes, beyond the site's codes: ISO 639-2 codes, English names, regions.
_MEDIA_ALIASES: dict[str, str] = {
    "jpn": "ja", "japanese": "ja",
    "english": "en",
    "spa": "es-es", "spanish": "es-es", "castilian": "es-es", "spanish (spain)": "es-es",
    "es-mx": "es-419", "spanish (latin america)": "es-419", "latin american spanish": "es-419",
    "por": "pt-pt", "portuguese": "pt-pt", "portuguese (portugal)": "pt-pt",
    "portuguese (brazil)": "pt-br", "brazilian portuguese": "pt-br",
    "fre": "fr-fr", "fra": "fr-fr", "french": "fr-fr",
    "ger": "de", "deu": "de", "german": "de",
    "ita": "it", "italian": "it",
    "rus": "ru", "russian": "ru",
    "ara": "ar", "arabic": "ar",
    "chi": "zh", "zho": "zh", "chinese": "zh", "zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh",
    "chinese (simplified)": "zh", "chinese (hans)": "zh",
    "zh-tw": "zh-hant", "zh-hk": "zh-hant", "chinese (traditional)": "zh-hant",
    "chinese (hant)": "zh-hant",
    "kor": "ko", "korean": "ko",
    "tgl": "fil", "filipino": "fil", "tagalog": "fil",
    "nor": "no", "nob": "no", "nno": "no", "norwegian": "no", "norwegian bokmal": "no",
    "pol": "pl", "polish": "pl",
    "ind": "id", "indonesian": "id",
    "vie": "vi", "vietnamese": "vi",
    "tha": "th", "thai": "th",
    "tur": "tr", "turkish": "tr",
    "ukr": "uk", "ukrainian": "uk",
    "dut": "nl", "nld": "nl", "dutch": "nl",
    "swe": "sv", "swedish": "sv",
    "dan": "da", "danish": "da",
    "fin": "fi", "finnish": "fi",
    "cze": "cs", "ces": "cs", "czech": "cs",
    "hun": "hu", "hungarian": "hu",
    "rum": "ro", "ron": "ro", "romanian": "ro",
    "gre": "el", "ell": "el", "greek": "el",
    "heb": "he", "hebrew": "he",
    "hin": "hi", "hindi": "hi",
    "may": "ms", "msa": "ms", "malay": "ms",
    "cat": "ca", "catalan": "ca",
    "bul": "bg", "bulgarian": "bg",
    "hrv": "hr", "croatian": "hr",
    "srp": "sr", "serbian": "sr",
    "slo": "sk", "slk": "sk", "slovak": "sk",
    "per": "fa", "fas": "fa", "persian": "fa",
    "tam": "ta", "tamil": "ta",
}


def site_code(code: str) -> str | None:
    """The site's code for `code` (a code or a `convert` alias, any case), else None."""
    key = code.strip().lower()
    if key in LANGS:
        return key
    return CONVERT.get(key)


def media_code(value: str) -> str | None:
    """The site's code for a mediainfo language (name, ISO 639-1/2 code or BCP 47 tag)."""
    key = " ".join(value.strip().lower().replace("_", "-").split())
    found = site_code(key) or _MEDIA_ALIASES.get(key)
    if found is None and "-" in key:
        # "en-US", "fr-CA": fall back to the language without its region.
        found = media_code(key.split("-", 1)[0])
    return found


def split_codes(value: str) -> list[str]:
    """The codes of a comma-separated list ("ja, en" -> ["ja", "en"]), empties dropped."""
    return [part.strip() for part in value.split(",") if part.strip()]


def langs_payload() -> dict[str, object]:
    """The `data` of `GET /langs`."""
    langs = {}
    for code, (name, flag) in LANGS.items():
        url = flag if flag.startswith("/") else f"https://flagcdn.com/40x30/{flag}.png"
        langs[code] = {"code": code, "name": name, "flag": url}
    return {"langs": langs, "convert": dict(CONVERT)}
