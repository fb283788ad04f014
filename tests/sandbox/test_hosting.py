"""The sandbox hosts the groups of the profiles it is given: `host_profiles`, `start_sandbox
(profiles=...)` and `nekobt-upload sandbox --profiles DIR` (a subprocess on a free port), with
`check` / `upload` of a brand-new group's release through it."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from uploader.exceptions import ProfileError
from uploader.profiles import Profile, load_profile, load_profile_text
from uploader.sandbox import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_USER_ID,
    ENCODER_USER_ID,
    OTHER_GROUP_ID,
    Hosted,
    Site,
    host_profiles,
    hostable_profiles,
    start_sandbox,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = next((REPO / "examples" / "sample-release").glob("*.mkv"))
NEW_ID = "4242424242"
NEW_GROUP = f"""\
group: {{id: "{NEW_ID}", tag: NewGroup, name: The New Group}}
members:
  - {{id: "{ENCODER_USER_ID}", role: Encode}}
  - {{id: "777000777", role: Translation}}
  - {{display_name: FreshQC, role: QC}}
secondary_groups:
  - {{id: "5151515151", role: Raws}}
trackers:
  - [https://tracker.nekobt.to/api/tracker/public/announce]
  - [udp://tracker.opentrackr.org:1337/announce]
"""


def write(folder: Path, text: str = NEW_GROUP, name: str = "newgroup") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def new_profile(folder: Path, text: str = NEW_GROUP, name: str = "newgroup") -> Profile:
    return load_profile(write(folder, text, name))


def get(site: Site, path: str) -> Any:
    with httpx.Client(transport=site.transport(), base_url="http://sandbox.test/api/v1",
                      cookies={"ssid": DEMO_API_KEY}) as client:
        response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_new_group_with_its_members_and_the_demo_user_as_leader(tmp_path: Path) -> None:
    site = Site.demo()
    hosted = host_profiles(site, [new_profile(tmp_path)])
    assert hosted == [Hosted("newgroup", NEW_ID, "NewGroup", created=True)]
    group = get(site, f"/groups/{NEW_ID}")
    assert (group["tag"], group["display_tag"], group["display_name"]) == (
        "newgroup", "NewGroup", "The New Group")
    assert [(m["id"], m["leader"], m["admin"], m["invite"]) for m in group["members"]] == [
        (DEMO_USER_ID, True, True, False), (ENCODER_USER_ID, False, False, False),
        ("777000777", False, False, False)]
    assert group["members"][2]["display_name"] == "Member 777000777"
    mine = {g["id"]: (g["leader"], g["admin"]) for g in get(site, "/users/@me/groups")}
    assert mine[NEW_ID] == (True, True)
    assert get(site, "/groups/5151515151")["members"] == []  # a placeholder secondary group
    assert site.errors == []


def test_hosting_again_changes_nothing(tmp_path: Path) -> None:
    site = Site.demo()
    profile = new_profile(tmp_path)
    host_profiles(site, [profile])
    before = json.dumps(site.state.to_json(), sort_keys=True)
    again = host_profiles(site, [profile])
    assert again == [Hosted("newgroup", NEW_ID, "NewGroup", created=False)]
    assert json.dumps(site.state.to_json(), sort_keys=True) == before


def test_the_demo_profiles_are_already_there() -> None:
    site = Site.demo()
    state = site.state
    profiles = hostable_profiles(REPO / "profiles")
    assert sorted(p.name for p in profiles) == ["examplesubs", "examplesubs-raws"]
    assert [h.created for h in host_profiles(site, profiles)] == [False, False]
    assert site.state is state


def test_an_existing_group_is_left_as_it_is(tmp_path: Path) -> None:
    site = Site.demo()
    before = json.dumps(site.state.to_json(), sort_keys=True)
    text = NEW_GROUP.replace(NEW_ID, OTHER_GROUP_ID).replace("tag: NewGroup", "tag: othergroup")
    assert host_profiles(site, [new_profile(tmp_path, text)]) == [
        Hosted("newgroup", OTHER_GROUP_ID, "othergroup", created=False)]
    # Checks against it still say what the real site would: the demo user is no member.
    assert json.dumps(site.state.to_json(), sort_keys=True) == before


def test_clashes_can_be_skipped(tmp_path: Path) -> None:
    site = Site.demo()
    clash = new_profile(tmp_path / "a", NEW_GROUP.replace(NEW_ID, DEMO_GROUP_ID))
    fine = new_profile(tmp_path / "b")
    assert host_profiles(site, [clash, fine], skip_clashes=True) == [
        Hosted("newgroup", NEW_ID, "NewGroup", created=True)]


def test_a_demo_group_id_under_another_tag_is_a_clear_error(tmp_path: Path) -> None:
    site = Site.demo()
    state = site.state
    text = NEW_GROUP.replace(NEW_ID, DEMO_GROUP_ID)
    fine = new_profile(tmp_path / "a", NEW_GROUP.replace(NEW_ID, "99").replace("NewGroup", "B"))
    clash = new_profile(tmp_path / "b", text)
    with pytest.raises(ProfileError) as info:
        host_profiles(site, [fine, clash])
    assert str(info.value) == (
        f"{clash.source}:1:13: group.id: {DEMO_GROUP_ID} is the sandbox's group [ExampleSubs], "
        "not [NewGroup] — give the profile your own group's id (from its page address on "
        "nekoBT), or write tag: ExampleSubs to try that group")
    assert site.state is state  # all or nothing
    assert "99" not in site.state.groups


def test_a_demo_tag_under_another_id_is_a_clear_error(tmp_path: Path) -> None:
    site = Site.demo()
    clash = new_profile(tmp_path, NEW_GROUP.replace("tag: NewGroup", "tag: examplesubs"))
    with pytest.raises(ProfileError) as info:
        host_profiles(site, [clash])
    assert str(info.value) == (
        f"{clash.source}:1:32: group.tag: [examplesubs] is the tag of the sandbox's group "
        f"{DEMO_GROUP_ID}, not of {NEW_ID} — use id \"{DEMO_GROUP_ID}\" to try that group, "
        "or your own group's tag")


def test_broken_and_shared_tag_profiles_are_not_hosted(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write(folder)
    write(folder, "group: {id: x}\n", name="broken")
    same = NEW_GROUP.replace(NEW_ID, "1").replace("NewGroup", "Twin")
    write(folder, same, name="twin1")
    write(folder, same.replace('id: "1"', 'id: "2"'), name="twin2")
    assert [p.name for p in hostable_profiles(folder)] == ["newgroup"]
    assert hostable_profiles(tmp_path / "missing") == []


def test_start_sandbox_hosts_and_keeps_them_in_its_data(tmp_path: Path) -> None:
    profile = new_profile(tmp_path / "p")
    server = start_sandbox(tmp_path / "data", profiles=[profile])
    try:
        assert NEW_ID in server.site.state.groups
    finally:
        server.close()
    again = Site.demo(tmp_path / "data")  # a restart with --data: still there
    assert again.state.groups[NEW_ID].display_tag == "NewGroup"


def test_host_profiles_accepts_text_loaded_profiles(tmp_path: Path) -> None:
    profile = load_profile_text(NEW_GROUP, tmp_path / "newgroup.yaml")
    assert host_profiles(Site.demo(), [profile])[0].created


# --- the command, as a subprocess ----------------------------------------------------------


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
    env.update(NEKOBT_STATE_DIR=str(tmp / "state"), **extra)
    return env


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []
    readers: list[threading.Thread] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
        proc = subprocess.Popen([sys.executable, "-m", "uploader", "sandbox", "--port", "0",
                                 *args], env=env_for(tmp_path), cwd=tmp_path, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.append(proc)
        lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        out = proc.stdout

        def read() -> None:
            for line in out:
                lines.put(line)
            lines.put(None)  # the command ended

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        readers.append(reader)
        seen: list[str] = []
        while not any(line.endswith("Try:\n") for line in seen):
            line = lines.get(timeout=30)
            if line is None:
                break
            seen.append(line)
        return proc, seen

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    for reader in readers:
        reader.join(timeout=30)  # stdout reached its end: nothing reads it any more
    for proc in started:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def cli(tmp: Path, url: str, profiles: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = env_for(tmp, NEKOBT_API_URL=url, NEKOBT_API_KEY=DEMO_API_KEY,
                  NEKOBT_PROFILES=str(profiles))
    return subprocess.run([sys.executable, "-m", "uploader", *args], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=120, check=False)


def test_sandbox_command_hosts_a_new_group_for_check_and_upload(tmp_path: Path,
                                                                serve: Any) -> None:
    profiles = tmp_path / "mine"
    profile = new_profile(profiles)
    proc, lines = serve("--profiles", str(profiles))
    assert lines[0].startswith("nekoBT sandbox: http://127.0.0.1:"), lines
    url = lines[0].split(": ", 1)[1].strip()
    assert lines[2] == (f"hosting [NewGroup] (group {NEW_ID}) from profile newgroup; the demo "
                        "key may upload for it\n")

    run = cli(tmp_path, url, profiles, "profiles", "validate", "--online")
    assert (run.returncode, run.stdout) == (0, f"OK newgroup ({profile.source})\n"), run.stderr
    release = tmp_path / "in" / "[NewGroup] Sample Show - 01v2 (1080p).mkv"
    release.parent.mkdir()
    shutil.copyfile(SAMPLE, release)
    os.utime(release, (time.time() - 60, time.time() - 60))
    run = cli(tmp_path, url, profiles, "check", "--json", str(release))
    assert run.returncode == 0, run.stdout + run.stderr
    assert [json.loads(line)["status"] for line in run.stdout.splitlines()] == ["checked"]
    run = cli(tmp_path, url, profiles, "upload", "--json", str(release))
    assert run.returncode == 0, run.stdout + run.stderr
    [record] = [json.loads(line) for line in run.stdout.splitlines()]
    assert (record["status"], record["profile"], record["fails"]) == ("uploaded", "newgroup", [])
    assert record["title"] == "[NewGroup] Sample Show - 01v2 (1080p)"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_sandbox_command_refuses_a_clashing_profile(tmp_path: Path, serve: Any) -> None:
    profiles = tmp_path / "mine"
    clash = new_profile(profiles, NEW_GROUP.replace(NEW_ID, DEMO_GROUP_ID))
    proc, lines = serve("--profiles", str(profiles))
    assert proc.wait(timeout=30) == 2
    assert lines == []
    assert proc.stderr is not None
    assert proc.stderr.read().startswith(
        f"error: {clash.source}:1:13: group.id: {DEMO_GROUP_ID} is the sandbox's group "
        "[ExampleSubs], not [NewGroup]")


def test_sandbox_command_refuses_a_missing_profiles_folder(tmp_path: Path, serve: Any) -> None:
    proc, _ = serve("--profiles", str(tmp_path / "nope"))
    assert proc.wait(timeout=30) == 2
    assert proc.stderr is not None
    assert proc.stderr.read() == (f"error: sandbox --profiles '{tmp_path / 'nope'}': not found "
                                  "— create it, or leave --profiles out to host none\n")
