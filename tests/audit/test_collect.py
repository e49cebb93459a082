"""``trailreplay audit collect`` against a moto server on 127.0.0.1 (no real AWS)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import catalog
from engine.audit.judge import judge
from engine.audit.snapshot import from_data, load
from engine.cli.main import app
from tests.runner import CliRunner

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

REGION = "us-east-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # never read the developer's real config
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def _build_account(endpoint: str) -> dict[str, str]:
    """A trail to a log group, the CIS Organizations filter, its alarm, a topic."""
    s3 = _client("s3", endpoint)
    logs = _client("logs", endpoint)
    ct = _client("cloudtrail", endpoint)
    cw = _client("cloudwatch", endpoint)
    sns = _client("sns", endpoint)
    iam = _client("iam", endpoint)
    s3.create_bucket(Bucket="trail-bucket")
    logs.create_log_group(logGroupName="CloudTrail/main")
    group_arn = next(
        g["arn"]
        for g in logs.describe_log_groups()["logGroups"]
        if g["logGroupName"] == "CloudTrail/main"
    )
    role = iam.create_role(RoleName="ct-logs", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    trail = ct.create_trail(
        Name="main",
        S3BucketName="trail-bucket",
        IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role,
    )["TrailARN"]
    ct.start_logging(Name="main")
    ct.put_event_selectors(
        TrailName="main",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    entry = catalog.get("organizations-changes")
    logs.put_metric_filter(
        logGroupName="CloudTrail/main",
        filterName="OrganizationsChanges",
        filterPattern=entry.pattern,
        metricTransformations=[
            {
                "metricName": "OrganizationsChanges",
                "metricNamespace": "CISBenchmark",
                "metricValue": "1",
            }
        ],
    )
    topic = sns.create_topic(Name="cis-alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:123456789012:q")
    cw.put_metric_alarm(
        AlarmName="CIS-OrganizationsChanges",
        MetricName="OrganizationsChanges",
        Namespace="CISBenchmark",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    return {"trail": trail, "group": group_arn, "topic": topic}


@pytest.mark.slow
def test_collect_builds_the_snapshot_format(endpoint: str, aws_env: None, tmp_path: Path) -> None:
    made = _build_account(endpoint)
    out = tmp_path / "snapshot.json"
    res = CliRunner().invoke(
        app,
        ["audit", "collect", "--out", str(out), "--region", REGION, "--endpoint-url", endpoint],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert list(data) == [
        "cloudtrail describe-trails",
        "cloudtrail get-trail-status",
        "cloudtrail get-event-selectors",
        "logs describe-metric-filters",
        "cloudwatch describe-alarms",
        "sns list-subscriptions-by-topic",
    ]
    arns = [t["TrailARN"] for t in data["cloudtrail describe-trails"]["trailList"]]
    assert made["trail"] in arns
    assert data["cloudtrail get-trail-status"][made["trail"]]["IsLogging"] is True
    assert "ResponseMetadata" not in data["cloudtrail get-trail-status"][made["trail"]]
    (f,) = data["logs describe-metric-filters"][made["group"]]["metricFilters"]
    assert f["filterName"] == "OrganizationsChanges"
    alarms = data["cloudwatch describe-alarms"][REGION]["MetricAlarms"]
    assert [a["AlarmName"] for a in alarms] == ["CIS-OrganizationsChanges"]
    subs = data["sns list-subscriptions-by-topic"][made["topic"]]["Subscriptions"]
    assert len(subs) == 1

    # the collected snapshot is judged like any other
    snap = load(out)
    (result,) = judge(snap, [catalog.get("organizations-changes")])
    assert result.status == "PASS", [f.message for f in result.findings]

    # the same through AWS_ENDPOINT_URL instead of --endpoint-url
    out2 = tmp_path / "again.json"
    res = CliRunner(env={"AWS_ENDPOINT_URL": endpoint}).invoke(
        app, ["audit", "collect", "-o", str(out2), "--regions", REGION]
    )
    assert res.exit_code == 0, res.output
    assert from_data(json.loads(out2.read_text())).trails()


def test_collect_without_reachable_aws_exits_2(aws_env: None, tmp_path: Path) -> None:
    # nothing listens on port 9 of 127.0.0.1: every call fails, no snapshot is written
    out = tmp_path / "s.json"
    res = CliRunner().invoke(
        app,
        [
            "audit",
            "collect",
            "-o",
            str(out),
            "--regions",
            REGION,
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        env={"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"},
    )
    assert res.exit_code == 2
    assert "failed in every Region" in res.stderr
    assert not out.exists()


def test_collect_with_unknown_profile_exits_2(aws_env: None, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["audit", "collect", "-o", str(tmp_path / "s.json"), "--profile", "nope"]
    )
    assert res.exit_code == 2
    assert "nope" in res.stderr
