"""The profile schema: parsed YAML in, a `Profile` (or every mistake found) out.

Hand-written rather than a schema library: each message must name the key path, the place in
the file, what was expected and what was found, and suggest the key meant by a typo — which is
most of the work whichever library runs the checks, and this keeps the dependency list short.
Every problem in a file is collected, so one run shows them all. A check that fails records
its error and raises `_Invalid`; the caller carries on with the next key.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from uploader.exceptions import ProfileError
from uploader.languages import Languages
from uploader.profiles import model as m
from uploader.profiles.templates import literal_length, template_problem
from uploader.profiles.yamlread import Document, KeyPath, describe, format_path

T = TypeVar("T")

# key -> the keys allowed under it (None: a leaf). Drives unknown-key errors and suggestions.
SCHEMA: dict[str, tuple[str, ...] | None] = {
    "group": ("id", "tag", "name"),
    "members": ("id", "display_name", "role"),
    "secondary_groups": ("id", "role"),
    "languages": ("audio", "subtitles", "fansub", "detected_subtitles"),
    "level": None, "video_type": None, "video_codec": None, "movie": None, "batch": None,
    "mtl": None, "otl": None, "hardsub": None, "anonymous": None, "hidden": None,
    "title": None, "description": None, "trackers": None,
    "torrent": ("piece_size", "private", "source", "exclude", "reuse"),
    "upload": ("ignore_warnings", "mark_upgrades", "include_mediainfo", "require_video"),
    "seed": ("copy_torrent_to", "category", "tags", "save_path"),
    "notify": ("urls", "template", "events"),
}
FLAGS = ("movie", "batch", "mtl", "otl", "hardsub", "anonymous", "hidden")
AUTO_FLAGS = ("movie", "batch")  # may be `auto`: detected (uploader/detect.py)
VIDEO_TYPES = frozenset(range(17)) - {10}
MAX_CREDITS = 50  # members and secondary groups, each
LANGS_MAX = 256  # characters of a comma-separated language list
PIECE_MIN, PIECE_MAX = 16 * 1024, 16 * 1024 * 1024  # torf's default bounds
ANNOUNCE_SCHEMES = ("http", "https", "udp", "ws", "wss")

_ID = re.compile(r"[0-9]{1,20}")
_SIZE = re.compile(r"([0-9]+)\s*(b|k|kb|kib|m|mb|mib)?", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
          "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20}  # piece sizes are powers of 2: MB = MiB
_NEKOBT_KEYED = re.compile(r"^/api/tracker/([^/]+)/announce", re.IGNORECASE)


def _bool_or_auto_factory(c: Checker) -> Callable[[KeyPath, object], bool | m.Auto]:
    def check(path: KeyPath, value: object) -> bool | m.Auto:
        if value == m.AUTO:
            return m.AUTO
        if isinstance(value, bool):
            return value
        raise c.expect(path, "true, false or auto (detected)", value)

    return check


class _Invalid(Exception):
    """An error was recorded for this value; skip it."""


class Checker:
    """Validates one parsed document; `errors` and `warnings` collect what it finds."""

    def __init__(self, doc: Document, languages: Languages) -> None:
        self.doc = doc
        self.languages = languages
        self.errors: list[ProfileError] = []
        self.warnings: list[str] = []

    def fail(self, path: KeyPath, problem: str, *, at_key: bool = False) -> _Invalid:
        """Record an error at `path` (its value, or its key); return the exception to raise."""
        where = (self.doc.keys if at_key else self.doc.values).get(path)
        parent = path
        while where is None and parent:  # a missing key: point at the mapping to hold it
            parent = parent[:-1]
            where = self.doc.values.get(parent)
        self.errors.append(ProfileError(
            problem, file=self.doc.file, line=where.line if where else None,
            column=where.column if where else None, key=format_path(path) or None))
        return _Invalid()

    def expect(self, path: KeyPath, expected: str, value: object) -> _Invalid:
        return self.fail(path, f"expected {expected}, got {describe(value)}")

    def warn(self, path: KeyPath, problem: str) -> None:
        where = self.doc.values.get(path)
        place = f"{self.doc.file}:{where.line}:{where.column}" if where else str(self.doc.file)
        self.warnings.append(f"{place}: {format_path(path)}: {problem}")

    def mapping(self, path: KeyPath, value: object, required: tuple[str, ...] = ()
                ) -> dict[str, object]:
        """`value` as a mapping; unknown keys and missing required keys are errors."""
        name = next((part for part in reversed(path) if isinstance(part, str)), None)
        known = SCHEMA[name] if name is not None else tuple(SCHEMA)
        assert known is not None
        if not isinstance(value, dict):
            raise self.expect(path, "a mapping with keys " + ", ".join(known), value)
        for key in value:
            if key not in known:
                self.fail((*path, key), "unknown key — " + _suggest(key, path, known),
                          at_key=True)
        for key in required:
            if key not in value:
                self.fail((*path, key), "required key is missing")
        return value

    def each(self, path: KeyPath, value: object, what: str, check: Callable[[KeyPath, object], T],
             *, limit: int | None = None) -> list[T]:
        """Every valid item of a list (errors recorded for the others)."""
        if not isinstance(value, list):
            raise self.expect(path, f"a list of {what}", value)
        if limit is not None and len(value) > limit:
            raise self.fail(path, f"expected at most {limit} {what}, got {len(value)}")
        out = []
        for index, item in enumerate(value):
            with contextlib.suppress(_Invalid):  # recorded; check the next item
                out.append(check((*path, index), item))
        return out

    def get(self, data: dict[str, object], path: KeyPath, key: str, default: T,
            check: Callable[[KeyPath, object], T]) -> T:
        """`data[key]` checked, or `default` when absent (or invalid: the error is recorded)."""
        if key not in data:
            return default
        try:
            return check((*path, key), data[key])
        except _Invalid:
            return default

    # -- leaves ---------------------------------------------------------------------------

    def boolean(self, path: KeyPath, value: object) -> bool:
        if isinstance(value, bool):
            return value
        raise self.expect(path, "true or false", value)

    def snowflake(self, path: KeyPath, value: object) -> str:
        if isinstance(value, str) and _ID.fullmatch(value):
            return value
        raise self.expect(path, 'an ID in quotes, like "1234567890"', value)

    def text(self, path: KeyPath, value: object, max_len: int) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.expect(path, f"a text of 1 to {max_len} characters", value)
        if len(value) > max_len:
            raise self.fail(path, f"expected at most {max_len} characters, got {len(value)}")
        return value

    def optional_text(self, path: KeyPath, value: object, max_len: int) -> str | None:
        return None if value is None else self.text(path, value, max_len)

    def integer(self, path: KeyPath, value: object, allowed: range | frozenset[int],
                expected: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value in allowed:
            return value
        raise self.expect(path, expected, value)


def _suggest(key: str, path: KeyPath, known: tuple[str, ...]) -> str:
    """"did you mean 'level'?" for a typo, or where a misplaced key belongs."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{format_path((*path, close[0]))}'?"
    if not path:
        for parent, children in SCHEMA.items():
            if children and key in children and parent not in ("members", "secondary_groups"):
                return f"did you mean '{parent}.{key}'?"
    elif key in SCHEMA:
        return f"did you mean '{key}' (a top-level key)?"
    return "known keys here: " + ", ".join(known)


