"""Alarm evaluation against CloudWatch's documented tables and hand-computed timelines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.alarms.alarm import (
    ALARM,
    COMPARISONS,
    INSUFFICIENT_DATA,
    OK,
    TREAT_MISSING_DATA,
    AlarmConfigError,
    AlarmSpec,
    State,
    evaluate_range,
    replay,
)

RETAIN = "retain"


def window(text: str) -> list[bool | None]:
    """'0 - X' -> [False, None, True]; oldest first, as in the CloudWatch guide."""
    return [None if c == "-" else c == "X" for c in text.split()]


# CloudWatch User Guide, "How alarm state is evaluated when data is missing"
# (awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md): 5
# datapoints retrieved, columns MISSING, IGNORE, BREACHING, NOT BREACHING.
TABLE_3_OF_3 = [
    ("0 - X - X", OK, OK, OK, OK),
    ("0 - - - -", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT_DATA, RETAIN, ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - - - X", INSUFFICIENT_DATA, RETAIN, ALARM, OK),
    ("X - - - -", ALARM, RETAIN, ALARM, OK),
]
TABLE_2_OF_3 = [
    ("0 - X - X", ALARM, ALARM, ALARM, ALARM),
    ("0 0 X 0 X", ALARM, ALARM, ALARM, ALARM),
    ("0 - X - -", OK, OK, ALARM, OK),
    ("- - - - 0", OK, OK, ALARM, OK),
    ("- - - - X", INSUFFICIENT_DATA, RETAIN, ALARM, OK),
]
MODES = ("missing", "ignore", "breaching", "notBreaching")


def _cases() -> list[tuple[int, str, str, str]]:
    out = []
    for m, table in ((3, TABLE_3_OF_3), (2, TABLE_2_OF_3)):
        for row in table:
            for mode, expected in zip(MODES, row[1:], strict=True):
                out.append((m, row[0], mode, expected))
    return out


@pytest.mark.parametrize(("m", "points", "mode", "expected"), _cases())
@pytest.mark.parametrize("current", [OK, ALARM, INSUFFICIENT_DATA])
def test_documented_tables(m: int, points: str, mode: str, expected: str, current: State) -> None:
    got, _ = evaluate_range(
        window(points),
        evaluation_periods=3,
        datapoints_to_alarm=m,
        treat_missing_data=mode,
        current=current,
    )
    assert got == (current if expected == RETAIN else expected)


def test_evaluated_datapoints_are_the_most_recent_real_ones() -> None:
    # 4 real datapoints, N = 3: the oldest real one is left out.
    _, used = evaluate_range(
        window("0 X X - X"),
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        current=OK,
    )
    assert used == (1, 2, 4)


@pytest.mark.parametrize(
    ("comparison", "below", "equal", "above"),
    [
        ("GreaterThanOrEqualToThreshold", False, True, True),
        ("GreaterThanThreshold", False, False, True),
        ("LessThanThreshold", True, False, False),
        ("LessThanOrEqualToThreshold", True, True, False),
    ],
)
def test_comparison_operators(comparison: str, below: bool, equal: bool, above: bool) -> None:
    spec = AlarmSpec(comparison=comparison, threshold=5)
    assert (spec.breaches(4), spec.breaches(5), spec.breaches(6)) == (below, equal, above)


P = 300


def spans(tl: object) -> list[tuple[int, int | None, list[int]]]:
    return [(s.start, s.end, s.breaching_slots) for s in tl.spans]  # type: ignore[attr-defined]


def test_one_of_one_with_evaluation_range_one() -> None:
    spec = AlarmSpec(period=P, treat_missing_data="notBreaching", evaluation_range=1)
    tl = replay({0: 1.0, 300: 2.0, 900: 1.0}, spec)
    # Evaluated at the end of each period: 300 ALARM, 600 ALARM, 900 OK, 1200 ALARM, 1500 OK.
    assert [(t.time, t.old, t.new) for t in tl.transitions] == [
        (300, INSUFFICIENT_DATA, ALARM),
        (900, ALARM, OK),
        (1200, OK, ALARM),
        (1500, ALARM, OK),
    ]
    assert spans(tl) == [(300, 900, [0, 300]), (1200, 1500, [900])]
    assert tl.final_state == OK


def test_default_evaluation_range_keeps_a_lone_datapoint_for_n_plus_2_periods() -> None:
    # N = 1 → 3 datapoints retrieved: the single breaching datapoint stays the
    # most recent real one for 3 evaluations (the guide's "re-evaluate the last
    # set of data points after the metric has stopped flowing").
    spec = AlarmSpec(period=P, treat_missing_data="notBreaching")
    tl = replay({600: 1.0}, spec, start=0)
    assert spans(tl) == [(900, 1800, [600])]
    assert [e.state for e in tl.evaluations][:2] == [OK, OK]


def test_missing_mode_goes_to_insufficient_data() -> None:
    spec = AlarmSpec(period=P, treat_missing_data="missing")
    tl = replay({600: 1.0}, spec, start=0)
    assert [(t.time, t.new) for t in tl.transitions] == [(900, ALARM), (1800, INSUFFICIENT_DATA)]
    assert spans(tl) == [(900, 1800, [600])]


def test_breaching_mode_alarms_without_data() -> None:
    spec = AlarmSpec(period=P, treat_missing_data="breaching")
    tl = replay({}, spec, start=0, end=600)
    assert tl.transitions[0].new == ALARM
    assert tl.final_state == ALARM
    assert spans(tl) == [(300, None, [])]


def test_ignore_mode_retains_the_state() -> None:
    spec = AlarmSpec(period=P, treat_missing_data="ignore", evaluation_range=1)
    tl = replay({0: 1.0}, spec, end=1200)
    assert [e.state for e in tl.evaluations] == [ALARM] * len(tl.evaluations)
    assert spans(tl) == [(300, None, [0])]


def test_m_out_of_n_with_a_gap() -> None:
    # 2 of 3, range 3, notBreaching: X - X fills one slot as not breaching → 2 breaching.
    spec = AlarmSpec(
        period=P,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data="notBreaching",
        evaluation_range=3,
    )
    tl = replay({0: 1.0, 600: 1.0}, spec)
    states = {e.slot: e.state for e in tl.evaluations}
    assert states[0] == OK  # - - X: 1 of 3
    assert states[300] == OK  # - X -
    assert states[600] == ALARM  # X - X
    assert states[900] == OK  # - X -
    assert states[1200] == OK  # X - -
    assert spans(tl) == [(900, 1200, [0, 600])]


def test_real_datapoints_anywhere_in_the_range_count() -> None:
    # 3 of 3 with X X - X: the default range (5) bridges the gap, a range of 3 does not.
    values = {0: 1.0, 300: 1.0, 900: 1.0}
    spec = AlarmSpec(
        period=P, evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="notBreaching"
    )
    assert spans(replay(values, spec)) == [(1200, 1800, [0, 300, 900])]
    narrow = AlarmSpec(
        period=P,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        evaluation_range=3,
    )
    assert not replay(values, narrow).spans


def test_less_than_on_a_sparse_metric() -> None:
    # A metric filter publishes nothing when nothing matches: LessThan never sees zeros.
    spec = AlarmSpec(
        period=P, comparison="LessThanThreshold", threshold=1, treat_missing_data="notBreaching"
    )
    assert not replay({0: 3.0}, spec, end=3000).spans
    spec_b = AlarmSpec(
        period=P, comparison="LessThanThreshold", threshold=1, treat_missing_data="breaching"
    )
    tl = replay({0: 3.0}, spec_b, end=3000)
    assert spans(tl) and spans(tl)[0][0] == 1200  # once the 3.0 leaves the 3-slot range


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"statistic": "p99"}, "unknown statistic"),
        ({"comparison": "Bigger"}, "unknown comparison"),
        ({"comparison": "LessThanLowerOrGreaterThanUpperThreshold"}, "anomaly-detection"),
        ({"treat_missing_data": "zero"}, "treat-missing-data"),
        ({"period": 45}, "period 45"),
        ({"period": 0}, "period 0"),
        ({"evaluation_periods": 0}, "at least 1"),
        ({"evaluation_periods": 2, "datapoints_to_alarm": 3}, "datapoints to alarm"),
        ({"datapoints_to_alarm": 0}, "datapoints to alarm"),
        ({"period": 300, "evaluation_periods": 289}, "exceeds"),
        ({"evaluation_periods": 3, "evaluation_range": 2}, "evaluation range"),
    ],
)
def test_invalid_alarm_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AlarmConfigError, match=message):
        AlarmSpec(**kwargs).validate()  # type: ignore[arg-type]


def test_long_periods_allow_seven_days() -> None:
    AlarmSpec(period=3600, evaluation_periods=168).validate()


@given(
    st.lists(st.sampled_from([None, True, False]), min_size=1, max_size=8),
    st.integers(1, 8),
    st.data(),
)
def test_breaching_and_not_breaching_bracket_the_others(
    w: list[bool | None], n: int, data: st.DataObject
) -> None:
    """notBreaching never alarms where breaching would not, and every mode agrees
    once the range holds N real datapoints."""
    n = min(n, len(w))
    m = data.draw(st.integers(1, n))
    results = {
        mode: evaluate_range(
            w, evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=mode, current=OK
        )[0]
        for mode in TREAT_MISSING_DATA
    }
    if results["notBreaching"] == ALARM:
        assert results["breaching"] == ALARM
    if sum(c is not None for c in w) >= n:
        assert len(set(results.values())) == 1


def test_every_core_operator_is_known() -> None:
    assert set(COMPARISONS) == {
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    }


def _brute_force(values: dict[int, float], spec: AlarmSpec, last: int) -> list[tuple[int, str]]:
    """Evaluate every period, no shortcuts."""
    p, r = spec.period, spec.range_size
    state: State = INSUFFICIENT_DATA
    out: list[tuple[int, str]] = []
    for slot in range(min(values), last + p, p):
        w = [
            spec.breaches(values[s]) if s in values else None
            for s in (slot - (r - 1 - k) * p for k in range(r))
        ]
        new, _ = evaluate_range(
            w,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.m,
            treat_missing_data=spec.treat_missing_data,
            current=state,
        )
        if new != state:
            out.append((slot + p, new))
        state = new
    return out


@given(
    st.dictionaries(st.integers(0, 200), st.sampled_from([0.0, 1.0, 2.0]), min_size=1, max_size=12),
    st.sampled_from(TREAT_MISSING_DATA),
    st.integers(1, 4),
    st.data(),
)
def test_skipping_empty_stretches_changes_nothing(
    raw: dict[int, float], mode: str, n: int, data: st.DataObject
) -> None:
    spec = AlarmSpec(
        period=60,
        threshold=1,
        evaluation_periods=n,
        datapoints_to_alarm=data.draw(st.integers(1, n)),
        treat_missing_data=mode,
        evaluation_range=n + data.draw(st.integers(0, 3)),
    )
    values = {k * 60: v for k, v in raw.items()}
    tl = replay(values, spec)
    last = max(values) + spec.range_size * 60
    assert [(t.time, t.new) for t in tl.transitions] == _brute_force(values, spec, last)
