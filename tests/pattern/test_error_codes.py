"""Coded errors: one base exception; every PatternError has a stable code, hints by code."""

from __future__ import annotations

import pickle

import pytest

import engine
from engine.alarms.alarm import AlarmConfigError, AlarmSpec
from engine.alarms.metrics import MetricTransformationError
from engine.lint import rules
from engine.lint.model import Source
from engine.lint.terraform import extract
from engine.pattern import aws
from engine.pattern.errors import HINTS, PatternError, TrailreplayError


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("a" * 1025, "length"),
        ("{ " + "(" * 400 + "$.a = 1" + ")" * 400 + " }", "nesting"),
        ("{ $.a = 1", "unclosed"),
        ("[a, b", "unclosed"),
        ('"abc', "unterminated-quote"),
        ("ERROR %x%", "regex-in-terms"),
        ("ERR!OR", "term-character"),
        ("{ $.a == 1 }", "double-equals"),
        ("{ $a = 1 }", "selector-start"),
        ("{ a = 1 }", "selector-start"),
        ("{ $.a IS NOT NULL }", "unsupported-keyword"),
        ("{ $.a EXISTS }", "unsupported-keyword"),
        ("{ $.a is null }", "keyword-case"),
        ("{ $.a = 1024x! }", "value"),
        ("{ $.a > abc }", "relational-value"),
        ("[a=1 && b=2]", "field-name"),
        ("{ $.a = %x% && $.b = %y% && $.c = %z% }", "regex-quota"),
        ("{ $.a[*].b[*] = 1 }", "selector-wildcards"),
        ("{ $.a[*] = 1 && $.b[*] = 1 && $.c[*] = 1 && $.d[*] = 1 }", "wildcard-quota"),
        ("%%", "regex-empty"),
        ("%é%", "regex-character"),
        ("%(a)%", "regex-group"),
        ("%\\q%", "regex-escape"),
        ("%a{2,1}%", "regex-syntax"),
        ("%.{1000}x%", "regex-size"),
        ("{ $.a = }", "syntax"),
    ],
)
def test_every_error_has_its_code(pattern: str, code: str) -> None:
    with pytest.raises(PatternError) as e:
        engine.compile(pattern)
    assert e.value.code == code, e.value


def test_hints_come_from_the_table_unless_the_site_has_one() -> None:
    e = PatternError("x", "p", 0, code="double-equals")
    assert e.hint == HINTS["double-equals"]
    assert PatternError("x", "p", 0, hint="own", code="double-equals").hint == "own"
    assert PatternError("x", "p", 0).hint is None


def test_code_survives_pickling() -> None:
    e = PatternError("x", "{ }", 1, code="unclosed")
    back = pickle.loads(pickle.dumps(e))
    assert (back.code, back.msg, back.position, back.hint) == ("unclosed", "x", 1, None)


def test_one_base_exception() -> None:
    assert engine.TrailreplayError is TrailreplayError
    for cls in (PatternError, aws.MetricRuleError, MetricTransformationError, AlarmConfigError):
        assert issubclass(cls, TrailreplayError)
        assert issubclass(cls, ValueError)  # what callers caught before
    with pytest.raises(TrailreplayError):
        AlarmSpec(statistic="Median").validate()


def test_lint_classifies_by_code_not_by_text() -> None:
    # The message of this syntax error holds "1024": lint called it a length error.
    src = (
        'resource "aws_cloudwatch_log_metric_filter" "f" {\n'
        '  pattern = "{ $.a = 1024x! }"\n'
        "  metric_transformation {\n"
        '    name      = "M"\n'
        '    namespace = "N"\n'
        '    value     = "1"\n'
        "  }\n"
        "}\n"
    )
    (f,) = extract(Source("t.tf", src))
    assert [x.code for x in rules.check(f)[0] if x.level == "error"] == ["syntax"]
