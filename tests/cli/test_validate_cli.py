"""End-to-end tests of validate / test / explain through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Run

CIS_ORGS = (
    '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
    '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount")) }'
)


def test_invalid_pattern_exits_1_with_caret(trailreplay: Run) -> None:
    r = trailreplay("validate", "{ $.a = }")
    assert r.returncode == 1
    assert "{ $.a = }" in r.stderr
    assert "\n          ^" in r.stderr  # two spaces of indent + 8 columns


def test_valid_patterns_exit_0(trailreplay: Run) -> None:
    r = trailreplay("validate", CIS_ORGS, "ERROR", "[ip, ..., status=4*]")
    assert r.returncode == 0, r.stderr
    assert "ok (json)" in r.stdout and "ok (terms)" in r.stdout and "ok (space)" in r.stdout


def test_hint_for_missing_dot(trailreplay: Run) -> None:
    r = trailreplay("validate", "{ $eventName = x }")
    assert r.returncode == 1
    assert "hint: write '$.eventName'" in r.stderr


def test_warnings_change_exit_only_with_strict(trailreplay: Run) -> None:
    pattern = '{ $.a = "x*y" }'
    assert trailreplay("validate", pattern).returncode == 0
    r = trailreplay("validate", "--strict", pattern)
    assert r.returncode == 1 and "A6" in r.stderr


def test_file_and_stdin(trailreplay: Run, tmp_path: Path) -> None:
    f = tmp_path / "patterns.txt"
    f.write_text("# comment\nERROR\n\n{ $.a = 1 }\n")
    assert trailreplay("validate", "--file", str(f)).returncode == 0
    r = trailreplay("validate", "-", stdin="ERROR\n{ $.a == 1 }\n")
    assert r.returncode == 1


def test_unreadable_file_exits_2(trailreplay: Run, tmp_path: Path) -> None:
    r = trailreplay("validate", "--file", str(tmp_path / "missing.txt"))
    assert r.returncode == 2
    assert "missing.txt" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe")
    assert trailreplay("validate", "--file", str(bad)).returncode == 2


def test_json_output(trailreplay: Run) -> None:
    r = trailreplay("validate", "--format", "json", "{ $.a = }", "ERROR")
    data = json.loads(r.stdout)
    assert [x["valid"] for x in data["results"]] == [False, True]
    assert data["results"][0]["error"]["position"] == 8


def test_test_command_mirrors_test_metric_filter(trailreplay: Run, tmp_path: Path) -> None:
    events = tmp_path / "events.txt"
    events.write_text(
        '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534\n'
        '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324\n'
        '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355\n'
    )
    r = trailreplay("test", "[..., status_code=200, size]", "--events", str(events))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [m["eventNumber"] for m in out["matches"]] == [0, 2]
    assert out["matches"][0]["extractedValues"] == {
        "$1": "127.0.0.1",
        "$2": "-",
        "$3": "frank",
        "$4": "10/Oct/2000:13:25:15 -0700",
        "$5": "GET /apache_pb.gif HTTP/1.0",
        "$status_code": "200",
        "$size": "1534",
    }


def test_test_command_on_terms_from_stdin(trailreplay: Run) -> None:
    r = trailreplay(
        "test", '"[ERROR]" Exception', stdin="a [ERROR] InvalidQueryException\nb [INFO] x\n"
    )
    out = json.loads(r.stdout)
    assert [m["eventNumber"] for m in out["matches"]] == [0]
    assert out["matches"][0]["extractedValues"] == {}


def test_explain(trailreplay: Run) -> None:
    r = trailreplay("explain", "--format", "json", CIS_ORGS)
    assert r.returncode == 0
    info = json.loads(r.stdout)
    assert info["kind"] == "json"
    assert info["fields"] == ["$.eventSource", "$.eventName"]
    assert ['"organizations.amazonaws.com"'] in info["required_literals"]
    text = trailreplay("explain", CIS_ORGS).stdout
    assert "canonical:" in text and "AcceptHandshake" in text


def test_prover_findings(trailreplay: Run) -> None:
    r = trailreplay("validate", '{ $.a = "x" && $.a = "y" }')
    assert r.returncode == 0 and "never-matches" in r.stderr
    r = trailreplay("validate", "--strict", '{ $.a = x || $.a = "x*" }')
    assert r.returncode == 1 and "redundant-clause" in r.stderr
    r = trailreplay("validate", "--format", "json", '{ $.a = "*" || $.a != "*" }')
    codes = [f["code"] for f in json.loads(r.stdout)["results"][0]["findings"]]
    assert "matches-everything" not in codes  # null, booleans, objects, arrays, missing: no match


def test_patterns_from_a_file_are_reported_as_file_line(trailreplay: Run, tmp_path: Path) -> None:
    f = tmp_path / "p.txt"
    f.write_text('# header\n{ $.a = "x" && $.a = "y" }\n\n{ $.a = }\n')
    res = trailreplay("validate", "-f", str(f))
    assert res.returncode == 1
    assert f"{f}:2: warning[never-matches]" in res.stderr
    assert f"{f}:4: error: " in res.stderr


def test_a_lone_surrogate_in_a_patterns_file_is_one_named_error(
    trailreplay: Run, tmp_path: Path
) -> None:
    f = tmp_path / "p.json"
    f.write_text('[{"id": "ok", "pattern": "ERROR"}, {"pattern": "\\ud800"}]')
    res = trailreplay("validate", "-f", str(f))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "lone surrogate" in res.stderr and str(f) in res.stderr
    assert "Traceback" not in res.stderr
