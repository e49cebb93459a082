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

import gc
import itertools
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

# multiprocessing and concurrent.futures (~10 ms) are imported when a pool starts: a scan in
# one process never needs them (docs/performance.md, "Start-up").
if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

#: A batch of items sent to a worker holds at most this much input (as stored).
BATCH_BYTES = 2 * 1024 * 1024
#: ... and at most this many items: 7,000 small files took 219 round trips at 32 per batch,
#: 40 at 256, and the parent's CPU went from 0.17-0.20 s to 0.11-0.14 s (it shares the two
#: cores with the workers); the last batch of small files is still only ~20 ms of work.
BATCH_ITEMS = 256


def _never(item: object) -> bool:
    return False


class Executor(Protocol):
    """Runs ``fn`` over ``items`` and yields the results in the order of ``items``.

    ``batch_fn``, when given, replaces ``[fn(i) for i in batch]`` for a batch of items sent
    to a worker, and ``stream_fn`` replaces ``map(local_fn, items)`` for a whole scan run in
    the calling process; either may return fewer results than items (the replay sums the
    files that have nothing to report), always in the items' order.

    ``split``, when given, says which items stand for several (a run of files): ``split(item)``
    is what it stands for.  ``fn`` and ``local_fn`` are only given such units; ``batch_fn``
    and ``stream_fn`` take items as they come; an item's weight in a batch is its units
    (``item.files``, else 1).  An item whose batch must be run again alone (its worker
    died) is run again unit by unit, so the unit at fault is the one reported."""

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
        split: Callable[[T], Sequence[T]] | None = None,
    ) -> Iterator[R]:
        if stream_fn is not None:
            yield from stream_fn(items)
            return
        run = local_fn or fn  # everything is in-process here
        for item in items:
            for unit in _units(item, split):
                yield run(unit)

    def close(self) -> None:
        pass


def run_batch(
    fn: Callable[[T], R], items: Sequence[T], split: Callable[[T], Sequence[T]] | None = None
) -> list[R]:
    """A batch's work when no ``batch_fn`` is given: ``fn`` over each unit of each item, in
    order (what a worker process or a Dask task runs)."""
    return [fn(unit) for item in items for unit in _units(item, split)]


def _units(item: T, split: Callable[[T], Sequence[T]] | None) -> Sequence[T]:
    return (item,) if split is None else split(item)


def _weight_units(item: object) -> int:
    """How many units an item stands for (a run of files: its files)."""
    files = getattr(item, "files", None)
    return files if type(files) is int else 1


class WorkerLost(RuntimeError):
    """A worker process died (killed, or out of memory) while running an item, twice."""


def _init_worker(patterns: Sequence[str]) -> None:
    # Ctrl-C goes to the whole process group: let the parent alone decide how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the parent's SIGTERM handler (which turns it into an
    # interrupt): a worker told to stop must simply stop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # What a forked worker inherits is never garbage here: kept out of the collector's reach,
    # a collection does not write to (and so copy) every inherited page (the gc.freeze
    # documentation's use); measured ~4% less worker CPU on 7,000 small files.
    gc.freeze()
    _die_with_parent()
    if patterns:
        from engine.replay.scan import compile_patterns

        compile_patterns(patterns)  # once per worker (compile_all caches the set)


