"""Seeded generator of realistic CloudTrail S3 trees and CloudWatch Logs exports, with ground truth.

Layout written under ``OUT`` (default ``benchmarks/data/<size>``)::

    cloudtrail/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/
        <acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<random>.json.gz      one {"Records":[...]}
    cloudtrail/AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/...json.gz   digest files
    cwexport/exportedlogs/<task-id>/<stream>/000000.gz   lines "<ISO ts> <Apache access log>"
    cwexport/exportedlogs/aws-logs-write-test            AWS's permission-check object
    truth.json                                           counts per benchmark pattern

Records are built from a pool of templates (~40 services, realistic eventSource/eventName pairs,
userIdentity variants, requestParameters/responseElements of varied size with occasional large
ones, errors) and varied per record (time, ids, caller IP). Rare AWS Organizations changes and near
misses (IAM CreatePolicy/DeletePolicy, read-only Organizations calls, CreateOrganization,
``organizations.amazonaws.com`` as a caller) are built fresh. Some records are written with JSON
escapes: non-ASCII text as ``\\uXXXX`` (``json.dumps(ensure_ascii=True)`` style), ``\\/``, and rare
``\\u``-escaped ASCII letters inside the very values and keys a pattern looks for, so a raw-bytes
prefilter that ignores escapes loses matches and the count check catches it.

The ground truth is computed here by plain Python predicates over the generated records (the
decoded values; text and regex patterns over the record's compact JSON, ``orjson.dumps``),
independently of trailreplay.
"""

# ruff: noqa: E501  (record templates and data tables read better unwrapped)
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson


def gzip_bytes(data: bytes) -> bytes:
    """gzip at zlib's default level 6, as CloudTrail's own files are (ratio ~5x on records)."""
    return gzip.compress(data, compresslevel=6, mtime=0)


Record = dict[str, Any]

SIZES: dict[str, int] = {
    "tiny": 300_000,
    "1mb": 1_000_000,
    "small": 5_000_000,
    "medium": 100_000_000,
    "1g": 1 << 30,
}
DATA_ROOT = Path(__file__).resolve().parent / "data"
DEFAULT_SEED = 20240301
#: bumped whenever the generated data changes for a given seed (a stored tree is then regenerated)
GENERATOR_VERSION = 4

# --------------------------------------------------------------------------------------------
# The benchmark patterns (their text is what trailreplay gets; the predicates below are the truth)

ORG_SOURCE = "organizations.amazonaws.com"
ORG_CIS_NAMES = (
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
)
CIS_ORG_PATTERN = (
    "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(f'($.eventName = "{n}")' for n in ORG_CIS_NAMES)
    + ") }"
)
TERM_PATTERN = "AccessDenied"
REGEX_BODY = "i-0[0-9a-f]{8}"
REGEX_PATTERN = f"%{REGEX_BODY}%"
SPACE_PATTERN = "[ip, id, user, timestamp, request, status_code=4*, size]"
ALL_PATTERN = ""

#: benchmark pattern name -> (pattern text or None for --control all, tree)
PATTERNS: dict[str, tuple[str | None, str]] = {
    "cis_org": (CIS_ORG_PATTERN, "cloudtrail"),
    "controls": (None, "cloudtrail"),
    "term": (TERM_PATTERN, "cloudtrail"),
    "regex": (REGEX_PATTERN, "cloudtrail"),
    "space": (SPACE_PATTERN, "cwexport"),
    "all": (ALL_PATTERN, "cloudtrail"),
}

_REGEX = re.compile(REGEX_BODY.encode())
_ORG_SET = frozenset(ORG_CIS_NAMES)


def _s(r: Record, key: str) -> Any:
    """A top-level scalar the way a JSON comparison sees it: str/number, else None."""
    v = r.get(key)
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        return None
    return v


def _in(r: Record, key: str, names: frozenset[str]) -> bool:
    v = r.get(key)
    return isinstance(v, str) and v in names


def _ne(v: Any, literal: str) -> bool:
    # `!=` on a scalar: numbers compare by text for string literals; non-scalars are false.
    if v is None:
        return False
    return (v if isinstance(v, str) else str(v)) != literal


def pred_cis_org(r: Record) -> bool:
    return r.get("eventSource") == ORG_SOURCE and _in(r, "eventName", _ORG_SET)


def _sub(r: Record, *path: str) -> Any:
    cur: Any = r
    for k in path:
        if not isinstance(cur, dict) or k not in cur:
            return _MISSING
        cur = cur[k]
    return cur


_MISSING = object()


def _names(*n: str) -> Callable[[Record], bool]:
    s = frozenset(n)
    return lambda r: _in(r, "eventName", s)


def _src_names(src: str, *n: str) -> Callable[[Record], bool]:
    s = frozenset(n)
    return lambda r: r.get("eventSource") == src and _in(r, "eventName", s)


def _c41(r: Record) -> bool:
    ec = r.get("errorCode")
    if isinstance(ec, str) and (
        ec.endswith("UnauthorizedOperation") or ec.startswith("AccessDenied")
    ):
        return True
    return _ne(_s(r, "sourceIPAddress"), "delivery.logs.amazonaws.com") or _ne(
        _s(r, "eventName"), "HeadBucket"
    )


def _c42(r: Record) -> bool:
    mfa = _sub(r, "additionalEventData", "MFAUsed")
    scalar = not isinstance(mfa, bool) and isinstance(mfa, (str, int, float))
    return r.get("eventName") == "ConsoleLogin" and scalar and str(mfa) != "Yes"


def _c43(r: Record) -> bool:
    return (
        _sub(r, "userIdentity", "type") == "Root"
        and _sub(r, "userIdentity", "invokedBy") is _MISSING
        and _ne(_s(r, "eventType"), "AwsServiceEvent")
    )


def _c46(r: Record) -> bool:
    return r.get("eventName") == "ConsoleLogin" and r.get("errorMessage") == "Failed authentication"


#: The 15 CIS metric-filter controls (../shared/cis/cis-patterns.json, main "pattern" of each).
CONTROL_PREDICATES: dict[str, Callable[[Record], bool]] = {
    "CIS-AWS-4.1": _c41,
    "CIS-AWS-4.2": _c42,
    "CIS-AWS-4.3": _c43,
    "CIS-AWS-4.4": _names(
        "DeleteGroupPolicy",
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    ),
    "CIS-AWS-4.5": _names(
        "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"
    ),
    "CIS-AWS-4.6": _c46,
    "CIS-AWS-4.7": _src_names("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "CIS-AWS-4.8": _src_names(
        "s3.amazonaws.com",
        "PutBucketAcl",
        "PutBucketPolicy",
        "PutBucketCors",
        "PutBucketLifecycle",
        "PutBucketReplication",
        "DeleteBucketPolicy",
        "DeleteBucketCors",
        "DeleteBucketLifecycle",
        "DeleteBucketReplication",
    ),
    "CIS-AWS-4.9": _src_names(
        "config.amazonaws.com",
        "StopConfigurationRecorder",
        "DeleteDeliveryChannel",
        "PutDeliveryChannel",
        "PutConfigurationRecorder",
    ),
    "CIS-AWS-4.10": _names(
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
    ),
    "CIS-AWS-4.11": _names(
        "CreateNetworkAcl",
        "CreateNetworkAclEntry",
        "DeleteNetworkAcl",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
    ),
    "CIS-AWS-4.12": _names(
        "CreateCustomerGateway",
        "DeleteCustomerGateway",
        "AttachInternetGateway",
        "CreateInternetGateway",
        "DeleteInternetGateway",
        "DetachInternetGateway",
    ),
    "CIS-AWS-4.13": _names(
        "CreateRoute",
        "CreateRouteTable",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
        "DeleteRouteTable",
        "DeleteRoute",
        "DisassociateRouteTable",
    ),
    "CIS-AWS-4.14": _names(
        "CreateVpc",
        "DeleteVpc",
        "ModifyVpcAttribute",
        "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc",
        "DetachClassicLinkVpc",
        "DisableVpcClassicLink",
        "EnableVpcClassicLink",
    ),
    "CIS-AWS-4.15": pred_cis_org,
}

