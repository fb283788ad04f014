"""Per-release overrides of profile keys: `--set KEY=VALUE` and a sidecar file in `watch`.

    --set level=4                       a scalar (the value is read as YAML)
    --set languages.audio=[ja,en]       a list
    --set video_type=13 --set batch=true
    --set 'members+={id: "333", role: QC}'   `+=` appends to a list (extra credits)

A sidecar `<release>.nekobt.yaml` next to a release holds the same keys as a mapping (nested,
or dotted keys), plus `+` lists under `append:`. The overridden profile is checked by the
same schema as the file, so mistakes read the same, named after the override instead of a
file line: `--set level=9: level: expected an integer from -1 to 4, got 9`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uploader.exceptions import ConfigError, ProfileError
from uploader.languages import Languages
from uploader.names import is_file_beside
from uploader.profiles.model import Profile
from uploader.profiles.schema import SCHEMA, check_profile
from uploader.profiles.yamlread import Document, parse_yaml, read_profile_text

SIDECAR_SUFFIX = ".nekobt.yaml"
# What a release may not change: which group it is (that is another profile).
FIXED = ("group",)
# Text keys take the value as written: `--set title={stem} [BD]` is a template, not YAML.
TEXT_KEYS = ("title", "description", "notify.template", "seed.category", "seed.save_path",
             "torrent.source")


@dataclass(frozen=True)
class Override:
    path: tuple[str, ...]
    value: Any
    append: bool
    origin: str  # "--set level=4" or "<sidecar file>: level": what errors are named after

    @property
    def key(self) -> str:
        return ".".join(self.path)


def parse_set(arg: str) -> Override:
    """One `--set KEY=VALUE` (or `KEY+=VALUE`); ConfigError naming it when malformed."""
    import yaml

    key, sep, text = arg.partition("=")
    append = key.endswith("+")
    key = key.removesuffix("+").strip()
    origin = f"--set {arg}"
    if not sep or not key:
        raise ConfigError(f"{origin}: expected KEY=VALUE, e.g. --set level=4 or "
                          "--set languages.audio=[ja,en]")
    if key in TEXT_KEYS and not append:
        return Override(_check_path(tuple(key.split(".")), origin), text, append, origin)
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"{origin}: the value is not valid YAML — quote it, e.g. "
                          f"--set '{key}=\"{text}\"'") from None
    return Override(_check_path(tuple(key.split(".")), origin), value, append, origin)


def _check_path(path: tuple[str, ...], origin: str) -> tuple[str, ...]:
    top = path[0]
    if top in FIXED:
        raise ConfigError(f"{origin}: '{top}' cannot be overridden per release — use "
                          "--profile to pick another group's profile")
    if top not in SCHEMA:
        import difflib

        close = difflib.get_close_matches(top, list(SCHEMA), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see `nekobt-upload profiles show`"
        raise ConfigError(f"{origin}: unknown key '{top}' — {hint}")
    children = SCHEMA[top]
    if len(path) > 2 or (len(path) == 2 and (children is None or path[1] not in children)):
        known = ", ".join(f"{top}.{c}" for c in children or ())
        raise ConfigError(f"{origin}: unknown key '{'.'.join(path)}'"
                          + (f" — known: {known}" if known else ""))
    return path


def read_sidecar(release: Path) -> tuple[Path, list[Override]] | None:
    """The overrides in `<release>.nekobt.yaml` beside `release`, or None when there is none."""
    sidecar = sidecar_path(release)
    if not is_file_beside(sidecar):
        return None
    doc = parse_yaml(read_profile_text(sidecar), sidecar)
    if doc.data is None:
        return sidecar, []
    if not isinstance(doc.data, dict):
        raise ProfileError("expected a mapping of profile keys to override", file=sidecar)
    out: list[Override] = []
    for key, value in doc.data.items():
        append = key == "append"
        items = value.items() if append and isinstance(value, dict) else [(key, value)]
        for sub, val in items:
            if not append and isinstance(val, dict) and SCHEMA.get(str(sub)):
                out += [Override(_check_path((str(sub), str(k)), f"{sidecar}: {sub}.{k}"), v,
                                 False, f"{sidecar}: {sub}.{k}") for k, v in val.items()]
                continue
            origin = f"{sidecar}: {'append.' if append else ''}{sub}"
            path = _check_path(tuple(str(sub).split(".")), origin)
            out.append(Override(path, val, append, origin))
    return sidecar, out


def sidecar_path(release: Path) -> Path:
    return release.with_name(release.name + SIDECAR_SUFFIX)


def apply_overrides(profile: Profile, overrides: Sequence[Override], *,
                    languages: Languages | None = None) -> Profile:
    """`profile` with `overrides` applied, checked by the profile schema (ProfileError)."""
    if not overrides:
        return profile
    doc = parse_yaml(read_profile_text(profile.source), profile.source)
    data: dict[str, Any] = copy.deepcopy(doc.data) if isinstance(doc.data, dict) else {}
    positions = dict(doc.values)
    for item in overrides:
        _apply(data, item)
        # The file's line for an overridden key would point at the value that is not used.
        for known in list(positions):
            if known[:len(item.path)] == item.path:
                del positions[known]
    langs = languages or Languages.bundled()
    for item in overrides:  # one at a time first, so each error names its override
        single = copy.deepcopy(doc.data) if isinstance(doc.data, dict) else {}
        _apply(single, item)
        _check(Document(Path(item.origin), single, {}, {}), profile, langs, item.key)
    checked = _check(Document(profile.source, data, dict(doc.keys), positions), profile,
                     langs, None)
    return dataclasses.replace(checked, name=profile.name, source=profile.source)


def _apply(data: dict[str, Any], item: Override) -> None:
    node: Any = data
    for part in item.path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    last = item.path[-1]
    if item.append:
        current = node.get(last)
        extra = item.value if isinstance(item.value, list) else [item.value]
        node[last] = [*(current if isinstance(current, list) else []), *extra]
    else:
        node[last] = item.value


def _check(doc: Document, profile: Profile, languages: Languages, key: str | None) -> Profile:
    checked, checker = check_profile(doc, profile.name, languages)
    errors = checker.errors
    if key is not None:  # only the errors this override causes (the file itself is valid)
        errors = [e for e in errors if e.key is None or e.key.split("[")[0].startswith(
            key.split(".")[0])]
    if errors:
        raise errors[0]
    assert checked is not None or key is not None
    return checked if checked is not None else profile
