from __future__ import annotations

import contextlib
import io
import json
import os
import signal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import catalog
from engine.replay import iter_records
from engine.replay.run import PatternSpec, exit_status, run_scan
from engine.replay.scan import OVERSIZE_BYTES, FileResult, ScanOptions, record_matches, scan_file
from engine.replay.sinks import RecordsSink, Summary
from engine.replay.sources import FileRun, Item, Source
from engine.replay.window import TimeWindow

from .helpers import RunCli, ct_doc, ct_path, org, record, write

DEFAULT_PATTERN = catalog.default().pattern  # the pattern scan replays by default

PATTERNS = [
    DEFAULT_PATTERN,
    "{ $.eventSource = ec2.amazonaws.com }",
    "CreateAccount",
    '"organizations.amazonaws.com"',
    "%Create[A-Z]%",
    '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" }',
    "{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS }",
    '[w1 = "{*"]',
    "",
]


def test_scan_file_matches_every_pattern_in_one_pass(tmp_path: Path) -> None:
    recs = [record(), org(), org("DescribeOrganization"), org("CreateAccount")]
    path = write(tmp_path / "f.json.gz", ct_doc(recs))
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN, "DescribeOrganization"], ScanOptions())
    assert result.status == "read" and result.format == "cloudtrail"
    assert result.records == 4
    assert [(m.index, m.patterns) for m in result.matches] == [(1, (0,)), (2, (1,)), (3, (0,))]
    assert result.matches_per_pattern == [2, 1]
    assert orjson.loads(result.matches[0].raw) == recs[1]
    assert result.raw_bytes == path.stat().st_size


def test_matches_equal_compile_matches_record(
    tmp_path: Path, real_records: list[dict[str, Any]]
) -> None:
    recs = [*real_records, record(), org(), org("ListAccounts"), record(errorCode="AccessDenied")]
    path = write(tmp_path / "f.json.gz", ct_doc(recs))
    result = scan_file(Source(str(path)), PATTERNS, ScanOptions())
    compiled = [engine.compile(p) for p in PATTERNS]
    expected = [
        (i, tuple(k for k, p in enumerate(compiled) if p.matches_record(r)))
        for i, r in enumerate(recs)
    ]
    assert [(m.index, m.patterns) for m in result.matches] == [e for e in expected if e[1]]
    for k in range(len(PATTERNS)):
        assert result.matches_per_pattern[k] == sum(1 for _, ks in expected if k in ks)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
records_strategy = st.fixed_dictionaries(
    {
        "eventSource": st.sampled_from(["organizations.amazonaws.com", "ec2.amazonaws.com"]),
        "eventName": st.sampled_from(["CreateAccount", "ListAccounts", "AttachPolicy", "x"]),
    },
    optional={"errorCode": st.sampled_from(["AccessDenied", "Client.UnauthorizedOperation"])},
).flatmap(lambda base: st.dictionaries(st.text(max_size=6), json_values, max_size=3).map(
    lambda extra: {**extra, **base}
))  # fmt: skip


@settings(max_examples=60)
@given(st.lists(records_strategy, max_size=12))
def test_property_scan_equals_matches_record(recs: list[dict[str, Any]]) -> None:
    compiled = [engine.compile(p) for p in PATTERNS]
    for r in recs:
        assert record_matches(r, compiled) == [
            k for k, p in enumerate(compiled) if p.matches_record(r)
        ]


def test_message_sources_match_text_patterns_on_the_stored_message(tmp_path: Path) -> None:
    # A CloudWatch Logs export keeps the message as stored, spacing included: text patterns
    # see that message, not a re-serialisation of the record.
    message = '{"eventName": "CreateAccount",  "eventSource": "organizations.amazonaws.com"}'
    path = write(tmp_path / "000000.gz", f"2024-03-12T10:00:00.000Z {message}\n".encode())
    phrase = '"CreateAccount\\",  \\"eventSource"'
    result = scan_file(Source(str(path)), [phrase, DEFAULT_PATTERN], ScanOptions())
    assert result.format == "cwl-export"
    assert [m.patterns for m in result.matches] == [(0, 1)]