#: control id -> CIS key (a catalog may name a control by either, with "-" for "_")
CONTROL_KEYS: dict[str, str] = {
    "CIS-AWS-4.1": "unauthorized_api_calls",
    "CIS-AWS-4.2": "console_signin_without_mfa",
    "CIS-AWS-4.3": "root_usage",
    "CIS-AWS-4.4": "iam_policy_changes",
    "CIS-AWS-4.5": "cloudtrail_config_changes",
    "CIS-AWS-4.6": "console_auth_failures",
    "CIS-AWS-4.7": "cmk_disable_or_deletion",
    "CIS-AWS-4.8": "s3_bucket_policy_changes",
    "CIS-AWS-4.9": "aws_config_changes",
    "CIS-AWS-4.10": "security_group_changes",
    "CIS-AWS-4.11": "nacl_changes",
    "CIS-AWS-4.12": "network_gateway_changes",
    "CIS-AWS-4.13": "route_table_changes",
    "CIS-AWS-4.14": "vpc_changes",
    "CIS-AWS-4.15": "organizations_changes",
}


def pred_term(text: bytes) -> bool:
    return TERM_PATTERN.encode() in text


def pred_regex(text: bytes) -> bool:
    return _REGEX.search(text) is not None


# --------------------------------------------------------------------------------------------
# Record building

REGIONS = (
    ("us-east-1", 10),
    ("us-west-2", 5),
    ("eu-west-1", 4),
    ("eu-central-1", 2),
    ("ap-northeast-1", 1),
    ("ap-southeast-2", 1),
)
ACCOUNTS = ("111122223333", "123456789012", "444455556666")
HUMANS = ("alice", "bob", "carol", "dmitri", "eva", "farid", "gabriela", "hiro")
ROLES = (
    "OrganizationAccountAccessRole",
    "AWSReservedSSO_AdministratorAccess_3b8a2f1c9d7e6a5b",
    "AWSReservedSSO_ReadOnlyAccess_1a2b3c4d5e6f7a8b",
    "github-actions-deploy",
    "terraform-ci",
    "eks-node-group-NodeInstanceRole-1KX9Z8Y7W6V5",
    "lambda-exec-orders-api",
    "ecsTaskExecutionRole",
    "DatadogIntegrationRole",
    "prod-app-ec2-role",
)
SERVICE_CALLERS = (
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "autoscaling.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "guardduty.amazonaws.com",
    "securityhub.amazonaws.com",
    "access-analyzer.amazonaws.com",
    "backup.amazonaws.com",
)
USER_AGENTS = (
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off "
    "command/s3.ls",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64"
    " lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.4",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0"
    " (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "AWS Internal",
    "console.amazonaws.com",
    "aws-internal/3 aws-sdk-java/1.12.651 Linux/5.10.210-178.855.amzn2int.x86_64 "
    "OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/"
    "standard",
    "Datadog/1.0 aws-sdk-go/1.50.38 (go1.21.8; linux; amd64)",
)
# Non-ASCII text appears in real trails in user agents, tags, descriptions and object keys.
UNICODE_TEXT = (
    "Zürich-Büro",
    "東京リージョン",
    "équipe-sécurité",
    "Привет мир",
    "données/rapport-été.csv",
    "rocket 🚀 launch",
    "naïve café ☕",
)
ORG_READ_NAMES = (
    "DescribeOrganization",
    "ListAccounts",
    "DescribeAccount",
    "ListRoots",
    "ListPolicies",
    "DescribePolicy",
    "ListOrganizationalUnitsForParent",
    "ListAWSServiceAccessForOrganization",
    "ListDelegatedAdministrators",
    "ListHandshakesForOrganization",
)


