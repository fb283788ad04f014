"""torf as the metainfo model, behind one border.

Every call into torf happens here, inside `torf_errors`, which turns torf's exceptions into
`TorrentError`. We hand torf a finished `info` dict (file order, empty files and piece hashes
are ours, see `files.py` and `hasher.py`) and let it validate, encode, compute the infohash and
read .torrent files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from uploader.exceptions import TorrentError
from uploader.torrent.files import Release

if TYPE_CHECKING:
    from torf import Torrent

BUILD_ADVICE = "the release could not be described as a valid torrent; please report this"
READ_ADVICE = "it is not a valid .torrent file; build it again"


@contextmanager
def torf_errors(subject: str | Path, advice: str = BUILD_ADVICE) -> Iterator[None]:
    """The one place torf's errors become ours."""
    import torf

    try:
        yield
    except torf.TorfError as exc:
        raise TorrentError(f"{subject}: {exc} — {advice}") from None


def info_dict(
    release: Release, piece_size: int, digests: bytes, private: bool, source: str | None
) -> dict[str, Any]:
    """The `info` dict, key for key what mktorrent writes for the same options."""
    info: dict[str, Any] = {"name": release.name, "piece length": piece_size, "pieces": digests}
    if release.is_dir:
        info["files"] = [{"length": f.size, "path": list(f.parts)} for f in release.files]
    else:
        info["length"] = release.files[0].size
    if private:
        info["private"] = 1
    if source:
        info["source"] = source
    return info


def make_torrent(
    info: dict[str, Any], tiers: list[list[str]], *, created_by: str, creation_date: int,
    validate: bool = True,
) -> Torrent:
    """A `torf.Torrent` around our `info` dict, validated by torf unless `validate` is False:
    an `info` dict built here from a checked listing, checked trackers and a checked piece size
    (`builder.plan_torrent`) gets `check_pieces` instead, since torf's walk over it cost ~50 ms
    for 4,000 files; a reused torrent's, which came from elsewhere, always gets torf's."""
    import torf

    with torf_errors(f"torrent {info.get('name')!r}"):
        torrent = torf.Torrent(created_by=created_by, creation_date=creation_date)
        torrent.metainfo["info"] = cast("Any", info)  # torf's TypedDict is stricter than bencode
        # announce = first URL of the first tier; announce-list = all tiers (BEP 12).
        torrent.metainfo["announce"] = tiers[0][0]
        torrent.metainfo["announce-list"] = [list(tier) for tier in tiers]
        if validate:
            torrent.validate()
    return torrent


def check_pieces(info: dict[str, Any], total: int) -> None:
    """The invariant a built `info` dict must hold: one 20-byte digest per piece of the
    `total` bytes, and lengths that add up to them."""
    size = int(info["piece length"])
    lengths = [f["length"] for f in info["files"]] if "files" in info else [info["length"]]
    pieces = info["pieces"]
    if sum(lengths) != total or len(pieces) != 20 * -(-total // size):
        raise TorrentError(f"torrent {info.get('name')!r}: {len(pieces) // 20} piece hashes "
                           f"for {total} bytes in pieces of {size} — {BUILD_ADVICE}")


def bencode(value: object) -> bytes:
    """Bencode our own `info` dict (str, bytes, int, list, dict) for the infohash.

    torf's `infohash` property validates the whole torrent again on every access (0.1 s per
    4,000 files); `encode` checks this result against torf's own encoding.
    """
    out: list[bytes] = []
    _bencode_into(value, out.append)
    return b"".join(out)


def _bencode_into(v: object, put: Callable[[bytes], None]) -> None:
    if isinstance(v, str):
        v = v.encode("utf-8")
    if isinstance(v, bytes):
        put(b"%d:" % len(v))
        put(v)
    elif isinstance(v, int):  # bool included: True encodes as i1e, as torf does
        put(b"i%de" % v)
    elif isinstance(v, list | tuple):
        put(b"l")
        for item in v:
            _bencode_into(item, put)
        put(b"e")
    elif isinstance(v, dict):
        put(b"d")
        for key, item in sorted((str(k).encode("utf-8"), i) for k, i in v.items()):
            put(b"%d:" % len(key))
            put(key)
            _bencode_into(item, put)
        put(b"e")
    else:
        raise TypeError(f"cannot bencode {type(v).__name__}")


def encode(torrent: Torrent, info: dict[str, Any]) -> tuple[bytes, str]:
    """The .torrent bytes (validated by `make_torrent` already) and the infohash.

    Our bencoder writes the whole file (torf's `dump` took ~50 ms for 4,000 files, walking
    the metainfo again); anything it does not know (a reused torrent's odd top-level key) goes
    to torf's. The tests hold both encodings equal."""
    info_bytes = bencode(info)
    rest = {key: int(value.timestamp()) if isinstance(value, datetime) else value
            for key, value in torrent.metainfo.items() if key != "info"}
    try:
        if all(key < "info" for key in rest):  # ours: announce..creation date, then info
            raw = bencode(rest)[:-1] + b"4:info" + info_bytes + b"e"  # info encoded once
        else:
            raw = bencode({**rest, "info": info})
    except TypeError:
        with torf_errors(f"torrent {torrent.name!r}"):
            raw = torrent.dump(validate=False)
    # `info` sorts last among our top-level keys; it must be encoded exactly as we hashed it.
    if not raw.endswith(b"4:info" + info_bytes + b"e"):
        raise TorrentError(f"torrent {torrent.name!r}: the info dict was encoded differently")
    return raw, hashlib.sha1(info_bytes).hexdigest()  # noqa: S324 - the v1 infohash is SHA-1


def read_torrent(path: Path) -> Torrent:
    """Read and validate a .torrent file."""
    import torf

    with torf_errors(path, READ_ADVICE):
        try:
            return torf.Torrent.read(path)
        except torf.ReadError as exc:
            raise TorrentError(f"{path}: cannot read it ({exc})", path=path) from None


def load_torrent(raw: bytes, subject: str) -> Torrent:
    """Parse and validate bencoded .torrent bytes."""
    import torf

    with torf_errors(subject, READ_ADVICE):
        return torf.Torrent.read_stream(raw)
