"""Controls wherever a pattern is expected (issue 13): ``control:ID[@V]`` in equiv, covers,
explain, test and lint; ``--control ID[@V]`` in scan, metrics and alarm; and the replay of
the intent over the bundled samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import catalog
from engine.cli.main import app
from tests.runner import CliRunner

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
runner = CliRunner()


def _script() -> list[str]:
    script = Path(sys.executable).parent / "trailreplay"
    return [str(script)] if script.exists() else [sys.executable, "-m", "engine.cli.main"]


def test_scan_all_matches_only_unauthorized_calls() -> None:
    """End to end: the intent of 4.1 matches only records with an *UnauthorizedOperation
    or AccessDenied* error code (the v1.3.0 text matched 298 of the 307 samples)."""
    proc = subprocess.run(
        [*_script(), "scan", str(SAMPLES), "-c", "all", "--format", "envelope"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    hits = [h for h in hits if "pattern" in h]  # the last line is the summary
    unauthorized = [h["record"] for h in hits if h["pattern"] == "unauthorized-api-calls"]
    assert unauthorized
    for r in unauthorized:
        code = r["errorCode"]
        assert code.endswith("UnauthorizedOperation") or code.startswith("AccessDenied"), r
        assert r["sourceIPAddress"] != "delivery.logs.amazonaws.com"
        assert r["eventName"] != "HeadBucket"


def test_scan_control_at_version_replays_the_published_text() -> None:
    proc = subprocess.run(
        [*_script(), "scan", str(SAMPLES), "-c", "4.1", "-c", "4.1@1.4.0", "--format", "envelope"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    ids = [d["pattern"] for d in lines if "pattern" in d]
    intent = ids.count("unauthorized-api-calls")
    published = ids.count("unauthorized-api-calls@1.4.0")
    assert published > 10 * max(intent, 1)  # the all-|| text matches nearly every record


def test_scan_unknown_control_suggests() -> None:
    proc = subprocess.run(
        [*_script(), "scan", str(SAMPLES), "-c", "root-usag"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "did you mean root-usage" in proc.stderr


def test_equiv_and_covers_take_controls() -> None:
    res = runner.invoke(app, ["equiv", "control:4.1@nozaq", "control:unauthorized-api-calls"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["covers", "control:CloudWatch.2", "control:4.1", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["covers"] is True
    res = runner.invoke(app, ["covers", "control:4.1", "control:4.1@1.4.0"])
    assert res.exit_code == 1
    res = runner.invoke(app, ["equiv", "control:nope", "{ $.a = 1 }"])
    assert res.exit_code == 2 and "unknown control" in res.stderr


def test_explain_and_test_take_controls(tmp_path: Path) -> None:
    res = runner.invoke(app, ["explain", "control:root-usage", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["kind"] == "json"
    events = tmp_path / "events.txt"
    rec = catalog.get("organizations-changes").samples.must_match[0]
    events.write_text(json.dumps(rec) + "\n" + json.dumps({"eventName": "x"}) + "\n")
    res = runner.invoke(app, ["test", "control:4.15", "--events", str(events)])
    assert res.exit_code == 0, res.output
    assert [m["eventNumber"] for m in json.loads(res.stdout)["matches"]] == [0]
    res = runner.invoke(app, ["test", "control:4.15@6.0.0", "--events", str(events)])
    assert res.exit_code == 2  # the v6.0.0 text is not a valid pattern


@pytest.mark.parametrize(
    ("control", "code"),
    [("control:organizations-changes", 0), ("4.15@1.3.0", 0), ("control:CloudWatch.1", 1)],
)
def test_lint_require_covers_takes_controls(tmp_path: Path, control: str, code: int) -> None:
    f = tmp_path / "org.pattern"
    f.write_text(catalog.get("organizations-changes").pattern + "\n")
    res = runner.invoke(app, ["lint", str(f), "--require-covers", control])
    assert res.exit_code == code, res.output


def test_metrics_control_at_version(tmp_path: Path) -> None:
    rec = catalog.get("unauthorized-api-calls").samples.must_not_match[-1]  # a successful call
    archive = tmp_path / "events.jsonl"
    archive.write_text(json.dumps(rec) + "\n")
    args = ["--period", "300", "--format", "json"]
    intent = runner.invoke(app, ["metrics", str(archive), "-c", "4.1", *args])
    published = runner.invoke(app, ["metrics", str(archive), "-c", "4.1@1.4.0", *args])
    assert intent.exit_code in (0, 1) and published.exit_code == 0, published.output
    assert intent.stdout != published.stdout
