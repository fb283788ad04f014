"""The real CLI (`upload --json`) against a nekoBT that answers one endpoint badly.

Each case: one endpoint × status × content type × body shape × timing, hostile before or after
the upload is stored; the rest of the site is the sandbox. For each, in a fresh process: no
traceback, the documented exit code, the JSON record, bounded wall time and peak RSS; then a
rerun against the well-behaved site ends with exactly one torrent for the release.

The cases run four at a time (most of their time is waiting on a stalled server); the table of
(case, seconds, peak RSS, exit code) is printed in pytest's terminal summary.
"""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_run import Measured, cli_env, run_cli
from e2e_world import REPO, SAMPLE
from hostile import Behaviour, HostileSite, Match, endpoint, json_bytes

from uploader.sandbox import DEMO_API_KEY, Site

DEADLINE = 2.0  # the CLI's API deadline in this suite (ClientLimits.scaled)
RSS_MB = 150.0
RELEASE = "[ExampleSubs] Sample Show - 01v2 (1080p).mkv"
# A retried request (reads, checks, mediainfo, edits): 5 attempts, each at most the deadline
# (+ the time to notice), and 4 backoff waits of at most 1+2+4+8 s.
RETRIED = 5 * (DEADLINE + 1) + 15
ONCE = DEADLINE + 1
MARGIN = 20.0  # process start, hashing, mediainfo, and 4 cases sharing 2 cores

ME = endpoint("GET", "/users/@me")
LANGS = endpoint("GET", "/langs")
MEDIAINFO = endpoint("PUT", "/upload/mediainfo")
GROUP = endpoint("GET", r"/groups/\d+")
CHECKS = endpoint("PUT", "/upload/checks")
SEARCH = endpoint("GET", "/torrents/search")
UPLOAD = endpoint("POST", "/upload")
TORRENT = endpoint("GET", r"/torrents/\d+")
PERMS = endpoint("PATCH", "/torrents/bulk/edit/perms")
BULK = endpoint("PATCH", "/torrents/bulk/edit")
DOWNLOAD = endpoint("GET", r"/torrents/\d+/download")

HTML = Behaviour("body", ctype="text/html", body=b"<html><body>Just a moment...</body></html>")
INVALID = Behaviour("body", body=b'{"error": false, "data": {"id": "1"')
TRUNCATED = Behaviour("body", body=b'{"error": false, "da', length=5000)
DEEP = Behaviour("body", body=b"[" * 100_000)
TOP_ARRAY = Behaviour("body", body=b"[1, 2, 3]")
ERROR_TRUE = Behaviour("body", body=json_bytes({"error": True, "message": "odd"}))
NO_DATA = Behaviour("body", body=json_bytes({"error": False}))
HUGE = Behaviour("huge-json", size=100 * 1024 * 1024)
ENDLESS = Behaviour("endless")
BOMB = Behaviour("gzip-bomb", size=512 * 1024 * 1024)
DRIP_BODY = Behaviour("drip-body", interval=1.0)
DRIP_HEAD = Behaviour("drip-headers", interval=1.0)


def data(value: object) -> Behaviour:
    return Behaviour("body", body=json_bytes({"error": False, "data": value}))


@dataclass(frozen=True)
class Case:
    name: str
    target: Match
    behaviour: Behaviour
    code: int  # the documented exit code of the hostile run
    status: str | None  # its JSON record's status; None: the run stops before any release
    budget: float  # seconds the hostile run may take, before MARGIN
    when: str = "before"
    seed_copy: bool = False  # the profile copies the site's .torrent (GET .../download)