def check_profile(doc: Document, name: str, languages: Languages
                  ) -> tuple[m.Profile | None, Checker]:
    """The Profile for `doc`, or None with `checker.errors` saying why."""
    c = Checker(doc, languages)
    if doc.data is None:
        c.errors.append(ProfileError(
            "expected a profile (a mapping with at least group and trackers), got an empty "
            "file", file=doc.file))
        return None, c
    try:
        data = c.mapping((), doc.data, required=("group", "trackers"))
    except _Invalid:
        return None, c
    group = c.get(data, (), "group", None, lambda p, v: _group(c, v))
    trackers: tuple[tuple[str, ...], ...] = c.get(data, (), "trackers", (),
                                                  lambda p, v: _trackers(c, v))
    members: tuple[m.Member, ...] = c.get(data, (), "members", (), lambda p, v: _members(c, v))
    secondary: tuple[m.SecondaryGroup, ...] = c.get(data, (), "secondary_groups", (),
                      lambda p, v: _secondary(c, v, group.id if group else None))
    langs = c.get(data, (), "languages", m.LanguageDefaults(), lambda p, v: _languages(c, v))
    level = c.get(data, (), "level", 3, lambda p, v: c.integer(
        p, v, range(-1, 5), "an integer from -1 to 4"))
    video_type: int | m.Auto | None = c.get(
        data, (), "video_type", _int_or_none(8), lambda p, v: m.AUTO if v == m.AUTO
        else c.integer(p, v, VIDEO_TYPES, "a video type id (0-9 or 11-16; 10 is retired), "
                       "auto (from the release name) or null") if v is not None else None)
    video_codec = c.get(data, (), "video_codec", _int_or_none(None), lambda p, v: c.integer(
        p, v, range(9), "a video codec id from 0 to 8 or null") if v is not None else None)
    auto_flag = _bool_or_auto_factory(c)
    no: bool | m.Auto = False
    movie = c.get(data, (), "movie", no, auto_flag)
    batch = c.get(data, (), "batch", no, auto_flag)
    flags = {key: c.get(data, (), key, False, c.boolean) for key in FLAGS
             if key not in AUTO_FLAGS}
    title = c.get(data, (), "title", m.DEFAULT_TITLE,
                  lambda p, v: _template(c, p, v, m.TITLE_MAX, one_line=True))
    description = c.get(data, (), "description", m.DEFAULT_DESCRIPTION,
                        lambda p, v: _template(c, p, v, m.DESCRIPTION_MAX, one_line=False))
    torrent = c.get(data, (), "torrent", m.TorrentOptions(), lambda p, v: _torrent(c, v))
    upload = c.get(data, (), "upload", m.UploadOptions(), lambda p, v: _upload(c, v))
    seed = c.get(data, (), "seed", m.SeedOptions(), lambda p, v: _seed(c, v))
    notify = c.get(data, (), "notify", m.NotifyOptions(), lambda p, v: _notify(c, v))
    if level == -1 and langs.fansub:
        if ("languages", "fansub") in doc.values:
            c.fail(("languages", "fansub"), "expected no fansub languages with level -1 (no "
                   f"subs), got {', '.join(langs.fansub)} — the site rejects that combination")
        else:
            c.fail(("level",), "level -1 (no subs) with the default fansub language en — "
                   "add `fansub: []` under languages")

    if c.errors or group is None:
        c.errors.sort(key=lambda e: (e.line or 0, e.column or 0))  # in reading order
        return None, c
    positions = {format_path(path): (pos.line, pos.column)
                 for path, pos in doc.values.items() if path}
    return m.Profile(
        name=name, source=doc.file, group=group, trackers=trackers, members=members,
        secondary_groups=secondary, languages=langs, level=level, video_type=video_type,
        video_codec=video_codec, title=title, description=description, torrent=torrent,
        upload=upload, seed=seed, notify=notify, positions=positions, movie=movie,
        batch=batch, **flags,
    ), c


