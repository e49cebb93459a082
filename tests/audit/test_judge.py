"""Every branch of the judgement, one snapshot each (issue 7, "How it is checked")."""

from __future__ import annotations

from typing import Any

import pytest

from engine import catalog
from engine.audit.judge import ControlResult, alarm_fires, judge, management_events, metric_value
from engine.audit.snapshot import from_data

from . import builders as b

JSON = dict[str, Any]


def verdict(snap: JSON, control: str = b.ORG) -> ControlResult:
    return judge(from_data(snap), [catalog.get(control)])[0]


def messages(r: ControlResult, status: str | None = None) -> str:
    return "\n".join(
        f"{f.step}: {f.message}" for f in r.findings if status is None or f.status == status
    )


def test_passing_account_passes_every_control() -> None:
    results = judge(from_data(b.passing("*")), catalog.entries())
    assert len(results) == 15
    bad = {r.id: messages(r) for r in results if r.status != "PASS"}
    assert not bad


def test_every_step_is_a_finding_with_evidence() -> None:
    r = verdict(b.passing())
    steps = [f.step for f in r.findings]
    for step in ("trail", "event-selectors", "metric-filter", "metric-value", "alarm", "sns"):
        assert step in steps
    cover = next(f for f in r.findings if f.step == "metric-filter")
    assert cover.evidence["proved"] is True
    assert cover.evidence["filterPattern"] == catalog.get(b.ORG).pattern


# ---------------------------------------------------------------------------- trail


def test_single_region_trail_fails() -> None:
    snap = b.passing()
    snap["cloudtrail describe-trails"]["trailList"][0]["IsMultiRegionTrail"] = False
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "single-Region" in messages(r, "FAIL")


def test_trail_not_logging_fails() -> None:
    snap = b.passing()
    snap["cloudtrail get-trail-status"][b.TRAIL]["IsLogging"] = False
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "not logging" in messages(r, "FAIL")


def test_trail_without_log_group_fails() -> None:
    snap = b.passing()
    snap["cloudtrail describe-trails"]["trailList"] = [b.trail(group=None)]
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "CloudWatch Logs" in messages(r, "FAIL")


def test_no_trail_fails() -> None:
    snap = b.passing()
    snap["cloudtrail describe-trails"]["trailList"] = []
    assert verdict(snap).status == "FAIL"


def test_one_good_trail_is_enough() -> None:
    snap = b.passing()
    other = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/legacy"
    snap["cloudtrail describe-trails"]["trailList"].insert(
        0, b.trail(other, group=None, IsMultiRegionTrail=False)
    )
    snap["cloudtrail get-trail-status"][other] = {"IsLogging": False}
    snap["cloudtrail get-event-selectors"][other] = b.basic_selectors(other)
    r = verdict(snap)
    assert r.status == "PASS"
    assert any(f.status == "FAIL" and f.resource == other for f in r.findings)


# ---------------------------------------------------------------------------- selectors


@pytest.mark.parametrize(
    ("selectors", "status"),
    [
        (b.basic_selectors(), "PASS"),
        (b.basic_selectors(rw="ReadOnly"), "FAIL"),
        (b.basic_selectors(rw="WriteOnly"), "FAIL"),
        (b.basic_selectors(IncludeManagementEvents=False), "FAIL"),
        (b.advanced_selectors([{"Field": "eventCategory", "Equals": ["Management"]}]), "PASS"),
        (
            b.advanced_selectors(
                [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ]
            ),
            "FAIL",
        ),
        (
            b.advanced_selectors(
                [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["true"]},
                ],
                [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            ),
            "PASS",
        ),
        (
            b.advanced_selectors(
                [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ]
            ),
            "FAIL",
        ),
    ],
    ids=[
        "basic-all",
        "basic-read-only",
        "basic-write-only",
        "basic-no-management",
        "advanced-management",
        "advanced-write-only",
        "advanced-read-plus-write",
        "advanced-data-only",
    ],
)
def test_management_event_selectors(selectors: JSON, status: str) -> None:
    assert management_events(selectors)[0] == status
    snap = b.passing()
    snap["cloudtrail get-event-selectors"][b.TRAIL] = selectors
    assert verdict(snap).status == status


