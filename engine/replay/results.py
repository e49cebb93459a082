"""What a scan produces: the options every file is read with, one match, one file's result.

The lowest layer of the scan (it imports only :mod:`engine.replay.formats` and
:mod:`engine.replay.window`), so the fast path, the per-file scan, the executors and the sinks
share these types without importing each other.  Everything here is picklable: options travel
to workers, results come back (a result's matches as columns, several times faster to pickle).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any, Literal

import msgspec

from engine.replay.formats import MAX_DOCUMENT_SIZE, Unit
from engine.replay.sources import SkipReason
from engine.replay.window import TimeWindow, parse_event_time

# CloudTrail does not send events over 256 KB to CloudWatch Logs; a replay still matches them
# but flags them: a live metric filter would never have counted them.
OVERSIZE_BYTES = 256 * 1024

# A file with many bad records reports the first few; the rest are counted.
MAX_PROBLEMS_KEPT = 5

Status = Literal["read", "skipped", "failed"]


class ScanOptions(msgspec.Struct, frozen=True):
    """What every file is read with (picklable; sent to each worker)."""

    input_format: str | None = None
    window: TimeWindow | None = None
    oversize_bytes: int = OVERSIZE_BYTES
    fast: bool = True
    #: What is held whole at most (``--max-document-size``; ``engine.replay.formats``).
    max_document_size: int = MAX_DOCUMENT_SIZE


class Match(msgspec.Struct):
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


class FileResult(msgspec.Struct):
    """Everything one file contributed to the scan."""

    path: str
    status: Status = "read"
    format: str | None = None
    skip_reason: SkipReason | None = None
    problems: list[str] = msgspec.field(default_factory=list)
    problem_count: int = 0
    records: int = 0
    outside_window: int = 0
    oversized: int = 0  # matched records over the limit on event size
    matched_records: int = 0
    matches_per_pattern: list[int] = msgspec.field(default_factory=list)
    matches: list[Match] = msgspec.field(default_factory=list)
    raw_bytes: int = 0
    #: The matches as the output writes them, when a worker rendered them (then ``matches``
    #: is empty and only the counts above speak of them).
    rendered: bytes | None = None
    #: How many files this result stands for: the files of a batch that were read without a
    #: match or a problem are summed into one result (``path`` is then the first of them).
    files: int = 1

    def absorb(self, quiet: FileResult) -> None:
        """Count a file read without a match or a problem into this sum of such files."""
        self.files += quiet.files
        self.records += quiet.records
        self.outside_window += quiet.outside_window
        self.raw_bytes += quiet.raw_bytes

    @property
    def quiet(self) -> bool:
        """Read to the end with nothing to write or report: only its counts matter."""
        return self.status == "read" and not self.matches and not self.problem_count

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


_RESULT_FIELDS = tuple(f for f in FileResult.__struct_fields__ if f != "matches")


def _rebuild_result(state: tuple[Any, ...], columns: tuple[list[Any], ...]) -> FileResult:
    result = FileResult(**dict(zip(_RESULT_FIELDS, state, strict=True)))
    result.matches = list(map(Match, *columns))
    return result


def event_time(unit: Unit) -> datetime | None:
    """``eventTime`` of the record, else the time the source gives the event (export lines)."""
    when = None
    if unit.record is not None:
        when = parse_event_time(unit.record.get("eventTime"))
    if when is None and unit.time is not None:
        when = parse_event_time(unit.time)
    return when
