"""End to end through the console script: no silent wrong answer, and one convention for
mistakes (one ``trailreplay:`` line, exit 2, no traceback) in every command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.cli.options import time_argument

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("trailreplay")
CT_FILE = next((REPO / "samples/AWSLogs").rglob("*_CloudTrail_us-east-1_*.json.gz"))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "engine.cli.main"]
    return subprocess.run(
        [*cmd, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )


def one_usage_line(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, nothing on stdout, one ``trailreplay:`` line naming ``words``, no traceback."""
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("trailreplay: ")
    for w in words:
        assert w in lines[0]


# --------------------------------------------------------------------------- silent answers


def test_inverted_window_is_a_usage_error() -> None:
    r = run("scan", "samples/", "--since", "2024-03-14", "--until", "2024-03-12")
    one_usage_line(r, "--until", "--since")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--accounts", "4444-5555-6666"),
        ("--accounts", "11112222333"),
        ("--regions", "EU_WEST_1"),
        ("--regions", "us-east-1,moon"),
    ],
)
def test_malformed_account_or_region_is_a_usage_error(option: str, value: str) -> None:
    one_usage_line(run("scan", "samples/", option, value), option)


def test_unknown_region_warns_and_counts_the_excluded_files() -> None:
    r = run("scan", "samples/", "--regions", "eu-west-9", "--summary-json", "-", "-q")
    assert r.returncode == 1
    assert "warning: every file was skipped" in r.stderr
    assert "outside-scope" in r.stderr
    r = run("scan", "samples/", "--regions", "us-east-2", "--format", "envelope", "-q")
    summary = json.loads(r.stdout.splitlines()[-1])["summary"]
    assert summary["skipped"]["outside-scope"] > 0
    assert summary["files"]["read"] > 0


def test_empty_source_warns(tmp_path: Path) -> None:
    r = run("scan", str(tmp_path))
    assert r.returncode == 1
    assert f"trailreplay: warning: no log file found in {tmp_path}" in r.stderr


def test_window_excluding_every_file_warns() -> None:
    r = run("scan", "samples/", "--since", "2030-01-01")
    assert r.returncode == 1
    assert "warning: every file was skipped (" in r.stderr


def test_ndjson_on_a_cloudtrail_file_is_an_error_not_a_clean_archive() -> None:
    r = run("scan", str(CT_FILE), "--input-format", "ndjson")
    assert r.returncode == 2
    assert "a CloudTrail log file" in r.stderr and "--input-format cloudtrail" in r.stderr


def test_lint_with_no_file_to_check(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing to lint\n")
    r = run("lint", str(tmp_path))
    assert r.returncode == 2
    assert "no file to check" in r.stdout + r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "samples/", "--workers", "99999999999999999999"],
        ["scan", "samples/", "-j", "0"],
        ["scan", "samples/", "--since", "0001-01-01", "--until", "9999-12-31"],
        ["scan", "samples/", "--until", "9999-12-31"],
        ["scan", "samples/", "--since", "999999999d"],
        ["metrics", "samples/", "-c", "root-usage", "--period", "6e20"],
        ["metrics", "samples/", "-c", "root-usage", "--period", "600000000000000000000"],
        ["alarm", "samples/", "-c", "root-usage", "--evaluation-range", "1000000000000"],
        ["alarm", "samples/", "-c", "root-usage", "--since", "10000-01-01"],
    ],
)
def test_absurd_options_are_usage_errors(args: list[str]) -> None:
    one_usage_line(run(*args))


# --------------------------------------------------------------------------- one convention


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "samples/", "--bogus"],
        ["scan", "samples/", "--format", "xml"],
        ["validate", "--format", "yaml", "x"],
        ["lint", "samples/", "--fail-level", "info"],
        ["audit", "check", "x.json", "--format", "html"],
        ["patterns", "list", "--format", "csv"],
        ["equiv", "a"],
        ["nosuchcommand"],
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str]) -> None:
    one_usage_line(run(*args), "see 'trailreplay")


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "samples/", "-e", "{ $.a == 1 }"],
        ["test", "{ $.a == 1 }", "--event", "x"],
        ["explain", "{ $.a == 1 }"],
        ["metrics", "samples/", "-e", "{ $.a == 1 }"],
        ["alarm", "samples/", "-e", "{ $.a == 1 }"],
        ["equiv", "{ $.a == 1 }", "x"],
        ["covers", "x", "{ $.a == 1 }"],
    ],
)
def test_an_invalid_pattern_is_a_usage_error_everywhere(args: list[str]) -> None:
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("trailreplay: invalid pattern"), r.stderr
    assert "^" in r.stderr  # with its caret
    assert "Traceback" not in r.stderr


def test_validate_reports_an_invalid_pattern_as_its_finding() -> None:
    # validate's job is to judge patterns: an invalid one is a finding (exit 1), as in lint.
    assert run("validate", "{ $.a == 1 }").returncode == 1


def test_patterns_from_a_file_are_reported_as_file_line(tmp_path: Path) -> None:
    f = tmp_path / "p.txt"
    f.write_text("# comment\n\nERROR\n{ $.a == 1 }\n")
    r = run("scan", "samples/", "-f", str(f))
    assert r.returncode == 2
    assert f"invalid pattern p2 ({f}:4):" in r.stderr
    r = run("validate", "-f", str(f))
    assert r.returncode == 1
    assert f"{f}:4: error:" in r.stderr


def test_version_and_short_help() -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("trailreplay ")
    assert run("-h").stdout == run("--help").stdout
    assert "Examples:" in run("scan", "-h").stdout


def test_old_format_names_still_work() -> None:
    r = run("scan", "samples/", "--format", "records", "-q")
    assert r.returncode == 0
    assert all(json.loads(line)["eventSource"] for line in r.stdout.splitlines())


def test_summary_json_dash_is_stdout() -> None:
    r = run("scan", "samples/", "--format", "envelope", "-q", "--summary-json", "-")
    assert r.returncode == 0
    assert '"records_per_second"' in r.stdout


# --------------------------------------------------------------------------- times


NOW = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("30m", NOW - timedelta(minutes=30)),
        ("90s", NOW - timedelta(seconds=90)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1710417600", datetime(2024, 3, 14, 12, 0, tzinfo=UTC)),
    ],
)
def test_relative_and_epoch_times(text: str, expected: datetime) -> None:
    got = time_argument(text, "--since", NOW)
    assert got is not None
    assert datetime.fromisoformat(got) == expected


def test_iso_times_pass_through() -> None:
    assert time_argument("2024-03-14", "--until", NOW) == "2024-03-14"


def test_a_bad_time_names_the_option() -> None:
    one_usage_line(run("scan", "samples/", "--until", "yesterday"), "--until", "yesterday")
    one_usage_line(run("metrics", "samples/", "-c", "root-usage", "--since", "x"), "--since")


def test_relative_since_on_the_command_line() -> None:
    # The samples are years old: 1 hour back reads nothing, and says so.
    r = run("scan", "samples/", "--since", "1h")
    assert r.returncode == 1 and "warning" in r.stderr