def test_excluded_kms_events() -> None:
    """Excluding KMS: fine for a control that names another source, fatal for the one
    that names KMS, unknown for one that names no source at all."""
    snap = b.passing(b.ORG, "cmk-disable-or-deletion", "root-usage")
    snap["cloudtrail get-event-selectors"][b.TRAIL] = b.basic_selectors(
        ExcludeManagementEventSources=["kms.amazonaws.com"]
    )
    assert verdict(snap, b.ORG).status == "PASS"
    r = verdict(snap, "cmk-disable-or-deletion")
    assert r.status == "FAIL"
    assert "kms.amazonaws.com" in messages(r, "FAIL")
    r = verdict(snap, "root-usage")
    assert r.status == "UNKNOWN"
    assert "does not say which service" in messages(r, "UNKNOWN")


def test_a_filter_matching_nearly_everything_monitors_nothing() -> None:
    """The CIS v1.3-v1.5 text of 4.1 joins all four clauses with ||: it covers the
    Organizations control, yet matches events outside its bound, so it does not count."""
    snap = b.passing()
    b.org_filter(snap)["filterPattern"] = catalog.resolve("4.1@1.4.0").pattern
    r = verdict(snap, b.ORG)
    assert r.status == "FAIL"
    assert "matches events outside the control" in messages(r, "FAIL")


def with_filter(control: str, pattern: str) -> JSON:
    """A passing account for ``control`` whose filter has ``pattern``."""
    snap = b.passing(control)
    (f,) = b.filters(snap)
    f["filterPattern"] = pattern
    return snap


def failing_filter(r: ControlResult) -> str:
    return next(
        f.message for f in r.findings if f.step == "metric-filter" and "filterPattern" in f.evidence
    )


UNAUTH = "unauthorized-api-calls"
MISSES = "misses events the control is for"
OUTSIDE = "matches events outside the control"
EVERYTHING = "matches every event"
ALL_EVENTS = ""  # the empty pattern: CloudWatch matches every event
# Per control: filters that pass the default (intent) audit, and filters that fail it with
# the reason.  4.1: the Security Hub text, the v2.0+ text (grouped by precedence), the intent.
PASSING = {
    UNAUTH: [
        catalog.get(UNAUTH).security_hub_pattern,
        catalog.resolve("4.1@2.0.0").pattern,
        catalog.resolve("5.1@6.0.0").pattern,
        catalog.get(UNAUTH).pattern,
        catalog.resolve("4.1@nozaq").pattern,
    ],
    "organizations-changes": [
        catalog.get("organizations-changes").pattern,
        catalog.resolve("4.15@1.3.0").pattern,
        catalog.resolve("4.15@prowler").pattern,
    ],
    "iam-policy-changes": [
        catalog.get("iam-policy-changes").pattern,
        catalog.resolve("4.4@1.4.0").pattern,
        catalog.get("iam-policy-changes").security_hub_pattern,
    ],
    "root-usage": [
        catalog.get("root-usage").pattern,
        catalog.get("root-usage").security_hub_pattern,
    ],
}
FAILING = {
    UNAUTH: [
        ('{ $.errorCode = "*UnauthorizedOperation" }', MISSES, {"errorCode"}),  # no AccessDenied*
        (catalog.resolve("4.1@1.4.0").pattern, OUTSIDE, set()),  # exclusions joined by ||
        ('{ ($.sourceIPAddress != "delivery.logs.amazonaws.com") '
         '&& ($.eventName != "HeadBucket") }', OUTSIDE, set()),  # the exclusions alone
        (ALL_EVENTS, EVERYTHING, set()),
    ],
    "organizations-changes": [
        (catalog.get("organizations-changes").pattern.replace(
            '($.eventName = "MoveAccount") || ', ""), MISSES, {"eventName"}),
        ('{ ($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") '
         '|| ($.eventName = "CreateAccount") }', MISSES, set()),
        ("{ $.eventName = * }", OUTSIDE, set()),  # every named event, not Organizations'
        (ALL_EVENTS, EVERYTHING, set()),
    ],
    "iam-policy-changes": [
        (catalog.get("iam-policy-changes").pattern.replace(
            " || ($.eventName = PutUserPolicy)", ""), MISSES, {"eventName"}),
        ("{ ($.eventSource = iam.amazonaws.com) || ($.eventSource = iot.amazonaws.com) }",
         OUTSIDE, set()),
        (ALL_EVENTS, EVERYTHING, set()),
    ],
    "root-usage": [
        ('{ $.userIdentity.type = "Root" && $.eventType = "AwsApiCall" }', MISSES,
         {"eventType"}),  # misses the root console sign-in (AwsConsoleSignIn)
        ('{ $.userIdentity.invokedBy NOT EXISTS }', OUTSIDE, set()),
        (ALL_EVENTS, EVERYTHING, set()),
    ],
}  # fmt: skip


