"""The datapoints a metric filter would have published.

A metric filter turns every log event its pattern matches into one sample of a
metric: the *metric value* (a number, or a field of the event), under optional
*dimensions* (fields of the event).  CloudWatch aggregates the samples of each
period into Sum, SampleCount, Minimum, Maximum and Average.

The transformation is checked as CloudWatch Logs checks it (PutMetricFilter;
docs/semantics.md §7, SEMANTICS.md §7):

* a metric value is a number or a field reference, at most 100 characters;
* ``$.field`` references need a JSON pattern, ``$name`` / ``$N`` a
  space-delimited one; term, regex and match-all patterns take only a number;
* dimensions only on JSON and space-delimited patterns, at most 3, and never
  together with a default value.

An event whose metric value is not numeric publishes nothing; the replay counts
such events instead of publishing a silent zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from engine.pattern import aws
from engine.pattern.errors import TrailreplayError
from engine.replay.scan import OVERSIZE_BYTES

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern

STATISTICS = aws.STATISTICS
UNITS = aws.UNITS


class MetricTransformationError(TrailreplayError, ValueError):
    """A metric transformation CloudWatch Logs would refuse (or, for ``period``, the
    replay cannot use)."""


@dataclass(frozen=True, slots=True)
class Transformation:
    """PutMetricFilter's metricTransformations entry (one metric)."""

    metric_value: str = "1"
    default_value: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    metric_name: str = "Metric"
    namespace: str = "trailreplay"


def _space_names(pattern: CompiledPattern) -> frozenset[str]:
    from engine.pattern import ast

    node = pattern.ast
    if not isinstance(node, ast.SpacePattern):
        return frozenset()
    return frozenset(e.name for e in node.entries if isinstance(e, ast.Field) and e.name)


def _reference(
    text: str, kind: aws.PatternKind, names: frozenset[str], what: str
) -> aws.JsonRef | aws.FieldRef:
    ref = aws.parse_reference(text, what)
    aws.check_reference_kind(ref, kind, what)
    if isinstance(ref, aws.FieldRef):
        # The replay reads $name from the pattern's extracted values: a name the pattern
        # does not give cannot be read (lint only warns: AWS's docs do not say it is refused).
        aws.check_field_name(ref, names, what)
    return ref


def validate(pattern: CompiledPattern, t: Transformation) -> None:
    """Raise :class:`MetricTransformationError` for what PutMetricFilter refuses."""
    try:
        _validate(pattern, t)
    except aws.MetricRuleError as e:
        raise MetricTransformationError(str(e)) from None


def _validate(pattern: CompiledPattern, t: Transformation) -> aws.MetricValue:
    kind = pattern.kind
    names = _space_names(pattern)
    value = aws.parse_metric_value(t.metric_value)
    if not isinstance(value, float):
        _reference(value.text, kind, names, "metric value")
    if t.default_value is not None and not math.isfinite(t.default_value):
        raise MetricTransformationError("default value must be a finite number")
    if t.dimensions:
        if kind not in ("json", "space"):
            raise MetricTransformationError(
                f"dimensions: the specified filter pattern ({kind}) does not support "
                "dimensions; only JSON and space-delimited patterns do"
            )
        if len(t.dimensions) > aws.MAX_DIMENSIONS:
            raise MetricTransformationError(
                f"{len(t.dimensions)} dimensions; a metric filter takes at most "
                f"{aws.MAX_DIMENSIONS}"
            )
        if t.default_value is not None:
            raise MetricTransformationError(
                "a default value cannot be set together with dimensions"
            )
        seen: set[str] = set()
        for name, ref in t.dimensions:
            aws.check_dimension_name(name)
            if name in seen:
                raise MetricTransformationError(f"dimension {name!r} given twice")
            seen.add(name)
            _reference(ref.strip(), kind, names, f"dimension {name}")
    if t.unit is not None and t.unit not in UNITS:
        raise MetricTransformationError(
            f"unit {t.unit!r} is not a CloudWatch unit; expected one of {', '.join(UNITS)}"
        )
    return value


def parse_dimension(text: str) -> tuple[str, str]:
    """``NAME=$.field`` → (name, reference)."""
    name, sep, ref = text.partition("=")
    if not sep or not name.strip() or not ref.strip():
        raise MetricTransformationError(f"dimension {text!r}: expected NAME=$.field or NAME=$name")
    return name.strip(), ref.strip()


