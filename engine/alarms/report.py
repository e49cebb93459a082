"""Metric and alarm replays as plain data (JSON-ready dicts) and text tables."""

from __future__ import annotations

import math
from typing import Any

from engine.alarms.alarm import AlarmTimeline, iso
from engine.alarms.metrics import STATISTICS, EventRef, MetricReplay, Stats
from engine.inert import inert


def _num(v: float) -> float | int | None:
    if not math.isfinite(v):
        return None
    return int(v) if v == int(v) and abs(v) < 2**53 else v


def stats_dict(st: Stats) -> dict[str, float | int | None]:
    return {s: _num(st.get(s)) for s in STATISTICS}


def summary(mr: MetricReplay) -> dict[str, Any]:
    return {
        "records": mr.records,
        "matched": mr.matched,
        "published": mr.published,
        "default_values": mr.defaults,
        "skipped_non_numeric": mr.non_numeric,
        "skipped_missing_dimension": mr.missing_dimension,
        "skipped_no_event_time": mr.no_time,
        "skipped_over_256kb": mr.undelivered,
        "first_event": iso(mr.first_time) if mr.first_time is not None else None,
        "last_event": iso(mr.last_time) if mr.last_time is not None else None,
    }


def metrics_report(mr: MetricReplay) -> dict[str, Any]:
    t = mr.transformation
    return {
        "metric": {
            "name": t.metric_name,
            "namespace": t.namespace,
            "value": t.metric_value,
            "default_value": t.default_value,
            "dimensions": {n: r for n, r in t.dimensions},
            "unit": t.unit,
        },
        "period": mr.period,
        "datapoints": [
            {"timestamp": iso(slot), "dimensions": dict(dims), **stats_dict(st)}
            for dims, slot, st in mr.datapoints()
        ],
        "summary": summary(mr),
    }


def event_dict(e: EventRef) -> dict[str, Any]:
    return {
        "time": e.time,
        "principal": e.principal,
        "eventName": e.event_name,
        "sourceIPAddress": e.source_ip,
        "value": _num(e.value),
        "source": e.source,
        "index": e.index,
    }


def alarm_report(mr: MetricReplay, tl: AlarmTimeline, *, name: str = "") -> dict[str, Any]:
    spec = tl.spec
    stats = mr.series.get((), {})
    events = mr.events.get((), {})

    def point(slot: int) -> dict[str, Any]:
        st = stats.get(slot)
        return {
            "timestamp": iso(slot),
            "value": _num(st.get(spec.statistic)) if st else None,
            "sample_count": st.sample_count if st else 0,
            "events": [event_dict(e) for e in events.get(slot, [])],
        }

    return {
        "alarm": {
            "metric": name or mr.transformation.metric_name,
            "statistic": spec.statistic,
            "period": spec.period,
            "threshold": spec.threshold,
            "comparison": spec.comparison,
            "evaluation_periods": spec.evaluation_periods,
            "datapoints_to_alarm": spec.m,
            "treat_missing_data": spec.treat_missing_data,
            "evaluation_range": spec.range_size,
        },
        "transitions": [
            {"time": iso(t.time), "from": t.old, "to": t.new, "period": iso(t.slot)}
            for t in tl.transitions
        ],
        "alarm_periods": [
            {
                "start": iso(sp.start),
                "end": iso(sp.end) if sp.end is not None else None,
                "breaching_datapoints": [point(s) for s in sp.breaching_slots],
            }
            for sp in tl.spans
        ],
        "final_state": tl.final_state,
        "summary": summary(mr),
    }


def metrics_table(report: dict[str, Any]) -> str:
    rows = report["datapoints"]
    dim_names = sorted({k for r in rows for k in r["dimensions"]})
    header = ["timestamp", *dim_names, *STATISTICS]
    body = [
        [
            r["timestamp"],
            *(r["dimensions"].get(d, "") for d in dim_names),
            *(_fmt(r[s]) for s in STATISTICS),
        ]
        for r in rows
    ]
    return _table(header, body)


def alarm_text(report: dict[str, Any]) -> str:
    a = report["alarm"]
    # Two short lines rather than one of 100 columns: this is read in 80-column terminals.
    out = [
        f"alarm on {a['metric']}: {a['statistic']} {_op(a['comparison'])} {_fmt(a['threshold'])} "
        f"per {a['period']} s, {a['datapoints_to_alarm']} of {a['evaluation_periods']} "
        "datapoints",
        f"missing data: {a['treat_missing_data']}, evaluation range {a['evaluation_range']}",
    ]
    spans = {p["start"]: p for p in report["alarm_periods"]}
    for t in report["transitions"]:
        out.append(f"{t['time']}  {t['from']} -> {t['to']}")
        sp = spans.get(t["time"]) if t["to"] == "ALARM" else None
        if sp:
            for dp in sp["breaching_datapoints"]:
                out.append(
                    f"    datapoint {dp['timestamp']}  {a['statistic']}={_fmt(dp['value'])}"
                    f"  ({dp['sample_count']} event(s))"
                )
                for e in dp["events"]:
                    who = _short_arn(e["principal"])
                    fields = (e["time"], who, e["eventName"], e["sourceIPAddress"])
                    # Record fields are untrusted: shown inert, never as terminal controls.
                    out.append("      " + "  ".join(inert(str(f or "-")) for f in fields))
                shown = len(dp["events"])
                if dp["sample_count"] > shown:
                    out.append(f"      ... {dp['sample_count'] - shown} more")
    n = len(report["alarm_periods"])
    out.append(f"{n} alarm period(s); final state {report['final_state']}")
    return "\n".join(out) + "\n"


def _short_arn(principal: Any) -> Any:
    """``arn:aws:iam::111122223333:root`` -> ``111122223333:root`` (the JSON keeps the ARN):
    the partition and service add nothing a person needs, and the line fits 80 columns."""
    if not isinstance(principal, str) or not principal.startswith("arn:"):
        return principal
    parts = principal.split(":", 5)
    if len(parts) < 6:
        return principal
    return f"{parts[4]}:{parts[5]}" if parts[4] else parts[5]


def _op(c: str) -> str:
    return {
        "GreaterThanOrEqualToThreshold": ">=",
        "GreaterThanThreshold": ">",
        "LessThanThreshold": "<",
        "LessThanOrEqualToThreshold": "<=",
    }.get(c, c)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _table(header: list[str], rows: list[list[str]]) -> str:
    # Dimension values come from records: untrusted, shown inert.
    header = [inert(h) for h in header]
    rows = [[inert(c) for c in r] for r in rows]
    widths = [len(h) for h in header]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(header)).rstrip()]
    for r in rows:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines) + "\n"
