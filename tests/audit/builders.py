"""Snapshots for every branch of the judgement, built from one passing account.

``passing()`` is an account where every catalog control passes: one multi-Region
trail delivering to ``CloudTrail/main``, one metric filter per control with the CIS
pattern, one alarm per metric (Sum >= 1 over 300 s), one SNS topic with a confirmed
email subscription.  Tests mutate a copy.
"""

from __future__ import annotations

import copy
from typing import Any

from engine import catalog

ACCOUNT = "111122223333"
REGION = "us-east-1"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"
GROUP_NAME = "CloudTrail/main"
GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP_NAME}:*"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:cis-alarms"
ORG = "organizations-changes"

JSON = dict[str, Any]


def trail(arn: str = TRAIL, group: str | None = GROUP, **kw: Any) -> JSON:
    name = arn.rsplit("/", 1)[-1]
    out: JSON = {
        "Name": name,
        "S3BucketName": "aws-cloudtrail-logs-111122223333",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": REGION,
        "TrailARN": arn,
        "LogFileValidationEnabled": True,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }
    if group:
        out["CloudWatchLogsLogGroupArn"] = group
        out["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs"
    out.update(kw)
    return out


def basic_selectors(arn: str = TRAIL, rw: str = "All", **kw: Any) -> JSON:
    sel: JSON = {
        "ReadWriteType": rw,
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
    sel.update(kw)
    return {"TrailARN": arn, "EventSelectors": [sel]}


def advanced_selectors(*field_sets: list[JSON], arn: str = TRAIL) -> JSON:
    return {
        "TrailARN": arn,
        "AdvancedEventSelectors": [
            {"Name": f"selector {i}", "FieldSelectors": fs} for i, fs in enumerate(field_sets)
        ],
    }


def metric_filter(
    name: str, pattern: str, metric: str, value: str = "1", group: str = GROUP_NAME, **kw: Any
) -> JSON:
    tr: JSON = {"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": value}
    tr.update(kw)
    return {
        "filterName": name,
        "filterPattern": pattern,
        "metricTransformations": [tr],
        "creationTime": 1700000000000,
        "logGroupName": group,
    }


def alarm(metric: str, **kw: Any) -> JSON:
    out: JSON = {
        "AlarmName": f"CIS-{metric}",
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:CIS-{metric}",
        "ActionsEnabled": True,
        "OKActions": [],
        "AlarmActions": [TOPIC],
        "InsufficientDataActions": [],
        "StateValue": "OK",
        "MetricName": metric,
        "Namespace": "CISBenchmark",
        "Statistic": "Sum",
        "Dimensions": [],
        "Period": 300,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    out.update(kw)
    return out


def subscription(topic: str = TOPIC, confirmed: bool = True) -> JSON:
    return {
        "SubscriptionArn": f"{topic}:0b6941a5-8d8c-4a1e-9c39-0f5a4c6b2f11"
        if confirmed
        else "PendingConfirmation",
        "Owner": ACCOUNT,
        "Protocol": "email",
        "Endpoint": "security@example.com",
        "TopicArn": topic,
    }


def passing(*controls: str) -> JSON:
    """Every control passes; with ``controls``, only their filters and alarms exist.

    The default is the Organizations control alone: the CIS v1.3-v1.5 text of 4.1
    (unauthorized API calls) matches nearly every event, so its filter covers every
    other control and would hide the branch under test.
    """
    ids = controls or (ORG,)
    entries = catalog.entries() if ids == ("*",) else [catalog.get(c) for c in ids]
    return {
        "cloudtrail describe-trails": {"trailList": [trail()]},
        "cloudtrail get-trail-status": {
            TRAIL: {"IsLogging": True, "LatestDeliveryTime": "2026-11-27T10:00:00Z"}
        },
        "cloudtrail get-event-selectors": {TRAIL: basic_selectors()},
        "logs describe-metric-filters": {
            GROUP: {
                "metricFilters": [
                    metric_filter(e.metric.name, e.pattern, e.metric.name) for e in entries
                ]
            }
        },
        "cloudwatch describe-alarms": {
            REGION: {"MetricAlarms": [alarm(e.metric.name) for e in entries], "CompositeAlarms": []}
        },
        "sns list-subscriptions-by-topic": {TOPIC: {"Subscriptions": [subscription()]}},
    }


def org_metric() -> str:
    return catalog.get(ORG).metric.name


def filters(snap: JSON) -> list[JSON]:
    out: list[JSON] = snap["logs describe-metric-filters"][GROUP]["metricFilters"]
    return out


def org_filter(snap: JSON) -> JSON:
    return next(f for f in filters(snap) if f["filterName"] == org_metric())


def org_alarm(snap: JSON) -> JSON:
    alarms = snap["cloudwatch describe-alarms"][REGION]["MetricAlarms"]
    return next(a for a in alarms if a["MetricName"] == org_metric())


def with_org_pattern(pattern: str) -> JSON:
    snap = passing()
    org_filter(snap)["filterPattern"] = pattern
    return snap


def clone(snap: JSON) -> JSON:
    return copy.deepcopy(snap)
