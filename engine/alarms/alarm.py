"""CloudWatch metric alarm evaluation, replayed offline.

The rules, from the CloudWatch User Guide ("Evaluating an alarm" and "How alarm
state is evaluated when data is missing", awsdocs/amazon-cloudwatch-user-guide
``doc_source/AlarmThatSendsEmail.md``):

* Each evaluation retrieves the datapoints of an *evaluation range* that is
  longer than ``EvaluationPeriods`` (N).  The documented example retrieves 5
  datapoints for N = 3; trailreplay uses N + 2 unless told otherwise.
* If the range holds at least N real datapoints, the N most recent real ones are
  evaluated and the missing-data setting is not used.
* Otherwise every real datapoint of the range is evaluated, and the missing
  slots are filled, as few as possible (N minus the real ones), according to
  ``TreatMissingData``: ``breaching`` / ``notBreaching`` count them as
  breaching / not breaching; ``ignore`` keeps the current state and
  ``missing`` goes to INSUFFICIENT_DATA when the real datapoints alone cannot
  decide.
* ALARM when at least ``DatapointsToAlarm`` (M) of the evaluated datapoints
  breach, OK otherwise.

The documented tables decide the cases the prose leaves open, and
``tests/alarms/test_alarm.py`` checks every row of them:

* with ``ignore`` or ``missing`` and fewer than N real datapoints, a single
  real non-breaching datapoint is enough for OK (``0 - X - -`` with 2 of 3 is
  OK for all four settings but ``breaching``);
* with ``missing``, real datapoints that all breach but are fewer than M give
  ALARM when the oldest datapoint of the range is one of them ("the oldest
  evaluated data point is breaching and there aren't any non-breaching data
  points", ``X - - - -``) and INSUFFICIENT_DATA otherwise (``- - - - X``).

The replay evaluates once per period, at the end of each period, from the first
period of the data to the last one plus the evaluation range (so an alarm that
fired on the last events of an archive settles back).  Stretches whose whole
evaluation range is empty cannot change the state and are skipped, so a long
archive with sparse matches costs one evaluation per datapoint, not per period.  The alarm starts in
INSUFFICIENT_DATA, like a newly created one.  Slots before the first period
count as missing.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, TypeAlias

from engine.pattern import aws
from engine.pattern.errors import TrailreplayError

State: TypeAlias = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
OK: State = "OK"
ALARM: State = "ALARM"
INSUFFICIENT_DATA: State = "INSUFFICIENT_DATA"

COMPARISONS = aws.COMPARISONS
# Anomaly-detection operators compare against a band computed by a model, not a
# static threshold; there is nothing to replay them against offline.
BAND_COMPARISONS = aws.BAND_COMPARISONS
TREAT_MISSING_DATA = aws.TREAT_MISSING_DATA
STATISTICS = aws.STATISTICS

ONE_DAY = 86_400
SEVEN_DAYS = 7 * ONE_DAY


class AlarmConfigError(TrailreplayError, ValueError):
    """An alarm setting CloudWatch's PutMetricAlarm would reject."""


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """The settings of a metric alarm, with PutMetricAlarm's names and defaults."""

    statistic: str = "Sum"
    period: int = 300
    threshold: float = 1.0
    comparison: str = "GreaterThanOrEqualToThreshold"
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"
    evaluation_range: int | None = None

    @property
    def m(self) -> int:
        """DatapointsToAlarm; defaults to EvaluationPeriods like CloudWatch."""
        return (
            self.evaluation_periods
            if self.datapoints_to_alarm is None
            else self.datapoints_to_alarm
        )

    @property
    def range_size(self) -> int:
        if self.evaluation_range is not None:
            return self.evaluation_range
        return self.evaluation_periods + 2

    def validate(self) -> None:
        """Raise :class:`AlarmConfigError` for what PutMetricAlarm refuses."""
        if self.statistic not in STATISTICS:
            raise AlarmConfigError(
                f"unknown statistic {self.statistic!r}; expected one of {', '.join(STATISTICS)}"
            )
        if self.comparison in BAND_COMPARISONS:
            raise AlarmConfigError(
                f"{self.comparison} compares against an anomaly-detection band, which cannot "
                "be replayed offline; use one of " + ", ".join(COMPARISONS)
            )
        if self.comparison not in COMPARISONS:
            raise AlarmConfigError(
                f"unknown comparison operator {self.comparison!r}; expected one of "
                + ", ".join(COMPARISONS)
            )
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            raise AlarmConfigError(
                f"unknown treat-missing-data {self.treat_missing_data!r}; expected one of "
                + ", ".join(TREAT_MISSING_DATA)
            )
        if self.period not in (10, 20, 30) and (self.period <= 0 or self.period % 60):
            raise AlarmConfigError(
                f"period {self.period} s: must be 10, 20, 30 or a multiple of 60 seconds"
            )
        if self.evaluation_periods < 1:
            raise AlarmConfigError("evaluation periods must be at least 1")
        if not 1 <= self.m <= self.evaluation_periods:
            raise AlarmConfigError(
                f"datapoints to alarm ({self.m}) must be between 1 and the evaluation "
                f"periods ({self.evaluation_periods})"
            )
        limit = SEVEN_DAYS if self.period >= 3600 else ONE_DAY
        if self.period * self.evaluation_periods > limit:
            raise AlarmConfigError(
                f"evaluation periods x period = {self.period * self.evaluation_periods} s "
                f"exceeds CloudWatch's limit of {limit} s"
            )
        if self.range_size < self.evaluation_periods:
            raise AlarmConfigError(
                f"evaluation range ({self.range_size}) must be at least the evaluation "
                f"periods ({self.evaluation_periods})"
            )

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