CASES: list[Any] = [
    # The key check: a bad answer means --api-url is no nekoBT API (2); no answer: 1.
    Case("me-html-200", ME, HTML, 2, None, ONCE),
    Case("me-deep-json", ME, DEEP, 2, None, ONCE),
    Case("me-100MB-json", ME, HUGE, 2, None, ONCE),
    Case("me-endless-chunked", ME, ENDLESS, 2, None, ONCE),
    Case("me-drip-headers", ME, DRIP_HEAD, 1, None, RETRIED),
    Case("me-401-endless", ME, Behaviour("endless", status=401), 3, None, ONCE),
    # Languages: a bad answer falls back to the bundled table.
    Case("langs-top-array", LANGS, TOP_ARRAY, 0, "uploaded", ONCE),
    Case("langs-gzip-bomb", LANGS, BOMB, 0, "uploaded", ONCE),
    # Mediainfo: no answer, or a 2xx not shaped as documented, falls back to local detection.
    Case("mediainfo-drip-body", MEDIAINFO, DRIP_BODY, 0, "uploaded", RETRIED),
    Case("mediainfo-langs-number", MEDIAINFO, data({"audio_langs": 5}), 0, "uploaded", ONCE),
    Case("group-members-strings", GROUP, data({"members": ["x"]}), 1, "failed", ONCE),
    # Checks decide the upload: anything unreadable fails the release, nothing is uploaded.
    Case("checks-html-200", CHECKS, HTML, 1, "failed", ONCE),
    Case("checks-error-true-200", CHECKS, ERROR_TRUE, 1, "failed", ONCE),
    Case("checks-no-data", CHECKS, NO_DATA, 1, "failed", ONCE),
    Case("checks-fails-string", CHECKS, data({"fails": "abc", "warns": []}), 1, "failed", ONCE),
    Case("checks-deep-json", CHECKS, DEEP, 1, "failed", ONCE),
    Case("checks-endless-chunked", CHECKS, ENDLESS, 1, "failed", ONCE),
    Case("checks-drip-body", CHECKS, DRIP_BODY, 1, "failed", RETRIED),
    # The exactly-once lookup: never read as "not there".
    Case("search-match-object", SEARCH, data({"results": [], "infohash_match": {"id": "1"}}),
         1, "failed", ONCE),
    Case("search-match-true", SEARCH, data({"results": [], "infohash_match": True}), 1,
         "failed", ONCE),
    Case("search-match-missing", SEARCH, data({"results": []}), 1, "failed", ONCE),
    Case("search-invalid-json", SEARCH, INVALID, 1, "failed", ONCE),
    Case("search-truncated", SEARCH, TRUNCATED, 1, "failed", RETRIED),
    Case("search-100MB-json", SEARCH, HUGE, 1, "failed", ONCE),
    Case("search-gzip-bomb", SEARCH, BOMB, 1, "failed", ONCE),
    Case("search-drip-headers", SEARCH, DRIP_HEAD, 1, "failed", RETRIED),
    # The upload: refused before it is stored (3 POSTs, each looked up first), or stored and
    # then answered badly (a lost answer: the lookup finds it, it is ours).
    # Never stored: after 3 POSTs, each looked up first, the run reports `failed` and in doubt.
    Case("upload-html-200-unstored", UPLOAD, HTML, 1, "failed", 3 * ONCE + 14 + 3),
    Case("upload-html-200-stored", UPLOAD, HTML, 0, "uploaded", ONCE + 2, when="after"),
    Case("upload-id-true-stored", UPLOAD, data({"id": True}), 0, "uploaded", ONCE + 2,
         when="after"),
    Case("upload-id-object-stored", UPLOAD, data({"id": {"id": "1"}}), 0, "uploaded",
         ONCE + 2, when="after"),
    Case("upload-100MB-stored", UPLOAD, HUGE, 0, "uploaded", ONCE + 2, when="after"),
    Case("upload-drip-body-stored", UPLOAD, DRIP_BODY, 0, "uploaded", ONCE + 2, when="after"),
    Case("upload-drip-headers-stored", UPLOAD, DRIP_HEAD, 0, "uploaded", ONCE + 2,
         when="after"),
    Case("upload-dropped-stored", UPLOAD, Behaviour("site-then-drop"), 0, "uploaded",
         ONCE + 2, when="after"),
    # Follow-ups after the upload: the release is uploaded, the follow-up failed (1).
    Case("torrent-html-200", TORRENT, HTML, 1, "uploaded", ONCE, when="after"),
    Case("torrent-100MB-json", TORRENT, HUGE, 1, "uploaded", ONCE, when="after"),
    Case("torrent-drip-body", TORRENT, DRIP_BODY, 1, "uploaded", RETRIED, when="after"),
    Case("perms-error-true-200", PERMS, ERROR_TRUE, 1, "uploaded", ONCE, when="after"),
    Case("bulk-edit-html-200", BULK, HTML, 1, "uploaded", ONCE, when="after"),
    Case("download-html-200", DOWNLOAD, HTML, 1, "uploaded", ONCE, when="after",
         seed_copy=True),
    Case("download-endless", DOWNLOAD, Behaviour("endless", ctype="application/x-bittorrent"),
         1, "uploaded", ONCE + 16 * 1024 / 256, when="after", seed_copy=True),
]


