"""A Dask executor: the replay's per-file work on a dask.distributed cluster (the ``dask`` extra).

:class:`DaskExecutor` implements :class:`engine.replay.executors.Executor` with
``Client.submit``: one task per file, a bounded number in flight, results yielded in input order
as files finish.  Nothing else in the replay knows it runs on Dask.

* No scheduler address: a ``LocalCluster`` sized to this machine (one process per core, one
  thread each -- the matching is CPU-bound Python, so threads would share one GIL).
* The patterns travel as text.  A worker plugin compiles them once when each worker starts (and
  when a replacement worker joins); ``engine.compile``'s cache makes every task's
  ``compile_patterns`` a lookup.
* A task that raises is retried by distributed (``retries=``); a worker that dies is replaced
  and its tasks rescheduled (distributed's ``allowed-failures``).  A file that still fails is
  handed to ``on_failure`` -- the replay turns it into a failed file (one line on stderr, exit
  status 2) -- and the scan goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from engine.replay.executors import default_workers, run_batch
from engine.replay.scan import FileResult, compile_patterns
from engine.replay.sources import MissingExtra

INSTALL_HINT = "pip install 'trailreplay[dask]'"

T = TypeVar("T")
R = TypeVar("R")

RETRIES = 2
"""Retries of a task that raised (three tries in all)."""
BATCH_SIZE = 8
"""Files per task: amortises the scheduler's per-task cost over several files."""
CONNECT_TIMEOUT = "10s"
"""How long to try reaching a ``--scheduler`` address."""


def _never(item: object) -> bool:
    return False


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise MissingExtra(f"--executor dask needs dask.distributed: {INSTALL_HINT}") from exc
    return distributed


def _plugin_class() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    class CompilePatterns(WorkerPlugin):
        """Compiles the scan's patterns once in each worker process."""

        def __init__(self, patterns: Sequence[str]) -> None:
            self.patterns = tuple(patterns)

        def setup(self, worker: Any) -> None:
            compile_patterns(self.patterns)

    return CompilePatterns


def _compile_on_worker(patterns: Sequence[str]) -> int:
    return len(compile_patterns(patterns))


