from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def trailreplay() -> Run:
    """Run the installed console script (falling back to the module in odd envs)."""
    exe = Path(sys.executable).with_name("trailreplay")
    cmd = (
        [str(exe)]
        if exe.exists()
        else [
            shutil.which("trailreplay") or "",
        ]
    )
    if not cmd[0]:
        cmd = [sys.executable, "-m", "engine.cli.main"]

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
        )

    return run
