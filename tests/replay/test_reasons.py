"""Skip reasons and read errors are enums (issue 15), classified by type: the summary shows
the same strings as before (the enum values), and an error is a corrupt gzip because of its
type, never because of its class's name."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import orjson
import pytest

from engine.replay.formats import FormatError, ReadError, classify, describe_error
from engine.replay.results import ScanOptions
from engine.replay.scan import scan_file
from engine.replay.sinks import Summary
from engine.replay.sources import Skipped, SkipReason, Source, expand_local

from .helpers import ct_doc, org, write


def test_the_reasons_are_the_summary_keys() -> None:
    assert [r.value for r in SkipReason] == [
        "digest",
        "write-test",
        "outside-window",
        "outside-scope",
        "not-a-log-name",
        "not-a-regular-file",
    ]


def test_a_skipped_file_carries_its_reason(tmp_path: Path) -> None:
    digest = write(tmp_path / "AWSLogs/1/CloudTrail-Digest/r/2024/03/12/d.json.gz", b"{}")
    readme = write(tmp_path / "AWSLogs/README.md", b"hello")
    items = list(expand_local(str(tmp_path / "AWSLogs")))
    reasons = {Path(i.path).name: i.reason for i in items if isinstance(i, Skipped)}
    assert reasons == {digest.name: SkipReason.DIGEST, readme.name: SkipReason.NOT_A_LOG_NAME}
    assert all(type(r) is SkipReason for r in reasons.values())


def test_a_digest_read_by_content_is_skipped_for_that_reason(tmp_path: Path) -> None:
    body = {"digestStartTime": "x", "logFiles": []}
    path = write(tmp_path / "x.json", json.dumps(body).encode())
    result = scan_file(Source(str(path)), [""], ScanOptions())
    assert result.status == "skipped" and result.skip_reason is SkipReason.DIGEST
    summary = Summary(["p"])
    summary.add(result)
    assert summary.to_dict()["skipped"] == {"digest": 1}
    assert orjson.dumps(summary.to_dict()["skipped"]) == b'{"digest":1}'


def _json_error() -> orjson.JSONDecodeError:
    try:
        orjson.loads(b"{")
    except orjson.JSONDecodeError as exc:
        return exc
    raise AssertionError


def _isal_error() -> BaseException:
    from isal import isal_zlib

    try:
        isal_zlib.decompress(b"not deflate")
    except Exception as exc:
        return exc
    raise AssertionError


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (FormatError("no 'Records' key"), ReadError.FORMAT),
        (EOFError(), ReadError.TRUNCATED_GZIP),
        (gzip.BadGzipFile("bad magic"), ReadError.CORRUPT_GZIP),
        (zlib.error("bad"), ReadError.CORRUPT_GZIP),
        (_isal_error(), ReadError.CORRUPT_GZIP),
        (_json_error(), ReadError.JSON),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), ReadError.NOT_UTF8),
        (PermissionError(13, "Permission denied"), ReadError.OS),
        (ValueError("x"), ReadError.OTHER),
    ],
)  # fmt: skip
def test_read_errors_are_classified_by_type(exc: BaseException, kind: ReadError) -> None:
    assert classify(exc) is kind
    assert describe_error(exc)


def test_a_look_alike_class_name_is_not_a_gzip_error() -> None:
    """ISA-L's errors were once recognised by their class name: anything called IsalError
    was a corrupt gzip."""
    look_alike = type("IsalError", (Exception,), {})("something else entirely")
    assert classify(look_alike) is ReadError.OTHER
    assert describe_error(look_alike) == "IsalError: something else entirely"


def test_a_corrupt_gzip_file_is_named_so(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(ct_doc([org()]) * 50))
    data[30:40] = b"\xff" * 10
    path = write(tmp_path / "x.json.gz", bytes(data), gz=False)
    result = scan_file(Source(str(path)), [""], ScanOptions())
    line = result.error_line() or ""
    assert "gzip" in line or "JSON" in line, line
