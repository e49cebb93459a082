"""The installed console script, end to end, as a user or CI runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import FIXTURES

SCRIPT = Path(sys.executable).parent / "trailreplay"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_lint_console_script() -> None:
    res = subprocess.run(
        [str(SCRIPT), "lint", str(FIXTURES), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1, res.stderr
    out = json.loads(res.stdout)
    assert out["summary"]["files"] == 6  # plain.txt is only read when named
    paths = {Path(f["path"]).name for f in out["findings"] if f["level"] == "error"}
    assert paths == {"broken.tf", "cis-alarms.yaml", "cis-alarms.json", "cis.pattern"}
    assert res.stderr == ""
