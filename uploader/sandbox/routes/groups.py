"""Groups (get, search, links, members) and invites (get, assign, accept)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from uploader.sandbox import schemas
from uploader.sandbox.site import Ctx, Route, fail, reply
from uploader.sandbox.state import Group, Link, Member, State, User
from uploader.sandbox.views import group_brief, group_full, group_torrents, user_brief

FORBIDDEN = "Forbidden."


def _group(ctx: Ctx, group_id: str) -> Group:
    group = ctx.state.groups.get(group_id)
    if group is None:
        raise fail(404, "Group not found.")
    return group


def _require_admin(ctx: Ctx, group: Group, message: str = FORBIDDEN) -> User:
    user = ctx.require_user()
    if not ctx.state.is_group_admin(group.id, user.id):
        raise fail(403, message)
    return user


def _is_leader(state: State, group: Group, user_id: str) -> bool:
    member = state.membership(group, user_id)
    return member is not None and member.leader


def get_group(ctx: Ctx, group_id: str) -> httpx.Response:
    return reply(group_full(ctx.state, _group(ctx, group_id), ctx.user))


_GROUP_SORTS: dict[str, Any] = {
    "created": lambda s, g: g.created_at,
    "uploads": lambda s, g: len(group_torrents(s, g.id)),
    "members": lambda s, g: sum(1 for m in g.members if not m.invite),
    "downloads": lambda s, g: sum(t.completed for t in group_torrents(s, g.id)),
    "name": lambda s, g: g.name.lower(),
}


def search_groups(ctx: Ctx) -> httpx.Response:
    params = ctx.params(schemas.SEARCH_GROUPS)
    words = params.get("query", "").lower().split()
    state = ctx.state
    found = [g for g in state.groups.values()
             if all(w in f"{g.name} {g.display_name} {g.tag}".lower() for w in words)]
    key = _GROUP_SORTS[params.get("sort", "created")]
    found.sort(key=lambda g: key(state, g), reverse=params.get("order", "desc") == "desc")
    offset, limit = params.get("offset", 0), params.get("limit", 50)
    results = []
    for group in found[offset: offset + limit]:
        torrents = group_torrents(state, group.id)
        results.append({
            "id": group.id, "anonymous": group.anonymous, "description": group.description,
            "display_name": group.display_name, "name": group.name, "tag": group.tag,
            "display_tag": group.display_tag, "pfp_hash": group.pfp_hash,
            "tagline": group.tagline,
            "member_count": str(sum(1 for m in group.members if not m.invite)),
            "torrent_count": str(len(torrents)),
            "download_count": str(sum(t.completed for t in torrents)),
        })
    return reply({"results": results, "more": offset + limit < len(found)})


def _find_link(state: State, a: str, b: str) -> Link | None:
    return next((x for x in state.links if {x.parent, x.child} == {a, b}), None)


def create_link(ctx: Ctx, group_id: str, other_id: str) -> httpx.Response:
    user = ctx.require_user()
    params = ctx.params(schemas.GROUP_LINK_QUERY)
    group, other = _group(ctx, group_id), _group(ctx, other_id)
    if group.id == other.id:
        raise fail(400, "A group can't be linked to itself.")
    if params["parent"] not in (group.id, other.id):
        raise fail(400, "The parent must be one of the two groups.")
    if not _is_leader(ctx.state, group, user.id):
        raise fail(403, "Unauthorized.")
    link = _find_link(ctx.state, group.id, other.id)
    if link is not None and link.active:
        raise fail(400, "These groups are already linked.")
    if link is not None and link.initiator == other.id:
        link.active = True  # the other group asked first: this approves it
        ctx.changed = True
        return reply()
    if link is None:
        child = other.id if params["parent"] == group.id else group.id
        link = Link(parent=params["parent"], child=child, initiator=group.id,
                    active=_is_leader(ctx.state, other, user.id))
        ctx.state.links.append(link)
        ctx.changed = True
    if not link.active:
        raise fail(400, "Link is waiting for other group to approve.")
    return reply()


def delete_link(ctx: Ctx, group_id: str, other_id: str) -> httpx.Response:
    user = ctx.require_user()
    group = _group(ctx, group_id)
    _group(ctx, other_id)
    if not _is_leader(ctx.state, group, user.id):
        raise fail(403, "Unauthorized.")
    link = _find_link(ctx.state, group.id, other_id)
    if link is None:
        raise fail(404, "Link not found.")
    ctx.state.links.remove(link)
    ctx.changed = True
    return reply()


def _name_taken(group: Group, name: str, *, exclude: str | None = None) -> bool:
    return any(m.display_name.lower() == name.lower() and m.id != exclude and not m.used
               for m in group.members)


def add_members(ctx: Ctx, group_id: str) -> httpx.Response:
    group = _group(ctx, group_id)
    user = _require_admin(ctx, group)
    body = ctx.json(schemas.ADD_MEMBERS)
    state = ctx.state
    new: list[Member] = []
    for entry in body:
        if entry["id"] is not None:
            invitee = state.users.get(entry["id"])
            if invitee is None:
                raise fail(404, "User not found.")
            if state.membership(group, invitee.id) is not None or any(
                    m.user_id == invitee.id and m.invite and not m.used for m in group.members):
                raise fail(400, f'User ("{invitee.display_name}") is already in this group.')
            name = invitee.display_name
        else:
            name = (entry["display_name"] or "").strip()
            if not name:
                raise fail(400, "A display name is needed to invite without a user ID.")
        if _name_taken(group, name) or any(m.display_name == name for m in new):
            raise fail(400, f'Display name ("{name}") already taken.')
        new.append(Member(id=state.new_id(), invite=True, display_name=name,
                          user_id=entry["id"], invite_key=secrets.token_hex(16),
                          author_id=user.id, regular=False))
    for member in new:
        group.members.append(member)
        invitee = state.users.get(member.user_id or "")
        if invitee is not None:
            invitee.notifications.append({
                "id": state.new_id(), "seen": False,
                "data": f"<u:{user.id}:{user.display_name}> invited you to "
                        f"<g:{group.id}:{group.display_name}>. "
                        f"<i:{member.id}:{member.invite_key}>"})
    ctx.changed = True
    return reply([{"id": m.id, "invite_key": m.invite_key} for m in new])


def _member(ctx: Ctx, group: Group, member_id: str) -> Member:
    member = ctx.state.member(group, member_id)
    if member is None or member.used:
        raise fail(404, "Member not found.")
    return member


def update_member(ctx: Ctx, group_id: str, member_id: str) -> httpx.Response:
    group = _group(ctx, group_id)
    user = _require_admin(ctx, group)
    body = ctx.json(schemas.UPDATE_MEMBER)
    member = _member(ctx, group, member_id)
    if "display_name" in body:
        if not member.invite:
            raise fail(400, "Display names can only be changed on invites.")
        if _name_taken(group, body["display_name"], exclude=member.id):
            raise fail(400, f'Display name ("{body["display_name"]}") already taken.')
    if "admin" in body and not _is_leader(ctx.state, group, user.id):
        raise fail(403, FORBIDDEN)
    if member.leader and ("admin" in body or "regular" in body):
        raise fail(400, "The group leader can't be changed.")
    for key in ("admin", "regular", "display_name"):
        if key in body:
            setattr(member, key, body[key])
    ctx.changed = True
    return reply()


def remove_member(ctx: Ctx, group_id: str, member_id: str) -> httpx.Response:
    user = ctx.require_user()
    params = ctx.params(schemas.REMOVE_MEMBER_QUERY)
    group = _group(ctx, group_id)
    member = _member(ctx, group, member_id)
    leaving = not member.invite and member.user_id == user.id
    if not leaving and not ctx.state.is_group_admin(group.id, user.id):
        raise fail(403, FORBIDDEN)
    if member.leader:
        raise fail(400, "The group leader can't be removed.")
    destructive = params.get("destructive", False)
    if member.invite and not destructive:
        raise fail(400, "Cannot soft delete an invite. Use ?destructive=true to delete an invite.")
    state = ctx.state
    leader = next(m for m in group.members if m.leader)
    replacement: str | None = None
    if not destructive:
        replacement = state.new_id()
        group.members.append(Member(id=replacement, invite=True, display_name="Deleted Member",
                                    invite_key=secrets.token_hex(16), author_id=user.id,
                                    regular=False))
    group.members.remove(member)
    for torrent in group_torrents(state, group.id):
        if torrent.uploader_id == member.id:
            torrent.uploader_id = leader.user_id or torrent.uploader_id
        credits = torrent.primary_group["members"] if torrent.primary_group else []
        for credit in list(credits):
            if credit["id"] == member.id:
                if replacement is None:
                    credits.remove(credit)
                else:
                    credit["id"] = replacement
    ctx.changed = True
    return reply()


def _invite(ctx: Ctx, invite_id: str) -> tuple[Group, Member]:
    found = ctx.state.find_invite(invite_id)
    if found is None:
        raise fail(404, "Invite not found.")
    return found


def get_invite(ctx: Ctx, invite_id: str) -> httpx.Response:
    params = ctx.params(schemas.INVITE_QUERY)
    group, invite = _invite(ctx, invite_id)
    state = ctx.state
    recipient = None
    if params.get("key") and params["key"] == invite.invite_key:
        recipient = user_brief(state.users.get(invite.user_id or ""))
    return reply({
        "id": invite.id,
        "display_name": invite.display_name,
        "author": user_brief(state.users.get(invite.author_id or "")),
        "used": invite.used,
        "recipient": recipient,
        "group": group_brief(group),
        "torrent_count": str(len(_credited(state, group, invite.id))),
    })


def _credited(state: State, group: Group, member_id: str) -> list[dict[str, Any]]:
    """The credit entries naming `member_id` on the group's torrents."""
    return [credit for t in group_torrents(state, group.id) if t.primary_group
            for credit in t.primary_group["members"] if credit["id"] == member_id]


