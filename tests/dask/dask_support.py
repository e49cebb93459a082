"""Helpers for the Dask tests: a CloudTrail tree with a broken file, the console script."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".venv" / "bin" / "trailreplay"


def record(name: str, source: str, time: str, **extra: Any) -> dict[str, Any]:
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


def write_tree(root: Path, files: int = 24) -> Path:
    """A CloudTrail tree of ``files`` files over several days, plus a corrupt one."""
    names = ["CreateAccount", "DescribeInstances", "ConsoleLogin", "AttachPolicy", "GetObject"]
    sources = ["organizations", "ec2", "signin", "organizations", "s3"]
    for i in range(files):
        day = f"2024/03/{10 + i % 5:02d}"
        recs = [
            record(names[(i + j) % 5], f"{sources[(i + j) % 5]}.amazonaws.com",
                   f"{day.replace('/', '-')}T10:{j:02d}:00Z",
                   **({"errorCode": "AccessDenied"} if (i * j) % 7 == 3 else {}))
            for j in range(20)
        ]  # fmt: skip
        path = root / "AWSLogs/111122223333/CloudTrail/us-east-1" / day / f"f{i:03d}.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(json.dumps({"Records": recs}).encode(), mtime=0))
    bad = root / "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/11/zz-broken.json.gz"
    bad.write_bytes(gzip.compress(b'{"Records": [{"a": 1}]}', mtime=0)[:-10] + b"0123456789")
    return root


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "engine.cli.main"]
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    return subprocess.run(
        [*command, "scan", *map(str, args)],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
