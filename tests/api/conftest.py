"""Fixtures for the API client tests: a fake clock and a client factory over a scripted site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_fakes import BASE, KEY, FakeClock, MakeClient, ScriptedSite

from uploader.api import NekoClient
from uploader.secret import Secret


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def site(clock: FakeClock) -> ScriptedSite:
    return ScriptedSite(clock=clock)


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[MakeClient]:
    """NekoClient factory: fake clock and sleep, no limiter spacing unless asked; closed after."""
    made: list[NekoClient] = []

    def make(handler: Any = None, *, base_url: str = BASE, key: str | None = KEY,
             **kw: Any) -> NekoClient:
        kw.setdefault("min_interval", 0.0)
        transport = httpx.MockTransport(handler) if handler is not None else None
        client = NekoClient(base_url, Secret(key) if key is not None else None,
                            transport=transport, sleep=clock.sleep, clock=clock, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient, site: ScriptedSite) -> NekoClient:
    return make_client(site)