class Builder:
    """Builds fresh records; every random choice goes through one seeded ``random.Random``."""

    def __init__(self, rng: random.Random, account: str) -> None:
        self.rng = rng
        self.account = account
        self.other_accounts = [a for a in ACCOUNTS if a != account] + ["999988887777"]

    # -- small random values
    def hexs(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def alnum(self, n: int, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def uuid(self) -> str:
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def ip(self) -> str:
        r = self.rng
        return f"{r.choice((203, 198, 192, 54, 52, 3, 18, 35))}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def instance_id(self) -> str:
        if self.rng.random() < 0.9:
            return "i-0" + self.hexs(16)
        return "i-" + self.hexs(8)  # the old 8-hex format

    def arn_role(self, role: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{role}"

    # -- identities
    def identity(self) -> tuple[Record, str, str]:
        """(userIdentity, sourceIPAddress, userAgent)."""
        r = self.rng
        kind = r.choices(
            ("AssumedRole", "IAMUser", "AWSService", "Root", "FederatedUser", "AWSAccount"),
            weights=(62, 14, 18, 1.2, 2, 1),
        )[0]
        acct = self.account
        ua = r.choice(USER_AGENTS)
        ip = self.ip()
        if kind == "AssumedRole":
            role = r.choice(ROLES)
            sess = (
                r.choice(HUMANS) + "@example.com" if "SSO" in role else self.alnum(19, "0123456789")
            )
            pid = "AROA" + self.alnum(17)
            ident: Record = {
                "type": "AssumedRole",
                "principalId": f"{pid}:{sess}",
                "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{sess}",
                "accountId": acct,
                "accessKeyId": "ASIA" + self.alnum(16),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": pid,
                        "arn": self.arn_role(role),
                        "accountId": acct,
                        "userName": role,
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": "2024-03-01T08:14:22Z",
                        "mfaAuthenticated": r.choice(("false", "true")),
                    },
                },
            }
            if r.random() < 0.25:
                ident["invokedBy"] = r.choice(SERVICE_CALLERS)
                ip = ident["invokedBy"]
                ua = ident["invokedBy"]
        elif kind == "IAMUser":
            user = r.choice(HUMANS)
            ident = {
                "type": "IAMUser",
                "principalId": "AIDA" + self.alnum(17),
                "arn": f"arn:aws:iam::{acct}:user/{user}",
                "accountId": acct,
                "accessKeyId": "AKIA" + self.alnum(16),
                "userName": user,
            }
        elif kind == "AWSService":
            svc = r.choice(SERVICE_CALLERS)
            ident = {"type": "AWSService", "invokedBy": svc}
            ip, ua = svc, svc
        elif kind == "Root":
            ident = {
                "type": "Root",
                "principalId": acct,
                "arn": f"arn:aws:iam::{acct}:root",
                "accountId": acct,
                "accessKeyId": "ASIA" + self.alnum(16),
                "sessionContext": {
                    "sessionIssuer": {},
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": "2024-03-01T07:00:00Z",
                        "mfaAuthenticated": "true",
                    },
                },
            }
            if r.random() < 0.3:
                ident["invokedBy"] = "support.amazonaws.com"
        elif kind == "FederatedUser":
            user = r.choice(HUMANS)
            ident = {
                "type": "FederatedUser",
                "principalId": f"{acct}:{user}",
                "arn": f"arn:aws:sts::{acct}:federated-user/{user}",
                "accountId": acct,
                "accessKeyId": "ASIA" + self.alnum(16),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "IAMUser",
                        "principalId": "AIDA" + self.alnum(17),
                        "arn": f"arn:aws:iam::{acct}:user/federation-broker",
                        "accountId": acct,
                        "userName": "federation-broker",
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": "2024-03-01T09:30:00Z",
                        "mfaAuthenticated": "false",
                    },
                },
            }
        else:
            other = r.choice(self.other_accounts)
            ident = {
                "type": "AWSAccount",
                "principalId": "AROA" + self.alnum(17),
                "accountId": other,
            }
        if r.random() < 0.02:
            ua = ua + " " + r.choice(UNICODE_TEXT)
        return ident, ip, ua

    # -- parameters by service
    def tags(self, n: int) -> list[Record]:
        r = self.rng
        keys = ("Name", "env", "team", "cost-center", "owner", "app", "managed-by")
        out = []
        for k in r.sample(keys, min(n, len(keys))):
            v = (
                r.choice(UNICODE_TEXT)
                if r.random() < 0.05
                else r.choice(HUMANS) + "-" + self.hexs(4)
            )
            out.append({"key": k, "value": v})
        return out

    def policy_document(self, statements: int) -> str:
        r = self.rng
        stmts = []
        for i in range(statements):
            stmts.append(
                {
                    "Sid": f"Stmt{i}{self.hexs(6)}",
                    "Effect": r.choice(("Allow", "Allow", "Deny")),
                    "Action": [
                        f"{r.choice(('s3', 'ec2', 'kms', 'iam', 'logs', 'dynamodb'))}:{a}"
                        for a in r.sample(
                            (
                                "Get*",
                                "List*",
                                "Describe*",
                                "PutObject",
                                "Decrypt",
                                "CreateGrant",
                                "PassRole",
                                "PutLogEvents",
                                "Query",
                                "RunInstances",
                                "TagResource",
                            ),
                            4,
                        )
                    ],
                    "Resource": [
                        f"arn:aws:s3:::{r.choice(HUMANS)}-data-{self.hexs(6)}/*" for _ in range(3)
                    ],
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
                }
            )
        # CloudTrail carries policy documents as (escaped) JSON strings.
        return json.dumps({"Version": "2012-10-17", "Statement": stmts})

    def params(self, source: str, name: str) -> tuple[Any, Any, dict[str, Any]]:
        """requestParameters, responseElements, extra top-level fields."""
        r = self.rng
        svc = source.split(".")[0]
        extra: dict[str, Any] = {}
        req: Any = None
        resp: Any = None
        read = name.startswith(("Get", "List", "Describe", "Head", "Lookup", "Search", "Batch"))
        if svc == "s3":
            bucket = f"{r.choice(HUMANS)}-{r.choice(('logs', 'data', 'artifacts', 'backups'))}-{self.account}"
            req = {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com"}
            if name in ("GetObject", "PutObject", "HeadObject", "DeleteObject"):
                key = f"{r.choice(('raw', 'curated', 'tmp'))}/{r.randrange(2020, 2025)}/{self.hexs(12)}.parquet"
                if r.random() < 0.03:
                    key = f"uploads/{r.choice(UNICODE_TEXT)}"
                req["key"] = key
            elif name == "PutBucketPolicy":
                req["bucketPolicy"] = json.loads(self.policy_document(r.randint(1, 4)))
                req["policy"] = ""
            elif name in ("GetBucketAcl", "PutBucketAcl"):
                req["acl"] = ""
            extra["additionalEventData"] = {
                "SignatureVersion": "SigV4",
                "CipherSuite": "TLS_AES_128_GCM_SHA256",
                "bytesTransferredIn": r.randrange(0, 40000),
                "AuthenticationMethod": "AuthHeader",
                "x-amz-id-2": self.alnum(
                    60, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                ),
                "bytesTransferredOut": r.randrange(0, 900000),
            }
            extra["resources"] = [
                {
                    "type": "AWS::S3::Bucket",
                    "ARN": f"arn:aws:s3:::{bucket}",
                    "accountId": self.account,
                }
            ]
            extra["managementEvent"] = not name.endswith("Object")
            extra["eventCategory"] = "Management" if extra["managementEvent"] else "Data"
        elif svc == "ec2":
            if name == "RunInstances":
                n = r.randint(1, 4)
                req = {
                    "instancesSet": {
                        "items": [
                            {"imageId": "ami-0" + self.hexs(16), "minCount": n, "maxCount": n}
                        ]
                    },
                    "instanceType": r.choice(("t3.micro", "m6i.large", "c7g.xlarge")),
                    "blockDeviceMapping": {
                        "items": [
                            {
                                "deviceName": "/dev/xvda",
                                "ebs": {"volumeSize": 50, "volumeType": "gp3", "encrypted": True},
                            }
                        ]
                    },
                    "monitoring": {"enabled": False},
                    "disableApiTermination": False,
                    "tagSpecificationSet": {
                        "items": [{"resourceType": "instance", "tags": self.tags(4)}]
                    },
                }
                resp = {
                    "requestId": self.uuid(),
                    "reservationId": "r-0" + self.hexs(16),
                    "ownerId": self.account,
                    "groupSet": {},
                    "instancesSet": {
                        "items": [
                            {
                                "instanceId": self.instance_id(),
                                "imageId": "ami-0" + self.hexs(16),
                                "instanceState": {"code": 0, "name": "pending"},
                                "privateDnsName": f"ip-10-0-{r.randrange(256)}-{r.randrange(256)}.ec2.internal",
                                "amiLaunchIndex": i,
                                "productCodes": {},
                                "instanceType": "m6i.large",
                                "launchTime": 1709280000000 + r.randrange(10**7),
                                "placement": {
                                    "availabilityZone": "us-east-1a",
                                    "tenancy": "default",
                                },
                                "monitoring": {"state": "disabled"},
                                "subnetId": "subnet-0" + self.hexs(16),
                                "vpcId": "vpc-0" + self.hexs(16),
                                "privateIpAddress": f"10.0.{r.randrange(256)}.{r.randrange(256)}",
                                "stateReason": {"code": "pending", "message": "pending"},
                                "architecture": "x86_64",
                                "rootDeviceType": "ebs",
                                "rootDeviceName": "/dev/xvda",
                                "blockDeviceMapping": {},
                                "virtualizationType": "hvm",
                                "hypervisor": "xen",
                                "tagSet": {"items": self.tags(4)},
                                "groupSet": {
                                    "items": [
                                        {"groupId": "sg-0" + self.hexs(16), "groupName": "default"}
                                    ]
                                },
                                "sourceDestCheck": True,
                                "networkInterfaceSet": {
                                    "items": [
                                        {
                                            "networkInterfaceId": "eni-0" + self.hexs(16),
                                            "subnetId": "subnet-0" + self.hexs(16),
                                            "macAddress": "0e:"
                                            + ":".join(self.hexs(2) for _ in range(5)),
                                            "status": "in-use",
                                            "privateIpAddress": "10.0.1.12",
                                        }
                                    ]
                                },
                                "ebsOptimized": True,
                                "enaSupport": True,
                                "cpuOptions": {"coreCount": 1, "threadsPerCore": 2},
                                "capacityReservationSpecification": {
                                    "capacityReservationPreference": "open"
                                },
                                "enclaveOptions": {"enabled": False},
                                "metadataOptions": {
                                    "state": "pending",
                                    "httpTokens": "required",
                                    "httpPutResponseHopLimit": 2,
                                    "httpEndpoint": "enabled",
                                },
                            }
                            for i in range(n)
                        ]
                    },
                }
            elif name in (
                "DescribeInstances",
                "DescribeInstanceStatus",
                "StartInstances",
                "StopInstances",
                "TerminateInstances",
                "CreateTags",
            ):
                ids = [self.instance_id() for _ in range(r.choice((1, 1, 2, 3, 8)))]
                req = {"instancesSet": {"items": [{"instanceId": i} for i in ids]}, "filterSet": {}}
                if name == "CreateTags":
                    req = {
                        "resourcesSet": {"items": [{"resourceId": i} for i in ids]},
                        "tagSet": {"items": self.tags(2)},
                    }
                if not read:
                    resp = {"requestId": self.uuid(), "_return": True}
            elif "SecurityGroup" in name:
                req = {
                    "groupId": "sg-0" + self.hexs(16),
                    "ipPermissions": {
                        "items": [
                            {
                                "ipProtocol": "tcp",
                                "fromPort": p,
                                "toPort": p,
                                "ipRanges": {
                                    "items": [
                                        {
                                            "cidrIp": r.choice(
                                                ("0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24")
                                            )
                                        }
                                    ]
                                },
                            }
                            for p in r.sample((22, 80, 443, 3389, 5432), 2)
                        ]
                    },
                }
                resp = {"requestId": self.uuid(), "_return": True}
            elif read:
                req = r.choice(
                    (
                        None,
                        {
                            "filterSet": {
                                "items": [
                                    {
                                        "name": "vpc-id",
                                        "valueSet": {"items": [{"value": "vpc-0" + self.hexs(16)}]},
                                    }
                                ]
                            }
                        },
                        {"maxResults": 1000},
                    )
                )
            else:
                req = {"vpcId": "vpc-0" + self.hexs(16), "routeTableId": "rtb-0" + self.hexs(16)}
                resp = {"requestId": self.uuid(), "_return": True}
        elif svc == "iam":
            if name in ("CreatePolicy", "CreatePolicyVersion", "PutRolePolicy", "PutUserPolicy"):
                req = {
                    "policyName": f"{r.choice(('s3', 'kms', 'logs'))}-access-{self.hexs(4)}",
                    "policyDocument": self.policy_document(r.choice((1, 2, 3, 6, 20))),
                }
                if name == "CreatePolicy":
                    resp = {
                        "policy": {
                            "policyName": req["policyName"],
                            "policyId": "ANPA" + self.alnum(17),
                            "arn": f"arn:aws:iam::{self.account}:policy/{req['policyName']}",
                            "path": "/",
                            "defaultVersionId": "v1",
                            "attachmentCount": 0,
                            "isAttachable": True,
                            "createDate": "Mar 1, 2024 12:00:00 PM",
                            "updateDate": "Mar 1, 2024 12:00:00 PM",
                        }
                    }
            elif name in ("DeletePolicy", "AttachRolePolicy", "DetachRolePolicy"):
                req = {"policyArn": f"arn:aws:iam::{self.account}:policy/legacy-{self.hexs(6)}"}
                if name != "DeletePolicy":
                    req["roleName"] = r.choice(ROLES)
            else:
                req = (
                    {"roleName": r.choice(ROLES)}
                    if r.random() < 0.7
                    else {"userName": r.choice(HUMANS)}
                )
        elif svc == "sts":
            role = r.choice(ROLES)
            req = {
                "roleArn": self.arn_role(role),
                "roleSessionName": self.alnum(19, "0123456789"),
                "durationSeconds": 3600,
            }
            if r.random() < 0.3:
                req["externalId"] = self.uuid()
            resp = {
                "credentials": {
                    "accessKeyId": "ASIA" + self.alnum(16),
                    "sessionToken": self.alnum(
                        356, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    ),
                    "expiration": "Mar 1, 2024, 1:00:00 PM",
                },
                "assumedRoleUser": {
                    "assumedRoleId": "AROA" + self.alnum(17) + ":" + req["roleSessionName"],
                    "arn": f"arn:aws:sts::{self.account}:assumed-role/{role}/{req['roleSessionName']}",
                },
            }
            extra["resources"] = [
                {"accountId": self.account, "type": "AWS::IAM::Role", "ARN": self.arn_role(role)}
            ]
            extra["sharedEventID"] = self.uuid()
        elif svc == "kms":
            key = f"arn:aws:kms:us-east-1:{self.account}:key/{self.uuid()}"
            req = {"keyId": key, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
            if r.random() < 0.6:
                req["encryptionContext"] = {
                    "aws:s3:arn": f"arn:aws:s3:::{r.choice(HUMANS)}-data/{self.hexs(10)}"
                }
            extra["resources"] = [{"accountId": self.account, "type": "AWS::KMS::Key", "ARN": key}]
        elif svc == "lambda":
            fn = f"{r.choice(('orders', 'billing', 'etl', 'auth'))}-{r.choice(('api', 'worker', 'cron'))}"
            req = {"functionName": fn}
            if name.startswith("UpdateFunctionConfiguration"):
                req["environment"] = {
                    "variables": {
                        f"VAR_{i}": self.hexs(r.choice((8, 32, 64)))
                        for i in range(r.randint(3, 40))
                    }
                }
            if name.startswith("Invoke"):
                extra["eventCategory"] = "Data"
        elif svc == "cloudformation":
            stack = f"{r.choice(('network', 'app', 'data'))}-stack-{self.hexs(6)}"
            req = {"stackName": stack, "capabilities": ["CAPABILITY_IAM"]}
            if name in ("CreateStack", "UpdateStack") and r.random() < 0.5:
                req["templateBody"] = json.dumps(
                    {
                        "Resources": {
                            f"Res{i}": {
                                "Type": "AWS::S3::Bucket",
                                "Properties": {
                                    "BucketName": f"b-{self.hexs(12)}",
                                    "Tags": self.tags(3),
                                },
                            }
                            for i in range(r.randint(5, 60))
                        }
                    }
                )
            if not read:
                resp = {
                    "stackId": f"arn:aws:cloudformation:us-east-1:{self.account}:stack/{stack}/{self.uuid()}"
                }
        elif svc == "signin":
            req = None
            fail = r.random() < 0.12
            resp = {"ConsoleLogin": "Failure" if fail else "Success"}
            extra["additionalEventData"] = {
                "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                "MobileVersion": "No",
                "MFAUsed": r.choice(("Yes", "Yes", "No")),
            }
            extra["eventType"] = "AwsConsoleSignIn"
            if fail:
                extra["errorMessage"] = "Failed authentication"
        elif svc == "logs":
            group = f"/aws/{r.choice(('lambda', 'ecs', 'eks'))}/{r.choice(('orders', 'billing', 'etl'))}"
            req = {"logGroupName": group}
            if name == "CreateLogStream":
                req["logStreamName"] = f"2024/03/01/[$LATEST]{self.hexs(32)}"
        elif svc == "organizations":
            req = self.org_params(name)
            if name in (
                "CreateAccount",
                "CreatePolicy",
                "CreateOrganizationalUnit",
                "InviteAccountToOrganization",
            ):
                resp = {"id": self.alnum(12).lower(), "state": "IN_PROGRESS"}
        else:
            if read:
                req = r.choice((None, {}, {"maxResults": 100}, {"nextToken": self.alnum(64)}))
            else:
                req = {"name": f"{r.choice(HUMANS)}-{svc}-{self.hexs(6)}", "tags": self.tags(2)}
                if r.random() < 0.3:
                    resp = {
                        "arn": f"arn:aws:{svc}:us-east-1:{self.account}:{name.lower()}/{self.hexs(12)}"
                    }
        return req, resp, extra

    def org_params(self, name: str) -> Any:
        r = self.rng
        if "Policy" in name:
            doc = json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Action": ["organizations:LeaveOrganization", "cloudtrail:StopLogging"],
                            "Resource": "*",
                        }
                    ],
                }
            )
            return {
                "policyId": "p-" + self.alnum(8).lower(),
                "targetId": "ou-" + self.alnum(4).lower() + "-" + self.alnum(8).lower(),
                "content": doc,
                "type": "SERVICE_CONTROL_POLICY",
            }
        if "Account" in name:
            return {
                "accountId": r.choice(self.other_accounts),
                "email": f"aws+{r.choice(HUMANS)}@example.com",
                "accountName": r.choice(HUMANS) + "-sandbox",
            }
        if "Handshake" in name:
            return {"handshakeId": "h-" + self.alnum(10).lower()}
        return r.choice((None, {"parentId": "r-" + self.alnum(4).lower()}))

    def record(self, source: str, name: str, error_rate: float = 0.04) -> Record:
        r = self.rng
        ident, ip, ua = self.identity()
        req, resp, extra = self.params(source, name)
        read = name.startswith(("Get", "List", "Describe", "Head", "Lookup"))
        rec: Record = {
            "eventVersion": r.choice(("1.08", "1.09", "1.09", "1.10")),
            "userIdentity": ident,
            "eventTime": "",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": ip,
            "userAgent": ua,
        }
        if source == "s3.amazonaws.com" and name == "GetBucketAcl" and r.random() < 0.2:
            rec["sourceIPAddress"] = "delivery.logs.amazonaws.com"
            rec["userIdentity"] = {"type": "AWSService", "invokedBy": "delivery.logs.amazonaws.com"}
        if "errorMessage" in extra:
            rec["errorMessage"] = extra.pop("errorMessage")
        elif r.random() < error_rate:
            code, msg = r.choice(
                (
                    (
                        "AccessDenied",
                        f"User: {ident.get('arn', 'unknown')} is not authorized to perform: {source.split('.')[0]}:{name} on resource: * because no identity-based policy allows the {source.split('.')[0]}:{name} action",
                    ),
                    ("AccessDenied", "Access Denied"),
                    (
                        "Client.UnauthorizedOperation",
                        "You are not authorized to perform this operation.",
                    ),
                    ("AccessDeniedException", f"User is not authorized to perform: {name}"),
                    ("ThrottlingException", "Rate exceeded"),
                    ("ResourceNotFoundException", "Requested resource not found"),
                    ("NoSuchEntityException", "The role with name x cannot be found."),
                    ("ValidationException", "1 validation error detected"),
                    ("InvalidParameterValue", "Value for parameter is invalid."),
                )
            )
            rec["errorCode"] = code
            rec["errorMessage"] = msg
            resp = None
        rec["requestParameters"] = req
        rec["responseElements"] = resp
        add = extra.pop("additionalEventData", None)
        if add is not None:
            rec["additionalEventData"] = add
        if "eventType" not in extra:
            rec["requestID"] = self.uuid()
        rec["eventID"] = self.uuid()
        rec["readOnly"] = read
        res = extra.pop("resources", None)
        if res is not None:
            rec["resources"] = res
        rec["eventType"] = extra.pop("eventType", "AwsApiCall")
        rec["managementEvent"] = extra.pop("managementEvent", True)
        rec["recipientAccountId"] = self.account
        if "sharedEventID" in extra:
            rec["sharedEventID"] = extra.pop("sharedEventID")
        rec["eventCategory"] = extra.pop("eventCategory", "Management")
        if ident.get("type") not in ("AWSService",) and r.random() < 0.8:
            rec["tlsDetails"] = {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"{source.split('.')[0]}.us-east-1.amazonaws.com",
            }
        if "Mozilla" in ua and r.random() < 0.5:
            rec["sessionCredentialFromConsole"] = "true"
        return rec


