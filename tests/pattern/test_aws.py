"""AWS's facts (engine.pattern.aws) and the divergences between their former copies.

Each vector below failed on the main branch before the facts had one home: the metric
replay, ``lint`` and ``audit`` each checked metric values their own way, the matcher and
the prover wrote JSON numbers differently, and Python's ``\\d`` / ``float`` let non-ASCII
digits and ``1_000`` through.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import prove
from engine.alarms import alarm
from engine.alarms.metrics import MetricTransformationError, Transformation, validate
from engine.audit import judge
from engine.lint import rules
from engine.lint.model import Source
from engine.lint.terraform import extract
from engine.pattern import aws
from engine.pattern.reference import evaluate as reference_matches

JSON_P = "{ $.a = * }"
SPACE_P = "[ip, user, bytes]"


def _metrics_ok(pattern: str, value: str) -> bool:
    try:
        validate(engine.compile(pattern), Transformation(metric_value=value))
    except MetricTransformationError:
        return False
    return True


def _lint_ok(pattern: str, value: str) -> bool:
    src = (
        f'resource "aws_cloudwatch_log_metric_filter" "f" {{\n  pattern = {pattern!r}\n'.replace(
            "'", '"'
        )
        + "  metric_transformation {\n"
        '    name      = "M"\n'
        '    namespace = "N"\n'
        f'    value     = "{value}"\n'
        "  }\n"
        "}\n"
    )
    (f,) = extract(Source("t.tf", src))
    return not [x for x in rules.check(f)[0] if x.level == "error"]


# (pattern, metric value, accepted by CloudWatch Logs as trailreplay reads it)
METRIC_VALUES = [
    (JSON_P, "1", True),
    (JSON_P, "2.5e1", True),
    (JSON_P, "-1", True),
    (JSON_P, "$.a", True),
    ("{ $.['a@b'] = * }", "$.['a@b']", True),
    ("{ $.a[0] = * }", "$.a[0]", True),
    # `$.a@b`: the metrics replay accepted it, lint refused it; a metric value is a selector
    # of the pattern language, whose keys are [A-Za-z0-9_-] (write `$.['a@b']`).
    (JSON_P, "$.a@b", False),
    # `$.a[*]`: lint accepted it, the metrics replay refused it; a metric value publishes
    # one number per event, so its path selects one value.
    (JSON_P, "$.a[*]", False),
    (JSON_P, "$.*", False),
    # `1_000` and non-ASCII digits: Python's float() takes them, AWS's number syntax does not.
    (JSON_P, "1_000", False),
    (JSON_P, "\u0661\u0660", False),
    (JSON_P, "1e400", False),
    (JSON_P, "nan", False),
    (SPACE_P, "$bytes", True),
    (SPACE_P, "$3", True),
    (SPACE_P, "$0", False),
    (SPACE_P, "$.bytes", False),
    ("ERROR", "$.a", False),
]


@pytest.mark.parametrize(("pattern", "value", "ok"), METRIC_VALUES)
def test_metric_value_rules_agree(pattern: str, value: str, ok: bool) -> None:
    assert _metrics_ok(pattern, value) is ok
    assert _lint_ok(pattern, value) is ok


@pytest.mark.parametrize("value", ["1_000", "\u0661\u0660", "1e400", "nan", "inf", "0x10"])
def test_audit_reads_numbers_as_the_others_do(value: str) -> None:
    status, number, _ = judge.metric_value(value)
    assert (status, number) == ("FAIL", None)


def test_audit_accepts_a_pattern_number() -> None:
    assert judge.metric_value(" 1e0 ")[:2] == ("PASS", 1.0)


def test_parse_metric_value() -> None:
    assert aws.parse_metric_value(" 2.5e1 ") == 25.0
    assert aws.parse_metric_value("$.a.b[2]['c d']") == aws.JsonRef(
        "$.a.b[2]['c d']", ("a", "b", 2, "c d")
    )
    assert aws.parse_metric_value("$7") == aws.FieldRef("$7", None, 7)
    assert aws.parse_metric_value("$size") == aws.FieldRef("$size", "size", None)
    with pytest.raises(aws.MetricRuleError) as e:
        aws.parse_metric_value("1" * 101)
    assert e.value.code == "metric-value-length"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("400", True),
        ("-5", True),
        ("+1000", True),
        ("1.5", True),
        (".5", True),
        ("5.", True),
        ("1e3", True),
        ("1E-3", True),
        ("1_000", False),
        ("\u0661\u0662", False),  # Arabic-Indic digits: Python's \d matches them
        ("\uff11", False),  # a fullwidth digit
        ("1e", False),
        ("", False),
        (" 1", False),
    ],
)
def test_number_syntax(text: str, ok: bool) -> None:
    assert aws.is_number(text) is ok


def test_non_ascii_digits_are_not_numbers_to_the_matcher() -> None:
    # A space-delimited field compares numerically only when it is a number: the compiled
    # matcher and the reference both read "١٢" (12 in Arabic-Indic digits) as text.
    pattern = "[a > 5, b]"
    for message in ("\u0661\u0662 x", "\u0661\u0662"):
        assert not engine.compile(pattern).matches(message)
        assert not reference_matches(engine.parse(pattern), message)
    assert engine.compile(pattern).matches("12 x")


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers())
def test_number_text_is_json(value: int | float) -> None:
    import orjson

    text = aws.number_text(value)
    # orjson reads integers beyond 64 bits as floats: compare integers exactly.
    assert (int(text) if isinstance(value, int) else orjson.loads(text)) == value
    assert aws.is_number(text)


def test_number_text_exponent() -> None:
    # The matcher wrote 1e-7 (orjson), the prover 1e-07 (repr): one text now.
    assert aws.number_text(1e-7) == "1e-7"
    assert aws.number_text(100.0) == "100.0"
    assert aws.number_text(10**20) == "100000000000000000000"


def test_prover_reads_number_text_as_the_matcher() -> None:
    pytest.importorskip("z3")
    # Every event whose a is the number 1e-7 has the text "1e-7", so the string test
    # covers the number test; with Python's "1e-07" the prover disagreed with the matcher.
    result = prove.covers('{ $.a = "1e-7" }', "{ $.a = 1e-7 }")
    assert result.holds is True
    pattern = engine.compile('{ $.a = "1e-7" }')
    assert pattern.matches_record({"a": 1e-7})


# --------------------------------------------------------------------------- alarms


def test_alarm_operators_have_one_home() -> None:
    assert alarm.COMPARISONS is aws.COMPARISONS
    assert alarm.STATISTICS is aws.STATISTICS
    for op, fires in judge._FIRES.items():
        assert fires is aws.COMPARISONS[op]
    assert set(judge._FIRES) == set(aws.RISING_COMPARISONS)


@pytest.mark.parametrize(
    ("op", "value", "threshold", "breaches"),
    [
        ("GreaterThanOrEqualToThreshold", 1.0, 1.0, True),
        ("GreaterThanThreshold", 1.0, 1.0, False),
        ("LessThanThreshold", 0.0, 1.0, True),
        ("LessThanOrEqualToThreshold", 1.0, 1.0, True),
    ],
)
def test_comparisons(op: str, value: float, threshold: float, breaches: bool) -> None:
    # API_PutMetricAlarm: "The specified statistic value is used as the first operand."
    assert aws.COMPARISONS[op](value, threshold) is breaches


def test_audit_and_alarm_agree_on_operators() -> None:
    base: dict[str, Any] = {"Statistic": "Sum", "Threshold": 1.0, "EvaluationPeriods": 1}
    for op in aws.COMPARISONS:
        status, _, _ = judge.alarm_fires({**base, "ComparisonOperator": op}, 1.0, False)
        fires = aws.COMPARISONS[op](1.0, 1.0) and op in aws.RISING_COMPARISONS
        assert (status == "PASS") is fires, op
