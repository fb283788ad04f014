"""Credits: members named only by display name are matched to the group's existing invites.

The first upload crediting `{display_name: NewTypesetter}` makes the site create an invite with
that name; from then on the same name is "already taken", so later uploads must credit the
invite (or the member who accepted it) by its id.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Protocol

from uploader.payloads import ReleaseMeta
from uploader.profiles.model import Member

log = logging.getLogger(__name__)


class GroupClient(Protocol):
    def get_group(self, group_id: str) -> Any: ...


def resolve_new_members(client: GroupClient, meta: ReleaseMeta) -> ReleaseMeta:
    """`meta` with id-less members replaced by the group's member or invite of that name."""
    if all(m.id is not None for m in meta.members):
        return meta
    group = client.get_group(meta.group_id)
    by_name: dict[str, str] = {}
    for member in group.get("members") or []:
        name, member_id = member.get("display_name"), member.get("id")
        if isinstance(name, str) and member_id is not None:
            by_name.setdefault(name.casefold(), str(member_id))
    resolved = []
    for m in meta.members:
        known = by_name.get((m.display_name or "").casefold()) if m.id is None else None
        if known is not None:
            log.info("credits: %s is already in the group (id %s)", m.display_name, known)
            resolved.append(Member(role=m.role, id=known))
        else:
            resolved.append(m)
    return dataclasses.replace(meta, members=tuple(resolved))
