"""``trailreplay audit check``: formats and exit codes, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.audit.snapshot import SnapshotError, load, validate
from engine.cli.main import app

from . import builders as b

runner = CliRunner()


def write(tmp_path: Path, snap: Any, name: str = "snapshot.json") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(snap) if not isinstance(snap, str) else snap)
    return str(p)


def test_all_controls_pass_exit_0(tmp_path: Path) -> None:
    path = write(tmp_path, b.passing("*"))
    res = runner.invoke(app, ["audit", "check", path, "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [c["status"] for c in out["controls"]] == ["PASS"] * 15
    assert {"id", "status", "findings"} <= set(out["controls"][0])
    assert out["summary"] == {"PASS": 15, "FAIL": 0, "UNKNOWN": 0}


def test_a_failing_control_exits_1(tmp_path: Path) -> None:
    snap = b.passing()
    b.org_alarm(snap)["Namespace"] = "Other"
    path = write(tmp_path, snap)
    res = runner.invoke(app, ["audit", "check", path, "--control", b.ORG])
    assert res.exit_code == 1
    assert res.stdout.startswith("FAIL    organizations-changes")
    assert "[FAIL] alarm:" in res.stdout


def test_unknown_is_not_a_pass_exit_1(tmp_path: Path) -> None:
    snap = b.passing()
    del snap["sns list-subscriptions-by-topic"]
    res = runner.invoke(app, ["audit", "check", write(tmp_path, snap), "-c", b.ORG])
    assert res.exit_code == 1
    assert "UNKNOWN" in res.stdout


def test_only_the_requested_controls(tmp_path: Path) -> None:
    path = write(tmp_path, b.passing())
    res = runner.invoke(app, ["audit", "check", path, "-c", "4.15", "--format", "json"])
    assert res.exit_code == 0
    assert [c["id"] for c in json.loads(res.stdout)["controls"]] == [b.ORG]


def test_sarif_output(tmp_path: Path) -> None:
    snap = b.passing()
    b.org_filter(snap)["metricTransformations"][0]["metricValue"] = "0"
    res = runner.invoke(
        app, ["audit", "check", write(tmp_path, snap), "-c", b.ORG, "--format", "sarif"]
    )
    assert res.exit_code == 1
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == b.ORG and result["level"] == "error"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"unrelated": 1}', "none of the snapshot keys"),
        ('{"cloudwatch describe-alarms": []}', "keyed by ARN or Region"),
        ('{"cloudtrail describe-trails": {"trailList": {}}}', "trailList: expected an array"),
    ],
)
def test_unreadable_snapshot_exits_2(tmp_path: Path, content: str, why: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(SnapshotError, match=why):
        load(path)
    res = runner.invoke(app, ["audit", "check", path])
    assert res.exit_code == 2
    assert why in res.stderr
    assert "Traceback" not in res.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["audit", "check", str(tmp_path / "nope.json")])
    assert res.exit_code == 2
    assert "cannot read" in res.stderr


def test_unknown_control_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["audit", "check", write(tmp_path, b.passing()), "-c", "nope"])
    assert res.exit_code == 2
    assert "unknown control" in res.stderr


def test_validate_accepts_the_passing_snapshot() -> None:
    assert validate(b.passing("*")) == []