@pytest.mark.parametrize(("control", "pattern"), [(c, p) for c, ps in PASSING.items() for p in ps])
def test_filters_that_cover_the_intent_pass(control: str, pattern: str) -> None:
    r = verdict(with_filter(control, pattern), control)
    assert r.status == "PASS", messages(r)
    assert r.reference["label"] == "intent"


@pytest.mark.parametrize(
    ("control", "pattern", "reason", "keys"),
    [(c, p, why, keys) for c, cases in FAILING.items() for p, why, keys in cases],
)
def test_filters_fail_with_the_reason(
    control: str, pattern: str, reason: str, keys: set[str]
) -> None:
    r = verdict(with_filter(control, pattern), control)
    assert r.status == "FAIL"
    assert reason in failing_filter(r), messages(r)
    f = next(f for f in r.findings if f.step == "metric-filter" and "filterPattern" in f.evidence)
    if reason == EVERYTHING:
        assert f.evidence["matches_everything"] is True
    else:
        assert keys <= set(f.evidence["counterexample"])


def test_missing_access_denied_shows_an_access_denied_event() -> None:
    r = verdict(with_filter(UNAUTH, '{ $.errorCode = "*UnauthorizedOperation" }'), UNAUTH)
    f = next(f for f in r.findings if "counterexample" in f.evidence)
    assert f.evidence["counterexample"]["errorCode"].startswith("AccessDenied")


def test_security_hub_text_fails_against_the_v1_4_published_text() -> None:
    """As a text auditor would: against the v1.4.0 text (all ||) the Security Hub filter
    misses an ordinary event, and the report carries that text's defect."""
    ref = catalog.resolve("unauthorized-api-calls@1.4.0")
    snap = with_filter(UNAUTH, catalog.get(UNAUTH).security_hub_pattern or "")
    (r,) = judge(from_data(snap), [ref])
    assert r.status == "FAIL"
    assert r.reference["label"] == "CIS v1.3.0–v1.5.0 published text"
    assert "All four clauses joined by ||" in r.reference["defect"]
    f = next(f for f in r.findings if "counterexample" in f.evidence)
    assert "errorCode" not in f.evidence["counterexample"]


def test_the_v1_4_text_passes_against_itself() -> None:
    ref = catalog.resolve("unauthorized-api-calls@1.4.0")
    (r,) = judge(from_data(with_filter(UNAUTH, ref.pattern)), [ref])
    assert r.status == "PASS"  # no bound when judging against a published text


