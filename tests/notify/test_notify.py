"""Notifications through real apprise to a loopback receiver: delivered once, bounded, masked."""

from __future__ import annotations

import logging
import time

import pytest
from receiver import receiver

from uploader.notify import (
    FAILED,
    UPLOADED,
    Event,
    Notifier,
    Target,
    apprise_send,
    masked,
)
from uploader.secret import Secret

EVENT = Event(UPLOADED, release="[G] Show - 01.mkv", title="[G] Show - 01",
              link="https://nekobt.to/torrents/42", size="1.46 GiB", upgraded=("41",),
              torrent_id="42", fields={"group": "GroupSubs", "episode": "01"})


def test_an_upload_reaches_a_json_webhook_once_with_its_facts() -> None:
    with receiver() as r, Notifier([Target(Secret(r.url()))]) as notifier:
        notifier.notify(EVENT)
    (message,) = r.messages
    assert message["title"] == "Uploaded: [G] Show - 01"
    assert message["message"] == ("https://nekobt.to/torrents/42\nsize: 1.46 GiB\n"
                                  "marked upgraded: 41")
    assert r.paths == ["/hook/s3cr3t-token"]
    assert (notifier.sent, notifier.failed) == (1, 0)


def test_a_template_words_the_groups_announcement() -> None:
    target = Target(Secret("placeholder"), template="{group} released episode {episode}: {link}")
    with receiver() as r:
        target = Target(Secret(r.url()), template=target.template)
        with Notifier([]) as notifier:
            notifier.notify(EVENT, extra=[target])
    assert [m["message"] for m in r.messages] == [
        "GroupSubs released episode 01: https://nekobt.to/torrents/42"]


def test_events_a_target_does_not_want_are_not_sent() -> None:
    with receiver() as r, Notifier([]) as notifier:
        notifier.notify(Event(FAILED, release="x", reason="boom"),
                        extra=[Target(Secret(r.url()), kinds=(UPLOADED,))])
    assert r.messages == []


def test_a_failing_receiver_is_logged_masked_and_never_raises(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with receiver("fail") as r, Notifier([Target(Secret(r.url()))]) as notifier:
        notifier.notify(EVENT)
    assert (notifier.sent, notifier.failed) == (0, 1)
    assert len(r.messages) == 1  # tried once, not repeated
    assert "s3cr3t-token" not in caplog.text
    assert "json://127.0.0.1/…" in caplog.text


def test_a_hanging_receiver_costs_at_most_the_bound() -> None:
    with receiver("hang", hang=20) as r:
        notifier = Notifier([Target(Secret(r.url()))], close_wait=3.0)
        started = time.monotonic()
        notifier.notify(EVENT)
        queued = time.monotonic() - started
        notifier.close()
        total = time.monotonic() - started
    assert queued < 0.1  # notify() only queues: the caller is never held up
    assert total < 3.0 + 1.0


def test_send_refuses_an_unknown_scheme_without_showing_the_url(
        caplog: pytest.LogCaptureFixture) -> None:
    assert apprise_send(Secret("nosuchservice://tok3n@host/path"), "t", "b") is False
    assert "tok3n" not in caplog.text


@pytest.mark.parametrize(("url", "shown"), [
    ("discord://1234/abcdef-token", "discord://1234/…"),
    ("json://127.0.0.1:8000/hook?token=x", "json://127.0.0.1/…"),
    ("tgram://bottoken/chatid", "tgram://bottoken/…"),
    ("not a url", "<notification URL>"),
])
def test_masked(url: str, shown: str) -> None:
    assert masked(Secret(url)) == shown