def test_oversized_matches_are_kept_flagged_and_counted(tmp_path: Path) -> None:
    big = org(requestParameters={"blob": "x" * OVERSIZE_BYTES})
    path = write(tmp_path / "f.json.gz", ct_doc([big, org(), record(blob="y" * OVERSIZE_BYTES)]))
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions())
    assert [(m.index, m.oversized) for m in result.matches] == [(0, True), (1, False)]
    assert result.oversized == 1  # the matches over the limit; record 2 is not one


def test_window_filters_on_event_time(tmp_path: Path) -> None:
    recs = [org(time="2024-03-11T23:59:59Z"), org(time="2024-03-12T00:00:00Z"), org(time="bad")]
    path = write(tmp_path / "f.json", ct_doc(recs))
    window = TimeWindow.from_text("2024-03-12", None)
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions(window=window))
    assert [m.index for m in result.matches] == [1]
    assert result.records == 3 and result.outside_window == 2


def test_problems_keep_the_matches_before_them(tmp_path: Path) -> None:
    import gzip

    good = gzip.compress(b"\n".join(json.dumps(org()).encode() for _ in range(3000)), mtime=0)
    path = write(tmp_path / "f.jsonl.gz", good[: len(good) - 20], gz=False)
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions())
    assert result.status == "failed"
    assert result.matches and len(result.matches) == result.records
    assert "truncated gzip" in (result.error_line() or "")


def test_many_problems_make_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "f.json", ct_doc([1, 2, org(), 3]))
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions())
    assert result.status == "failed" and result.problem_count == 3
    assert result.error_line() == (
        f"{path}: record 0 is a number, not an object (and 2 more problems)"
    )
    assert len(result.matches) == 1


def test_run_scan_stops_cleanly_on_keyboard_interrupt(tmp_path: Path) -> None:
    paths = [str(write(ct_path(tmp_path, suffix=f"S{i:015d}"), ct_doc([org()]))) for i in range(3)]

    class Interrupting(RecordsSink):
        def write(self, result: FileResult) -> None:
            super().write(result)
            if result.path == paths[1]:
                raise KeyboardInterrupt

    out = tmp_path / "out"
    with out.open("wb") as fh:
        summary = run_scan(
            paths, [PatternSpec("o", DEFAULT_PATTERN)], ScanOptions(), sink=Interrupting(fh)
        )
    assert summary.interrupted and exit_status(summary) == 130
    assert len(out.read_bytes().splitlines()) == 2
    assert summary.files_read == 2


def test_summary_counts(tmp_path: Path) -> None:
    good = write(ct_path(tmp_path), ct_doc([org(), record()]))
    digest = write(tmp_path / "AWSLogs/1/CloudTrail-Digest/r/2024/03/12/d.json.gz", b"{}")
    bad = write(tmp_path / "bad.json.gz", b"nope", gz=False)
    out = tmp_path / "out"
    with out.open("wb") as fh:
        summary = run_scan(
            [str(good), str(digest), str(bad), str(tmp_path / "missing")],
            [PatternSpec("o", DEFAULT_PATTERN)],
            ScanOptions(),
            sink=RecordsSink(fh),
        )
    d = summary.to_dict()
    assert d["files"] == {"read": 1, "skipped": 1, "failed": 2}
    assert d["skipped"] == {"digest": 1}
    assert d["records"] == 2 and d["matches"] == {"o": 1} and d["matched_records"] == 1
    assert d["bytes"] == good.stat().st_size + bad.stat().st_size
    assert exit_status(summary) == 2
    assert isinstance(Summary(["a"]).render_text(), str)


