"""``trailreplay scan s3://...`` against a moto server: same output as a local scan of the same
files, targeted listing (requests counted on the server), broken objects, retries."""

from __future__ import annotations

import gzip
import io
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest
from s3_archive import (
    DENIED_PATTERN,
    MGMT_ACCOUNT,
    ORG_PATTERN,
    PATTERNS,
    archive,
    ct_doc,
    gz,
    record,
    upload,
    write_local,
)
from s3_support import Moto, Run, cli

from engine.replay import s3 as s3mod
from engine.replay.layout import LayoutPlace
from engine.replay.locations import expand
from engine.replay.run import PatternSpec, run_scan
from engine.replay.s3 import (
    S3Config,
    S3Object,
    S3Scope,
    expand_s3,
    layout_keeps,
    layout_place,
)
from engine.replay.scan import FileResult, ScanOptions, scan_file
from engine.replay.sinks import RecordsSink, Summary
from engine.replay.sources import Problem, Skipped, Source
from engine.replay.window import TimeWindow

BUCKET = "trail-archive"
BROKEN = "trail-broken"
TIMING = ("elapsed_seconds", "records_per_second", "bytes_per_second")


@pytest.fixture(scope="module")
def objects() -> dict[str, bytes]:
    return archive()


@pytest.fixture(scope="module")
def store(moto: Moto, objects: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive in the bucket, and the same files in a local directory (returned)."""
    upload(moto.client, BUCKET, objects)
    return write_local(tmp_path_factory.mktemp("archive"), objects)


def pattern_args(patterns: tuple[str, ...] = PATTERNS) -> list[str]:
    return [arg for p in patterns for arg in ("-e", p)]


def summary_without_timing(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in TIMING}


def envelope_lines(run: Run, local_prefix: str | None = None) -> list[Any]:
    text = run.stdout
    if local_prefix is not None:
        text = text.replace(f'"path":"s3://{BUCKET}/', f'"path":"{local_prefix}/')
    lines = [json.loads(line) for line in text.splitlines()]
    *matches, last = lines
    return [*matches, {"summary": summary_without_timing(last["summary"])}]


# --------------------------------------------------------------------------- console script


def test_s3_scan_equals_local_scan(moto: Moto, store: Path, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/"
    s3_args = [url, "--endpoint-url", moto.endpoint]
    for fmt in ("records", "envelope"):
        remote = cli(*s3_args, *pattern_args(), "--format", fmt,
                     "--summary-json", tmp_path / "s3.json")  # fmt: skip
        local = cli(store, *pattern_args(), "--format", fmt,
                    "--summary-json", tmp_path / "local.json")  # fmt: skip
        assert remote.code == local.code == 0, remote.stderr + local.stderr
        if fmt == "records":
            assert remote.stdout == local.stdout  # byte for byte, in the same order
            assert remote.stdout.count("\n") > 100
        else:
            assert envelope_lines(remote, str(store)) == envelope_lines(local)
        s3_summary = json.loads((tmp_path / "s3.json").read_text())
        local_summary = json.loads((tmp_path / "local.json").read_text())
        assert summary_without_timing(s3_summary) == summary_without_timing(local_summary)
        assert s3_summary["skipped"] == {"digest": 28, "not-a-log-name": 1, "write-test": 1}
    # One GET per object read, never a HEAD first.
    assert not [r for r in moto.requests if r.method == "HEAD"]


def expected_days() -> set[str]:
    return {"2024/03/12", "2024/03/13", "2024/03/14"}  # --since/--until 2024-03-13, with margins


def in_layout_scope(key: str) -> bool:
    place = layout_place(key)
    if place is None:
        return True  # outside any trail: listed flat (exports, loose files)
    return (
        place.account == "111122223333"
        and place.region == "us-east-1"
        and any(f"/{day}/" in key for day in expected_days())
    )


def test_prefix_pruning_lists_and_reads_only_what_it_must(
    moto: Moto, store: Path, objects: dict[str, bytes], tmp_path: Path
) -> None:
    scope = ["--accounts", "111122223333", "--regions", "us-east-1,ap-south-1",
             "--since", "2024-03-13", "--until", "2024-03-13"]  # fmt: skip
    moto.requests.clear()
    remote = cli(f"s3://{BUCKET}", "--endpoint-url", moto.endpoint, *scope,
                 *pattern_args(), "--summary-json", tmp_path / "s3.json")  # fmt: skip
    requests = list(moto.requests)
    local = cli(store, *scope, *pattern_args(), "--summary-json", tmp_path / "local.json")
    assert remote.code == local.code == 0, remote.stderr + local.stderr
    assert remote.stdout == local.stdout
    s3_summary = json.loads((tmp_path / "s3.json").read_text())
    local_summary = json.loads((tmp_path / "local.json").read_text())
    for part in ("files", "records", "outside_window", "matches", "matched_records", "bytes"):
        if part == "files":
            assert s3_summary[part]["read"] == local_summary[part]["read"]
            assert s3_summary[part]["failed"] == local_summary[part]["failed"] == 0
        else:
            assert s3_summary[part] == local_summary[part], part

    listed: set[str] = set()
    for r in requests:
        if r.method == "GET" and "list-type" in r.query:
            prefix, delimiter = r.query.get("prefix", ""), r.query.get("delimiter", "")
            listed |= {
                k
                for k in objects
                if k.startswith(prefix) and not (delimiter and delimiter in k[len(prefix) :])
            }
    outside = sorted(k for k in listed if not in_layout_scope(k))
    assert outside == [], "listed objects outside the window/accounts/regions"
    read = {r.key for r in requests if r.key and r.method in ("GET", "HEAD")}
    data_keys = {
        k for k in objects if in_layout_scope(k) and "Digest" not in k and k.endswith(".json.gz")
    }
    loose = {"exportedlogs/0d1e2f/trail-stream/000000.gz", "misc/a-b.json", "misc/a/c.json",
             "MyAWSLogs/x.json"}  # fmt: skip
    assert read == data_keys | loose  # exactly what must be read
    assert len(data_keys) == 6  # 3 days x 2 files
    # The organization and account folders are found with delimiter listings; days outside
    # the window are pruned from their month's listing, never listed themselves.
    delimited = [r.query.get("prefix", "") for r in requests if r.query.get("delimiter") == "/"]
    assert not any("444455556666" in p or MGMT_ACCOUNT in p or "eu-west-1" in p for p in delimited)
    assert not any(p.endswith(("/2024/03/09/", "/2024/03/16/", "/2024/04/")) for p in delimited)
    flat = sorted(r.query.get("prefix", "") for r in requests
                  if "list-type" in r.query and r.query.get("delimiter", "") == "")  # fmt: skip
    assert [p.rsplit("/", 4)[-4:] for p in flat if "/CloudTrail/" in p] == [
        ["2024", "03", d, ""] for d in ("12", "13", "14")
    ]


def test_broken_object_is_reported_and_the_rest_scanned(moto: Moto, tmp_path: Path) -> None:
    good = [record("CreateAccount", "organizations.amazonaws.com", f"2024-03-1{i}T10:00:00Z",
                   "111122223333", "us-east-1") for i in range(3)]  # fmt: skip
    base = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03"
    objects = {
        f"{base}/10/a.json.gz": gz(ct_doc(good[:1])),
        f"{base}/11/b.json.gz": gz(ct_doc(good[1:2]))[:-12] + b"garbage-tail",  # corrupt gzip
        f"{base}/12/c.json.gz": gz(ct_doc(good[2:])),
        f"{base}/12/d.json.gz": gz(ct_doc(good[2:]))[:30],  # truncated
    }
    upload(moto.client, BROKEN, objects)
    root = write_local(tmp_path / "local", objects)
    remote = cli(f"s3://{BROKEN}/", "--endpoint-url", moto.endpoint, "-e", ORG_PATTERN)
    local = cli(root, "-e", ORG_PATTERN)
    assert remote.code == local.code == 2
    assert remote.stdout == local.stdout
    assert [json.loads(line)["eventTime"] for line in remote.stdout.splitlines()] == [
        "2024-03-10T10:00:00Z", "2024-03-12T10:00:00Z"
    ]  # fmt: skip
    problems = [line for line in remote.stderr.splitlines() if line.startswith("trailreplay: ")]
    local_problems = [
        line for line in local.stderr.splitlines() if line.startswith("trailreplay: ")
    ]
    assert [p.replace(f"s3://{BROKEN}", str(root)) for p in problems] == local_problems
    assert len(problems) == 2
    assert f"s3://{BROKEN}/{base}/11/b.json.gz" in problems[0]
    assert "files: 2 read, 0 skipped, 2 failed" in remote.stderr


# --------------------------------------------------------------------------- in process


def scan(
    sources: list[str], patterns: tuple[str, ...], scope: S3Scope, window: TimeWindow | None = None
) -> tuple[bytes, Summary]:
    out = io.BytesIO()
    specs = [PatternSpec(f"p{i}", p) for i, p in enumerate(patterns, 1)]
    summary = run_scan(
        sources,
        specs,
        ScanOptions(window=window),
        sink=RecordsSink(out),
        items=expand(sources, window=window, scope=scope),
    )
    return out.getvalue(), summary


def test_sub_prefixes_single_objects_and_missing_paths(
    moto: Moto, store: Path, objects: dict[str, bytes]
) -> None:
    scope = S3Scope(S3Config(endpoint_url=moto.endpoint))
    key = next(k for k in objects if k.endswith(".json.gz") and "Digest" not in k)
    for sub in ("AWSLogs/o-exampleorg1/", "AWSLogs/o-exampleorg1/444455556666/CloudTrail",
                "misc", key):  # fmt: skip
        remote, remote_summary = scan([f"s3://{BUCKET}/{sub}"], PATTERNS, scope)
        local, local_summary = scan([str(store / sub)], PATTERNS, scope)
        assert remote == local and remote, sub
        assert remote_summary.records == local_summary.records
        assert remote_summary.files_read == local_summary.files_read
    items = list(expand_s3(f"s3://{BUCKET}/nothing-here/", scope=scope))
    assert items == [Problem(f"s3://{BUCKET}/nothing-here/", "no objects under this prefix")]
    items = list(expand_s3(f"s3://{BUCKET}/misc/nope.json", scope=scope))
    assert items == [Problem(f"s3://{BUCKET}/misc/nope.json", "no such object or prefix")]
    [problem] = list(expand_s3("s3://no-such-bucket-here/", scope=scope))
    assert isinstance(problem, Problem) and "cannot list" in problem.message


def test_window_pruned_folders_are_counted_like_local(moto: Moto, store: Path) -> None:
    scope = S3Scope(S3Config(endpoint_url=moto.endpoint))
    window = TimeWindow.from_text("2024-03-13", "2024-03-13")
    sub = "AWSLogs/o-exampleorg1/111122223333/CloudTrail/"
    remote = list(expand_s3(f"s3://{BUCKET}/{sub}", window=window, scope=scope))
    local = list(expand([str(store / sub)], window=window))

    def kind(item: object) -> str:
        return f"skip {item.reason}" if isinstance(item, Skipped) else type(item).__name__

    assert [kind(i) for i in remote] == [kind(i).replace("Source", "S3Object") for i in local]
    assert [i.path.removeprefix(f"s3://{BUCKET}/") for i in remote] == [
        i.path.removeprefix(f"{store}/") for i in local
    ]
    assert sum(isinstance(i, Skipped) for i in remote) == 2 * 4  # 2023, 03/09, 03/16, 04 x 2


def test_accounts_and_regions_filter_local_paths_alike() -> None:
    accounts, regions = frozenset({"111122223333"}), frozenset({"us-east-1"})
    keep = "x/AWSLogs/o-exampleorg1/111122223333/CloudTrail/us-east-1/2024/03/12/f.json.gz"
    assert layout_keeps(keep, accounts, regions)
    assert not layout_keeps(keep.replace("us-east-1", "eu-west-1"), accounts, regions)
    assert not layout_keeps(keep.replace("111122223333", "444455556666"), accounts, regions)
    assert layout_keeps("exportedlogs/t/s/000000.gz", accounts, regions)
    assert layout_keeps("AWSLogs/o-exampleorg1/", accounts, regions)
    assert layout_place("AWSLogs/222233334444/CloudTrail/") == LayoutPlace("222233334444", None)


def test_credentials_options() -> None:
    pool = {"config_kwargs": {"max_pool_connections": 32}}  # 32 GETs in flight by default
    assert S3Config().storage_options() == {"use_listings_cache": False, **pool}
    assert S3Config("audit", "http://minio:9000", True).storage_options() == {
        "use_listings_cache": False, "profile": "audit", "endpoint_url": "http://minio:9000",
        "anon": True, **pool,
    }  # fmt: skip
    assert S3Config(concurrency=4).storage_options() == {"use_listings_cache": False}


def test_missing_s3_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)
    monkeypatch.setitem(sys.modules, "botocore.session", None)
    monkeypatch.setattr(s3mod, "_GETTERS", {})
    [problem] = list(expand_s3("s3://bucket/prefix/"))
    assert isinstance(problem, Problem)
    assert "pip install 'trailreplay[s3]'" in problem.message


# --------------------------------------------------------------------------- retries


class Flaky(io.RawIOBase):
    """Serves ``data``; fails with ``error`` after ``fail_after`` bytes when ``error`` is set."""

    def __init__(self, data: bytes, error: BaseException | None, fail_after: int) -> None:
        self._data = io.BytesIO(data)
        self._error = error
        self._fail_after = fail_after
        self.details: dict[str, Any] = {}

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._error is not None and self._data.tell() >= self._fail_after:
            raise self._error
        limit = len(buffer)
        if self._error is not None:
            limit = min(limit, self._fail_after - self._data.tell())
        chunk = self._data.read(limit)
        buffer[: len(chunk)] = chunk
        return len(chunk)


class FakeFS:
    def __init__(self, data: bytes, errors: list[BaseException | None], fail_after: int = 0):
        self.data = data
        self.errors = errors
        self.fail_after = fail_after
        self.opens = 0

    def open(self, path: str, mode: str, **kwargs: Any) -> Flaky:
        error = self.errors[self.opens] if self.opens < len(self.errors) else None
        self.opens += 1
        return Flaky(self.data, error, self.fail_after)


def use_fake(monkeypatch: pytest.MonkeyPatch, fs: FakeFS) -> None:
    monkeypatch.setattr(s3mod, "filesystem", lambda config: fs)
    monkeypatch.setattr(s3mod, "BACKOFF_SECONDS", 0.0)


ORG_DOC = gz(ct_doc([record("CreateAccount", "organizations.amazonaws.com",
                            "2024-03-12T10:00:00Z", "111122223333", "us-east-1")] * 3))  # fmt: skip
SOURCE = S3Object("s3://b/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/12/f.json.gz", None)


def test_transient_read_errors_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    fs = FakeFS(ORG_DOC, [ConnectionResetError("reset"), TimeoutError("slow")])
    use_fake(monkeypatch, fs)
    result = scan_file(SOURCE, [ORG_PATTERN], ScanOptions())
    assert fs.opens == 3
    assert (result.status, result.records, result.matches_per_pattern) == ("read", 3, [3])
    assert result.raw_bytes == len(ORG_DOC)


def test_a_read_failing_every_try_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    fs = FakeFS(ORG_DOC, [OSError("503 Slow Down")] * 5)
    use_fake(monkeypatch, fs)
    result = scan_file(SOURCE, [ORG_PATTERN], ScanOptions())
    assert fs.opens == s3mod.READ_TRIES == 3
    assert result.status == "failed"
    assert result.error_line() == f"{SOURCE.path}: S3 read failed after 3 tries: 503 Slow Down"


def test_corrupt_content_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    fs = FakeFS(ORG_DOC[:-12] + b"garbage-tail", [])
    use_fake(monkeypatch, fs)
    result = scan_file(SOURCE, [ORG_PATTERN], ScanOptions())
    assert fs.opens == 1
    assert result.status == "failed" and "gzip" in (result.error_line() or "")


def test_a_retry_does_not_repeat_matches_already_streamed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [
        orjson.dumps(record("CreateAccount", "organizations.amazonaws.com",
                            f"2024-03-12T10:{i // 60:02d}:{i % 60:02d}Z", "1", "us-east-1"))
        for i in range(300)
    ]  # fmt: skip
    data = b"\n".join(lines) + b"\n"
    fs = FakeFS(data, [ConnectionResetError("reset mid-object")], fail_after=len(data) // 2)
    use_fake(monkeypatch, fs)
    monkeypatch.setattr("engine.replay.scan.FLUSH_EVERY", 7)
    monkeypatch.setattr("engine.replay.formats.opening._BUFFER", 1024)
    written: list[bytes] = []

    def flush(partial: FileResult) -> None:
        written.extend(m.raw for m in partial.matches)
        partial.matches.clear()

    source = S3Object("s3://b/records.ndjson", len(data))
    result = scan_file(source, [ORG_PATTERN], ScanOptions(), flush)
    written.extend(m.raw for m in result.matches)
    assert fs.opens == 2
    assert written == lines  # each record once, in order, across the failed and the good try
    assert result.records == 300 and result.matches_per_pattern == [300]


def test_plain_source_urls_use_the_default_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    configs: list[S3Config] = []
    fs = FakeFS(gzip.compress(ct_doc([]), mtime=0), [])

    def fake(config: S3Config) -> FakeFS:
        configs.append(config)
        return fs

    monkeypatch.setattr(s3mod, "filesystem", fake)
    result = scan_file(Source("s3://b/x.json.gz"), [DENIED_PATTERN], ScanOptions())
    assert result.status == "read" and configs == [S3Config()]


def test_s3_objects_scanned_on_dask_equal_the_local_scan(moto: Moto, store: Path) -> None:
    pytest.importorskip("distributed")
    from engine.replay.dask_executor import DaskExecutor, failed_file

    scope = S3Scope(S3Config(endpoint_url=moto.endpoint))
    sources = [f"s3://{BUCKET}/AWSLogs/o-exampleorg1/"]
    out = io.BytesIO()
    specs = [PatternSpec(f"p{i}", p) for i, p in enumerate(PATTERNS, 1)]
    executor = DaskExecutor(
        None, PATTERNS, workers=2, processes=False, on_failure=partial(failed_file, 4)
    )
    summary = run_scan(sources, specs, ScanOptions(), sink=RecordsSink(out), executor=executor,
                       items=expand(sources, scope=scope))  # fmt: skip
    local, local_summary = scan([str(store / "AWSLogs/o-exampleorg1")], PATTERNS, scope)
    assert out.getvalue() == local and local
    assert summary.matches == local_summary.matches
    assert summary.files_read == local_summary.files_read == 56


def test_console_script_s3_on_its_own_local_cluster(moto: Moto, store: Path) -> None:
    pytest.importorskip("distributed")
    # --executor dask without --scheduler: a LocalCluster of worker processes, which read the
    # objects themselves (credentials from their environment, endpoint from the item).
    sub = "AWSLogs/o-exampleorg1/111122223333/"
    remote = cli(f"s3://{BUCKET}/{sub}", "--endpoint-url", moto.endpoint, *pattern_args(),
                 "--executor", "dask", "--workers", "2", "-q")  # fmt: skip
    local = cli(store / sub, *pattern_args(), "--workers", "1", "-q")
    assert remote.code == local.code == 0, remote.stderr
    assert remote.stdout == local.stdout and remote.stdout.count("\n") > 50


def test_anon_reads_a_public_bucket_unsigned(moto: Moto) -> None:
    moto.client.create_bucket(Bucket="public-trail")
    key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/12/f.json.gz"
    moto.client.put_object(Bucket="public-trail", Key=key, Body=ORG_DOC, ACL="public-read")
    moto.requests.clear()
    scope = S3Scope(S3Config(endpoint_url=moto.endpoint, anon=True))
    _, summary = scan(["s3://public-trail/"], (ORG_PATTERN,), scope)
    assert (summary.files_read, summary.files_failed, summary.matches) == (1, 0, [3])
    assert moto.requests and not any(r.signed for r in moto.requests)


def test_iter_records_reads_s3_like_local_paths(
    moto: Moto, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """metrics and alarm read their records through iter_records: s3:// works there too."""
    from engine.replay import iter_records

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    problems: list[tuple[str, str]] = []
    remote = [
        (p.replace(f"s3://{BUCKET}/", ""), i, r)
        for p, i, r in iter_records([f"s3://{BUCKET}/"], on_error=lambda *a: problems.append(a))
    ]
    local = [
        (str(Path(p).relative_to(store)), i, r)
        for p, i, r in iter_records([str(store)], on_error=lambda *a: None)
    ]
    assert len(remote) > 100
    assert sorted(remote, key=lambda x: (x[0], x[1])) == sorted(local, key=lambda x: (x[0], x[1]))


# --------------------------------------------------------------------------- fetching ahead


class FakeGetter:
    """Whole-object GETs (as the lean client's): counts GETs in flight, fails as told per key."""

    def __init__(self, objects: dict[str, bytes], errors: dict[str, list[BaseException]]):
        import threading

        self.objects = objects
        self.errors = errors
        self.in_flight = 0
        self.most = 0
        self.gets: list[str] = []
        self._lock = threading.Lock()

    def get(self, bucket: str, key: str) -> bytes:
        import time

        path = f"{bucket}/{key}"
        with self._lock:
            self.gets.append(path)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            time.sleep(0.02)
            with self._lock:
                left = self.errors.get(path)
                error = left.pop(0) if left else None
            if error is not None:
                raise error
            return self.objects[path]
        finally:
            with self._lock:
                self.in_flight -= 1


def use_getter(monkeypatch: pytest.MonkeyPatch, fake: FakeGetter) -> None:
    monkeypatch.setattr(s3mod, "getter", lambda config: fake)
    monkeypatch.setattr(s3mod, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setattr(s3mod, "_FETCHERS", {})
    monkeypatch.setattr(s3mod, "_GETTERS", {})


def fetch_all(monkeypatch: pytest.MonkeyPatch, fake: FakeGetter, items: list[Any]) -> list[Any]:
    use_getter(monkeypatch, fake)
    return list(s3mod.fetch_ahead(items))


def test_objects_are_fetched_many_at_a_time_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [f"b/AWSLogs/1/CloudTrail/r/2024/03/12/{i:03d}.json.gz" for i in range(120)]
    fs = FakeGetter({k: ORG_DOC for k in keys}, {})
    config = S3Config(concurrency=16)
    items: list[Any] = [S3Object(f"s3://{k}", len(ORG_DOC), config) for k in keys]
    items.insert(5, Source("local.json"))
    items.insert(50, Problem("s3://b/x/", "cannot list"))
    out = fetch_all(monkeypatch, fs, items)
    assert [i.path for i in out] == [i.path for i in items]  # input order, others untouched
    assert out[5] is items[5] and out[50] is items[50]
    assert all(i.content == ORG_DOC for i in out if isinstance(i, S3Object))
    assert fs.most == 16  # --s3-concurrency GETs in flight, never more
    assert len(fs.gets) == 120


def test_bytes_fetched_ahead_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [f"b/k{i:03d}.json" for i in range(40)]
    fs = FakeGetter({k: b"x" * 1000 for k in keys}, {})
    config = S3Config(concurrency=32, max_bytes=5000)
    items = [S3Object(f"s3://{k}", 1000, config) for k in keys]
    use_getter(monkeypatch, fs)
    stage = s3mod.fetch_ahead(items)
    first = next(stage)
    assert first.content == b"x" * 1000
    # 5,000 bytes ahead at most: the first (handed out) and four more were requested.
    assert len(fs.gets) <= 6
    assert len(list(stage)) == 39


def test_a_fetch_is_retried_then_reported_like_a_read(monkeypatch: pytest.MonkeyPatch) -> None:
    ok, flaky, dead, missing = (f"b/{n}.json.gz" for n in ("ok", "flaky", "dead", "missing"))
    fs = FakeGetter(
        {ok: ORG_DOC, flaky: ORG_DOC, dead: ORG_DOC},
        {
            flaky: [ConnectionResetError("reset"), TimeoutError("slow")],
            dead: [OSError("503 Slow Down")] * 5,
            missing: [FileNotFoundError(2, "No such key")],
        },
    )
    items = [S3Object(f"s3://{k}", len(ORG_DOC)) for k in (ok, flaky, dead, missing)]
    out = fetch_all(monkeypatch, fs, items)
    assert out[0].content == out[1].content == ORG_DOC
    assert fs.gets.count(flaky) == 3 and fs.gets.count(dead) == 3 and fs.gets.count(missing) == 1
    assert out[2] == Problem(f"s3://{dead}", "S3 read failed after 3 tries: 503 Slow Down")
    assert out[3] == Problem(f"s3://{missing}", "no such file or directory")
    # a fetched object is scanned from its content, with no request
    result = scan_file(out[0], [ORG_PATTERN], ScanOptions())
    assert (result.records, result.matches_per_pattern, result.raw_bytes) == (3, [3], len(ORG_DOC))


def test_s3_concurrency_option_is_range_checked(moto: Moto) -> None:
    for bad in ("0", "100000", "x"):
        run = cli(f"s3://{BUCKET}/", "--endpoint-url", moto.endpoint, "--s3-concurrency", bad)
        assert run.code == 2 and "--s3-concurrency" in run.stderr and not run.stdout


def test_s3_scan_with_little_concurrency_equals_local(moto: Moto, store: Path) -> None:
    sub = "AWSLogs/o-exampleorg1/111122223333/"
    remote = cli(f"s3://{BUCKET}/{sub}", "--endpoint-url", moto.endpoint, *pattern_args(),
                 "--s3-concurrency", "2", "--workers", "2", "-q")  # fmt: skip
    local = cli(store / sub, *pattern_args(), "--workers", "1", "-q")
    assert remote.code == local.code == 0, remote.stderr
    assert remote.stdout == local.stdout and remote.stdout.count("\n") > 50
