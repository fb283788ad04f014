"""The sandbox hosts your groups: the groups of the profiles it is given, so a new group can
try its own profile and releases with no account and no edits to the sandbox's state.

For each profile whose group the site does not have: the group (id, tag, name) is created,
with the demo user (the one of the site's API key) as its leader, so the demo key may upload
for it; every member the profile credits by id becomes a member (a user is created for an id
the site does not know); secondary groups the site does not know become empty placeholder
groups. A member credited only by `display_name` is left alone: the first upload creates its
invite, as on the real site.

A group the site already has (the demo groups, a restart with `--data`) is left exactly as it
is, so checks against it still find what the real site would. Its tag must be the profile's,
and a new group's tag must not be another group's: either clash is a ProfileError naming the
file and line (the site's tags are unique and never change), unless `skip_clashes` (then that
profile is not hosted, and checking it against the site says what is wrong). Hosting is all
or nothing; hosting the same profiles again changes nothing.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from uploader.exceptions import ProfileError
from uploader.profiles.loading import check_file, profile_files
from uploader.profiles.model import Profile
from uploader.sandbox.demo import DEMO_USER_ID
from uploader.sandbox.site import Site
from uploader.sandbox.state import Group, Member, State, User, now_ms


@dataclass(frozen=True)
class Hosted:
    """A profile whose group the sandbox has."""

    profile: str  # the profile's name
    group_id: str
    tag: str  # as written in titles
    created: bool  # False: the site already had the group (and it was left as it was)


def host_profiles(site: Site, profiles: Iterable[Profile], *,
                  skip_clashes: bool = False) -> list[Hosted]:
    """Create on `site` the groups of `profiles` it does not have (see the module docstring).

    ProfileError (exit 2) when a profile's group clashes with one of the site's; then nothing
    is changed. The new state is saved when the site keeps it in a folder (`--data`).
    """
    hosted: list[Hosted] = []
    with site.lock:
        state = copy.deepcopy(site.state)
        me = state.user_by_key(site.api_key) or state.users.get(DEMO_USER_ID)
        created = []
        for profile in profiles:
            try:
                hosted.append(_host(state, profile, me))
            except ProfileError:
                if not skip_clashes:
                    raise
                continue
            if hosted[-1].created:
                created.append(profile)
        for profile in created:  # after every new group: one may be another's secondary
            _placeholders(state, profile)
        if created:
            site.state = state
            if site.store is not None:
                site.store.save(state)
    return hosted


def hostable_profiles(directory: Path) -> list[Profile]:
    """The valid profiles of a folder, for the sandbox to host; none when it does not exist.

    Broken files and profiles sharing a tag are left out quietly: the commands that load the
    same folder report them.
    """
    if not directory.is_dir():
        return []
    reports = [check_file(path) for path in profile_files(directory)]
    tags: dict[str, int] = {}
    for report in reports:
        if report.profile is not None:
            key = report.profile.group.tag.casefold()
            tags[key] = tags.get(key, 0) + 1
    return [r.profile for r in reports
            if r.profile is not None and tags[r.profile.group.tag.casefold()] == 1]


def _group_by_tag(state: State, tag: str) -> Group | None:
    wanted = tag.casefold()
    return next((g for g in state.groups.values()
                 if wanted in (g.tag.casefold(), g.display_tag.casefold())), None)


def _host(state: State, profile: Profile, me: User | None) -> Hosted:
    wanted = profile.group
    group = state.groups.get(wanted.id)
    if group is not None:
        if wanted.tag.casefold() not in (group.tag.casefold(), group.display_tag.casefold()):
            raise profile.error(
                "group.id", f"{wanted.id} is the sandbox's group [{group.display_tag}], not "
                f"[{wanted.tag}] — give the profile your own group's id (from its page address "
                f"on nekoBT), or write tag: {group.display_tag} to try that group")
        return Hosted(profile.name, group.id, wanted.tag, created=False)
    other = _group_by_tag(state, wanted.tag)
    if other is not None:
        raise profile.error(
            "group.tag", f"[{wanted.tag}] is the tag of the sandbox's group {other.id}, not "
            f"of {wanted.id} — use id \"{other.id}\" to try that group, or your own group's tag")
    members = []
    if me is not None:
        members.append(Member(id=me.id, invite=False, display_name=me.display_name,
                              user_id=me.id, leader=True, admin=True))
    for member in profile.members:
        if member.id is None or any(m.id == member.id for m in members):
            continue  # a new person (the upload makes the invite), or already there
        user = state.users.get(member.id)
        if user is None:
            name = member.display_name or f"Member {member.id}"
            user = User(id=member.id, username=f"member{member.id}", display_name=name[:32],
                        torrent_key=secrets.token_hex(16), api_keys=[])
            state.users[user.id] = user
        members.append(Member(id=user.id, invite=False, display_name=user.display_name,
                              user_id=user.id))
    state.groups[wanted.id] = Group(
        id=wanted.id, name=wanted.tag.lower(), display_name=wanted.display_name,
        tag=wanted.tag.lower(), display_tag=wanted.tag, tagline="",
        description=f"Hosted by the sandbox from {profile.source.name}.", members=members,
        created_at=now_ms())
    return Hosted(profile.name, wanted.id, wanted.tag, created=True)


def _placeholders(state: State, profile: Profile) -> None:
    """Empty groups for the secondary groups of a new group that the site does not have."""
    for secondary in profile.secondary_groups:
        if secondary.id not in state.groups:
            state.groups[secondary.id] = Group(
                id=secondary.id, name=f"group-{secondary.id}",
                display_name=f"Group {secondary.id}", tag=f"group-{secondary.id}",
                display_tag=f"Group-{secondary.id}", tagline="",
                description=f"A placeholder for a secondary group of {profile.source.name}.",
                members=[], created_at=now_ms())
