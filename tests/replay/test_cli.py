"""End-to-end: the installed console script over real directory trees."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .helpers import REPO, RunCli, cli_command, ct_doc, ct_path, org, record, write

ORG_NAMES = ["CreateAccount", "AttachPolicy", "MoveAccount"]


def org_tree(root: Path) -> list[dict[str, Any]]:
    """An archive with one Organizations change per file, plus noise; returns the changes."""
    changes = []
    for i, (day, name) in enumerate(
        zip(["2024/03/12", "2024/03/13", "2024/03/14"], ORG_NAMES, strict=True)
    ):
        change = org(name, time=day.replace("/", "-") + "T10:00:00Z")
        changes.append(change)
        recs = [record(time=change["eventTime"]), change, org("ListAccounts")]
        write(ct_path(root, day, suffix=f"F{i:015d}", org_id="o-exampleorg1"), ct_doc(recs))
    return changes


def test_default_pattern_on_the_s3_layout(tmp_path: Path, run_cli: RunCli) -> None:
    changes = org_tree(tmp_path)
    write(tmp_path / "AWSLogs/o-exampleorg1/111122223333/CloudTrail-Digest/us-east-1/2024/03/12/"
          "111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240312T1100Z.json.gz",
          b'{"awsAccountId":"111122223333","digestStartTime":"x","logFiles":[]}')  # fmt: skip
    r = run_cli(tmp_path)
    assert r.code == 0, r.stderr
    assert r.lines() == changes  # records format when piped: the records, unchanged
    assert "files: 3 read, 1 skipped (digest 1), 0 failed" in r.stderr
    assert "organizations-changes 3" in r.stderr


def test_bundled_samples(run_cli: RunCli) -> None:
    r = run_cli("samples/", "--format", "envelope", cwd=REPO)
    assert r.code == 0, r.stderr
    *matches, summary = r.lines()
    assert len(matches) == 9
    assert {m["record"]["eventSource"] for m in matches} == {"organizations.amazonaws.com"}
    assert summary["summary"]["skipped"]["digest"] == 1
    assert summary["summary"]["oversized"] == 0  # the record over 256 KB is not a change
    assert summary["summary"]["files"]["failed"] == 0
    r = run_cli(
        "samples/", "--format", "envelope", "--pattern", '{ $.eventName = "CreateStack" }', cwd=REPO
    )
    *matches, summary = r.lines()
    assert [m.get("oversized") for m in matches] == [True]
    assert summary["summary"]["oversized"] == 1


def test_nothing_matched_exits_1(tmp_path: Path, run_cli: RunCli) -> None:
    write(ct_path(tmp_path), ct_doc([record()]))
    r = run_cli(tmp_path)
    assert (r.code, r.stdout) == (1, "")


@pytest.mark.parametrize("layout", ["s3", "cwl-export", "ndjson", "lookup", "filter", "console"])
def test_every_layout(tmp_path: Path, run_cli: RunCli, layout: str) -> None:
    recs = [record(), org(), org("ListAccounts")]
    line = [json.dumps(r, separators=(",", ":")) for r in recs]
    if layout == "s3":
        write(ct_path(tmp_path), ct_doc(recs))
    elif layout == "cwl-export":
        text = "".join(f"2024-03-12T10:00:00.000Z {m}\n" for m in line)
        write(tmp_path / "exports" / "task-1" / "stream-a" / "000000.gz", text.encode())
        write(tmp_path / "exports" / "aws-logs-write-test", b"Permission Check Successful")
    elif layout == "ndjson":
        write(tmp_path / "a.ndjson.gz", "\n".join(line).encode())
    elif layout == "lookup":
        events = [{"EventId": "1", "CloudTrailEvent": m} for m in line]
        write(tmp_path / "lookup.json", json.dumps({"Events": events}, indent=4).encode())
    elif layout == "filter":
        events = [{"logStreamName": "s", "message": m} for m in line]
        write(tmp_path / "fle.json", json.dumps({"events": events}, indent=4).encode())
    else:
        write(tmp_path / "event_history.json", json.dumps(recs, indent=2).encode())
    r = run_cli(tmp_path, "--format", "envelope")
    assert r.code == 0, r.stderr
    *matches, summary = r.lines()
    assert [m["record"] for m in matches] == [org()]
    assert matches[0]["pattern"] == "organizations-changes"
    assert matches[0]["source"]["index"] == 1
    assert summary["summary"]["records"] == 3
    if layout == "cwl-export":
        assert summary["summary"]["skipped"] == {"write-test": 1}


def test_log_export_of_any_log_group(tmp_path: Path, run_cli: RunCli) -> None:
    text = b"2024-03-12T10:00:00.000Z 192.0.2.1 - GET /a 404\n"
    write(tmp_path / "exp" / "task" / "web" / "000000.gz", text)
    r = run_cli(tmp_path, "-e", "[ip, user, method, url, status = 4*]", "--format", "envelope")
    assert r.code == 0, r.stderr
    match = r.lines()[0]
    assert (match["record"], match["message"]) == (None, "192.0.2.1 - GET /a 404")
    r = run_cli(tmp_path, "-e", "404")
    assert r.stdout == "192.0.2.1 - GET /a 404\n"  # records format: the message as stored


def make_broken(root: Path) -> dict[str, str]:
    """Every kind of bad input, each next to good data; returns name -> expected message."""
    good = gzip.compress(ct_doc([org()] * 200), mtime=0)
    write(root / "a-corrupt.json.gz", good[:10] + b"\x00not deflate" * 10, gz=False)
    write(root / "b-truncated-gzip.json.gz", good[: len(good) // 2], gz=False)
    write(root / "c-truncated-json.json", b'{"Records":[{"eventName":"x"},')
    write(root / "d-not-utf8.json", b'{"Records":[{"eventName":"\xff\xfe"}]}')
    write(root / "e-records-not-list.json", b'{"Records":{"a":1}}')
    write(root / "f-record-not-object.json", ct_doc([org(), "oops", org("AttachPolicy")]))
    write(root / "g-empty.json", b"")
    (root / "h-loop.json").symlink_to(root / "h-loop.json")
    (root / "i-broken-link.json").symlink_to(root / "nowhere")
    write(root / "z-good.json.gz", ct_doc([org("MoveAccount")]))
    return {
        "a-corrupt.json.gz": "corrupt gzip",
        "b-truncated-gzip.json.gz": "truncated gzip",
        "c-truncated-json.json": "truncated JSON",
        "d-not-utf8.json": "not valid UTF-8",
        "e-records-not-list.json": "'Records' is an object, not a list",
        "f-record-not-object.json": "record 1 is a string, not an object",
        "g-empty.json": "empty file",
        "h-loop.json": "symlink loop",
        "i-broken-link.json": "broken symbolic link",
    }


def test_every_kind_of_broken_input(tmp_path: Path, run_cli: RunCli) -> None:
    expected = make_broken(tmp_path)
    missing = tmp_path / "missing.json"
    summary_file = tmp_path / "summary.json"
    r = run_cli(tmp_path, missing, "--summary-json", summary_file)
    assert r.code == 2
    assert "Traceback" not in r.stderr
    problem_lines = [ln for ln in r.stderr.splitlines() if ln.startswith("trailreplay: ")]
    assert len(problem_lines) == len(expected) + 1  # one line per bad input
    for name, message in expected.items():
        [line] = [ln for ln in problem_lines if f"/{name}: " in ln]
        assert message in line, line
    assert any(f"{missing}: no such file or directory" in ln for ln in problem_lines)
    # the matches of every readable record are there: before the gzip break, around the bad
    # record, and in the good file
    names = [rec["eventName"] for rec in r.lines()]
    assert names.count("MoveAccount") == 1
    assert names.count("AttachPolicy") == 1
    assert names.count("CreateAccount") == 1  # a truncated gzip document yields nothing
    summary = json.loads(summary_file.read_text())
    assert summary["files"]["failed"] == len(expected) + 1
    assert summary["files"]["read"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a mode-000 file")
def test_unreadable_file(tmp_path: Path, run_cli: RunCli) -> None:
    path = write(tmp_path / "secret.json", ct_doc([org()]))
    path.chmod(0)
    try:
        r = run_cli(tmp_path)
    finally:
        path.chmod(0o644)
    assert r.code == 2 and "permission denied" in r.stderr


def test_stdin(tmp_path: Path, run_cli: RunCli) -> None:
    data = gzip.compress(ct_doc([record(), org()]), mtime=0)
    r = run_cli("-", "--format", "envelope", stdin=data)
    assert r.code == 0, r.stderr
    first = r.lines()[0]
    assert first["source"] == {"path": "-", "index": 1}
    # no arguments and a pipe on stdin: read it
    r = run_cli(stdin=b"\n".join(json.dumps(x).encode() for x in (org(), record())))
    assert r.code == 0 and r.lines() == [org()]
    # stdin among files keeps its place
    a = write(tmp_path / "a.json", ct_doc([org("AttachPolicy")]))
    b = write(tmp_path / "b.json", ct_doc([org("MoveAccount")]))
    r = run_cli(a, "-", b, "--workers", "2", stdin=ct_doc([org("CreateAccount")]))
    assert [x["eventName"] for x in r.lines()] == ["AttachPolicy", "CreateAccount", "MoveAccount"]


def test_since_until_filter_and_prune(tmp_path: Path, run_cli: RunCli) -> None:
    changes = org_tree(tmp_path)
    summary_file = tmp_path / "s.json"
    r = run_cli(tmp_path, "--since", "2024-03-13", "--until", "2024-03-13T23:59:59Z")
    assert r.code == 0, r.stderr
    assert r.lines() == [changes[1]]
    # the 12th's file is opened (clock-skew margin), the 14th's too (late delivery margin)
    r = run_cli(tmp_path, "--since", "2024-03-14T00:00:00+00:00", "--summary-json", summary_file)
    assert r.lines() == [changes[2]]
    summary = json.loads(summary_file.read_text())
    assert summary["skipped"] == {"outside-window": 1}  # the 12th: not opened
    assert summary["outside_window"] == 4  # the 13th's 3 records, and one of the 14th's
    r = run_cli(tmp_path, "--until", "2024-03-12", "--summary-json", summary_file)
    assert r.lines() == [changes[0]]
    assert json.loads(summary_file.read_text())["skipped"] == {"outside-window": 1}
    r = run_cli(tmp_path, "--since", "2025-01-01")
    assert r.code == 1 and r.stdout == ""
    r = run_cli(tmp_path, "--since", "next tuesday")
    assert r.code == 2 and "ISO 8601" in r.stderr


def test_several_patterns_one_pass(tmp_path: Path, run_cli: RunCli) -> None:
    org_tree(tmp_path)
    pfile = tmp_path / "patterns.toml"
    pfile.write_text('[[patterns]]\nid = "moves"\npattern = "{ $.eventName = MoveAccount }"\n')
    r = run_cli(tmp_path, "-e", "CreateAccount", "-e", "{ $.eventSource = organizations.* }",
                "--patterns-file", pfile, "--format", "envelope")  # fmt: skip
    assert r.code == 0, r.stderr
    *matches, summary = r.lines()
    assert summary["summary"]["matches"] == {"p1": 1, "p2": 6, "moves": 1}
    assert [m["pattern"] for m in matches if m["record"]["eventName"] == "CreateAccount"] == [
        "p1",
        "p2",
    ]
    r = run_cli(tmp_path, "-e", "CreateAccount", "-e", "MoveAccount")
    assert len(r.lines()) == 2  # records format: each record once


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.txt", "# comment\nCreateAccount\n\n{ $.eventName = MoveAccount }\n"),
        ("p.json", '[{"id": "a", "pattern": "CreateAccount"}, {"pattern": "MoveAccount"}]'),
        ("p.toml", 'patterns = ["CreateAccount", "{ $.eventName = MoveAccount }"]'),
    ],
)
def test_patterns_file_forms(tmp_path: Path, run_cli: RunCli, name: str, content: str) -> None:
    org_tree(tmp_path / "data")
    (tmp_path / name).write_text(content)
    r = run_cli(tmp_path / "data", "-f", tmp_path / name, "--format", "envelope")
    assert r.code == 0, r.stderr
    assert sum(r.lines()[-1]["summary"]["matches"].values()) == 2


def test_invalid_pattern_exits_2_before_scanning(tmp_path: Path, run_cli: RunCli) -> None:
    r = run_cli(tmp_path / "missing", "-e", "{ $.a = }")
    assert r.code == 2
    assert "invalid pattern p1" in r.stderr and "^" in r.stderr
    assert "missing" not in r.stderr  # nothing was scanned
    r = run_cli(
        tmp_path,
        "-e",
        "a",
        "-e",
        "b",
        "-f",
        write(tmp_path / "x.json", b'[{"id":"p1","pattern":"c"}]'),
    )
    assert r.code == 2 and "used twice" in r.stderr


def test_workers_1_and_2_give_identical_output(tmp_path: Path, run_cli: RunCli) -> None:
    for i in range(12):
        recs = [org(ORG_NAMES[i % 3], time=f"2024-03-12T10:{i:02d}:00Z"), record()] * (i + 1)
        write(ct_path(tmp_path, suffix=f"W{i:015d}"), ct_doc(recs))
    make_broken(tmp_path / "broken")
    one = run_cli(tmp_path, "--workers", "1", "--format", "envelope", "-q")
    two = run_cli(tmp_path, "--workers", "2", "--format", "envelope", "-q")
    assert one.code == two.code == 2
    strip = [json.dumps(x) for x in one.lines() if "summary" not in x]
    assert strip == [json.dumps(x) for x in two.lines() if "summary" not in x]
    assert len(strip) > 80
    assert one.stderr == two.stderr


def test_table_format(tmp_path: Path, run_cli: RunCli) -> None:
    org_tree(tmp_path)
    r = run_cli(tmp_path, "--format", "table")
    assert r.code == 0
    assert "CreateAccount" in r.stdout and "event" in r.stdout and "principal" in r.stdout


def test_control_option(tmp_path: Path, run_cli: RunCli) -> None:
    pytest.importorskip("engine.catalog")
    org_tree(tmp_path)
    r = run_cli(tmp_path, "--control", "organizations-changes", "--format", "envelope")
    assert r.code == 0, r.stderr
    assert r.lines()[-1]["summary"]["matches"] == {"organizations-changes": 3}
    r = run_cli(tmp_path, "--control", "no-such-control")
    assert r.code == 2 and "no-such-control" in r.stderr


def test_ctrl_c_flushes_what_was_found(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", ct_doc([org()]))
    proc = subprocess.Popen(
        [*cli_command(), "scan", str(first), "-", "--workers", "1"],
        stdin=subprocess.PIPE,  # kept open: the scan waits on it after the first file
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()  # the first file's match is flushed before stdin is read
    assert json.loads(line) == org()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out == b""
    assert b"interrupted" in err and b"Traceback" not in err


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("p.json", b'[{"pattern": "CreateAccount"}, {"pattern": "\\ud800"}]', "lone surrogate"),
        ("p.txt", b"CreateAccount\n\xed\xa0\x80\n", ":2:1: not UTF-8 text"),
    ],
)
def test_a_bad_patterns_file_is_one_usage_error(
    tmp_path: Path, run_cli: RunCli, name: str, content: bytes, why: str
) -> None:
    org_tree(tmp_path / "data")
    write(tmp_path / name, content)
    r = run_cli(tmp_path / "data", "-f", tmp_path / name)
    assert r.code == 2
    assert r.stderr.count("\n") == 1 and why in r.stderr and name in r.stderr
    assert r.stdout == ""


def test_an_invalid_pattern_from_a_file_is_reported_as_file_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    pfile = write(tmp_path / "p.txt", b"# CIS\nCreateAccount\n\n{ $.a = }\n")
    r = run_cli(tmp_path / "missing", "-f", pfile)
    assert r.code == 2
    assert f"invalid pattern p2 ({pfile}:4): " in r.stderr
