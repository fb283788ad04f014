"""From a release's journal record to the notifications it deserves (`uploader.notify`).

`upload` and `watch` call `Announcer.record(record, profile)` once per outcome they print; the
daemon also says when it starts, stops or finds its key refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from uploader import journal as J
from uploader import notify as N

if TYPE_CHECKING:
    from uploader.journal import ReleaseRecord
    from uploader.profiles import Profile
    from uploader.settings import Settings

_KINDS = {J.UPLOADED: N.UPLOADED, J.EXISTS: N.EXISTS, J.REJECTED: N.REJECTED,
          J.FAILED: N.FAILED}


def _size(path: Path) -> int:
    with contextlib.suppress(OSError):
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def events_for(record: ReleaseRecord, api_url: str, profile: Profile | None,
               held: str | None = None) -> list[N.Event]:
    """The events one outcome makes: an upload that is not seeding makes two."""
    from uploader.profiles.templates import human_size, release_fields

    kind = N.HELD if held is not None else _KINDS.get(record.state)
    if kind is None:
        return []
    path = Path(record.path)
    size = _size(path)
    fields: Mapping[str, str] = (release_fields(profile, path, size=size)
                                 if profile is not None else {})
    link = (f"{api_url.removesuffix('/api/v1')}/torrents/{record.torrent_id}"
            if record.torrent_id and record.state in J.DONE else "")
    reason = held or ("; ".join(record.fails) if record.fails else (record.error or ""))
    base = N.Event(kind, release=path.name, title=record.title or path.stem, link=link,
                   reason=reason if kind != N.UPLOADED else "", size=human_size(size),
                   upgraded=tuple(record.upgraded), torrent_id=record.torrent_id or "",
                   fields=fields)
    events = [base]
    if record.state == J.UPLOADED and record.seeding_state == J.SEED_FAILED:
        events.append(N.Event(N.SEEDING_FAILED, release=path.name, title=base.title,
                              link=link, reason=record.seeding_error or "",
                              torrent_id=base.torrent_id, fields=fields))
    return events


def profile_targets(profile: Profile | None) -> list[N.Target]:
    if profile is None:
        return []
    options = profile.notify
    return [N.Target(url, template=options.template, kinds=options.events)
            for url in options.urls]


class Announcer:
    """The machine's notifier plus each release's profile targets; a no-op when neither."""

    def __init__(self, settings: Settings,
                 profiles: Callable[[], Mapping[str, Profile]]) -> None:
        self.api_url = settings.api_url
        self.profiles = profiles  # a callable: the daemon reloads its profiles
        self.notifier = N.Notifier([N.Target(url) for url in settings.notify_urls])

    def record(self, record: ReleaseRecord, *, held: str | None = None) -> None:
        profile = self.profiles().get(record.profile or "")
        extra = profile_targets(profile)
        if not (self.notifier or extra):
            return
        for event in events_for(record, self.api_url, profile, held):
            self.notifier.notify(event, extra)

    def daemon(self, kind: str, reason: str = "") -> None:
        self.notifier.notify(N.Event(kind, reason=reason))

    def close(self) -> None:
        self.notifier.close()

    def __enter__(self) -> Announcer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
