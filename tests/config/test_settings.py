"""Settings: the API key from env or a file, URL policy, and the key kept out of reprs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from uploader.exceptions import AuthError, ConfigError
from uploader.secret import Secret, redact
from uploader.settings import Settings, read_api_key


def test_key_from_env_wins_over_file(tmp_path: Path) -> None:
    file = tmp_path / "key"
    file.write_text("from-file\n")
    assert read_api_key("from-env", str(file)) == Secret("from-env")
    assert read_api_key(None, str(file)) == Secret("from-file")
    assert read_api_key(None, None) is None


def test_key_file_problems_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it"):
        read_api_key(None, str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    os.chmod(empty, 0o600)
    with pytest.raises(ConfigError, match="the file is empty"):
        read_api_key(None, str(empty))


def test_world_readable_key_file_warns_without_showing_the_key(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    file = tmp_path / "key"
    file.write_text("s3cr3t-value")
    os.chmod(file, 0o644)
    with caplog.at_level(logging.WARNING):
        read_api_key(None, str(file))
    assert "chmod 600" in caplog.text
    assert "s3cr3t-value" not in caplog.text
    caplog.clear()
    os.chmod(file, 0o600)
    with caplog.at_level(logging.WARNING):
        read_api_key(None, str(file))
    assert caplog.text == ""


def test_secret_never_prints() -> None:
    secret = Secret("s3cr3t-value")
    settings = Settings(api_url="https://nekobt.to/api/v1", api_key=secret,
                        state_dir=Path("/tmp/x"))
    for text in (str(secret), repr(secret), f"{secret}", f"{secret!r}", repr(settings)):
        assert "s3cr3t-value" not in text
    assert redact("cookie ssid=s3cr3t-value", secret) == "cookie ssid=<hidden>"


def test_missing_key_is_exit_3() -> None:
    with pytest.raises(AuthError) as exc:
        Settings(state_dir=Path("/tmp/x")).require_key()
    assert exc.value.exit_code == 3


@pytest.mark.parametrize(("url", "ok"), [
    ("https://nekobt.to/api/v1/", True),
    ("http://127.0.0.1:8080/api/v1", True),
    ("http://[::1]:8080/api/v1", True),
    ("http://localhost/api/v1", True),
    ("http://nekobt.to/api/v1", False),
    ("http://10.0.0.5/api/v1", False),
    ("ftp://nekobt.to/", False),
    ("https://user:pw@nekobt.to/api/v1", False),
])
def test_api_url_policy(url: str, ok: bool) -> None:
    if ok:
        assert Settings(api_url=url, state_dir=Path("/tmp/x")).api_url == url.rstrip("/")
    else:
        with pytest.raises(ConfigError, match="--api-url"):
            Settings(api_url=url, state_dir=Path("/tmp/x"))


def test_hash_threads_default_to_the_cores_this_process_may_use() -> None:
    assert Settings().threads == len(os.sched_getaffinity(0))
    assert Settings(hash_threads=3).threads == 3
