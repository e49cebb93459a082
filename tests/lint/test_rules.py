"""AWS's deploy-time rules, one case each, through small Terraform snippets."""

from __future__ import annotations

import pytest

from engine.lint import rules
from engine.lint.model import LintFinding, Source
from engine.lint.terraform import extract


def check(pattern: str, value: str = '"1"', extra: str = "") -> list[LintFinding]:
    src = (
        'resource "aws_cloudwatch_log_metric_filter" "f" {\n'
        f"  pattern = {pattern}\n"
        "  metric_transformation {\n"
        '    name      = "M"\n'
        '    namespace = "N"\n'
        f"    value     = {value}\n"
        f"{extra}"
        "  }\n"
        "}\n"
    )
    (f,) = extract(Source("t.tf", src))
    return rules.check(f)[0]


def codes(found: list[LintFinding], level: str | None = None) -> list[str]:
    return [f.code for f in found if level is None or f.level == level]


def test_length() -> None:
    found = check('"' + "a" * 1030 + '"')
    assert codes(found, "error") == ["length"]
    assert found[0].col == 14 + 1024  # the first character past the limit (quote at 13)


def test_wildcard_quota() -> None:
    assert codes(check('"{ $.a[*].b[*] = 1 }"'), "error") == ["wildcard-quota"]


@pytest.mark.parametrize(
    ("pattern", "value", "errors"),
    [
        ('"{ $.latency = * }"', '"$.latency"', []),
        ('"{ $.a = 1 }"', '"$.latency"', ["metric-value"]),
        ('"{ $.a = 1 }"', '"latency"', ["metric-value"]),
        ('"{ $.a = 1 }"', '"2.5e1"', []),
        ('"[ip, user, bytes]"', '"$bytes"', []),
        ('"[ip, user, bytes]"', '"$3"', []),
        ('"[ip, user, bytes]"', '"$size"', ["metric-value"]),
        ('"[ip, user, bytes]"', '"$.bytes"', ["metric-value"]),
        ('"ERROR"', '"$.bytes"', ["metric-value"]),
        ('"ERROR"', '"' + "1" * 101 + '"', ["metric-value"]),
    ],
)
def test_metric_value(pattern: str, value: str, errors: list[str]) -> None:
    assert codes(check(pattern, value), "error") == errors


def test_zero_value_warns() -> None:
    assert codes(check('"ERROR"', '"0"'), "warning") == ["metric-zero"]


@pytest.mark.parametrize(
    ("pattern", "dims", "default", "errors", "warnings"),
    [
        ('"{ $.a = * }"', 'A = "$.a"', "", [], []),
        ('"[ip, status, bytes]"', 'S = "$status"', "", [], []),
        ('"ERROR"', 'A = "$.a"', "", ["dimensions"], []),
        ('"%ERR%"', 'A = "$.a"', "", ["dimensions"], []),
        ('"{ $.a = * }"', 'A = "$.a"', "    default_value = 0\n", ["default-dims"], []),
        ('"{ $.a = * }"', 'A = "$.b"', "", [], ["metric-value"]),
        (
            '"{ $.a = * && $.b = * && $.c = * && $.d = * }"',
            'A = "$.a", B = "$.b", C = "$.c", D = "$.d"',
            "",
            ["dimensions-max"],
            [],
        ),
    ],
)
def test_dimensions(
    pattern: str, dims: str, default: str, errors: list[str], warnings: list[str]
) -> None:
    found = check(pattern, '"1"', f"    dimensions = {{ {dims} }}\n{default}")
    assert codes(found, "error") == errors
    assert [c for c in codes(found, "warning") if not c.startswith("A")] == warnings


def test_missing_pattern_and_value() -> None:
    src = (
        'resource "aws_cloudwatch_log_metric_filter" "f" {\n'
        "  metric_transformation {\n"
        '    name = "M"\n'
        "  }\n"
        "}\n"
    )
    (f,) = extract(Source("t.tf", src))
    assert codes(rules.check(f)[0], "error") == ["missing", "metric-value"]


def test_unresolved_value_is_info() -> None:
    found = check('"{ $.a = * }"', "var.value")
    assert codes(found) == ["unresolved"]
    assert found[0].level == "info" and "var.value" in found[0].message
