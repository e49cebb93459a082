from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from engine.replay.formats import (
    FORMATS,
    Opened,
    SkipFile,
    Unit,
    describe_error,
    detect,
    read_units,
)

from .helpers import ct_doc, org, record, write


def read(path: Path, forced: str | None = None) -> tuple[str, list[Unit]]:
    with Opened(str(path)) as opened:
        fmt, units = read_units(opened, forced)
        return fmt, list(units)


def read_error(path: Path, forced: str | None = None) -> str:
    try:
        read(path, forced)
    except SkipFile as skip:
        return f"skip:{skip.args[0]}"
    except Exception as exc:
        return describe_error(exc)
    raise AssertionError("no error")


def records(units: list[Unit]) -> list[dict[str, Any] | None]:
    return [u.record for u in units]


RECS = [record(), org(), record("GetObject", "s3.amazonaws.com")]


@pytest.mark.parametrize("name", ["f.json.gz", "f.json", "f.bin"])
def test_cloudtrail_document_gzipped_or_not_any_name(tmp_path: Path, name: str) -> None:
    fmt, units = read(write(tmp_path / name, ct_doc(RECS), gz=name != "f.json"))
    assert fmt == "cloudtrail"
    assert records(units) == RECS
    assert [u.index for u in units] == [0, 1, 2]
    assert all(u.message is None and u.problem is None for u in units)


def test_pretty_printed_document_with_other_key_order(tmp_path: Path) -> None:
    doc = {"note": "x", "Records": RECS}
    fmt, units = read(write(tmp_path / "f.json", json.dumps(doc, indent=2).encode()))
    assert fmt == "cloudtrail"
    assert records(units) == RECS


def test_real_records_file(tmp_path: Path, real_records: list[dict[str, Any]]) -> None:
    fmt, units = read(write(tmp_path / "r.json.gz", ct_doc(real_records)))
    assert fmt == "cloudtrail"
    assert records(units) == real_records


def test_ndjson_gz_or_not(tmp_path: Path) -> None:
    text = b"\n".join(json.dumps(r).encode() for r in RECS) + b"\n\n"
    for name in ("f.jsonl", "f.ndjson.gz"):
        fmt, units = read(write(tmp_path / name, text))
        assert fmt == "ndjson"
        assert records(units) == RECS


def test_ndjson_with_a_first_line_longer_than_the_lookahead(tmp_path: Path) -> None:
    big = record(requestParameters={"blob": "x" * 100_000})
    text = json.dumps(big).encode() + b"\n" + json.dumps(org()).encode() + b"\n"
    fmt, units = read(write(tmp_path / "f.jsonl", text))
    assert fmt == "ndjson"
    assert records(units) == [big, org()]


def test_single_pretty_printed_record(tmp_path: Path) -> None:
    fmt, units = read(write(tmp_path / "one.json", json.dumps(org(), indent=2).encode()))
    assert fmt == "ndjson"
    assert records(units) == [org()]


def test_cloudwatch_logs_export_lines(tmp_path: Path) -> None:
    messages = [json.dumps(r, separators=(",", ":")) for r in RECS]
    text = "".join(f"2024-03-12T10:00:0{i}.000Z {m}\n" for i, m in enumerate(messages))
    fmt, units = read(write(tmp_path / "exp" / "task" / "stream" / "000000.gz", text.encode()))
    assert fmt == "cwl-export"
    assert records(units) == RECS
    assert [u.message for u in units] == messages  # the message CloudWatch Logs stored


def test_cloudwatch_logs_export_bad_and_non_json_lines(tmp_path: Path) -> None:
    text = (
        b'2024-03-12T10:00:00.000Z {"a":1}\nnot a line\n2024-03-12T10:00:01.000Z [1]\n'
        b"2024-03-12T10:00:02.000Z 192.0.2.1 - - GET /index.html 200\n"
    )
    fmt, units = read(write(tmp_path / "000000.gz", text))
    assert fmt == "cwl-export"
    assert units[0].record == {"a": 1} and units[0].time == "2024-03-12T10:00:00.000Z"
    assert "line 2" in (units[1].problem or "")
    # messages that are not JSON objects are events too: text patterns see them
    assert (units[2].record, units[2].message, units[2].problem) == (None, "[1]", None)
    assert units[3].message == "192.0.2.1 - - GET /index.html 200"
    assert units[3].time == "2024-03-12T10:00:02.000Z"


def test_lookup_events_output(tmp_path: Path) -> None:
    doc = {
        "Events": [
            {"EventId": "1", "EventName": r["eventName"], "CloudTrailEvent": json.dumps(r)}
            for r in RECS
        ],
        "NextToken": "abc",
    }
    fmt, units = read(write(tmp_path / "lookup.json", json.dumps(doc, indent=4).encode()))
    assert fmt == "lookup-events"
    assert records(units) == RECS


def test_filter_log_events_output(tmp_path: Path) -> None:
    messages = [json.dumps(r, separators=(",", ":")) for r in RECS]
    doc = {
        "events": [
            {"logStreamName": "s", "timestamp": 1, "message": m, "eventId": str(i)}
            for i, m in enumerate(messages)
        ],
        "searchedLogStreams": [],
    }
    fmt, units = read(write(tmp_path / "fle.json", json.dumps(doc, indent=4).encode()))
    assert fmt == "filter-log-events"
    assert records(units) == RECS
    assert [u.message for u in units] == messages


