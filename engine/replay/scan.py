"""The per-file work: read one source, match every pattern against each record in one pass.

:func:`scan_file` is a top-level function of picklable arguments returning a picklable
:class:`FileResult`, so any executor (local processes, a Dask cluster) can run it; it reads
every location (local files, S3 objects) the same way, through :mod:`engine.replay.locations`.
:func:`match_units` is the general matching loop; CloudTrail documents take the fast path
(:mod:`engine.replay.fastpath`) first.  The result types live in :mod:`engine.replay.results`
(re-exported here).

Each record is matched as CloudTrail delivers it to CloudWatch Logs (docs/semantics.md, and
SEMANTICS.md section 12): one log event per record; JSON patterns see the decoded record, text,
regex and space-delimited patterns see its compact JSON text -- or, when the source is a
CloudWatch Logs export, the very message CloudWatch Logs stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

import orjson

from engine.replay.fastpath import match_document
from engine.replay.formats import (
    CWL_MESSAGE,
    Opened,
    SkipFile,
    Unit,
    export_unit,
    nonblank_lines,
    read_units,
)
from engine.replay.locations import Location, location_for
from engine.replay.results import (
    MAX_PROBLEMS_KEPT,
    OVERSIZE_BYTES,
    FileResult,
    Match,
    ScanOptions,
    Status,
    event_time,
)
from engine.replay.sources import Source

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern

__all__ = [
    "FLUSH_EVERY",
    "MAX_PROBLEMS_KEPT",
    "OVERSIZE_BYTES",
    "FileResult",
    "Match",
    "ScanOptions",
    "Status",
    "compile_patterns",
    "event_time",
    "match_export_text",
    "match_units",
    "read_and_match",
    "record_matches",
    "scan_file",
    "scan_quick",
]

# In-process scans hand over their matches in batches of this many (flat memory on huge stdin).
FLUSH_EVERY = 4096


def compile_patterns(texts: Sequence[str]) -> tuple[CompiledPattern, ...]:
    """Compile (the set cached as a whole per process: ``compile_all``; the same tuple
    each time, which the fast path finds its plan by)."""
    from engine.pattern.compiler import compile_all

    return compile_all(tuple(texts))


def scan_file(
    source: Source,
    patterns: Sequence[str],
    options: ScanOptions,
    flush: Callable[[FileResult], None] | None = None,
) -> FileResult:
    """Read ``source`` from its location and match every pattern against each of its records.

    The one per-file scan of every location (:mod:`engine.replay.locations`): a read error the
    location calls transient is tried again after its wait; a read that fails for good, or
    corrupt content, is one problem of the result -- never an exception.  In the calling
    process, ``flush`` may take the matches found so far (it empties ``result.matches``), so a
    huge stream never holds all its matches at once; a retry does not hand out again the
    matches an earlier try flushed.
    """
    compiled = compile_patterns(patterns)
    location = location_for(source.path)
    written = 0  # matches already handed to flush by earlier tries
    attempt = 1
    while True:
        result, error, written = _try_source(source, location, compiled, options, flush, written)
        if error is None:
            return result
        wait = location.retry_wait(attempt) if location.transient(error) else None
        if wait is None:
            result.problem(location.failure(error))
            return result
        time.sleep(wait)
        attempt += 1


_RECORDS = b'{"Records":['


def scan_quick(
    source: Source, compiled: Sequence[CompiledPattern], options: ScanOptions
) -> FileResult | None:
    """The cheap path for the common file, a CloudTrail document read whole (a local file:
    one read; a fetched S3 object: its content) and gunzipped in one call, straight into
    the fast path; None for anything else -- a special or large
    file, another format, a forced format, a read or decode error -- which
    :func:`scan_file` then reads (and reports) in full.  A small-file archive pays the
    per-file cost of this function alone, not the general reader's."""
    if options.input_format is not None:
        return None
    location = location_for(source.path)
    if not location.whole(source):
        return None
    try:
        if location.read_whole is not None:
            read = location.read_whole(source)
        else:
            read = _opened_whole(location, source)
        if read is None or not read[0].startswith(_RECORDS):
            return None
        result = FileResult(source.path, "read", "cloudtrail", raw_bytes=read[1])
        result.matches_per_pattern = [0] * len(compiled)
        return result if match_document(read[0], compiled, options, result) else None
    except Exception:  # the general path reports it precisely
        return None


def _opened_whole(location: Location, source: Source) -> tuple[bytes, int] | None:
    """A source's whole content and stored size through the location's opener (None: it
    was not read whole)."""
    opened = location.open(source)
    try:
        return None if opened.data is None else (opened.data, opened.raw_bytes)
    finally:
        opened.close()


def _try_source(
    source: Source,
    location: Location,
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    flush: Callable[[FileResult], None] | None,
    written: int,
) -> tuple[FileResult, BaseException | None, int]:
    """One try: the result, the error that ended it (None when read to the end), and how
    many matches have been flushed in all."""
    result = FileResult(source.path, matches_per_pattern=[0] * len(compiled))
    skip = written  # this try's first matches were written by an earlier one
    handed = 0

    def drop_written() -> None:
        nonlocal skip
        if skip:
            n = min(skip, len(result.matches))
            del result.matches[:n]
            skip -= n

    def flush_new(partial: FileResult) -> None:
        nonlocal handed
        drop_written()
        handed += len(partial.matches)
        assert flush is not None  # only installed when flush is given
        flush(partial)

    opened: Opened | None = None
    error: BaseException | None = None
    try:
        opened = location.open(source)
        read_and_match(opened, compiled, options, result, flush_new if flush is not None else None)
    except SkipFile as skipped:
        result.status = "skipped"
        result.skip_reason = skipped.reason
    except Exception as exc:  # zlib/ISA-L errors have no common base; never lose the scan
        # Records before a mid-file error are kept: every match from readable data is reported.
        error = exc
    finally:
        if opened is not None:
            result.raw_bytes = opened.raw_bytes
            opened.close()
    drop_written()
    return result, error, written + handed


