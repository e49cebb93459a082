"""Regenerate the sample archive under samples/AWSLogs (run from anywhere; deterministic).

    python samples/make_samples.py

The tree has the real S3 layout CloudTrail delivers to:

* ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/``
  ``<account>_CloudTrail_<region>_<time>Z_<id>.json.gz`` holding the 42 real records
  published in the AWS CloudTrail User Guide
  (../shared/samples-real, unchanged), one file per day and region of their ``eventTime``;
* ``AWSLogs/<account>/CloudTrail-Insight/...`` holding the real Insights records;
* ``AWSLogs/<account>/CloudTrail-Digest/...`` one real digest file (a replay must skip it);
* ``AWSLogs/o-exampleorg1/<account>/CloudTrail/...``: an organization trail with seeded
  synthetic activity over three days, including AWS Organizations changes the CIS pattern must
  find, near misses it must not (read-only Organizations calls, IAM ``AttachRolePolicy``,
  ``CreateAccountAlias``, a lower-case ``createaccount``), and one record over 256 KB.

Accounts are AWS's documentation ids (111122223333, 123456789012, 444455556666).
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import string
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REAL = HERE.parent.parent / "shared" / "samples-real"
ROOT = HERE / "AWSLogs"
SEED = 20240314
ORG = "o-exampleorg1"
MANAGEMENT = "111122223333"
MEMBERS = ("123456789012", "444455556666")

# The synthetic Organizations changes: each is one the CIS pattern lists.
ORG_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("CreateAccount", {"accountName": "sandbox-3", "email": "sandbox-3@example.com"}),
    ("CreateOrganizationalUnit", {"parentId": "r-ab12", "name": "Sandbox"}),
    ("MoveAccount", {"accountId": "444455556666", "sourceParentId": "r-ab12",
                     "destinationParentId": "ou-ab12-11111111"}),
    ("CreatePolicy", {"name": "DenyLeaveOrg", "type": "SERVICE_CONTROL_POLICY",
                      "content": '{"Version":"2012-10-17","Statement":[{"Effect":"Deny",'
                                 '"Action":"organizations:LeaveOrganization","Resource":"*"}]}'}),
    ("AttachPolicy", {"policyId": "p-examplepolicyid111", "targetId": "ou-ab12-11111111"}),
    ("UpdatePolicy", {"policyId": "p-examplepolicyid111", "description": "tightened"}),
    ("DetachPolicy", {"policyId": "p-FullAWSAccess", "targetId": "ou-ab12-11111111"}),
    ("EnablePolicyType", {"rootId": "r-ab12", "policyType": "TAG_POLICY"}),
    ("InviteAccountToOrganization", {"target": {"id": "444455556666", "type": "ACCOUNT"}}),
)  # fmt: skip

# Near misses: close to the CIS pattern, and not matched by it.
NEAR_MISSES = (
    ("organizations.amazonaws.com", "DescribeOrganization", True),
    ("organizations.amazonaws.com", "ListAccounts", True),
    ("organizations.amazonaws.com", "ListPoliciesForTarget", True),
    ("organizations.amazonaws.com", "DescribeCreateAccountStatus", True),
    ("organizations.amazonaws.com", "createaccount", False),  # eventName is case-sensitive
    ("iam.amazonaws.com", "AttachRolePolicy", False),
    ("iam.amazonaws.com", "CreateAccountAlias", False),
    ("account.amazonaws.com", "PutAlternateContact", False),
)

BACKGROUND = (
    ("ec2.amazonaws.com", "DescribeInstances", True),
    ("ec2.amazonaws.com", "RunInstances", False),
    ("s3.amazonaws.com", "ListBuckets", True),
    ("sts.amazonaws.com", "AssumeRole", True),
    ("kms.amazonaws.com", "Decrypt", True),
    ("iam.amazonaws.com", "GetRole", True),
    ("lambda.amazonaws.com", "ListFunctions20150331", True),
    ("cloudtrail.amazonaws.com", "LookupEvents", True),
    ("signin.amazonaws.com", "ConsoleLogin", False),
)


def _id(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _id(rng, 32, "0123456789abcdef")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _identity(rng: random.Random, account: str) -> dict[str, Any]:
    kind = rng.choice(("IAMUser", "AssumedRole", "AssumedRole", "Root"))
    if kind == "IAMUser":
        name = rng.choice(("Mary_Major", "Paulo_Santos", "Saanvi_Sarkar"))
        return {
            "type": "IAMUser",
            "principalId": "AIDA" + _id(rng, 17, string.ascii_uppercase + string.digits),
            "arn": f"arn:aws:iam::{account}:user/{name}",
            "accountId": account,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": name,
        }
    if kind == "Root":
        return {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        }
    role = rng.choice(("OrganizationAccountAccessRole", "Admin", "ReadOnly"))
    pid = "AROA" + _id(rng, 17, string.ascii_uppercase + string.digits)
    return {
        "type": "AssumedRole",
        "principalId": f"{pid}:alice",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/alice",
        "accountId": account,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": pid,
                "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account,
                "userName": role,
            },
            "attributes": {"creationDate": "2024-03-12T08:00:00Z", "mfaAuthenticated": "true"},
        },
    }


def _record(
    rng: random.Random,
    when: datetime,
    account: str,
    region: str,
    source: str,
    name: str,
    read_only: bool,
    params: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": _identity(rng, account),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": rng.choice(("192.0.2.10", "198.51.100.7", "203.0.113.25")),
        "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2",
        "requestParameters": params,
        "responseElements": None,
        "requestID": _uuid(rng),
        "eventID": _uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error is not None:
        rec["errorCode"] = error
        rec["errorMessage"] = f"User is not authorized to perform: {source.split('.')[0]}:{name}"
    if source == "signin.amazonaws.com":
        rec["eventType"] = "AwsConsoleSignIn"
        rec["responseElements"] = {"ConsoleLogin": "Success"}
    return rec


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))


def _file_name(rng: random.Random, account: str, region: str, delivered: datetime) -> str:
    stamp = delivered.strftime("%Y%m%dT%H%MZ")
    return f"{account}_CloudTrail_{region}_{stamp}_{_id(rng, 16)}.json.gz"


def _day_dir(base: Path, when: datetime) -> Path:
    return base / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}"


def real_records(rng: random.Random) -> None:
    doc = json.loads((REAL / "awsdocs__aws-cloudtrail-user-guide.json").read_text())
    groups: dict[tuple[str, str, str, bool], list[dict[str, Any]]] = {}
    for rec in doc["Records"]:
        when = rec["eventTime"]
        account = rec.get("recipientAccountId")
        if account not in (MANAGEMENT, *MEMBERS):
            account = MANAGEMENT  # keep AWS's documentation ids in paths
        insight = rec.get("eventType") == "AwsCloudTrailInsight"
        groups.setdefault((when[:10], account, rec["awsRegion"], insight), []).append(rec)
    for (_day, account, region, insight), records in sorted(groups.items()):
        latest = max(datetime.fromisoformat(r["eventTime"]) for r in records)
        delivered = latest + timedelta(minutes=5)
        if delivered.date() != latest.date():
            delivered = latest
        kind = "CloudTrail-Insight" if insight else "CloudTrail"
        directory = _day_dir(ROOT / account / kind / region, delivered)
        name = _file_name(rng, account, region, delivered)
        if insight:
            name = name.replace("_CloudTrail_", "_CloudTrail-Insight_")
        _write(directory / name, records)
    digest = json.loads((REAL / "digest_awsdocs_example_1.json").read_text())
    target = Path(digest["digestS3Object"])
    path = ROOT.parent / target
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(digest, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))


def synthetic(rng: random.Random) -> None:
    start = datetime(2024, 3, 12, tzinfo=UTC)
    changes = list(ORG_CHANGES)
    rng.shuffle(changes)
    for day in range(3):
        for hour in (1, 9, 15, 22):
            window_end = start + timedelta(days=day, hours=hour)
            for account in (MANAGEMENT, *MEMBERS):
                region = (
                    "us-east-1" if account == MANAGEMENT else rng.choice(("us-east-1", "eu-west-1"))
                )
                records: list[dict[str, Any]] = []
                for _ in range(rng.randint(4, 9)):
                    when = window_end - timedelta(seconds=rng.randint(60, 3000))
                    source, name, ro = rng.choice(BACKGROUND)
                    records.append(_record(rng, when, account, region, source, name, ro))
                if account == MANAGEMENT:
                    when = window_end - timedelta(seconds=rng.randint(60, 3000))
                    source, name, ro = rng.choice(NEAR_MISSES)
                    records.append(_record(rng, when, account, region, source, name, ro))
                    if changes and rng.random() < 0.8:
                        name, params = changes.pop()
                        when = window_end - timedelta(seconds=rng.randint(60, 3000))
                        error = "AccessDenied" if name == "InviteAccountToOrganization" else None
                        records.append(
                            _record(
                                rng,
                                when,
                                account,
                                "us-east-1",
                                "organizations.amazonaws.com",
                                name,
                                False,
                                params,
                                error,
                            )
                        )
                records.sort(key=lambda r: r["eventTime"])
                delivered = window_end + timedelta(minutes=rng.randint(3, 12))
                base = ROOT / ORG / account / "CloudTrail" / region
                _write(
                    _day_dir(base, delivered) / _file_name(rng, account, region, delivered),
                    records,
                )
    # Whatever changes are left, and the near misses all together, in one late file.
    when = start + timedelta(days=2, hours=23, minutes=40)
    records = [
        _record(rng, when, MANAGEMENT, "us-east-1", "organizations.amazonaws.com", n, False, p)
        for n, p in changes
    ]
    records += [_record(rng, when, MANAGEMENT, "us-east-1", s, n, ro) for s, n, ro in NEAR_MISSES]
    # One record over 256 KB: CloudTrail never sends it to CloudWatch Logs; the replay flags it.
    big = _record(
        rng, when, MANAGEMENT, "us-east-1", "cloudformation.amazonaws.com", "CreateStack", False,
        {"stackName": "big-template", "templateBody": "# padding\n" * 27000},
    )  # fmt: skip
    records.append(big)
    delivered = when + timedelta(minutes=5)
    base = ROOT / ORG / MANAGEMENT / "CloudTrail" / "us-east-1"
    _write(_day_dir(base, delivered) / _file_name(rng, MANAGEMENT, "us-east-1", delivered), records)


def main() -> int:
    if not REAL.is_dir():
        print(f"make_samples: {REAL} not found (the shared real records)", file=sys.stderr)
        return 1
    shutil.rmtree(ROOT, ignore_errors=True)
    rng = random.Random(SEED)
    real_records(rng)
    synthetic(rng)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    files = sum(1 for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {files} files, {total} bytes under {ROOT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