def test_iter_records(tmp_path: Path) -> None:
    a = write(ct_path(tmp_path, "2024/03/12"), ct_doc([org(), "bad", record()]))
    b = write(tmp_path / "x.jsonl", json.dumps(org(time="2024-03-13T00:00:00Z")).encode())
    write(tmp_path / "AWSLogs/1/CloudTrail-Digest/r/2024/03/12/d.json.gz", b"{}")
    errors: list[tuple[str, str]] = []
    got = list(
        iter_records(
            [str(tmp_path), str(tmp_path / "missing")], on_error=lambda p, m: errors.append((p, m))
        )
    )
    assert [(p, i) for p, i, _ in got] == [(str(a), 0), (str(a), 2), (str(b), 0)]
    assert errors == [
        (str(a), "record 1 is a string, not an object"),
        (str(tmp_path / "missing"), "no such file or directory"),
    ]
    got = list(iter_records([str(tmp_path)], since="2024-03-13", on_error=lambda p, m: None))
    assert [(p, i) for p, i, _ in got] == [(str(b), 0)]
    assert list(iter_records([str(tmp_path)], input_format="ndjson", until="2024-01-01")) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_executors_keep_input_order(workers: int) -> None:
    from engine.replay.executors import make_executor

    executor = make_executor(workers)
    try:
        got = list(executor.map_ordered(_square, range(40), local=lambda n: n % 7 == 0))
    finally:
        executor.close()
    assert got == [n * n for n in range(40)]


def _square(n: int) -> int:
    return n * n


class _Run(tuple[int, ...]):
    """An item standing for several units (as a FileRun stands for its files)."""

    @property
    def files(self) -> int:
        return len(self)


def _split_run(item: Any) -> Any:
    return tuple(item) if isinstance(item, _Run) else (item,)


@pytest.mark.parametrize("workers", [1, 2])
def test_executors_give_each_unit_of_an_item_that_stands_for_several(workers: int) -> None:
    from engine.replay.executors import make_executor

    items: list[Any] = []
    for n in range(0, 60, 6):
        items.append(_Run(range(n, n + 5)) if n % 12 == 0 else n)  # and single ones between
    executor = make_executor(workers)
    try:
        got = list(executor.map_ordered(_square, items, split=_split_run))
    finally:
        executor.close()
    assert got == [u * u for item in items for u in _split_run(item)]


