"""`seed test`: what the client is, and whether it can seed from a folder (a real probe)."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from uploader.exceptions import ConfigError, SeedClientError
from uploader.seed.base import ClientConfig
from uploader.seed.config import PathMap
from uploader.seed.handoff import SeedRequest, client_save_path, seed

# The probe's torrent announces nowhere reachable and is private (no DHT/PeX): it only
# proves that the client sees and reads the folder.
PROBE_TRACKERS = ["http://127.0.0.1:1/announce", "udp://127.0.0.1:1/announce"]  # a tier each
PROBE_TIMEOUT = 60.0


def describe_client(config: ClientConfig) -> str:
    from uploader.seed import connect

    client = connect(config)
    try:
        info = client.info()
    finally:
        client.close()
    return (f"client: {config.display()} — {config.kind} {info.version}, default save path "
            f"{info.default_save_path}")


def probe_folder(config: ClientConfig, folder: Path, path_map: PathMap) -> str:
    """Hand a small hidden file in `folder` to the client; it must seed it at 100 %."""
    import torf

    from uploader.seed import connect

    probe = folder / f".nekobt-seed-probe-{secrets.token_hex(4)}"
    try:
        probe.write_bytes(secrets.token_bytes(64 * 1024))
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot write the probe file there ({exc.strerror}) — "
                          "run seed test as the user that writes your releases") from None
    request = None
    try:
        # torf directly: our builder rightly refuses dotfiles as releases; this one is hidden
        # so that a watch folder's daemon never takes it for a release.
        torrent = torf.Torrent(path=probe, trackers=PROBE_TRACKERS, private=True,
                               piece_size=64 * 1024, created_by=None, creation_date=None)
        torrent.generate()
        request = SeedRequest(torrent=torrent.dump(), infohash=str(torrent.infohash),
                              release=probe)
        save = client_save_path(request, path_map)
        mapped = f" (mapped from {folder})" if save != str(folder) else ""
        try:
            result = seed(config, request, path_map=path_map, timeout=PROBE_TIMEOUT, poll=0.5)
        except SeedClientError as exc:
            raise SeedClientError(f"{folder} → {save}{mapped}: the client cannot seed from "
                                  f"there — {exc}", client=config.kind) from None
        return (f"ok: {config.kind} sees and reads {save}{mapped}: a probe file there was "
                f"checked and seeded in {result.seconds:.1f} s")
    finally:
        if request is not None:
            with contextlib.suppress(SeedClientError):
                client = connect(config)
                try:
                    client.remove(request.infohash)
                finally:
                    client.close()
        probe.unlink(missing_ok=True)
