"""Build a snapshot with boto3, read-only calls only.

Calls made (each the API behind the AWS CLI command the snapshot key names)::

    sts get-caller-identity                  which account we are (to skip foreign log groups)
    cloudtrail describe-trails               per requested Region (shadow trails included)
    cloudtrail get-trail-status              per trail, in its home Region
    cloudtrail get-event-selectors           per trail, in its home Region
    logs describe-metric-filters             per trail log group owned by this account
    cloudwatch describe-alarms               per log group Region (and requested Region)
    sns list-subscriptions-by-topic          per SNS topic among the alarm actions

Outputs are stored as the CLI prints them: pages merged, ``ResponseMetadata`` dropped,
timestamps as ISO 8601 text.  A call that fails leaves its entry out (the judge says
UNKNOWN) and a warning goes to ``warn``.  boto3 is the optional ``aws`` extra and is
imported only here, only when collecting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from engine.audit.judge import Arn, log_group_name
from engine.audit.snapshot import (
    ALARMS,
    DESCRIBE_TRAILS,
    EVENT_SELECTORS,
    METRIC_FILTERS,
    SUBSCRIPTIONS,
    TRAIL_STATUS,
)

JSON = dict[str, Any]


class CollectError(RuntimeError):
    """boto3 is missing, or the credentials/Region cannot be used at all."""


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def collect(
    regions: Sequence[str] = (),
    profile: str | None = None,
    endpoint_url: str | None = None,
    warn: Callable[[str], None] = lambda _m: None,
) -> JSON:
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise CollectError("boto3 is not installed: pip install 'trailreplay[aws]'") from None

    try:
        session = boto3.Session(profile_name=profile)
    except BotoCoreError as exc:
        raise CollectError(str(exc)) from None
    wanted = list(dict.fromkeys(regions)) or [session.region_name or "us-east-1"]
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        key = (service, region)
        if key not in clients:
            clients[key] = session.client(service, region_name=region, endpoint_url=endpoint_url)
        return clients[key]

    def call(what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any | None:
        try:
            return _clean(fn(*args, **kw))
        except (ClientError, BotoCoreError) as exc:
            warn(f"{what}: {exc}")
            return None

    def paginated(service: str, region: str, op: str, **kw: Any) -> Any:
        return client(service, region).get_paginator(op).paginate(**kw).build_full_result()

    account: str | None = None
    ident = call("sts get-caller-identity", client("sts", wanted[0]).get_caller_identity)
    if ident is not None:
        account = ident.get("Account")

    snapshot: JSON = {}
    trails: dict[str, JSON] = {}
    listed = False
    for region in wanted:
        out = call(
            f"cloudtrail describe-trails ({region})",
            client("cloudtrail", region).describe_trails,
            includeShadowTrails=True,
        )
        if out is None:
            continue
        listed = True
        for t in out.get("trailList", []):
            trails.setdefault(str(t.get("TrailARN")), t)
    if not listed:
        # Writing an empty trail list would read as "no trail" (FAIL), not "not seen".
        raise CollectError(
            f"cloudtrail describe-trails failed in every Region ({', '.join(wanted)}); "
            "check the credentials, profile and Region"
        )
    snapshot[DESCRIBE_TRAILS] = {"trailList": list(trails.values())}

    status: JSON = {}
    selectors: JSON = {}
    groups: dict[str, str] = {}  # log group ARN -> Region
    for arn, t in trails.items():
        home = str(t.get("HomeRegion") or wanted[0])
        ct = client("cloudtrail", home)
        s = call(f"cloudtrail get-trail-status {arn}", ct.get_trail_status, Name=arn)
        if s is not None:
            status[arn] = s
        e = call(f"cloudtrail get-event-selectors {arn}", ct.get_event_selectors, TrailName=arn)
        if e is not None:
            selectors[arn] = e
        group = t.get("CloudWatchLogsLogGroupArn")
        parsed = Arn.parse(str(group)) if group else None
        if group and parsed is not None:
            if account is not None and parsed.account != account:
                warn(
                    f"log group {group} belongs to account {parsed.account}, not {account}: "
                    "its metric filters cannot be read from here"
                )
                continue
            groups[str(group)] = parsed.region
    snapshot[TRAIL_STATUS] = status
    snapshot[EVENT_SELECTORS] = selectors

    filters: JSON = {}
    for group, region in groups.items():
        name = log_group_name(group)
        if name is None:
            continue
        out = call(
            f"logs describe-metric-filters {name} ({region})",
            paginated,
            "logs",
            region,
            "describe_metric_filters",
            logGroupName=name,
        )
        if out is not None:
            out.setdefault("metricFilters", [])
            filters[group] = {"metricFilters": out["metricFilters"]}
    snapshot[METRIC_FILTERS] = filters

    alarms: JSON = {}
    for region in dict.fromkeys([*groups.values(), *wanted]):
        out = call(
            f"cloudwatch describe-alarms ({region})",
            paginated,
            "cloudwatch",
            region,
            "describe_alarms",
        )
        if out is not None:
            out.setdefault("MetricAlarms", [])
            out.setdefault("CompositeAlarms", [])
            alarms[region] = {k: out[k] for k in ("MetricAlarms", "CompositeAlarms")}
    snapshot[ALARMS] = alarms

    topics: dict[str, str] = {}
    for out in alarms.values():
        for a in out["MetricAlarms"]:
            for action in a.get("AlarmActions") or []:
                parsed = Arn.parse(str(action))
                if parsed is not None and parsed.service == "sns":
                    topics[str(action)] = parsed.region
    subs: JSON = {}
    for topic, region in topics.items():
        out = call(
            f"sns list-subscriptions-by-topic {topic}",
            paginated,
            "sns",
            region,
            "list_subscriptions_by_topic",
            TopicArn=topic,
        )
        if out is not None:
            subs[topic] = {"Subscriptions": out.get("Subscriptions", [])}
    snapshot[SUBSCRIPTIONS] = subs
    return snapshot
