"""Test helpers for the torrent builder, written independently of `uploader.torrent`.

`verify_pieces` decodes the .torrent with its own tiny bdecoder, reads the listed files end to
end and SHA-1s every piece: it shares no code with the builder, so a builder bug cannot hide in
both. `mktorrent_infohash` runs Debian's real mktorrent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

TRACKERS = [
    ["https://tracker.nekobt.to/api/tracker/public/announce"],
    ["udp://tracker.opentrackr.org:1337/announce", "http://tracker.example.org:6969/announce"],
]
OLD = 1_600_000_000  # a 2020 timestamp: files older than the cache's racy window


def _parse(raw: bytes, i: int) -> tuple[Any, int]:
    """Decode the bencoded value starting at `i`; return it and the index after it."""
    c = raw[i : i + 1]
    if c == b"i":
        end = raw.index(b"e", i)
        return int(raw[i + 1 : end]), end + 1
    if c == b"l":
        items, i = [], i + 1
        while raw[i : i + 1] != b"e":
            item, i = _parse(raw, i)
            items.append(item)
        return items, i + 1
    if c == b"d":
        d, i = {}, i + 1
        while raw[i : i + 1] != b"e":
            key, i = _parse(raw, i)
            d[key], i = _parse(raw, i)
        return d, i + 1
    colon = raw.index(b":", i)
    n = int(raw[i:colon])
    return raw[colon + 1 : colon + 1 + n], colon + 1 + n


def bdecode(raw: bytes) -> Any:
    """Minimal bencode decoder (keys and strings stay bytes)."""
    value, end = _parse(raw, 0)
    assert end == len(raw), "trailing bytes after the bencoded value"
    return value


def info_span(raw: bytes) -> bytes:
    """The exact bytes of the top-level `info` value (the infohash is their SHA-1)."""
    assert raw[:1] == b"d"
    i = 1
    while raw[i : i + 1] != b"e":
        key, i = _parse(raw, i)
        start = i
        _, i = _parse(raw, i)
        if key == b"info":
            return raw[start:i]
    raise AssertionError("no info dict")


def infohash_of(raw: bytes) -> str:
    return hashlib.sha1(info_span(raw)).hexdigest()  # noqa: S324 - the v1 infohash is SHA-1


def verify_pieces(raw: bytes, content: Path) -> int:
    """Check every piece of the torrent `raw` against the files under `content`.

    `content` is the release itself (the single file, or the top folder). Returns the piece
    count; raises AssertionError naming the first bad piece.
    """
    info = bdecode(raw)[b"info"]
    piece_length = info[b"piece length"]
    pieces = info[b"pieces"]
    if b"files" in info:
        paths = [content.joinpath(*(p.decode() for p in f[b"path"])) for f in info[b"files"]]
        sizes = [f[b"length"] for f in info[b"files"]]
    else:
        paths, sizes = [content], [info[b"length"]]
    for path, size in zip(paths, sizes, strict=True):
        assert path.stat().st_size == size, f"{path}: size differs from the torrent"
    stream = b"".join(p.read_bytes() for p in paths)
    count = -(-len(stream) // piece_length)
    assert len(pieces) == 20 * count, "wrong number of piece hashes"
    for n in range(count):
        piece = stream[n * piece_length : (n + 1) * piece_length]
        digest = hashlib.sha1(piece).digest()  # noqa: S324 - v1 pieces are SHA-1
        assert digest == pieces[20 * n : 20 * n + 20], f"piece {n} does not match the content"
    return count


def mktorrent_raw(
    target: Path,
    out_dir: Path,
    *,
    piece_size: int,
    tiers: list[list[str]],
    private: bool = False,
    source: str | None = None,
) -> bytes:
    """Run Debian's mktorrent with the same options and return the .torrent bytes."""
    exe = shutil.which("mktorrent")
    assert exe is not None
    out = out_dir / "mktorrent.torrent"
    out.unlink(missing_ok=True)
    args = [exe, "-l", str(piece_size.bit_length() - 1), "-t", "2", "-o", str(out)]
    for tier in tiers:
        args += ["-a", ",".join(tier)]
    if private:
        args.append("-p")
    if source:
        args += ["-s", source]
    subprocess.run([*args, str(target)], check=True, capture_output=True)
    return out.read_bytes()


def write_tree(root: Path, files: dict[str, bytes], *, mtime: int | None = OLD) -> Path:
    """Create `files` (relative path -> content) under `root`, timestamps set to `mtime`."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
    return root


def data(n: int, seed: int = 0) -> bytes:
    """Deterministic pseudo-random bytes (not all zeros, so piece hashes differ)."""
    out = bytearray()
    block = hashlib.sha256(seed.to_bytes(8, "big")).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])