def evaluate_range(
    window: Sequence[bool | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str,
    current: State,
) -> tuple[State, tuple[int, ...]]:
    """One evaluation over the datapoints of an evaluation range, oldest first.

    Each slot is ``True`` (breaching), ``False`` (not breaching) or ``None``
    (missing).  Returns the new state and the indexes (into ``window``) of the
    real datapoints that were evaluated.
    """
    n, m = evaluation_periods, datapoints_to_alarm
    real = [i for i, c in enumerate(window) if c is not None]
    if len(real) >= n:
        used = tuple(real[-n:])
        breaching = sum(1 for i in used if window[i])
        return (ALARM if breaching >= m else OK), used
    used = tuple(real)
    breaching = sum(1 for i in used if window[i])
    fills = n - len(used)
    if treat_missing_data == "breaching":
        return (ALARM if breaching + fills >= m else OK), used
    if treat_missing_data == "notBreaching":
        return (ALARM if breaching >= m else OK), used
    # ignore / missing: the real datapoints decide when they can.
    if breaching >= m:
        return ALARM, used
    if any(window[i] is False for i in used):
        return OK, used
    if treat_missing_data == "ignore":
        return current, used
    if used and window and window[0] is True:
        return ALARM, used
    return INSUFFICIENT_DATA, used


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The alarm evaluated at the end of the period starting at ``slot``."""

    slot: int
    value: float | None
    breaching: bool | None
    state: State
    evaluated: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Transition:
    time: int  # epoch seconds: end of the period whose evaluation changed the state
    old: State
    new: State
    slot: int


@dataclass(slots=True)
class AlarmSpan:
    """One stay in ALARM: from ``start`` to ``end`` (None: still in ALARM at the end)."""

    start: int
    end: int | None
    breaching_slots: list[int] = field(default_factory=list)


@dataclass(slots=True)
class AlarmTimeline:
    spec: AlarmSpec
    evaluations: list[Evaluation]
    transitions: list[Transition]
    spans: list[AlarmSpan]

    @property
    def final_state(self) -> State:
        return self.evaluations[-1].state if self.evaluations else INSUFFICIENT_DATA


def align(t: int, period: int) -> int:
    return t - (t % period)


def replay(
    values: Mapping[int, float],
    spec: AlarmSpec,
    *,
    start: int | None = None,
    end: int | None = None,
    initial: State = INSUFFICIENT_DATA,
) -> AlarmTimeline:
    """Evaluate the alarm once per period over ``values`` (period start → statistic).

    ``start`` / ``end`` (epoch seconds) widen the evaluated time span beyond the
    datapoints, e.g. to the first and last record of an archive.
    """
    spec.validate()
    p = spec.period
    slots = [align(s, p) for s in values]
    if start is not None:
        slots.append(align(start, p))
    if end is not None:
        slots.append(align(end, p))
    if not slots:
        return AlarmTimeline(spec, [], [], [])
    first = min(slots)
    last = max(slots) + spec.range_size * p
    by_slot: dict[int, float] = {}
    for s, v in values.items():
        by_slot[align(s, p)] = v  # callers pass aligned slots; keep the last if not
    classes: dict[int, bool] = {s: spec.breaches(v) for s, v in by_slot.items()}
    data_slots = sorted(by_slot)

    state: State = initial
    evaluations: list[Evaluation] = []
    transitions: list[Transition] = []
    spans: list[AlarmSpan] = []
    r = spec.range_size
    slot = first
    while slot <= last:
        window_slots = [slot - (r - 1 - k) * p for k in range(r)]
        window = [classes.get(s) for s in window_slots]
        new, used = evaluate_range(
            window,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.m,
            treat_missing_data=spec.treat_missing_data,
            current=state,
        )
        used_slots = tuple(window_slots[i] for i in used)
        evaluations.append(Evaluation(slot, by_slot.get(slot), classes.get(slot), new, used_slots))
        if new != state:
            transitions.append(Transition(slot + p, state, new, slot))
            if new == ALARM:
                spans.append(AlarmSpan(slot + p, None))
            elif state == ALARM and spans:
                spans[-1].end = slot + p
        if new == ALARM and spans:
            current_span = spans[-1]
            for s in used_slots:
                if classes.get(s) and s not in current_span.breaching_slots:
                    current_span.breaching_slots.append(s)
        state = new
        slot += p
        if all(c is None for c in window):
            # An all-missing range gives the same state again (missing →
            # INSUFFICIENT_DATA, notBreaching → OK, breaching → ALARM, ignore →
            # unchanged), so jump to the first range that holds the next datapoint.
            k = bisect.bisect_left(data_slots, slot)
            nxt = data_slots[k] - (r - 1) * p if k < len(data_slots) else last + p
            slot = max(slot, min(nxt, last + p))
    for sp in spans:
        sp.breaching_slots.sort()
    return AlarmTimeline(spec, evaluations, transitions, spans)


def iso(t: int) -> str:
    """Epoch seconds as ISO 8601 UTC with a Z."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
