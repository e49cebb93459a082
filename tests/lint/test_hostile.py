"""Hostile templates (issue 16, items 13 and 17): a "billion laughs", recursive YAML
aliases, deep YAML, JSON and Terraform nesting.  Each is one named error on that file
(exit 2), and the findings of the other files are still reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import app
from engine.lint.model import MAX_ALIAS_NODES, MAX_DEPTH
from tests.runner import CliRunner

from .helpers import FIXTURES, run

runner = CliRunner()
GOOD = FIXTURES / "terraform" / "broken.tf"  # known errors that must survive

HEADER = "Resources:\n  F:\n    Type: AWS::Logs::MetricFilter\n"


def billion_laughs() -> str:
    """The classic 9x9 document: a few hundred bytes standing for 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES = {
    "laughs.yaml": (
        "# AWS::Logs::MetricFilter\n" + billion_laughs(),
        f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes",
    ),
    "recursive.yaml": (
        HEADER + "    Properties: &p\n      FilterPattern: [*p]\n",
        "recursive YAML alias",
    ),
    "deep.yaml": (
        HEADER + "    Properties: " + "[" * 5000 + "]" * 5000 + "\n",
        f"YAML nested deeper than {MAX_DEPTH} levels",
    ),
    "deep-block.yaml": (
        HEADER + "".join(f"{'  ' * (k + 2)}k{k}:\n" for k in range(1000)) + "x\n",
        f"YAML nested deeper than {MAX_DEPTH} levels",
    ),
    "deep.json": (
        '{"Resources": {"F": {"Type": "AWS::Logs::MetricFilter", "Properties": '
        + "[" * 5000
        + "]" * 5000
        + "}}}",
        f"nested deeper than {MAX_DEPTH} levels",
    ),
    "deep.tf": (
        'resource "aws_cloudwatch_log_metric_filter" "x" {\n' + "b {\n" * 1000 + "}\n" * 1001,
        f"blocks nested deeper than {MAX_DEPTH} levels",
    ),
    "interpolated.tf": (
        'resource "aws_cloudwatch_log_metric_filter" "x" {\n  pattern = '
        + '"${' * 1000
        + "}" * 1000
        + "\n}\n",
        f"interpolations nested deeper than {MAX_DEPTH} levels",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_named_error_and_the_other_files_still_reported(tmp_path: Path, name: str) -> None:
    text, message = CASES[name]
    bad = tmp_path / name
    bad.write_text(text)
    alone = run(GOOD)
    result = run(bad, GOOD)
    errors = [f for f in result.findings if f.path == str(bad)]
    assert len(errors) == 1, errors
    assert errors[0].code == "unreadable" and message in errors[0].message
    assert result.unreadable
    others = [f for f in result.findings if f.path != str(bad)]
    assert [f.to_json() for f in others] == [f.to_json() for f in alone.findings]

    res = runner.invoke(app, ["lint", str(bad), str(GOOD), "--format", "json"])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert {f["path"] for f in json.loads(res.stdout)["findings"]} == {str(bad), str(GOOD)}


def test_aliases_within_the_bound_are_read(tmp_path: Path) -> None:
    template = tmp_path / "anchors.yaml"
    template.write_text(
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::Logs::MetricFilter\n"
        "    Properties: &props\n"
        "      FilterPattern: '{ $.eventName = \"x\" }'\n"
        "      MetricTransformations: [{MetricName: m, MetricNamespace: n, MetricValue: '1'}]\n"
        "  B:\n"
        "    Type: AWS::Logs::MetricFilter\n"
        "    Properties: *props\n"
    )
    result = run(template)
    assert not result.unreadable
    assert [f.resource for f in result.filters] == ["Resources.A", "Resources.B"]
    assert [f.pattern.value for f in result.filters if f.pattern] == ['{ $.eventName = "x" }'] * 2


def test_a_long_line_is_shown_around_the_caret_only(tmp_path: Path) -> None:
    template = tmp_path / "deep.yaml"
    template.write_text(CASES["deep.yaml"][0])
    res = runner.invoke(app, ["lint", str(template)])
    assert res.exit_code == 2
    error, context, caret, _summary = res.stdout.splitlines()
    col = int(error.split(":")[2])
    assert len(context) < 130 and context.startswith("  …") and context.endswith("…")
    assert context[caret.index("^")] == "["
    assert CASES["deep.yaml"][0].splitlines()[3][col - 1] == "["


@pytest.mark.parametrize(
    ("name", "data", "message", "line"),
    [
        ("bad.pattern", b"ERROR\n{ $.a = \xed\xa0\x80 }\n", "not UTF-8 text (byte 0xed", 2),
        (
            "bad.txt",
            b'[\n  {"pattern": "ERROR"},\n  {"pattern": "\\ud800"}\n]\n',
            "lone surrogate (\\ud800)",
            3,
        ),
    ],
)
def test_a_bad_patterns_file_is_one_named_error(
    tmp_path: Path, name: str, data: bytes, message: str, line: int
) -> None:
    bad = tmp_path / name
    bad.write_bytes(data)
    result = run(bad, GOOD)
    (error,) = [f for f in result.findings if f.path == str(bad)]
    assert error.code == "unreadable" and message in error.message and error.line == line
    assert [f.to_json() for f in result.findings if f.path != str(bad)] == [
        f.to_json() for f in run(GOOD).findings
    ]
