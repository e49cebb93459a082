"""Executors: run a picklable per-item function over a stream of items, results in input order.

The interface is one method, :meth:`Executor.map_ordered`.  :class:`SerialExecutor` runs in the
calling process; :class:`LocalPoolExecutor` fans items out over local processes with a bounded
number in flight (memory stays flat however many files there are).  A Dask executor will
implement the same method with ``client.submit`` -- nothing else in the replay knows which
executor it runs on.

Items for which ``local(item)`` is true (standard input, which cannot be shipped to another
process) run in the calling process at their turn, so the order still holds; they, and every
item an executor runs in-process, are given to ``local_fn`` (default ``fn``), which need not be
picklable -- the replay uses it to stream a huge file's matches out as they are found.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: A batch of items sent to a worker holds at most this much input (as stored).
BATCH_BYTES = 2 * 1024 * 1024


def _never(item: object) -> bool:
    return False


class Executor(Protocol):
    """Runs ``fn`` over ``items`` and yields the results in the order of ``items``.

    ``batch_fn``, when given, replaces ``[fn(i) for i in batch]`` for a batch of items sent
    to a worker, and ``stream_fn`` replaces ``map(local_fn, items)`` for a whole scan run in
    the calling process; either may return fewer results than items (the replay sums the
    files that have nothing to report), always in the items' order."""

    def map_ordered(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        local: Callable[[T], bool] = _never,
        local_fn: Callable[[T], R] | None = None,
        *,
        batch_fn: Callable[[list[T]], list[R]] | None = None,
        stream_fn: Callable[[Iterable[T]], Iterator[R]] | None = None,
    ) -> Iterator[R]: ...

    def close(self) -> None:
        """Stop: cancel what has not started and release workers (idempotent)."""


class SerialExecutor:
    """Everything in the calling process, one item at a time."""

    def map_ordered(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        local: Callable[[T], bool] = _never,
        local_fn: Callable[[T], R] | None = None,
        *,
        batch_fn: Callable[[list[T]], list[R]] | None = None,
        stream_fn: Callable[[Iterable[T]], Iterator[R]] | None = None,
    ) -> Iterator[R]:
        if stream_fn is not None:
            yield from stream_fn(items)
            return
        run = local_fn or fn  # everything is in-process here
        for item in items:
            yield run(item)

    def close(self) -> None:
        pass


def _run_batch(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(item) for item in items]


def _init_worker(patterns: Sequence[str]) -> None:
    # Ctrl-C goes to the whole process group: let the parent alone decide how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if patterns:
        from engine.replay.scan import compile_patterns

        compile_patterns(patterns)  # once per worker; engine.compile caches by text


def _context() -> multiprocessing.context.BaseContext:
    # fork is the cheapest start (workers inherit the imported engine and the compiled
    # patterns: ~0.4 s less per worker than forkserver) but unsafe once the parent runs
    # threads (rich's progress bar refresh thread); then forkserver starts clean workers,
    # spawn elsewhere.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["engine.replay.scan"])  # workers fork with it imported
        return ctx
    return multiprocessing.get_context("spawn")


class LocalPoolExecutor:
    """A pool of local processes; ``patterns`` are compiled once in each worker."""

    def __init__(
        self, workers: int, patterns: Sequence[str] = (), in_flight: int = 0, batch: int = 32
    ) -> None:
        self.workers = max(1, workers)
        self.in_flight = in_flight or self.workers * 4
        self.batch = max(1, batch)
        self._patterns = tuple(patterns)
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(),
                initializer=_init_worker,
                initargs=(self._patterns,),
            )
        return self._pool

    def map_ordered(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        local: Callable[[T], bool] = _never,
        local_fn: Callable[[T], R] | None = None,
        *,
        batch_fn: Callable[[list[T]], list[R]] | None = None,
        stream_fn: Callable[[Iterable[T]], Iterator[R]] | None = None,
    ) -> Iterator[R]:
        run_here = local_fn or fn
        # A single file is not worth starting processes for: look ahead a little first.
        iterator = iter(items)
        head: list[T] = []
        for item in iterator:
            head.append(item)
            if sum(1 for i in head if not local(i)) > 1:
                break
        else:
            yield from (run_here(item) for item in head)
            return
        pool = self._started()
        # Items travel in batches (up to ``batch`` items): one round trip per batch instead of
        # per file (a CloudTrail file takes ~0.5 ms to scan; a round trip ~0.1 ms of CPU).
        pending: deque[tuple[Future[list[R]], int] | tuple[T]] = deque()
        batch: list[T] = []
        # Stored bytes per item, measured on the results (``raw_bytes``), for the items whose
        # size the listing does not give (a local walk does not stat its files).
        measured = [0, 0]  # bytes, items

        def drain_one() -> Iterator[R]:
            first = pending.popleft()
            if len(first) == 1:
                yield run_here(first[0])
                return
            future, count = first
            results = future.result()
            measured[0] += sum(getattr(r, "raw_bytes", 0) or 0 for r in results)
            measured[1] += count
            yield from results

        submitted = 0
        batch_bytes = 0

        def weight(item: T) -> int:
            size = getattr(item, "size", None)
            if size is not None:
                return int(size)
            return measured[0] // measured[1] if measured[1] else 0

        def submit() -> None:
            nonlocal submitted, batch_bytes
            if batch:
                work = batch_fn if batch_fn is not None else partial(_run_batch, fn)
                pending.append((pool.submit(work, list(batch)), len(batch)))
                batch.clear()
                submitted += 1
                batch_bytes = 0

        def full() -> bool:
            # Batches double from one item, so a small tree still spreads over every worker;
            # and no more than BATCH_BYTES of input in one, so what is in flight (an output-bound
            # scan returns every record) stays small whatever the files' sizes.
            if len(batch) >= min(self.batch, 1 << min(submitted // self.workers, 10)):
                return True
            return batch_bytes >= BATCH_BYTES

        try:
            for item in itertools.chain(head, iterator):
                if local(item):
                    submit()
                    pending.append((item,))
                else:
                    batch.append(item)
                    batch_bytes += weight(item)
                    if full():
                        submit()
                while len(pending) >= self.in_flight or (pending and len(pending[0]) == 1):
                    yield from drain_one()
            submit()
            while pending:
                yield from drain_one()
        finally:
            for left in pending:
                if len(left) == 2:
                    left[0].cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def make_executor(workers: int | None, patterns: Sequence[str] = ()) -> Executor:
    """``workers`` processes (None: all cores); one worker means no pool at all."""
    count = default_workers() if workers is None else workers
    if count <= 1:
        return SerialExecutor()
    return LocalPoolExecutor(count, patterns)
