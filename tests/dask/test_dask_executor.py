"""``--executor dask``: the same output as a local run, in the same order; failures on a file are
retried and then reported, never fatal; patterns compiled once per worker."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from dask_support import cli, write_tree

from engine.replay.dask_executor import DaskExecutor, failed_file, make_dask_executor
from engine.replay.executors import SerialExecutor
from engine.replay.run import PatternSpec, exit_status, run_scan
from engine.replay.scan import ScanOptions
from engine.replay.sinks import RecordsSink, Summary
from engine.replay.sources import MissingExtra

PATTERNS = [
    '{ $.eventSource = "organizations.amazonaws.com" }',
    '{ $.errorCode = "AccessDenied" }',
    "ConsoleLogin",
    "{ ($.eventName = Describe*) || ($.eventName = GetObject) }",
]


@pytest.fixture(scope="module", autouse=True)
def _ship_this_module() -> None:
    # Workers cannot import the test module: send its functions by value.
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("tree"))


def pattern_args() -> list[str]:
    return [arg for p in PATTERNS for arg in ("-e", p)]


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("trailreplay: ")]


TIMING = ("elapsed_seconds", "records_per_second", "bytes_per_second")


def summary_without_timing(line: str) -> dict[str, Any]:
    return {k: v for k, v in json.loads(line)["summary"].items() if k not in TIMING}


def test_console_script_dask_equals_local(cluster: Any, tree: Path) -> None:
    local = cli(tree, *pattern_args(), "--workers", "1", "--format", "envelope", "-q")
    dask = cli(tree, *pattern_args(), "--executor", "dask", "--scheduler",
               cluster.scheduler_address, "--format", "envelope", "-q")  # fmt: skip
    assert dask.returncode == local.returncode == 2  # the broken file
    assert problems(dask.stderr) == problems(local.stderr) and len(problems(local.stderr)) == 1
    *d_lines, d_summary = dask.stdout.splitlines()
    *l_lines, l_summary = local.stdout.splitlines()
    assert d_lines == l_lines and len(l_lines) > 200
    assert {json.loads(line)["pattern"] for line in d_lines} == {"p1", "p2", "p3", "p4"}
    assert summary_without_timing(d_summary) == summary_without_timing(l_summary)


def records_run(tree: Path, patterns: list[str], executor: Any) -> tuple[bytes, Summary]:
    out = io.BytesIO()
    specs = [PatternSpec(f"p{i}", p) for i, p in enumerate(patterns, 1)]
    summary = run_scan([str(tree)], specs, ScanOptions(), sink=RecordsSink(out), executor=executor)
    return out.getvalue(), summary


@pytest.mark.parametrize("patterns", [PATTERNS, PATTERNS[:1], PATTERNS[2:], ["NoSuchThing"]])
def test_dask_equals_local_for_several_patterns(
    cluster: Any, tree: Path, patterns: list[str]
) -> None:
    local, local_summary = records_run(tree, patterns, SerialExecutor())
    dask, dask_summary = records_run(
        tree, patterns, make_dask_executor(cluster.scheduler_address, None, patterns)
    )
    assert dask == local
    assert exit_status(dask_summary) == exit_status(local_summary)
    assert dask_summary.to_dict()["matches"] == local_summary.to_dict()["matches"]
    assert (dask_summary.files_read, dask_summary.files_failed) == (24, 1)


def double(x: int) -> int:
    return x * 2


def test_results_in_input_order_with_local_items(cluster: Any) -> None:
    executor = DaskExecutor(cluster.scheduler_address, PATTERNS, in_flight=3)
    try:
        got = list(executor.map_ordered(double, range(20), local=lambda i: i % 5 == 0))
        assert got == [2 * i for i in range(20)]
    finally:
        executor.close()


def fail_once(arg: tuple[str, int]) -> int:
    marker, value = arg
    if not os.path.exists(marker):
        Path(marker).touch()
        raise OSError("transient worker trouble")
    return value


def always_fail(arg: tuple[str, int]) -> int:
    raise ValueError(f"cannot process {arg[1]}")


def die_once(arg: tuple[str, int]) -> int:
    marker, value = arg
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker process dies in the middle of a file
    return value


def test_a_failing_task_is_retried_then_reported(cluster: Any, tmp_path: Path) -> None:
    executor = DaskExecutor(
        cluster.scheduler_address, on_failure=lambda item, exc: ("failed", item[1], str(exc))
    )
    try:
        items = [(str(tmp_path / f"m{i}"), i) for i in range(4)]
        assert list(executor.map_ordered(fail_once, items)) == [0, 1, 2, 3]
        got = list(executor.map_ordered(always_fail, items[:2]))
        assert got == [("failed", 0, "cannot process 0"), ("failed", 1, "cannot process 1")]
    finally:
        executor.close()


def test_a_dead_worker_is_replaced_and_its_file_rescheduled(cluster: Any, tmp_path: Path) -> None:
    executor = DaskExecutor(cluster.scheduler_address, on_failure=lambda item, exc: None)
    try:
        items = [(str(tmp_path / "dead"), 7), (str(tmp_path / "other"), 8)]
        assert list(executor.map_ordered(die_once, items)) == [7, 8]
        assert Path(items[0][0]).exists()  # it did die once
    finally:
        executor.close()


def test_failed_file_is_a_failed_result() -> None:
    class Item:
        path = "s3://b/k.json.gz"

    result = failed_file(2, Item(), RuntimeError("KilledWorker: too many deaths\nmore"))
    assert result.status == "failed" and result.matches_per_pattern == [0, 0]
    assert (
        result.error_line()
        == "s3://b/k.json.gz: Dask task failed: RuntimeError: KilledWorker: too many deaths"
    )


def _plugins(dask_worker: Any) -> list[str]:
    return sorted(dask_worker.plugins)


def test_patterns_compiled_once_per_worker_by_a_plugin(cluster: Any) -> None:
    from distributed import Client

    executor = make_dask_executor(cluster.scheduler_address, None, PATTERNS)
    try:
        assert list(executor.map_ordered(double, [1, 2])) == [2, 4]
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)  # a worker replaced by an earlier test
            seen = client.run(_plugins)
        assert len(seen) == 2
        assert all(any(p.startswith("trailreplay-patterns-") for p in v) for v in seen.values())
    finally:
        executor.close()


def test_missing_dask_extra_is_one_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtra, match=r"pip install 'trailreplay\[dask\]'"):
        make_dask_executor(None, None, PATTERNS)


def fail_on_one(arg: tuple[str, int]) -> int:
    if arg[1] == 1:
        raise ValueError("this file breaks its worker")
    return arg[1]


def test_a_failing_batch_is_rerun_file_by_file_so_only_its_culprit_fails(cluster: Any) -> None:
    executor = DaskExecutor(
        cluster.scheduler_address,
        batch_size=4,
        retries=0,
        on_failure=lambda item, exc: ("failed", item[1]),
    )
    try:
        got = list(executor.map_ordered(fail_on_one, [("", i) for i in range(6)]))
        assert got == [0, ("failed", 1), 2, 3, 4, 5]
    finally:
        executor.close()
