"""Fixtures: a sandbox served over loopback, and a tmp world for the CLI to run in."""

from __future__ import annotations

from conftest_world import world  # noqa: F401 - the fixture, shared with tests/notify
