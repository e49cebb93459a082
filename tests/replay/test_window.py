from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.replay.window import TimeWindow, parse_event_time, parse_instant, path_period


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_parse_instant_forms() -> None:
    assert parse_instant("2024-03-12") == (dt("2024-03-12T00:00:00"), True)
    assert parse_instant("2024-03-12", end=True) == (dt("2024-03-13T00:00:00"), False)
    assert parse_instant("2024-03-12T10:00:00Z") == (dt("2024-03-12T10:00:00"), True)
    assert parse_instant("2024-03-12T10:00:00") == (dt("2024-03-12T10:00:00"), True)
    assert parse_instant("2024-03-12T12:00:00+02:00")[0] == dt("2024-03-12T10:00:00")
    with pytest.raises(ValueError):
        parse_instant("yesterday")


def test_window_bounds_inclusive_and_whole_day() -> None:
    w = TimeWindow.from_text("2024-03-12T10:00:00Z", "2024-03-12T11:00:00Z")
    assert w is not None
    assert w.contains(dt("2024-03-12T10:00:00"))
    assert w.contains(dt("2024-03-12T11:00:00"))
    assert not w.contains(dt("2024-03-12T11:00:01"))
    assert not w.contains(dt("2024-03-12T09:59:59"))
    day = TimeWindow.from_text(None, "2024-03-12")
    assert day is not None
    assert day.contains(dt("2024-03-12T23:59:59"))
    assert not day.contains(dt("2024-03-13T00:00:00"))
    assert TimeWindow.from_text(None, None) is None


def test_records_without_event_time_are_outside() -> None:
    w = TimeWindow.from_text("2024-01-01", None)
    assert w is not None
    assert not w.contains_record({})
    assert not w.contains_record({"eventTime": 12})
    assert not w.contains_record({"eventTime": "not a time"})
    assert w.contains_record({"eventTime": "2024-03-12T10:00:00Z"})
    assert parse_event_time("2014-03-06T21:22:54Z") == dt("2014-03-06T21:22:54")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("AWSLogs/1/CloudTrail/us-east-1/2024/03/12/x.json.gz", ("2024-03-12", "2024-03-13")),
        ("/a/AWSLogs/o-1/1/CloudTrail/eu-west-1/2024/12/31", ("2024-12-31", "2025-01-01")),
        ("AWSLogs/1/CloudTrail/us-east-1/2024/12", ("2024-12-01", "2025-01-01")),
        ("AWSLogs/1/CloudTrail/us-east-1/2024", ("2024-01-01", "2025-01-01")),
        ("AWSLogs/1/CloudTrail-Insight/us-east-1/2024/02/29/f", ("2024-02-29", "2024-03-01")),
        ("AWSLogs/1/CloudTrail/us-east-1", None),
        ("logs/2024/03/12/x.json.gz", None),
        ("AWSLogs/1/CloudTrail/us-east-1/2024/13/40/x", None),
    ],
)
def test_path_period(path: str, expected: tuple[str, str] | None) -> None:
    got = path_period(path)
    if expected is None:
        assert got is None
    else:
        assert got == (dt(expected[0] + "T00:00:00"), dt(expected[1] + "T00:00:00"))


def test_pruning_keeps_a_delivery_margin() -> None:
    w = TimeWindow.from_text("2024-03-12", "2024-03-12")
    assert w is not None
    for d, keep in (("10", False), ("11", True), ("12", True), ("13", True), ("14", False)):
        period = path_period(f"AWSLogs/1/CloudTrail/r/2024/03/{d}/f")
        assert period is not None
        # a file delivered on the 13th may hold events of the 12th (late delivery)
        assert w.may_overlap(*period) is keep, d
