"""Today's auditors, reduced to how they judge CIS 4.15 (AWS Organizations changes).

Each function re-implements one tool's published check on a snapshot, closely enough
to reproduce its verdict.  Sources (read in the stored copies; see docs/audit.md):

prowler      prowler/providers/aws/services/cloudwatch/cloudwatch_log_metric_filter_aws_
             organizations_changes/*.py and cloudwatch/lib/metric_filters.py: an ordered
             regex over the pattern text requiring prowler's 21 event names in prowler's
             order, a filter on a trail's log group, an alarm whose MetricName equals the
             filter's metric name.  No check of Region scope, selectors, namespace, SNS.
steampipe    turbot/steampipe-mod-aws-compliance cis_v140 4.15 query: multi-Region,
             logging, a basic selector with ReadWriteType All, an ordered regex over the
             CIS 18 names (quotes optional), alarm metric_name = transformation name, a
             subscription row on an alarm-action topic (pending ones included).
cloudsploit  plugins/aws/cloudwatchlogs/monitoringMetrics.js: the filter text, all
             whitespace removed and lowercased, must equal its own pattern; no alarm check.
trivy        trivy-checks checks/cloud/aws/cloudwatch/require_org_changes_alarm.rego and
             lib trails: multi-Region + logging; the whitespace-stripped pattern contains
             "$.eventSource=organizations.amazonaws.com" (quoted or not); an alarm whose
             metric name equals the filter's *name*.
security hub no control for CIS 4.15 ("Automated checks that aren't supported").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine import catalog

JSON = dict[str, Any]

CIS_NAMES = [
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
]
PROWLER_NAMES = [
    "AcceptHandshake",
    "AttachPolicy",
    "CancelHandshake",
    "CreateAccount",
    "CreateOrganization",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "EnableAllFeatures",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "DetachPolicy",
    "DisablePolicyType",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdateOrganizationalUnit",
    "UpdatePolicy",
]

PROWLER_RE = (
    r"\$\.eventSource\s*=\s*.?organizations\.amazonaws\.com"
    + "".join(rf".+\$\.eventName\s*=\s*.?{n}" for n in PROWLER_NAMES)
    + ".?"
)
STEAMPIPE_RE = r"\s*\$\.eventSource\s*=\s*organizations.amazonaws.com" + "".join(
    rf'.+\$\.eventName\s*=\s*"?{n}"?' for n in CIS_NAMES
)
CLOUDSPLOIT_PATTERN = (
    "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(f"($.eventName = {n})" for n in CIS_NAMES)
    + ") }"
)
TRIVY_NEEDLES = [
    "$.eventSource = organizations.amazonaws.com",
    '$.eventSource = "organizations.amazonaws.com"',
]


def _variant(label: str) -> str:
    entry = catalog.get("organizations-changes")
    return next(v.pattern for v in entry.variants if label in v.versions[0])


def _trails(snap: JSON) -> list[JSON]:
    return list(snap.get("cloudtrail describe-trails", {}).get("trailList", []))


def _group_name(arn: str) -> str:
    return arn.split(":")[6]


def _filters(snap: JSON) -> list[JSON]:
    out: list[JSON] = []
    for listing in snap.get("logs describe-metric-filters", {}).values():
        out.extend(listing.get("metricFilters", []))
    return out


def _alarms(snap: JSON) -> list[JSON]:
    out: list[JSON] = []
    for listing in snap.get("cloudwatch describe-alarms", {}).values():
        out.extend(listing.get("MetricAlarms", []))
    return out


def _metric(f: JSON) -> str:
    return str(f["metricTransformations"][0]["metricName"])


def prowler(snap: JSON) -> str:
    groups = {
        _group_name(t["CloudWatchLogsLogGroupArn"])
        for t in _trails(snap)
        if t.get("CloudWatchLogsLogGroupArn")
    }
    status = "FAIL"
    for f in _filters(snap):
        if (
            f["logGroupName"] in groups
            and re.search(PROWLER_RE, f["filterPattern"], re.DOTALL)
            and any(a.get("MetricName") == _metric(f) for a in _alarms(snap))
        ):
            status = "PASS"
    return status


def steampipe(snap: JSON) -> str:
    status = snap.get("cloudtrail get-trail-status", {})
    selectors = snap.get("cloudtrail get-event-selectors", {})
    subs = snap.get("sns list-subscriptions-by-topic", {})
    for t in _trails(snap):
        arn = t["TrailARN"]
        if not (t.get("IsMultiRegionTrail") and status.get(arn, {}).get("IsLogging")):
            continue
        basic = selectors.get(arn, {}).get("EventSelectors") or []
        if not any(s.get("ReadWriteType") == "All" for s in basic):
            continue
        if not t.get("CloudWatchLogsLogGroupArn"):
            continue
        group = _group_name(t["CloudWatchLogsLogGroupArn"])
        for f in _filters(snap):
            if f["logGroupName"] != group or not re.search(STEAMPIPE_RE, f["filterPattern"]):
                continue
            for a in _alarms(snap):
                if a.get("MetricName") != _metric(f):
                    continue
                for topic in a.get("AlarmActions") or []:
                    if subs.get(topic, {}).get("Subscriptions"):
                        return "PASS"
    return "FAIL"


def cloudsploit(snap: JSON) -> str:
    def norm(s: str) -> str:
        return re.sub(r"\s+", "", s).lower()

    for t in _trails(snap):
        arn = t.get("CloudWatchLogsLogGroupArn")
        if not arn:
            continue
        group = arn[arn.index("log-group:") + 10 : arn.rindex(":")]
        on_group = [norm(f["filterPattern"]) for f in _filters(snap) if f["logGroupName"] == group]
        if norm(CLOUDSPLOIT_PATTERN) in on_group:
            return "PASS"
    return "FAIL"


def trivy(snap: JSON) -> str:
    status = snap.get("cloudtrail get-trail-status", {})

    def clean(s: str) -> str:
        return re.sub(r"[\n\t\r ]", "", s)

    for t in _trails(snap):
        if not (t.get("IsMultiRegionTrail") and status.get(t["TrailARN"], {}).get("IsLogging")):
            continue
        if not t.get("CloudWatchLogsLogGroupArn"):
            continue
        group = _group_name(t["CloudWatchLogsLogGroupArn"])
        for f in _filters(snap):
            if f["logGroupName"] != group:
                continue
            if not any(clean(n) in clean(f["filterPattern"]) for n in TRIVY_NEEDLES):
                continue
            if any(a.get("MetricName") == f["filterName"] for a in _alarms(snap)):
                return "PASS"
    return "FAIL"


def security_hub(snap: JSON) -> str:
    return "not checked"


AUDITORS: dict[str, Callable[[JSON], str]] = {
    "Prowler": prowler,
    "Steampipe": steampipe,
    "Cloudsploit": cloudsploit,
    "Trivy": trivy,
    "Security Hub": security_hub,
}

# The pattern each auditor accepts, for the rows that vary the trail, alarm or SNS
# topic instead of the pattern.
OWN_PATTERN: dict[str, Callable[[], str]] = {
    "Prowler": lambda: _variant("prowler"),
    "Steampipe": lambda: catalog.get("organizations-changes").pattern,
    "Cloudsploit": lambda: CLOUDSPLOIT_PATTERN,
    "Trivy": lambda: catalog.get("organizations-changes").pattern,
    "Security Hub": lambda: catalog.get("organizations-changes").pattern,
    "trailreplay": lambda: catalog.get("organizations-changes").pattern,
}
