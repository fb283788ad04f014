"""The least a first `check` of one file must spend: its piece hashes and its mediainfo (not a
test; bench/release.py times it next to row 1).

    .venv/bin/python bench/floor.py FILE [--imports]

In one fresh interpreter: our piece hasher (2 threads, the check's piece size) while
libmediainfo reads FILE in a third thread, as a check does, and nothing else: no CLI, profile,
journal, site call or output. With --imports the main thread also imports what any check must
load meanwhile (httpx, torf, pymediainfo, click, yaml; `uploader` first, for its guard against
httpx's CLI imports). bench/release.py times the whole process.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import uploader  # noqa: F401 - its httpx guard, as the real command has it
from uploader.torrent.files import release_files
from uploader.torrent.hasher import PieceHasher
from uploader.torrent.piecesize import choose_piece_size


def main() -> None:
    path = Path(sys.argv[1])
    release = release_files(path)
    size = choose_piece_size(release.total_size, None)

    def media() -> None:
        from uploader.mediainfo import read_mediainfo

        read_mediainfo(path)

    def imports() -> None:
        import click  # noqa: F401
        import httpx  # noqa: F401
        import pymediainfo  # noqa: F401
        import torf  # noqa: F401
        import yaml  # noqa: F401

    reader = threading.Thread(target=media)
    reader.start()
    PieceHasher(release.files, size, threads=2).run(
        imports if "--imports" in sys.argv[2:] else None)
    reader.join()


if __name__ == "__main__":
    main()
