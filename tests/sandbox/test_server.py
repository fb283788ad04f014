"""The same site over real loopback HTTP: sockets, dropped connections, slowness, restarts,
and the `nekobt-upload sandbox` command as a real process."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sandbox.conftest import upload_body
from uploader.exceptions import ConfigError
from uploader.sandbox import DEMO_API_KEY, DEMO_USER_ID, SandboxServer, Site, start_sandbox

PUBLIC_HOST = "0.0.0.0"  # noqa: S104 - the address the sandbox must refuse


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    before = threading.active_count()
    with SandboxServer(Site.demo()) as running:
        yield running
    assert threading.active_count() == before  # every handler thread was joined
    assert running.site.errors == []


def http(server: SandboxServer, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=server.url, cookies={"ssid": DEMO_API_KEY}, timeout=timeout)


def test_basic_requests_over_http(server: SandboxServer, make_torrent) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.url.endswith("/api/v1")
    with http(server) as client:
        me = client.get("/users/@me")
        assert me.status_code == 200
        assert me.json()["data"]["id"] == DEMO_USER_ID
        torrent = make_torrent()
        new_id = client.post("/upload", json=upload_body(torrent)).json()["data"]["id"]
        download = client.get(f"/torrents/{new_id}/download")
        assert download.headers["content-type"] == "application/x-bittorrent"
        assert download.content.startswith(b"d8:announce")
        unauth = httpx.get(f"{server.url}/upload/checks")
        assert unauth.status_code == 404  # GET is not a route there
    assert server.site.requests[1].path == "/upload"


def test_concurrent_uploads_are_all_stored(server: SandboxServer, make_torrent) -> None:
    torrents = [make_torrent(f"[ExampleSubs] Sample Show - {n:02} (1080p).mkv")
                for n in range(3, 9)]
    ids: list[str] = []

    def upload(torrent) -> None:  # type: ignore[no-untyped-def]
        title = torrent.name.removesuffix(".mkv")
        with http(server) as client:
            ids.append(client.post("/upload", json=upload_body(torrent, title)).json()[
                "data"]["id"])

    threads = [threading.Thread(target=upload, args=(t,)) for t in torrents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(set(ids)) == len(torrents)
    assert {server.site.torrents[i].infohash for i in ids} == {t.infohash for t in torrents}


def test_both_429_shapes_over_http(server: SandboxServer) -> None:
    server.site.faults.rate_limit_json(retry_after=0.5)
    server.site.faults.rate_limit_html(retry_after=3)
    with http(server) as client:
        first = client.get("/langs")
        second = client.get("/langs")
    assert (first.status_code, first.json()["retry_after"]) == (429, 0.5)
    assert (second.status_code, second.headers["retry-after"]) == (429, "3")
    assert second.headers["content-type"].startswith("text/html")


def test_dropped_connection_after_the_upload_is_stored(server: SandboxServer,
                                                       make_torrent) -> None:
    server.site.faults.drop(method="POST", path="/upload")
    torrent = make_torrent()
    with http(server) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/upload", json=upload_body(torrent))
        match = client.get("/torrents/search", params={"query": torrent.infohash})
        assert match.json()["data"]["infohash_match"] is not None
    assert [t.infohash for t in server.site.torrents.values()].count(torrent.infohash) == 1


def test_slow_answer_times_out_then_answers(server: SandboxServer) -> None:
    server.site.faults.slow(0.6, count=2)
    with http(server, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/langs")
    with http(server) as client:
        start = time.monotonic()
        assert client.get("/langs").status_code == 200
        assert time.monotonic() - start >= 0.55


def test_close_is_prompt_while_an_answer_is_slow() -> None:
    running = SandboxServer(Site.demo()).start()
    running.site.faults.slow(30)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            httpx.get(f"{running.url}/langs", timeout=10)
        except httpx.HTTPError as exc:
            errors.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(0.3)
    start = time.monotonic()
    running.close()
    asker.join(10)
    assert time.monotonic() - start < 5
    assert not asker.is_alive()


def test_non_loopback_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a loopback address"):
        SandboxServer(Site.demo(), host=PUBLIC_HOST)


def test_busy_port_is_a_config_error(server: SandboxServer) -> None:
    with pytest.raises(ConfigError, match="cannot listen"):
        SandboxServer(Site.demo(), port=server.port)


def test_ipv6_loopback() -> None:
    try:
        running = SandboxServer(Site.demo(), host="::1").start()
    except ConfigError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        assert running.url == f"http://[::1]:{running.port}/api/v1"
        assert httpx.get(f"{running.url}/langs").status_code == 200
    finally:
        running.close()


def test_state_survives_a_restart(tmp_path: Path, make_torrent) -> None:
    data = tmp_path / "sandbox-data"
    torrent = make_torrent()
    first = start_sandbox(data)
    try:
        with http(first) as client:
            new_id = client.post("/upload", json=upload_body(torrent)).json()["data"]["id"]
            new_key = client.patch("/users/@me", json={"reset_torrent_key": True}).json()[
                "new_torrent_key"]
    finally:
        first.close()
    state_file = data / "state.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert json.loads(state_file.read_text())["torrents"][new_id]["infohash"] == torrent.infohash
    assert [p.name for p in data.iterdir()] == ["state.json"]  # no temp file left behind
    second = start_sandbox(data)
    try:
        with http(second) as client:
            again = client.get(f"/torrents/{new_id}").json()["data"]
            assert again["infohash"] == torrent.infohash
            assert client.get("/users/@me").json()["data"]["torrent_key"] == new_key
            dup = client.post("/upload", json=upload_body(torrent))
            assert dup.json() == {"error": True, "message": "Torrent already exists."}
            newer = client.post("/upload", json=upload_body(
                make_torrent("x.mkv"), title="[ExampleSubs] Sample Show - 07 (1080p)"))
            assert int(newer.json()["data"]["id"]) > int(new_id)
    finally:
        second.close()


def test_corrupt_state_is_reported(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not a sandbox state file"):
        Site.demo(tmp_path)


def _cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "uploader", "sandbox", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_sandbox_command_serves_until_sigterm(tmp_path: Path) -> None:
    proc = _cli("--port", "0", "--data", str(tmp_path / "d"), "--fault", "rate-limit-json=3:1")
    try:
        assert proc.stdout is not None
        url_line = proc.stdout.readline()
        key_line = proc.stdout.readline()
        assert url_line.startswith("nekoBT sandbox: http://127.0.0.1:")
        url = url_line.split(": ", 1)[1].strip()
        assert key_line.split()[3] == DEMO_API_KEY
        with httpx.Client(base_url=url, cookies={"ssid": DEMO_API_KEY}) as client:
            limited = client.get("/users/@me")
            assert (limited.status_code, limited.json()["retry_after"]) == (429, 3.0)
            assert client.get("/users/@me").json()["data"]["id"] == DEMO_USER_ID
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "sandbox stopped." in err
    assert (tmp_path / "d" / "state.json").exists()


def test_sandbox_command_quirks(make_torrent) -> None:
    proc = _cli("--port", "0", "--quirk", "newer-site", "--quirk", "no-lang-aliases")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        with httpx.Client(base_url=url, cookies={"ssid": DEMO_API_KEY}) as client:
            r = client.post("/upload", json=upload_body(make_torrent(), batch=True))
            assert r.status_code == 200, r.text
            info = "General\nFormat : Matroska\n\nAudio\nFormat : FLAC\nLanguage : Japanese\n"
            extracted = client.put("/upload/mediainfo", json={"mediainfo": info}).json()
            assert extracted["data"]["audio_langs"] == "ja"
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    unknown = subprocess.run([sys.executable, "-m", "uploader", "sandbox", "--quirk", "nope"],
                             capture_output=True, text=True, timeout=30, check=False)
    assert unknown.returncode == 2
    assert "newer-site" in unknown.stderr  # click lists the valid choices


def test_sandbox_command_stops_on_sigint() -> None:
    proc = _cli("--port", "0")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("nekoBT sandbox:")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def test_sandbox_command_refuses_a_public_host() -> None:
    result = subprocess.run([sys.executable, "-m", "uploader", "sandbox", "--host", PUBLIC_HOST],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr
    assert result.stdout == ""
    bad_fault = subprocess.run(
        [sys.executable, "-m", "uploader", "sandbox", "--fault", "explode"],
        capture_output=True, text=True, timeout=30, check=False)
    assert bad_fault.returncode == 2
    assert "unknown fault kind" in bad_fault.stderr
