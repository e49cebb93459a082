"""Metric replay: statistics, values, dimensions and every transformation error."""

from __future__ import annotations

import math
from typing import Any

import pytest

import engine
from engine.alarms.metrics import (
    MetricFilter,
    MetricTransformationError,
    Stats,
    Transformation,
    parse_dimension,
    parse_time,
    replay_metric,
    select_path,
    to_number,
    validate,
)
from engine.replay.scan import OVERSIZE_BYTES

JSON_P = "{ $.eventName = PutObject }"
TERMS_P = "PutObject"
REGEX_P = "%Put[A-Z]%"
SPACE_P = "[head, size, tail]"


def rec(t: str, name: str = "PutObject", **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "eventTime": t,
        "eventName": name,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
        "sourceIPAddress": "198.51.100.7",
        "awsRegion": "us-east-1",
    }
    r.update(extra)
    return r


def triples(records: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any]]]:
    return [("mem", i, r) for i, r in enumerate(records)]


def run(pattern: str, records: list[dict[str, Any]], period: int = 60, **kw: Any) -> Any:
    mf = MetricFilter(engine.compile(pattern), Transformation(**kw))
    return replay_metric(triples(records), mf, period=period)


def test_stats_hand_computed() -> None:
    s = Stats()
    for v in (1.0, 5.0, 3.0):
        s.add(v)
    assert s.as_dict() == {
        "Sum": 9.0,
        "SampleCount": 3.0,
        "Minimum": 1.0,
        "Maximum": 5.0,
        "Average": 3.0,
    }
    assert math.isnan(Stats().average)
    with pytest.raises(ValueError):
        s.get("p99")


def test_count_per_period() -> None:
    records = [
        rec("2024-03-01T10:00:05Z"),
        rec("2024-03-01T10:00:59Z"),
        rec("2024-03-01T10:01:00Z"),
        rec("2024-03-01T10:01:30Z", name="GetObject"),
        rec("2024-03-01T10:03:00Z"),
    ]
    mr = run(JSON_P, records)
    got = {slot: st.sum for _, slot, st in mr.datapoints()}
    base = parse_time("2024-03-01T10:00:00Z")
    assert base is not None
    assert got == {base: 2.0, base + 60: 1.0, base + 180: 1.0}
    assert (mr.records, mr.matched, mr.published) == (5, 4, 4)
    assert mr.first_time == base + 5 and mr.last_time == base + 180


def test_json_metric_value_statistics() -> None:
    records = [
        rec("2024-03-01T10:00:01Z", bytes=10),
        rec("2024-03-01T10:00:02Z", bytes=30.5),
        rec("2024-03-01T10:00:03Z", bytes="20"),  # numeric text counts
        rec("2024-03-01T10:00:04Z", bytes="lots"),  # not numeric: skipped, counted
        rec("2024-03-01T10:00:05Z", bytes=True),  # booleans are not numbers
        rec("2024-03-01T10:00:06Z"),  # missing
    ]
    mr = run(JSON_P, records, period=300, metric_value="$.bytes")
    [(dims, _, st)] = list(mr.datapoints())
    assert dims == ()
    assert (st.sample_count, st.sum, st.minimum, st.maximum) == (3, 60.5, 10.0, 30.5)
    assert st.average == pytest.approx(60.5 / 3)
    assert (mr.matched, mr.published, mr.non_numeric) == (6, 3, 3)


def test_nested_and_indexed_json_values() -> None:
    r = rec("2024-03-01T10:00:00Z", resources=[{"size": 7}], requestParameters={"n": {"m": 2}})
    assert select_path(r, "$.resources[0].size") == (True, 7)
    assert select_path(r, "$.requestParameters.n.m") == (True, 2)
    assert select_path(r, "$.resources[1].size") == (False, None)
    assert select_path(r, "$.eventName.x") == (False, None)
    assert select_path({"a.b": 3}, "$.['a.b']") == (True, 3)
    mr = run(JSON_P, [r], metric_value="$.resources[0].size")
    assert [st.sum for _, _, st in mr.datapoints()] == [7.0]


