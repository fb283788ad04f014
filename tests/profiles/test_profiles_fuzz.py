"""Any text at all gives a Profile or a ProfileError — never another exception."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profile_helpers import BASE

from uploader.exceptions import ProfileError
from uploader.profiles import Profile, load_profile_text
from uploader.profiles.schema import SCHEMA

FILE = Path("fuzz/profile.yaml")
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=True) | st.text(max_size=30)
           | st.sampled_from(["auto", "ja", "jp", "{stem}", "{nope}", "4 MiB", "fansub",
                              "https://tracker.nekobt.to/api/tracker/public/announce",
                              "udp://tracker.opentrackr.org:1337/announce", "1234567890"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=12) | st.sampled_from(
                          ["id", "tag", "role", "audio", "piece_size"]), inner, max_size=4),
                      max_leaves=12)
# Documents shaped like profiles: real keys, random values — reaches the deep checks.
profile_like = st.dictionaries(st.sampled_from(sorted(SCHEMA)), values, max_size=8)


def outcome(text: str) -> str:
    error: ProfileError | None = None
    try:
        result = load_profile_text(text, FILE)
    except ProfileError as exc:
        error = exc
    if error is not None:
        assert str(error).startswith(str(FILE))
        return "error"
    assert isinstance(result, Profile)
    return "profile"


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    outcome(text)


@FUZZ
@given(profile_like)
def test_profile_shaped_yaml(data: dict[str, object]) -> None:
    outcome(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(st.data())
def test_mutations_of_a_valid_profile(data: st.DataObject) -> None:
    text = BASE
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        char = data.draw(st.sampled_from([*list(" \t\n:-[]{}#&*!|>'\"%@`,?"), "x", "1", "é"]))
        if action == "insert":
            text = text[:at] + char + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + char + text[at + 1:]
    outcome(text)


def test_the_fuzz_reaches_both_outcomes() -> None:
    # A fuzz that only ever errors would prove little: the unmutated base must load.
    assert outcome(BASE) == "profile"
    assert outcome(BASE.replace("level: 3", "level: x")) == "error"
