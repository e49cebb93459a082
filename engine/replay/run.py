"""The replay driver: sources -> executor(scan_file) -> sink, summary and exit status."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain
from typing import Any

import msgspec

from engine.replay.executors import Executor, SerialExecutor
from engine.replay.locations import expand, fetch_ahead
from engine.replay.scan import FileResult, ScanOptions, compile_patterns, scan_file, scan_quick
from engine.replay.sinks import Sink, Summary
from engine.replay.sources import FileRun, Item, ItemOrRun, Skipped, Source, unit_items

EXIT_MATCH = 0
EXIT_NO_MATCH = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class PatternSpec(msgspec.Struct, frozen=True):
    """A pattern and the id its matches are reported under."""

    id: str
    text: str


def process_item(
    item: Item,
    patterns: Sequence[str],
    options: ScanOptions,
    flush: Callable[[FileResult], None] | None = None,
    render: Callable[[FileResult], bytes] | None = None,
) -> FileResult:
    """The executor's unit of work: read a source, or turn a skip/problem into a result.

    ``render``, in a worker, turns the matches into the output's bytes there: the parent
    then writes them without building a match object each (an output-bound scan)."""
    if isinstance(item, Source):
        result = scan_file(item, patterns, options, flush)  # every location: one read path
        if render is not None and result.matches:
            result.rendered = render(result)
            result.matches = []
        return result
    result = FileResult(item.path, matches_per_pattern=[0] * len(patterns))
    if isinstance(item, Skipped):
        result.status = "skipped"
        result.skip_reason = item.reason
    else:
        result.problem(item.message)
    return result


QUIET_SUM = 256
"""Files read without a match or a problem are summed into one result up to this many
(fewer objects to send back and count; the progress bar still moves)."""


def process_items(
    items: Iterable[ItemOrRun],
    patterns: Sequence[str],
    options: ScanOptions,
    flush: Callable[[FileResult], None] | None = None,
    render: Callable[[FileResult], bytes] | None = None,
) -> Iterator[FileResult]:
    """:func:`process_item` over many items in a row, in order (a worker's batch, or the
    whole scan in one process): patterns looked up once, the common file through
    :func:`engine.replay.scan.scan_quick`, and the files that need no line of output or of
    stderr summed into one result.  Results with output come out in input order; a sum
    comes out when it is full or the items end.  A :class:`FileRun` is read file by file."""
    compiled = compile_patterns(patterns)
    quiet: FileResult | None = None
    for item in chain.from_iterable(map(unit_items, items)):
        result = scan_quick(item, compiled, options) if isinstance(item, Source) else None
        if result is None:
            result = process_item(item, patterns, options, flush)
        if result.quiet:
            if quiet is None:
                quiet = result
            else:
                quiet.absorb(result)
            if quiet.files >= QUIET_SUM:
                yield quiet
                quiet = None
            continue
        if render is not None and result.matches:
            result.rendered = render(result)
            result.matches = []
        yield result
    if quiet is not None:
        yield quiet


def process_batch(
    items: Sequence[ItemOrRun],
    patterns: Sequence[str],
    options: ScanOptions,
    render: Callable[[FileResult], bytes] | None = None,
) -> list[FileResult]:
    """A worker's unit of work: :func:`process_items` over one batch, its S3 objects
    fetched concurrently first when nobody fetched them ahead (a Dask task)."""
    return list(process_items(fetch_ahead(items), patterns, options, render=render))


def _local(item: ItemOrRun) -> bool:
    # Standard input cannot travel to a worker; skips and problems are not worth the trip.
    if isinstance(item, FileRun):
        return False
    return not isinstance(item, Source) or item.is_stdin


def exit_status(summary: Summary) -> int:
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.files_failed:
        return EXIT_ERROR
    return EXIT_MATCH if summary.any_match else EXIT_NO_MATCH


def run_scan(
    sources: Sequence[str],
    patterns: Sequence[PatternSpec],
    options: ScanOptions,
    *,
    sink: Sink,
    executor: Executor | None = None,
    on_problem: Callable[[str], None] | None = None,
    prune: bool = True,
    items: Iterable[ItemOrRun] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    summary: Summary | None = None,
) -> Summary:
    """Scan ``sources`` (or pre-expanded ``items``) and write matches to ``sink``.

    Results are handled in input order.  ``on_problem`` receives one line per failed file.
    Ctrl-C (KeyboardInterrupt) or SIGTERM stops the scan, worker processes included; what was
    found is written and the summary says ``interrupted``.  A closed stdout (BrokenPipeError)
    stops it quietly.  S3 objects are fetched ahead, many at a time, in this process (or, on
    an executor whose tasks fetch for themselves, in each task): see
    :func:`engine.replay.s3.fetch_ahead`.
    """
    executor = executor or SerialExecutor()
    summary = summary or Summary([p.id for p in patterns])
    if items is None:
        items = expand(sources, window=options.window, prune=prune, runs=True)
    if not getattr(executor, "fetches_in_tasks", False):
        items = fetch_ahead(items)
    texts = tuple(p.text for p in patterns)
    render = getattr(sink, "renderer", None)
    work = partial(process_item, patterns=texts, options=options, render=render)

    def flush(partial_result: FileResult) -> None:
        # In-process work is at the head of the order: its matches can go out as they come.
        sink.write(partial_result)
        partial_result.matches.clear()

    restore = _terminate_as_interrupt()
    local_work = partial(process_item, patterns=texts, options=options, flush=flush)
    batch_work = partial(process_batch, patterns=texts, options=options, render=render)
    in_process = partial(process_items, patterns=texts, options=options, flush=flush)
    results: Iterator[FileResult] = executor.map_ordered(
        work,
        items,
        _local,
        local_work,
        batch_fn=batch_work,
        stream_fn=in_process,
        split=unit_items,
    )
    pipe_closed = False
    try:
        for result in results:
            summary.add(result)
            line = result.error_line()
            if line is not None and on_problem is not None:
                on_problem(line)
            sink.write(result)
            if on_result is not None:
                on_result(result)
    except KeyboardInterrupt:
        summary.interrupted = True
    except BrokenPipeError:
        pipe_closed = True  # `| head`: the reader has all it wants
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            _quietly(close)
        executor.close()  # a pool's workers are stopped, not waited for
        restore()
        summary.finish()
    if not pipe_closed:
        with contextlib.suppress(BrokenPipeError):
            sink.close(summary)
    return summary


def _terminate_as_interrupt() -> Callable[[], None]:
    """SIGTERM stops the scan as Ctrl-C does (what was found is written, the workers are
    stopped, the summary says ``interrupted``) instead of killing this process alone and
    leaving its workers running.  Returns the function that puts the old handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def _quietly(fn: Callable[[], Any]) -> None:
    with contextlib.suppress(Exception):  # best effort cleanup while stopping
        fn()
