"""`profiles init`: a group's first profile, written from what the site knows.

    groups = my_groups(client)                      # the key's user's groups
    group = choose_group(groups, "NewGroup", ask)   # by tag or id; one group: that one
    draft = draft_profile(client, group, languages) # members, languages, level from the site
    path = write_draft(profiles_dir, draft, force=False, languages=languages)

The written file is a commented profile (like profiles/examplesubs.yaml): the group's id, tag
and name; every member in the site's display order with the role they are usually credited
with on the group's recent torrents; the languages, level and video type those torrents
mostly carry (defaults, said so in a comment, when there are none); the site's public tracker
first, then backups; every other key at its default. It is checked with the loader
`profiles validate` uses before it is written, so it always loads.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from uploader.atomic import write_atomic
from uploader.exceptions import ConfigError
from uploader.languages import Languages
from uploader.profiles.loading import check_file, check_text, profile_files
from uploader.profiles.model import DEFAULT_DESCRIPTION, PUBLIC_TRACKER
from uploader.profiles.schema import MAX_CREDITS

if TYPE_CHECKING:
    from typing import Unpack

    from uploader.api.bodies import TorrentFilters

# Backups after the site's public tracker (the site fails a torrent without one, and
# recommends several): widely used open trackers, in tiers.
BACKUP_TRACKERS: tuple[tuple[str, ...], ...] = (
    ("udp://tracker.opentrackr.org:1337/announce",),
    ("udp://open.stealth.si:80/announce", "udp://exodus.desync.com:6969/announce"),
)
RECENT = 20  # the group's latest torrents looked at for languages, level and video type
CREDITS_FROM = 5  # of those, how many are opened for the members' credited roles
DEFAULT_LEVEL, DEFAULT_VIDEO_TYPE = 3, 8
VIDEO_TYPES = {15: "Hybrid", 14: "BD Remux", 13: "BD Encode", 12: "BD Mini", 11: "BD Disc",
               9: "WEB-DL", 8: "WEB Encode", 7: "WEB Mini", 6: "DVD Encode", 5: "DVD Remux",
               16: "DVD Disc", 4: "TV Raw", 3: "TV Encode", 2: "LaserDisc", 1: "VHS", 0: "Other"}
LEVELS = {-1: "no subs", 0: "official subs, restyled or retimed only", 1: "slight changes",
          2: "small-scale fansub", 3: "full-scale fansub", 4: "full-scale batch"}


class InitClient(Protocol):
    """The part of `uploader.api.NekoClient` that `profiles init` uses."""

    def get_user_groups(self, user_id: str = ..., /) -> Sequence[Mapping[str, Any]]: ...

    def get_group(self, group_id: str, /) -> Mapping[str, Any]: ...

    def search_torrents(self, query: str | None = None, **filters: Unpack[TorrentFilters]
                        ) -> Mapping[str, Any]: ...

    def get_torrent(self, torrent_id: str, /) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class GroupChoice:
    """One of the key's user's groups."""

    id: str
    tag: str  # as written in titles (the site's display_tag)
    name: str  # the site's display name
    rank: str  # the user's: leader, admin, member or contributor

    @property
    def may_upload(self) -> bool:
        return self.rank in ("leader", "admin")

    def label(self) -> str:
        return f"{self.tag} — {self.name} (id {self.id}, you are its {self.rank})"


def _rank(entry: Mapping[str, Any]) -> str:
    if entry.get("leader"):
        return "leader"
    if entry.get("admin"):
        return "admin"
    return "member" if entry.get("regular") else "contributor"


def my_groups(client: InitClient) -> list[GroupChoice]:
    """The groups of the key's user, in the site's order."""
    return [GroupChoice(id=str(g.get("id")), tag=str(g.get("display_tag") or g.get("tag")),
                        name=str(g.get("display_name") or g.get("name") or g.get("tag")),
                        rank=_rank(g))
            for g in client.get_user_groups("@me")]


def choose_group(groups: Sequence[GroupChoice], wanted: str | None,
                 ask: Callable[[Sequence[GroupChoice]], GroupChoice] | None) -> GroupChoice:
    """The group meant: `wanted` (a tag, any case, or an id); else the only one the user may
    upload for; else `ask` (an interactive prompt), when there is one. ConfigError otherwise."""
    usable = [g for g in groups if g.may_upload]
    if wanted is not None:
        key = wanted.strip().strip("[]").casefold()
        found = next((g for g in groups if key in (g.id, g.tag.casefold())), None)
        if found is None:
            raise ConfigError(f"profiles init {wanted}: none of your groups has that tag or id "
                              "— " + _choices(usable, groups))
        if not found.may_upload:
            raise ConfigError(f"profiles init {wanted}: you are a {found.rank} of {found.tag}, "
                              "not its leader or an admin, so you may not upload for it — ask "
                              "its leader to make you an admin")
        return found
    if len(usable) == 1:
        return usable[0]
    if not usable:
        raise ConfigError("profiles init: your account may upload for no group (only a group's "
                          "leader or an admin may) — " + _choices(usable, groups))
    if ask is None:
        raise ConfigError("profiles init: you may upload for several groups — name one: "
                          "`nekobt-upload profiles init TAG`; yours:\n"
                          + "\n".join(f"  {g.label()}" for g in usable))
    return ask(usable)


def _choices(usable: Sequence[GroupChoice], groups: Sequence[GroupChoice]) -> str:
    if usable:
        return "yours: " + ", ".join(f"{g.tag} (id {g.id})" for g in usable)
    if groups:
        return ("you are in " + ", ".join(f"{g.tag} ({g.rank})" for g in groups)
                + "; ask a leader to make you an admin")
    return "create your group on nekoBT, or ask its leader to add you"


@dataclass(frozen=True)
class DraftMember:
    id: str
    display_name: str
    rank: str  # leader, admin, member, contributor
    credited_as: str | None  # the role they are most often credited with, if ever
    credited: int  # on how many of the torrents looked at

    @property
    def role(self) -> str:
        return self.credited_as or self.rank.capitalize()


@dataclass(frozen=True)
class Draft:
    """What `profiles init` writes, before it is text."""

    group: GroupChoice
    members: tuple[DraftMember, ...]
    audio: tuple[str, ...]
    subtitles: tuple[str, ...]
    fansub: tuple[str, ...]
    level: int
    video_type: int | None
    sampled: int  # torrents the languages, level and video type come from
    opened: int  # torrents the credited roles come from
    invites: int  # pending invites of the group (not listed)
    site: str = "nekoBT"

    @property
    def name(self) -> str:
        return profile_name(self.group.tag)


def profile_name(tag: str) -> str:
    """The profile's name (file stem) for a tag: lower-case, safe as a file name."""
    name = re.sub(r"[^a-z0-9._+-]", "_", tag.lower()).lstrip(".")
    return name or "group"


