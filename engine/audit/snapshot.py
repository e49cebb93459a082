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
A value of the wrong JSON type is an error (:class:`SnapshotError`): the file is not
a snapshot, and ``audit check`` exits 2.
"""

from __future__ import annotations

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

# The list inside each command output, and the type of its items.
_LISTS: dict[str, str] = {
    DESCRIBE_TRAILS: "trailList",
    METRIC_FILTERS: "metricFilters",
    ALARMS: "MetricAlarms",
    SUBSCRIPTIONS: "Subscriptions",
}

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


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def validate(data: object) -> list[str]:
    """Every reason ``data`` is not a snapshot (empty when it is one)."""
    if not isinstance(data, dict):
        return [f"expected a JSON object keyed by AWS CLI command, got {_type_name(data)}"]
    problems: list[str] = []
    known = [k for k in KEYS if k in data]
    if not known:
        problems.append(
            "none of the snapshot keys is present (expected e.g. "
            f"{DESCRIBE_TRAILS!r}, {METRIC_FILTERS!r})"
        )

    def check_output(where: str, key: str, output: object) -> None:
        if not isinstance(output, dict):
            problems.append(f"{where}: expected a command output object, got {_type_name(output)}")
            return
        list_key = _LISTS.get(key)
        if list_key is not None and list_key in output:
            items = output[list_key]
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                problems.append(f"{where}.{list_key}: expected an array of objects")

    for key in known:
        value = data[key]
        if key in KEYED:
            if not isinstance(value, dict):
                problems.append(
                    f"{key!r}: expected an object keyed by ARN or Region, got {_type_name(value)}"
                )
                continue
            for name, output in value.items():
                check_output(f"{key!r}[{name!r}]", key, output)
        else:
            check_output(repr(key), key, value)
    return problems


def from_data(data: object, source: str = "<snapshot>") -> Snapshot:
    problems = validate(data)
    if problems:
        raise SnapshotError(f"{source}: not a snapshot: {problems[0]}")
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