def test_runs_go_whole_where_a_batch_holds_them_and_unit_by_unit_where_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches keep their bounds with runs: they ramp from one unit, so a run bigger than
    the batch may hold is sent unit by unit; once batches are big enough, runs go whole."""
    from engine.replay.executors import LocalPoolExecutor

    sent: list[list[Any]] = []
    submit = LocalPoolExecutor._submit

    def recording(self: Any, work: Any, items: list[Any]) -> Any:
        sent.append(list(items))
        return submit(self, work, items)

    monkeypatch.setattr(LocalPoolExecutor, "_submit", recording)
    items = [_Run(range(n, n + 20)) for n in range(0, 1000, 20)]
    executor = LocalPoolExecutor(2, batch=64)
    try:
        got = list(executor.map_ordered(_square, items, split=_split_run))
    finally:
        executor.close()
    assert got == [u * u for u in range(1000)]
    units = [sum(len(i) if isinstance(i, _Run) else 1 for i in batch) for batch in sent]
    assert units[:4] == [1, 1, 2, 2] and max(units) <= 64
    whole = [i for batch in sent for i in batch if isinstance(i, _Run)]
    assert whole and all(len(i) == 20 for i in whole)


def test_in_process_scans_stream_their_matches(tmp_path: Path) -> None:
    from engine.replay import scan as scan_mod

    n = scan_mod.FLUSH_EVERY * 2 + 5
    path = write(tmp_path / "big.jsonl", b"\n".join(json.dumps(org()).encode() for _ in range(n)))
    batches: list[int] = []

    def flush(result: FileResult) -> None:
        batches.append(len(result.matches))
        result.matches.clear()

    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions(), flush)
    assert batches == [scan_mod.FLUSH_EVERY] * 2
    assert len(result.matches) == 5 and result.matched_records == n
    out = tmp_path / "out"
    with out.open("wb") as fh:
        summary = run_scan(
            [str(path)], [PatternSpec("o", DEFAULT_PATTERN)], ScanOptions(), sink=RecordsSink(fh)
        )
    assert summary.matched_records == n
    assert len(out.read_bytes().splitlines()) == n


def test_non_json_messages_of_a_log_export(tmp_path: Path) -> None:
    text = (
        "2024-03-12T10:00:00.000Z 192.0.2.1 - GET /a 404\n"
        "2024-03-12T11:00:00.000Z 192.0.2.1 - GET /b 200\n"
        f"2024-03-12T12:00:00.000Z {json.dumps(org(time='2024-03-12T12:00:00Z'))}\n"
    )
    path = write(tmp_path / "000000.gz", text.encode())
    patterns = ["[ip, user, method, url, status = 4*]", DEFAULT_PATTERN, "GET"]
    result = scan_file(Source(str(path)), patterns, ScanOptions())
    assert result.status == "read" and result.records == 3
    got = [(m.index, m.patterns, m.text_only) for m in result.matches]
    assert got == [(0, (0, 2), True), (1, (2,), True), (2, (1,), False)]
    assert result.matches[0].raw == b"192.0.2.1 - GET /a 404"
    # the export line's timestamp places a non-JSON event in the window
    window = TimeWindow.from_text("2024-03-12T10:30:00Z", None)
    result = scan_file(Source(str(path)), patterns, ScanOptions(window=window))
    assert [m.index for m in result.matches] == [1, 2] and result.outside_window == 1


def test_unreadable_file_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.replay.formats import opening

    path = write(tmp_path / "secret.json", ct_doc([org()]))

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(opening, "open", denied, raising=False)
    result = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions())
    assert result.status == "failed"
    assert result.error_line() == f"{path}: permission denied"


@settings(max_examples=60)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b'{"Records":[', b'{"Events":[{"CloudTrailEvent":"x"}]}', b"[1,{}]"]).map(
            lambda b: b + b"\x00"
        ),
        st.lists(
            st.sampled_from([b'{"a":1}', b"[", b"2024-03-12T10:00:00Z x", b"\xff"]), max_size=5
        ).map(b"\n".join),
    ),
    st.booleans(),
    st.sampled_from([None, *("cloudtrail", "ndjson", "cwl-export", "console")]),
)
def test_property_any_bytes_give_a_result_never_an_exception(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, gz: bool, forced: str | None
) -> None:
    import gzip as gzip_mod

    path = tmp_path_factory.mktemp("any") / "f.json"
    path.write_bytes(gzip_mod.compress(data, mtime=0) if gz else data)
    result = scan_file(Source(str(path)), ["", DEFAULT_PATTERN], ScanOptions(input_format=forced))
    assert result.status in ("read", "failed", "skipped")
    if result.status == "failed":
        line = result.error_line()
        assert line is not None and "\n" not in line


def test_a_file_result_survives_pickling_as_columns() -> None:
    import pickle

    from engine.replay.scan import FileResult, Match

    result = FileResult("f", matches_per_pattern=[0, 0], records=3, format="cloudtrail")
    result.add(Match(0, b'{"a":1}', (0, 1), oversized=True))
    result.add(Match(2, b"plain text", (1,), text_only=True))
    result.problem("record 1 is a number, not an object")
    back = pickle.loads(pickle.dumps(result))
    assert back == result
    assert back.matches[1].text_only and back.status == "failed"


def test_pool_batches_keep_order_whatever_the_sizes() -> None:
    from engine.replay.executors import BATCH_BYTES, LocalPoolExecutor
    from engine.replay.sources import Source

    items = [Source(f"f{i}", size=(BATCH_BYTES if i % 3 == 0 else 10)) for i in range(50)]
    executor = LocalPoolExecutor(2, batch=4)
    try:
        assert list(executor.map_ordered(_path_of, items)) == [s.path for s in items]
    finally:
        executor.close()


def _path_of(source: Any) -> str:
    return str(source.path)


def test_workers_render_records_and_envelopes_as_the_parent_would(tmp_path: Path) -> None:
    from engine.replay.executors import LocalPoolExecutor
    from engine.replay.sinks import EnvelopeSink

    for i in range(6):
        write(tmp_path / f"f{i}.json.gz", ct_doc([org(), record(), org(name="CreatePolicy")]))
    patterns = [PatternSpec("org", DEFAULT_PATTERN), PatternSpec("all", "")]
    outputs = []
    for make in (RecordsSink, lambda out: EnvelopeSink(out, ["org", "all"])):
        for executor in (None, LocalPoolExecutor(2)):
            out = io.BytesIO()
            run_scan([str(tmp_path)], patterns, ScanOptions(), sink=make(out), executor=executor)
            outputs.append(out.getvalue().rsplit(b'{"summary"', 1)[0])
    assert outputs[0] == outputs[1] and outputs[2] == outputs[3]
    assert outputs[0].count(b"\n") == 18 and outputs[2].count(b"\n") == 18 + 12


def test_quiet_files_are_summed_and_the_scan_is_unchanged(tmp_path: Path) -> None:
    """Files with nothing to report travel as one summed result; output, error lines and
    the summary are those of one result per file, on every executor."""
    from engine.replay import run as run_mod
    from engine.replay.executors import LocalPoolExecutor

    for i in range(700):
        recs = [org()] if i % 97 == 0 else [record() for _ in range(1 + i % 5)]
        write(tmp_path / f"d{i // 100}" / f"f{i:03d}.json.gz", ct_doc(recs))
    write(tmp_path / "d3" / "f333.json.gz", b"{broken", gz=True)
    write(tmp_path / "d5" / "lines.jsonl", b"\n".join(json.dumps(org()).encode() for _ in range(3)))
    specs = [PatternSpec("o", DEFAULT_PATTERN)]
    runs = []
    for executor in (None, LocalPoolExecutor(2)):
        out, problems, results = io.BytesIO(), [], []
        summary = run_scan([str(tmp_path)], specs, ScanOptions(), sink=RecordsSink(out),
                           executor=executor, on_problem=problems.append,
                           on_result=results.append)  # fmt: skip
        runs.append((out.getvalue(), problems, summary.to_dict()))
        assert sum(r.files for r in results) == 701  # every file counted once
        assert len(results) < 100  # ... but not one result each
    (out1, problems1, s1), (out2, problems2, s2) = runs
    assert out1 == out2 and out1.count(b"\n") == 8 + 3
    assert problems1 == problems2 and len(problems1) == 1 and "f333.json.gz" in problems1[0]
    for s in (s1, s2):
        s.pop("elapsed_seconds"), s.pop("records_per_second"), s.pop("bytes_per_second")
    assert s1 == s2 and s1["files"] == {"read": 700, "skipped": 0, "failed": 1}
    assert run_mod.QUIET_SUM < 700


def test_the_quick_path_declines_what_it_does_not_read(tmp_path: Path) -> None:
    from engine.replay.scan import compile_patterns, scan_quick

    compiled = compile_patterns([DEFAULT_PATTERN])
    ct = write(tmp_path / "a.json.gz", ct_doc([org(), record()]))
    result = scan_quick(Source(str(ct)), compiled, ScanOptions())
    assert result is not None and (result.records, result.matched_records) == (2, 1)
    assert result.raw_bytes == ct.stat().st_size and result.format == "cloudtrail"
    lines = write(tmp_path / "b.jsonl", json.dumps(org()).encode())
    pretty = write(tmp_path / "c.json", b' {"Records": []}')
    for path in (lines, pretty, tmp_path / "missing.json"):
        assert scan_quick(Source(str(path)), compiled, ScanOptions()) is None
    assert scan_quick(Source(str(ct)), compiled, ScanOptions(input_format="cloudtrail")) is None


def _die_on_poison(item: str) -> str:
    if item.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    return item.upper()


def test_a_killed_worker_is_retried_then_reported_and_the_rest_scanned() -> None:
    from engine.replay.executors import LocalPoolExecutor

    items = [f"f{i}" for i in range(30)]
    items.insert(11, "poison-a")
    failures: list[tuple[str, str]] = []

    def on_failure(item: str, exc: BaseException) -> str:
        failures.append((item, str(exc)))
        return f"LOST {item}"

    executor = LocalPoolExecutor(2, batch=4, on_failure=on_failure)
    try:  # the old executor raised BrokenProcessPool here, the later files never scanned
        got = list(executor.map_ordered(_die_on_poison, items))
    finally:
        executor.close()
    assert got == [("LOST " + i if i.startswith("poison") else i.upper()) for i in items]
    assert failures == [
        ("poison-a", "a worker process died while reading this input, twice "
                     "(killed, or out of memory)"),
    ]  # fmt: skip


def test_a_killed_worker_in_a_scan_is_one_failed_file(tmp_path: Path) -> None:
    from engine.replay import executors

    for i in range(8):
        write(tmp_path / f"f{i}.json.gz", ct_doc([org()]))
    poison = write(tmp_path / "f3.json.gz", ct_doc([org(), org()]))
    out, problems = io.BytesIO(), []
    executor = executors.make_executor(2, [DEFAULT_PATTERN])
    assert isinstance(executor, executors.LocalPoolExecutor)
    summary = run_scan(
        [str(tmp_path)], [PatternSpec("o", DEFAULT_PATTERN)], ScanOptions(),
        sink=RecordsSink(out), executor=executor, on_problem=problems.append,
        items=[Source(str(p)) if p != poison else _Poison(str(p))
               for p in sorted(tmp_path.iterdir())],
    )  # fmt: skip
    assert problems == [f"{poison}: a worker process died while reading this input, twice "
                        "(killed, or out of memory)"]  # fmt: skip
    assert summary.files_failed == 1 and summary.files_read == 7
    assert out.getvalue().count(b"\n") == 7 and exit_status(summary) == 2


def test_a_killed_worker_inside_a_run_of_files_is_one_failed_file(tmp_path: Path) -> None:
    """The walk sends a directory's files as one run; when the worker reading it dies, the
    run is read again file by file, so only the file at fault is reported."""
    from engine.replay import executors

    for i in range(8):
        write(tmp_path / f"f{i}.json.gz", ct_doc([org()]))
    poison = str(tmp_path / "f3.json.gz")
    out, problems = io.BytesIO(), []
    executor = executors.make_executor(2, [DEFAULT_PATTERN])
    summary = run_scan(
        [str(tmp_path)], [PatternSpec("o", DEFAULT_PATTERN)], ScanOptions(),
        sink=RecordsSink(out), executor=executor, on_problem=problems.append,
        items=[_PoisonRun(str(tmp_path), tuple(f"f{i}.json.gz" for i in range(8)))],
    )  # fmt: skip
    assert problems == [f"{poison}: a worker process died while reading this input, twice "
                        "(killed, or out of memory)"]  # fmt: skip
    assert summary.files_failed == 1 and summary.files_read == 7
    assert out.getvalue().count(b"\n") == 7 and exit_status(summary) == 2


class _PoisonRun(FileRun, frozen=True):
    """A run whose reading kills the worker (fatal once unpickled there, whatever the start
    method); file by file, only its f3 does."""

    def items(self) -> list[Item]:
        return [
            _Poison(p) if p.endswith("f3.json.gz") else Source(p)
            for p in (os.path.join(self.directory, n) for n in self.names)
        ]

    def __reduce__(self) -> Any:
        return (_kill_on_load, (self.directory,))


class _Poison(Source, frozen=True):
    """A source whose reading kills the worker (pickled to it, then fatal there)."""

    def __reduce__(self) -> Any:
        return (_kill_on_load, (self.path,))


def _kill_on_load(path: str) -> Source:
    os.kill(os.getpid(), signal.SIGKILL)
    return Source(path)  # pragma: no cover


def test_closing_a_pool_leaves_no_thread_behind() -> None:
    """The pool is shut down and waited for: no thread of it is left to race the
    interpreter's exit ("Exception ignored ... Bad file descriptor" after ~2% of runs)."""
    import threading

    from engine.replay.executors import LocalPoolExecutor

    before = set(threading.enumerate())
    executor = LocalPoolExecutor(2)
    assert list(executor.map_ordered(_square, range(10))) == [n * n for n in range(10)]
    executor.close()  # the old close() returned with the manager thread still running
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_workers_are_capped_and_range_checked(run_cli: RunCli, tmp_path: Path) -> None:
    from engine.replay.executors import MAX_WORKERS_PER_CORE, make_executor, worker_cap

    assert worker_cap() == MAX_WORKERS_PER_CORE * (len(os.sched_getaffinity(0)))
    executor = make_executor(100_000)
    assert getattr(executor, "workers", 1) <= worker_cap()
    executor.close()
    path = write(tmp_path / "f.json", ct_doc([org()]))
    huge = run_cli(path, "--workers", "99999999999999999999")
    assert huge.code == 2 and "--workers" in huge.stderr and "Traceback" not in huge.stderr
    many = run_cli(path, "--workers", "200")
    assert many.code == 0 and f"starting {worker_cap()} processes" in many.stderr


