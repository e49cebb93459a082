"""Hostile input to the readers (issue 16): every bad line or document is one named problem,
the rest is still read, memory stays bounded whatever the input, and no input raises
anything but a described error.  (The large cases -- a 1 GiB gzip bomb, a 2 GB document --
are in ``benchmarks/hostile.py``, with the peak RSS of the process tree.)"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.replay import formats
from engine.replay.formats import (
    FormatError,
    Opened,
    SkipFile,
    Unit,
    describe_error,
    jsonstream,
    read_units,
)
from engine.replay.formats import base as fbase
from engine.replay.formats.opening import _inflate_whole
from engine.replay.scan import FileResult, ScanOptions, scan_file
from engine.replay.sources import Source

from .helpers import cli_command, ct_doc, org, record, write

ORG = '{ $.eventSource = "organizations.amazonaws.com" }'


def units_of(path: Path, forced: str | None = None, max_size: int | None = None) -> list[Unit]:
    limit = {} if max_size is None else {"max_size": max_size}
    with Opened(str(path)) as opened:
        _fmt, units = read_units(opened, forced, **limit)
        return list(units)


def scan(path: Path | str, patterns: tuple[str, ...] = (ORG, ""), **options: Any) -> FileResult:
    return scan_file(Source(str(path)), list(patterns), ScanOptions(**options))


# --------------------------------------------------------------------------- JSON Lines


@pytest.mark.parametrize(
    "bad", [b'{"eventName": "x", "a": [1,', b"{oops", b'{"a":1}}', b"not json", b'ntName": "x"}']
)
def test_a_bad_first_line_of_json_lines_is_one_problem(tmp_path: Path, bad: bytes) -> None:
    lines = [bad, json.dumps(org()).encode(), json.dumps(record()).encode(), b"", b"{bad"]
    lines.append(json.dumps(org("CloseAccount")).encode())
    path = write(tmp_path / "f.jsonl", b"\n".join(lines) + b"\n")
    result = scan(path)
    assert result.format == "ndjson"
    assert result.records == 3
    assert result.matches_per_pattern == [2, 3]
    assert result.problem_count == 2
    assert result.problems[0].startswith("line 1: ")
    assert result.problems[1].startswith("line 5: ")


def test_a_pretty_printed_document_is_not_taken_for_json_lines(tmp_path: Path) -> None:
    doc = {"note": "x", "Records": [org(), {"a": [{"k": 1}, {"k": 2}]}]}
    for text in (json.dumps(doc, indent=2), json.dumps(doc, indent=None).replace(", ", ",\n")):
        result = scan(write(tmp_path / "f.json", text.encode()))
        assert (result.format, result.records, result.problems) == ("cloudtrail", 2, [])


def test_json_lines_with_a_long_first_line_stream_in_bounded_memory(tmp_path: Path) -> None:
    big = json.dumps(org(requestParameters={"blob": "x" * 200_000})).encode()
    line = json.dumps(record()).encode()
    path = write(tmp_path / "f.jsonl", big + b"\n" + b"\n".join([line] * 60_000) + b"\n{bad\n")
    assert path.stat().st_size > formats.WHOLE_GZIP_BYTES  # not read in one call
    tracemalloc.start()
    try:
        result = scan(path, (ORG,))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.format == "ndjson"
    assert result.records == 60_001 and result.matches_per_pattern == [1]
    assert result.problems == [f"line 60002: {describe_error(_json_error(b'{bad'))}"]
    assert peak < 10_000_000  # a few buffers of 1 MB, never the whole file (20 MB)


def _json_error(data: bytes) -> Exception:
    import orjson

    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return exc
    raise AssertionError(data)


def test_a_line_over_the_cap_is_a_named_error_and_keeps_what_came_before(tmp_path: Path) -> None:
    line = json.dumps(org()).encode()
    path = write(tmp_path / "f.jsonl", line + b"\n" + b"{" + b" " * 5000 + b"\n" + line + b"\n")
    result = scan(path, max_document_size=1000)
    assert result.records == 1 and result.matches_per_pattern == [1, 1]
    assert result.problems == [
        "line 2 is over the maximum document size (1,000 bytes; --max-document-size): "
        "the rest of the input is not read"
    ]


# --------------------------------------------------------------------------- memory


def test_a_gzip_bomb_is_never_inflated_whole() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000, mtime=0)
    assert _inflate_whole(bomb, 1_000_000) is None
    # A trailer that lies about the size does not help: inflating stops at the limit.
    liar = bomb[:-4] + (10).to_bytes(4, "little")
    assert _inflate_whole(liar, 1_000_000) is None
    small = gzip.compress(b'{"Records":[]}', mtime=0)
    assert _inflate_whole(small, 1_000_000) == b'{"Records":[]}'
    assert _inflate_whole(small + small, 1_000_000) is None  # several members: streamed


def test_a_gzip_bomb_file_is_streamed_to_a_named_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fbase, "STREAM_ABOVE", 1_000_000)
    path = write(tmp_path / "bomb.json.gz", b"\0" * 20_000_000)
    with Opened(str(path)) as opened:
        assert opened.data is None  # not inflated whole
    for forced in (None, "cloudtrail", "ndjson", "cwl-export", "console", "lookup-events"):
        tracemalloc.start()
        try:
            result = scan(path, input_format=forced, max_document_size=2_000_000)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert result.status == "failed", forced
        assert result.problem_count == 1, forced
        assert peak < 12_000_000, forced


def test_a_large_records_document_streams_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recs: list[Any] = [org() if i % 100 == 0 else record(n=i, b="y" * 500) for i in range(20_000)]
    recs[5] = 42
    doc = ct_doc(recs)
    monkeypatch.setattr(fbase, "STREAM_ABOVE", 1_000_000)
    monkeypatch.setattr(jsonstream, "_BATCH", 1 << 16)  # batches of 64 KB: a small constant
    for name, pretty in (("big.json.gz", False), ("pretty.json", True)):
        data = json.dumps({"Records": recs}, indent=1).encode() if pretty else doc
        path = write(tmp_path / name, data)
        tracemalloc.start()
        try:
            result = scan(path, (ORG,))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert result.format == "cloudtrail"
        assert result.records == 19_999
        assert result.matches_per_pattern == [200]
        assert result.problems == ["record 5 is a number, not an object"]
        assert peak < len(doc) // 2, name  # a few chunks and the matches, never the document
        # The same records as read whole.
        monkeypatch.setattr(fbase, "STREAM_ABOVE", 1 << 40)
        whole = units_of(path)
        monkeypatch.setattr(fbase, "STREAM_ABOVE", 1_000_000)
        assert [u.record for u in units_of(path)] == [u.record for u in whole]


def test_a_document_that_cannot_stream_is_capped(tmp_path: Path) -> None:
    events = [{"CloudTrailEvent": json.dumps(org())}] * 200
    path = write(tmp_path / "lookup.json", json.dumps({"Events": events}).encode())
    result = scan(path, max_document_size=10_000)
    assert result.problems == [
        "a JSON document is over the maximum document size (10,000 bytes; "
        "--max-document-size): the rest of the input is not read"
    ]
    assert scan(path).records == 200


@pytest.mark.parametrize("forced", [None, "cloudtrail", "ndjson", "cwl-export", "console"])
def test_dev_zero_with_a_forced_format_ends_in_a_named_error(forced: str | None) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    result = scan("/dev/zero", input_format=forced, max_document_size=1_000_000)
    assert result.status == "failed"
    assert result.problem_count == 1
    assert result.problems[0].count("\n") == 0


# --------------------------------------------------------------------------- several documents


def _ct(name: str, n: int = 2) -> bytes:
    return ct_doc([org(name)] + [record()] * (n - 1))


def test_concatenated_documents_are_read_one_after_another() -> None:
    stream = _ct("CreateAccount") + b"\n" + _ct("CloseAccount", 3) + _ct("InviteAccount")
    for data in (stream, gzip.compress(stream), b"".join(gzip.compress(_ct(x)) for x in "abc")):
        units = _read_stream(data)
        assert [u.index for u in units] == list(range(len(units)))
        assert all(u.problem is None for u in units)
    names = [u.record["eventName"] for u in _read_stream(stream) if u.record]
    assert names == ["CreateAccount", "DescribeInstances", "CloseAccount"] + [
        "DescribeInstances"
    ] * 2 + ["InviteAccount", "DescribeInstances"]


def _read_stream(data: bytes) -> list[Unit]:
    opened = Opened.__new__(Opened)
    opened.path = "-"
    compressed = data[:2] == b"\x1f\x8b"
    raw: Any = io.BytesIO(data)
    opened.stream = formats._gzip_reader(raw) if compressed else raw
    _fmt, units = read_units(opened)
    return list(units)


def test_a_bad_document_among_several_is_named_and_the_others_read() -> None:
    stream = _ct("A") + b'{"Records":{"a":1}}' + _ct("B") + b"[1," + b"\n" + _ct("C")
    units = _read_stream(stream)
    problems = [u.problem for u in units if u.problem]
    assert problems[0] == "document 2: 'Records' is an object, not a list"
    assert [u.record["eventName"] for u in units if u.record and "eventName" in u.record][:2] == [
        "A",
        "DescribeInstances",
    ]
    assert "B" in [u.record.get("eventName") for u in units if u.record]


@pytest.mark.parametrize("how", ["zcat", "cat"])
def test_stdin_of_concatenated_documents_and_gzip_members(tmp_path: Path, how: str) -> None:
    files = [_ct("CreateAccount"), _ct("CloseAccount"), _ct("DeleteOrganization")]
    members = [gzip.compress(f, mtime=0) for f in files]
    stdin = b"".join(files if how == "zcat" else members)
    proc = subprocess.run(
        [*cli_command(), "scan", "-", "--workers", "1", "-e", ORG, "--format", "records"],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    names = [json.loads(line)["eventName"] for line in proc.stdout.splitlines()]
    assert names == ["CreateAccount", "CloseAccount", "DeleteOrganization"]


@pytest.mark.parametrize("pad", [2, 8, 1000])
@pytest.mark.parametrize("records", [3, 3000])  # the trailer's size under and over 64 KiB
def test_zero_padding_after_a_gzip_member_is_read_past(
    tmp_path: Path, pad: int, records: int
) -> None:
    """gzip(1) and Python's gzip read past zero bytes after the data (tape blocks, some
    uploaders); the whole-file reader once took the padding's zeros for the trailer's size
    and answered an empty file."""
    doc = ct_doc([org("CreateAccount")] * records)
    path = tmp_path / "padded.json.gz"
    path.write_bytes(gzip.compress(doc, mtime=0) + b"\0" * pad)
    result = scan(path)
    assert (result.status, result.records, result.problems) == ("read", records, [])
    assert result.matches_per_pattern[0] == records
    with Opened(str(path)) as opened:  # the general reader, and standard input's stream
        assert opened.data == doc
    proc = subprocess.run(
        [*cli_command(), "scan", "-", "-j1", "-e", ORG, "-q", "--format", "json"],
        input=path.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == records, proc.stderr


def test_trailing_garbage_after_a_gzip_member_is_named(tmp_path: Path) -> None:
    good = write(tmp_path / "a.json.gz", _ct("CreateAccount"))
    bad = tmp_path / "b.json.gz"
    bad.write_bytes(gzip.compress(_ct("CloseAccount"), mtime=0) + b"garbage!")
    assert scan(good).status == "read"
    result = scan(bad)
    assert result.status == "failed" and result.problems == [
        "8 bytes after the end of the gzip data that are not a gzip member (trailing garbage)"
    ]
    proc = subprocess.run(
        [*cli_command(), "scan", str(tmp_path), "-j1", "-e", ORG, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert [json.loads(ln)["eventName"] for ln in proc.stdout.splitlines()] == ["CreateAccount"]
    assert "b.json.gz: 8 bytes after the end of the gzip data" in proc.stderr
    assert "files: 1 read, 0 skipped, 1 failed" in proc.stderr
    # The streaming reader (standard input, large files) names it alike.
    stdin = subprocess.run(
        [*cli_command(), "scan", "-", "-j1", "-e", ORG, "-q"],
        input=bad.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert stdin.returncode == 2 and stdin.stderr.decode() == (
        "trailreplay: -: 8 bytes after the end of the gzip data that are not a gzip member "
        "(trailing garbage)\n"
    )
    with pytest.raises(FormatError, match="1,000,008 bytes after the end"):
        _read_stream(gzip.compress(_ct("A"), mtime=0) + b"garbage!" + b"x" * 1_000_000)


def _gzip_named(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="x.json", mode="wb", fileobj=out, mtime=0) as f:
        f.write(data)
    return out.getvalue()


_ONE, _TWO = _ct("CreateAccount"), _ct("CloseAccount", 3)
GZIP_SHAPES = {
    "one member": gzip.compress(_ONE),
    "a file name in the header": _gzip_named(_ONE),
    "zero padding": gzip.compress(_ONE) + b"\0" * 5,
    "two members": gzip.compress(_ONE) + gzip.compress(_TWO),
    "an empty member first": gzip.compress(b"") + gzip.compress(_ONE),
    "padding between members": gzip.compress(_ONE) + b"\0" * 3 + gzip.compress(_TWO),
    "trailing garbage": gzip.compress(_ONE) + b"garbage!",
    "truncated": gzip.compress(_ONE)[:-5],
}


@pytest.mark.parametrize("shape", sorted(GZIP_SHAPES))
def test_a_file_and_its_stream_read_a_gzip_alike(tmp_path: Path, shape: str) -> None:
    """The whole-file reader (a file read and inflated in one call) and the streaming one
    (standard input, large files) give the same records, or both fail."""
    raw = GZIP_SHAPES[shape]
    path = tmp_path / "x.json.gz"
    path.write_bytes(raw)
    result = scan(path)
    try:
        units = _read_stream(raw)
        streamed = [u.record.get("eventName") for u in units if u.record]
        stream_ok = all(u.record for u in units)
    except Exception:
        streamed, stream_ok = [], False
    if result.status == "read":
        assert stream_ok and len(streamed) == result.records, shape
    else:
        assert not stream_ok or not streamed, shape
    expected_ok = shape not in ("trailing garbage", "truncated")
    assert (result.status == "read") is expected_ok, (shape, result.problems)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(st.sampled_from([_ONE, _TWO]), min_size=1, max_size=2),
    how=st.sampled_from(["cut", "zeros", "bytes", "flip", "insert"]),
    where=st.floats(0, 1),
    extra=st.binary(min_size=1, max_size=12),
)
def test_damaged_gzip_reads_alike_whole_and_streamed(
    tmp_path: Path, members: list[bytes], how: str, where: float, extra: bytes
) -> None:
    """Damage anywhere in a gzip file (a cut, padding, bytes after it, a flipped bit, bytes
    inserted): the whole-file reader and the streaming one both read it, to the same
    records, or both fail.  The whole-file reader once dropped what followed a member
    (libdeflate stops at the member's end) when the file's last bytes happened to pass for
    a size."""
    raw = bytearray(b"".join(gzip.compress(m, mtime=0) for m in members))
    at = 2 + int(where * (len(raw) - 2))
    if how == "cut":
        raw = raw[:at]
    elif how == "zeros":
        raw += bytes(len(extra))
    elif how == "bytes":
        raw += extra
    elif how == "flip":
        raw[min(at, len(raw) - 1)] ^= 1 << (extra[0] % 8)
    else:
        raw[at:at] = extra
    path = tmp_path / "damaged.json.gz"
    path.write_bytes(bytes(raw))
    whole = scan(path)
    try:
        units = _read_stream(bytes(raw))
        streamed_ok = all(u.record for u in units)
        streamed = sum(1 for u in units if u.record)
    except Exception:
        streamed_ok, streamed = False, 0
    if raw[:2] == b"\x1f\x8b":
        assert (whole.status == "read") == streamed_ok, (whole.problems, streamed)
        if streamed_ok:
            assert whole.records == streamed


# --------------------------------------------------------------------------- fuzzing


def _valid_inputs() -> st.SearchStrategy[bytes]:
    # Brackets and separators inside strings, long arrays of objects inside a record: the
    # boundaries a reader may take for a record's end, and must not (nor spend quadratic
    # time on).
    tricky = [{"a": [{"b": "}{"}]}, {"x": '"},{"' * 3000}, {"r": [{"k": i} for i in range(2000)]}]
    recs = st.lists(st.sampled_from([org(), record(), *tricky, 5, "s],[", [{}]]), max_size=4)
    docs = recs.map(lambda rs: ct_doc(rs))
    lines = recs.map(lambda rs: b"\n".join(json.dumps(r).encode() for r in rs))
    nested = st.integers(1, 3000).map(lambda n: b'{"Records":[' + b"[" * n + b"]" * n + b"]}")
    exports = st.just(b'2024-03-12T10:00:00.000Z {"eventName":"x"}\n2024-03-12T10:00:01Z hi\n')
    lookup = recs.map(
        lambda rs: json.dumps({"Events": [{"CloudTrailEvent": json.dumps(r)} for r in rs]}).encode()
    )
    several = st.lists(docs, min_size=2, max_size=3).map(b"\n".join)
    return st.one_of(docs, lines, nested, exports, lookup, several)


@st.composite
def _hostile(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(_valid_inputs()))
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(["cut", "flip", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if what == "cut":
            del data[at:]
        elif what == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        else:
            data[at:at] = draw(st.sampled_from([b"{", b"}", b"[", b"]", b'"', b"\\", b"\xff"]))
    return bytes(data)


_DESCRIBED_ONLY = ("FormatError", "JSONDecodeError", "UnicodeDecodeError", "EOFError")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    _hostile(),
    st.booleans(),
    st.sampled_from([None, "cloudtrail", "ndjson", "console", "cwl-export", "lookup-events"]),
    st.sampled_from([None, 64]),
)
def test_any_reader_gives_records_or_a_named_error(
    tmp_path: Path, data: bytes, gz: bool, forced: str | None, stream_above: int | None
) -> None:
    """Truncation, byte flips and nesting, through every reader, whole or streamed: records,
    problems that name what is wrong, never an exception a reader did not describe."""
    path = tmp_path / ("f.json.gz" if gz else "f.json")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    old = fbase.STREAM_ABOVE
    if stream_above is not None:
        fbase.STREAM_ABOVE = stream_above
    try:
        try:
            with Opened(str(path)) as opened:
                _fmt, units = read_units(opened, forced)
                for unit in units:
                    assert unit.record is not None or unit.message is not None or unit.problem
        except SkipFile:
            pass
        except Exception as exc:
            assert type(exc).__name__ in _DESCRIBED_ONLY or "gzip" in describe_error(exc), exc
        for fast in (True, False):
            result = scan(path, input_format=forced, fast=fast)
            line = result.error_line()
            assert line is None or "\n" not in line
    finally:
        fbase.STREAM_ABOVE = old


def test_format_error_is_what_the_cap_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "f.json", b'{"Events":[' + b"1," * 1000 + b"1]}")
    with pytest.raises(FormatError):
        units_of(path, max_size=100)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(_valid_inputs(), st.sampled_from([16, 64, 1 << 20]))
def test_streamed_reading_gives_the_records_of_whole_reading(
    tmp_path: Path, data: bytes, batch: int
) -> None:
    """A document read as a stream (standard input, a large file), in batches of any size,
    gives the records of the same document read whole."""
    # (orjson refuses a document nested over 1,024 deep, which a record alone may not be.)
    assume(b"[" * 1000 not in data)
    path = write(tmp_path / "f.json", data)

    def read_all(streamed: bool) -> list[tuple[int, Any, str | None]]:
        try:
            units = _read_stream(data) if streamed else units_of(path)
        except (FormatError, SkipFile, ValueError) as exc:
            return [(-1, None, type(exc).__name__)]
        return [(u.index, u.record, u.problem) for u in units]

    whole = read_all(False)
    old = fbase.STREAM_ABOVE, jsonstream._BATCH
    fbase.STREAM_ABOVE, jsonstream._BATCH = 8, batch
    try:
        streamed = read_all(True)
        if any(problem for _, _, problem in whole):
            # Broken somewhere: streamed, the break may be placed otherwise (what precedes it
            # is read), but it is named.
            assert any(problem for _, _, problem in streamed)
        else:
            assert streamed == whole
    finally:
        fbase.STREAM_ABOVE, jsonstream._BATCH = old


def test_the_option_states_the_library_default() -> None:
    from engine.cli import MaxDocumentSize

    info = MaxDocumentSize.__metadata__[0]
    assert f"{formats.MAX_DOCUMENT_SIZE >> 20} MiB" in info.help


def test_json_lines_detection_takes_a_head_of_any_bytes_type() -> None:
    # A gzip reader may hand the head over as a bytearray.
    head = b'{"eventName":\n{"a":1}\n{"b":2}\n'
    assert formats.detect(bytearray(head), "x") == formats.detect(head, "x") == "ndjson"