# eventSource -> (weight, [(eventName, weight)]); ~45 services, weights roughly as seen in busy
# accounts (STS, KMS, S3 and EC2 describes dominate; changes are rare).
SERVICES: dict[str, tuple[float, list[tuple[str, float]]]] = {
    "sts.amazonaws.com": (
        18,
        [
            ("AssumeRole", 10),
            ("GetCallerIdentity", 4),
            ("AssumeRoleWithWebIdentity", 2),
            ("GetSessionToken", 0.3),
        ],
    ),
    "kms.amazonaws.com": (
        12,
        [
            ("Decrypt", 8),
            ("GenerateDataKey", 5),
            ("Encrypt", 1),
            ("DescribeKey", 1),
            ("ListAliases", 0.5),
            ("CreateGrant", 0.3),
            ("DisableKey", 0.01),
            ("ScheduleKeyDeletion", 0.01),
        ],
    ),
    "s3.amazonaws.com": (
        12,
        [
            ("GetObject", 6),
            ("PutObject", 3),
            ("HeadObject", 2),
            ("GetBucketAcl", 2),
            ("GetBucketLocation", 1),
            ("ListBuckets", 0.5),
            ("GetBucketPolicy", 0.5),
            ("DeleteObject", 0.5),
            ("PutBucketPolicy", 0.02),
            ("PutBucketAcl", 0.02),
            ("DeleteBucketPolicy", 0.01),
            ("PutBucketLifecycle", 0.01),
            ("HeadBucket", 0.5),
        ],
    ),
    "ec2.amazonaws.com": (
        12,
        [
            ("DescribeInstances", 5),
            ("DescribeInstanceStatus", 2),
            ("DescribeSecurityGroups", 2),
            ("DescribeVolumes", 1),
            ("DescribeNetworkInterfaces", 1),
            ("DescribeSubnets", 1),
            ("CreateTags", 0.5),
            ("RunInstances", 0.3),
            ("StartInstances", 0.2),
            ("StopInstances", 0.2),
            ("TerminateInstances", 0.2),
            ("AuthorizeSecurityGroupIngress", 0.05),
            ("RevokeSecurityGroupIngress", 0.03),
            ("CreateSecurityGroup", 0.03),
            ("DeleteSecurityGroup", 0.02),
            ("CreateRoute", 0.02),
            ("DeleteRoute", 0.01),
            ("CreateRouteTable", 0.01),
            ("CreateNetworkAclEntry", 0.01),
            ("CreateVpc", 0.005),
            ("ModifyVpcAttribute", 0.005),
            ("CreateInternetGateway", 0.005),
            ("AttachInternetGateway", 0.005),
        ],
    ),
    "logs.amazonaws.com": (
        5,
        [
            ("CreateLogStream", 3),
            ("DescribeLogGroups", 1),
            ("DescribeLogStreams", 1),
            ("PutRetentionPolicy", 0.05),
            ("CreateLogGroup", 0.2),
        ],
    ),
    "monitoring.amazonaws.com": (
        4,
        [("GetMetricData", 3), ("DescribeAlarms", 1), ("ListMetrics", 1), ("PutMetricAlarm", 0.05)],
    ),
    "iam.amazonaws.com": (
        3.5,
        [
            ("GetRole", 3),
            ("ListRoles", 1),
            ("GetPolicy", 1),
            ("GetPolicyVersion", 1),
            ("ListAttachedRolePolicies", 1),
            ("GetUser", 0.5),
            ("ListAccessKeys", 0.3),
            ("PutRolePolicy", 0.04),
            ("AttachRolePolicy", 0.04),
            ("DetachRolePolicy", 0.02),
            ("CreatePolicyVersion", 0.02),
            ("CreateRole", 0.03),
            ("PassRole", 0.1),
        ],
    ),
    "lambda.amazonaws.com": (
        3,
        [
            ("GetFunction", 2),
            ("ListFunctions20150331", 1),
            ("Invoke", 1),
            ("UpdateFunctionConfiguration20150331v2", 0.1),
            ("UpdateFunctionCode20150331v2", 0.1),
        ],
    ),
    "dynamodb.amazonaws.com": (
        3,
        [
            ("DescribeTable", 2),
            ("ListTables", 1),
            ("DescribeContinuousBackups", 0.5),
            ("UpdateTable", 0.05),
        ],
    ),
    "ssm.amazonaws.com": (
        3,
        [
            ("GetParameter", 2),
            ("GetParameters", 1),
            ("UpdateInstanceInformation", 2),
            ("ListInstanceAssociations", 1),
            ("SendCommand", 0.05),
        ],
    ),
    "secretsmanager.amazonaws.com": (
        2,
        [("GetSecretValue", 3), ("DescribeSecret", 1), ("RotateSecret", 0.05)],
    ),
    "ecr.amazonaws.com": (
        2,
        [
            ("GetAuthorizationToken", 2),
            ("BatchGetImage", 2),
            ("GetDownloadUrlForLayer", 2),
            ("PutImage", 0.1),
        ],
    ),
    "ecs.amazonaws.com": (
        2,
        [
            ("DescribeServices", 1),
            ("ListTasks", 1),
            ("DescribeTasks", 1),
            ("RegisterTaskDefinition", 0.05),
            ("UpdateService", 0.05),
        ],
    ),
    "eks.amazonaws.com": (
        1.2,
        [("DescribeCluster", 2), ("ListNodegroups", 1), ("UpdateNodegroupConfig", 0.05)],
    ),
    "elasticloadbalancing.amazonaws.com": (
        1.2,
        [
            ("DescribeTargetHealth", 2),
            ("DescribeLoadBalancers", 1),
            ("RegisterTargets", 0.2),
            ("DeregisterTargets", 0.2),
        ],
    ),
    "autoscaling.amazonaws.com": (
        1,
        [
            ("DescribeAutoScalingGroups", 2),
            ("UpdateAutoScalingGroup", 0.1),
            ("SetDesiredCapacity", 0.1),
        ],
    ),
    "cloudformation.amazonaws.com": (
        1,
        [
            ("DescribeStacks", 2),
            ("ListStacks", 1),
            ("DescribeStackEvents", 1),
            ("CreateStack", 0.05),
            ("UpdateStack", 0.05),
            ("DeleteStack", 0.02),
        ],
    ),
    "rds.amazonaws.com": (
        1,
        [
            ("DescribeDBInstances", 2),
            ("DescribeDBClusters", 1),
            ("ModifyDBInstance", 0.05),
            ("CreateDBSnapshot", 0.05),
        ],
    ),
    "sns.amazonaws.com": (
        1,
        [("ListTopics", 1), ("GetTopicAttributes", 1), ("Publish", 1), ("Subscribe", 0.02)],
    ),
    "sqs.amazonaws.com": (
        1,
        [("GetQueueAttributes", 2), ("ListQueues", 1), ("SetQueueAttributes", 0.05)],
    ),
    "config.amazonaws.com": (
        1,
        [
            ("DescribeConfigRules", 1),
            ("PutEvaluations", 2),
            ("DescribeConfigurationRecorderStatus", 0.5),
            ("PutConfigurationRecorder", 0.01),
            ("PutDeliveryChannel", 0.01),
            ("StopConfigurationRecorder", 0.005),
        ],
    ),
    "cloudtrail.amazonaws.com": (
        0.8,
        [
            ("DescribeTrails", 1),
            ("GetTrailStatus", 1),
            ("LookupEvents", 1),
            ("GetEventSelectors", 0.5),
            ("StartLogging", 0.01),
            ("UpdateTrail", 0.01),
            ("CreateTrail", 0.005),
            ("StopLogging", 0.003),
        ],
    ),
    "signin.amazonaws.com": (0.6, [("ConsoleLogin", 1)]),
    "sso.amazonaws.com": (
        0.5,
        [("GetRoleCredentials", 2), ("ListAccounts", 1), ("ListAccountRoles", 1)],
    ),
    "route53.amazonaws.com": (
        0.6,
        [("ListHostedZones", 1), ("ListResourceRecordSets", 1), ("ChangeResourceRecordSets", 0.1)],
    ),
    "acm.amazonaws.com": (
        0.4,
        [("DescribeCertificate", 1), ("ListCertificates", 1), ("RequestCertificate", 0.02)],
    ),
    "apigateway.amazonaws.com": (
        0.4,
        [("GetRestApis", 1), ("GetStages", 1), ("CreateDeployment", 0.05)],
    ),
    "events.amazonaws.com": (
        0.5,
        [("ListRules", 1), ("DescribeRule", 1), ("PutRule", 0.05), ("PutTargets", 0.05)],
    ),
    "states.amazonaws.com": (
        0.4,
        [("DescribeExecution", 1), ("StartExecution", 0.5), ("ListExecutions", 1)],
    ),
    "glue.amazonaws.com": (
        0.5,
        [("GetTable", 2), ("GetDatabase", 1), ("GetPartitions", 1), ("BatchCreatePartition", 0.2)],
    ),
    "athena.amazonaws.com": (
        0.4,
        [("StartQueryExecution", 1), ("GetQueryExecution", 2), ("GetQueryResults", 1)],
    ),
    "kinesis.amazonaws.com": (0.3, [("DescribeStream", 1), ("ListStreams", 1)]),
    "firehose.amazonaws.com": (0.2, [("DescribeDeliveryStream", 1), ("ListDeliveryStreams", 1)]),
    "elasticache.amazonaws.com": (
        0.2,
        [("DescribeCacheClusters", 1), ("DescribeReplicationGroups", 1)],
    ),
    "guardduty.amazonaws.com": (
        0.5,
        [("ListDetectors", 1), ("GetFindings", 1), ("ListFindings", 1)],
    ),
    "securityhub.amazonaws.com": (
        0.5,
        [("BatchImportFindings", 2), ("GetFindings", 1), ("BatchUpdateFindings", 0.2)],
    ),
    "access-analyzer.amazonaws.com": (0.3, [("ListAnalyzers", 1), ("ValidatePolicy", 0.5)]),
    "backup.amazonaws.com": (0.3, [("ListBackupPlans", 1), ("StartBackupJob", 0.5)]),
    "health.amazonaws.com": (0.2, [("DescribeEvents", 1), ("DescribeEventAggregates", 1)]),
    "tagging.amazonaws.com": (0.3, [("GetResources", 1), ("TagResources", 0.1)]),
    "cloudfront.amazonaws.com": (
        0.2,
        [("ListDistributions", 1), ("GetDistribution", 1), ("CreateInvalidation", 0.1)],
    ),
    "wafv2.amazonaws.com": (0.1, [("ListWebACLs", 1), ("GetWebACL", 1), ("UpdateWebACL", 0.05)]),
    "ce.amazonaws.com": (0.1, [("GetCostAndUsage", 1)]),
    "servicequotas.amazonaws.com": (0.1, [("ListServiceQuotas", 1)]),
    "organizations.amazonaws.com": (0.4, [(n, 1) for n in ORG_READ_NAMES]),
}


