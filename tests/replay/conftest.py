"""Fixtures for the replay tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .helpers import REAL_RECORDS, Run, RunCli, cli_command


@pytest.fixture
def run_cli() -> RunCli:
    def run(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None) -> Run:
        # One process unless a test asks for more: starting workers costs more than these tiny
        # trees (test_workers_* and test_stdin cover the pool).
        if "--workers" not in args and "-j" not in args:
            args = (*args, "--workers", "1")
        env = dict(os.environ)
        env.pop("COLUMNS", None)
        proc = subprocess.run(
            [*cli_command(), "scan", *map(str, args)],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            cwd=cwd,
            env=env,
            timeout=120,
        )
        return Run(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    return run


@pytest.fixture
def real_records() -> list[dict[str, Any]]:
    if not REAL_RECORDS.exists():
        pytest.skip("shared real records not available")
    records: list[dict[str, Any]] = json.loads(REAL_RECORDS.read_text())["Records"]
    return records
