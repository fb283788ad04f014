"""Fault injection: make the next N requests (optionally only those matching a method and a
path pattern) fail the ways the real site and its CDN fail.

Kinds:
- `rate-limit-json`: the site's 429 JSON with `retry_after` (VALUE = seconds, default 1.5)
- `rate-limit-html`: Cloudflare's 429 HTML page with a `Retry-After` header (VALUE, default 2)
- `server-error` / `server-error-json`: a 500 as an HTML page / as the site's JSON
- `slow`: answer normally after VALUE seconds (default 2; real HTTP face only — the
  in-process face records it in the request log and answers at once)
- `drop`: handle the request (an upload is stored), then close the connection without answering

Command-line form (`nekobt-upload sandbox --fault SPEC`): `KIND[=VALUE][:COUNT[:METHOD[:PATH]]]`,
e.g. `rate-limit-json:3`, `slow=5:1:GET`, `drop:1:POST:/upload`. PATH is relative to the API
root and may use shell wildcards (`/torrents/*`).

`Quirks` are lasting behaviours rather than one-off faults (newer site version, approval
queue, language aliases); `sandbox --quirk NAME` sets them by the names in `QUIRK_NAMES`.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("rate-limit-json", "rate-limit-html", "server-error", "server-error-json", "slow", "drop")
DEFAULT_VALUES = {"rate-limit-json": 1.5, "rate-limit-html": 2.0, "slow": 2.0}


@dataclass
class Fault:
    kind: str
    remaining: int = 1
    method: str | None = None
    path: str | None = None
    value: float | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)


@dataclass
class Quirks:
    """Behaviours of the real site a client must cope with.

    The defaults are the reference's behaviour, at its strictest: mediainfo answers aliases
    ("jp") as the reference's example does, and a torrent waiting for approval is hidden from
    everyone but staff (403 on its page, no infohash match) as the reference shows.
    """

    lang_aliases: bool = True  # mediainfo answers "jp" instead of "ja" (as the reference does)
    text_langs_as: str = "fansub"  # where mediainfo text tracks go: "fansub" or "sub"
    waiting_approve: bool = False  # new uploads wait for staff approval (first uploads do)
    # While a torrent waits for approval only staff see it, its uploader included; False
    # shows it to those who may edit it (a friendlier site than the reference shows).
    waiting_hidden: bool = True
    # A newer site version than the reference: `batch` (boolean) on upload, checks and
    # edits, and checks take the base64 `torrent` instead of `files` + announce lists.
    newer_site: bool = False

    def apply(self, names: Iterable[str]) -> None:
        """Set quirks from their command-line names (`QUIRK_NAMES`); unknown names raise."""
        for name in names:
            if name not in QUIRK_NAMES:
                raise ValueError(f"unknown quirk {name!r} (one of: {', '.join(QUIRK_NAMES)})")
            attribute, value = QUIRK_NAMES[name]
            setattr(self, attribute, value)


# `nekobt-upload sandbox --quirk NAME`: name -> (Quirks attribute, value it sets).
QUIRK_NAMES: dict[str, tuple[str, object]] = {
    "lang-aliases": ("lang_aliases", True),  # the default; kept for existing scripts
    "no-lang-aliases": ("lang_aliases", False),
    "text-langs-as-sub": ("text_langs_as", "sub"),
    "waiting-approve": ("waiting_approve", True),
    "waiting-visible": ("waiting_hidden", False),
    "newer-site": ("newer_site", True),
}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self.quirks = Quirks()

    def add(self, kind: str, count: int = 1, *, method: str | None = None,
            path: str | None = None, value: float | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (one of: {', '.join(KINDS)})")
        if count < 1:
            raise ValueError("fault count must be at least 1")
        fault = Fault(kind, count, method, path, value if value is not None
                      else DEFAULT_VALUES.get(kind))
        with self._lock:
            self._pending.append(fault)
        return fault

    # Readable shorthands for tests.
    def rate_limit_json(self, count: int = 1, *, retry_after: float = 1.5,
                        method: str | None = None, path: str | None = None) -> Fault:
        return self.add("rate-limit-json", count, method=method, path=path, value=retry_after)

    def rate_limit_html(self, count: int = 1, *, retry_after: int = 2,
                        method: str | None = None, path: str | None = None) -> Fault:
        return self.add("rate-limit-html", count, method=method, path=path, value=retry_after)

    def server_error(self, count: int = 1, *, json: bool = False, method: str | None = None,
                     path: str | None = None) -> Fault:
        kind = "server-error-json" if json else "server-error"
        return self.add(kind, count, method=method, path=path)

    def slow(self, delay: float, count: int = 1, *, method: str | None = None,
             path: str | None = None) -> Fault:
        return self.add("slow", count, method=method, path=path, value=delay)

    def drop(self, count: int = 1, *, method: str | None = None,
             path: str | None = None) -> Fault:
        return self.add("drop", count, method=method, path=path)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._pending if f.remaining > 0]

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first pending fault matching this request."""
        with self._lock:
            for fault in self._pending:
                if fault.remaining > 0 and fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def add_spec(self, spec: str) -> Fault:
        """Add a fault from its command-line form (see the module docstring)."""
        head, *rest = spec.split(":", 3)
        kind, _, raw_value = head.partition("=")
        try:
            value = float(raw_value) if raw_value else None
            count = int(rest[0]) if rest and rest[0] else 1
        except ValueError:
            raise ValueError(f"bad fault {spec!r}: VALUE and COUNT must be numbers") from None
        method = rest[1].upper() if len(rest) > 1 and rest[1] else None
        path = rest[2] if len(rest) > 2 and rest[2] else None
        if path is not None and not path.startswith("/"):
            raise ValueError(f"bad fault {spec!r}: PATH must start with '/'")
        return self.add(kind.strip(), count, method=method, path=path, value=value)
