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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from engine.replay.scan import OVERSIZE_BYTES

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern

STATISTICS = ("Sum", "SampleCount", "Minimum", "Maximum", "Average")
MAX_METRIC_VALUE_LEN = 100
MAX_DIMENSIONS = 3
# CloudWatch StandardUnit (PutMetricData / MetricTransformation.Unit).
UNITS = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
    "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
)  # fmt: skip

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_JSON_REF = re.compile(r"\$(?:\.[A-Za-z0-9_@-]+|\[\d+\]|\.\['[^']*'\])+")
_SPACE_REF = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|[1-9]\d*)")
_STEP = re.compile(r"\.([A-Za-z0-9_@-]+)|\[(\d+)\]|\.\['([^']*)'\]")


class MetricTransformationError(ValueError):
    """A metric transformation CloudWatch Logs would refuse."""


@dataclass(frozen=True, slots=True)
class Transformation:
    """PutMetricFilter's metricTransformations entry (one metric)."""

    metric_value: str = "1"
    default_value: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    metric_name: str = "Metric"
    namespace: str = "trailreplay"


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text.strip()) is not None


def _check_reference(ref: str, kind: str, what: str, space_names: frozenset[str]) -> None:
    if kind == "json":
        if _JSON_REF.fullmatch(ref):
            return
        if _SPACE_REF.fullmatch(ref):
            raise MetricTransformationError(
                f"{what} {ref!r}: a JSON pattern takes $.field references, not $name"
            )
        raise MetricTransformationError(
            f"{what} {ref!r}: not a field reference; expected $.field (e.g. $.bytes)"
        )
    if kind == "space":
        if _SPACE_REF.fullmatch(ref):
            name = ref[1:]
            if not name.isdigit() and name not in space_names:
                known = ", ".join(f"${n}" for n in sorted(space_names)) or "none"
                raise MetricTransformationError(
                    f"{what} {ref!r}: no field named {name!r} in the pattern (named fields: "
                    f"{known}; $N selects the N-th field)"
                )
            return
        if _JSON_REF.fullmatch(ref):
            raise MetricTransformationError(
                f"{what} {ref!r}: a space-delimited pattern takes $name or $N, not $.field"
            )
        raise MetricTransformationError(
            f"{what} {ref!r}: not a field reference; expected $name or $N (e.g. $size, $7)"
        )
    raise MetricTransformationError(
        f"{what} {ref!r}: a {kind} pattern has no fields; the metric value must be a number"
    )


def _space_names(pattern: CompiledPattern) -> frozenset[str]:
    from engine.pattern import ast

    node = pattern.ast
    if not isinstance(node, ast.SpacePattern):
        return frozenset()
    return frozenset(e.name for e in node.entries if isinstance(e, ast.Field) and e.name)


def validate(pattern: CompiledPattern, t: Transformation) -> None:
    """Raise :class:`MetricTransformationError` for what PutMetricFilter refuses."""
    kind = pattern.kind
    names = _space_names(pattern)
    mv = t.metric_value
    if not mv.strip():
        raise MetricTransformationError("metric value is empty")
    if len(mv) > MAX_METRIC_VALUE_LEN:
        raise MetricTransformationError(
            f"metric value is {len(mv)} characters long; the maximum is {MAX_METRIC_VALUE_LEN}"
        )
    if not is_number(mv):
        if not mv.startswith("$"):
            raise MetricTransformationError(
                f"metric value {mv!r} is neither a number nor a field reference "
                "(a field reference starts with $)"
            )
        _check_reference(mv, kind, "metric value", names)
    if t.default_value is not None and not math.isfinite(t.default_value):
        raise MetricTransformationError("default value must be a finite number")
    if t.dimensions:
        if kind not in ("json", "space"):
            raise MetricTransformationError(
                f"dimensions: the specified filter pattern ({kind}) does not support "
                "dimensions; only JSON and space-delimited patterns do"
            )
        if len(t.dimensions) > MAX_DIMENSIONS:
            raise MetricTransformationError(
                f"{len(t.dimensions)} dimensions; a metric filter takes at most {MAX_DIMENSIONS}"
            )
        if t.default_value is not None:
            raise MetricTransformationError(
                "a default value cannot be set together with dimensions"
            )
        seen: set[str] = set()
        for name, ref in t.dimensions:
            if not name or len(name) > 255 or name.startswith(":"):
                raise MetricTransformationError(
                    f"dimension name {name!r}: 1 to 255 characters, not starting with ':'"
                )
            if name in seen:
                raise MetricTransformationError(f"dimension {name!r} given twice")
            seen.add(name)
            _check_reference(ref, kind, f"dimension {name}", names)
    if t.unit is not None and t.unit not in UNITS:
        raise MetricTransformationError(
            f"unit {t.unit!r} is not a CloudWatch unit; expected one of {', '.join(UNITS)}"
        )


def parse_dimension(text: str) -> tuple[str, str]:
    """``NAME=$.field`` → (name, reference)."""
    name, sep, ref = text.partition("=")
    if not sep or not name.strip() or not ref.strip():
        raise MetricTransformationError(f"dimension {text!r}: expected NAME=$.field or NAME=$name")
    return name.strip(), ref.strip()


def select_path(record: Any, ref: str) -> tuple[bool, Any]:
    """Resolve ``$.a.b[0]`` in a decoded record: (found, value)."""
    cur = record
    for m in _STEP.finditer(ref, 1):
        key = m.group(1) if m.group(1) is not None else m.group(3)
        if key is not None:
            if not isinstance(cur, dict) or key not in cur:
                return False, None
            cur = cur[key]
        else:
            idx = int(m.group(2))
            if not isinstance(cur, list) or idx >= len(cur):
                return False, None
            cur = cur[idx]
    return True, cur


def to_number(value: Any) -> float | None:
    """A metric value as CloudWatch reads it: a JSON number or numeric text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str) and is_number(value):
        f = float(value)
        return f if math.isfinite(f) else None
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
        self._literal = (
            float(transformation.metric_value) if is_number(transformation.metric_value) else None
        )
        self._needs_message = pattern.kind == "space" and (
            self._literal is None or bool(transformation.dimensions)
        )

    def _ref(self, record: dict[str, Any], ref: str, extracted: dict[str, str] | None) -> Any:
        if ref.startswith("$."):
            found, v = select_path(record, ref)
            return v if found else None
        if ref.startswith("$["):
            found, v = select_path(record, ref)
            return v if found else None
        ex = extracted or {}
        if ref in ex:
            return ex[ref]
        if ref[1:].isdigit():
            # extract() names a field $name when the pattern names it; $N still
            # selects the N-th field, as in AWS's extractedValues.
            vals = list(ex.values())
            n = int(ref[1:])
            return vals[n - 1] if n <= len(vals) else None
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
        if self._literal is not None:
            value: float | None = self._literal
        else:
            value = to_number(self._ref(record, self.t.metric_value, extracted))
        if value is None:
            return "non_numeric", (), None
        dims: list[tuple[str, str]] = []
        for name, ref in self.t.dimensions:
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
