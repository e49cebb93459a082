"""``trailreplay patterns list | show | check`` end to end."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import catalog
from engine.cli.main import app
from tests.runner import CliRunner

runner = CliRunner()


def test_list_table() -> None:
    res = runner.invoke(app, ["patterns", "list"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["CIS", "v6", "ID", "SECURITY", "HUB", "METRIC"]
    assert len(lines) == 16
    assert lines[-1].split()[:3] == ["4.15", "5.15", "organizations-changes"]


def test_list_json() -> None:
    res = runner.invoke(app, ["patterns", "list", "--format", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert [d["id"] for d in doc] == [e.id for e in catalog.entries()]
    assert doc[2]["alarm"]["period"] == 300
    assert doc[14]["security_hub"] is None
    first = doc[0]
    assert first["intent"]["pattern"] == first["pattern"] == catalog.entries()[0].pattern
    assert first["intent"]["bound"] and first["intent"]["evidence"][0]["source"]
    assert first["published"]["1.4.0"] == "CIS v1.3.0–v1.5.0 published text"
    v13 = next(v for v in first["variants"] if v["cis"] == ["1.3.0", "1.4.0", "1.5.0"])
    assert v13["relation"] == "covers" and "||" in v13["defect"]
    assert v13["counterexample"]["eventName"] == "DescribeRegions"
    sh = first["variants"][-1]
    assert sh["label"] == "Security Hub CloudWatch.2" and first["security_hub_maps_to"]


def test_list_bad_format() -> None:
    res = runner.invoke(app, ["patterns", "list", "--format", "xml"])
    assert res.exit_code == 2


def test_show_text_and_json() -> None:
    res = runner.invoke(app, ["patterns", "show", "organizations-changes"])
    assert res.exit_code == 0
    out = res.stdout
    assert "CIS 4.15" in out and "v6.0.0 5.15" in out
    assert "intent (what trailreplay replays and audits by default):" in out
    assert "text CIS v6.0.0 published text [6.0.0]: invalid" in out
    assert "defect: The v6.0.0 text writes" in out
    assert "prowler (check + remediation)]: covers" in out
    assert "samples: 3 must match, 3 must not match" in out
    res = runner.invoke(app, ["patterns", "show", "CloudWatch.1", "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["id"] == "root-usage" and doc["security_hub"] == "CloudWatch.1"
    assert doc["intent"]["bound"] == '{ $.userIdentity.type = "Root" }'
    assert doc["samples"]["must_match"]


def test_show_unknown() -> None:
    res = runner.invoke(app, ["patterns", "show", "nope"])
    assert res.exit_code == 2
    assert "known ids" in res.stderr and "root-usage" in res.stderr
    res = runner.invoke(app, ["patterns", "show", "root-usag"])
    assert "did you mean root-usage" in res.stderr


def test_check_passes() -> None:
    res = runner.invoke(app, ["patterns", "check"])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("ok  ") == 15
    assert "15 of 15 controls pass" in res.stderr
    res = runner.invoke(app, ["patterns", "check", "--format", "json"])
    doc = json.loads(res.stdout)
    assert all(d["ok"] for d in doc) and len(doc) == 15


def test_check_fails_on_a_broken_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    good = catalog.entries()
    e = good[0]
    bad_sample = dataclasses.replace(
        e.samples, must_not_match=[*e.samples.must_not_match, e.samples.must_match[0]],
        must_not_match_why=(*e.samples.must_not_match_why, "planted"),
    )  # fmt: skip
    bad_variant = dataclasses.replace(e.variants[0], expect="invalid")
    wrong_relation = dataclasses.replace(e.variants[1], relation="equiv", counterexample=None)
    broken = dataclasses.replace(
        e, samples=bad_sample, variants=[bad_variant, wrong_relation, *e.variants[2:]]
    )
    bad_pattern = dataclasses.replace(good[1], pattern="{ $.eventName = }")
    monkeypatch.setattr(catalog, "entries", lambda: [broken, bad_pattern, *good[2:]])
    res = runner.invoke(app, ["patterns", "check"])
    assert res.exit_code == 1
    assert "FAIL 4.1" in res.stdout
    assert "must_not_match sample 6 matched: planted" in res.stdout
    assert "is valid, expected invalid" in res.stdout
    assert "recorded as equiv the intent, proved covers" in res.stdout
    assert "FAIL 4.2" in res.stdout and "intent pattern is invalid" in res.stdout
    assert "13 of 15 controls pass" in res.stderr


def test_check_reports_an_unreadable_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> list[catalog.Entry]:
        raise catalog.CatalogError("patterns/x.toml: not valid TOML")

    monkeypatch.setattr(catalog, "entries", boom)
    res = runner.invoke(app, ["patterns", "check"])
    assert res.exit_code == 2
    assert "patterns/x.toml" in res.stderr


def test_console_script_check() -> None:
    script = Path(sys.executable).parent / "trailreplay"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "engine.cli.main"]
    proc = subprocess.run([*cmd, "patterns", "check"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "15 of 15 controls pass" in proc.stderr


def test_show_judges_each_published_text_as_a_deployed_filter() -> None:
    res = runner.invoke(app, ["patterns", "show", "unauthorized-api-calls", "--format", "json"])
    verdicts = {v["label"]: v["audit"]["status"] for v in json.loads(res.stdout)["variants"]}
    assert verdicts == {
        "CIS v1.2.0 published text": "PASS",
        "CIS v1.3.0–v1.5.0 published text": "FAIL",  # outside the bound
        "CIS v2.0.0–v5.0.0 published text": "PASS",
        "CIS v6.0.0 published text": "PASS",
        "nozaq baseline": "PASS",
        "Security Hub CloudWatch.2": "PASS",
    }
    res = runner.invoke(app, ["patterns", "show", "4.10"])
    assert "as a deployed filter: FAIL (pattern does not cover the control's intent" in res.stdout
