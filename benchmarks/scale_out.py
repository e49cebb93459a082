"""Scale-out benchmark (issue 8): the same scan on one process, a local pool and a Dask
LocalCluster of 1..N workers; and, against a moto S3 server, what listing costs.

    python -m benchmarks.scale_out [--size medium] [--repeat 2] [--workers 1,2] [--no-s3]

The tree comes from ``benchmarks.generate`` (seeded; its ground truth checks every run's match
count).  Each configuration scans the CloudTrail tree with the CIS Organizations-changes pattern
through :func:`engine.replay.run.run_scan`, in this process, matches written to a null sink; the
best of ``--repeat`` runs is kept.  Dask clusters are started once per size (startup reported
apart) and reached through their scheduler address, as ``--scheduler`` would.

With S3 (default on): the tree is uploaded to a moto server on 127.0.0.1 and the requests of a
full listing and of a one-day ``--since/--until`` listing are counted on the server; a scan
through moto is timed too -- moto is one Python process, so that number measures moto, not S3.
Results go to stdout (markdown) and ``benchmarks/data/scale-out-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import generate as gen
from engine.replay.executors import Executor, LocalPoolExecutor, SerialExecutor, default_workers
from engine.replay.run import PatternSpec, run_scan
from engine.replay.scan import ScanOptions
from engine.replay.sinks import RecordsSink, Summary
from engine.replay.window import TimeWindow

PATTERN = PatternSpec("cis_org", gen.CIS_ORG_PATTERN)
BUCKET = "scale-out-bench"


class _Null(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def scan(
    sources: list[str], executor: Executor, items: Iterator[Any] | None = None
) -> tuple[float, Summary]:
    sink = RecordsSink(io.BufferedWriter(_Null()))
    started = time.perf_counter()
    summary = run_scan(sources, [PATTERN], ScanOptions(), sink=sink, executor=executor, items=items)
    return time.perf_counter() - started, summary


def best_of(repeat: int, once: Callable[[], tuple[float, Summary]]) -> tuple[float, Summary]:
    runs = [once() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def row(name: str, seconds: float, summary: Summary, truth: dict[str, Any]) -> dict[str, Any]:
    ct = truth["cloudtrail"]
    expected = truth["patterns"]["cis_org"]["count"]
    got = summary.matches[0]
    return {
        "config": name,
        "seconds": round(seconds, 3),
        "files_per_s": round(summary.files_read / seconds, 1),
        "records_per_s": round(summary.records / seconds),
        "json_mb_per_s": round(ct["uncompressed_bytes"] / seconds / 1e6, 1),
        "gz_mb_per_s": round(summary.bytes / seconds / 1e6, 2),
        "matches": got,
        "matches_ok": got == expected,
    }


def dask_cluster(workers: int, processes: bool = True) -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )


def local_runs(root: Path, truth: dict[str, Any], workers: list[int], repeat: int) -> list[Any]:
    from engine.replay.dask_executor import BATCH_SIZE, DaskExecutor, failed_file

    sources = [str(root / "cloudtrail")]
    rows = []
    seconds, summary = best_of(repeat, lambda: scan(sources, SerialExecutor()))
    rows.append(row("serial (1 process)", seconds, summary, truth))
    for n in workers:
        if n > 1:
            pool = lambda n=n: scan(sources, LocalPoolExecutor(n, [PATTERN.text]))  # noqa: E731
            seconds, summary = best_of(repeat, pool)
            rows.append(row(f"local pool, {n} processes", seconds, summary, truth))
    for n in workers:
        started = time.perf_counter()
        cluster = dask_cluster(n)
        startup = time.perf_counter() - started
        try:
            address = cluster.scheduler_address
            for batch in (1, BATCH_SIZE) if n == max(workers) else (BATCH_SIZE,):

                def on_dask(address: str = address, batch: int = batch) -> tuple[float, Summary]:
                    executor = DaskExecutor(address, [PATTERN.text], batch_size=batch,
                                            on_failure=partial(failed_file, 1))  # fmt: skip
                    return scan(sources, executor)

                on_dask()  # warm: workers import the engine, the plugin compiles the pattern
                seconds, summary = best_of(repeat, on_dask)
                name = f"Dask LocalCluster, {n} worker{'s' if n > 1 else ''}, {batch} file"
                result = row(name + ("s" if batch > 1 else "") + " per task", seconds, summary,
                             truth)  # fmt: skip
                result["cluster_startup_s"] = round(startup, 2)
                rows.append(result)
        finally:
            cluster.close()
    return rows


def s3_runs(root: Path, truth: dict[str, Any], repeat: int) -> dict[str, Any]:
    import boto3
    from moto.server import ThreadedMotoServer

    from engine.replay.dask_executor import make_dask_executor
    from engine.replay.locations import expand
    from engine.replay.s3 import S3Config, S3Object, S3Scope

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    requests: list[str] = []
    app = server._server.app  # count requests on the server

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        listing = "list-type" in environ.get("QUERY_STRING", "")
        requests.append("list" if listing else environ["REQUEST_METHOD"])
        return app(environ, start_response)

    server._server.app = counting
    try:
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket=BUCKET)
        tree = root / "cloudtrail"
        keys = 0
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                client.put_object(
                    Bucket=BUCKET, Key=str(path.relative_to(tree)), Body=path.read_bytes()
                )
                keys += 1
        scope = S3Scope(S3Config(endpoint_url=endpoint))
        url = f"s3://{BUCKET}/"
        out: dict[str, Any] = {"objects": keys}

        def listing(window: TimeWindow | None) -> dict[str, Any]:
            requests.clear()
            started = time.perf_counter()
            items = list(expand([url], window=window, scope=scope))
            return {
                "items": len(items),
                "objects_to_read": sum(isinstance(i, S3Object) for i in items),
                "list_requests": requests.count("list"),
                "seconds": round(time.perf_counter() - started, 3),
            }

        out["full_listing"] = listing(None)
        days = sorted({"-".join(p.parent.parts[-3:]) for p in tree.rglob("*.json.gz")
                       if "/CloudTrail/" in str(p)})  # fmt: skip
        iso = days[len(days) // 2]
        one = listing(TimeWindow.from_text(iso, iso))
        one["window"] = iso
        out["one_day_listing"] = one
        later = (dt.date.fromisoformat(days[-1]) + dt.timedelta(days=7)).isoformat()
        empty = listing(TimeWindow.from_text(later, later))
        empty["window"] = later
        out["empty_window_listing"] = empty

        def serial() -> tuple[float, Summary]:
            return scan([url], SerialExecutor(), expand([url], scope=scope))

        seconds, summary = best_of(repeat, serial)
        out["scan_serial_via_moto"] = row("S3 (moto), serial", seconds, summary, truth)
        cluster = dask_cluster(2)
        try:
            address = cluster.scheduler_address

            def on_dask() -> tuple[float, Summary]:
                executor = make_dask_executor(address, None, [PATTERN.text])
                return scan([url], executor, expand([url], scope=scope))

            on_dask()
            seconds, summary = best_of(repeat, on_dask)
            out["scan_dask2_via_moto"] = row("S3 (moto), Dask 2 workers", seconds, summary, truth)
        finally:
            cluster.close()
        return out
    finally:
        server.stop()


def render(doc: dict[str, Any]) -> str:
    lines = [
        f"### Scale-out, `{doc['size']}` tree ({doc['files']} files, {doc['records']:,} records, "
        f"{doc['json_mb']:.0f} MB JSON, {doc['gz_mb']:.1f} MB gzip) on {doc['cpus']} cores",
        "",
        "| configuration | seconds | files/s | records/s | JSON MB/s | gzip MB/s | cluster start |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = list(doc["local"])
    s3 = doc.get("s3") or {}
    rows += [s3[k] for k in ("scan_serial_via_moto", "scan_dask2_via_moto") if k in s3]
    for r in rows:
        ok = "" if r["matches_ok"] else " **(match count WRONG)**"
        start = f"{r['cluster_startup_s']} s" if "cluster_startup_s" in r else ""
        lines.append(
            f"| {r['config']}{ok} | {r['seconds']} | {r['files_per_s']} | {r['records_per_s']:,} "
            f"| {r['json_mb_per_s']} | {r['gz_mb_per_s']} | {start} |"
        )
    if s3:
        full, one = s3["full_listing"], s3["one_day_listing"]
        empty = s3["empty_window_listing"]
        lines += [
            "",
            f"Listing {s3['objects']} objects on moto: no window, {full['list_requests']} "
            f"ListObjectsV2 requests ({full['seconds']} s); `--since/--until {one['window']}`, "
            f"{one['list_requests']} requests, {one['objects_to_read']} objects to read; "
            f"`--since/--until {empty['window']}` (no data that week), "
            f"{empty['list_requests']} requests, {empty['objects_to_read']} objects.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=sorted(gen.SIZES))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--workers", default=",".join(str(n) for n in range(1, default_workers() + 1))
    )
    parser.add_argument("--no-s3", action="store_true", help="skip the moto listing/scan part")
    args = parser.parse_args(argv)
    root, truth = gen.ensure(args.size)
    workers = [int(n) for n in args.workers.split(",") if n]
    doc: dict[str, Any] = {
        "size": args.size,
        "files": truth["cloudtrail"]["files"],
        "records": truth["cloudtrail"]["records"],
        "json_mb": truth["cloudtrail"]["uncompressed_bytes"] / 1e6,
        "gz_mb": truth["cloudtrail"]["gz_bytes"] / 1e6,
        "cpus": default_workers(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": sys.version.split()[0],
        "local": local_runs(root, truth, workers, args.repeat),
    }
    if not args.no_s3:
        doc["s3"] = s3_runs(root, truth, args.repeat)
    (gen.DATA_ROOT / f"scale-out-{args.size}.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(render(doc))
    return 0 if all(r["matches_ok"] for r in doc["local"]) else 1


if __name__ == "__main__":
    sys.exit(main())
