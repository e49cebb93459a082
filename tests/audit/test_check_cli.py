"""``trailreplay audit check``: formats and exit codes, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.audit.snapshot import SnapshotError, load, validate
from engine.cli.main import app
from tests.runner import CliRunner

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


def _unauth_snapshot(pattern: str) -> Any:
    snap = b.passing("unauthorized-api-calls")
    (f,) = b.filters(snap)
    f["filterPattern"] = pattern
    return snap


SH_TEXT = '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'


def test_the_intent_is_the_default_reference(tmp_path: Path) -> None:
    """Issue 13: the Security Hub text of 4.1 passes by default (it covers the intent)."""
    path = write(tmp_path, _unauth_snapshot(SH_TEXT))
    res = runner.invoke(app, ["audit", "check", path, "-c", "CloudWatch.2"])
    assert res.exit_code == 0, res.output
    assert "  reference: intent" in res.stdout
    res = runner.invoke(app, ["audit", "check", path, "-c", "4.1", "--format", "json"])
    (c,) = json.loads(res.stdout)["controls"]
    assert c["reference"]["label"] == "intent" and c["reference"]["bound"] == SH_TEXT


def test_cis_version_judges_against_the_published_text(tmp_path: Path) -> None:
    path = write(tmp_path, _unauth_snapshot(SH_TEXT))
    res = runner.invoke(
        app, ["audit", "check", path, "-c", "unauthorized-api-calls", "--cis-version", "1.4"]
    )
    assert res.exit_code == 1
    assert "reference: CIS v1.3.0–v1.5.0 published text (covers the intent)" in res.stdout
    assert "defect of that text: All four clauses joined by ||" in res.stdout
    res = runner.invoke(app, ["audit", "check", path, "-c", "3.1@1.2.0"])  # the same, by -c
    assert res.exit_code == 0, res.output
    assert "reference: CIS v1.2.0 published text" in res.stdout


def test_cis_version_skips_controls_the_version_lacks(tmp_path: Path) -> None:
    path = write(tmp_path, b.passing("*"))
    res = runner.invoke(app, ["audit", "check", path, "--cis-version", "1.2.0", "--format", "json"])
    ids = [c["id"] for c in json.loads(res.stdout)["controls"]]
    assert len(ids) == 14 and all(i.endswith("@1.2.0") for i in ids)
    assert "organizations-changes is not in CIS v1.2.0" in res.stderr
    res = runner.invoke(app, ["audit", "check", path, "-c", b.ORG, "--cis-version", "1.2.0"])
    assert res.exit_code == 2 and "not in CIS v1.2.0" in res.stderr
    res = runner.invoke(app, ["audit", "check", path, "--cis-version", "9.9"])
    assert res.exit_code == 2 and "unknown CIS version" in res.stderr


def test_an_invalid_published_text_is_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, b.passing())
    res = runner.invoke(app, ["audit", "check", path, "-c", "5.15@6.0.0", "--format", "sarif"])
    assert res.exit_code == 1
    (result,) = json.loads(res.stdout)["runs"][0]["results"]
    assert result["level"] == "warning"
    assert "opening double quote" in result["properties"]["reference"]["defect"]
