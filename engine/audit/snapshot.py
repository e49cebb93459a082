"""The offline snapshot: AWS CLI outputs keyed by the command that produced them.

Exact format (issue 7)::

    {"cloudtrail describe-trails": <output>,
     "cloudtrail get-trail-status": {"<TrailARN>": <output>, ...},
     "cloudtrail get-event-selectors": {"<TrailARN>": <output>, ...},
     "logs describe-metric-filters": {"<CloudWatchLogsLogGroupArn>": <output>, ...},
     "cloudwatch describe-alarms": {"<region>": <output>, ...},
     "sns list-subscriptions-by-topic": {"<topic ARN>": <output>, ...}}

A missing top-level key, or a missing entry under one, is *not* an error: it means
"not visible from here" and the judge turns it into an UNKNOWN with that reason.
A value of the wrong JSON type in a field the judge reads is an error
(:class:`SnapshotError`, naming the value's JSON path): the file is not a snapshot, and
``audit check`` exits 2.  :data:`SCHEMA` holds those types; every field the judge reads
must be in it, so the judge can use a field without checking its type again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

DESCRIBE_TRAILS = "cloudtrail describe-trails"
TRAIL_STATUS = "cloudtrail get-trail-status"
EVENT_SELECTORS = "cloudtrail get-event-selectors"
METRIC_FILTERS = "logs describe-metric-filters"
ALARMS = "cloudwatch describe-alarms"
SUBSCRIPTIONS = "sns list-subscriptions-by-topic"

KEYS: tuple[str, ...] = (
    DESCRIBE_TRAILS,
    TRAIL_STATUS,
    EVENT_SELECTORS,
    METRIC_FILTERS,
    ALARMS,
    SUBSCRIPTIONS,
)
# Keys whose value is a map from an ARN (or a region) to one command output.
KEYED: tuple[str, ...] = KEYS[1:]

JSON = dict[str, Any]


class SnapshotError(ValueError):
    """The snapshot cannot be read: not JSON, not an object, or a value of the wrong type."""


@dataclass(frozen=True)
class Snapshot:
    """A validated snapshot.  Accessors return ``None`` for "not in the snapshot"."""

    data: JSON
    source: str = "<snapshot>"

    def has(self, key: str) -> bool:
        return key in self.data

    def trails(self) -> list[JSON] | None:
        out = self.data.get(DESCRIBE_TRAILS)
        if out is None:
            return None
        # describe-trails lists a multi-Region trail once per Region (shadow trails)
        # when asked with includeShadowTrails; keep one entry per ARN.
        seen: dict[str, JSON] = {}
        for trail in out.get("trailList", []):
            arn = str(trail.get("TrailARN") or trail.get("Name") or "")
            seen.setdefault(arn, trail)
        return list(seen.values())

    def _keyed(self, key: str, name: str) -> JSON | None:
        table = self.data.get(key)
        if table is None:
            return None
        value = table.get(name)
        return value if isinstance(value, dict) else None

    def trail_status(self, trail_arn: str) -> JSON | None:
        return self._keyed(TRAIL_STATUS, trail_arn)

    def event_selectors(self, trail_arn: str) -> JSON | None:
        return self._keyed(EVENT_SELECTORS, trail_arn)

    def metric_filters(self, log_group_arn: str) -> list[JSON] | None:
        out = self._keyed(METRIC_FILTERS, log_group_arn)
        if out is None:
            # The ARN with or without its trailing ":*" names the same group.
            other = log_group_arn[:-2] if log_group_arn.endswith(":*") else log_group_arn + ":*"
            out = self._keyed(METRIC_FILTERS, other)
        return None if out is None else list(out.get("metricFilters", []))

    def alarms(self, region: str) -> list[JSON] | None:
        out = self._keyed(ALARMS, region)
        return None if out is None else list(out.get("MetricAlarms", []))

    def subscriptions(self, topic_arn: str) -> list[JSON] | None:
        out = self._keyed(SUBSCRIPTIONS, topic_arn)
        return None if out is None else list(out.get("Subscriptions", []))


# --------------------------------------------------------------------------- types
#
# The fields the judge reads, with the type the AWS CLI prints for each (the API
# reference's shapes).  A field not listed here is never read, so any value is
# accepted there; a listed field of another type makes the snapshot unreadable,
# named by its JSON path.  This is the single place that knows these types: the
# judge may then use every field it finds without checking it again.


@dataclass(frozen=True)
class _Scalar:
    name: str  # "a string", "a boolean", "a number", "an integer"


@dataclass(frozen=True)
class _List:
    item: _Spec


@dataclass(frozen=True)
class _Object:
    fields: dict[str, _Spec]


@dataclass(frozen=True)
class _Map:
    """An object with arbitrary keys (ARNs, Regions, dimension names)."""

    value: _Spec


_Spec = _Scalar | _List | _Object | _Map

STRING = _Scalar("a string")
BOOLEAN = _Scalar("a boolean")
NUMBER = _Scalar("a number")
INTEGER = _Scalar("an integer")
_STRINGS = _List(STRING)

_TRAIL = _Object(
    {
        "Name": STRING,
        "TrailARN": STRING,
        "HomeRegion": STRING,
        "IsMultiRegionTrail": BOOLEAN,
        "IsOrganizationTrail": BOOLEAN,
        "CloudWatchLogsLogGroupArn": STRING,
    }
)
_FIELD_SELECTOR = _Object(
    {
        "Field": STRING,
        **{
            k: _STRINGS
            for k in (
                "Equals",
                "NotEquals",
                "StartsWith",
                "NotStartsWith",
                "EndsWith",
                "NotEndsWith",
            )
        },
    }
)
_SELECTORS = _Object(
    {
        "EventSelectors": _List(
            _Object(
                {
                    "ReadWriteType": STRING,
                    "IncludeManagementEvents": BOOLEAN,
                    "ExcludeManagementEventSources": _STRINGS,
                }
            )
        ),
        "AdvancedEventSelectors": _List(
            _Object({"Name": STRING, "FieldSelectors": _List(_FIELD_SELECTOR)})
        ),
    }
)
_TRANSFORMATION = _Object(
    {
        "metricName": STRING,
        "metricNamespace": STRING,
        "metricValue": STRING,
        "defaultValue": NUMBER,
        "unit": STRING,
        "dimensions": _Map(STRING),
    }
)
_FILTER = _Object(
    {
        "filterName": STRING,
        "filterPattern": STRING,
        "logGroupName": STRING,
        "metricTransformations": _List(_TRANSFORMATION),
    }
)
_ALARM = _Object(
    {
        **{
            k: STRING
            for k in (
                "AlarmName",
                "AlarmArn",
                "MetricName",
                "Namespace",
                "Statistic",
                "ExtendedStatistic",
                "ComparisonOperator",
                "Unit",
            )
        },
        "ActionsEnabled": BOOLEAN,
        "AlarmActions": _STRINGS,
        "Dimensions": _List(_Object({"Name": STRING, "Value": STRING})),
        "Period": INTEGER,
        "EvaluationPeriods": INTEGER,
        "DatapointsToAlarm": INTEGER,
        "Threshold": NUMBER,
    }
)
_SUBSCRIPTION = _Object(
    {k: STRING for k in ("SubscriptionArn", "Protocol", "Endpoint", "Owner", "TopicArn")}
)

# One command output per key (under an ARN or Region for the keyed ones).
SCHEMA: dict[str, _Spec] = {
    DESCRIBE_TRAILS: _Object({"trailList": _List(_TRAIL)}),
    TRAIL_STATUS: _Object({"IsLogging": BOOLEAN}),
    EVENT_SELECTORS: _SELECTORS,
    METRIC_FILTERS: _Object({"metricFilters": _List(_FILTER)}),
    ALARMS: _Object({"MetricAlarms": _List(_ALARM), "CompositeAlarms": _List(_Object({}))}),
    SUBSCRIPTIONS: _Object({"Subscriptions": _List(_SUBSCRIPTION)}),
}


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "null"


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key(path: str, key: str) -> str:
    """``path`` followed by the member ``key``, as JSONPath (``$.a["b c"]``)."""
    if _IDENT.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{orjson.dumps(key).decode()}]"


def _fits(spec: _Scalar, value: object) -> bool:
    if spec is STRING:
        return isinstance(value, str)
    if spec is BOOLEAN:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if spec is INTEGER:
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, int | float)


def _check(spec: _Spec, value: object, path: str, problems: list[str]) -> None:
    """Append ``PATH: expected T, got U`` for every value of the wrong type."""
    if isinstance(spec, _Scalar):
        if not _fits(spec, value):
            problems.append(f"{path}: expected {spec.name}, got {_type_name(value)}")
    elif isinstance(spec, _List):
        if not isinstance(value, list):
            problems.append(f"{path}: expected an array, got {_type_name(value)}")
            return
        for i, item in enumerate(value):
            _check(spec.item, item, f"{path}[{i}]", problems)
    elif not isinstance(value, dict):
        problems.append(f"{path}: expected an object, got {_type_name(value)}")
    elif isinstance(spec, _Map):
        for k, v in value.items():
            _check(spec.value, v, _key(path, k), problems)
    else:
        for k, sub in spec.fields.items():
            if k in value:
                _check(sub, value[k], _key(path, k), problems)


def validate(data: object) -> list[str]:
    """Every reason ``data`` is not a snapshot (empty when it is one), each naming the
    JSON path of the offending value."""
    if not isinstance(data, dict):
        return [f"$: expected a JSON object keyed by AWS CLI command, got {_type_name(data)}"]
    problems: list[str] = []
    known = [k for k in KEYS if k in data]
    if not known:
        problems.append(
            "none of the snapshot keys is present (expected e.g. "
            f"{DESCRIBE_TRAILS!r}, {METRIC_FILTERS!r})"
        )
    for key in known:
        value, path = data[key], _key("$", key)
        if key in KEYED:
            if not isinstance(value, dict):
                problems.append(
                    f"{path}: expected an object keyed by ARN or Region, got {_type_name(value)}"
                )
                continue
            for name, output in value.items():
                _check(SCHEMA[key], output, _key(path, name), problems)
        else:
            _check(SCHEMA[key], value, path, problems)
    return problems


def from_data(data: object, source: str = "<snapshot>") -> Snapshot:
    problems = validate(data)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SnapshotError(f"{source}: not a snapshot: {problems[0]}{more}")
    assert isinstance(data, dict)
    return Snapshot(data, source)


def load(path: str | Path) -> Snapshot:
    """Read and validate a snapshot file (``-`` is stdin)."""
    import sys

    name = str(path)
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"{name}: not valid JSON: {exc}") from None
    return from_data(data, name)