def test_an_invalid_published_text_is_unknown_with_its_defect() -> None:
    ref = catalog.resolve("organizations-changes@6.0.0")
    (r,) = judge(from_data(b.passing()), [ref])
    assert r.status == "UNKNOWN"
    (f,) = r.findings
    assert f.step == "reference" and "not a valid filter pattern" in f.message
    assert "opening double quote" in f.evidence["defect"]


# ---------------------------------------------------------------------------- visibility


def test_organization_trail_from_a_member_account_is_unknown() -> None:
    mgmt = "999988887777"
    org_trail = f"arn:aws:cloudtrail:us-east-1:{mgmt}:trail/org"
    group = f"arn:aws:logs:us-east-1:{mgmt}:log-group:aws-controltower/CloudTrailLogs:*"
    snap = b.passing()
    snap["cloudtrail describe-trails"]["trailList"] = [
        b.trail(org_trail, group=group, IsOrganizationTrail=True)
    ]
    snap["cloudtrail get-trail-status"] = {org_trail: {"IsLogging": True}}
    snap["cloudtrail get-event-selectors"] = {org_trail: b.basic_selectors(org_trail)}
    r = verdict(snap)
    assert r.status == "UNKNOWN"
    text = messages(r, "UNKNOWN")
    assert "organization trail" in text and mgmt in text


@pytest.mark.parametrize(
    "key",
    [
        "cloudtrail describe-trails",
        "cloudtrail get-trail-status",
        "cloudtrail get-event-selectors",
        "logs describe-metric-filters",
        "cloudwatch describe-alarms",
        "sns list-subscriptions-by-topic",
    ],
)
def test_missing_snapshot_key_is_unknown_never_pass(key: str) -> None:
    snap = b.passing()
    del snap[key]
    r = verdict(snap)
    assert r.status == "UNKNOWN"
    assert key in messages(r, "UNKNOWN")


# ---------------------------------------------------------------------------- filter


def test_filter_on_another_log_group_does_not_count() -> None:
    snap = b.passing()
    b.org_filter(snap)["logGroupName"] = "some/other/group"
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "some/other/group" in messages(r, "FAIL")


def test_missing_event_name_fails_with_counterexample() -> None:
    pattern = catalog.get(b.ORG).pattern.replace('($.eventName = "MoveAccount") || ', "")
    r = verdict(b.with_org_pattern(pattern))
    assert r.status == "FAIL"
    f = next(f for f in r.findings if "counterexample" in f.evidence)
    assert f.evidence["counterexample"]["eventName"] == "MoveAccount"


def test_reordered_and_stronger_patterns_pass() -> None:
    names = sorted(catalog.get(b.ORG).pattern.split('"')[1::2], reverse=True)
    names += ["CancelHandshake", "CreateOrganization", "EnableAllFeatures"]
    ors = " || ".join(f'($.eventName = "{n}")' for n in names)
    pattern = f'{{ (({ors})) && ($.eventSource = "organizations.amazonaws.com") }}'
    assert verdict(b.with_org_pattern(pattern)).status == "PASS"


def test_extra_restriction_fails() -> None:
    pattern = catalog.get(b.ORG).pattern[:-1] + ' && ($.awsRegion = "us-east-1") }'
    assert verdict(b.with_org_pattern(pattern)).status == "FAIL"


def test_invalid_filter_pattern_fails() -> None:
    assert verdict(b.with_org_pattern("{ $.eventSource = ")).status == "FAIL"


# ---------------------------------------------------------------------------- metric value


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("1", "PASS"),
        ("2.5", "PASS"),
        ("0", "FAIL"),
        ("-1", "FAIL"),
        ("one", "FAIL"),
        ("$.requestParameters.count", "UNKNOWN"),
    ],
)
def test_metric_value(value: str, status: str) -> None:
    assert metric_value(value)[0] == status
    snap = b.passing()
    b.org_filter(snap)["metricTransformations"][0]["metricValue"] = value
    assert verdict(snap).status == status


