"""`NekoClient`: one method per endpoint of `nekobt-api.md`, in the reference's order.

Each method says what its endpoint sends (method, path, query, body) and whether repeating
it is safe (`retry_safe`); `session.Session` does the sending. Safe to repeat: every GET, the
checks and mediainfo PUTs, marking notifications read, and the PATCH edits. Never repeated by
the client: every POST (upload, group links, members, accepting an invite), every DELETE, and
assigning an invite (it notifies someone). Their callers decide what a lost answer means.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Literal, Unpack, cast
from urllib.parse import quote

import httpx

from uploader.api import answers, errors, limits
from uploader.api.bodies import (
    BulkEdit,
    ChecksRequest,
    MediainfoJson,
    NewMember,
    TorrentEdit,
    TorrentFilters,
    UploadRequest,
    UserEdit,
    checked_body,
)
from uploader.api.limiter import RateLimiter
from uploader.api.models import (
    AnimeToshoResult,
    Announcement,
    ChecksResult,
    Comment,
    Group,
    GroupSearchResult,
    Invite,
    Langs,
    Media,
    MediainfoResult,
    MediaSearchResult,
    NewInvite,
    Notification,
    Stats,
    Torrent,
    TorrentSearchResult,
    User,
    UserEditResult,
    UserGroup,
    UserPeer,
    UserSearchResult,
)
from uploader.api.retry import RetryPolicy
from uploader.api.session import Session
from uploader.exceptions import ApiError, ChecksError, ConfigError, NotFoundError
from uploader.secret import Secret

# The AnimeTosho endpoint may hold a request for up to 60 s while the site fetches.
ANIMETOSHO_TIMEOUT = 75.0

_SEGMENT = re.compile(r"[A-Za-z0-9._~@-]+")
_INFOHASH = re.compile(r"[0-9a-f]{40}")


def _seg(value: str, what: str = "id") -> str:
    """An id as one path segment; anything that could escape the segment is refused."""
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value) or value in (".", ".."):
        raise ConfigError(f"{what} {value!r}: not a valid nekoBT {what} — ids are digits "
                          "(media ids a letter and digits)")
    return quote(value, safe="@")


def _default_limits() -> limits.ClientLimits:
    return limits.DEFAULT_LIMITS  # read at each construction: one switch for a whole process


def _ids(ids: Sequence[str]) -> list[str]:
    return [_seg(i, "torrent id") for i in ids]


class NekoClient:
    """A client of the nekoBT JSON API (`https://nekobt.to/api/v1`).

    `transport` is httpx's hook: tests and the sandbox answer in-process through
    `httpx.MockTransport`. `sleep` and `clock` drive retries and the limiter (tests pass a
    fake clock). `timeout` is the longest wait for any one read, in seconds; `limits`
    (default `limits.DEFAULT_LIMITS`) the total deadline of each request, sized to it, the
    time connecting may take, and the caps on answers (see `uploader.api.limits`).

    Politeness is a token bucket (`uploader.api.limiter`): up to `burst` requests go out back
    to back, so one release's handful of calls never waits, then one every `min_interval`
    seconds (0: no limit at all), so a batch of releases stays at 5 requests/s sustained by
    default. A 429 empties the bucket until the site's wait is over.
    """

    def __init__(
        self,
        base_url: str,
        api_key: Secret | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        limits: limits.ClientLimits | None = None,
        max_attempts: int = 5,
        max_wait: float = 120.0,
        min_interval: float = 0.2,
        burst: int = 8,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = Session(
            base_url,
            api_key,
            transport=transport,
            timeout=timeout,
            limits=limits if limits is not None else _default_limits(),
            policy=RetryPolicy(max_attempts=max_attempts, max_wait=max_wait),
            limiter=RateLimiter(min_interval, burst=burst, clock=clock, sleep=sleep),
            sleep=sleep,
            clock=clock,
        )
        self.base_url = self._session.base_url

    def __repr__(self) -> str:
        key = "<hidden>" if self._session.key is not None else None
        return f"NekoClient(base_url={self.base_url!r}, api_key={key})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> NekoClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Small wrappers so each endpoint below reads as one line of "what".
    def _get(self, path: str, shape: type[Any], **query: Any) -> Any:
        return self._session.data("GET", path, shape, params=query, retry_safe=True)

    def _ok(self, method: str, path: str, *, retry_safe: bool, **kw: Any) -> None:
        self._session.envelope(method, path, retry_safe=retry_safe, **kw)

    def _checked(self, data: Any, problem: str | None, method: str, path: str) -> Any:
        """`data` when its shape is what the reference documents (`answers`), else ApiError."""
        if problem is not None:
            self._session.fail(problem, 200, data, method, path)
        return data

    # --- announcements -------------------------------------------------------------------

    def get_announcements(self) -> list[Announcement]:
        return cast(list[Announcement], self._get("/announcements", list))

    # --- groups --------------------------------------------------------------------------

    def get_group(self, group_id: str) -> Group:
        path = f"/groups/{_seg(group_id, 'group id')}"
        data = self._get(path, dict)
        return cast(Group, self._checked(data, answers.group_problem(data), "GET", path))

    def search_groups(
        self,
        query: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: str | None = None,
        order: str | None = None,
    ) -> GroupSearchResult:
        return cast(GroupSearchResult, self._get(
            "/groups/search", dict, query=query, limit=limit, offset=offset, sort=sort,
            order=order))

    def create_group_link(self, group_id: str, other_group_id: str, parent: str) -> None:
        """Link `group_id` (yours) with `other_group_id`; `parent` is the parent's id."""
        path = f"/groups/{_seg(group_id, 'group id')}/links/{_seg(other_group_id, 'group id')}"
        self._ok("POST", path, retry_safe=False, params={"parent": parent})

    def delete_group_link(self, group_id: str, other_group_id: str) -> None:
        path = f"/groups/{_seg(group_id, 'group id')}/links/{_seg(other_group_id, 'group id')}"
        self._ok("DELETE", path, retry_safe=False)

    def add_group_members(self, group_id: str, members: Sequence[NewMember]) -> list[NewInvite]:
        """Invite members; the site answers one invite (id, invite_key) per entry."""
        body = [checked_body(m, NewMember, what="add_group_members") for m in members]
        return cast(list[NewInvite], self._session.data(
            "POST", f"/groups/{_seg(group_id, 'group id')}/members", list, body=body,
            retry_safe=False))

    def update_group_member(
        self,
        group_id: str,
        member_id: str,
        *,
        admin: bool | None = None,
        regular: bool | None = None,
        display_name: str | None = None,
    ) -> None:
        given = {"admin": admin, "regular": regular, "display_name": display_name}
        body = {k: v for k, v in given.items() if v is not None}
        if not body:
            raise ValueError("update_group_member: give admin, regular or display_name")
        path = f"/groups/{_seg(group_id, 'group id')}/members/{_seg(member_id, 'member id')}"
        self._ok("PATCH", path, retry_safe=True, body=body)

    def remove_group_member(self, group_id: str, member_id: str, destructive: bool = False) -> None:
        """`destructive=True` is required to delete an invite (see the reference's table)."""
        path = f"/groups/{_seg(group_id, 'group id')}/members/{_seg(member_id, 'member id')}"
        params = {"destructive": True} if destructive else {}
        self._ok("DELETE", path, retry_safe=False, params=params)

    # --- invites -------------------------------------------------------------------------

    def get_invite(self, invite_id: str, key: str | None = None) -> Invite:
        """With the invite's `key`, the answer also reveals the recipient."""
        return cast(Invite, self._get(f"/invites/{_seg(invite_id, 'invite id')}", dict, key=key))

    def assign_invite(self, invite_id: str) -> None:
        self._ok("PATCH", f"/invites/{_seg(invite_id, 'invite id')}", retry_safe=False)

    def accept_invite(self, invite_id: str, invite_key: str) -> None:
        path = f"/invites/{_seg(invite_id, 'invite id')}/accept/{_seg(invite_key, 'invite key')}"
        self._ok("POST", path, retry_safe=False)

    # --- languages, media, stats ---------------------------------------------------------

    def get_langs(self) -> Langs:
        return cast(Langs, self._get("/langs", dict))

    def get_media(self, media_id: str, force: bool = False) -> Media:
        """`force=True` returns the media even when no torrent has it yet."""
        return cast(Media, self._get(f"/media/{_seg(media_id, 'media id')}", dict,
                                     force=True if force else None))

    def search_media(
        self, query: str, limit: int | None = None, offset: int | None = None
    ) -> MediaSearchResult:
        return cast(MediaSearchResult, self._get(
            "/media/search", dict, query=query, limit=limit, offset=offset))

    def get_stats(self) -> Stats:
        return cast(Stats, self._get("/stats", dict))

    # --- torrents ------------------------------------------------------------------------

    def get_torrent(self, torrent_id: str) -> Torrent:
        path = f"/torrents/{_seg(torrent_id, 'torrent id')}"
        data = self._get(path, dict)
        return cast(Torrent, self._checked(data, answers.torrent_problem(data), "GET", path))

    def edit_torrent(self, torrent_id: str, edit: TorrentEdit) -> None:
        """Edit fields use singular language names: `audio_lang`, `sub_lang`, `fsub_lang`."""
        body = checked_body(edit, TorrentEdit, what="edit_torrent", at_least_one=True)
        self._ok("PATCH", f"/torrents/{_seg(torrent_id, 'torrent id')}", retry_safe=True,
                 body=body)

    def get_animetosho(self, torrent_id: str) -> AnimeToshoResult:
        """May take up to a minute while the site fetches from AnimeTosho (202: retry later)."""
        body = self._session.envelope(
            "GET", f"/torrents/{_seg(torrent_id, 'torrent id')}/animetosho", retry_safe=True,
            timeout=max(ANIMETOSHO_TIMEOUT, self._session.timeout))
        data = body.get("data")
        message = body.get("message")
        return {
            "data": data if isinstance(data, list) else None,
            "retry": body.get("retry") is True,
            "message": message if isinstance(message, str) else None,
        }

    def get_comments(self, torrent_id: str) -> list[Comment]:
        path = f"/torrents/{_seg(torrent_id, 'torrent id')}/comments"
        return cast(list[Comment], self._get(path, list))

    def download_torrent(self, torrent_id: str, public: bool = False) -> bytes:
        """The .torrent; private (your passkey in the announce) unless `public=True`."""
        return self._session.raw(
            "GET", f"/torrents/{_seg(torrent_id, 'torrent id')}/download", retry_safe=True,
            params={"public": True if public else None}, answer="file")

    def bulk_download(self, ids: Sequence[str], public: bool = False) -> bytes:
        """A ZIP of .torrent files (max 500), ids in the query string."""
        return self._session.raw(
            "GET", "/torrents/bulk/download", retry_safe=True,
            params={"ids": _ids(ids), "public": True if public else None}, answer="archive")

    def bulk_download_patch(self, ids: Sequence[str], public: bool = False) -> bytes:
        """The same ZIP, ids in a JSON body (no URL length limit)."""
        body: dict[str, Any] = {"ids": _ids(ids)}
        if public:
            body["public"] = True
        return self._session.raw("PATCH", "/torrents/bulk/download", retry_safe=True, body=body,
                                 answer="archive")

    def bulk_edit(self, ids: Sequence[str], edit: BulkEdit) -> None:
        """Edit up to 250 torrents; ChecksError.bad_torrents names any you may not edit."""
        body = {"ids": _ids(ids), **checked_body(edit, BulkEdit, what="bulk_edit",
                                                 at_least_one=True)}
        self._ok("PATCH", "/torrents/bulk/edit", retry_safe=True, body=body)

    def bulk_edit_perms(self, ids: Sequence[str]) -> list[str]:
        """The ids among `ids` you may not edit (`bad_torrents`); [] when all are editable."""
        try:
            self._ok("PATCH", "/torrents/bulk/edit/perms", retry_safe=True,
                     body={"ids": _ids(ids)})
        except ChecksError as exc:
            if exc.status == 400 and exc.bad_torrents and not exc.fails:
                return exc.bad_torrents
            raise
        return []

    def search_torrents(
        self, query: str | None = None, **filters: Unpack[TorrentFilters]
    ) -> TorrentSearchResult:
        """Every documented filter; list filters are sent comma-joined, booleans true/false."""
        checked_body(filters, TorrentFilters, what="search_torrents")
        params: dict[str, Any] = {"query": query}
        for name, value in filters.items():
            params[name] = list(value) if isinstance(value, list | tuple) else value
        return cast(TorrentSearchResult, self._get("/torrents/search", dict, **params))

    def find_by_infohash(self, infohash: str) -> str | None:
        """The id of the torrent with this v1 infohash (40 hex), or None if the site has none.

        None only for the site's definite `"infohash_match": null`. An answer that cannot be
        read (not JSON, no `infohash_match`, an object or `true` in it, too large) raises
        TransportError with `sent=True`, as a lost answer does: exactly-once asks again, and
        never reads it as "not there"."""
        infohash = infohash.strip().lower()
        if not _INFOHASH.fullmatch(infohash):
            raise ValueError(f"infohash {infohash!r}: expected 40 hex digits")
        try:
            data = self.search_torrents(query=infohash)
            self._checked(data, answers.search_problem(cast(dict[str, Any], data)), "GET",
                          "/torrents/search")
        except ApiError as exc:
            if errors.is_bad_answer(exc):
                raise errors.bad_answer_lost(exc) from None
            raise
        match = data.get("infohash_match")
        return answers.torrent_id(match) if match is not None else None

    # --- upload --------------------------------------------------------------------------

    def upload(self, req: UploadRequest) -> str:
        """Upload; returns the new torrent's id. Never retried: on a TransportError with
        `sent=True` the upload may exist — look its infohash up before trying again. A 2xx
        answer without a usable id (not JSON, no `data`, an id that is an object or `true`)
        is such a TransportError too: the site may well have stored the upload."""
        body = checked_body(req, UploadRequest, what="upload")
        try:
            data = self._session.data("POST", "/upload", dict, body=body, retry_safe=False)
            torrent_id = answers.torrent_id(data.get("id"))
            if torrent_id is None:
                got = "missing" if data.get("id") is None else repr(data.get("id"))[:40]
                self._session.fail(f"no torrent id in `data` ({got})", 200, data, "POST",
                                   "/upload")
        except ApiError as exc:
            if errors.is_bad_answer(exc):
                raise errors.bad_answer_lost(exc) from None
            raise
        return torrent_id

    def upload_checks(self, req: ChecksRequest) -> ChecksResult:
        body = checked_body(req, ChecksRequest, what="upload_checks")
        data = self._session.data("PUT", "/upload/checks", dict, body=body, retry_safe=True)
        return cast(ChecksResult, self._checked(data, answers.checks_problem(data), "PUT",
                                                "/upload/checks"))

    def extract_mediainfo(self, mediainfo: str | MediainfoJson) -> MediainfoResult:
        """Mediainfo text, or its JSON as an object (never a JSON string)."""
        data = self._session.data("PUT", "/upload/mediainfo", dict,
                                  body={"mediainfo": mediainfo}, retry_safe=True)
        return cast(MediainfoResult, self._checked(data, answers.mediainfo_problem(data), "PUT",
                                                   "/upload/mediainfo"))

    # --- users ---------------------------------------------------------------------------

    def check_key(self) -> User:
        """Confirm, with one request (`GET /users/@me`), that the site takes the API key.

        Returns the key's own user. AuthError (exit 3) when the key is missing or refused;
        ConfigError when --api-url leads to no nekoBT API (a 404, a web page); TransportError
        (after a few seconds at most) when the site cannot be reached.
        """
        path = "/users/@me"
        try:
            response = self._session.send("GET", path, retry_safe=True)
        except NotFoundError:
            # `@me` always exists where the API is: a 404 means the URL is not the API's.
            raise errors.no_api_there(self.base_url, "404", self._session.key) from None
        except ApiError as exc:
            if not errors.is_bad_answer(exc):
                raise
            # Too large, or an encoding not asked for: no nekoBT API answers @me like that.
            problem = exc.message.split(f"{errors.BAD_ANSWER} (", 1)[-1].rsplit(") — ", 1)[0]
            raise errors.no_api_there(self.base_url, f"{exc.status} with {problem}",
                                      self._session.key) from None
        body = errors.json_body(response)
        data = body.get("data") if body is not None and body.get("error") is not True else None
        if not isinstance(data, dict) or not data.get("id"):
            got = errors.describe_body(response) if body is None else "JSON that is no user"
            raise errors.no_api_there(self.base_url, f"{response.status_code} with {got}",
                                      self._session.key)
        return cast(User, data)

    def get_user(self, user_id: str = "@me") -> User:
        return cast(User, self._get(f"/users/{_seg(user_id, 'user id')}", dict))

    def edit_user(self, user_id: str = "@me", **fields: Unpack[UserEdit]) -> UserEditResult:
        """Returns `new_torrent_key` when `reset_torrent_key=True`."""
        body = checked_body(fields, UserEdit, what="edit_user", at_least_one=True)
        answer = self._session.envelope("PATCH", f"/users/{_seg(user_id, 'user id')}",
                                        retry_safe=True, body=body)
        result: UserEditResult = {}
        if isinstance(answer.get("new_torrent_key"), str):
            result["new_torrent_key"] = answer["new_torrent_key"]
        return result

    def get_user_groups(self, user_id: str = "@me") -> list[UserGroup]:
        return cast(list[UserGroup], self._get(f"/users/{_seg(user_id, 'user id')}/groups",
                                               list))

    def get_notifications(self, user_id: str = "@me") -> list[Notification]:
        path = f"/users/{_seg(user_id, 'user id')}/notifications"
        return cast(list[Notification], self._get(path, list))

    def mark_notifications_read(
        self, ids: Sequence[str] | Literal["all"], user_id: str = "@me"
    ) -> list[Notification]:
        """Mark `ids` (or "all") read; returns the updated notifications."""
        if isinstance(ids, str) and ids != "all":
            raise ValueError(f"mark_notifications_read: ids {ids!r} must be a list or 'all'")
        value: list[str] | str = "all" if ids == "all" else [str(i) for i in ids]
        path = f"/users/{_seg(user_id, 'user id')}/notifications/read"
        return cast(list[Notification], self._session.data(
            "PUT", path, list, body={"ids": value}, retry_safe=True))

    def get_user_peers(self, user_id: str = "@me") -> list[UserPeer]:
        return cast(list[UserPeer], self._get(f"/users/{_seg(user_id, 'user id')}/peers", list))

    def search_users(self, query: str) -> UserSearchResult:
        """Only an exact username matches (the site keeps users private otherwise)."""
        return cast(UserSearchResult, self._get("/users/search", dict, query=query))
