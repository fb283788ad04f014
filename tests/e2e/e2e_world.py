"""The real CLI, as a subprocess, against the sandbox served over real loopback HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from uploader.sandbox import DEMO_API_KEY, SandboxServer, Site

REPO = Path(__file__).resolve().parents[2]
SAMPLE = next((REPO / "examples" / "sample-release").glob("*.mkv"))


@dataclass
class Run:
    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@dataclass
class World:
    site: Site
    server: SandboxServer
    tmp: Path
    state: Path
    profiles: Path
    key: str = DEMO_API_KEY

    def cli(self, *args: str, key: str | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> Run:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("NEKOBT_")}
        environ.update(NEKOBT_API_URL=self.server.url, NEKOBT_STATE_DIR=str(self.state),
                       NEKOBT_PROFILES=str(self.profiles), NEKOBT_API_KEY=key or self.key,
                       **(env or {}))
        env = environ
        proc = subprocess.run([sys.executable, "-m", "uploader", *args], env=env,
                              capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=self.tmp)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def release(self, name: str, source: Path = SAMPLE) -> Path:
        """A copy of the sample release under a new name (a file)."""
        dest = self.tmp / "in" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        # An encode finished a minute ago (a file changed this very second is never cached).
        past = time.time() - 60
        os.utime(dest, (past, past))
        return dest

    def edit_profile(self, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
        path = self.profiles / f"{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path

    def posts(self) -> list[Any]:
        return [r for r in self.site.requests if (r.method, r.path) == ("POST", "/upload")]

    def uploads_titled(self, title: str) -> list[Any]:
        return [t for t in self.site.torrents.values() if t.title == title]


