"""Sinks: hostile record content and file names never stop the output or reach the terminal raw
(issue 16, items 3, 4 and 9)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.inert import _UNSAFE, inert, without_surrogates
from engine.replay.scan import FileResult, Match
from engine.replay.sinks import EnvelopeSink, Summary, TableSink

from .helpers import RunCli, ct_doc, org, write

HOSTILE_FIELDS = [
    "[/x]",  # a rich closing tag with no opening one: MarkupError on the old table
    "[link=https://evil.example]click[/link]",
    "[bold red]loud[/bold red]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x9b31m",  # C1 CSI
    "line\nforged: line",
    "\u202eevil",
]


def _result(path: str, *raws: bytes, text_only: bool = False) -> FileResult:
    result = FileResult(path, matches_per_pattern=[0])
    for i, raw in enumerate(raws):
        result.add(Match(i, raw, (0,), text_only=text_only))
    return result


def _table_text(*results: FileResult) -> str:
    out = io.StringIO()
    sink = TableSink(out, ["p1"], width=None)
    for r in results:
        sink.write(r)
    sink.close(Summary(["p1"]))
    return out.getvalue()


@pytest.mark.parametrize("value", HOSTILE_FIELDS)
def test_table_shows_record_fields_as_inert_text(value: str) -> None:
    raw = orjson.dumps(org(eventName=value, errorCode=value))
    text = _table_text(_result("a.json", raw, orjson.dumps(org("Later"))))
    assert inert(value) in text  # shown, escaped
    assert "Later" in text  # the next row is there too
    assert not _UNSAFE.search(text.replace("\n", ""))
    assert "\x1b" not in text


@pytest.mark.parametrize(
    "raw",
    [
        # orjson refuses both; the readers (and the envelope) pass them through
        b'{"eventName":"CreateAccount","sourceIPAddress":1e400}',
        b'{"eventName":"CreateAccount","requestParameters":{"x":"\\ud800"}}',
        b'{"eventName":"CreateAccount","errorCode":"\\ud800"}',
    ],
)
def test_table_survives_records_orjson_refuses(raw: bytes) -> None:
    text = _table_text(_result("a.json", raw, orjson.dumps(org("Later"))))
    assert "CreateAccount" in text and "Later" in text


def test_table_text_only_message_with_surrogate() -> None:
    raw = "plain \ud800 message".encode("utf-8", "surrogatepass")
    text = _table_text(_result("a.log", raw, text_only=True))
    assert "plain \\ud800 message" in text


def test_envelope_survives_odd_file_names_and_messages() -> None:
    out = io.BytesIO()
    sink = EnvelopeSink(out, ["p1"])
    sink.write(_result(os.fsdecode(b"bad\xff.json"), orjson.dumps(org())))
    sink.write(_result("m.log", "x \ud800".encode("utf-8", "surrogatepass"), text_only=True))
    sink.write(_result("good.json", orjson.dumps(org("Later"))))
    sink.close(Summary(["p1"]))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [x.get("source", {}).get("path") for x in lines[:3]] == [
        "bad\\xff.json",
        "m.log",
        "good.json",
    ]
    assert lines[1]["message"] == "x \\ud800"
    assert lines[2]["record"]["eventName"] == "Later"
    assert "summary" in lines[3]


def test_summary_text_shows_pattern_ids_inert() -> None:
    text = Summary(["p\x1b[2J"]).render_text()
    assert "\x1b" not in text and "p\\x1b[2J" in text


@given(st.text())
def test_inert_leaves_nothing_that_acts_on_a_terminal(text: str) -> None:
    shown = inert(text)
    assert _UNSAFE.search(shown) is None
    shown.encode("utf-8")  # no lone surrogate left
    if _UNSAFE.search(text) is None:
        assert shown is text


@given(st.text())
def test_without_surrogates_is_always_utf8(text: str) -> None:
    kept = without_surrogates(text)
    kept.encode("utf-8")
    if all(not 0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert kept is text


def test_inert_spelling() -> None:
    assert inert("a\nb\tc\x1b[0m\x7f\u202e") == "a\\nb\\tc\\x1b[0m\\x7f\\u202e"
    assert inert(os.fsdecode(b"x\xff")) == "x\\xff"  # an undecodable byte of a file name
    assert inert("DOMAIN\\user [/x]") == "DOMAIN\\user [/x]"


# --------------------------------------------------------------------------- end to end


def test_table_cli_keeps_every_row_of_hostile_records(tmp_path: Path, run_cli: RunCli) -> None:
    write(
        tmp_path / "a.json",
        b'{"Records":['
        + orjson.dumps(org(eventName="[/x]"))
        + b","
        + orjson.dumps(org(userIdentity={"arn": "[link=https://e.example]x[/link]\x1b]0;t\x07"}))
        + b',{"eventTime":"2024-03-12T10:00:00Z","eventSource":"organizations.amazonaws.com",'
        b'"eventName":"CreateAccount","sourceIPAddress":1e400}' + b"]}",
    )
    write(tmp_path / "b.json", ct_doc([org("Later")]))
    r = run_cli(tmp_path, "--format", "table", "-e", "{ $.eventSource = organizations* }")
    assert r.code == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "[/x]" in r.stdout and "Later" in r.stdout and "inf" in r.stdout
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout


def test_envelope_cli_non_utf8_file_name(tmp_path: Path, run_cli: RunCli) -> None:
    write(Path(os.fsdecode(bytes(tmp_path) + b"/a\xff.json")), ct_doc([org()]))
    write(tmp_path / "b.json", ct_doc([org("MoveAccount")]))
    r = run_cli(tmp_path, "--format", "envelope")
    assert r.code == 0, r.stderr
    lines = r.lines()
    assert [x["source"]["path"].rsplit("/", 1)[-1] for x in lines[:-1]] == [
        "a\\xff.json",
        "b.json",
    ]
    assert lines[-1]["summary"]["matched_records"] == 2


def test_error_lines_show_file_names_inert(tmp_path: Path, run_cli: RunCli) -> None:
    write(tmp_path / "x\ntrailreplay: forged\x1b[2K.json", b"{not json")
    write(tmp_path / "b.json", ct_doc([org()]))
    r = run_cli(tmp_path)
    assert r.code == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("trailreplay:")]
    assert len(errors) == 1, r.stderr
    assert "x\\ntrailreplay: forged\\x1b[2K.json" in errors[0]
    assert "\x1b" not in r.stderr
    assert r.lines() == [org()]


def test_summary_json_dash_writes_one_line_to_stdout(tmp_path: Path, run_cli: RunCli) -> None:
    write(tmp_path / "a.json", ct_doc([org(), org("MoveAccount")]))
    r = run_cli(tmp_path, "--summary-json", "-", "-q")
    assert r.code == 0, r.stderr
    *records, last = r.lines()
    assert records == [org(), org("MoveAccount")]
    assert last["summary"]["matched_records"] == 2
    assert not (tmp_path / "-").exists()


def test_envelope_summary_can_be_switched_off(tmp_path: Path, run_cli: RunCli) -> None:
    write(tmp_path / "a.json", ct_doc([org()]))
    r = run_cli(tmp_path, "--format", "envelope", "--no-envelope-summary")
    assert r.code == 0, r.stderr
    assert [sorted(x) for x in r.lines()] == [["pattern", "record", "source"]]
    assert "matches:" in r.stderr  # the summary on stderr is still there


def test_the_summary_gives_short_scans_in_milliseconds() -> None:
    """A small archive read in one process takes milliseconds: "0.00s" said nothing."""
    from engine.replay.sinks import _seconds

    spoken = [_seconds(s) for s in (0.0041, 0.045, 0.1, 2.5)]
    assert spoken == ["4.1 ms", "45 ms", "0.10 s", "2.50 s"]


def test_the_summary_counts_one_problem_in_the_singular() -> None:
    from engine.replay.sinks import Summary

    summary = Summary(["p"], problems=1, records=3)
    assert "records: 3, 1 problem\n" in summary.render_text() + "\n"


def test_the_summary_separates_thousands() -> None:
    """An organization trail holds hundreds of thousands of files: 412331 is hard to read."""
    from engine.replay.sinks import Summary

    summary = Summary(
        ["p"],
        files_read=412_331,
        files_skipped=1_200,
        skipped={"digest": 1_200},
        records=1_234_567,
        matches=[12_345],
        matched_records=12_345,
    )
    text = summary.render_text()
    assert text.startswith("files: 412,331 read, 1,200 skipped (digest 1,200), 0 failed\n")
    assert "records: 1,234,567\n" in text
    assert "matches: p 12,345 (12,345 records)" in text
