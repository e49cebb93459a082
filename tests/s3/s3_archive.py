"""A small CloudTrail archive in the real S3 layout (organization trail, a management-account
trail, digests, an Insight file, a CloudWatch Logs export, loose and hidden files), as a mapping
of object key -> bytes, written both to a local directory and to a (moto) bucket."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

ORG_ID = "o-exampleorg1"
ORG_ACCOUNTS = ("111122223333", "444455556666")
MGMT_ACCOUNT = "999988887777"
REGIONS = ("eu-west-1", "us-east-1")
DAYS = ("2023/12/31", "2024/03/09", "2024/03/12", "2024/03/13", "2024/03/14", "2024/03/16",
        "2024/04/02")  # fmt: skip

ORG_PATTERN = '{ $.eventSource = "organizations.amazonaws.com" }'
DENIED_PATTERN = '{ ($.errorCode = "AccessDenied") || ($.errorCode = "*UnauthorizedOperation") }'
TEXT_PATTERN = "ConsoleLogin"
REGION_PATTERN = "{ $.awsRegion = eu-west-1 && $.eventName = Describe* }"
PATTERNS = (ORG_PATTERN, DENIED_PATTERN, TEXT_PATTERN, REGION_PATTERN)


def record(
    name: str, source: str, time: str, account: str, region: str, **extra: Any
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/Mary"},
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.1",
        "recipientAccountId": account,
    }
    rec.update(extra)
    return rec


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def ct_doc(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"Records": records}, separators=(",", ":")).encode()


def ct_key(account: str, region: str, day: str, n: int, org: bool, kind: str = "CloudTrail") -> str:
    y, m, d = day.split("/")
    base = f"AWSLogs/{ORG_ID}/{account}" if org else f"AWSLogs/{account}"
    name = f"{account}_{kind}_{region}_{y}{m}{d}T{10 + n:02d}05Z_F{n:015d}.json.gz"
    return f"{base}/{kind}/{region}/{day}/{name}"


def day_records(account: str, region: str, day: str, n: int) -> list[dict[str, Any]]:
    iso = day.replace("/", "-")
    # The first record is from the previous evening: delivered late, in the next day's folder.
    before = dt.date.fromisoformat(iso) - dt.timedelta(days=1)
    prev = f"{before.isoformat()}T23:5{n}:00Z"
    recs = [
        record("DescribeInstances", "ec2.amazonaws.com", prev, account, region),
        record("CreateAccount", "organizations.amazonaws.com", f"{iso}T10:0{n}:00Z", account,
               region),
        record("RunInstances", "ec2.amazonaws.com", f"{iso}T11:00:00Z", account, region,
               errorCode="Client.UnauthorizedOperation"),
        record("ConsoleLogin", "signin.amazonaws.com", f"{iso}T12:00:00Z", account, region),
        record("GetObject", "s3.amazonaws.com", f"{iso}T13:00:00Z", account, region,
               errorCode="AccessDenied"),
        record("ListAccounts", "organizations.amazonaws.com", f"{iso}T23:59:59Z", account, region),
    ]  # fmt: skip
    return recs


def loose(name: str, source: str, hour: str) -> bytes:
    rec = record(name, source, f"2024-03-13T{hour}:00:00Z", MGMT_ACCOUNT, "us-east-1")
    return ct_doc([rec])


def archive() -> dict[str, bytes]:
    objects: dict[str, bytes] = {}
    for account in ORG_ACCOUNTS:
        for region in REGIONS:
            for day in DAYS:
                for n in (0, 1):
                    key = ct_key(account, region, day, n, org=True)
                    objects[key] = gz(ct_doc(day_records(account, region, day, n)))
            for day in DAYS:
                digest = ct_key(account, region, day, 0, org=True, kind="CloudTrail-Digest")
                objects[digest] = gz(
                    json.dumps(
                        {"awsAccountId": account, "digestStartTime": "x", "digestEndTime": "y",
                         "digestSignatureAlgorithm": "SHA256withRSA", "logFiles": []}
                    ).encode()
                )  # fmt: skip
    # A management account trail outside the organization folder, one region only.
    for day in DAYS[1:4]:
        key = ct_key(MGMT_ACCOUNT, "us-east-1", day, 0, org=False)
        objects[key] = gz(ct_doc(day_records(MGMT_ACCOUNT, "us-east-1", day, 0)))
    insight = ct_key(
        MGMT_ACCOUNT, "us-east-1", "2024/03/13", 2, org=False, kind="CloudTrail-Insight"
    )
    objects[insight] = gz(
        ct_doc([record("CreateAccount", "organizations.amazonaws.com", "2024-03-13T10:00:00Z",
                       MGMT_ACCOUNT, "us-east-1", eventType="AwsCloudTrailInsight")])
    )  # fmt: skip
    # A CloudWatch Logs export, its write-test object, loose and awkwardly named files.
    line = record("ConsoleLogin", "signin.amazonaws.com", "2024-03-13T09:00:00Z", MGMT_ACCOUNT,
                  "us-east-1")  # fmt: skip
    objects["exportedlogs/0d1e2f/trail-stream/000000.gz"] = gz(
        b"2024-03-13T09:00:00.000Z " + json.dumps(line, separators=(",", ":")).encode() + b"\n"
    )
    objects["exportedlogs/aws-logs-write-test"] = b"Permission Check Successful"
    objects["misc/a-b.json"] = loose("ConsoleLogin", "signin.amazonaws.com", "08")
    objects["misc/a/c.json"] = loose("CreateAccount", "organizations.amazonaws.com", "08")
    objects["misc/README.md"] = b"# not a log\n"
    objects["misc/.hidden.json"] = b"{}"
    objects["MyAWSLogs/x.json"] = loose("ConsoleLogin", "signin.amazonaws.com", "07")
    return objects


def write_local(root: Path, objects: dict[str, bytes]) -> Path:
    for key, data in objects.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def upload(client: Any, bucket: str, objects: dict[str, bytes]) -> None:
    client.create_bucket(Bucket=bucket)
    for key, data in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)
