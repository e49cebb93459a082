"""Reading without matching: the events (and the records) of any set of sources, in input
order, as :func:`engine.replay.iter_events` and :func:`engine.replay.iter_records` give them
to other packages (metrics and alarm replay).  Every problem is reported through
``on_error``, never raised."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import msgspec

from engine.replay.formats import MAX_DOCUMENT_SIZE, SkipFile, describe_error, read_units
from engine.replay.locations import expand, fetch_ahead, location_for
from engine.replay.results import event_time
from engine.replay.sources import Problem, Skipped
from engine.replay.window import TimeWindow


def _window(since: datetime | str | None, until: datetime | str | None) -> TimeWindow | None:
    if since is None and until is None:
        return None
    if isinstance(since, datetime | None) and isinstance(until, datetime | None):
        return TimeWindow(since, until, True)
    start = TimeWindow.from_text(since, None) if isinstance(since, str) else None
    stop = TimeWindow.from_text(None, until) if isinstance(until, str) else None
    return TimeWindow(
        start.since if start else since,  # type: ignore[arg-type]
        stop.until if stop else until,  # type: ignore[arg-type]
        stop.until_inclusive if stop else True,
    )


class Event(msgspec.Struct, frozen=True):
    """One log event of a source: ``record`` is None for a CloudWatch Logs message that is not a
    JSON object; ``message`` is the stored message for CloudWatch Logs sources, else None;
    ``time`` the event time the source gives outside the record (export lines), else None."""

    path: str
    index: int
    record: dict[str, Any] | None
    message: str | None
    time: str | None


def iter_events(
    sources: Sequence[str],
    *,
    input_format: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    on_error: Callable[[str, str], None] | None = None,
    max_document_size: int = MAX_DOCUMENT_SIZE,
) -> Iterator[Event]:
    """Like :func:`iter_records`, for every log event, JSON or not (a metric filter over a
    CloudWatch Logs export of any log group).  The window uses ``eventTime``, else ``time``."""
    window = _window(since, until)

    def report(path: str, message: str) -> None:
        if on_error is not None:
            on_error(path, message)

    # S3 objects are fetched ahead, many at a time, as in a scan.
    for item in fetch_ahead(expand(sources, window=window)):
        if isinstance(item, Problem):
            report(item.path, item.message)
            continue
        if isinstance(item, Skipped):
            continue
        try:
            with location_for(item.path).open(item) as opened:
                _fmt, units = read_units(opened, input_format, max_size=max_document_size)
                for unit in units:
                    if unit.record is None and unit.message is None:
                        report(item.path, unit.problem or f"record {unit.index} is not an object")
                    elif window is None or window.contains(event_time(unit)):
                        yield Event(item.path, unit.index, unit.record, unit.message, unit.time)
        except SkipFile:
            continue
        except Exception as exc:  # every read error is reported, never raised
            report(item.path, describe_error(exc))


def iter_records(
    sources: Sequence[str],
    *,
    input_format: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    on_error: Callable[[str, str], None] | None = None,
    max_document_size: int = MAX_DOCUMENT_SIZE,
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Yield ``(path, index, record)`` for every record of ``sources``, in input order.

    ``sources`` are paths, directories (recursive), globs, ``-`` or ``s3://`` URLs (the ``s3``
    extra; credentials from the usual AWS chain, ``AWS_ENDPOINT_URL`` for an S3-compatible
    store); formats are detected unless
    ``input_format`` (one of :data:`FORMATS`) is given.  ``since``/``until`` (aware datetimes or
    ISO 8601 text, as ``scan --since/--until``) keep records whose ``eventTime`` is inside, and
    skip files whose S3 path date is outside.  Digest files are skipped silently, and so are
    CloudWatch Logs messages that are not JSON objects (see :func:`iter_events`).  Every problem
    -- a missing path, a corrupt file, a record that is not an object -- is passed to
    ``on_error(path, message)`` and the iteration goes on; records read before a mid-file
    error are still yielded.  ``index`` is the record's 0-based position in its file.
    """
    for event in iter_events(
        sources,
        input_format=input_format,
        since=since,
        until=until,
        on_error=on_error,
        max_document_size=max_document_size,
    ):
        if event.record is not None:
            yield event.path, event.index, event.record