class Stream:
    """An endless stream of records for one account: a template pool plus fresh rare events."""

    POOL = 2500  # templates per account (fewer for tiny trees, where building them dominates)

    def __init__(self, rng: random.Random, account: str, pool: int = POOL) -> None:
        self.rng = rng
        self.b = Builder(rng, account)
        self.pool_size = pool
        pairs: list[tuple[str, str]] = []
        weights: list[float] = []
        for src, (w, names) in SERVICES.items():
            total = sum(x for _, x in names)
            for n, x in names:
                pairs.append((src, n))
                weights.append(w * x / total)
        picks = rng.choices(pairs, weights=weights, k=pool)
        self.pool = [self.b.record(s, n) for s, n in picks]
        # Human principals call from varied addresses; services keep their own name.
        self.human = [not _is_service_ip(t["sourceIPAddress"]) for t in self.pool]
        self.ips = [self.b.ip() for _ in range(200)]

    def fresh(self) -> tuple[Record, bool]:
        """A record built from scratch; ``True`` when it is an 'interesting' one for escapes."""
        r = self.rng
        x = r.random()
        if x < 0.0004:  # an AWS Organizations change (what the CIS control looks for)
            return self.b.record(ORG_SOURCE, r.choice(ORG_CIS_NAMES), error_rate=0.1), True
        if x < 0.0007:  # same names from IAM: CreatePolicy / DeletePolicy near misses
            return self.b.record(
                "iam.amazonaws.com", r.choice(("CreatePolicy", "DeletePolicy")), 0.1
            ), True
        if x < 0.0009:  # Organizations, but not a CIS change
            name = r.choice(
                ("CreateOrganization", "DescribeOrganization", "EnableAWSServiceAccess")
            )
            return self.b.record(ORG_SOURCE, name), True
        if x < 0.0012:  # organizations.amazonaws.com as the caller of something else
            rec = self.b.record("iam.amazonaws.com", "CreateServiceLinkedRole")
            rec["userIdentity"] = {"type": "AWSService", "invokedBy": ORG_SOURCE}
            rec["sourceIPAddress"] = ORG_SOURCE
            rec["userAgent"] = ORG_SOURCE
            rec["requestParameters"] = {"aWSServiceName": ORG_SOURCE, "description": "AttachPolicy"}
            return rec, True
        if x < 0.0014:  # CloudTrail-Insight-like record: no eventSource/eventName
            return {
                "eventVersion": "1.08",
                "eventTime": "",
                "awsRegion": "us-east-1",
                "eventID": self.b.uuid(),
                "eventType": "AwsCloudTrailInsight",
                "recipientAccountId": self.b.account,
                "sharedEventID": self.b.uuid(),
                "insightDetails": {
                    "state": "Start",
                    "eventSource": "ec2.amazonaws.com",
                    "eventName": "RunInstances",
                    "insightType": "ApiCallRateInsight",
                    "insightContext": {
                        "statistics": {
                            "baseline": {"average": 0.0},
                            "insight": {"average": 2.5},
                            "insightDuration": 1,
                        }
                    },
                },
                "eventCategory": "Insight",
            }, False
        if x < 0.0019:  # a large record: a fleet launch (tens to hundreds of KB)
            rec = self.b.record("ec2.amazonaws.com", "RunInstances", error_rate=0.0)
            items = rec["responseElements"]["instancesSet"]["items"]
            one = items[0]
            n = 260 if x < 0.00142 else r.randint(10, 60)  # 1 in 50,000: over 256 KB
            fleet = []
            for i in range(n):
                item = dict(one)
                item["instanceId"] = self.b.instance_id()
                item["amiLaunchIndex"] = i
                item["privateIpAddress"] = (
                    f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
                )
                fleet.append(item)
            rec["responseElements"]["instancesSet"]["items"] = fleet
            return rec, False
        return {}, False

    def next(self, when: str, region: str) -> tuple[Record, bool]:
        rec, interesting = self.fresh()
        if rec:
            rec["eventTime"] = when
            rec["awsRegion"] = region
            return rec, interesting
        r = self.rng
        i = r.randrange(self.pool_size)
        rec = dict(self.pool[i])
        rec["eventTime"] = when
        rec["awsRegion"] = region
        rec["eventID"] = self.b.uuid()
        if "requestID" in rec:
            rec["requestID"] = self.b.uuid()
        if self.human[i]:
            rec["sourceIPAddress"] = r.choice(self.ips)
        return rec, "errorCode" in rec