# ---------------------------------------------------------------------------- alarm


def test_namespace_mismatch_fails() -> None:
    snap = b.passing()
    b.org_alarm(snap)["Namespace"] = "LogMetrics"
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "LogMetrics" in messages(r, "FAIL")


def test_disabled_actions_fail() -> None:
    snap = b.passing()
    b.org_alarm(snap)["ActionsEnabled"] = False
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "disabled" in messages(r, "FAIL")


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "PASS"),
        ({"Threshold": 2.0}, "FAIL"),
        ({"ComparisonOperator": "GreaterThanThreshold"}, "FAIL"),
        ({"ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0}, "PASS"),
        ({"Statistic": "Maximum"}, "PASS"),
        ({"Statistic": "SampleCount"}, "PASS"),
        ({"Statistic": "Average"}, "PASS"),
        ({"ComparisonOperator": "LessThanThreshold"}, "FAIL"),
        ({"DatapointsToAlarm": 2, "EvaluationPeriods": 3}, "FAIL"),
        ({"Dimensions": [{"Name": "Region", "Value": "us-east-1"}]}, "FAIL"),
        ({"Unit": "Seconds"}, "FAIL"),
        ({"AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"]}, "FAIL"),
    ],
    ids=[
        "cis",
        "threshold-unreachable",
        "strictly-greater-than-one",
        "greater-than-zero",
        "maximum",
        "samplecount",
        "average",
        "less-than",
        "two-datapoints",
        "alarm-dimensions",
        "unit-mismatch",
        "no-sns-action",
    ],
)
def test_alarm_fires_on_one_event(changes: JSON, status: str) -> None:
    snap = b.passing()
    b.org_alarm(snap).update(changes)
    r = verdict(snap)
    assert r.status == status, messages(r)


def test_average_with_default_value_fails() -> None:
    st, msg, _ = alarm_fires(b.alarm("M", Statistic="Average"), 1.0, has_default=True)
    assert st == "FAIL" and "default value" in msg


def test_no_alarm_on_metric_fails() -> None:
    snap = b.passing()
    b.org_alarm(snap)["MetricName"] = "SomethingElse"
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "no alarm" in messages(r, "FAIL")


# ---------------------------------------------------------------------------- SNS


def test_pending_subscription_fails() -> None:
    snap = b.passing()
    snap["sns list-subscriptions-by-topic"][b.TOPIC]["Subscriptions"] = [
        b.subscription(confirmed=False)
    ]
    r = verdict(snap)
    assert r.status == "FAIL"
    assert "PendingConfirmation" in messages(r, "FAIL")


def test_one_confirmed_subscription_among_pending_passes() -> None:
    snap = b.passing()
    snap["sns list-subscriptions-by-topic"][b.TOPIC]["Subscriptions"] = [
        b.subscription(confirmed=False),
        b.subscription(),
    ]
    assert verdict(snap).status == "PASS"


def test_topic_without_subscriptions_fails() -> None:
    snap = b.passing()
    snap["sns list-subscriptions-by-topic"][b.TOPIC]["Subscriptions"] = []
    assert verdict(snap).status == "FAIL"


def test_unproved_cover_is_said_in_the_evidence() -> None:
    """A term filter covers the published text, but the prover only searches for a
    counterexample across pattern kinds: the finding says it is not proved."""
    ref = catalog.resolve("organizations-changes@2.0.0")  # no bound: only the cover counts
    (r,) = judge(from_data(b.with_org_pattern('"organizations.amazonaws.com"')), [ref])
    assert r.status == "PASS", messages(r)
    f = next(f for f in r.findings if f.step == "metric-filter")
    assert f.evidence["proved"] is False
    assert "not proved" in f.message


def test_a_match_all_filter_matches_every_event() -> None:
    r = verdict(b.with_org_pattern(""))
    assert r.status == "FAIL"
    assert EVERYTHING in messages(r, "FAIL")
