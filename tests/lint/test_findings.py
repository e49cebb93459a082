"""``lint`` reports a pattern's findings as ``validate`` does (one findings module,
engine.findings): the prover's ``never-matches`` and ``redundant-clause`` included."""

from __future__ import annotations

import json

import pytest

import engine
from engine.cli.main import app
from engine.findings import pattern_findings
from tests.runner import CliRunner

from .helpers import FIXTURES, at, one, run

runner = CliRunner()
PROVER = FIXTURES / "terraform" / "prover.tf"
CONTRADICTION = '{ $.a = "x" && $.a = "y" }'
REDUNDANT = '{ ($.eventName = "CreateTrail") || ($.eventName = "CreateTrail") }'

pytest.importorskip("z3")


def validate_codes(pattern: str) -> list[str]:
    res = runner.invoke(app, ["validate", pattern, "--format", "json"])
    (result,) = json.loads(res.stdout)["results"]
    return [f["code"] for f in result["findings"]]


def test_lint_reports_that_a_pattern_can_never_match() -> None:
    assert "never-matches" in validate_codes(CONTRADICTION)
    finding = one(run(PROVER), "never-matches", "aws_cloudwatch_log_metric_filter.contradiction")
    assert finding.level == "warning"
    assert at(finding, 1) == "{"


def test_lint_points_at_the_redundant_clause() -> None:
    assert "redundant-clause" in validate_codes(REDUNDANT)
    finding = one(run(PROVER), "redundant-clause", "aws_cloudwatch_log_metric_filter.redundant")
    clause = '$.eventName = \\"CreateTrail\\"'
    assert at(finding, len(clause)) == clause
    line = PROVER.read_text().splitlines()[finding.line - 1]
    assert finding.col - 1 == line.rindex(clause)  # the later of the two duplicates


@pytest.mark.parametrize("pattern", [CONTRADICTION, REDUNDANT])
def test_the_same_codes_in_validate_explain_and_lint(pattern: str) -> None:
    expected = [f.code for f in pattern_findings(engine.compile(pattern))]
    assert validate_codes(pattern) == expected
    explained = json.loads(runner.invoke(app, ["explain", pattern, "--format", "json"]).stdout)
    assert [f["code"] for f in explained["findings"]] == expected
    resource = "contradiction" if pattern == CONTRADICTION else "redundant"
    linted = [
        f.code
        for f in run(PROVER).findings
        if f.resource == f"aws_cloudwatch_log_metric_filter.{resource}"
    ]
    assert linted == expected