def read_and_match(
    opened: Opened,
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
    flush: Callable[[FileResult], None] | None = None,
) -> None:
    """Read an opened source and match it into ``result``.

    CloudTrail documents take the fast path (split into raw records, literal prefilter,
    decode only candidates: ``engine.replay.fastpath``) unless ``options.fast`` is off;
    every other format, and any document the fast path declines, goes through
    :func:`match_units`.  The format decides which content it offers to which fast scan
    (:class:`_Scanner`).
    """
    fmt, units = read_units(
        opened,
        options.input_format,
        _Scanner(compiled, options, result, flush) if options.fast else None,
        options.max_document_size,
    )
    result.format = fmt
    match_units(units, compiled, options, result, flush)


class _Scanner:
    """The fast scans a format may offer its content to (``engine.replay.formats.base``'s
    ``FastScanner``): a CloudTrail document to the fast path, an export's lines to
    :func:`match_export_text` when every pattern is a text pattern and there is no window."""

    def __init__(
        self,
        compiled: Sequence[CompiledPattern],
        options: ScanOptions,
        result: FileResult,
        flush: Callable[[FileResult], None] | None,
    ) -> None:
        self._compiled = compiled
        self._options = options
        self._result = result
        self._flush = flush

    def records_document(self, data: bytes) -> bool:
        return match_document(data, self._compiled, self._options, self._result)

    def export_lines(self, stream: IO[bytes]) -> bool:
        if self._options.window is not None or any(p.kind == "json" for p in self._compiled):
            return False
        match_export_text(stream, self._compiled, self._options, self._result, self._flush)
        return True


def match_export_text(
    stream: IO[bytes],
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
    flush: Callable[[FileResult], None] | None = None,
) -> None:
    """A CloudWatch Logs export against text patterns only (no window): each pattern sees
    the message as stored, so no event is built for a line that matches nothing.  A line
    that matches, or is not ``<timestamp> <message>`` in UTF-8, goes through
    :func:`match_units` exactly as the general path would take it."""
    matchers = [(i, p.matches) for i, p in enumerate(compiled)]
    limit = options.oversize_bytes
    message = CWL_MESSAGE.match
    for index, (lineno, line) in enumerate(nonblank_lines(stream, options.max_document_size)):
        m = message(line)
        if m is not None:
            try:
                text = m.group(1).decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                hits = [i for i, match in matchers if match(text)]
                if not hits:
                    result.records += 1
                    continue
                if not text.lstrip().startswith("{"):  # plain text: the match is the message
                    result.records += 1
                    raw = text.encode("utf-8", "surrogatepass")
                    result.add(Match(index, raw, tuple(hits), len(raw) > limit, True))
                    if flush is not None and len(result.matches) >= FLUSH_EVERY:
                        flush(result)
                    continue
        # A JSON message (its record is what a match writes out), or a bad line.
        match_units([export_unit(index, lineno, line)], compiled, options, result, flush)


def match_units(
    units: Iterable[Unit],
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
    flush: Callable[[FileResult], None] | None = None,
) -> None:
    """The matching loop: every pattern against every record, in one pass, into ``result``.

    ``flush``, when given, is handed ``result`` every :data:`FLUSH_EVERY` matches and must empty
    ``result.matches``.
    """
    json_idx = [i for i, p in enumerate(compiled) if p.kind == "json"]
    text_idx = [i for i, p in enumerate(compiled) if p.kind != "json"]
    window = options.window
    limit = options.oversize_bytes
    for unit in units:
        record = unit.record
        message = unit.message
        if record is None and message is None:
            result.problem(unit.problem or f"record {unit.index} is not a JSON object")
            continue
        result.records += 1
        if window is not None and not window.contains(event_time(unit)):
            result.outside_window += 1
            continue
        if record is not None:
            hits: list[int] = [i for i in json_idx if compiled[i].matches_record(record)]
            # The compact JSON is what text patterns see and what a match writes out.
            raw = orjson.dumps(record) if hits or text_idx else b""
        else:  # a message that is not a JSON object: no JSON pattern matches it
            raw = message.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]
            hits = []
        if text_idx:
            text = message if message is not None else raw.decode()
            hits.extend(i for i in text_idx if compiled[i].matches(text))
        if hits:
            # Sized as CloudWatch Logs holds the event: its message, or the compact JSON.
            size = len(raw) if message is None else len(message.encode("utf-8", "surrogatepass"))
            hits.sort()
            result.add(Match(unit.index, raw, tuple(hits), size > limit, record is None))
            if flush is not None and len(result.matches) >= FLUSH_EVERY:
                flush(result)


def record_matches(record: dict[str, Any], compiled: Sequence[CompiledPattern]) -> list[int]:
    """Indices of the patterns that match one record (the same rule as :func:`match_units`)."""
    result = FileResult("", matches_per_pattern=[0] * len(compiled))
    match_units([Unit(0, record)], compiled, ScanOptions(), result)
    return list(result.matches[0].patterns) if result.matches else []