def test_to_number() -> None:
    assert to_number(3) == 3.0
    assert to_number("-1.5e2") == -150.0
    assert to_number("1,000") is None
    assert to_number(None) is None
    assert to_number(False) is None
    assert to_number(float("inf")) is None
    assert to_number({"a": 1}) is None


def test_dimensions_split_the_series() -> None:
    records = [
        rec("2024-03-01T10:00:01Z", awsRegion="us-east-1"),
        rec("2024-03-01T10:00:02Z", awsRegion="eu-west-1"),
        rec("2024-03-01T10:00:03Z", awsRegion="us-east-1"),
        rec("2024-03-01T10:00:04Z", awsRegion=None),  # no dimension value: not published
    ]
    mr = run(JSON_P, records, dimensions=(("Region", "$.awsRegion"), ("Event", "$.eventName")))
    got = {dims: st.sum for dims, _, st in mr.datapoints()}
    assert got == {
        (("Region", "eu-west-1"), ("Event", "PutObject")): 1.0,
        (("Region", "us-east-1"), ("Event", "PutObject")): 2.0,
    }
    assert mr.missing_dimension == 1


def test_default_value_for_non_matching_events() -> None:
    records = [rec("2024-03-01T10:00:01Z", name="GetObject"), rec("2024-03-01T10:01:01Z")]
    mr = run(JSON_P, records, default_value=0.0)
    got = {slot % 3600: (st.sample_count, st.sum) for _, slot, st in mr.datapoints()}
    assert got == {0: (1, 0.0), 60: (1, 1.0)}
    assert mr.defaults == 1


def test_terms_and_regex_take_numbers() -> None:
    records = [rec("2024-03-01T10:00:01Z"), rec("2024-03-01T10:00:02Z", name="ListBuckets")]
    assert [st.sum for _, _, st in run(TERMS_P, records, metric_value="2.5").datapoints()] == [2.5]
    assert [st.sum for _, _, st in run(REGEX_P, records).datapoints()] == [1.0]


def test_space_delimited_metric_value_and_dimension() -> None:
    # The message of a record is its compact JSON; "size 42 bytes" splits it in three.
    records = [
        {"eventTime": "2024-03-01T10:00:01Z", "note": "size 42 bytes"},
        {"eventTime": "2024-03-01T10:00:02Z", "note": "size 8 bytes"},
        {"eventTime": "2024-03-01T10:00:03Z", "note": "size many bytes"},
    ]
    mr = run(SPACE_P, records, metric_value="$size", dimensions=(("Tail", "$3"),))
    [(dims, _, st)] = list(mr.datapoints())
    assert dims == (("Tail", 'bytes"}'),)
    assert (st.sample_count, st.sum) == (2, 50.0)
    assert mr.non_numeric == 1
    mr2 = run(SPACE_P, records, metric_value="$2")
    assert [st.sum for _, _, st in mr2.datapoints()] == [50.0]


def test_records_without_event_time_are_counted() -> None:
    mr = run(JSON_P, [{"eventName": "PutObject"}, rec("not a time")])
    assert mr.no_time == 2 and not list(mr.datapoints())
    assert parse_time("2024-03-01T10:00:00") is None  # no zone: not CloudTrail's format


def test_matching_records_over_256_kb_publish_nothing() -> None:
    # CloudTrail never sends a record over 256 KB to CloudWatch Logs: the live filter never
    # saw it, so neither its value nor a default value is published.
    big = rec("2024-03-01T10:00:01Z", blob="x" * OVERSIZE_BYTES)
    mr = run(JSON_P, [big, rec("2024-03-01T10:00:02Z")])
    assert (mr.records, mr.matched, mr.published, mr.undelivered) == (2, 1, 1, 1)
    mr = run("{ $.eventName = Nothing }", [big], default_value=0.0)
    assert (mr.defaults, mr.undelivered) == (0, 1)