def _most_common(values: Iterable[Any]) -> Any:
    """The most common value, the most recent one winning a tie; None when there is none."""
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def _codes(text: object, languages: Languages) -> tuple[str, ...] | None:
    if not isinstance(text, str):
        return None
    codes = [languages.lookup(c.strip()) for c in text.split(",") if c.strip()]
    return tuple(dict.fromkeys(c for c in codes if c is not None))


def draft_profile(client: InitClient, group: GroupChoice, languages: Languages,
                  *, site: str = "nekoBT") -> Draft:
    """Members, roles, languages and level of `group`, from the site."""
    info = client.get_group(group.id)
    entries = [m for m in info.get("members") or [] if isinstance(m, Mapping)]
    found = client.search_torrents(group_id=group.id, sort_by="latest", limit=RECENT,
                                   group_childs=False)
    torrents = [t for t in found.get("results") or [] if isinstance(t, Mapping) and any(
        str(g.get("id")) == group.id and g.get("uploading_group")
        for g in t.get("groups") or [] if isinstance(g, Mapping))]
    roles: dict[str, Counter[str]] = {}
    opened = 0
    for summary in torrents[:CREDITS_FROM]:
        torrent = client.get_torrent(str(summary.get("id")))
        opened += 1
        for entry in torrent.get("groups") or []:
            if not (isinstance(entry, Mapping) and str(entry.get("id")) == group.id):
                continue
            for credit in entry.get("members") or []:
                role = credit.get("role") if isinstance(credit, Mapping) else None
                if isinstance(role, str) and role.strip():
                    roles.setdefault(str(credit.get("id")), Counter())[role.strip()] += 1
    members = []
    for entry in entries:
        if entry.get("invite"):
            continue
        member_id = str(entry.get("id"))
        counted = roles.get(member_id, Counter())
        role, times = counted.most_common(1)[0] if counted else (None, 0)
        members.append(DraftMember(
            id=member_id, display_name=str(entry.get("display_name") or entry.get("username")),
            rank=_rank(entry), credited_as=role[:64] if role else None, credited=times))
    audio = _most_common(_codes(t.get("audio_lang"), languages) for t in torrents)
    subtitles = _most_common(_codes(t.get("sub_lang"), languages) for t in torrents)
    fansub = _most_common(_codes(t.get("fsub_lang"), languages) for t in torrents)
    level = _most_common(t.get("level") for t in torrents
                         if isinstance(t.get("level"), int) and t.get("level") in LEVELS)
    video_type = _most_common(t.get("video_type") for t in torrents
                              if t.get("video_type") in VIDEO_TYPES)
    if not torrents:
        audio, subtitles, fansub = ("ja",), (), ("en",)
    level = DEFAULT_LEVEL if level is None else level
    fansub = () if level == -1 else (fansub or ())
    return Draft(group=group, members=tuple(members[:MAX_CREDITS]), audio=audio or (),
                 subtitles=subtitles or (), fansub=fansub,
                 level=level, video_type=video_type if torrents else DEFAULT_VIDEO_TYPE,
                 sampled=len(torrents), opened=opened,
                 invites=sum(1 for m in entries if m.get("invite")), site=site)