def select_path(record: Any, ref: str | tuple[str | int, ...]) -> tuple[bool, Any]:
    """Resolve ``$.a.b[0]`` (or its :class:`aws.JsonRef` path) in a decoded record:
    (found, value)."""
    if isinstance(ref, str):
        parsed = aws.parse_reference(ref)
        if not isinstance(parsed, aws.JsonRef):
            raise MetricTransformationError(f"{ref!r} is not a JSON path ($.a.b[0])")
        ref = parsed.path
    path = ref
    cur = record
    for step in path:
        if isinstance(step, str):
            if not isinstance(cur, dict) or step not in cur:
                return False, None
            cur = cur[step]
        else:
            if not isinstance(cur, list) or step >= len(cur):
                return False, None
            cur = cur[step]
    return True, cur


def to_number(value: Any) -> float | None:
    """A metric value as CloudWatch reads it: a JSON number or numeric text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return aws.finite_number(value.strip())
    return None


def to_dimension_value(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    return str(value)


@dataclass(slots=True)
class Stats:
    """The statistics of one period (a StatisticSet)."""

    sample_count: int = 0
    sum: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, v: float) -> None:
        self.sample_count += 1
        self.sum += v
        self.minimum = min(self.minimum, v)
        self.maximum = max(self.maximum, v)

    @property
    def average(self) -> float:
        return self.sum / self.sample_count if self.sample_count else math.nan

    def get(self, statistic: str) -> float:
        if statistic == "Sum":
            return self.sum
        if statistic == "SampleCount":
            return float(self.sample_count)
        if statistic == "Minimum":
            return self.minimum
        if statistic == "Maximum":
            return self.maximum
        if statistic == "Average":
            return self.average
        raise ValueError(f"unknown statistic {statistic!r}")

    def as_dict(self) -> dict[str, float]:
        return {s: self.get(s) for s in STATISTICS}


@dataclass(frozen=True, slots=True)
class EventRef:
    """What the alarm report shows about an event behind a datapoint."""

    time: str
    principal: str | None
    event_name: str | None
    source_ip: str | None
    value: float
    source: str = ""
    index: int = -1


Dims = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class MetricReplay:
    """Datapoints per dimension combination and period, and what was skipped."""

    period: int
    transformation: Transformation
    series: dict[Dims, dict[int, Stats]] = field(default_factory=dict)
    events: dict[Dims, dict[int, list[EventRef]]] = field(default_factory=dict)
    records: int = 0
    matched: int = 0
    published: int = 0
    defaults: int = 0
    non_numeric: int = 0
    missing_dimension: int = 0
    no_time: int = 0
    #: Matching (or defaulting) records over 256 KB: CloudTrail never sends them to
    #: CloudWatch Logs, so the live filter never saw them and they publish nothing.
    undelivered: int = 0
    first_time: int | None = None
    last_time: int | None = None
    max_events_per_period: int = 50

    def datapoints(self) -> Iterator[tuple[Dims, int, Stats]]:
        """Every datapoint, by time, then by dimension values."""
        points = [(slot, dims) for dims, by in self.series.items() for slot in by]
        for slot, dims in sorted(points):
            yield dims, slot, self.series[dims][slot]

    def values(self, statistic: str, dims: Dims = ()) -> dict[int, float]:
        return {s: st.get(statistic) for s, st in self.series.get(dims, {}).items()}


def parse_time(value: Any) -> int | None:
    """CloudTrail's eventTime (ISO 8601, Z) as epoch seconds."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        return None
    return int(dt.timestamp())


def _principal(record: dict[str, Any]) -> str | None:
    ui = record.get("userIdentity")
    if not isinstance(ui, dict):
        return None
    for key in ("arn", "principalId", "invokedBy", "type"):
        v = ui.get(key)
        if isinstance(v, str) and v:
            return v
    return None