def _int_or_none(value: int | None) -> int | None:
    return value


def _group(c: Checker, value: object) -> m.Group | None:
    path: KeyPath = ("group",)
    data = c.mapping(path, value, required=("id", "tag"))
    gid = c.get(data, path, "id", None, c.snowflake)
    tag = c.get(data, path, "tag", None, lambda p, v: _tag(c, p, v))
    name = c.get(data, path, "name", None, lambda p, v: c.text(p, v, 64))
    return m.Group(id=gid, tag=tag, name=name) if gid is not None and tag is not None else None


def _tag(c: Checker, path: KeyPath, value: object) -> str:
    if (isinstance(value, str) and value and value.strip() == value
            and not any(ch in value for ch in "[]\n\r\t")):
        return value
    raise c.expect(path, "the tag as written in titles, like ExampleSubs (no brackets)", value)


def _member(c: Checker, path: KeyPath, value: object) -> m.Member:
    data = c.mapping(path, value, required=("role",))
    member_id = c.get(data, path, "id", None,
                      lambda p, v: None if v is None else c.snowflake(p, v))
    display = c.get(data, path, "display_name", None, lambda p, v: c.optional_text(p, v, 32))
    role = c.get(data, path, "role", "", lambda p, v: c.text(p, v, 64))
    if data.get("id") is None and data.get("display_name") is None:
        raise c.fail(path, "expected an id, or a display_name for a new member, got neither")
    return m.Member(role=role, id=member_id, display_name=display)


def _members(c: Checker, value: object) -> tuple[m.Member, ...]:
    return tuple(c.each(("members",), value, "members", lambda p, v: _member(c, p, v),
                        limit=MAX_CREDITS))


def _secondary(c: Checker, value: object, primary: str | None) -> tuple[m.SecondaryGroup, ...]:
    def one(path: KeyPath, item: object) -> m.SecondaryGroup:
        data = c.mapping(path, item, required=("id",))
        gid = c.get(data, path, "id", "", c.snowflake)
        if gid and gid == primary:
            raise c.fail((*path, "id"), "expected another group, got the primary group's id "
                         "— list only other groups here")
        role = c.get(data, path, "role", None, lambda p, v: c.optional_text(p, v, 64))
        return m.SecondaryGroup(id=gid, role=role)

    return tuple(c.each(("secondary_groups",), value, "groups", one, limit=MAX_CREDITS))


