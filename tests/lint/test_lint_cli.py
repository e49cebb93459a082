"""``trailreplay lint``: output formats, --fail-level, --require-covers, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import app
from tests.runner import CliRunner

from .helpers import FIXTURES

runner = CliRunner()
CLEAN = str(FIXTURES / "terraform" / "clean.tf")
BROKEN = str(FIXTURES / "terraform" / "broken.tf")
PATTERNS = str(FIXTURES / "patterns" / "cis.pattern")


def test_clean_file_exits_0_and_warnings_fail_on_request() -> None:
    res = runner.invoke(app, ["lint", CLEAN])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.stdout
    assert runner.invoke(app, ["lint", CLEAN, "--fail-level", "warning"]).exit_code == 1


def test_text_format_has_location_and_caret() -> None:
    res = runner.invoke(app, ["lint", BROKEN])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    i = next(n for n, line in enumerate(lines) if ": error: expected value" in line)
    assert lines[i].startswith(f"{BROKEN}:15:")
    col = int(lines[i].split(":")[2])
    assert lines[i + 2].index("^") - 2 == col - 1
    assert lines[i + 1][2:][col - 1] == ")"


def test_json_format() -> None:
    res = runner.invoke(app, ["lint", BROKEN, PATTERNS, "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["summary"]["files"] == 2
    assert out["summary"]["error"] == sum(1 for f in out["findings"] if f["level"] == "error")
    first = out["findings"][0]
    assert {"path", "line", "col", "level", "code", "message"} <= set(first)


def test_sarif_format() -> None:
    res = runner.invoke(app, ["lint", BROKEN, "--format", "sarif"])
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_require_covers() -> None:
    ok = runner.invoke(app, ["lint", CLEAN, "--require-covers", "organizations-changes"])
    assert ok.exit_code == 0, ok.output
    assert "covers control organizations-changes" in ok.stdout
    bad = runner.invoke(
        app, ["lint", PATTERNS, "--require-covers", "organizations-changes", "--format", "json"]
    )
    assert bad.exit_code == 1
    codes = [f["code"] for f in json.loads(bad.stdout)["findings"]]
    assert "require-covers" in codes
    # the match-all subscription filter in clean.tf covers everything, but does not count
    assert "to_siem" not in ok.stdout
    both = runner.invoke(
        app, ["lint", CLEAN, "--require-covers", "4.15", "--require-covers", "root-usage"]
    )
    assert both.exit_code == 0, both.output


def test_require_covers_unknown_control_exits_2() -> None:
    res = runner.invoke(app, ["lint", CLEAN, "--require-covers", "nope"])
    assert res.exit_code == 2
    assert "unknown control" in res.stderr


def test_directory_walk_and_unreadable_input(tmp_path: Path) -> None:
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "vendored.tf").write_text('x = "unterminated\n')
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudwatch_log_subscription_filter" "s" { filter_pattern = "{ $.a = }" }\n'
    )
    (tmp_path / "notes.txt").write_text("not a pattern file unless named\n")
    res = runner.invoke(app, ["lint", str(tmp_path), "--format", "json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["summary"]["files"] == 1
    (tmp_path / "broken.tf").write_text('resource "a" "b" {\n  pattern = "open\n}\n')
    res = runner.invoke(app, ["lint", str(tmp_path), str(tmp_path / "missing.tf")])
    assert res.exit_code == 2
    assert "broken.tf:2:13: error: unterminated string [unreadable]" in res.stdout
    assert "missing.tf:1:1: error: no such file or directory" in res.stdout
    assert "main.tf:1:" in res.stdout  # the readable file is still linted
    assert "Traceback" not in res.output


@pytest.mark.parametrize("option", [["--format", "xml"], ["--fail-level", "info"]])
def test_bad_options_exit_2(option: list[str]) -> None:
    assert runner.invoke(app, ["lint", CLEAN, *option]).exit_code == 2


def test_require_covers_is_about_the_whole_input_not_a_line() -> None:
    res = runner.invoke(
        app, ["lint", PATTERNS, "--require-covers", "organizations-changes", "--format", "json"]
    )
    assert res.exit_code == 1
    (finding,) = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "require-covers"]
    assert finding["path"] is None and finding["line"] is None and finding["col"] is None
    text = runner.invoke(app, ["lint", PATTERNS, "--require-covers", "organizations-changes"])
    line = next(x for x in text.stdout.splitlines() if "[require-covers]" in x)
    assert line.startswith("error: no filter covers control organizations-changes")


def test_require_covers_in_sarif_is_a_run_level_result() -> None:
    res = runner.invoke(
        app, ["lint", PATTERNS, "--require-covers", "organizations-changes", "--format", "sarif"]
    )
    results = json.loads(res.stdout)["runs"][0]["results"]
    (whole,) = [r for r in results if r["ruleId"] == "require-covers"]
    assert "locations" not in whole
    assert all("locations" in r for r in results if r is not whole)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_no_file_to_check_says_so_and_exits_2(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "notes.txt").write_text("a text file is read only when named\n")
    res = runner.invoke(app, ["lint", str(tmp_path), "--format", fmt])
    assert res.exit_code == 2, res.output
    assert "no file to check in " + str(tmp_path) in res.stdout
    assert "Traceback" not in res.output