class DaskExecutor:
    """Runs the replay's work on a Dask cluster; results in input order.  Each task fetches
    its own S3 objects, concurrently (``fetches_in_tasks``): the client does not."""

    fetches_in_tasks = True

    def __init__(
        self,
        scheduler: str | None = None,
        patterns: Sequence[str] = (),
        *,
        workers: int | None = None,
        in_flight: int = 0,
        batch_size: int = BATCH_SIZE,
        retries: int = RETRIES,
        processes: bool = True,
        on_failure: Callable[[Any, BaseException], Any] | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.patterns = tuple(patterns)
        self.workers = workers
        self.in_flight = in_flight
        self.batch_size = max(1, batch_size)
        self.retries = retries
        self.processes = processes
        self.on_failure = on_failure
        self._client: Any = None
        self._cluster: Any = None
        _distributed()  # fail early, with the install hint, when the extra is missing

    # ---- lifecycle

    def _started(self) -> Any:
        if self._client is not None:
            return self._client
        distributed = _distributed()
        if self.scheduler:
            client = distributed.Client(
                self.scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT
            )
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers or default_workers(),
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=":0",  # no fixed port to collide with
                silence_logs=logging.CRITICAL,  # failures are reported per file
            )
            client = distributed.Client(self._cluster, set_as_default=False)
        self._client = client
        if self.patterns:
            digest = hashlib.sha256("\n".join(self.patterns).encode()).hexdigest()[:16]
            plugin = _plugin_class()(self.patterns)
            try:
                client.register_plugin(plugin, name=f"trailreplay-patterns-{digest}")
            except Exception:  # an old scheduler without plugins: compile on today's workers
                client.run(_compile_on_worker, self.patterns)
        if not self.in_flight:
            threads = sum(client.nthreads().values()) or 1
            self.in_flight = max(8, threads * 4)  # tasks (batches) submitted ahead
        return client

    def close(self) -> None:
        """Release the client (and the LocalCluster this executor started); idempotent."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()

    # ---- the Executor interface

    def map_ordered(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        local: Callable[[T], bool] = _never,
        local_fn: Callable[[T], R] | None = None,
        *,
        batch_fn: Callable[[list[T]], list[R]] | None = None,
        stream_fn: Callable[[Iterable[T]], Iterator[R]] | None = None,
        split: Callable[[T], Sequence[T]] | None = None,
    ) -> Iterator[R]:
        run_here = local_fn or fn
        if split is not None:
            # Tasks carry units (a run of files is sent file by file): a failed task is then
            # run again file by file, and each failure names its file.
            items = (unit for item in items for unit in split(item))
        # A few files a task: Dask's cost per task is about one small file's scan.
        work: Callable[[list[T]], list[R]] = (
            batch_fn if batch_fn is not None else partial(run_batch, fn)
        )
        client: Any = None
        # (items, future) for a batch on the cluster, or ([item], None) to run here.
        pending: deque[tuple[list[T], Any]] = deque()
        batch: list[T] = []
        # Results are fetched in the background as tasks finish (not one round trip per file
        # when its turn comes), then handed out in input order.
        finished: Any = None
        arrived: dict[str, Any] = {}

        def fail(item: T, exc: BaseException) -> R:
            if self.on_failure is None:
                raise exc
            failed: R = self.on_failure(item, exc)
            return failed

        def singly(batch_items: list[T]) -> list[R]:
            # A batch that failed even after its retries: run its files one by one, so only
            # the file at fault is reported.
            futures = [client.submit(fn, i, pure=False, retries=self.retries) for i in batch_items]
            out: list[R] = []
            for item, future in zip(batch_items, futures, strict=True):
                try:
                    out.append(future.result())
                except Exception as exc:
                    out.append(fail(item, exc))
            return out

        def drain_one() -> list[R]:
            batch_items, future = pending.popleft()
            if future is None:
                return [run_here(batch_items[0])]
            while future.key not in arrived:
                done, value = next(finished)
                arrived[done.key] = value
            value = arrived.pop(future.key)
            if future.status == "finished":
                results: list[R] = value
                return results
            exc = value[1] if isinstance(value, tuple) else value  # error: (type, exc, tb)
            if not isinstance(exc, BaseException):
                exc = RuntimeError(str(exc))
            if len(batch_items) == 1:
                return [fail(batch_items[0], exc)]
            return singly(batch_items)

        def submit() -> None:
            nonlocal client, finished, batch
            if not batch:
                return
            if client is None:
                client = self._started()
                finished = _distributed().as_completed(
                    with_results=True, raise_errors=False, loop=client.loop
                )
            future = client.submit(work, batch, pure=False, retries=self.retries)
            finished.add(future)
            pending.append((batch, future))
            batch = []

        try:
            for item in items:
                if local(item):
                    submit()
                    pending.append(([item], None))
                else:
                    batch.append(item)
                    if len(batch) >= self.batch_size:
                        submit()
                while pending and (len(pending) >= self.in_flight or pending[0][1] is None):
                    yield from drain_one()
            submit()
            while pending:
                yield from drain_one()
        finally:
            for _items, future in pending:
                if future is not None:
                    with contextlib.suppress(Exception):
                        future.cancel()


class ClusterUnavailable(MissingExtra):
    """The Dask cluster cannot be started or reached."""


def failed_file(n_patterns: int, item: Any, exc: BaseException) -> FileResult:
    """A file whose task failed on the cluster, even after retries: reported, not fatal."""
    result = FileResult(str(getattr(item, "path", item)), matches_per_pattern=[0] * n_patterns)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    result.problem(f"Dask task failed: {type(exc).__name__}" + (f": {text}" if text else ""))
    return result


def make_dask_executor(
    scheduler: str | None, workers: int | None, patterns: Sequence[str]
) -> DaskExecutor:
    """The replay's Dask executor, connected: failures become failed files.  Raises
    :class:`MissingExtra` (no dask) or :class:`ClusterUnavailable` (one line, no traceback)."""
    executor = DaskExecutor(
        scheduler,
        patterns,
        workers=workers,
        on_failure=partial(failed_file, len(patterns)),
    )
    try:
        executor._started()
    except Exception as exc:
        executor.close()
        where = f"the Dask scheduler at {scheduler}" if scheduler else "a Dask LocalCluster"
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterUnavailable(f"cannot reach {where}: {text}") from exc
    return executor
