"""Judge a CIS monitoring control against a snapshot, by meaning, every step a finding.

The walk (issue 7, after the CIS audit procedure)::

    trail            multi-Region, logging, all management events, a CloudWatch Logs group
     └ log group     its metric filters are visible in the snapshot
        └ filter     on that group, its pattern covers the control's reference (the
                     intent by default, or one version's published text) and, for the
                     intent, matches neither every event nor anything outside its bound
           └ value   one matching event publishes a positive value
              └ alarm  same metric name AND namespace, actions enabled, fires on one event
                 └ sns  a topic among the alarm actions with a confirmed subscription

A chain is PASS when every step passes, FAIL when some step fails, UNKNOWN when no
step fails but one cannot be seen (missing snapshot entry, a field-valued metric, a
prover that gave up).  A control is PASS when some chain passes, else UNKNOWN when
some chain is UNKNOWN, else FAIL.  UNKNOWN is never a pass.  A reference that is not
a valid pattern (a defective published text) makes the control UNKNOWN with one
``reference`` finding: nothing can cover it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.audit.snapshot import (
    ALARMS,
    DESCRIBE_TRAILS,
    EVENT_SELECTORS,
    METRIC_FILTERS,
    SUBSCRIPTIONS,
    TRAIL_STATUS,
    Snapshot,
)
from engine.pattern import aws

Status = Literal["PASS", "FAIL", "UNKNOWN"]
JSON = dict[str, Any]

_RANK: dict[Status, int] = {"PASS": 0, "UNKNOWN": 1, "FAIL": 2}


def worst(statuses: Iterable[Status]) -> Status:
    """All steps of a chain must pass: the worst one decides."""
    out: Status = "PASS"
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


def best(statuses: Iterable[Status], empty: Status = "FAIL") -> Status:
    """One alternative suffices: the best one decides."""
    items = list(statuses)
    if not items:
        return empty
    return min(items, key=lambda s: _RANK[s])


class Control(Protocol):
    """What the judge needs from a catalog entry."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def pattern(self) -> str: ...


def _bound(control: Control) -> str | None:
    """The broadest filter accepted (a catalog reference to the intent has one; a
    published text, judged as its own auditors judge it, has none)."""
    b = getattr(control, "bound", None)
    if b is None:
        intent = getattr(control, "intent", None)  # a catalog Entry: its intent's bound
        b = getattr(intent, "bound", None)
    return b if isinstance(b, str) else None


def _label(control: Control) -> str:
    label = getattr(control, "label", None)
    return label if isinstance(label, str) else "intent"


def reference(control: Control) -> JSON:
    """What the control was judged against, for the report."""
    describe = getattr(control, "describe", None)
    if callable(describe):
        out = describe()
        if isinstance(out, dict):
            return out
    ref: JSON = {"label": _label(control), "pattern": control.pattern}
    if _bound(control) is not None:
        ref["bound"] = _bound(control)
    return ref


@dataclass(frozen=True)
class Finding:
    step: str
    status: Status
    resource: str
    message: str
    evidence: JSON = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {
            "step": self.step,
            "status": self.status,
            "resource": self.resource,
            "message": self.message,
            "evidence": self.evidence,
        }


@dataclass
class ControlResult:
    id: str
    title: str
    status: Status
    findings: list[Finding]
    reference: JSON = field(default_factory=dict)  # what the filters were judged against

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "reference": self.reference,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class CoverResult:
    """The part of :func:`engine.prove.covers`'s answer the judge uses."""

    holds: bool
    proved: bool
    counterexample: object
    error: str | None = None


CoversFn = Callable[[str, str], CoverResult]
EverythingFn = Callable[[str], bool | None]


def _default_everything() -> EverythingFn:
    cache: dict[str, bool | None] = {}

    def everything(p: str) -> bool | None:
        if p not in cache:
            try:
                from engine.prove import matches_everything

                cache[p] = matches_everything(p)
            except Exception:  # an unusable pattern is reported by the covers step
                cache[p] = None
        return cache[p]

    return everything


