"""What ``metrics`` and ``alarm`` print for people: record fields inert (issue 16, item 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.cli.main import app
from tests.runner import CliRunner

ACCT = "111122223333"
HOSTILE = "\x1b]8;;https://evil.example\x07root\x1b]8;;\x07\nforged line"


def _root_event(t: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "Root", "arn": HOSTILE, "accountId": ACCT},
        "eventTime": t,
        "eventSource": "ec2.amazonaws.com",
        "eventName": "Run\x1b[2JInstances",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10\r",
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCT,
        **extra,
    }


def test_alarm_and_metrics_text_is_inert(tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    src.write_text(json.dumps({"Records": [_root_event("2024-03-01T10:01:00Z", x="[/x]")]}))
    bad = tmp_path / "b\n\x1b[31mforged.json"
    bad.write_bytes(b"{nope")
    runner = CliRunner()
    res = runner.invoke(app, ["alarm", str(src), str(bad), "--control", "root-usage"])
    assert res.exit_code == 2, res.output
    assert "Run\\x1b[2JInstances" in res.stdout
    assert "\\x1b]8;;https://evil.example\\x07root" in res.stdout
    assert "\x1b" not in res.stdout and "\r" not in res.stdout
    assert "\x1b" not in res.stderr
    assert "b\\n\\x1b[31mforged.json" in res.stderr
    res = runner.invoke(
        app,
        ["metrics", str(src), "--control", "root-usage", "--dimension", "Who=$.eventName"],
    )
    assert res.exit_code == 0, res.output
    assert "Run\\x1b[2JInstances" in res.stdout and "\x1b" not in res.stdout
