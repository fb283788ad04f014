"""Run the real CLI with its stdout and stderr on a pseudo-terminal, as a person sees it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

# SGR sequences that set a colour (30-37, 90-97 foreground; 38;... extended): not bold alone.
COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-8]|9[0-7])(?:;\d+)*m")
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class PtyRun:
    code: int
    raw: str  # everything written to the terminal, escape codes included

    @property
    def text(self) -> str:
        """What the terminal shows, roughly: a carriage return or an erase-line (a progress
        bar redrawn or cleared) drops what came before it on the line; no escape codes."""
        lines = self.raw.replace("\r\n", "\n").split("\n")
        return "\n".join(ESCAPE.sub("", re.split(r"\r|\x1b\[2K", line)[-1]) for line in lines)

    def lines(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]


def terminal_env(base: dict[str, str], **extra: str) -> dict[str, str]:
    """`base` as a terminal user's environment: no colour switches unless given."""
    env = {k: v for k, v in base.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", **extra)
    return env


def run_on_pty(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120,
               columns: int = 200) -> PtyRun:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "uploader", *args], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=env, cwd=cwd)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"timed out: {b''.join(chunks).decode(errors='replace')}")
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal is gone
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=30)
    finally:
        os.close(master)
    return PtyRun(code, b"".join(chunks).decode("utf-8", errors="replace"))
