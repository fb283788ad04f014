"""--set, sidecar overrides and `auto` detection through the real CLI: compare what the site
stored with a plain upload of the same release."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from e2e_world import World

V2 = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
BD = "[ExampleSubs] Sample Show - 01v2 (BD 1080p).mkv"
FIELDS = ("level", "video_type", "movie", "batch", "mtl", "otl", "hardsub", "audio_lang",
          "title", "description")


def stored(world: World, run: Any) -> dict[str, Any]:
    (record,) = run.records()
    assert record["status"] == "uploaded", run.err
    torrent = world.site.torrents[record["torrent_id"]]
    return {f.name: getattr(torrent, f.name) for f in dataclasses.fields(torrent)
            if f.name in FIELDS}


@pytest.fixture
def baseline(world: World) -> dict[str, Any]:
    """What a plain upload stores (then removed from the sandbox again)."""
    run = world.cli("upload", "--json", "--ignore-warnings", str(world.release(V2)))
    fields = stored(world, run)
    world.site.torrents.pop(run.records()[0]["torrent_id"])
    import shutil

    shutil.rmtree(world.state)
    return fields


@pytest.mark.parametrize(("args", "changes"), [
    (("--set", "level=2"), {"level": 2}),
    (("--set", "video_type=13"), {"video_type": 13}),
    (("--set", "hardsub=true", "--set", "mtl=true"), {"hardsub": True, "mtl": True}),
    (("--set", "languages.audio=[ja,en]"), {"audio_lang": "ja,en"}),
    (("--set", "description=Special."), {"description": "Special."}),
])
def test_an_override_changes_exactly_the_field_named(
        world: World, baseline: dict[str, Any], args: tuple[str, ...],
        changes: dict[str, Any]) -> None:
    run = world.cli("upload", "--json", "--ignore-warnings", *args, str(world.release(V2)))
    assert run.code == 0, run.err
    after = stored(world, run)
    assert {k: v for k, v in after.items() if baseline[k] != v} == changes


def test_a_bad_override_is_a_usage_error_before_any_work(world: World) -> None:
    run = world.cli("upload", "--json", "--set", "levle=4", str(world.release(V2)))
    assert run.code == 2
    assert "--set levle=4: unknown key 'levle' — did you mean 'level'?" in run.err
    assert world.posts() == []
    bad = world.cli("upload", "--json", "--set", "level=9", str(world.release(V2)))
    assert bad.code != 0
    assert "--set level=9: level: expected an integer from -1 to 4, got 9" in bad.out + bad.err
    assert world.posts() == []


def test_a_sidecar_beside_the_release_overrides_too(world: World) -> None:
    release = world.release(V2)
    release.with_name(release.name + ".nekobt.yaml").write_text("level: 1\nhardsub: true\n")
    run = world.cli("upload", "--json", "--ignore-warnings", str(release))
    assert run.code == 0, run.err
    after = stored(world, run)
    assert (after["level"], after["hardsub"]) == (1, True)


def test_video_type_auto_comes_from_the_name(world: World) -> None:
    world.edit_profile("examplesubs", lambda d: d.update(video_type="auto"))
    run = world.cli("upload", "--json", "--ignore-warnings", str(world.release(BD)))
    assert run.code == 0, run.err
    assert stored(world, run)["video_type"] == 13