def _is_service_ip(ip: str) -> bool:
    return ip.endswith("amazonaws.com") or ip == "AWS Internal"


# -- escapes ----------------------------------------------------------------------------------

_NEEDLE_FIELDS = ("eventSource", "eventName", "errorCode")


def _escape_one(text: str, rng: random.Random) -> str:
    """``text`` as JSON string content with one ASCII letter written as ``\\uXXXX``."""
    letters = [i for i, c in enumerate(text) if c.isalpha() or c == "."]
    if not letters:
        return text
    i = rng.choice(letters)
    return text[:i] + f"\\u{ord(text[i]):04{rng.choice('xX')}}" + text[i + 1 :]


def escaped_bytes(rec: Record, compact: bytes, rng: random.Random, interesting: bool) -> bytes:
    """The bytes to write for ``rec`` (whose compact JSON is ``compact``): usually ``compact``."""
    x = rng.random()
    if (interesting and x < 0.08) or x < 0.001:
        # hide a needle: one letter of eventSource / eventName / errorCode (or the key) escaped
        fields = [f for f in _NEEDLE_FIELDS if isinstance(rec.get(f), str)]
        if fields:
            f = rng.choice(fields)
            v = rec[f]
            old = b'"' + f.encode() + b'":' + orjson.dumps(v)
            if rng.random() < 0.25:
                new = b'"' + _escape_one(f, rng).encode() + b'":' + orjson.dumps(v)
            else:
                new = b'"' + f.encode() + b'":"' + _escape_one(v, rng).encode() + b'"'
            return compact.replace(old, new, 1)
    if x < 0.011:
        return compact.replace(b"/", b"\\/")  # '/' only occurs inside JSON strings
    if not compact.isascii() and x < 0.5:
        return json.dumps(rec, ensure_ascii=True, separators=(",", ":")).encode()
    return compact


