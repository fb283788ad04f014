"""Notifications through the real CLI and daemon to a loopback apprise JSON receiver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from e2e_world import World
from receiver import receiver

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"


def test_an_upload_is_told_once_to_the_operator_and_to_the_groups_channel(
        world: World) -> None:
    with receiver() as operator, receiver() as channel:
        world.edit_profile("examplesubs", lambda d: d.update(notify={
            "urls": [channel.url()], "template": "{group} released {episode}: {link}"}))
        run = world.cli("upload", "--json", "--notify", operator.url(),
                        str(world.release(V2)))
        assert run.code == 0, run.err
    (record,) = run.records()
    link = f"{world.server.url.removesuffix('/api/v1')}/torrents/{record['torrent_id']}"
    (told,) = operator.messages
    assert told["title"] == f"Uploaded: {record['title']}"
    assert told["message"].startswith(link + "\nsize: ")
    assert "marked upgraded: 1300000000000001001" in told["message"]
    assert [m["message"] for m in channel.messages] == [f"ExampleSubs released 01: {link}"]
    assert "s3cr3t-token" not in run.out + run.err


def test_a_rejection_reaches_the_operator_not_the_channel(world: World) -> None:
    release = world.release(V2)
    release.write_text("hello\n")
    past = time.time() - 60
    os.utime(release, (past, past))
    with receiver() as operator, receiver() as channel:
        world.edit_profile("examplesubs", lambda d: d.update(notify={"urls": [channel.url()]}))
        run = world.cli("upload", "--json", str(release), env={"NEKOBT_NOTIFY": operator.url()})
    assert run.code == 1
    (told,) = operator.messages
    assert told["title"].startswith("Rejected: ")
    assert "no video track" in told["message"]
    assert channel.messages == []


def test_a_hanging_or_failing_notifier_changes_nothing_but_a_bounded_wait(
        world: World) -> None:
    with receiver("hang", hang=60) as hanging, receiver("fail") as failing:
        started = time.monotonic()
        run = world.cli("upload", "--json", "--notify", hanging.url(), "--notify",
                        failing.url(), str(world.release(V2)))
        took = time.monotonic() - started
    assert run.code == 0, run.err
    assert run.records()[0]["status"] == "uploaded"
    assert len(world.posts()) == 1
    assert took < 30  # the read timeout (6 s) and the close bound (15 s), not the 60 s hang
    assert len(failing.messages) == 1  # tried once, never repeated
    assert "s3cr3t-token" not in run.err


def test_the_daemon_says_started_uploaded_and_stopped(world: World) -> None:
    inbox = world.tmp / "inbox"
    inbox.mkdir()
    with receiver() as operator:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
        env.update(NEKOBT_API_URL=world.server.url, NEKOBT_STATE_DIR=str(world.state),
                   NEKOBT_PROFILES=str(world.profiles), NEKOBT_API_KEY=world.key,
                   NEKOBT_NOTIFY=operator.url())
        proc = subprocess.Popen([sys.executable, "-m", "uploader", "watch", "--settle", "0.5",
                                 str(inbox)], env=env, cwd=world.tmp,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while not operator.messages and time.monotonic() < deadline:
                time.sleep(0.1)
            world.release(V2).rename(inbox / V2)
            while len(operator.messages) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        titles = [m["title"] for m in operator.messages]
    assert proc.returncode == 0, err
    assert titles[0] == "nekobt-upload watch started"
    assert titles[1].startswith("Uploaded: [ExampleSubs] Sample Show - 01v2")
    assert titles[2:] == ["nekobt-upload watch stopped"]


def test_the_daemon_reports_a_refused_key_and_does_not_start(world: World) -> None:
    inbox = world.tmp / "inbox"
    inbox.mkdir()
    with receiver() as operator:
        run = world.cli("watch", "--notify", operator.url(), str(inbox), key="wrong-key")
    assert run.code == 3
    assert [m["title"] for m in operator.messages] == [
        "nekobt-upload: the API key was refused"]
    assert "wrong-key" not in operator.messages[0]["message"]
