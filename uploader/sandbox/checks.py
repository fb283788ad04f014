"""The upload checks: the rules behind `fails` and `warns`, `parsedData`, `upgraded_torrents`.

The same rules run for `PUT /upload/checks` (a dry run) and `POST /upload`. Texts quoted by
the reference are used verbatim; the rest (marked "sandbox:") are the sandbox's own wording
for rules the reference and the site's wiki name but do not quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from uploader.sandbox.catalog import Media, find_media
from uploader.sandbox.langs import site_code, split_codes
from uploader.sandbox.state import State, Torrent
from uploader.sandbox.titles import ParsedTitle, parse_title
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE, is_private_announce

FAIL_BACKUP_TRACKER = "Torrents must have at least one backup tracker."
FAIL_RELEASE_GROUP = (
    'You need to set your Primary Group to the "Release Group" found in your title.'
)
FAIL_NO_SUBS_WITH_FANSUBS = (
    'You have set sub level to "no subs", but you have added fansub languages.'
)
WARN_PUBLIC_TRACKER = (
    "You have not included our public tracker URL in your torrent. If you plan to upload "
    "this torrent to other sites, you should make sure you include it."
)
WARN_NO_AUDIO = (
    "You have not added any audio languages, please make sure to include them if you have "
    "any audio tracks."
)
# sandbox: wording of rules the reference does not quote.
FAIL_PRIVATE_ANNOUNCE = (
    "Your torrent contains a private announce URL (it carries a torrent key). Remove it and "
    "use our public tracker URL instead."
)
FAIL_GROUP_NOT_FOUND = "Primary group not found."
FAIL_NOT_GROUP_ADMIN = "You must be an admin of the Primary Group to upload for it."
FAIL_NEW_MEMBER_NAME = "New members need a display name."

LANG_FIELDS = {"audio": "audio", "sub": "subtitle", "fansub": "fansub"}


def fail_unknown_language(kind: str, code: str) -> str:
    return f'Invalid {LANG_FIELDS[kind]} language: "{code}".'


def fail_wrong_tag(sent: str, group_tag: str) -> str:
    # sandbox: the reference names `primary_group.tag` on checks but quotes no failure for it.
    return f'Primary Group tag "{sent}" does not match the group\'s tag "{group_tag}".'


def fail_unknown_member(member_id: str) -> str:
    return f'Member "{member_id}" is not part of the Primary Group.'


def fail_unknown_secondary(group_id: str) -> str:
    return f'Secondary group "{group_id}" not found.'


def fail_name_taken(name: str) -> str:
    return f'Display name ("{name}") already taken.'


@dataclass
class Candidate:
    """What both checks and upload bodies describe, in one shape."""

    title: str
    movie: bool
    level: int | None
    audio_langs: str
    sub_langs: str
    fansub_langs: str
    announce_urls: list[str]
    primary_group: dict[str, Any] | None
    secondary_groups: list[dict[str, Any]] = field(default_factory=list)
    batch: bool = False


@dataclass
class CheckResult:
    fails: list[str]
    warns: list[str]
    parsed: ParsedTitle
    media: Media | None
    langs: dict[str, list[str]]  # normalised site codes: audio / sub / fansub
    upgraded: list[Torrent]

    def parsed_data(self) -> dict[str, Any]:
        media: dict[str, Any] | None = None
        episodes: list[dict[str, Any]] = []
        if self.media is not None:
            media = {
                "torrentTitle": self.parsed.show,
                "releaseTokens": self.parsed.release_tokens,
                "title": self.media.title,
                "genres": list(self.media.genres),
                "id": int(re.sub(r"\D", "", self.media.id)),
            }
            for number in self.parsed.episodes:
                episode = self.media.episode(number)
                if episode is not None:
                    episodes.append({k: episode[k] for k in
                                     ("id", "title", "season", "episode", "absolute")})
        return {"media": media, "episodes": episodes, "quality": self.parsed.quality(),
                "releaseGroup": self.parsed.release_group}

    def episode_ids(self) -> list[str]:
        return [str(e["id"]) for e in self.parsed_data()["episodes"]]


def normalise_langs(kind: str, value: str, fails: list[str]) -> list[str]:
    codes: list[str] = []
    for code in split_codes(value):
        known = site_code(code)
        if known is None:
            fails.append(fail_unknown_language(kind, code))
        elif known not in codes:
            codes.append(known)
    return codes


def run_checks(state: State, user_id: str, candidate: Candidate) -> CheckResult:
    fails: list[str] = []
    warns: list[str] = []
    parsed = parse_title(candidate.title)

    urls = list(dict.fromkeys(u.strip() for u in candidate.announce_urls if u.strip()))
    if len(urls) < 2:
        fails.append(FAIL_BACKUP_TRACKER)
    if any(is_private_announce(u) for u in urls):
        fails.append(FAIL_PRIVATE_ANNOUNCE)
    if PUBLIC_ANNOUNCE not in urls:
        warns.append(WARN_PUBLIC_TRACKER)

    group_id = candidate.primary_group["id"] if candidate.primary_group else None
    group = state.groups.get(group_id or "")
    if parsed.release_group is not None:
        tags = {group.tag.lower(), group.display_tag.lower()} if group else set()
        if parsed.release_group.lower() not in tags:
            fails.append(FAIL_RELEASE_GROUP)

    langs = {
        "audio": normalise_langs("audio", candidate.audio_langs, fails),
        "sub": normalise_langs("sub", candidate.sub_langs, fails),
        "fansub": normalise_langs("fansub", candidate.fansub_langs, fails),
    }
    if candidate.level == -1 and langs["fansub"]:
        fails.append(FAIL_NO_SUBS_WITH_FANSUBS)
    if not langs["audio"]:
        warns.append(WARN_NO_AUDIO)

    if candidate.primary_group is not None:
        fails.extend(group_fails(state, user_id, candidate.primary_group))
    for secondary in candidate.secondary_groups:
        if secondary["id"] not in state.groups or secondary["id"] == group_id:
            fails.append(fail_unknown_secondary(secondary["id"]))

    media = find_media(parsed.show, movie=candidate.movie)
    upgraded = upgraded_torrents(state, parsed, media, group_id if group else None,
                                 movie=candidate.movie)
    return CheckResult(fails, warns, parsed, media, langs, upgraded)


def group_fails(state: State, user_id: str, primary: dict[str, Any]) -> list[str]:
    group = state.groups.get(primary["id"])
    if group is None:
        return [FAIL_GROUP_NOT_FOUND]
    fails = []
    # Only checks send a `tag` (upload and edit bodies have none); either spelling of the
    # group's tag is accepted, in any case, as for the release group in the title.
    sent_tag = primary.get("tag")
    if sent_tag is not None and sent_tag.lower() not in {
            group.tag.lower(), group.display_tag.lower()}:
        fails.append(fail_wrong_tag(sent_tag, group.display_tag))
    if not state.is_group_admin(group.id, user_id):
        fails.append(FAIL_NOT_GROUP_ADMIN)
    taken = {m.display_name.lower() for m in group.members}
    for member in primary["members"]:
        if member["id"] is None:
            name = (member.get("display_name") or "").strip()
            if not name:
                fails.append(FAIL_NEW_MEMBER_NAME)
            elif name.lower() in taken:
                fails.append(fail_name_taken(name))
        elif state.member(group, member["id"]) is None:
            fails.append(fail_unknown_member(member["id"]))
    return fails


def _show_key(show: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", show.lower())


def upgraded_torrents(state: State, parsed: ParsedTitle, media: Media | None,
                      group_id: str | None, *, movie: bool) -> list[Torrent]:
    """Torrents of the same primary group this release replaces.

    A re-release of the same episodes with a higher version (`01v2` over `01`), or a range
    (`01-12`) covering earlier releases, of the same media, season and resolution.
    """
    if group_id is None:
        return []
    found = []
    for old in sorted(state.torrents.values(), key=lambda t: t.uploaded_at):
        if old.deleted is not None or old.upgraded is not None or old.movie != movie:
            continue
        if not old.primary_group or old.primary_group["id"] != group_id:
            continue
        before = parse_title(old.title)
        if media is not None and old.media_id is not None:
            same_media = old.media_id == media.id
        else:
            same_media = bool(parsed.show) and _show_key(before.show) == _show_key(parsed.show)
        if not same_media or (before.season or 1) != (parsed.season or 1):
            continue
        if before.resolution and parsed.resolution and before.resolution != parsed.resolution:
            continue
        if movie:
            if parsed.version > before.version:
                found.append(old)
            continue
        new, previous = set(parsed.episodes), set(before.episodes)
        if not new or not previous or not previous <= new:
            continue
        if len(new) > len(previous) or parsed.version > before.version:
            found.append(old)
    return found


def edit_fails(level: int | None, langs: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Fails of an edit's language fields (keys audio/sub/fansub), and the normalised codes."""
    fails: list[str] = []
    codes = {kind: normalise_langs(kind, value, fails) for kind, value in langs.items()}
    if level == -1 and codes.get("fansub"):
        fails.append(FAIL_NO_SUBS_WITH_FANSUBS)
    return fails, codes