class MetricFilter:
    """A compiled pattern with its (validated) metric transformation."""

    def __init__(self, pattern: CompiledPattern, transformation: Transformation) -> None:
        validate(pattern, transformation)
        self.pattern = pattern
        self.t = transformation
        kind = pattern.kind
        names = _space_names(pattern)
        value = aws.parse_metric_value(transformation.metric_value)
        self._literal = value if isinstance(value, float) else None
        self._value_ref = None if isinstance(value, float) else value
        self._dims = tuple(
            (name, _reference(ref.strip(), kind, names, f"dimension {name}"))
            for name, ref in transformation.dimensions
        )
        self._needs_message = pattern.kind == "space" and (
            self._literal is None or bool(transformation.dimensions)
        )

    def _ref(
        self,
        record: dict[str, Any],
        ref: aws.JsonRef | aws.FieldRef,
        extracted: dict[str, str] | None,
    ) -> Any:
        if isinstance(ref, aws.JsonRef):
            found, v = select_path(record, ref.path)
            return v if found else None
        ex = extracted or {}
        if ref.text in ex:
            return ex[ref.text]
        if ref.index is not None:
            # extract() names a field $name when the pattern names it; $N still
            # selects the N-th field, as in AWS's extractedValues.
            vals = list(ex.values())
            return vals[ref.index - 1] if ref.index <= len(vals) else None
        return None

    def observe(self, record: dict[str, Any]) -> tuple[str, Dims, float | None]:
        """("nomatch" | "default" | "value" | "non_numeric" | "missing_dimension", dims, value)."""
        if not self.pattern.matches_record(record):
            if self.t.default_value is not None:
                return "default", (), self.t.default_value
            return "nomatch", (), None
        extracted: dict[str, str] | None = None
        if self._needs_message:
            extracted = self.pattern.extract(orjson.dumps(record).decode())
        if self._value_ref is None:
            value: float | None = self._literal
        else:
            value = to_number(self._ref(record, self._value_ref, extracted))
        if value is None:
            return "non_numeric", (), None
        dims: list[tuple[str, str]] = []
        for name, ref in self._dims:
            dv = to_dimension_value(self._ref(record, ref, extracted))
            if dv is None:
                return "missing_dimension", (), value
            dims.append((name, dv))
        return "value", tuple(dims), value


def replay_metric(
    records: Iterable[tuple[object, int, dict[str, Any]]],
    mf: MetricFilter,
    *,
    period: int = 60,
    max_events_per_period: int = 50,
) -> MetricReplay:
    """Run the filter over ``(source, index, record)`` triples (``iter_records``)."""
    if period <= 0 or (period not in (1, 5, 10, 20, 30) and period % 60):
        raise MetricTransformationError(
            f"period {period} s: must be 1, 5, 10, 20, 30 or a multiple of 60 seconds"
        )
    out = MetricReplay(period, mf.t, max_events_per_period=max_events_per_period)
    for source, index, record in records:
        out.records += 1
        t = parse_time(record.get("eventTime")) if isinstance(record, dict) else None
        if t is None:
            out.no_time += 1
            continue
        out.first_time = t if out.first_time is None else min(out.first_time, t)
        out.last_time = t if out.last_time is None else max(out.last_time, t)
        outcome, dims, value = mf.observe(record)
        if outcome == "nomatch":
            continue
        if len(orjson.dumps(record)) > OVERSIZE_BYTES:
            out.undelivered += 1
            continue
        if outcome == "default":
            assert value is not None
            out.defaults += 1
            slot = t - t % period
            out.series.setdefault((), {}).setdefault(slot, Stats()).add(value)
            continue
        out.matched += 1
        if outcome == "non_numeric":
            out.non_numeric += 1
            continue
        if outcome == "missing_dimension":
            out.missing_dimension += 1
            continue
        assert value is not None
        out.published += 1
        slot = t - t % period
        out.series.setdefault(dims, {}).setdefault(slot, Stats()).add(value)
        refs = out.events.setdefault(dims, {}).setdefault(slot, [])
        if len(refs) < max_events_per_period:
            refs.append(
                EventRef(
                    time=str(record.get("eventTime")),
                    principal=_principal(record),
                    event_name=_str_or_none(record.get("eventName")),
                    source_ip=_str_or_none(record.get("sourceIPAddress")),
                    value=value,
                    source=str(source),
                    index=index,
                )
            )
    return out


def _str_or_none(v: Any) -> str | None:
    return v if isinstance(v, str) else None
