"""`profiles validate --online` fails (exit 2) on everything the site's checks would fail, and
checks the key first with one request (exit 3 when refused).

Against the sandbox served over loopback (`--api-url`), so every request the command made is
in `site.requests`, and in-process through `--sandbox` for the plain cases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from profile_helpers import MINIMAL, write_profile

from uploader.cli import main
from uploader.sandbox import (
    DEMO_API_KEY,
    DEMO_GROUP_ID,
    DEMO_INVITE_ID,
    ENCODER_USER_ID,
    SandboxServer,
    Site,
)

REPO = Path(__file__).resolve().parents[2]
DEMO = MINIMAL.replace('"1234567890"', f'"{DEMO_GROUP_ID}"')  # ExampleSubs, the demo group


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture(autouse=True)
def demo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEKOBT_API_KEY", DEMO_API_KEY)
    monkeypatch.delenv("NEKOBT_API_KEY_FILE", raising=False)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(Site.demo()) as running:
        yield running


def validate(capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str,
             *extra: str) -> tuple[int, str, str]:
    return run(capsys, "profiles", "validate", "--online", "--api-url", url, "--profiles",
               str(tmp_path / "profiles"), "--state-dir", str(tmp_path / "state"), *extra)


def paths(site: Site) -> list[str]:
    return [f"{r.method} {r.path}" for r in site.requests]


# --- the key first ------------------------------------------------------------------------


def test_the_key_is_checked_first_with_one_request(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path, server: SandboxServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_profile(tmp_path / "profiles", "demo", DEMO)
    monkeypatch.setenv("NEKOBT_API_KEY", "nekobt-refused-key-0000")
    code, out, err = validate(capsys, tmp_path, server.url)
    assert (code, out) == (3, "")
    assert err == ("error: nekoBT GET /users/@me: the API key was refused (401 Unauthorized.) "
                   "— check NEKOBT_API_KEY, or generate a new key in your nekoBT account "
                   "settings\n")
    assert paths(server.site) == ["GET /users/@me"]


def test_a_good_key_then_the_checks(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    server: SandboxServer) -> None:
    path = write_profile(tmp_path / "profiles", "demo", DEMO)
    code, out, err = validate(capsys, tmp_path, server.url)
    assert (code, out, err) == (0, f"OK demo ({path})\n", "")
    requests = paths(server.site)
    assert requests[0] == "GET /users/@me"
    assert requests.count("GET /users/@me") == 1  # the checker reuses the key's user
    assert sorted(requests[1:]) == ["GET /groups/" + DEMO_GROUP_ID, "GET /langs",
                                    "GET /users/@me/groups"]


def test_a_wrong_base_path_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    server: SandboxServer) -> None:
    write_profile(tmp_path / "profiles", "demo", DEMO)
    url = server.url.removesuffix("/api/v1")
    code, out, err = validate(capsys, tmp_path, url)
    assert (code, out) == (2, "")
    assert err == (f"error: --api-url {url}: no nekoBT API there (404) — the URL should end in "
                   "/api/v1\n")
    assert len(server.site.requests) == 1


def test_an_unreachable_site_fails_in_seconds(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    write_profile(tmp_path / "profiles", "demo", DEMO)
    with SandboxServer(Site.demo()) as stopped:
        url = stopped.url
    started = time.monotonic()
    code, out, err = validate(capsys, tmp_path, url)
    assert time.monotonic() - started < 12.0
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        f"error: nekoBT at {url}: could not connect ([Errno 111] Connection refused) — nothing "
        "was sent; check that --api-url is right, that the site is up, and your network or "
        "proxy settings")


# --- what the site's checks would fail: exit 2, file:line:col each --------------------------


def test_a_member_that_is_neither_member_nor_invite(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    text = DEMO + ("members:\n"
                   f'  - {{id: "{ENCODER_USER_ID}", role: Encode}}\n'
                   f'  - {{id: "{DEMO_INVITE_ID}", role: Typesetting}}\n'  # pending invite: ok
                   '  - {id: "42", role: QC}\n')
    path = write_profile(tmp_path / "profiles", "demo", text)
    code, out, _ = run(capsys, "profiles", "validate", "--online", "--sandbox", "--profiles",
                       str(tmp_path / "profiles"), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{path}:8:10: members[2].id: '42' is neither a member nor a pending invite of Example "
        "Subs on the site — check the id on the group's page, or credit a new person with a "
        "display_name instead of an id"]


def test_a_new_member_whose_name_is_taken(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    text = DEMO + ("members:\n"
                   "  - {display_name: NewQC, role: QC}\n"  # free: the site creates an invite
                   "  - {display_name: formertypesetter, role: Typesetting}\n")
    path = write_profile(tmp_path / "profiles", "demo", text)
    code, out, _ = run(capsys, "profiles", "validate", "--online", "--sandbox", "--profiles",
                       str(tmp_path / "profiles"), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{path}:7:20: members[1].display_name: 'formertypesetter' is already a member or "
        f"invite of Example Subs (id {DEMO_INVITE_ID}) — credit it with id: "
        f'"{DEMO_INVITE_ID}" instead of a display_name']


def test_roles_the_site_counts_as_too_long(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    emoji = "\N{CLAPPER BOARD}" * 40  # 40 characters, 80 UTF-16 units
    text = DEMO + ("members:\n"
                   f'  - {{id: "{ENCODER_USER_ID}", role: "{emoji}"}}\n'
                   "secondary_groups:\n"
                   f'  - {{id: "1300000000000000101", role: "{"x" * 60 + emoji[:3]}"}}\n')
    path = write_profile(tmp_path / "profiles", "demo", text)
    offline = run(capsys, "profiles", "validate", "--profiles", str(tmp_path / "profiles"),
                  "--state-dir", str(tmp_path / "state"))
    assert offline[:2] == (0, f"OK demo ({path})\n")  # counted in characters: fine
    code, out, _ = run(capsys, "profiles", "validate", "--online", "--sandbox", "--profiles",
                       str(tmp_path / "profiles"), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{path}:6:39: members[0].role: the site allows at most 64 characters (UTF-16 units), "
        "this is 80 — shorten it",
        f"{path}:8:39: secondary_groups[0].role: the site allows at most 64 characters (UTF-16 "
        "units), this is 66 — shorten it"]


def test_languages_tag_and_secondary_group(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    langs = write_profile(folder, "langs", DEMO + "languages: {audio: [jp, xq], fansub: [eng]}\n")
    tag = write_profile(folder, "tag", DEMO.replace("ExampleSubs", "ExSubs"))
    other = write_profile(folder, "other", DEMO.replace("ExampleSubs", "examplesubs")
                          + 'secondary_groups:\n  - {id: "43", role: Encode}\n')
    code, out, _ = run(capsys, "profiles", "validate", "langs", "tag", "--online", "--sandbox",
                       "--profiles", str(folder), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{langs}:5:25: languages.audio[1]: expected a nekoBT language code like ja, en or "
        "es-419, got 'xq'",
        f"{tag}:1:41: group.tag: the site's group {DEMO_GROUP_ID} has the tag 'ExampleSubs', "
        "not 'ExSubs' — titles must carry the group's tag",
    ]
    code, out, _ = run(capsys, "profiles", "validate", "other", "--online", "--sandbox",
                       "--profiles", str(folder), "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert out.splitlines() == [
        f"{other}:6:10: secondary_groups[0].id: no group 43 on the site — check the ID in the "
        "group's page address"]


def test_the_examples_still_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = REPO / "profiles"
    code, out, err = run(capsys, "profiles", "validate", "--online", "--sandbox", "--profiles",
                         str(folder), "--state-dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"OK examplesubs ({folder / 'examplesubs.yaml'})",
                                f"OK examplesubs-raws ({folder / 'examplesubs-raws.yaml'})"]
