"""``metrics`` / ``alarm`` end to end over a synthetic archive with known bursts,
and the picture."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from engine.alarms.alarm import AlarmSpec, replay
from engine.alarms.plot import PlotError, render_svg, write_plot
from engine.cli.main import app
from tests.runner import CliRunner

ACCT = "111122223333"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _record(t: str, name: str, root: bool, ip: str = "198.51.100.7") -> dict[str, Any]:
    ui: dict[str, Any] = (
        {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT}
        if root
        else {
            "type": "IAMUser",
            "principalId": "AIDACKCEVSQ6C2EXAMPLE",
            "arn": f"arn:aws:iam::{ACCT}:user/alice",
            "accountId": ACCT,
            "userName": "alice",
        }
    )
    return {
        "eventVersion": "1.09",
        "userIdentity": ui,
        "eventTime": t,
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "requestParameters": None,
        "responseElements": None,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCT,
    }


# Root usage bursts: three events in the 10:00 period, then one each in 11:30 and 11:35.
BURSTS = [
    ("2024-03-01T10:01:00Z", "DescribeInstances", "203.0.113.10"),
    ("2024-03-01T10:02:30Z", "StopInstances", "203.0.113.10"),
    ("2024-03-01T10:04:59Z", "TerminateInstances", "203.0.113.11"),
    ("2024-03-01T11:31:00Z", "CreateKeyPair", "203.0.113.12"),
    ("2024-03-01T11:36:00Z", "RunInstances", "203.0.113.12"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    day = root / "AWSLogs" / ACCT / "CloudTrail" / "us-east-1" / "2024" / "03" / "01"
    day.mkdir(parents=True)
    noise = [
        _record(f"2024-03-01T{h:02d}:{m:02d}:00Z", "DescribeRegions", root=False)
        for h in range(9, 13)
        for m in range(0, 60, 10)
    ]
    bursts = [_record(t, n, root=True, ip=ip) for t, n, ip in BURSTS]
    records = sorted(noise + bursts, key=lambda r: r["eventTime"])
    # Two files, split mid-way, as CloudTrail delivers them.
    half = len(records) // 2
    for i, chunk in enumerate((records[:half], records[half:])):
        name = f"{ACCT}_CloudTrail_us-east-1_20240301T{9 + i * 2:02d}00Z_abc{i}.json.gz"
        (day / name).write_bytes(gzip.compress(json.dumps({"Records": chunk}).encode(), mtime=0))
    return root


runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_metrics_table_csv_json(archive: Path) -> None:
    res = invoke(
        "metrics", str(archive), "--control", "root-usage", "--period", "300", "--format", "csv"
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["timestamp"], r["Sum"], r["SampleCount"]) for r in rows] == [
        ("2024-03-01T10:00:00Z", "3", "3"),
        ("2024-03-01T11:30:00Z", "1", "1"),
        ("2024-03-01T11:35:00Z", "1", "1"),
    ]
    res = invoke("metrics", str(archive), "--control", "root-usage", "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["period"] == 60
    assert [d["timestamp"] for d in doc["datapoints"]] == [
        "2024-03-01T10:01:00Z",
        "2024-03-01T10:02:00Z",
        "2024-03-01T10:04:00Z",
        "2024-03-01T11:31:00Z",
        "2024-03-01T11:36:00Z",
    ]
    assert doc["summary"]["records"] == 24 + 5
    assert doc["summary"]["matched"] == 5
    assert doc["metric"]["name"] == "RootUsage"
    res = invoke("metrics", str(archive), "--control", "root-usage", "--period", "3600")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0].split() == [
        "timestamp", "Sum", "SampleCount", "Minimum", "Maximum", "Average"
    ]  # fmt: skip
    assert len(res.stdout.splitlines()) == 3  # 10:00 and 11:00


def test_metrics_dimensions(archive: Path) -> None:
    res = invoke(
        "metrics", str(archive), "--pattern", "{ $.userIdentity.type = Root }",
        "--dimension", "Event=$.eventName", "--period", "3600", "--format", "json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = {
        (d["dimensions"]["Event"], d["timestamp"]): d["Sum"]
        for d in json.loads(res.stdout)["datapoints"]
    }
    assert got == {
        ("CreateKeyPair", "2024-03-01T11:00:00Z"): 1,
        ("DescribeInstances", "2024-03-01T10:00:00Z"): 1,
        ("RunInstances", "2024-03-01T11:00:00Z"): 1,
        ("StopInstances", "2024-03-01T10:00:00Z"): 1,
        ("TerminateInstances", "2024-03-01T10:00:00Z"): 1,
    }


def test_metrics_nothing_matches_exits_1(archive: Path) -> None:
    res = invoke("metrics", str(archive), "--pattern", "{ $.eventName = Nothing }")
    assert res.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--control", "root-usage", "--pattern", "x"], "exactly one of"),
        ([], "exactly one of"),
        (["--control", "nope"], "known ids"),
        (["--pattern", "{ $.a = }"], "invalid pattern"),
        (["--pattern", "ERROR", "--metric-value", "$.bytes"], "has no fields"),
        (["--pattern", "ERROR", "--dimension", "A=$.a"], "does not support dimensions"),
        (["--control", "root-usage", "--dimension", "A"], "expected NAME="),
        (
            ["--control", "root-usage", "--dimension", "A=$.a", "--default-value", "0"],
            "default value cannot be set together with dimensions",
        ),
        (["--control", "root-usage", "--default-value", "zero"], "not a number"),
        (["--control", "root-usage", "--unit", "Parsecs"], "not a CloudWatch unit"),
        (["--control", "root-usage", "--period", "7"], "period 7"),
        (["--control", "root-usage", "--format", "xml"], "--format"),
    ],
)
def test_metrics_errors_exit_2(archive: Path, args: list[str], message: str) -> None:
    res = invoke("metrics", str(archive), *args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output


def test_alarm_control_defaults(archive: Path) -> None:
    res = invoke("alarm", str(archive), "--control", "root-usage", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    a = doc["alarm"]
    assert (a["statistic"], a["period"], a["threshold"], a["comparison"]) == (
        "Sum", 300, 1.0, "GreaterThanOrEqualToThreshold"
    )  # fmt: skip
    assert (a["evaluation_periods"], a["datapoints_to_alarm"], a["evaluation_range"]) == (1, 1, 3)
    # Burst 1 (10:00 period) is evaluated at 10:05 and stays in the 3-period range until 10:20.
    periods = [(p["start"], p["end"]) for p in doc["alarm_periods"]]
    assert periods == [
        ("2024-03-01T10:05:00Z", "2024-03-01T10:20:00Z"),
        ("2024-03-01T11:35:00Z", "2024-03-01T11:55:00Z"),
    ]
    first = doc["alarm_periods"][0]["breaching_datapoints"]
    assert [(d["timestamp"], d["value"]) for d in first] == [("2024-03-01T10:00:00Z", 3)]
    assert [
        (e["time"], e["principal"], e["eventName"], e["sourceIPAddress"])
        for e in first[0]["events"]
    ] == [
        ("2024-03-01T10:01:00Z", f"arn:aws:iam::{ACCT}:root", "DescribeInstances", "203.0.113.10"),
        ("2024-03-01T10:02:30Z", f"arn:aws:iam::{ACCT}:root", "StopInstances", "203.0.113.10"),
        ("2024-03-01T10:04:59Z", f"arn:aws:iam::{ACCT}:root", "TerminateInstances", "203.0.113.11"),
    ]
    second = doc["alarm_periods"][1]["breaching_datapoints"]
    assert [d["timestamp"] for d in second] == ["2024-03-01T11:30:00Z", "2024-03-01T11:35:00Z"]
    assert doc["final_state"] == "OK"
    assert [(t["time"], t["from"], t["to"]) for t in doc["transitions"]] == [
        ("2024-03-01T09:05:00Z", "INSUFFICIENT_DATA", "OK"),
        ("2024-03-01T10:05:00Z", "OK", "ALARM"),
        ("2024-03-01T10:20:00Z", "ALARM", "OK"),
        ("2024-03-01T11:35:00Z", "OK", "ALARM"),
        ("2024-03-01T11:55:00Z", "ALARM", "OK"),
    ]


def test_alarm_options(archive: Path) -> None:
    # A range of one period: ALARM only while the breaching period is the latest one.
    res = invoke(
        "alarm",
        str(archive),
        "--control",
        "root-usage",
        "--evaluation-range",
        "1",
        "--format",
        "json",
    )
    periods = [(p["start"], p["end"]) for p in json.loads(res.stdout)["alarm_periods"]]
    assert periods == [
        ("2024-03-01T10:05:00Z", "2024-03-01T10:10:00Z"),
        ("2024-03-01T11:35:00Z", "2024-03-01T11:45:00Z"),
    ]
    # Threshold 3 with Sum: only the first burst; with Maximum never (each sample is 1).
    res = invoke(
        "alarm", str(archive), "--control", "root-usage", "--threshold", "3", "--format", "json"
    )
    assert len(json.loads(res.stdout)["alarm_periods"]) == 1
    res = invoke(
        "alarm",
        str(archive),
        "--control",
        "root-usage",
        "--threshold",
        "2",
        "--statistic",
        "Maximum",
    )
    assert res.exit_code == 1
    assert "0 alarm period(s)" in res.stdout
    # 2 of 2 at 300 s: 11:30 and 11:35 are consecutive, the first burst is one period.
    res = invoke(
        "alarm",
        str(archive),
        "--control",
        "root-usage",
        "--evaluation-periods",
        "2",
        "--format",
        "json",
    )
    doc = json.loads(res.stdout)
    assert doc["alarm"]["datapoints_to_alarm"] == 2
    assert [p["start"] for p in doc["alarm_periods"]] == ["2024-03-01T11:40:00Z"]


def test_alarm_table_output(archive: Path) -> None:
    res = invoke("alarm", str(archive), "--control", "root-usage")
    assert res.exit_code == 0
    out = res.stdout
    assert "2024-03-01T10:05:00Z  OK -> ALARM" in out
    assert "datapoint 2024-03-01T10:00:00Z  Sum=3  (3 event(s))" in out
    assert f"2024-03-01T10:02:30Z  {ACCT}:root  StopInstances  203.0.113.10" in out
    assert "2 alarm period(s); final state OK" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--comparison", "Bigger"], "unknown comparison"),
        (["--treat-missing-data", "zero"], "treat-missing-data"),
        (["--statistic", "p99"], "unknown statistic"),
        (["--period", "45"], "period 45"),
        (["--period", "0"], "'--period': 0 is not in the range"),
        (["--evaluation-periods", "0"], "'--evaluation-periods': 0 is not in the range"),
        (["--evaluation-range", "1000000000000"], "'--evaluation-range'"),
        (["--period", "600000000000000000000"], "'--period'"),
        (["--evaluation-periods", "2", "--datapoints-to-alarm", "3"], "datapoints to alarm"),
        (["--plot", "out.gif"], "unknown picture format"),
    ],
)
def test_alarm_errors_exit_2(archive: Path, args: list[str], message: str, tmp_path: Path) -> None:
    args = [a if a != "out.gif" else str(tmp_path / "out.gif") for a in args]
    res = invoke("alarm", str(archive), "--control", "root-usage", *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def _svg_spans(path: Path) -> int:
    tree = ET.parse(path)  # raises if not well-formed XML
    root = tree.getroot()
    assert root.tag == f"{SVG_NS}svg"
    return sum(1 for el in root.iter(f"{SVG_NS}rect") if el.get("class") == "alarm-span")


def test_alarm_plot_svg(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "alarm.svg"
    res = invoke("alarm", str(archive), "--control", "root-usage", "--plot", str(out))
    assert res.exit_code == 0, res.output
    assert _svg_spans(out) == 2
    datapoints = [
        el for el in ET.parse(out).getroot().iter(f"{SVG_NS}rect") if el.get("class") == "datapoint"
    ]
    assert len(datapoints) == 3


def test_render_svg_span_count_and_open_span() -> None:
    spec = AlarmSpec(period=60, treat_missing_data="notBreaching", evaluation_range=1)
    values = {0: 1.0, 180: 2.0, 360: 1.0, 420: 1.0}
    tl = replay(values, spec)
    assert len(tl.spans) == 3
    root = ET.fromstring(render_svg(tl, values, title="a <b> & c"))
    assert sum(1 for el in root.iter(f"{SVG_NS}rect") if el.get("class") == "alarm-span") == 3
    breaching = replay({0: 1.0}, AlarmSpec(period=60, treat_missing_data="breaching"))
    root = ET.fromstring(render_svg(breaching, {0: 1.0}))
    assert sum(1 for el in root.iter(f"{SVG_NS}rect") if el.get("class") == "alarm-span") == 1
    assert ET.fromstring(render_svg(replay({}, spec), {})) is not None  # empty: still valid


def test_plot_png(tmp_path: Path) -> None:
    spec = AlarmSpec(period=60, evaluation_range=1)
    tl = replay({0: 1.0, 300: 1.0}, spec)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(PlotError, match=r"pip install 'trailreplay\[plot\]'"):
            write_plot(tmp_path / "a.png", tl, {0: 1.0, 300: 1.0})
        pytest.skip("matplotlib is not installed: checked the install hint instead")
    out = tmp_path / "a.png"
    write_plot(out, tl, {0: 1.0, 300: 1.0})
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_console_script_alarm(archive: Path, tmp_path: Path) -> None:
    """The real console script, as a user runs it."""
    script = Path(sys.executable).parent / "trailreplay"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "engine.cli.main"]
    out = tmp_path / "a.svg"
    proc = subprocess.run(
        [*cmd, "alarm", str(archive), "--control", "4.3", "--plot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 alarm period(s)" in proc.stdout
    assert _svg_spans(out) == 2


def test_unreadable_inputs_exit_2_after_the_results(archive: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(b"not gzip at all")
    for command in ("metrics", "alarm"):
        res = invoke(command, str(archive), str(broken), "--control", "root-usage")
        assert res.exit_code == 2, res.output
        assert "broken.json.gz" in res.stderr and "could not be read" in res.stderr
        assert res.stdout.strip()  # the readable archive's results are still there