def test_a_pool_starts_no_more_processes_than_files(tmp_path: Path) -> None:
    from engine.replay.executors import LocalPoolExecutor

    executor = LocalPoolExecutor(8)
    try:
        assert list(executor.map_ordered(_square, range(3))) == [0, 1, 4]
        assert executor._size == 3
    finally:
        executor.close()


def _children_of(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out |= {int(x) for x in f.read().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_stops_the_whole_process_tree_and_flushes(tmp_path: Path) -> None:
    import subprocess
    import threading
    import time

    from .helpers import cli_command

    tree = tmp_path / "tree"
    for i in range(4):
        write(tree / f"f{i}.json.gz", ct_doc([org(), record()]))
    fifo = tmp_path / "slow"
    os.mkfifo(fifo)  # a worker reads it and blocks: the scan is under way

    def writer() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as w:
            w.write(b'{"Records":[')
            time.sleep(60)

    threading.Thread(target=writer, daemon=True).start()
    out = tmp_path / "out"
    with out.open("wb") as stdout:
        proc = subprocess.Popen([*cli_command(), "scan", str(tree), str(fifo), "-j", "2", "-q"],
                                stdout=stdout, stderr=subprocess.PIPE)  # fmt: skip
        workers: set[int] = set()
        for _ in range(300):  # until the workers run
            time.sleep(0.1)
            workers = _children_of(proc.pid)
            if len(workers) >= 2 and out.read_bytes().count(b"\n") >= 4:
                break
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)  # the old parent died at once, leaving its workers
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not [w for w in workers if _alive(w)]
    assert code == 130
    assert out.read_bytes().count(b"\n") == 4  # what was found before the signal


def test_small_files_are_read_whole_in_one_call_and_anything_else_is_left_to_the_reader(
    tmp_path: Path,
) -> None:
    import gzip

    from engine.replay.formats.opening import WHOLE_GZIP_BYTES, read_small_file
    from engine.replay.scan import compile_patterns, scan_quick

    doc = ct_doc([org("CreateAccount"), record("RunInstances")])
    plain = tmp_path / "a.json"
    plain.write_bytes(doc)
    packed = tmp_path / "b.json.gz"
    packed.write_bytes(gzip.compress(doc))
    assert read_small_file(str(plain)) == (doc, len(doc))
    assert read_small_file(str(packed)) == (doc, packed.stat().st_size)
    two = tmp_path / "two.json.gz"  # several members: the streaming reader's
    two.write_bytes(gzip.compress(doc) * 2)
    cut = tmp_path / "cut.json.gz"  # truncated: the streaming reader names it
    cut.write_bytes(gzip.compress(doc)[:-9])
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (WHOLE_GZIP_BYTES + 1))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (two, cut, big, fifo, tmp_path / "missing", tmp_path):
        assert read_small_file(str(path)) is None, path
    # The quick path's result is the full reader's, file by file.
    compiled = compile_patterns([DEFAULT_PATTERN])
    for path in (plain, packed):
        quick = scan_quick(Source(str(path)), compiled, ScanOptions())
        full = scan_file(Source(str(path)), [DEFAULT_PATTERN], ScanOptions())
        assert quick is not None
        assert (quick.records, quick.raw_bytes, quick.matched_records, quick.format) == (
            full.records,
            full.raw_bytes,
            full.matched_records,
            full.format,
        )
    for path in (two, cut):
        assert scan_quick(Source(str(path)), compiled, ScanOptions()) is None
