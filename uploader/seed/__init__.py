"""Hand a release to the group's torrent client and confirm it is seeding.

    config.py ........ --seed-client URL, password, --seed-path-map
    base.py .......... the adapter interface and the normalised torrent status
    qbittorrent.py ... qBittorrent Web API v2 (qbittorrent-api)
    transmission.py .. Transmission RPC (transmission-rpc)
    deluge.py ........ Deluge daemon RPC (deluge-client)
    rtorrent.py ...... rTorrent XML-RPC over SCGI or HTTP (stdlib xmlrpc)
    handoff.py ....... add from memory, then poll until complete and seeding (bounded)
    watchfolder.py ... the copy into a watch folder, for clients without an API
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uploader.seed.base import ClientConfig, SeedClient


def connect(config: ClientConfig) -> SeedClient:
    """Log in to the client `config` names (its adapter is imported only now)."""
    module = importlib.import_module(f"uploader.seed.{config.kind}")
    client: SeedClient = module.connect(config)
    return client