# --------------------------------------------------------------------------------------------
# Ground truth


class Truth:
    def __init__(self) -> None:
        self.records = 0
        self.files = 0
        self.digest_files = 0
        self.raw_bytes = 0
        self.gz_bytes = 0
        self.counts = {"cis_org": 0, "term": 0, "regex": 0, "all": 0}
        self.controls = dict.fromkeys(CONTROL_PREDICATES, 0)
        self.controls_any = 0
        self.escaped_records = 0
        self.oversized = 0  # compact JSON over CloudWatch Logs' 256 KB event limit

    def add(self, rec: Record, compact: bytes) -> None:
        self.records += 1
        if len(compact) > 256 * 1024:
            self.oversized += 1
        c = self.counts
        c["all"] += 1
        if pred_cis_org(rec):
            c["cis_org"] += 1
        if pred_term(compact):
            c["term"] += 1
        if pred_regex(compact):
            c["regex"] += 1
        hit = False
        for cid, pred in CONTROL_PREDICATES.items():
            if pred(rec):
                self.controls[cid] += 1
                hit = True
        self.controls_any += hit


# --------------------------------------------------------------------------------------------
# Writers


def _digest(
    account: str, region: str, end: dt.datetime, logs: list[tuple[str, str]], rng: random.Random
) -> bytes:
    start = end - dt.timedelta(hours=1)
    stamp = end.strftime("%Y%m%dT%H%M%SZ")
    prefix = f"AWSLogs/{account}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}"
    doc = {
        "awsAccountId": account,
        "digestStartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "digestEndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "digestS3Bucket": f"cloudtrail-{account}",
        "digestS3Object": f"{prefix}/{account}_CloudTrail-Digest_{region}_org-trail_us-east-1_{stamp}.json.gz",
        "digestPublicKeyFingerprint": f"{rng.getrandbits(128):032x}",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "oldestEventTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "previousDigestS3Bucket": f"cloudtrail-{account}",
        "previousDigestS3Object": f"{prefix}/{account}_CloudTrail-Digest_{region}_org-trail_us-east-1_{start:%Y%m%dT%H%M%SZ}.json.gz",
        "previousDigestHashValue": f"{rng.getrandbits(256):064x}",
        "previousDigestHashAlgorithm": "SHA-256",
        "previousDigestSignature": f"{rng.getrandbits(2048):0512x}",
        "logFiles": [
            {
                "s3Bucket": f"cloudtrail-{account}",
                "s3Object": key,
                "hashValue": f"{rng.getrandbits(256):064x}",
                "hashAlgorithm": "SHA-256",
                "newestEventTime": t,
                "oldestEventTime": t,
            }
            for key, t in logs
        ],
    }
    return orjson.dumps(doc)