def _languages(c: Checker, value: object) -> m.LanguageDefaults:
    path: KeyPath = ("languages",)
    data = c.mapping(path, value)
    default = m.LanguageDefaults()

    def code(p: KeyPath, v: object) -> str:
        found = c.languages.lookup(v) if isinstance(v, str) else None
        if found is None:
            raise c.expect(p, "a nekoBT language code like ja, en or es-419", v)
        return found

    def codes(p: KeyPath, v: object) -> tuple[str, ...]:
        out = tuple(dict.fromkeys(c.each(p, v, "language codes like [ja]", code)))
        if len(",".join(out)) > LANGS_MAX:
            raise c.fail(p, f"expected at most {LANGS_MAX} characters of codes, got "
                         f"{len(','.join(out))}")
        return out

    def detected(p: KeyPath, v: object) -> m.DetectedSubtitles:
        if v == "fansub" or v == "subtitles":
            return v
        raise c.expect(p, "fansub or subtitles", v)

    return m.LanguageDefaults(
        audio=c.get(data, path, "audio", default.audio, codes),
        subtitles=c.get(data, path, "subtitles", default.subtitles, codes),
        fansub=c.get(data, path, "fansub", default.fansub, codes),
        detected_subtitles=c.get(data, path, "detected_subtitles", default.detected_subtitles,
                                 detected),
    )


def _template(c: Checker, path: KeyPath, value: object, limit: int, *, one_line: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise c.expect(path, "a non-empty template text", value)
    if one_line and "\n" in value.strip():
        raise c.fail(path, "expected a single-line template, got a line break")
    problem = template_problem(value)
    if problem is not None:
        raise c.fail(path, problem)
    if literal_length(value) > limit:
        raise c.fail(path, f"expected at most {limit} characters, got "
                     f"{literal_length(value)} before any field is filled in")
    return value


def _announce(c: Checker, path: KeyPath, value: object) -> str:
    expected = "an announce URL (" + ", ".join(ANNOUNCE_SCHEMES) + ")"
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        raise c.expect(path, expected, value)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise c.expect(path, expected, value) from None
    if parts.scheme.lower() not in ANNOUNCE_SCHEMES or not host:
        raise c.expect(path, expected, value)
    keyed = _NEKOBT_KEYED.match(parts.path)
    if host.lower() == "tracker.nekobt.to" and keyed and keyed.group(1).lower() != "public":
        # Never echo the URL: it holds the user's torrent key.
        raise c.fail(path, "a private announce URL (it holds your torrent key) must never go "
                     f"into an uploaded torrent — use {m.PUBLIC_TRACKER}")
    return value


def _trackers(c: Checker, value: object) -> tuple[tuple[str, ...], ...]:
    path: KeyPath = ("trackers",)
    errors_before = len(c.errors)
    seen: dict[str, KeyPath] = {}

    def url_at(p: KeyPath, v: object) -> str:
        url = _announce(c, p, v)
        if url in seen:
            raise c.fail(p, f"this URL is already listed at {format_path(seen[url])} — "
                         "keep one")
        seen[url] = p
        return url

    def tier(p: KeyPath, v: object) -> tuple[str, ...]:
        if isinstance(v, str):  # a bare URL is a tier of one
            return (url_at(p, v),)
        if v == []:
            raise c.fail(p, "expected a tier with at least one URL, got an empty list")
        return tuple(c.each(p, v, "announce URLs", url_at))

    tiers = tuple(c.each(path, value, "tiers (lists of announce URLs)", tier))
    if len(c.errors) == errors_before and len(seen) < 2:
        raise c.fail(path, "expected at least 2 trackers in total (the site fails a torrent "
                     f"without a backup tracker), got {len(seen)}")
    if seen and m.PUBLIC_TRACKER not in seen:
        c.warn(path, f"the site's public tracker {m.PUBLIC_TRACKER} is not listed — the site "
               "will warn about it; add it unless this torrent is not for nekoBT's swarm")
    return tiers


def _piece_size(c: Checker, path: KeyPath, value: object) -> int | None:
    if value == "auto":
        return None
    size: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value.strip())):
        size = int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]
    if size is None or not PIECE_MIN <= size <= PIECE_MAX or size & (size - 1):
        raise c.expect(path, 'auto or a power of two from 16 KiB to 16 MiB, like "4 MiB"',
                       value)
    return size