def _default_covers() -> CoversFn:
    cache: dict[tuple[str, str], CoverResult] = {}

    def covers(a: str, b: str) -> CoverResult:
        key = (a, b)
        if key not in cache:
            try:
                from engine.prove import covers as prove_covers

                r = prove_covers(a, b)
                cache[key] = CoverResult(
                    bool(r.holds), bool(getattr(r, "proved", True)), r.counterexample
                )
            except Exception as exc:  # the prover is a dependency we report on, not crash on
                cache[key] = CoverResult(False, False, None, f"{type(exc).__name__}: {exc}")
        return cache[key]

    return covers


def filter_verdict(
    pattern: str,
    control: Control,
    covers: CoversFn | None = None,
    everything: EverythingFn | None = None,
) -> tuple[bool, str, JSON]:
    """Does a filter with this pattern monitor the control?  (ok, why, evidence).

    It must cover the control's reference (the intent, or a published text); for a
    reference with a bound (the intent) it must also not match every event and match
    nothing outside the bound.  The one home of this rule: the audit's metric-filter
    step and ``patterns show`` (each published text as a deployed filter) use it.
    """
    covers = covers or _default_covers()
    everything = everything or _default_everything()
    label = _label(control)
    ev: JSON = {"filterPattern": pattern, "control_pattern": control.pattern}
    if label != "intent":
        ev["reference"] = label
    r = covers(pattern, control.pattern)
    if r.error:
        ev["error"] = r.error
        return False, f"pattern not usable: {r.error}", ev
    ev["proved"] = r.proved
    if not r.holds:
        ev["counterexample"] = r.counterexample
        return (
            False,
            f"pattern does not cover the control's {label}: it misses events the control is "
            "for (the counterexample is one the control matches and the filter does not)",
            ev,
        )
    if everything(pattern):
        ev["matches_everything"] = True
        return (
            False,
            "pattern matches every event: its metric counts all API calls, not the control's "
            "events (an alarm on it fires all day)",
            ev,
        )
    bound = _bound(control)
    if bound is not None:
        ev["bound"] = bound
        rb = covers(bound, pattern)
        if not rb.error and not rb.holds:
            ev["counterexample"] = rb.counterexample
            return (
                False,
                "pattern matches events outside the control: the counterexample is one the "
                "filter matches and the control's bound (the broadest filter accepted) does not",
                ev,
            )
    msg = f"pattern covers the control's {label}"
    if bound is not None:
        msg += " and matches nothing outside its bound"
    if not r.proved:
        msg += " (not proved: the prover found no counterexample but gave no proof)"
    return True, msg, ev


# --------------------------------------------------------------------------- ARNs


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return None
        return cls(parts[2], parts[3], parts[4], parts[5])


def log_group_name(arn: str) -> str | None:
    """``arn:aws:logs:R:A:log-group:NAME:*`` -> ``NAME`` (names never contain ':')."""
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "logs":
        return None
    res = parsed.resource
    if not res.startswith("log-group:"):
        return None
    return res[len("log-group:") :].split(":", 1)[0]


# --------------------------------------------------------------------------- the judge


_MGMT_ALL = frozenset({True, False})