def write_cloudtrail(root: Path, target: int, seed: int, truth: Truth) -> None:
    rng = random.Random(seed)
    pool = max(100, min(Stream.POOL, target // 6000))
    streams = {a: Stream(random.Random(rng.getrandbits(64)), a, pool) for a in ACCOUNTS}
    acct_weight = (6, 3, 1)
    regions = [r for r, _ in REGIONS]
    region_w = [w for _, w in REGIONS]
    t = dt.datetime(2024, 3, 1, 0, 0, tzinfo=dt.UTC)
    pending: dict[tuple[str, str], list[tuple[str, str]]] = {}
    made_dirs: set[Path] = set()
    while truth.raw_bytes < target:
        account = rng.choices(ACCOUNTS, weights=acct_weight)[0]
        region = rng.choices(regions, weights=region_w)[0]
        stream = streams[account]
        n = min(500, max(50, int(rng.lognormvariate(5.0, 0.6))))
        day = f"{t:%Y/%m/%d}"
        base = f"{t:%Y-%m-%dT%H:%M}"
        parts: list[bytes] = []
        for _ in range(n):
            when = f"{base}:{rng.randrange(60):02d}Z"
            rec, interesting = stream.next(when, region)
            compact = orjson.dumps(rec)
            truth.add(rec, compact)
            out = escaped_bytes(rec, compact, rng, interesting)
            if out is not compact:
                truth.escaped_records += 1
            parts.append(out)
        data = b'{"Records":[' + b",".join(parts) + b"]}"
        key = (
            f"AWSLogs/{account}/CloudTrail/{region}/{day}/"
            f"{account}_CloudTrail_{region}_{t:%Y%m%dT%H%MZ}_{''.join(rng.choices('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', k=16))}.json.gz"
        )
        _write(root / key, gzip_bytes(data), made_dirs, truth)
        truth.raw_bytes += len(data)
        truth.files += 1
        pending.setdefault((account, region), []).append((key, when))
        # time advances a little per file: busy trails write several files per 5 minutes
        t += dt.timedelta(seconds=rng.randrange(20, 120))
        if len(pending[(account, region)]) >= 12:
            logs = pending.pop((account, region))
            body = _digest(account, region, t, logs, rng)
            dkey = body_key = orjson.loads(body)["digestS3Object"]
            del body_key
            _write(root / dkey, gzip_bytes(body), made_dirs, None)
            truth.digest_files += 1
    # every tree has digest files, however small
    for (account, region), logs in sorted(pending.items())[:2]:
        body = _digest(account, region, t, logs, rng)
        _write(root / orjson.loads(body)["digestS3Object"], gzip_bytes(body), made_dirs, None)
        truth.digest_files += 1


def _write(path: Path, data: bytes, made: set[Path], truth: Truth | None) -> None:
    d = path.parent
    if d not in made:
        d.mkdir(parents=True, exist_ok=True)
        made.add(d)
    path.write_bytes(data)
    if truth is not None:
        truth.gz_bytes += len(data)


_METHODS = ("GET", "GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD")
_PATHS = (
    "/",
    "/index.html",
    "/api/v1/orders",
    "/api/v1/orders/4711",
    "/api/v1/users/404",
    "/login",
    "/static/app.4f3c2a.js",
    "/static/style.css",
    "/favicon.ico",
    "/health",
    "/wp-login.php",
    "/.env",
    "/search?q=error+404",
    "/api/v1/reports/2024-03-01.csv",
)
_STATUS = (
    (200, 70),
    (304, 5),
    (301, 3),
    (302, 3),
    (404, 9),
    (403, 3),
    (400, 2),
    (401, 2),
    (429, 1),
    (500, 1.5),
    (502, 0.3),
    (503, 0.2),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def write_cwexport(root: Path, target: int, seed: int) -> dict[str, int]:
    """A CloudWatch Logs export to S3 of Apache access logs; returns its truth."""
    rng = random.Random(seed ^ 0x5EED)
    task = f"{rng.getrandbits(128):032x}"
    task = f"{task[:8]}-{task[8:12]}-4{task[13:16]}-{task[16:20]}-{task[20:]}"
    prefix = root / "exportedlogs"
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "aws-logs-write-test").write_text("Permission Check Successful")
    streams = [f"web-{i:02d}/{('access_log', 'ssl_access_log')[i % 2]}" for i in range(8)]
    codes = [c for c, _ in _STATUS]
    code_w = [w for _, w in _STATUS]
    ips = [
        f"{rng.choice((203, 198, 192, 10))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(500)
    ]
    users = ["-"] * 8 + ["frank", "alice", "svc_monitor"]
    truth = {"events": 0, "files": 0, "raw_bytes": 0, "gz_bytes": 0, "space": 0}
    t0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    per_stream: dict[str, int] = {}
    total = 0
    while total < target:
        stream = rng.choice(streams)
        nfile = per_stream.get(stream, 0)
        per_stream[stream] = nfile + 1
        lines: list[str] = []
        for _ in range(rng.randint(2000, 6000)):
            t = t0 + dt.timedelta(milliseconds=truth["events"] * 37 + rng.randrange(1000))
            x = rng.random()
            if x < 0.01:
                msg = rng.choice(
                    (
                        "healthcheck ok",
                        "[notice] caught SIGWINCH, shutting down gracefully",
                        "AH00558: apache2: Could not reliably determine the server's fully qualified domain name 404",
                    )
                )
                status = None
            else:
                status = rng.choices(codes, weights=code_w)[0]
                size = (
                    "-"
                    if status in (304, 204) or rng.random() < 0.02
                    else str(rng.choice((rng.randrange(100, 99999), 404, 403)))
                )
                ts = f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"
                req = f"{rng.choice(_METHODS)} {rng.choice(_PATHS)} HTTP/1.1"
                msg = f'{rng.choice(ips)} - {rng.choice(users)} [{ts}] "{req}" {status} {size}'
                if rng.random() < 0.3:  # the combined log format: two more (quoted) fields
                    msg += f' "https://example.com/" "{rng.choice(USER_AGENTS)[:60]}"'
            if status is not None and str(status).startswith("4"):
                truth["space"] += 1
            lines.append(f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z {msg}")
        data = ("\n".join(lines) + "\n").encode()
        path = prefix / task / stream / f"{nfile:06d}.gz"
        gz = gzip_bytes(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gz)
        truth["events"] += len(lines)
        truth["files"] += 1
        truth["raw_bytes"] += len(data)
        truth["gz_bytes"] += len(gz)
        total += len(data)
    return truth


# --------------------------------------------------------------------------------------------


SMALL_FILES = 7000
"""Files in the small-file tree (issue 12: an organization trail's shape)."""
SMALL_ACCOUNTS = 24


def write_small_files(root: Path, files: int, seed: int, truth: Truth) -> None:
    """An organization trail's many small objects: ``files`` CloudTrail files of 1-20
    records each, over :data:`SMALL_ACCOUNTS` accounts and every region (one file per
    account and region about every 5 minutes is what CloudTrail delivers)."""
    rng = random.Random(seed ^ 0x5A11)
    accounts = [f"{100000000000 + 7919 * i:012d}" for i in range(SMALL_ACCOUNTS)]
    streams = {a: Stream(random.Random(rng.getrandbits(64)), a, 100) for a in accounts}
    regions = [r for r, _ in REGIONS]
    t = dt.datetime(2024, 3, 1, 0, 0, tzinfo=dt.UTC)
    made_dirs: set[Path] = set()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    for n_file in range(files):
        account = accounts[n_file % len(accounts)]
        region = regions[(n_file // len(accounts)) % len(regions)]
        if n_file and n_file % (len(accounts) * len(regions)) == 0:
            t += dt.timedelta(minutes=5)
        stream = streams[account]
        parts: list[bytes] = []
        base = f"{t:%Y-%m-%dT%H:%M}"
        for _ in range(rng.randint(1, 20)):
            rec, interesting = stream.next(f"{base}:{rng.randrange(60):02d}Z", region)
            compact = orjson.dumps(rec)
            truth.add(rec, compact)
            out = escaped_bytes(rec, compact, rng, interesting)
            truth.escaped_records += out is not compact
            parts.append(out)
        data = b'{"Records":[' + b",".join(parts) + b"]}"
        key = (
            f"AWSLogs/{account}/CloudTrail/{region}/{t:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{t:%Y%m%dT%H%MZ}_{''.join(rng.choices(alphabet, k=16))}.json.gz"
        )
        _write(root / key, gzip_bytes(data), made_dirs, truth)
        truth.raw_bytes += len(data)
        truth.files += 1


def ensure_small(files: int = SMALL_FILES, seed: int = DEFAULT_SEED) -> tuple[Path, dict[str, Any]]:
    """The small-file tree (``benchmarks/data/smallfiles``), generated unless present."""
    out = DATA_ROOT / "smallfiles"
    tf = out / "truth.json"
    key = {"seed": seed, "generator_version": GENERATOR_VERSION, "small_files": files}
    if tf.exists():
        doc: dict[str, Any] = json.loads(tf.read_text())
        if all(doc.get(k) == v for k, v in key.items()):
            return out, doc
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    truth = Truth()
    write_small_files(out / "cloudtrail", files, seed, truth)
    doc = {
        **key,
        "generator_seconds": round(time.perf_counter() - started, 2),
        "cloudtrail": {
            "root": "cloudtrail",
            "files": truth.files,
            "digest_files": 0,
            "records": truth.records,
            "uncompressed_bytes": truth.raw_bytes,
            "gz_bytes": truth.gz_bytes,
        },
        "patterns": {
            "cis_org": {
                "pattern": CIS_ORG_PATTERN,
                "tree": "cloudtrail",
                "count": truth.counts["cis_org"],
            },
            "term": {"pattern": TERM_PATTERN, "tree": "cloudtrail", "count": truth.counts["term"]},
        },
    }
    tf.write_text(json.dumps(doc, indent=1) + "\n")
    return out, doc


def generate(
    out: Path, size: int, seed: int = DEFAULT_SEED, cw_fraction: float = 0.1
) -> dict[str, Any]:
    """Write the trees under ``out`` (replacing them) and return the ground truth (also written)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    truth = Truth()
    write_cloudtrail(out / "cloudtrail", size, seed, truth)
    cw = write_cwexport(out / "cwexport", max(50_000, int(size * cw_fraction)), seed)
    doc: dict[str, Any] = {
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "size_bytes_target": size,
        "generator_seconds": round(time.perf_counter() - started, 2),
        "cloudtrail": {
            "root": "cloudtrail",
            "files": truth.files,
            "digest_files": truth.digest_files,
            "records": truth.records,
            "escaped_records": truth.escaped_records,
            "oversized_records": truth.oversized,
            "uncompressed_bytes": truth.raw_bytes,
            "gz_bytes": truth.gz_bytes,
        },
        "cwexport": {
            "root": "cwexport",
            "files": cw["files"],
            "events": cw["events"],
            "uncompressed_bytes": cw["raw_bytes"],
            "gz_bytes": cw["gz_bytes"],
        },
        "patterns": {
            "cis_org": {
                "pattern": CIS_ORG_PATTERN,
                "tree": "cloudtrail",
                "count": truth.counts["cis_org"],
            },
            "controls": {
                "control": "all",
                "tree": "cloudtrail",
                "count": truth.controls_any,
                "per_control": truth.controls,
            },
            "term": {"pattern": TERM_PATTERN, "tree": "cloudtrail", "count": truth.counts["term"]},
            "regex": {
                "pattern": REGEX_PATTERN,
                "tree": "cloudtrail",
                "count": truth.counts["regex"],
            },
            "space": {"pattern": SPACE_PATTERN, "tree": "cwexport", "count": cw["space"]},
            "all": {"pattern": ALL_PATTERN, "tree": "cloudtrail", "count": truth.counts["all"]},
        },
    }
    (out / "truth.json").write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def ensure(
    size: str, seed: int = DEFAULT_SEED, out: Path | None = None
) -> tuple[Path, dict[str, Any]]:
    """The data directory for ``size``, generated unless it already holds this seed's tree."""
    out = out or DATA_ROOT / size
    tf = out / "truth.json"
    if tf.exists():
        doc: dict[str, Any] = json.loads(tf.read_text())
        same = (doc.get("seed"), doc.get("generator_version"), doc.get("size_bytes_target"))
        if same == (seed, GENERATOR_VERSION, SIZES[size]):
            return out, doc
    return out, generate(out, SIZES[size], seed)


def iter_files(root: Path, suffix: str = ".json.gz") -> Iterator[Path]:
    """CloudTrail log files (digests excluded) under ``root``, in a stable order."""
    for p in sorted(root.rglob("*" + suffix)):
        if "CloudTrail-Digest" not in p.parts:
            yield p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--bytes", type=int, help="uncompressed CloudTrail bytes (overrides --size)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, help="output directory (default benchmarks/data/<size>)")
    ap.add_argument("--force", action="store_true", help="regenerate even if present")
    a = ap.parse_args(argv)
    out = a.out or DATA_ROOT / a.size
    if a.bytes or a.force:
        doc = generate(out, a.bytes or SIZES[a.size], a.seed)
    else:
        out, doc = ensure(a.size, a.seed, out)
    ct = doc["cloudtrail"]
    print(
        f"{out}: {ct['files']} files + {ct['digest_files']} digests, {ct['records']} records, "
        f"{ct['uncompressed_bytes'] / 1e6:.1f} MB ({ct['gz_bytes'] / 1e6:.1f} MB gz), "
        f"{doc['generator_seconds']} s",
        file=sys.stderr,
    )
    print(json.dumps(doc["patterns"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
