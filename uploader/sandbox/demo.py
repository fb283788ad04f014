"""The seeded demo world: who exists when a fresh sandbox starts.

The demo key is public on purpose (it is printed by `nekobt-upload sandbox`): the sandbox only
listens on loopback and holds nothing of value.
"""

from __future__ import annotations

import base64

from uploader.sandbox.state import Group, Link, Member, State, Torrent, User
from uploader.sandbox.torrentfile import PUBLIC_ANNOUNCE, make_torrent, parse

DEMO_API_KEY = "nekobt-sandbox-demo-key-not-a-secret"
DEMO_TORRENT_KEY = "sandboxdemotorrentkey0123456789ab"
DEMO_USER_ID = "1300000000000000001"
DEMO_USERNAME = "demo"
ENCODER_USER_ID = "1300000000000000002"  # admin of ExampleSubs
TRANSLATOR_USER_ID = "1300000000000000003"  # regular member of ExampleSubs
OTHER_USER_ID = "1300000000000000004"  # leader of OtherGroup
OTHER_API_KEY = "nekobt-sandbox-other-key-not-a-secret"
DEMO_INVITE_ID = "1300000000000000010"  # an orphaned invite in ExampleSubs
DEMO_INVITE_KEY = "5a1d0c0ffee5a1d0c0ffee5a1d0c0ffe"

DEMO_GROUP_ID = "1300000000000000100"
DEMO_GROUP_TAG = "ExampleSubs"  # as written in titles (the group's display_tag)
DEMO_RAWS_GROUP_ID = "1300000000000000101"  # a second group the demo user leads
OTHER_GROUP_ID = "1300000000000000200"
OTHER_GROUP_TAG = "OtherGroup"
DEMO_MEMBER_IDS = {"leader": DEMO_USER_ID, "admin": ENCODER_USER_ID,
                   "member": TRANSLATOR_USER_ID, "invite": DEMO_INVITE_ID}

SAMPLE_TORRENT_ID = "1300000000000001001"  # [ExampleSubs] Sample Show - 01 (1080p)
SAMPLE_TORRENT_02_ID = "1300000000000001002"
OTHER_TORRENT_ID = "1300000000000001003"  # OtherGroup's; the demo user cannot edit it
SAMPLE_TITLE = "[ExampleSubs] Sample Show - 01 (1080p)"

TRACKERS = [PUBLIC_ANNOUNCE, "udp://tracker.opentrackr.org:1337/announce"]
_T0 = 1_763_900_000_000  # late November 2025, in ms


def _member(user_id: str, name: str, *, leader: bool = False, admin: bool = False) -> Member:
    return Member(id=user_id, invite=False, display_name=name, user_id=user_id, leader=leader,
                  admin=admin)


def _torrent(torrent_id: str, title: str, uploader: str, group: str, members: list[str],
             episode: int, media_id: str, first_episode_id: int, offset_h: int) -> Torrent:
    name = f"{title} [{torrent_id[-8:]}].mkv"
    parsed = parse(make_torrent(name, [(name, 700_000_000 + episode)], TRACKERS, seed=title))
    roles = ["Encode", "Translation", "Typesetting"]
    return Torrent(
        id=torrent_id,
        uploaded_at=_T0 + offset_h * 3_600_000,
        title=title,
        raw=base64.b64encode(parsed.raw).decode(),
        infohash=parsed.infohash,
        files=parsed.files,
        filesize=parsed.filesize,
        uploader_id=uploader,
        description=f"Episode {episode}. Encoded with love.",
        level=3,
        video_type=8,
        video_codec=2,
        audio_lang="ja",
        fsub_lang="en",
        primary_group={"id": group, "members": [
            {"id": m, "role": roles[i % 3], "weight": i} for i, m in enumerate(members)]},
        media_id=media_id,
        media_episode_ids=[str(first_episode_id + episode)],
        seeders=40 - episode,
        leechers=episode % 3,
        completed=300 + episode,
        animetosho="ready" if episode == 1 else "processing",
        animetosho_fetched_at=_T0 if episode == 1 else None,
    )


