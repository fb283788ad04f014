"""`profiles init [TAG|ID]`: the real CLI against the sandbox over loopback writes a profile
that loads, passes `validate --online` against the same site, and checks and uploads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from loopback_cli import Run, cli, release

from uploader.exceptions import ConfigError
from uploader.profiles import Group, LanguageDefaults, Member, load_profile
from uploader.profiles.init import GroupChoice, choose_group, profile_name
from uploader.profiles.model import PUBLIC_TRACKER
from uploader.sandbox import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_RAWS_GROUP_ID,
    DEMO_USER_ID,
    ENCODER_USER_ID,
    OTHER_API_KEY,
    OTHER_GROUP_ID,
    OTHER_USER_ID,
    TRANSLATOR_USER_ID,
    SandboxServer,
    Site,
)

BACKUPS = (("udp://tracker.opentrackr.org:1337/announce",),
           ("udp://open.stealth.si:80/announce", "udp://exodus.desync.com:6969/announce"))


@dataclass
class Loop:
    site: Site
    server: SandboxServer
    tmp: Path
    profiles: Path

    def cli(self, *args: str, key: str = DEMO_API_KEY) -> Run:
        return cli(self.tmp, self.server.url, key, self.profiles, *args)


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    before = set(threading.enumerate())
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    site = Site.demo()
    with SandboxServer(site) as server:
        yield Loop(site, server, tmp_path, profiles)
    assert site.errors == []
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_init_writes_a_profile_that_validates_online_checks_and_uploads(loop: Loop) -> None:
    run = loop.cli("profiles", "init", "examplesubs")
    path = loop.profiles / "examplesubs.yaml"
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"wrote {path}\n"
                       "next: nekobt-upload check --profile examplesubs <release>\n")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ExampleSubs: the release profile of Example Subs, written by\n")
    assert "# Demo Uploader (leader): credited as Encode on 1 of 2 recent torrents" in text

    profile = load_profile(path)  # (a) it loads
    assert profile.group == Group(DEMO_GROUP_ID, "ExampleSubs", "Example Subs")
    # Every member in the site's order, with the role most credited on recent torrents.
    assert profile.members == (Member("Encode", DEMO_USER_ID), Member("Encode", ENCODER_USER_ID),
                               Member("Translation", TRANSLATOR_USER_ID))
    assert profile.languages == LanguageDefaults(("ja",), (), ("en",), "fansub")
    assert (profile.level, profile.video_type, profile.video_codec) == (3, 8, None)
    assert profile.trackers == ((PUBLIC_TRACKER,), *BACKUPS)
    assert (profile.title, profile.secondary_groups, profile.batch) == ("{stem}", (), False)

    # (b) `validate --online` against the same site.
    run = loop.cli("profiles", "validate", "--online", "examplesubs")
    assert (run.code, run.out) == (0, f"OK examplesubs ({path})\n")

    # (c) check, then upload, a release named with the group's tag.
    sample = release(loop.tmp, "ExampleSubs")
    run = loop.cli("check", "--json", "--profile", "examplesubs", str(sample))
    assert run.code == 0, run.err
    assert [r["status"] for r in run.records()] == ["checked"]
    run = loop.cli("upload", "--json", str(sample))
    assert run.code == 0, run.err
    (record,) = run.records()
    assert (record["status"], record["profile"]) == ("uploaded", "examplesubs")
    stored = loop.site.torrents[record["torrent_id"]]
    assert stored.title == "[ExampleSubs] Sample Show - 01v2 (1080p)"
    assert stored.primary_group is not None
    assert [(m["id"], m["role"]) for m in stored.primary_group["members"]] == [
        (DEMO_USER_ID, "Encode"), (ENCODER_USER_ID, "Encode"),
        (TRANSLATOR_USER_ID, "Translation")]
    assert (stored.level, stored.audio_lang, stored.fsub_lang) == (3, "ja", "en")


def test_a_group_without_torrents_gets_defaults_said_so(loop: Loop) -> None:
    run = loop.cli("profiles", "init", DEMO_RAWS_GROUP_ID)  # by id
    path = loop.profiles / "examplesubs-raws.yaml"
    assert (run.code, run.err) == (0, "")
    text = path.read_text(encoding="utf-8")
    assert ("  audio: [ja]                     # no torrents of ExampleSubs-Raws on the site "
            "yet: a default — set what you release\n") in text
    assert "# Demo Uploader (leader): not credited lately" in text
    profile = load_profile(path)
    assert profile.group == Group(DEMO_RAWS_GROUP_ID, "ExampleSubs-Raws", "Example Subs Raws")
    assert profile.members == (Member("Leader", DEMO_USER_ID),)
    assert profile.languages == LanguageDefaults()
    assert (profile.level, profile.video_type) == (3, 8)
    assert loop.cli("profiles", "validate", "--online").code == 0
    sample = release(loop.tmp, "ExampleSubs-Raws")
    run = loop.cli("upload", "--json", str(sample))
    assert run.code == 0, run.err
    assert [r["status"] for r in run.records()] == ["uploaded"]


def test_never_overwrites_without_force(loop: Loop) -> None:
    assert loop.cli("profiles", "init", "ExampleSubs").code == 0
    path = loop.profiles / "examplesubs.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    run = loop.cli("profiles", "init", "ExampleSubs")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"error: {path}: already exists — pass --force to overwrite it, or edit "
                       "it (`nekobt-upload profiles show examplesubs` prints it with every "
                       "default)\n")
    assert path.read_text(encoding="utf-8").endswith("# my edit\n")
    run = loop.cli("profiles", "init", "--force", "ExampleSubs")
    assert run.code == 0
    assert not path.read_text(encoding="utf-8").endswith("# my edit\n")


def test_no_tty_and_several_groups_exit_2_listing_them_without_a_prompt(loop: Loop) -> None:
    run = loop.cli("profiles", "init")  # stdin is /dev/null: no TTY
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "error: profiles init: you may upload for several groups — name one: `nekobt-upload "
        "profiles init TAG`; yours:\n"
        f"  ExampleSubs — Example Subs (id {DEMO_GROUP_ID}, you are its leader)\n"
        f"  ExampleSubs-Raws — Example Subs Raws (id {DEMO_RAWS_GROUP_ID}, you are its leader)\n")
    assert list(loop.profiles.iterdir()) == []


def test_the_only_group_is_chosen(loop: Loop) -> None:
    run = loop.cli("profiles", "init", key=OTHER_API_KEY)
    assert run.code == 0, run.err
    profile = load_profile(loop.profiles / "othergroup.yaml")
    assert profile.group == Group(OTHER_GROUP_ID, "OtherGroup", "Other Group")
    # The translator is a member of OtherGroup but never credited on its torrents.
    assert profile.members == (Member("Encode", OTHER_USER_ID),
                               Member("Member", TRANSLATOR_USER_ID))
    run = loop.cli("profiles", "validate", "--online", "othergroup", key=OTHER_API_KEY)
    assert run.code == 0, run.out


def test_another_file_with_the_tag_is_refused(loop: Loop) -> None:
    assert loop.cli("profiles", "init", "ExampleSubs").code == 0
    (loop.profiles / "examplesubs.yaml").rename(loop.profiles / "ours.yaml")
    run = loop.cli("profiles", "init", "ExampleSubs")
    assert run.code == 2
    assert run.err.startswith(f"error: {loop.profiles / 'ours.yaml'}: already the profile of "
                              "[ExampleSubs] — keep one profile per tag")
    assert sorted(p.name for p in loop.profiles.iterdir()) == ["ours.yaml"]


def test_unknown_tag_names_the_groups(loop: Loop) -> None:
    run = loop.cli("profiles", "init", "NoSuchGroup")
    assert run.code == 2
    assert run.err == ("error: profiles init NoSuchGroup: none of your groups has that tag or "
                       f"id — yours: ExampleSubs (id {DEMO_GROUP_ID}), ExampleSubs-Raws "
                       f"(id {DEMO_RAWS_GROUP_ID})\n")


def test_refused_key_is_exit_3(loop: Loop) -> None:
    run = loop.cli("profiles", "init", "ExampleSubs", key="not-a-key")
    assert run.code == 3
    assert list(loop.profiles.iterdir()) == []


# --- choosing, as a library ----------------------------------------------------------------

LEAD = GroupChoice("1", "Lead", "Lead Group", "leader")
ADMIN = GroupChoice("2", "Adm", "Admin Group", "admin")
MEMBER = GroupChoice("3", "Mem", "Member Group", "member")


def test_choose_by_tag_any_case_or_brackets_or_id() -> None:
    assert choose_group([LEAD, ADMIN], "[adm]", None) == ADMIN
    assert choose_group([LEAD, ADMIN], "1", None) == LEAD


def test_choose_the_only_group_one_may_upload_for() -> None:
    assert choose_group([MEMBER, ADMIN], None, None) == ADMIN


def test_choose_asks_when_several() -> None:
    asked: list[list[GroupChoice]] = []

    def ask(groups: object) -> GroupChoice:
        asked.append(list(groups))  # type: ignore[call-overload]
        return ADMIN

    assert choose_group([LEAD, MEMBER, ADMIN], None, ask) == ADMIN
    assert asked == [[LEAD, ADMIN]]


def test_a_group_one_may_not_upload_for() -> None:
    with pytest.raises(ConfigError) as info:
        choose_group([LEAD, MEMBER], "Mem", None)
    assert str(info.value) == ("profiles init Mem: you are a member of Mem, not its leader or "
                               "an admin, so you may not upload for it — ask its leader to "
                               "make you an admin")
    with pytest.raises(ConfigError) as info:
        choose_group([MEMBER], None, None)
    assert str(info.value) == ("profiles init: your account may upload for no group (only a "
                               "group's leader or an admin may) — you are in Mem (member); "
                               "ask a leader to make you an admin")


def test_profile_names_are_safe_file_names() -> None:
    assert [profile_name(t) for t in ("SubsPlus+", "A/B", "..x", "Ok-Name_1")] == [
        "subsplus+", "a_b", "x", "ok-name_1"]


def test_written_text_is_plain_yaml_with_quoted_ids(loop: Loop) -> None:
    assert loop.cli("profiles", "init", "ExampleSubs").code == 0
    data = yaml.safe_load((loop.profiles / "examplesubs.yaml").read_text(encoding="utf-8"))
    assert data["group"] == {"id": DEMO_GROUP_ID, "tag": "ExampleSubs", "name": "Example Subs"}
    assert data["trackers"][0] == [PUBLIC_TRACKER]
    assert set(data) == {"group", "members", "secondary_groups", "languages", "level",
                         "video_type", "video_codec", "movie", "batch", "mtl", "otl", "hardsub",
                         "anonymous", "hidden", "title", "description", "trackers", "torrent",
                         "upload", "seed", "notify"}


def test_the_embedded_sandbox_hosts_the_profiles_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from uploader.cli import main

    for name in ("NEKOBT_API_URL", "NEKOBT_API_KEY", "NEKOBT_API_KEY_FILE", "NEKOBT_PROFILES"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = folder / "newgroup.yaml"
    path.write_text('group: {id: "4242424242", tag: NewGroup}\n'
                    "trackers: [[https://tracker.nekobt.to/api/tracker/public/announce],\n"
                    "           [udp://tracker.opentrackr.org:1337/announce]]\n",
                    encoding="utf-8")
    common = ["--sandbox", "--profiles", str(folder), "--state-dir", str(tmp_path / "state")]
    with pytest.raises(SystemExit) as info:
        main(["profiles", "validate", "--online", *common])
    assert (info.value.code, capsys.readouterr().out) == (0, f"OK newgroup ({path})\n")
    # The hosted group is one of the demo user's: init can write it (here: over it).
    with pytest.raises(SystemExit) as info:
        main(["profiles", "init", "NewGroup", "--force", *common])
    out = capsys.readouterr().out
    assert (info.value.code, out) == (0, f"wrote {path}\nnext: nekobt-upload check --sandbox "
                                         "--profile newgroup <release>\n")
    profile = load_profile(path)
    assert profile.group == Group("4242424242", "NewGroup", "NewGroup")
    assert profile.members == (Member("Leader", DEMO_USER_ID),)
