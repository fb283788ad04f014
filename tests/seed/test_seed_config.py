"""--seed-client URLs, the password's sources, and --seed-path-map."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploader.commands._seed_options import seed_settings
from uploader.exceptions import ConfigError
from uploader.secret import Secret
from uploader.seed.config import parse_client_url, parse_path_map
from uploader.settings import Settings

PW = Secret("hunter2-seed")


@pytest.mark.parametrize(("url", "expected"), [
    ("qbittorrent://admin@127.0.0.1:8080",
     ("qbittorrent", "127.0.0.1", 8080, "admin", False, None, False)),
    ("qbittorrent+https://admin@seedbox.example:443",
     ("qbittorrent", "seedbox.example", 443, "admin", True, None, False)),
    ("transmission://u@localhost:9091/transmission/rpc",
     ("transmission", "localhost", 9091, "u", False, "/transmission/rpc", False)),
    ("transmission://u@[::1]", ("transmission", "::1", 9091, "u", False, None, False)),
    ("deluge://seeder@10.0.0.5:58846",
     ("deluge", "10.0.0.5", 58846, "seeder", False, None, False)),
    ("rtorrent://127.0.0.1:5000", ("rtorrent", "127.0.0.1", 5000, None, False, None, True)),
    ("rtorrent+http://127.0.0.1:80/RPC2",
     ("rtorrent", "127.0.0.1", 80, None, False, "/RPC2", False)),
    ("rtorrent+https://box.example/rutorrent/RPC2",
     ("rtorrent", "box.example", 5000, None, True, "/rutorrent/RPC2", False)),
])
def test_client_urls(url: str, expected: tuple[object, ...]) -> None:
    c = parse_client_url(url, PW)
    assert (c.kind, c.host, c.port, c.username, c.tls, c.path, c.scgi) == expected
    assert c.password == PW
    assert "hunter2" not in repr(c)
    assert "hunter2" not in c.display()


@pytest.mark.parametrize(("url", "message"), [
    ("utorrent://a@127.0.0.1:1", "unknown client 'utorrent'"),
    ("qbittorrent+ftp://a@127.0.0.1:1", "unknown transport 'ftp'"),
    ("qbittorrent://a:hunter2@127.0.0.1:8080", "not in the URL"),
    ("qbittorrent://a@127.0.0.1:99999", "port is not a number"),
    ("qbittorrent://a@seedbox.example:8080", "plain http sends the password in the clear"),
    ("rtorrent+http://127.0.0.1:80", "needs the XML-RPC path"),
    ("rtorrent://127.0.0.1:5000/RPC2", "takes no path"),
    ("deluge://127.0.0.1:58846", "needs a user name"),
    ("qbittorrent:///", "no host"),
])
def test_bad_client_urls_say_what_to_fix(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_client_url(url, PW)
    assert "hunter2" not in str(info.value)


def test_deluge_needs_a_password() -> None:
    with pytest.raises(ConfigError, match="NEKOBT_SEED_PASSWORD"):
        parse_client_url("deluge://u@127.0.0.1:58846", None)


def test_path_map_longest_prefix_wins_and_leaves_the_rest_alone() -> None:
    m = parse_path_map(["/srv/encodes=/data", "/srv/encodes/batches=/batches", " "])
    assert m.to_client("/srv/encodes/ready") == "/data/ready"
    assert m.to_client("/srv/encodes") == "/data"
    assert m.to_client("/srv/encodes/batches/x") == "/batches/x"
    assert m.to_client("/srv/encodes-old/x") == "/srv/encodes-old/x"  # not a path prefix
    assert m.to_client("/home/me") == "/home/me"


@pytest.mark.parametrize("entry", ["/a", "a=/b", "/a=b", "=/b"])
def test_bad_path_map_entries(entry: str) -> None:
    with pytest.raises(ConfigError, match="--seed-path-map"):
        parse_path_map([entry])


def test_password_from_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    secret.chmod(0o600)
    monkeypatch.delenv("NEKOBT_SEED_PASSWORD", raising=False)
    monkeypatch.setenv("NEKOBT_SEED_PASSWORD_FILE", str(secret))
    s = seed_settings(Settings(), "deluge://u@127.0.0.1:1", ("/a=/b",), 5.0, True)
    assert s.seed_client is not None
    assert s.seed_client.password == Secret("from-file")
    assert (s.seed_timeout, s.seed_skip_check) == (5.0, True)
    assert s.seed_path_map.to_client("/a/x") == "/b/x"
    monkeypatch.setenv("NEKOBT_SEED_PASSWORD", "from-env")
    s = seed_settings(Settings(), "deluge://u@127.0.0.1:1", (), 5.0, False)
    assert s.seed_client is not None
    assert s.seed_client.password == Secret("from-env")
    assert "from-env" not in repr(s)
