"""`profiles validate --online`: what only the site knows about a profile.

Everything here is an error the site's own checks would fail an upload for, found before the
upload: the group exists and has the profile's tag; the key's user may upload for it (leader
or admin); every credited member id is a member or a pending invite of the group, and a new
member's display name is not taken there; secondary groups exist; roles and display names fit
the site's limits as the site counts them (UTF-16 units); every language code is one the site
lists (GET /langs). The user, the user's groups and the language table are fetched once per
run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from uploader.exceptions import NotFoundError, ProfileError
from uploader.languages import Languages
from uploader.profiles.model import Profile

ROLE_MAX = 64  # the reference: a free-text role, max 64 characters
DISPLAY_NAME_MAX = 32  # a new member's display name, max 32


class SiteClient(Protocol):
    """The part of `uploader.api.NekoClient` online validation uses."""

    def check_key(self) -> Mapping[str, Any]: ...

    def get_group(self, group_id: str, /) -> Mapping[str, Any]: ...

    def get_user(self, user_id: str = ..., /) -> Mapping[str, Any]: ...

    def get_user_groups(self, user_id: str = ..., /) -> Sequence[Mapping[str, Any]]: ...

    def get_langs(self) -> Mapping[str, Any]: ...


def site_length(text: str) -> int:
    """Length as the site's validator counts it (JavaScript strings: UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


class OnlineChecker:
    def __init__(self, client: SiteClient, *, languages: Languages | None = None,
                 me: Mapping[str, Any] | None = None) -> None:
        """`languages`: the site's table, `me`: the key's user (`check_key`), when the caller
        already fetched them."""
        self.client = client
        self._me: Mapping[str, Any] | None = me
        self._my_groups: dict[str, Mapping[str, Any]] | None = None
        self._langs = languages

    @property
    def me(self) -> Mapping[str, Any]:
        if self._me is None:
            self._me = self.client.get_user("@me")
        return self._me

    @property
    def my_groups(self) -> dict[str, Mapping[str, Any]]:
        if self._my_groups is None:
            self._my_groups = {str(g.get("id")): g for g in self.client.get_user_groups("@me")}
        return self._my_groups

    @property
    def langs(self) -> Languages:
        if self._langs is None:
            try:
                self._langs = Languages.from_payload(self.client.get_langs(), origin="the site")
            except ValueError as exc:
                raise ProfileError(f"GET /langs: unexpected answer ({exc}) — try again later"
                                   ) from None
        return self._langs

    def check(self, profile: Profile) -> tuple[list[ProfileError], list[str]]:
        """(errors, warnings) for one profile. Site errors other than 404 propagate."""
        errors: list[ProfileError] = list(limit_errors(profile))
        warnings: list[str] = []
        group = self._group(profile, errors)
        if group is not None:
            self._upload_rights(profile, group, errors)
            self._members(profile, group, errors)
        for index, secondary in enumerate(profile.secondary_groups):
            try:
                self.client.get_group(secondary.id)
            except NotFoundError:
                errors.append(profile.error(f"secondary_groups[{index}].id",
                                            f"no group {secondary.id} on the site — check the "
                                            "ID in the group's page address"))
        for field in ("audio", "subtitles", "fansub"):
            for code in getattr(profile.languages, field):
                if code not in self.langs.codes:
                    errors.append(profile.error(
                        f"languages.{field}",
                        f"{code!r} is not one of the site's languages (GET /langs) — use a "
                        "code the site lists"))
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))  # in reading order
        return errors, warnings

    def _group(self, profile: Profile, errors: list[ProfileError]) -> Mapping[str, Any] | None:
        try:
            group = self.client.get_group(profile.group.id)
        except NotFoundError:
            errors.append(profile.error("group.id", f"no group {profile.group.id} on the site "
                                        "— check the ID in the group's page address"))
            return None
        site_tags = {str(group.get(k, "")) for k in ("display_tag", "tag")} - {""}
        if profile.group.tag.casefold() not in {t.casefold() for t in site_tags}:
            shown = group.get("display_tag") or group.get("tag")
            errors.append(profile.error(
                "group.tag", f"the site's group {profile.group.id} has the tag {shown!r}, not "
                f"{profile.group.tag!r} — titles must carry the group's tag"))
        return group

    def _upload_rights(self, profile: Profile, group: Mapping[str, Any],
                       errors: list[ProfileError]) -> None:
        who = self.me.get("username") or self.me.get("id")
        mine = self.my_groups.get(profile.group.id)
        name = group.get("display_name") or profile.group.tag
        if mine is None:
            errors.append(profile.error(
                "group.id", f"your account ({who}) is not a member of {name} — only its leader "
                "or an admin may upload for it"))
        elif not (mine.get("leader") or mine.get("admin")):
            errors.append(profile.error(
                "group.id", f"your account ({who}) is a member of {name} but not its leader or "
                "an admin — ask the leader to make you an admin"))

    def _members(self, profile: Profile, group: Mapping[str, Any],
                 errors: list[ProfileError]) -> None:
        """Credited ids must be members or pending invites (the group's `members` lists
        both); a new member's display name must not be one the group already has."""
        entries = [m for m in group.get("members") or [] if isinstance(m, Mapping)]
        known = {str(m.get("id")) for m in entries}
        names = {str(m.get("display_name") or "").casefold(): str(m.get("id"))
                 for m in entries if m.get("display_name")}
        name = group.get("display_name") or profile.group.tag
        for index, member in enumerate(profile.members):
            if member.id is not None and member.id not in known:
                errors.append(profile.error(
                    f"members[{index}].id", f"{member.id!r} is neither a member nor a pending "
                    f"invite of {name} on the site — check the id on the group's page, or "
                    "credit a new person with a display_name instead of an id"))
            elif member.id is None and member.display_name is not None:
                taken = names.get(member.display_name.casefold())
                if taken is not None:
                    errors.append(profile.error(
                        f"members[{index}].display_name", f"{member.display_name!r} is "
                        f"already a member or invite of {name} (id {taken}) — credit it with "
                        f'id: "{taken}" instead of a display_name'))


def limit_errors(profile: Profile) -> list[ProfileError]:
    """Roles and display names longer than the site allows, counted as the site counts.

    The offline check counts characters; the site counts UTF-16 units, so a role of 40 emoji
    passes there and fails here.
    """
    errors: list[ProfileError] = []

    def check(key: str, text: str | None, limit: int) -> None:
        if text is not None and site_length(text) > limit:
            errors.append(profile.error(key, f"the site allows at most {limit} characters "
                                        f"(UTF-16 units), this is {site_length(text)} — "
                                        "shorten it"))

    for index, member in enumerate(profile.members):
        check(f"members[{index}].role", member.role, ROLE_MAX)
        check(f"members[{index}].display_name", member.display_name, DISPLAY_NAME_MAX)
    for index, secondary in enumerate(profile.secondary_groups):
        check(f"secondary_groups[{index}].role", secondary.role, ROLE_MAX)
    return errors


def check_online(profile: Profile, client: SiteClient) -> tuple[list[ProfileError], list[str]]:
    """(errors, warnings) for one profile; use `OnlineChecker` for several (fewer calls)."""
    return OnlineChecker(client).check(profile)