@dataclass
class Outcome:
    case: Case
    hostile: Measured
    rerun: Measured
    stored: int  # torrents on the site with the release's infohash after both runs
    hits: int  # hostile answers given
    errors: list[str] = field(default_factory=list)


def run_case(case: Case, tmp: Path) -> Outcome:
    profiles = tmp / "profiles"
    shutil.copytree(REPO / "profiles", profiles)
    if case.seed_copy:
        path = profiles / "examplesubs.yaml"
        profile = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile["seed"] = {"copy_torrent_to": str(tmp / "watch")}
        (tmp / "watch").mkdir()
        path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    release = tmp / "in" / RELEASE
    release.parent.mkdir()
    shutil.copyfile(SAMPLE, release)
    past = time.time() - 60
    os.utime(release, (past, past))
    site = Site.demo()
    args = ["upload", "--json", str(release)]
    with HostileSite(site, case.target, case.behaviour, case.when) as server:
        env = cli_env(server.url, tmp / "state", profiles, DEMO_API_KEY)
        hostile = run_cli(args, env=env, cwd=tmp, deadline=DEADLINE,
                          kill_after=case.budget + MARGIN + 30)
        hits = server.hostile_hits
        server.target = None  # the site behaves from now on
        rerun = run_cli(args, env=env, cwd=tmp, deadline=DEADLINE, kill_after=120)
    infohashes = {r.get("infohash") for r in hostile.records() + rerun.records()} - {None}
    stored = sum(1 for t in site.torrents.values() if t.infohash in infohashes)
    return Outcome(case, hostile, rerun, stored, hits)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    cases = [_case(c) for c in CASES]
    tmps = [tmp_path_factory.mktemp(case.name) for case in cases]  # not thread-safe
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = {o.case.name: o for o in pool.map(run_case, cases, tmps)}
    TABLE.extend(
        (o.case.name, o.hostile.seconds, o.hostile.rss_mb, o.hostile.code, o.rerun.code,
         o.stored) for o in results.values())
    return results


TABLE: list[tuple[str, float, float, int, int, int]] = []


def _case(entry: Case | Any) -> Case:
    return entry if isinstance(entry, Case) else entry.values[0]


@pytest.mark.parametrize("case", CASES, ids=[_case(c).name for c in CASES])
def test_hostile_answer_is_bounded_and_uploads_once(case: Case,
                                                    outcomes: dict[str, Outcome]) -> None:
    o = outcomes[case.name]
    run = o.hostile
    assert o.hits >= 1, "the hostile answer was never given: the case tests nothing"
    assert "Traceback" not in run.err, run.err[-3000:]
    assert run.code == case.code, run.err[-2000:]
    assert run.seconds <= case.budget + MARGIN
    assert run.rss_mb <= RSS_MB
    records = run.records()
    if case.status is None:
        # The run stops at the key check: still one `failed` record per release for scripts.
        assert [r["status"] for r in records] == ["failed"], run.err[-2000:]
        assert "nekoBT" in run.err  # the one message names the site
    else:
        assert [r["status"] for r in records] == [case.status], run.err[-2000:]
        if case.status == "failed":
            assert records[0]["error"].startswith(("nekoBT ", "upload: ")), records[0]["error"]
    # The rerun against a well-behaved site: exactly one torrent for the release.
    assert "Traceback" not in o.rerun.err
    assert o.rerun.code == 0, o.rerun.err[-2000:]
    assert [r["status"] for r in o.rerun.records()] in (["uploaded"], ["exists"])
    assert o.stored == 1