# --------------------------------------------------------------- transformation errors


@pytest.mark.parametrize(
    ("pattern", "kwargs", "message"),
    [
        (JSON_P, {"metric_value": ""}, "empty"),
        (JSON_P, {"metric_value": "$." + "a" * 99}, "maximum is 100"),
        (JSON_P, {"metric_value": "bytes"}, "neither a number nor a field reference"),
        (JSON_P, {"metric_value": "$bytes"}, "JSON pattern takes \\$.field"),
        (JSON_P, {"metric_value": "$.a b"}, "not a JSON selector"),
        (SPACE_P, {"metric_value": "$.bytes"}, "space-delimited pattern takes \\$name"),
        (SPACE_P, {"metric_value": "$bytes"}, "no field named 'bytes'"),
        (SPACE_P, {"metric_value": "$-1"}, "not a field reference"),
        (TERMS_P, {"metric_value": "$.bytes"}, "terms pattern has no fields"),
        (REGEX_P, {"metric_value": "$size"}, "regex pattern has no fields"),
        ("", {"metric_value": "$.x"}, "all pattern has no fields"),
        (TERMS_P, {"dimensions": (("A", "$.a"),)}, "does not support dimensions"),
        (REGEX_P, {"dimensions": (("A", "$.a"),)}, "does not support dimensions"),
        (
            JSON_P,
            {"dimensions": tuple((f"D{i}", "$.eventName") for i in range(4))},
            "at most 3",
        ),
        (
            JSON_P,
            {"dimensions": (("A", "$.a"),), "default_value": 0.0},
            "default value cannot be set together with dimensions",
        ),
        (JSON_P, {"dimensions": (("", "$.a"),)}, "dimension name"),
        (JSON_P, {"dimensions": (("A", "$.a"), ("A", "$.b"))}, "given twice"),
        (JSON_P, {"dimensions": (("A", "$a"),)}, "dimension A"),
        (SPACE_P, {"dimensions": (("A", "$.a"),)}, "dimension A"),
        (JSON_P, {"unit": "Parsecs"}, "not a CloudWatch unit"),
        (JSON_P, {"default_value": float("nan")}, "finite"),
    ],
)
def test_transformation_errors(pattern: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MetricTransformationError, match=message):
        validate(engine.compile(pattern), Transformation(**kwargs))


def test_valid_transformations() -> None:
    validate(engine.compile(JSON_P), Transformation("$.bytes", dimensions=(("A", "$.a.b"),)))
    validate(engine.compile(SPACE_P), Transformation("$size", dimensions=(("T", "$3"),)))
    validate(engine.compile(TERMS_P), Transformation("-2.5e1", default_value=0.0, unit="Count"))


@pytest.mark.parametrize("text", ["Region", "=$.a", "Region=", ""])
def test_parse_dimension_errors(text: str) -> None:
    with pytest.raises(MetricTransformationError, match="expected NAME="):
        parse_dimension(text)


def test_parse_dimension() -> None:
    assert parse_dimension(" Region = $.awsRegion ") == ("Region", "$.awsRegion")


@pytest.mark.parametrize("period", [0, 7, 90, -60])
def test_bad_metric_period(period: int) -> None:
    with pytest.raises(MetricTransformationError, match="period"):
        run(JSON_P, [], period=period)


def test_datapoints_ordered_by_time_then_dimensions() -> None:
    records = [
        rec("2024-03-01T10:05:00Z", awsRegion="a-region"),
        rec("2024-03-01T10:00:00Z", awsRegion="b-region"),
        rec("2024-03-01T10:00:30Z", awsRegion="a-region"),
    ]
    mr = run(JSON_P, records, dimensions=(("Region", "$.awsRegion"),))
    got = [(slot % 3600, dims[0][1]) for dims, slot, _ in mr.datapoints()]
    assert got == [(0, "a-region"), (0, "b-region"), (300, "a-region")]