def management_events(selectors: JSON) -> tuple[Status, str, JSON]:
    """Does the trail capture all management events, read and write?

    Returns the status, a message and the excluded management event sources (in the
    evidence under ``excluded_sources``).
    """
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    covered: set[bool] = set()
    # An event source is missed only when every selector that captures management
    # events excludes it.
    exclusions: list[set[str]] = []
    ignored: list[str] = []
    if advanced:
        for sel in advanced:
            name = str(sel.get("Name") or "(unnamed)")
            fields = sel.get("FieldSelectors") or []
            category = [f for f in fields if f.get("Field") == "eventCategory"]
            if not any("Management" in (f.get("Equals") or []) for f in category):
                continue
            ro: set[bool] = set(_MGMT_ALL)
            restricted = False
            sources_out: set[str] = set()
            for f in fields:
                fname = f.get("Field")
                if fname == "eventCategory":
                    continue
                if fname == "readOnly":
                    if f.get("Equals"):
                        ro &= {str(v).lower() == "true" for v in f["Equals"]}
                    if f.get("NotEquals"):
                        ro -= {str(v).lower() == "true" for v in f["NotEquals"]}
                elif fname == "eventSource" and f.get("NotEquals") and len(f) == 2:
                    sources_out |= {str(v) for v in f["NotEquals"]}
                else:
                    restricted = True
            if restricted:
                ignored.append(f"{name}: restricted by fields other than readOnly")
                continue
            exclusions.append(sources_out)
            covered |= ro
        kind = "advanced"
    else:
        for sel in basic:
            if not sel.get("IncludeManagementEvents", True):
                continue
            rw = sel.get("ReadWriteType", "All")
            covered |= {"All": _MGMT_ALL, "ReadOnly": {True}, "WriteOnly": {False}}.get(rw, set())
            exclusions.append({str(s) for s in sel.get("ExcludeManagementEventSources") or []})
        kind = "basic"
    excluded = set.intersection(*exclusions) if exclusions else set()
    evidence: JSON = {
        "selectors": kind,
        "EventSelectors": basic,
        "AdvancedEventSelectors": advanced,
        "excluded_sources": sorted(excluded),
    }
    if ignored:
        evidence["ignored_selectors"] = ignored
    if covered == _MGMT_ALL:
        what = "all management events (read and write)"
        if kind == "advanced":
            return "PASS", f"advanced selectors capture {what}", evidence
        return "PASS", f"event selectors capture {what}", evidence
    if not covered:
        return "FAIL", f"{kind} event selectors capture no management events", evidence
    only = "read-only" if covered == {True} else "write-only"
    return "FAIL", f"{kind} event selectors capture only {only} management events", evidence


def metric_value(value: object) -> tuple[Status, float | None, str]:
    """The value one matching event publishes (the metric-value rules: engine.pattern.aws,
    the same ones ``metrics`` and ``lint`` apply)."""
    text = str(value).strip()
    try:
        parsed = aws.parse_metric_value(str(value))
    except aws.MetricRuleError as e:
        return "FAIL", None, f"{e.message}: CloudWatch Logs refuses it, no event is counted"
    if not isinstance(parsed, float):
        return (
            "UNKNOWN",
            None,
            f"metric value {text!r} publishes the event's field, whose value cannot be known "
            "here: one matching event may count zero or nothing",
        )
    if parsed <= 0:
        return "FAIL", parsed, f"metric value {text!r}: a matching event adds {text} to the metric"
    return "PASS", parsed, f"metric value {text!r}: each matching event adds {parsed:g}"


# One event can only push a statistic up: the operators a rising datapoint breaches.
_FIRES: dict[str, Callable[[float, float], bool]] = {
    op: aws.COMPARISONS[op] for op in aws.RISING_COMPARISONS
}


def alarm_fires(alarm: JSON, value: float | None, has_default: bool) -> tuple[Status, str, JSON]:
    """Does one matching event (value ``value``) put the alarm in ALARM within a period?"""
    stat = alarm.get("Statistic")
    ext = alarm.get("ExtendedStatistic")
    op = str(alarm.get("ComparisonOperator", ""))
    threshold = alarm.get("Threshold")
    m = alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods") or 1
    evidence: JSON = {
        "Statistic": stat or ext,
        "ComparisonOperator": op,
        "Threshold": threshold,
        "Period": alarm.get("Period"),
        "EvaluationPeriods": alarm.get("EvaluationPeriods"),
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm"),
    }
    if stat == "SampleCount":
        datapoint: float | None = 1.0
        how = "SampleCount of one event is 1"
    elif stat in ("Sum", "Maximum"):
        datapoint = value
        how = f"{stat} of one event is its value"
    elif stat in ("Average", "Minimum") or ext:
        if has_default:
            return (
                "FAIL",
                f"statistic {stat or ext}: the filter's default value publishes datapoints "
                "without events that pull it below one event's value",
                evidence,
            )
        datapoint = value
        how = f"{stat or ext} of events of one value is that value"
    else:
        return "FAIL", f"no statistic a single event drives (got {stat or ext!r})", evidence
    if op not in _FIRES:
        if op.startswith("LessThan") and "Upper" not in op:
            return "FAIL", f"{op}: more events make the alarm less likely to fire", evidence
        return "FAIL", f"{op or 'no comparison'}: not a fixed upper threshold", evidence
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        return "FAIL", "no numeric threshold", evidence
    if datapoint is None:
        return (
            "UNKNOWN",
            f"{how}, which depends on the event's field; cannot tell whether it reaches "
            f"{op} {threshold:g}",
            evidence,
        )
    evidence["datapoint"] = datapoint
    if not _FIRES[op](datapoint, float(threshold)):
        return (
            "FAIL",
            f"{how} = {datapoint:g}, which does not satisfy {op} {threshold:g}: "
            "one event cannot fire it",
            evidence,
        )
    if int(m) > 1:
        return (
            "FAIL",
            f"needs {m} breaching datapoints to alarm; one event makes one",
            evidence,
        )
    return "PASS", f"{how} = {datapoint:g}, {op} {threshold:g}: one event fires it", evidence


