"""Helpers for the S3 tests: the request log, running the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".venv" / "bin" / "trailreplay"


@dataclass
class Request:
    method: str
    bucket: str
    key: str
    query: dict[str, str]
    signed: bool = True


@dataclass
class Moto:
    endpoint: str
    requests: list[Request] = field(default_factory=list)
    client: Any = None

    def lists(self) -> list[Request]:
        return [r for r in self.requests if r.method == "GET" and "list-type" in r.query]

    def reads(self) -> list[Request]:
        return [r for r in self.requests if r.key and r.method in ("GET", "HEAD")]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def cli(*args: str | Path, cwd: Path | None = None) -> Run:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "engine.cli.main"]
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    proc = subprocess.run(
        [*command, "scan", *map(str, args)],
        input=b"",
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=180,
    )
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