def _torrent(c: Checker, value: object) -> m.TorrentOptions:
    path: KeyPath = ("torrent",)
    data = c.mapping(path, value)
    default = m.TorrentOptions()

    def glob(p: KeyPath, v: object) -> str:
        return c.text(p, v, 255)

    return m.TorrentOptions(
        piece_size=c.get(data, path, "piece_size", None, lambda p, v: _piece_size(c, p, v)),
        private=c.get(data, path, "private", False, c.boolean),
        source=c.get(data, path, "source", None, lambda p, v: c.optional_text(p, v, 255)),
        exclude=c.get(data, path, "exclude", default.exclude,
                      lambda p, v: tuple(c.each(p, v, "glob patterns", glob))),
        reuse=c.get(data, path, "reuse", False, c.boolean),
    )


def _upload(c: Checker, value: object) -> m.UploadOptions:
    path: KeyPath = ("upload",)
    data = c.mapping(path, value)

    def ignore(p: KeyPath, v: object) -> bool | tuple[str, ...]:
        if isinstance(v, bool):
            return v
        if isinstance(v, list):
            return tuple(c.each(p, v, "warning texts", lambda q, w: c.text(q, w, 512)))
        raise c.expect(p, "true, false or a list of warning texts", v)

    no: bool | tuple[str, ...] = False
    ignore_warnings = c.get(data, path, "ignore_warnings", no, ignore)
    return m.UploadOptions(
        ignore_warnings=ignore_warnings,
        mark_upgrades=c.get(data, path, "mark_upgrades", True, c.boolean),
        include_mediainfo=c.get(data, path, "include_mediainfo", True, c.boolean),
        require_video=c.get(data, path, "require_video", True, c.boolean),
    )


def _seed(c: Checker, value: object) -> m.SeedOptions:
    path: KeyPath = ("seed",)
    data = c.mapping(path, value)

    def folder(p: KeyPath, v: object) -> Path | None:
        if v is None:
            return None
        text = os.path.expanduser(c.text(p, v, 4096))  # unchanged when there is no home
        # Relative to the profile's folder, so a profile in git means the same from any cwd.
        return c.doc.file.parent / text

    def client_path(p: KeyPath, v: object) -> str | None:
        # As the torrent client sees it (maybe another machine or a container): kept as written.
        if v is None:
            return None
        text = c.text(p, v, 4096)
        if not text.startswith("/"):
            raise c.fail(p, f"expected an absolute path as your torrent client sees it, got "
                            f"{text!r}")
        return text

    def tag(p: KeyPath, v: object) -> str:
        text = c.text(p, v, 64)
        if "," in text:
            raise c.fail(p, f"a tag cannot contain a comma, got {text!r} — list tags one by one")
        return text

    return m.SeedOptions(
        copy_torrent_to=c.get(data, path, "copy_torrent_to", None, folder),
        category=c.get(data, path, "category", None, lambda p, v: c.optional_text(p, v, 64)),
        tags=c.get(data, path, "tags", (), lambda p, v: tuple(c.each(p, v, "tags", tag))),
        save_path=c.get(data, path, "save_path", None, client_path),
    )


def _notify(c: Checker, value: object) -> m.NotifyOptions:
    from uploader.notify import EVENT_FIELDS, KINDS
    from uploader.profiles.templates import FIELDS
    from uploader.secret import Secret

    path: KeyPath = ("notify",)
    data = c.mapping(path, value)

    def url(p: KeyPath, v: object) -> Secret:
        text = c.text(p, v, 2048)
        if "://" not in text:
            # The value is a secret (webhook tokens): say what is wrong without repeating it.
            raise c.fail(p, "expected an apprise URL like discord://ID/TOKEN or "
                            "json://host/path")
        return Secret(text)

    def template(p: KeyPath, v: object) -> str:
        if not isinstance(v, str) or not v.strip():
            raise c.expect(p, "a non-empty template text", v)
        problem = template_problem(v, FIELDS + EVENT_FIELDS)
        if problem is not None:
            raise c.fail(p, problem)
        return v

    def event(p: KeyPath, v: object) -> str:
        if isinstance(v, str) and v in KINDS:
            return v
        raise c.expect(p, "one of " + ", ".join(KINDS), v)

    return m.NotifyOptions(
        urls=c.get(data, path, "urls", (), lambda p, v: tuple(c.each(p, v, "URLs", url))),
        template=c.get(data, path, "template", None, template),
        events=c.get(data, path, "events", m.NotifyOptions().events,
                     lambda p, v: tuple(c.each(p, v, "events", event))),
    )