def test_console_download_array(tmp_path: Path) -> None:
    fmt, units = read(write(tmp_path / "event_history.json", json.dumps(RECS, indent=2).encode()))
    assert fmt == "console"
    assert records(units) == RECS
    wrapped = [{"EventId": "1", "CloudTrailEvent": json.dumps(r)} for r in RECS]
    fmt, units = read(write(tmp_path / "old.json", json.dumps(wrapped).encode()))
    assert records(units) == RECS


def test_digest_recognised_by_content_and_by_name(tmp_path: Path) -> None:
    digest = {
        "awsAccountId": "111122223333",
        "digestStartTime": "2015-08-17T14:01:31Z",
        "digestEndTime": "2015-08-17T15:01:31Z",
        "logFiles": [],
    }
    assert read_error(write(tmp_path / "d.json.gz", json.dumps(digest).encode())) == "skip:digest"
    pretty = {"logFiles": [], **digest}
    assert read_error(write(tmp_path / "p.json", json.dumps(pretty, indent=1).encode())) == (
        "skip:digest"
    )
    assert read_error(tmp_path / "p.json", "cloudtrail") == "skip:digest"
    named = tmp_path / "AWSLogs/1/CloudTrail-Digest/r/2015/08/17/x.json.gz"
    assert read_error(write(named, b"whatever")) == "skip:digest"


def test_write_test_object(tmp_path: Path) -> None:
    path = write(tmp_path / "aws-logs-write-test", b"Permission Check Successful")
    assert read_error(path) == "skip:write-test"
    assert read_error(path, "cwl-export") == "skip:write-test"


def test_forced_format(tmp_path: Path) -> None:
    path = write(tmp_path / "f.txt", b"\n".join(json.dumps(r).encode() for r in RECS))
    fmt, units = read(path, "ndjson")
    assert fmt == "ndjson" and records(units) == RECS
    # Forced as CloudTrail, several values are several documents, each of them not one.
    _fmt, units = read(path, "cloudtrail")
    assert [u.problem for u in units] == [
        f"document {n}: no 'Records' key: not a CloudTrail log file" for n in (1, 2, 3)
    ]
    assert set(FORMATS) >= {"cloudtrail", "ndjson", "cwl-export", "console"}


@pytest.mark.parametrize(
    ("content", "gz", "expected"),
    [
        (b"", False, "empty file"),
        (b"   \n", False, "empty file"),
        (b"", True, "empty file"),
        (b'{"Records":[{"a":1},', True, "truncated JSON"),
        (b'{"Records":[{"a":"\xff\xfe"}]}', True, "not valid UTF-8"),
        (b'{"Records":{"a":1}}', True, "'Records' is an object, not a list"),
        (b'{"Records":"x"}', False, "'Records' is a string, not a list"),
        (b'{"foo":1,\n"bar":2', False, "truncated JSON"),
        (b"hello world", False, "not a recognised CloudTrail format"),
        (b"\x00\x01\x02", False, "not a recognised CloudTrail format"),
        (b'"just a string"', False, "not a recognised CloudTrail format"),
    ],
)
def test_broken_files(tmp_path: Path, content: bytes, gz: bool, expected: str) -> None:
    assert expected in read_error(write(tmp_path / "f.json.gz", content, gz=gz))


def test_corrupt_and_truncated_gzip(tmp_path: Path) -> None:
    good = gzip.compress(ct_doc(RECS * 50), mtime=0)
    corrupt = write(tmp_path / "c.json.gz", good[:10] + b"\x00garbage" * 20, gz=False)
    assert read_error(corrupt).startswith("corrupt gzip")
    truncated = write(tmp_path / "t.json.gz", good[: len(good) // 2], gz=False)
    assert read_error(truncated).startswith("truncated gzip")


def test_records_that_are_not_objects_are_units_with_problems(tmp_path: Path) -> None:
    _fmt, units = read(write(tmp_path / "f.json", ct_doc([record(), "x", 3, None, [1], org()])))
    assert records(units) == [record(), None, None, None, None, org()]
    assert [u.problem for u in units[1:5]] == [
        "record 1 is a string, not an object",
        "record 2 is a number, not an object",
        "record 3 is null, not an object",
        "record 4 is an array, not an object",
    ]


def test_ndjson_bad_lines(tmp_path: Path) -> None:
    text = (
        json.dumps(record()).encode() + b'\n{"a":\n"str"\n\xff\xfe\n' + json.dumps(org()).encode()
    )
    fmt, units = read(write(tmp_path / "f.jsonl", text))
    assert fmt == "ndjson"
    assert records(units) == [record(), None, None, None, org()]
    assert "line 2: truncated JSON" in (units[1].problem or "")
    assert units[2].problem == "line 3 is a string, not an object"
    assert "line 4: not valid UTF-8" in (units[3].problem or "")


def test_unreadable_path_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        Opened(str(tmp_path / "missing.json"))
    assert describe_error(info.value) == "no such file or directory"
    with pytest.raises(OSError) as info:
        Opened(str(tmp_path))
    assert describe_error(info.value) == "is a directory"


def test_detect_from_head() -> None:
    assert detect(b'{"Records":[', "x") == "cloudtrail"
    assert detect(b'\xef\xbb\xbf  {"Records":[', "x") == "cloudtrail"
    assert detect(b'{"Events":[', "x") == "lookup-events"
    assert detect(b'{"events":[', "x") == "filter-log-events"
    assert detect(b'{"eventVersion":"1.0"}\n{"a":1}\n', "x") == "ndjson"
    assert detect(b"[{", "x") == "console"
    assert detect(b"2024-03-12T10:00:00.000Z {}", "x") == "cwl-export"
    assert detect(b'{\n  "eventVersion"', "x") == "json"
