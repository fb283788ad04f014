"""`profiles validate --online`: what only the site knows about a profile.

The group exists and has the profile's tag; the key's user may upload for it (leader or
admin); credited member ids belong to the group (an unknown id is only a warning: it may be an
invite the site resolves); secondary groups exist; every language code is one the site lists.
The user, the user's groups and the language table are fetched once per run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from uploader.exceptions import NotFoundError, ProfileError
from uploader.languages import Languages
from uploader.profiles.model import Profile


class SiteClient(Protocol):
    """The part of `uploader.api.NekoClient` online validation uses."""

    def get_group(self, group_id: str, /) -> Mapping[str, Any]: ...

    def get_user(self, user_id: str = ..., /) -> Mapping[str, Any]: ...

    def get_user_groups(self, user_id: str = ..., /) -> Sequence[Mapping[str, Any]]: ...

    def get_langs(self) -> Mapping[str, Any]: ...


class OnlineChecker:
    def __init__(self, client: SiteClient, *, languages: Languages | None = None) -> None:
        """`languages`: the site's table when the caller already fetched it."""
        self.client = client
        self._me: Mapping[str, Any] | None = None
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
        errors: list[ProfileError] = []
        warnings: list[str] = []
        group = self._group(profile, errors)
        if group is not None:
            self._upload_rights(profile, group, errors)
            self._members(profile, group, warnings)
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

    def _members(self, profile: Profile, group: Mapping[str, Any], warnings: list[str]) -> None:
        known = {str(member.get("id")) for member in group.get("members") or []
                 if isinstance(member, Mapping)}
        name = group.get("display_name") or profile.group.tag
        for index, member in enumerate(profile.members):
            if member.id is not None and member.id not in known:
                key = f"members[{index}].id"
                warnings.append(f"{profile.where(key)}: {key}: {member.id!r} is not a member "
                                f"of {name} on the site — fine if it is an invite id, else "
                                "check it")


def check_online(profile: Profile, client: SiteClient) -> tuple[list[ProfileError], list[str]]:
    """(errors, warnings) for one profile; use `OnlineChecker` for several (fewer calls)."""
    return OnlineChecker(client).check(profile)