def demo_state() -> State:
    users = {
        DEMO_USER_ID: User(DEMO_USER_ID, DEMO_USERNAME, "Demo Uploader", DEMO_TORRENT_KEY,
                           [DEMO_API_KEY], description="The sandbox's demo account.",
                           nyaa=[{"username": "DemoNyaa", "public": True}],
                           notifications=[
                               {"id": "1300000000000009001", "data": "Welcome to the site.",
                                "seen": True},
                               {"id": "1300000000000009002", "seen": False,
                                "data": f"<u:{OTHER_USER_ID}:Other> commented on "
                                        f"<t:{SAMPLE_TORRENT_ID}:{SAMPLE_TITLE}>."},
                           ], upload=50043, download=1945),
        ENCODER_USER_ID: User(ENCODER_USER_ID, "encoder", "Encoder",
                              "encodertorrentkey000000000000000", []),
        TRANSLATOR_USER_ID: User(TRANSLATOR_USER_ID, "translator", "Translator",
                                 "translatortorrentkey000000000000", []),
        OTHER_USER_ID: User(OTHER_USER_ID, "otheruser", "Other",
                            "othertorrentkey00000000000000000", [OTHER_API_KEY]),
    }
    groups = {
        DEMO_GROUP_ID: Group(
            DEMO_GROUP_ID, "examplesubs", "Example Subs", "examplesubs", DEMO_GROUP_TAG,
            "Example fansub group", "The sandbox's demo group.",
            [
                _member(DEMO_USER_ID, "Demo Uploader", leader=True, admin=True),
                _member(ENCODER_USER_ID, "Encoder", admin=True),
                _member(TRANSLATOR_USER_ID, "Translator"),
                Member(DEMO_INVITE_ID, invite=True, display_name="FormerTypesetter",
                       invite_key=DEMO_INVITE_KEY, author_id=DEMO_USER_ID, regular=False),
            ],
            created_at=_T0 - 86_400_000 * 30,
        ),
        DEMO_RAWS_GROUP_ID: Group(
            DEMO_RAWS_GROUP_ID, "examplesubs-raws", "Example Subs Raws", "examplesubs-raws",
            "ExampleSubs-Raws", "Raws for Example Subs", "",
            [_member(DEMO_USER_ID, "Demo Uploader", leader=True, admin=True)],
            created_at=_T0 - 86_400_000 * 20,
        ),
        OTHER_GROUP_ID: Group(
            OTHER_GROUP_ID, "othergroup", "Other Group", "othergroup", OTHER_GROUP_TAG,
            "Someone else's group", "",
            [_member(OTHER_USER_ID, "Other", leader=True, admin=True),
             _member(TRANSLATOR_USER_ID, "Translator")],
            created_at=_T0 - 86_400_000 * 40,
        ),
    }
    torrents = {
        t.id: t
        for t in (
            _torrent(SAMPLE_TORRENT_ID, SAMPLE_TITLE, DEMO_USER_ID, DEMO_GROUP_ID,
                     [DEMO_USER_ID, TRANSLATOR_USER_ID], 1, "s1001", 48000, 0),
            _torrent(SAMPLE_TORRENT_02_ID, "[ExampleSubs] Sample Show - 02 (1080p)",
                     ENCODER_USER_ID, DEMO_GROUP_ID, [ENCODER_USER_ID, TRANSLATOR_USER_ID],
                     2, "s1001", 48000, 24 * 7),
            _torrent(OTHER_TORRENT_ID, "[OtherGroup] Another Example - 05 (1080p)",
                     OTHER_USER_ID, OTHER_GROUP_ID, [OTHER_USER_ID], 5, "s1002", 49000, 30),
        )
    }
    torrents[OTHER_TORRENT_ID].animetosho = "skipped"
    torrents[SAMPLE_TORRENT_ID].comments = [{
        "id": "1300000000000008001", "deleted": False, "user_id": OTHER_USER_ID,
        "text": "Thanks for the release!", "replying_to": None, "display_name": "Other",
        "pfp_hash": None, "positive": "2", "negative": "0", "pinned": False,
        "user_rating": None, "last_edit": None, "children": [],
    }]
    return State(
        users=users,
        groups=groups,
        torrents=torrents,
        links=[Link(parent=DEMO_GROUP_ID, child=DEMO_RAWS_GROUP_ID, initiator=DEMO_GROUP_ID,
                    active=True)],
        announcements=[{
            "start_time": str(_T0 - 86_400_000), "end_time": str(_T0 + 86_400_000 * 365),
            "message": "Welcome to the nekoBT sandbox: a local model of the site's API.",
            "link": "", "new_tab": False, "color": "info", "dismissible": True,
        }],
        created_at=_T0,
        last_id=0,
    )
