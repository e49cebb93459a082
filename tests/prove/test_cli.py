"""``trailreplay equiv`` / ``covers``: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.cli.main import app
from tests.runner import CliRunner

runner = CliRunner()


def test_equiv_yes() -> None:
    res = runner.invoke(app, ["equiv", "{ $.a = 1 && $.b = 2 }", "{ $.b = 2 && $.a = 1 }"])
    assert res.exit_code == 0, res.output
    assert "equivalent" in res.stdout and "proved" in res.stdout


def test_covers_no_text() -> None:
    res = runner.invoke(
        app, ["covers", "{ $.eventName = UpdateTrail }", "{ $.eventName = Update* }"]
    )
    assert res.exit_code == 1
    out = res.stdout
    assert "does NOT cover" in out
    assert 'counterexample: {"eventName":"Update"}' in out
    assert "matched by B, not by A" in out
    assert 'deciding clause: $.eventName = "Update*"' in out


def test_covers_json() -> None:
    res = runner.invoke(
        app,
        ["covers", "{ $.e = UpdateTrail }", "{ $.e = Update* }", "--format", "json"],
    )
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["covers"] is False and out["proved"] is True and out["method"] == "z3"
    assert out["matched_by"] == "B" and out["counterexample"] == {"e": "Update"}


def test_equiv_json_terms() -> None:
    res = runner.invoke(app, ["equiv", "ERROR", "ERROR -DEBUG", "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["equivalent"] is False and out["proved"] is True and out["method"] == "z3"
    assert out["counterexample"] == "ERROR DEBUG"
    assert out["clause"] == "-DEBUG"


def test_equiv_text_search() -> None:
    res = runner.invoke(app, ["equiv", "[w1, w2]", "[w2, w1]"])
    assert res.exit_code == 0
    assert "not proved (search" in res.stdout
    assert "evidence, not a proof" in res.stdout


def test_invalid_pattern_exit_2_with_caret() -> None:
    res = runner.invoke(app, ["equiv", "{ $.a = }", "{ $.a = 1 }"])
    assert res.exit_code == 2
    assert "trailreplay: invalid pattern A:" in res.stderr
    assert "^" in res.stderr
    assert res.stdout == ""


def test_bad_format_exit_2() -> None:
    res = runner.invoke(app, ["equiv", "{ $.a = 1 }", "{ $.a = 1 }", "--format", "xml"])
    assert res.exit_code == 2


def test_console_script() -> None:
    exe = Path(sys.executable).with_name("trailreplay")
    proc = subprocess.run(
        [str(exe), "covers", "{ $.a = Update* }", "{ $.a = UpdateTrail }", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["covers"] is True
