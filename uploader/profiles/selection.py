"""Which profile a release uses: `--profile NAME`, else the `[Tag]` its name starts with."""

from __future__ import annotations

import re
from collections.abc import Mapping

from uploader.exceptions import ConfigError
from uploader.profiles.model import Profile

_TAG = re.compile(r"\s*\[([^\[\]]+)\]")


def release_tag(release_name: str) -> str | None:
    """"ExampleSubs" for "[ExampleSubs] Show - 01 (1080p).mkv"; None without a leading tag."""
    match = _TAG.match(release_name)
    return match.group(1).strip() if match else None


def select_profile(profiles: Mapping[str, Profile], release_name: str,
                   name: str | None = None) -> Profile:
    """The profile for a release; ConfigError saying why when none or several match."""
    available = ", ".join(sorted(profiles)) or "none"
    if name is not None:
        profile = profiles.get(name.removesuffix(".yaml"))
        if profile is None:
            raise ConfigError(f"--profile {name!r}: no such profile — available: {available}")
        return profile
    if not profiles:
        raise ConfigError(f"{release_name}: no profiles loaded — add one to the profiles "
                          "folder (--profiles DIR)")
    tag = release_tag(release_name)
    if tag is None:
        raise ConfigError(f"{release_name}: the name does not start with a [Tag] — name it "
                          f"'[Tag] ...' or pass --profile NAME (profiles: {available})")
    matches = sorted((p for p in profiles.values() if p.group.tag.casefold() == tag.casefold()),
                     key=lambda p: p.name)
    if not matches:
        tags = ", ".join(f"[{t}]" for t in sorted(p.group.tag for p in profiles.values()))
        raise ConfigError(f"{release_name}: no profile has the tag [{tag}] — known tags: "
                          f"{tags}; add a profile with group.tag: {tag}, or pass --profile NAME")
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise ConfigError(f"{release_name}: [{tag}] matches more than one profile ({names}) "
                          "— keep one profile per group tag, or pass --profile NAME")
    return matches[0]
