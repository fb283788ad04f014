"""Title and description templates: checked when a profile loads, rendered per release.

A template is Python `str.format` syntax restricted to bare field names: `{stem}` is allowed,
`{stem.__class__}`, `{stem[0]}`, `{stem!r}` and `{size:>9}` are not (attribute and index access
in a format string can reach far beyond the value; plain names are all a title needs).
"""

from __future__ import annotations

import datetime
import difflib
import re
import string
from collections.abc import Mapping
from pathlib import Path

from uploader.profiles.model import DESCRIPTION_MAX, TITLE_MAX, Profile

FIELDS = ("stem", "name", "group", "tag", "episode", "date", "size", "mediainfo_summary")

# Episode numbers as release names write them, most specific first.
_EPISODE_PATTERNS = (
    re.compile(r"\bS\d{1,2}E(\d{1,4}(?:-E?\d{1,4})?)(?=v\d|\b)", re.IGNORECASE),
    re.compile(r"\s-\s(\d{1,4}(?:-\d{1,4})?)(?:v\d+)?(?=[\s\[(.]|$)"),
    re.compile(r"\b(?:E|EP|Episode\s?)(\d{1,4})(?=v\d|\b)", re.IGNORECASE),
)


def template_problem(template: str, fields: tuple[str, ...] = FIELDS) -> str | None:
    """Why `template` cannot be used (with these `fields`), or None when it is fine."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return ("expected a template with matched braces, got a stray '{' or '}' — write "
                "{{ or }} for a literal brace")
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        base = re.split(r"[.\[]", field, maxsplit=1)[0]
        if base in fields and base != field:  # {stem.__class__}, {stem[0]}
            return f"expected a plain field like '{{{base}}}', got '{{{field}}}'"
        if field not in fields:
            close = difflib.get_close_matches(field, fields, n=1, cutoff=0.6)
            hint = (f"did you mean '{{{close[0]}}}'?" if close
                    else "use " + ", ".join(f"{{{f}}}" for f in fields))
            return f"unknown template field '{{{field}}}' — {hint}"
        if spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + (
                f":{spec}" if spec else "") + "}"
            return f"expected a plain field like '{{{field}}}', got '{shown}'"
    return None


def literal_length(template: str) -> int:
    """Characters the template contributes before any field is filled in."""
    return sum(len(literal) for literal, *_ in string.Formatter().parse(template))


def render(template: str, fields: Mapping[str, str]) -> str:
    """Fill in a template already accepted by `template_problem`."""
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            out.append(fields.get(field, ""))
    return "".join(out)


def episode_of(name: str) -> str:
    """The episode number in a release name ("01", "01-12"), or "" when there is none."""
    for pattern in _EPISODE_PATTERNS:
        match = pattern.search(name)
        if match:
            return match.group(1)
    return ""


def human_size(size: int) -> str:
    """Bytes as mediainfo writes them: "1.46 GiB"."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def release_fields(profile: Profile, release: Path, *, size: int, mediainfo_summary: str = "",
                   today: datetime.date | None = None) -> dict[str, str]:
    """Every template field for one release (a file or a folder of `size` bytes)."""
    name = release.name
    stem = release.stem if not release.is_dir() and release.suffix else name
    if today is None:
        today = datetime.datetime.now(datetime.UTC).date()
    return {
        "stem": stem,
        "name": name,
        "group": profile.group.display_name,
        "tag": profile.group.tag,
        "episode": episode_of(name),
        "date": today.isoformat(),
        "size": human_size(size),
        "mediainfo_summary": mediainfo_summary,
    }


def render_title(profile: Profile, fields: Mapping[str, str]) -> str:
    """The release title; ProfileError when it is empty or longer than the site allows."""
    title = " ".join(render(profile.title, fields).split())  # one line, single spaces
    if not title:
        raise profile.error("title", "the rendered title is empty — check the template")
    if len(title) > TITLE_MAX:
        raise profile.error("title", f"the rendered title is {len(title)} characters, the site "
                            f"allows {TITLE_MAX} — shorten the template or the release name")
    return title


def render_description(profile: Profile, fields: Mapping[str, str]) -> str:
    """The Markdown description; ProfileError when longer than the site allows."""
    text = render(profile.description, fields)
    if len(text) > DESCRIPTION_MAX:
        raise profile.error("description", f"the rendered description is {len(text)} "
                            f"characters, the site allows {DESCRIPTION_MAX} — shorten it")
    return text
