"""``trailreplay audit check`` through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from . import builders as b

SCRIPT = Path(sys.executable).parent / "trailreplay"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_audit_check_console_script(tmp_path: Path) -> None:
    snap = b.passing()
    b.org_alarm(snap)["ActionsEnabled"] = False
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snap))
    res = subprocess.run(
        [str(SCRIPT), "audit", "check", str(path), "-c", b.ORG],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1, res.stderr
    assert res.stdout.splitlines()[0].startswith("FAIL    organizations-changes")
    assert "actions are disabled" in res.stdout