def _is_confirmed(sub: JSON) -> bool:
    arn = str(sub.get("SubscriptionArn") or "")
    return arn.startswith("arn:")


class Judge:
    def __init__(self, snapshot: Snapshot, covers: CoversFn | None = None) -> None:
        self.snap = snapshot
        self.covers = covers or _default_covers()
        self.everything = _default_everything()

    # ------------------------------------------------------------------ control

    def control(self, control: Control) -> ControlResult:
        findings: list[Finding] = []
        ref = reference(control)
        invalid = self._invalid_reference(control)
        if invalid is not None:
            return ControlResult(control.id, control.title, "UNKNOWN", [invalid], ref)
        trails = self.snap.trails()
        if trails is None:
            findings.append(
                Finding("trail", "UNKNOWN", "-", f"the snapshot has no {DESCRIBE_TRAILS!r}")
            )
            status: Status = "UNKNOWN"
        elif not trails:
            findings.append(Finding("trail", "FAIL", "-", "no CloudTrail trail in the snapshot"))
            status = "FAIL"
        else:
            status = best(self._trail(t, control, findings) for t in trails)
        return ControlResult(control.id, control.title, status, findings, ref)

    def _invalid_reference(self, control: Control) -> Finding | None:
        """A published text that is not a valid pattern (CIS v6.0.0's 4.15) cannot be
        covered by anything: say so instead of failing every filter."""
        import engine

        try:
            engine.compile(control.pattern)
        except engine.PatternError as exc:
            defect = getattr(control, "defect", None)
            msg = f"the {_label(control)} is not a valid filter pattern, so nothing can cover it"
            ev: JSON = {"pattern": control.pattern, "error": str(exc)}
            if defect:
                ev["defect"] = defect
            return Finding("reference", "UNKNOWN", control.id, msg, ev)
        return None

    # ------------------------------------------------------------------ trail

    def _trail(self, trail: JSON, control: Control, out: list[Finding]) -> Status:
        arn = str(trail.get("TrailARN") or trail.get("Name") or "?")
        steps: list[Status] = []

        def step(status: Status, message: str, evidence: JSON | None = None) -> None:
            steps.append(status)
            out.append(Finding("trail", status, arn, message, evidence or {}))

        if trail.get("IsMultiRegionTrail") is True:
            step("PASS", "multi-Region trail", {"IsMultiRegionTrail": True})
        else:
            step(
                "FAIL",
                f"single-Region trail (home Region {trail.get('HomeRegion')})",
                {"IsMultiRegionTrail": trail.get("IsMultiRegionTrail")},
            )

        status_out = self.snap.trail_status(arn)
        if status_out is None:
            step("UNKNOWN", f"no {TRAIL_STATUS!r} output for this trail in the snapshot")
        elif status_out.get("IsLogging") is True:
            step("PASS", "logging", {"IsLogging": True})
        else:
            step("FAIL", "not logging", {"IsLogging": status_out.get("IsLogging")})

        excluded: list[str] = []
        selectors = self.snap.event_selectors(arn)
        if selectors is None:
            step("UNKNOWN", f"no {EVENT_SELECTORS!r} output for this trail in the snapshot")
        else:
            st, msg, ev = management_events(selectors)
            excluded = list(ev.get("excluded_sources", []))
            out.append(Finding("event-selectors", st, arn, msg, ev))
            steps.append(st)
            if st == "PASS" and excluded:
                steps.append(self._excluded_sources(arn, excluded, control, out))

        group_arn = trail.get("CloudWatchLogsLogGroupArn")
        if not group_arn:
            step("FAIL", "does not deliver to CloudWatch Logs (no CloudWatchLogsLogGroupArn)")
            return worst(steps)
        step(
            "PASS",
            f"delivers to log group {log_group_name(str(group_arn))}",
            {"CloudWatchLogsLogGroupArn": group_arn},
        )
        steps.append(self._log_group(trail, str(group_arn), control, out))
        return worst(steps)

    def _excluded_sources(
        self, arn: str, excluded: list[str], control: Control, out: list[Finding]
    ) -> Status:
        """Excluded management event sources never reach the log group.

        PASS when the control's pattern cannot match an event from them (it names
        another source); FAIL when every event it matches comes from one of them (it
        names that source); UNKNOWN otherwise: the pattern does not say which service
        its events come from (event names alone do not: IAM and Organizations both have
        ``CreatePolicy``), so whether real events from the excluded sources would match
        cannot be told from the patterns.
        """
        names = ", ".join(excluded)
        outside = " && ".join(f'($.eventSource != "{s}")' for s in excluded)
        r = self.covers("{ " + outside + " }", control.pattern)
        ev: JSON = {"excluded_sources": excluded, "proved": r.proved}
        if r.error:
            ev["error"] = r.error
            msg = f"cannot tell whether the control matches events from {names}"
            out.append(Finding("event-selectors", "UNKNOWN", arn, msg, ev))
            return "UNKNOWN"
        if r.holds:
            msg = f"excludes {names}, whose events the control never matches"
            out.append(Finding("event-selectors", "PASS", arn, msg, ev))
            return "PASS"
        ev["counterexample"] = r.counterexample
        for source in excluded:
            inside = self.covers(f'{{ $.eventSource = "{source}" }}', control.pattern)
            if inside.holds and not inside.error:
                msg = f"excludes {source}, the only source of the events the control matches"
                out.append(Finding("event-selectors", "FAIL", arn, msg, ev))
                return "FAIL"
        msg = (
            f"excludes management events from {names}; the control's pattern does not say "
            "which service its events come from, so some it would match may never arrive"
        )
        out.append(Finding("event-selectors", "UNKNOWN", arn, msg, ev))
        return "UNKNOWN"

    # ------------------------------------------------------------------ log group

    def _log_group(
        self, trail: JSON, group_arn: str, control: Control, out: list[Finding]
    ) -> Status:
        parsed = Arn.parse(group_arn)
        name = log_group_name(group_arn)
        if parsed is None or name is None:
            out.append(Finding("log-group", "FAIL", group_arn, "not a log group ARN"))
            return "FAIL"
        filters = self.snap.metric_filters(group_arn)
        if filters is None:
            if self.snap.has(METRIC_FILTERS):
                why = f"{METRIC_FILTERS!r} has no entry for log group {name}"
            else:
                why = f"the snapshot has no {METRIC_FILTERS!r}"
            why += f" (account {parsed.account}): its metric filters cannot be seen"
            if trail.get("IsOrganizationTrail"):
                why += (
                    "; this is an organization trail: its log group belongs to the account "
                    "that owns the trail and cannot be read from a member account"
                )
            ev: JSON = {"missing": f"{METRIC_FILTERS!r}[{group_arn!r}]"}
            if not self.snap.has(METRIC_FILTERS):
                ev["missing"] = repr(METRIC_FILTERS)
            out.append(Finding("log-group", "UNKNOWN", group_arn, why, ev))
            return "UNKNOWN"

        on_group: list[JSON] = []
        for f in filters:
            other = f.get("logGroupName")
            if other is not None and other != name:
                out.append(
                    Finding(
                        "metric-filter",
                        "FAIL",
                        f"{other}/{f.get('filterName')}",
                        f"filter is on log group {other}, not on the trail's group {name}",
                        {"logGroupName": other, "filterPattern": f.get("filterPattern")},
                    )
                )
                continue
            on_group.append(f)

        statuses: list[Status] = []
        not_covering: list[Finding] = []
        for f in on_group:
            st = self._filter(f, name, parsed.region, control, out, not_covering)
            if st is not None:
                statuses.append(st)
        if not statuses:
            # Every filter's counterexample would drown the answer: show those meant for
            # this control (publishing its catalog metric name), or all of a few.
            metric = getattr(getattr(control, "metric", None), "name", None)
            meant = [f for f in not_covering if f.evidence.get("metricName") == metric]
            shown = meant or (not_covering if len(not_covering) <= 3 else [])
            out.extend(shown)
            out.append(
                Finding(
                    "metric-filter",
                    "FAIL",
                    group_arn,
                    f"none of the {len(on_group)} metric filters on {name} monitors the "
                    f"control: each misses events of its {_label(control)} or matches others",
                    {
                        "control_pattern": control.pattern,
                        "filters": [f.resource for f in not_covering],
                    },
                )
            )
            return "FAIL"
        return best(statuses)

    # ------------------------------------------------------------------ metric filter

    def _filter(
        self,
        f: JSON,
        group: str,
        region: str,
        control: Control,
        out: list[Finding],
        not_covering: list[Finding],
    ) -> Status | None:
        """The status of one filter's chain, or None when its pattern does not cover
        the control (its finding then goes to ``not_covering``)."""
        res = f"{group}/{f.get('filterName')}"
        pattern = str(f.get("filterPattern") or "")
        ok, msg, ev = filter_verdict(pattern, control, self.covers, self.everything)
        metrics = [t.get("metricName") for t in f.get("metricTransformations") or []]
        if metrics:
            ev["metricName"] = metrics[0]
        if not ok:
            not_covering.append(Finding("metric-filter", "FAIL", res, msg, ev))
            return None
        out.append(Finding("metric-filter", "PASS", res, msg, ev))

        transformations = f.get("metricTransformations") or []
        if not transformations:
            out.append(Finding("metric-value", "FAIL", res, "no metric transformation"))
            return "FAIL"
        return best(self._transformation(t, res, region, out) for t in transformations)

    def _transformation(self, t: JSON, res: str, region: str, out: list[Finding]) -> Status:
        st, value, msg = metric_value(t.get("metricValue", ""))
        ev: JSON = {
            "metricName": t.get("metricName"),
            "metricNamespace": t.get("metricNamespace"),
            "metricValue": t.get("metricValue"),
        }
        if "defaultValue" in t:
            ev["defaultValue"] = t["defaultValue"]
        out.append(Finding("metric-value", st, res, msg, ev))
        if st == "FAIL":
            return "FAIL"
        chain = [st]
        name, namespace = t.get("metricName"), t.get("metricNamespace")
        dims = t.get("dimensions") or {}
        alarms = self.snap.alarms(region)
        metric = f"{namespace}/{name}"
        if alarms is None:
            out.append(
                Finding(
                    "alarm",
                    "UNKNOWN",
                    metric,
                    f"no {ALARMS!r} output for Region {region} in the snapshot",
                )
            )
            return worst([*chain, "UNKNOWN"])
        on_metric = [a for a in alarms if a.get("MetricName") == name]
        matching = [a for a in on_metric if a.get("Namespace") == namespace]
        for a in on_metric:
            if a.get("Namespace") != namespace:
                out.append(
                    Finding(
                        "alarm",
                        "FAIL",
                        str(a.get("AlarmArn") or a.get("AlarmName")),
                        f"alarm watches {a.get('Namespace')}/{name}, the filter publishes to "
                        f"{namespace}/{name}",
                        {"Namespace": a.get("Namespace"), "metricNamespace": namespace},
                    )
                )
        if not matching:
            out.append(
                Finding(
                    "alarm",
                    "FAIL",
                    metric,
                    f"no alarm in {region} on metric {name} in namespace {namespace}",
                    {"alarms_in_region": len(alarms)},
                )
            )
            return "FAIL"
        has_default = t.get("defaultValue") is not None
        unit = t.get("unit")
        alarm_statuses = [self._alarm(a, value, has_default, dims, unit, out) for a in matching]
        return worst([*chain, best(alarm_statuses)])

    # ------------------------------------------------------------------ alarm and SNS

    def _alarm(
        self,
        a: JSON,
        value: float | None,
        has_default: bool,
        filter_dims: JSON,
        unit: object,
        out: list[Finding],
    ) -> Status:
        res = str(a.get("AlarmArn") or a.get("AlarmName"))
        steps: list[Status] = []

        def step(status: Status, message: str, evidence: JSON | None = None) -> None:
            steps.append(status)
            out.append(Finding("alarm", status, res, message, evidence or {}))

        if a.get("ActionsEnabled") is False:
            step("FAIL", "actions are disabled", {"ActionsEnabled": False})
        alarm_dims = {d.get("Name"): d.get("Value") for d in a.get("Dimensions") or []}
        if filter_dims:
            step(
                "FAIL",
                "the filter publishes one metric per dimension value; an alarm sees one of them "
                "at most",
                {"filter_dimensions": filter_dims, "alarm_dimensions": alarm_dims},
            )
        elif alarm_dims:
            step(
                "FAIL",
                "the alarm watches dimensions the filter never publishes",
                {"alarm_dimensions": alarm_dims},
            )
        alarm_unit = a.get("Unit")
        if alarm_unit and alarm_unit != (unit or "None"):
            step(
                "FAIL",
                f"the alarm watches unit {alarm_unit}, the filter publishes {unit or 'None'}",
                {"Unit": alarm_unit, "unit": unit},
            )
        st, msg, ev = alarm_fires(a, value, has_default)
        step(st, msg, ev)

        actions = [str(x) for x in a.get("AlarmActions") or []]
        topics = [x for x in actions if (Arn.parse(x) or Arn("", "", "", "")).service == "sns"]
        if not topics:
            step("FAIL", "no SNS topic among the alarm actions", {"AlarmActions": actions})
            return worst(steps)
        steps.append(best(self._topic(t, out) for t in topics))
        return worst(steps)

    def _topic(self, topic: str, out: list[Finding]) -> Status:
        subs = self.snap.subscriptions(topic)
        if subs is None:
            out.append(
                Finding(
                    "sns",
                    "UNKNOWN",
                    topic,
                    f"no {SUBSCRIPTIONS!r} output for this topic in the snapshot",
                )
            )
            return "UNKNOWN"
        confirmed = [s for s in subs if _is_confirmed(s)]
        ev: JSON = {
            "subscriptions": [
                {k: s.get(k) for k in ("Protocol", "Endpoint", "SubscriptionArn")} for s in subs
            ]
        }
        if confirmed:
            out.append(
                Finding("sns", "PASS", topic, f"{len(confirmed)} confirmed subscription(s)", ev)
            )
            return "PASS"
        if subs:
            msg = f"none of its {len(subs)} subscription(s) is confirmed (PendingConfirmation)"
        else:
            msg = "no subscriptions"
        out.append(Finding("sns", "FAIL", topic, msg, ev))
        return "FAIL"


def judge(
    snapshot: Snapshot, controls: Sequence[Control], covers: CoversFn | None = None
) -> list[ControlResult]:
    j = Judge(snapshot, covers)
    return [j.control(c) for c in controls]


def exit_code(results: Sequence[ControlResult]) -> int:
    """0 when every control passes; 1 when any fails or is UNKNOWN (not a pass)."""
    return 0 if all(r.status == "PASS" for r in results) else 1
