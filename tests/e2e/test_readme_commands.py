"""Every README command line runs: against a loopback sandbox, with the README's placeholders
(a release of [MyGroup], a ready folder, torrent ids) stood in by real ones. A command that
needs a daemon or a torrent client is run in the form that returns (`--once`, `--help`)."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from e2e_world import REPO, SAMPLE, World

from uploader.sandbox import host_profiles, hostable_profiles

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
LINES = sorted({line.split("  #")[0].strip() for block in BLOCKS for line in block.splitlines()
                if line.strip().startswith("nekobt-upload ")})


def test_the_readme_has_command_lines() -> None:
    assert len(LINES) >= 8, LINES


@pytest.mark.parametrize("line", LINES)
def test_readme_command_runs(world: World, line: str) -> None:
    # A new group, [MyGroup], hosted by the sandbox (as `nekobt-upload sandbox` does).
    profiles = world.profiles
    shutil.copy(profiles / "examplesubs.yaml", profiles / "mygroup.yaml")
    world.edit_profile("mygroup", lambda d: (d["group"].update(id="4242424242", tag="MyGroup"),
                                             d.update(members=[], secondary_groups=[])))
    (profiles / "examplesubs.yaml").unlink()
    host_profiles(world.site, hostable_profiles(profiles))
    ready = world.tmp / "srv" / "encodes" / "ready"
    ready.mkdir(parents=True)
    words = shlex.split(line)[1:]
    subs = {"[MyGroup] Show - 05 (1080p).mkv":
            str(world.release("[MyGroup] Sample Show - 01v2 (1080p).mkv")),
            "/srv/encodes/ready": str(ready), "NEW_ID": "1300000000000001002",
            "OLD_ID...": "1300000000000001001"}
    args = [subs.get(w, w) for w in words]
    if args[0] == "watch":
        args.insert(1, "--once")
    if args[0] in ("sandbox",) or args[:2] == ["seed", "test"]:
        args.append("--help")  # a server that runs until stopped; needs a torrent client
    if args[:2] == ["profiles", "init"]:
        args.append("--force")
    if args[0] in ("status", "mark-upgraded"):  # after an upload, as in the README's flow
        first = world.cli("upload", "--ignore-warnings", subs["[MyGroup] Show - 05 (1080p).mkv"])
        assert first.code == 0, first.err
    run = world.cli(*args)
    assert "Traceback" not in run.err, (line, run.err)
    assert run.code == 0, (line, run.out, run.err)
    assert SAMPLE.exists()
