"""Tell people what happened: uploads, rejections, failures, seeding problems, daemon events.

Through apprise (one library, 100+ services: Discord, Telegram, Matrix, Slack, ntfy, e-mail,
plain JSON webhooks). Two kinds of targets:

    per machine  --notify URL / NEKOBT_NOTIFY ........ the operator: every event
    per profile  notify.urls + notify.template ....... the group's channel: its own releases

Delivery happens in one background thread with bounded time per message, so a failing or slow
notifier never fails, delays or repeats an upload; `close()` waits a bounded time for what is
queued, then gives up. Notification URLs carry tokens: they are `Secret`s, shown only as
`scheme://host/…` and never logged in full (apprise's own logger is kept quiet).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from uploader.secret import Secret

log = logging.getLogger(__name__)

# Event kinds.
UPLOADED, EXISTS, REJECTED, FAILED, HELD = "uploaded", "exists", "rejected", "failed", "held"
SEEDING_FAILED = "seeding_failed"
DAEMON_STARTED, DAEMON_STOPPED, KEY_REFUSED = "daemon_started", "daemon_stopped", "key_refused"
KINDS = (UPLOADED, EXISTS, REJECTED, FAILED, HELD, SEEDING_FAILED, DAEMON_STARTED,
         DAEMON_STOPPED, KEY_REFUSED)

# Fields a profile's `notify.template` may use: the description's, plus the outcome's.
EVENT_FIELDS = ("title", "link", "status", "reason", "upgraded", "torrent_id")
DEFAULT_TEMPLATE = "{title}\n{link}"

# Seconds: connecting and reading, per message (apprise's `cto`/`rto` URL arguments), and
# how long `close()` waits for what is still queued.
CONNECT_TIMEOUT, READ_TIMEOUT, CLOSE_WAIT = 4.0, 6.0, 15.0


def masked(url: Secret | str) -> str:
    """`scheme://host/…`: enough to tell targets apart, never the token."""
    text = url.reveal() if isinstance(url, Secret) else url
    parts = urlsplit(text)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…" if parts.scheme else "<notification URL>"


@dataclass(frozen=True)
class Event:
    kind: str
    release: str = ""                 # the file or folder name
    title: str = ""
    link: str = ""
    reason: str = ""
    size: str = ""
    upgraded: tuple[str, ...] = ()
    torrent_id: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)  # the description's fields

    def headline(self) -> str:
        name = self.title or self.release
        return {
            UPLOADED: f"Uploaded: {name}",
            EXISTS: f"Already on nekoBT: {name}",
            REJECTED: f"Rejected: {name}",
            FAILED: f"Failed: {name}",
            HELD: f"Held: {name}",
            SEEDING_FAILED: f"Uploaded but NOT seeding: {name}",
            DAEMON_STARTED: "nekobt-upload watch started",
            DAEMON_STOPPED: "nekobt-upload watch stopped",
            KEY_REFUSED: "nekobt-upload: the API key was refused",
        }.get(self.kind, f"{self.kind}: {name}")

    def body(self) -> str:
        lines = []
        if self.link:
            lines.append(self.link)
        if self.size:
            lines.append(f"size: {self.size}")
        if self.upgraded:
            lines.append("marked upgraded: " + ", ".join(self.upgraded))
        if self.reason:
            lines.append(self.reason)
        return "\n".join(lines) or self.headline()

    def template_fields(self) -> dict[str, str]:
        return {**self.fields, "title": self.title, "link": self.link, "status": self.kind,
                "reason": self.reason, "upgraded": ", ".join(self.upgraded),
                "torrent_id": self.torrent_id}


@dataclass(frozen=True)
class Target:
    """Where one message goes, and how it is worded (None: the standard wording)."""

    url: Secret
    template: str | None = None
    kinds: tuple[str, ...] = KINDS


Sender = Callable[[Secret, str, str], bool]


def apprise_send(url: Secret, title: str, body: str) -> bool:
    """Deliver one message with apprise; False (logged, masked) when it did not go out."""
    import warnings

    with warnings.catch_warnings():
        # apprise (and the plugins it loads on first use) import the stdlib's deprecated
        # `imghdr`: not ours to fix, nor the user's to see.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _apprise_send(url, title, body)


def _apprise_send(url: Secret, title: str, body: str) -> bool:
    import apprise  # ~0.15 s to import: only when there is something to send

    # apprise, and urllib3 under it, log request URLs, and a webhook's path is its token.
    logging.getLogger("apprise").setLevel(logging.CRITICAL)
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    text = url.reveal()
    sep = "&" if "?" in text else "?"
    if "cto=" not in text:
        text += f"{sep}cto={CONNECT_TIMEOUT:g}&rto={READ_TIMEOUT:g}"
    target = apprise.Apprise()
    if not target.add(text):
        log.warning("notify %s: not a notification URL apprise knows — see its list of "
                    "services", masked(url))
        return False
    ok = bool(target.notify(title=title, body=body))
    if not ok:
        log.warning("notify %s: the message was not delivered (the service failed or did not "
                    "answer in time); the upload is not affected", masked(url))
    return ok


class Notifier:
    """Queue events; one background thread delivers them, each within a bounded time."""

    def __init__(self, targets: Sequence[Target], *, send: Sender = apprise_send,
                 close_wait: float = CLOSE_WAIT) -> None:
        self.targets = list(targets)
        self._send = send
        self._close_wait = close_wait
        self._queue: queue.Queue[tuple[Target, str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def __bool__(self) -> bool:
        return bool(self.targets)

    def notify(self, event: Event, extra: Sequence[Target] = ()) -> None:
        """Queue `event` for the machine's targets and `extra` (the release profile's)."""
        for target in [*self.targets, *extra]:
            if event.kind not in target.kinds:
                continue
            if target.template is not None:
                from uploader.profiles.templates import render

                body = render(target.template, event.template_fields())
            else:
                body = event.body()
            self._start()
            self._queue.put((target, event.headline(), body))

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            target, title, body = item
            try:
                ok = self._send(target.url, title, body)
            except Exception as exc:  # noqa: BLE001 - a notifier must never break a run
                log.warning("notify %s: %s (the upload is not affected)", masked(target.url),
                            type(exc).__name__)
                ok = False
            if ok:
                self.sent += 1
            else:
                self.failed += 1

    def close(self) -> None:
        """Deliver what is queued, waiting at most `close_wait` seconds in all."""
        if self._thread is None:
            return
        self._queue.put(None)
        deadline = time.monotonic() + self._close_wait
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            log.warning("notify: gave up waiting for %d message(s) after %.0f s",
                        self._queue.qsize(), self._close_wait)
        self._thread = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
