"""The per-file work: read one source, match every pattern against each record in one pass.

:func:`scan_file` is a top-level function of picklable arguments returning a picklable
:class:`FileResult`, so any executor (local processes today, a Dask cluster later) can run it.
:func:`match_units` is the matching loop on its own: the seam where a raw-bytes prefilter and
per-record slicing will go.

Each record is matched as CloudTrail delivers it to CloudWatch Logs (docs/semantics.md, and
SEMANTICS.md section 12): one log event per record; JSON patterns see the decoded record, text,
regex and space-delimited patterns see its compact JSON text -- or, when the source is a
CloudWatch Logs export, the very message CloudWatch Logs stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import IO, TYPE_CHECKING, Any, Literal

import orjson

from engine.replay.fastpath import match_document
from engine.replay.formats import (
    CWL_MESSAGE,
    MAX_DOCUMENT_SIZE,
    FormatError,
    Opened,
    SkipFile,
    Unit,
    describe_error,
    export_unit,
    nonblank_lines,
    read_units,
)
from engine.replay.sources import Source
from engine.replay.window import TimeWindow, parse_event_time

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern

# CloudTrail does not send events over 256 KB to CloudWatch Logs; a replay still matches them
# but flags them: a live metric filter would never have counted them.
OVERSIZE_BYTES = 256 * 1024

# In-process scans hand over their matches in batches of this many (flat memory on huge stdin).
FLUSH_EVERY = 4096

# A file with many bad records reports the first few; the rest are counted.
MAX_PROBLEMS_KEPT = 5

Status = Literal["read", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What every file is read with (picklable; sent to each worker)."""

    input_format: str | None = None
    window: TimeWindow | None = None
    oversize_bytes: int = OVERSIZE_BYTES
    fast: bool = True
    #: What is held whole at most (``--max-document-size``; ``engine.replay.formats``).
    max_document_size: int = MAX_DOCUMENT_SIZE


@dataclass(slots=True)
class Match:
    """One matching record: its position in the file, its compact JSON (or, ``text_only``, the
    message text of a non-JSON CloudWatch Logs event), which patterns matched (indices into the
    pattern list) and whether it is over :data:`OVERSIZE_BYTES`."""

    index: int
    raw: bytes
    patterns: tuple[int, ...]
    oversized: bool = False
    text_only: bool = False  # ``raw`` is a CloudWatch Logs message that is not a JSON object


_PATTERNS_OF = attrgetter("patterns")
_OVERSIZED = attrgetter("oversized")


@dataclass(slots=True)
class FileResult:
    """Everything one file contributed to the scan."""

    path: str
    status: Status = "read"
    format: str | None = None
    skip_reason: str | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    records: int = 0
    outside_window: int = 0
    oversized: int = 0  # matched records over the limit on event size
    matched_records: int = 0
    matches_per_pattern: list[int] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    raw_bytes: int = 0
    #: The matches as the output writes them, when a worker rendered them (then ``matches``
    #: is empty and only the counts above speak of them).
    rendered: bytes | None = None

    def add(self, match: Match) -> None:
        """Record one matching record and count it for each pattern it matched."""
        for i in match.patterns:
            self.matches_per_pattern[i] += 1
        self.matched_records += 1
        self.oversized += match.oversized
        self.matches.append(match)

    def add_many(self, matches: list[Match]) -> None:
        """:meth:`add` for many matches at once."""
        per = self.matches_per_pattern
        for i, n in Counter(chain.from_iterable(map(_PATTERNS_OF, matches))).items():
            per[i] += n
        self.matched_records += len(matches)
        self.oversized += sum(map(_OVERSIZED, matches))
        self.matches.extend(matches)

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back from every worker: the matches travel as columns, which pickle several
        # times faster than one object each (an output-bound scan sends every record).
        m = self.matches
        columns = (
            [x.index for x in m],
            [x.raw for x in m],
            [x.patterns for x in m],
            [x.oversized for x in m],
            [x.text_only for x in m],
        )
        state = tuple(getattr(self, f) for f in _RESULT_FIELDS)
        return (_rebuild_result, (state, columns))

    def problem(self, message: str) -> None:
        self.status = "failed"
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(message)

    def error_line(self) -> str | None:
        """The one stderr line for this file's problems (None when it has none)."""
        if not self.problems:
            return None
        more = self.problem_count - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        return f"{self.path}: {self.problems[0]}{suffix}"


_RESULT_FIELDS = tuple(f for f in FileResult.__dataclass_fields__ if f != "matches")


def _rebuild_result(state: tuple[Any, ...], columns: tuple[list[Any], ...]) -> FileResult:
    result = FileResult(**dict(zip(_RESULT_FIELDS, state, strict=True)))
    result.matches = list(map(Match, *columns))
    return result


def compile_patterns(texts: Sequence[str]) -> list[CompiledPattern]:
    """Compile (cached per process by ``engine.compile``)."""
    import engine

    return [engine.compile(text) for text in texts]


def scan_file(
    source: Source,
    patterns: Sequence[str],
    options: ScanOptions,
    flush: Callable[[FileResult], None] | None = None,
) -> FileResult:
    """Read ``source`` and match every pattern text against each of its records.

    In the calling process, ``flush`` may take the matches found so far (it empties
    ``result.matches``), so a huge stream never holds all its matches at once.
    """
    compiled = compile_patterns(patterns)
    result = FileResult(source.path, matches_per_pattern=[0] * len(compiled))
    opened: Opened | None = None
    try:
        opened = Opened(source.path)
        read_and_match(opened, compiled, options, result, flush)
    except SkipFile as skip:
        result.status = "skipped"
        result.skip_reason = str(skip.args[0])
    except (FormatError, OSError, EOFError, ValueError) as exc:
        # Records before a mid-file error are kept: every match from readable data is reported.
        result.problem(describe_error(exc))
    except Exception as exc:  # zlib/ISA-L errors have no common base; never lose the scan
        result.problem(describe_error(exc))
    finally:
        if opened is not None:
            result.raw_bytes = opened.raw_bytes
            opened.close()
    return result


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
    :func:`match_units`.
    """

    def fast(data: bytes) -> bool:
        return match_document(data, compiled, options, result)

    def fast_export(stream: IO[bytes]) -> None:
        match_export_text(stream, compiled, options, result, flush)

    text_only = options.window is None and all(p.kind != "json" for p in compiled)
    fmt, units = read_units(
        opened,
        options.input_format,
        fast if options.fast else None,
        fast_export if options.fast and text_only else None,
        options.max_document_size,
    )
    result.format = fmt
    match_units(units, compiled, options, result, flush)


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


def event_time(unit: Unit) -> datetime | None:
    """``eventTime`` of the record, else the time the source gives the event (export lines)."""
    when = None
    if unit.record is not None:
        when = parse_event_time(unit.record.get("eventTime"))
    if when is None and unit.time is not None:
        when = parse_event_time(unit.time)
    return when


def record_matches(record: dict[str, Any], compiled: Sequence[CompiledPattern]) -> list[int]:
    """Indices of the patterns that match one record (the same rule as :func:`match_units`)."""
    result = FileResult("", matches_per_pattern=[0] * len(compiled))
    match_units([Unit(0, record)], compiled, ScanOptions(), result)
    return list(result.matches[0].patterns) if result.matches else []
