"""The check preview and the output people read: the real CLI against the sandbox over loopback,
with its output on pipes (CI, scripts) and on a pseudo-terminal (a person)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from e2e_world import World
from pty_run import COLOUR, run_on_pty, terminal_env

from uploader.sandbox.checks import WARN_PUBLIC_TRACKER

V1 = "[ExampleSubs] Sample Show - 01 (1080p).mkv"
V2 = "[ExampleSubs] Sample Show - 02 (1080p).mkv"
SUMMARY = re.compile(r"^(\d+ \w+, )*\d+ \w+ in \d+\.\d s$")


def sent(world: World) -> dict[str, Any]:
    """The one POST /upload body the site received, without its torrent."""
    (post,) = world.posts()
    body = dict(post.json)
    del body["torrent"]
    return body


def env_of(world: World, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    env.update(NEKOBT_API_URL=world.server.url, NEKOBT_STATE_DIR=str(world.state),
               NEKOBT_PROFILES=str(world.profiles), NEKOBT_API_KEY=world.key)
    return terminal_env(env, **extra)


# -- the preview ------------------------------------------------------------------------------

@pytest.mark.parametrize("accept_warnings", [False, True])
def test_check_payload_is_exactly_the_body_upload_sends(world: World,
                                                        accept_warnings: bool) -> None:
    flags: list[str] = []
    if accept_warnings:
        # Without the site's public tracker the checks warn; --ignore-warnings accepts it,
        # and the body says so (`ignore_warnings: true`) in both.
        world.edit_profile("examplesubs", lambda p: p.update(trackers=[
            ["udp://tracker.opentrackr.org:1337/announce"],
            ["udp://open.stealth.si:80/announce"]]))
        flags = ["--ignore-warnings"]
    release = world.release(V1)
    check = world.cli("check", "--json", *flags, str(release))
    assert check.code == 0, check.err
    (checked,) = check.records()
    assert checked["status"] == "checked"
    assert world.posts() == []
    dry = world.cli("upload", "--dry-run", "--json", *flags, str(release))
    assert dry.code == 0, dry.err
    assert [r["payload"] for r in dry.records()] == [checked["payload"]]
    assert world.posts() == []

    upload = world.cli("upload", "--json", *flags, str(release))
    assert upload.code == 0, upload.err
    assert upload.records()[0]["status"] == "uploaded"
    assert upload.records()[0]["payload"] is None  # only check / dry run carry it
    assert checked["payload"] == sent(world)
    assert ("ignore_warnings" in checked["payload"]) is accept_warnings
    assert checked["warns"] == ([WARN_PUBLIC_TRACKER] if accept_warnings else [])


def test_check_shows_the_request_it_would_post(world: World) -> None:
    release = world.release(V1)
    run = world.cli("check", str(release))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == ("checked: [ExampleSubs] Sample Show - 01 (1080p) — the site's checks "
                        "passed; nothing uploaded")
    (record,) = world.cli("check", "--json", str(release)).records()
    body = record["payload"]
    group = body["primary_group"]
    rows: dict[str, list[str]] = {}  # label -> values, as shown under "would POST /upload:"
    for line in lines[lines.index("  would POST /upload:") + 1:]:
        found = re.match(r"^    (\S.*?)\s{2,}(.*)$|^      (member)\s{2,}(.*)$", line)
        if found:
            label, value = (found[1], found[2]) if found[1] else (found[3], found[4])
            rows.setdefault(label, []).append(value)
    assert rows["title"] == [body["title"]]
    assert rows["category"] == ["1"]
    assert rows["level"] == [f"{body['level']} full-scale fansub"]
    assert rows["video codec"] == ["1 H.264/AVC"]
    assert rows["audio"] == [body["audio_langs"].replace(",", ", ")]
    assert rows["fansub"] == [body["fansub_langs"].replace(",", ", ")]
    assert rows["group"] == [f"{group['id']} [ExampleSubs]"]
    assert rows["member"] == [
        f"{m['id'] or m['display_name'] + ' (new: the site sends an invite)'} — {m['role']}"
        for m in group["members"]]
    assert rows["secondary group"] == [f"{g['id']} — {g['role']}"
                                       for g in body["secondary_groups"]]
    assert rows["flags"] == ["(none)"]
    assert rows["mediainfo"] == [f"{len(body['mediainfo'])} characters"]
    assert rows["trackers"][0] == "tier 1: https://tracker.nekobt.to/api/tracker/public/announce"
    assert rows["piece size"] == ["256 KiB"]
    shown = [line.removeprefix("      |").removeprefix(" ") for line in lines
             if line.startswith("      |")]
    assert "\n".join(shown).strip() == body["description"].strip()


# -- off a terminal ---------------------------------------------------------------------------

def test_piped_output_is_one_result_per_release_in_argument_order(world: World) -> None:
    # Argument order, not name order: 02 before 01.
    second, first = world.release(V2), world.release(V1)
    before = set(world.site.torrents)
    run = world.cli("upload", str(second), str(first))
    assert run.code == 0, run.err
    url = world.server.url.removesuffix("/api/v1")
    results = [line for line in run.out.splitlines() if not line.startswith(" ")]
    titles = ["[ExampleSubs] Sample Show - 02 (1080p)", "[ExampleSubs] Sample Show - 01 (1080p)"]
    new = {t.title: t.id for t in world.site.torrents.values() if t.id not in before}
    assert results == [f"uploaded: {title} → {url}/torrents/{new[title]}" for title in titles]
    # No colour, no progress, no summary, and no INFO chatter by default.
    assert "\x1b" not in run.out + run.err
    assert "\r" not in run.out + run.err
    assert not any(SUMMARY.match(line) for line in run.out.splitlines())
    assert run.err == ""


def test_json_stdout_holds_only_records(world: World) -> None:
    run = world.cli("upload", "--json", str(world.release(V2)), str(world.release(V1)))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["uploaded", "uploaded"]
    assert [json.loads(line)["title"] for line in lines] == [
        "[ExampleSubs] Sample Show - 02 (1080p)", "[ExampleSubs] Sample Show - 01 (1080p)"]
    assert "\x1b" not in run.out + run.err


def test_log_levels_and_warning_lines(world: World) -> None:
    (world.profiles / "broken.yaml").write_text("group: {id: '1', tag: B}\nlevel: 9\n")
    release = world.release(V1)
    quiet = world.cli("check", str(release))
    assert quiet.code == 0, quiet.err
    (warning,) = quiet.err.splitlines()
    assert warning.startswith("warning: profile broken: cannot be used (")
    assert "broken.yaml" in warning
    sidecar = release.with_name(release.name + ".nekobt.yaml")
    sidecar.write_text("level: 3\n")  # the pipeline says (info) that it applies it
    assert "overrides from" not in world.cli("check", str(release)).err
    verbose = world.cli("check", "-v", str(release))
    info = [line for line in verbose.err.splitlines() if not line.startswith("warning: ")]
    assert info == [f"{release.name}: overrides from {sidecar.name}"]
    debug = world.cli("check", "-vv", str(release))
    assert re.search(r"^\d\d:\d\d:\d\d DEBUG   uploader\.\w+", debug.err, re.MULTILINE)
    assert re.search(r"^\d\d:\d\d:\d\d WARNING uploader\.profiles[\w.]*: .*broken\.yaml",
                     debug.err, re.MULTILINE)


# -- on a terminal ----------------------------------------------------------------------------

def test_terminal_gets_colour_and_a_summary(world: World) -> None:
    second, first = world.release(V2), world.release(V1)
    bad = world.release("[NoSuchGroup] Show - 01.mkv")
    run = run_on_pty(["upload", str(second), str(first), str(bad)], env=env_of(world),
                     cwd=world.tmp)
    assert run.code == 2, run.raw  # no profile for [NoSuchGroup]: a configuration error
    assert COLOUR.search(run.raw), run.raw
    lines = run.lines()
    results = [line for line in lines if re.match(r"(uploaded|failed): ", line)]
    assert [r.split(" → ")[0] for r in results] == [
        "uploaded: [ExampleSubs] Sample Show - 02 (1080p)",
        "uploaded: [ExampleSubs] Sample Show - 01 (1080p)",
        "failed: [NoSuchGroup] Show - 01.mkv"]
    assert SUMMARY.match(lines[-1]), lines
    assert lines[-1].startswith("2 uploaded, 1 failed in ")
    assert not any("INFO" in line or "uploader.credits" in line for line in lines)


def test_no_color_on_a_terminal(world: World) -> None:
    run = run_on_pty(["check", str(world.release(V1))], env=env_of(world, NO_COLOR="1"),
                     cwd=world.tmp)
    assert run.code == 0, run.raw
    assert not COLOUR.search(run.raw), run.raw
    assert SUMMARY.match(run.lines()[-1])
    assert run.lines()[-1].startswith("1 checked in ")


def test_json_on_a_terminal_is_plain_records(world: World) -> None:
    run = run_on_pty(["upload", "--json", str(world.release(V1))], env=env_of(world),
                     cwd=world.tmp)
    assert run.code == 0, run.raw
    assert "\x1b" not in run.raw
    (line,) = run.lines()
    assert json.loads(line)["status"] == "uploaded"