def assign_invite(ctx: Ctx, invite_id: str) -> httpx.Response:
    """sandbox: the reference documents no body; the invite is marked as handed out."""
    user = ctx.require_user()
    if ctx.body is not None:
        ctx.json(schemas.ASSIGN_INVITE)
    group, invite = _invite(ctx, invite_id)
    if not ctx.state.is_group_admin(group.id, user.id):
        raise fail(403, "Only group leaders and admins can edit invites.")
    if invite.used:
        raise fail(400, "Invite has already been used.")
    invite.assigned = True
    ctx.changed = True
    return reply()


def accept_invite(ctx: Ctx, invite_id: str, invite_key: str) -> httpx.Response:
    user = ctx.require_user()
    group, invite = _invite(ctx, invite_id)
    state = ctx.state
    if invite.invite_key != invite_key:
        raise fail(400, "Invalid invite key.")
    if invite.used:
        raise fail(400, "Invite has already been used.")
    if state.membership(group, user.id) is not None:
        raise fail(400, "You are already in this group.")
    if invite.user_id is not None and invite.user_id != user.id:
        raise fail(403, "This invite is for another user.")
    invite.used = True
    invite.user_id = user.id
    group.members.append(Member(id=user.id, invite=False, display_name=user.display_name,
                                user_id=user.id))
    for credit in _credited(state, group, invite.id):
        credit["id"] = user.id
    ctx.changed = True
    return reply()


ROUTES = [
    Route("GET", "/groups/search", search_groups, False),
    Route("GET", "/groups/{group_id}", get_group, False),
    Route("POST", "/groups/{group_id}/links/{other_id}", create_link, True),
    Route("DELETE", "/groups/{group_id}/links/{other_id}", delete_link, True),
    Route("POST", "/groups/{group_id}/members", add_members, True),
    Route("PATCH", "/groups/{group_id}/members/{member_id}", update_member, True),
    Route("DELETE", "/groups/{group_id}/members/{member_id}", remove_member, True),
    Route("GET", "/invites/{invite_id}", get_invite, False),
    Route("PATCH", "/invites/{invite_id}", assign_invite, True),
    Route("POST", "/invites/{invite_id}/accept/{invite_key}", accept_invite, True),
]
