"""Helpers for the replay tests: build archive trees, run the console script."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REAL_RECORDS = REPO.parent / "shared" / "samples-real" / "awsdocs__aws-cloudtrail-user-guide.json"
SCRIPT = REPO / ".venv" / "bin" / "trailreplay"

ORG_PATTERN_ID = "organizations-changes"


def cli_command() -> list[str]:
    if SCRIPT.exists():
        return [str(SCRIPT)]
    return [sys.executable, "-m", "engine.cli.main"]


def record(
    name: str = "DescribeInstances",
    source: str = "ec2.amazonaws.com",
    time: str = "2024-03-12T10:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/Mary"},
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.1",
        "recipientAccountId": "111122223333",
    }
    rec.update(extra)
    return rec


def org(
    name: str = "CreateAccount", time: str = "2024-03-12T10:00:00Z", **extra: Any
) -> dict[str, Any]:
    return record(name, "organizations.amazonaws.com", time, **extra)


def ct_doc(records: Sequence[Any]) -> bytes:
    return json.dumps({"Records": list(records)}, separators=(",", ":")).encode()


def write(path: Path, data: bytes, gz: bool | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz if gz is not None else path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def ct_path(
    root: Path,
    day: str = "2024/03/12",
    account: str = "111122223333",
    region: str = "us-east-1",
    suffix: str = "AbCdEfGhIjKlMnOp",
    org_id: str | None = None,
) -> Path:
    y, m, d = day.split("/")
    base = root / "AWSLogs"
    if org_id:
        base = base / org_id
    name = f"{account}_CloudTrail_{region}_{y}{m}{d}T1005Z_{suffix}.json.gz"
    return base / account / "CloudTrail" / region / y / m / d / name


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


RunCli = Callable[..., Run]