# --- the text --------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+()/:~%=?&-]*")
_COMMENT_AT = 34


def _str(value: str) -> str:
    """A YAML scalar for `value`: plain when that reads back as the same text (also inside a
    flow list), else quoted."""
    import yaml

    if (_PLAIN.fullmatch(value) and not value.endswith((" ", ":")) and ": " not in value
            and yaml.safe_load(f"[{value}]") == [value]):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _flow(codes: Sequence[str]) -> str:
    return "[" + ", ".join(_str(c) for c in codes) + "]"


def _line(text: str, comment: str | None = None) -> str:
    if not comment:
        return text
    return f"{text:<{_COMMENT_AT - 1}} # {comment}" if len(text) < _COMMENT_AT - 1 else (
        f"{text}  # {comment}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _member_line(member: DraftMember, opened: int) -> str:
    text = f'  - {{id: "{member.id}", role: {_str(member.role)}}}'
    who = f"{_one_line(member.display_name)} ({member.rank})"
    if member.credited_as:
        how = f"credited as {_one_line(member.credited_as)} on {member.credited} of {opened}"
        return _line(text, f"{who}: {how} recent torrents")
    return _line(text, f"{who}: not credited lately — set what they do (Encode, Translation...)")


def render(draft: Draft, *, today: str | None = None) -> str:
    """The commented profile text for `draft`."""
    group = draft.group
    today = today or datetime.now(UTC).strftime("%Y-%m-%d")
    name_line = (_line(f"  name: {_str(group.name)}", "what {group} renders in titles and "
                       "descriptions") if 0 < len(group.name) <= 64 and group.name.strip()
                 else "  # name: the display name {group} renders (default: the tag)")
    if draft.sampled:
        source = f"most common on the group's {draft.sampled} latest torrents"
        brief = "from the latest torrents"
    else:
        source = f"no torrents of {group.tag} on the site yet: a default — set what you release"
        brief = "a default"
    lines = [
        f"# {group.tag}: the release profile of {_one_line(group.name)}, written by",
        f"# `nekobt-upload profiles init` from {draft.site} on {today}.",
        "# Edit it freely, then check it: nekobt-upload profiles validate --online "
        f"{draft.name}",
        "# Every key below is at its default unless a comment says where its value came from.",
        "group:",
        _line(f'  id: "{group.id}"', "the group's ID on nekoBT, always in quotes"),
        _line(f"  tag: {_str(group.tag)}", f"as written in titles: [{group.tag}] Show - 01"),
        name_line,
    ]
    if draft.members:
        lines.append(_line("members:", "credited on every release, in this order (the "
                                       "site's); role: free text, max 64"))
        lines += [_member_line(m, draft.opened) for m in draft.members]
        lines.append("  # a new person: - {display_name: Name, role: QC}  (the site invites "
                     "them)")
    else:
        lines.append(_line("members: []", "credited members: - {id: \"123\", role: Encode}"))
    if draft.invites:
        lines.append(f"  # the group's {draft.invites} pending invite(s) are not listed")
    video = (f"{draft.video_type} {VIDEO_TYPES[draft.video_type]}"
             if draft.video_type is not None else "null: left to the site")
    lines += [
        _line("secondary_groups: []", "groups whose work a release uses: - {id: \"222\", "
                                      "role: Raws}"),
        _line("languages:", "site codes, always sent; languages detected in the file are "
                            "added"),
        _line(f"  audio: {_flow(draft.audio)}", source),
        _line(f"  subtitles: {_flow(draft.subtitles)}", "official subtitles"),
        _line(f"  fansub: {_flow(draft.fansub)}", "your own translations"),
        _line(f"  detected_subtitles: {_detected(draft)}", "subtitle tracks found in a file "
                                                           "count as: fansub or subtitles"),
        _line(f"level: {draft.level}", f"{LEVELS[draft.level]} ({brief}); -1 no subs, "
                                        "0 official, 1 slight, 2 small fansub, 3 full"),
        _line(f"video_type: {draft.video_type if draft.video_type is not None else 'null'}",
              f"{video} ({brief}); 13 BD Encode, 9 WEB-DL, 4 TV Raw"),
        _line("video_codec: null", "null: detected from the video"),
        _line("movie: false", "a movie, not episodes"),
        _line("batch: false", "several episodes in one torrent (sent only when true)"),
        _line("mtl: false", "subtitles machine-translated at any point: must be true"),
        _line("otl: false", "translated from scratch, not from an official script"),
        _line("hardsub: false", "any burnt-in fansub, even karaoke"),
        _line("anonymous: false", "hide who uploaded it"),
        _line("hidden: false", "keep the torrent out of listings"),
        _line('title: "{stem}"', "{stem}: the file or folder name without extension"),
        _line("description: |", "Markdown; fields: {group} {tag} {episode} {date} {size} "
                                "{mediainfo_summary}"),
        *(f"  {line}" for line in DEFAULT_DESCRIPTION.splitlines()),
        _line("trackers:", "announce tiers, first is primary; at least 2 trackers"),
        _line(f"  - [{PUBLIC_TRACKER}]", "nekoBT's public tracker"),
        *(_line("  - " + _flow(tier), "backups" if index == 0 else None)
          for index, tier in enumerate(BACKUP_TRACKERS)),
        "torrent:",
        _line("  piece_size: auto", 'or a size: "4 MiB"'),
        "  private: false",
        _line("  source: null", "a source tag written into the torrent"),
        _line('  exclude: ["*.nfo", "*.txt"]', "files left out of the torrent"),
        "upload:",
        _line("  ignore_warnings: false", 'true, or warning texts to accept: ["audio '
                                          'languages"]'),
        _line("  mark_upgrades: true", "a v2 marks the v1 it replaces as upgraded"),
        _line("  include_mediainfo: true", "send the release's mediainfo"),
        _line("  require_video: true", "false: also upload releases with no video track"),
        "seed:",
        _line("  category: null", "the torrent client's category/label for these releases"),
        _line("  tags: []", "qBittorrent tags (Transmission labels)"),
        _line("  save_path: null", "as the client sees the release's folder; null: its own"),
        _line("  copy_torrent_to: null", "only for clients without an API: their watch folder"),
        "notify:",
        _line("  urls: []", "apprise URLs told about this group's releases (they hold "
                            "tokens)"),
        _line("  events: [uploaded]", "also: rejected, failed, seeding_failed..."),
    ]
    return "\n".join(lines) + "\n"


def _detected(draft: Draft) -> str:
    # A group that only ever lists official subtitles (an encode group): its subtitle
    # tracks are official ones.
    return "subtitles" if draft.subtitles and not draft.fansub and draft.sampled else "fansub"


# --- writing ---------------------------------------------------------------------------------

def write_draft(directory: Path, draft: Draft, *, force: bool = False,
                languages: Languages | None = None, today: str | None = None) -> Path:
    """Write `<directory>/<tag>.yaml`; ConfigError when it exists (unless `force`) or when
    another profile there already has the tag. Checked before writing: it always loads."""
    path = directory / f"{draft.name}.yaml"
    if (path.exists() or path.is_symlink()) and not force:
        raise ConfigError(f"{path}: already exists — pass --force to overwrite it, or edit it "
                          "(`nekobt-upload profiles show "
                          f"{draft.name}` prints it with every default)")
    if directory.is_dir():
        for other in profile_files(directory):
            report = check_file(other, languages=languages)
            if other.stem != draft.name and report.tag is not None and (
                    report.tag.casefold() == draft.group.tag.casefold()):
                raise ConfigError(f"{other}: already the profile of [{draft.group.tag}] — "
                                  f"keep one profile per tag: edit {other.name}, or remove it "
                                  "and run init again")
    text = render(draft, today=today)
    report = check_text(text, path, languages=languages)
    if report.errors:  # a bug here, not the user's: say what it wrote wrong
        raise ConfigError(f"profiles init: the profile for {draft.group.tag} does not validate "
                          f"({report.errors[0]}) — please report this")
    write_atomic(path, text.encode("utf-8"))
    os.chmod(path, 0o644)  # a profile holds no secret; it belongs in the group's git
    return path