def _die_with_parent() -> None:
    """Linux: this process gets SIGTERM when its parent dies, however the parent died
    (even SIGKILL), so no worker is left running and holding the output pipe."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - best effort
        pass


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

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


class _Sent(Generic[T, R]):
    """A batch on the pool: its items (to send again) and the pool generation it went to."""

    __slots__ = ("future", "generation", "items")

    def __init__(self, future: Future[list[R]], items: list[T], generation: int) -> None:
        self.future = future
        self.items = items
        self.generation = generation


class LocalPoolExecutor:
    """A pool of local processes; ``patterns`` are compiled once in each worker.

    A worker that dies (killed, out of memory) breaks the whole pool: the pool is started
    again, the batch that was running when it broke is run again one item at a time with
    nothing else on the pool -- so the item at fault is known -- and an item that kills its
    worker twice is handed to ``on_failure(item, error)`` (the replay: a failed file, one
    line on stderr); the other batches are sent again as they were."""

    def __init__(
        self,
        workers: int,
        patterns: Sequence[str] = (),
        in_flight: int = 0,
        batch: int = BATCH_ITEMS,
        on_failure: Callable[[Any, BaseException], Any] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.in_flight = in_flight or self.workers * 4
        self.batch = max(1, batch)
        self.on_failure = on_failure
        self._patterns = tuple(patterns)
        self._pool: ProcessPoolExecutor | None = None
        self._size = self.workers
        self._generation = 0

    def _started(self) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            context = _context()
            if self._patterns and context.get_start_method() == "fork":
                from engine.replay.scan import compile_patterns

                # Compile once here: forked workers inherit the compiled set.
                compile_patterns(self._patterns)
            self._pool = ProcessPoolExecutor(
                max_workers=self._size,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self._patterns,),
            )
        return self._pool

    def _restart(self) -> ProcessPoolExecutor:
        """A fresh pool in place of a broken one (every future of the old one is lost)."""
        self._stop()
        self._generation += 1
        return self._started()

    def _submit(self, work: Callable[[list[T]], list[R]], items: list[T]) -> _Sent[T, R]:
        from concurrent.futures import BrokenExecutor

        try:
            future = self._started().submit(work, items)
        except BrokenExecutor:
            future = self._restart().submit(work, items)
        return _Sent(future, items, self._generation)

    def _results(
        self,
        sent: _Sent[T, R],
        work: Callable[[list[T]], list[R]],
        split: Callable[[T], Sequence[T]] | None = None,
    ) -> list[R]:
        """The results of a batch, its worker dying or not (see the class docstring)."""
        from concurrent.futures import BrokenExecutor

        while True:
            try:
                return sent.future.result()
            except BrokenExecutor:
                if sent.generation < self._generation:
                    # Lost with a pool that broke earlier, elsewhere: just send it again.
                    sent = self._submit(work, sent.items)
                    continue
            self._restart()
            return [
                r
                for item in sent.items
                for unit in _units(item, split)
                for r in self._alone(unit, work)
            ]

    def _alone(self, item: T, work: Callable[[list[T]], list[R]]) -> list[R]:
        """One item with nothing else on the pool: a second death is its own."""
        from concurrent.futures import BrokenExecutor

        error: BaseException | None = None
        for _ in range(2):
            try:
                return self._submit(work, [item]).future.result()
            except BrokenExecutor as exc:
                error = exc
                self._restart()
        assert error is not None
        lost = WorkerLost(
            "a worker process died while reading this input, twice (killed, or out of memory)"
        )
        lost.__cause__ = error
        if self.on_failure is None:
            raise lost
        return [self.on_failure(item, lost)]

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
        work: Callable[[list[T]], list[R]] = (
            batch_fn if batch_fn is not None else partial(run_batch, fn, split=split)
        )
        # A single file is not worth starting processes for, and a few files not worth more
        # processes than files: look ahead up to one item per worker first.
        iterator = iter(items)
        head: list[T] = []
        remote = 0
        for item in iterator:
            head.append(item)
            if not local(item):
                remote += _weight_units(item)
            if remote > self.workers:
                break
        if remote <= 1:  # the items ran out
            yield from (run_here(unit) for item in head for unit in _units(item, split))
            return
        if self._pool is None:
            self._size = min(self.workers, remote)
        # Items travel in batches (up to ``batch`` items): one round trip per batch instead of
        # per file (a CloudTrail file takes ~0.5 ms to scan; a round trip ~0.1 ms of CPU).
        pending: deque[_Sent[T, R] | tuple[T]] = deque()
        batch: list[T] = []
        # Stored bytes per unit, measured on the results (``raw_bytes``), for the items whose
        # size the listing does not give (a local walk does not stat its files).
        measured = [0, 0]  # bytes, units

        def drain_one() -> Iterator[R]:
            first = pending.popleft()
            if isinstance(first, tuple):
                yield from (run_here(unit) for unit in _units(first[0], split))
                return
            results = self._results(first, work, split)
            measured[0] += sum(getattr(r, "raw_bytes", 0) or 0 for r in results)
            measured[1] += sum(map(_weight_units, first.items))
            yield from results

        submitted = 0
        batch_bytes = 0
        batch_units = 0

        def weight(item: T, units: int) -> int:
            size = getattr(item, "size", None)
            if size is not None:
                return int(size)
            return units * measured[0] // measured[1] if measured[1] else 0

        def submit() -> None:
            nonlocal submitted, batch_bytes, batch_units
            if batch:
                pending.append(self._submit(work, list(batch)))
                batch.clear()
                submitted += 1
                batch_bytes = batch_units = 0

        def limit() -> int:
            # Batches double from one unit, so a small tree still spreads over every worker.
            return min(self.batch, 1 << min(submitted // self._size, 10))

        def add(item: T, units: int, size: int) -> None:
            nonlocal batch_units, batch_bytes
            batch.append(item)
            batch_units += units
            batch_bytes += size
            # No more than BATCH_BYTES of input in one batch, so what is in flight (an
            # output-bound scan returns every record) stays small whatever the files' sizes.
            if batch_units >= limit() or batch_bytes >= BATCH_BYTES:
                submit()

        try:
            for item in itertools.chain(head, iterator):
                if local(item):
                    submit()
                    pending.append((item,))
                else:
                    units = _weight_units(item)
                    size = weight(item, units)
                    if units == 1 or split is None:
                        add(item, units, size)
                    elif units > limit() or size > BATCH_BYTES:
                        # More than a batch may hold (a run of files while batches are still
                        # small, or a run of large files): unit by unit, so every batch keeps
                        # its bounds.
                        for unit in split(item):
                            add(unit, 1, weight(unit, 1))
                    else:
                        if batch_units + units > limit() or batch_bytes + size > BATCH_BYTES:
                            submit()  # the batch so far; the whole item opens the next
                        add(item, units, size)
                while len(pending) >= self.in_flight or (pending and isinstance(pending[0], tuple)):
                    yield from drain_one()
            submit()
            while pending:
                yield from drain_one()
        finally:
            for left in pending:
                if not isinstance(left, tuple):
                    left.future.cancel()

    def _stop(self) -> None:
        """Stop the pool now: its workers are terminated (a worker busy on a long file stops
        at once), then the pool is shut down and waited for, so no thread of it is left to
        race the interpreter's exit (which printed "Exception ignored ... Bad file
        descriptor" after some multi-worker runs)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            if process.is_alive():
                process.terminate()
        queue = getattr(pool, "_call_queue", None)
        if queue is not None:
            # Work queued for the terminated workers must not hold the shutdown on a full pipe.
            queue.cancel_join_thread()
        if manager is not None:
            manager.join(timeout=10)  # it joins the workers and closes its pipes
        for process in list(processes.values()):
            process.join(timeout=1)

    def close(self) -> None:
        self._stop()


MAX_WORKERS_PER_CORE = 4
"""``--workers`` is capped at this many processes per core: more only adds start-up and
memory (the work is CPU-bound; S3 latency is hidden by concurrent fetches, not processes)."""


def default_workers() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def worker_cap() -> int:
    """The most worker processes a scan starts (:data:`MAX_WORKERS_PER_CORE` per core)."""
    return MAX_WORKERS_PER_CORE * default_workers()


def lost_file(n_patterns: int, item: Any, exc: BaseException) -> Any:
    """An input whose worker died twice: a failed file (one line on stderr, exit 2)."""
    from engine.replay.results import FileResult

    result = FileResult(str(getattr(item, "path", item)), matches_per_pattern=[0] * n_patterns)
    result.problem(str(exc))
    return result


def make_executor(workers: int | None, patterns: Sequence[str] = ()) -> Executor:
    """``workers`` processes (None: all cores; at most :func:`worker_cap`); one worker
    means no pool at all."""
    count = default_workers() if workers is None else min(workers, worker_cap())
    if count <= 1:
        return SerialExecutor()
    return LocalPoolExecutor(count, patterns, on_failure=partial(lost_file, len(patterns)))
