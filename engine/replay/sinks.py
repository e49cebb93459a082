"""Sinks: where matches and the summary go.

``records``  each matching record once, compact JSON, one per line (``jq``-ready);
``envelope`` one object per (pattern, record) match, then a final ``{"summary": ...}`` (unless
             switched off);
``table``    a table for people, fitted to the terminal (engine.replay.table).

:class:`Summary` accumulates the per-file results; it is printed on stderr and may be written
as JSON (``--summary-json``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import IO, Any, Protocol

import msgspec
import orjson

from engine.inert import inert, without_surrogates
from engine.replay.scan import FileResult, Match
from engine.replay.table import Column, GiveWay, Layout, plan, render_header, render_rows


class Sink(Protocol):
    """Where matches go.  A sink may also have ``renderer``: a picklable function from a
    file's result to its output bytes, which worker processes then run in its place (the
    result arrives with ``rendered`` set and no matches)."""

    def write(self, result: FileResult) -> None:
        """Write the matches of one file (files arrive in input order)."""

    def close(self, summary: Summary) -> None:
        """End of the scan (also on interrupt): write what is left and flush."""


class Summary(msgspec.Struct):
    """Counts over the whole scan."""

    pattern_ids: Sequence[str]
    files_read: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    skipped: dict[str, int] = msgspec.field(default_factory=dict)
    problems: int = 0
    records: int = 0
    outside_window: int = 0
    matched_records: int = 0
    matches: list[int] = msgspec.field(default_factory=list)
    oversized: int = 0
    bytes: int = 0
    interrupted: bool = False
    #: Why the output stopped early ("standard output was closed", a write error), if it did.
    output_error: str | None = None
    started: float = msgspec.field(default_factory=time.monotonic)
    elapsed: float | None = None

    def __post_init__(self) -> None:
        if not self.matches:
            self.matches = [0] * len(self.pattern_ids)

    def add(self, result: FileResult) -> None:
        if result.status == "skipped":
            self.files_skipped += 1
            reason = "other" if result.skip_reason is None else result.skip_reason.value
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
            return
        if result.status == "failed":
            self.files_failed += 1
        else:
            self.files_read += result.files
        self.problems += result.problem_count
        self.records += result.records
        self.outside_window += result.outside_window
        self.oversized += result.oversized
        self.bytes += result.raw_bytes
        self.matched_records += result.matched_records
        for i, n in enumerate(result.matches_per_pattern):
            self.matches[i] += n

    def finish(self) -> None:
        self.elapsed = time.monotonic() - self.started

    @property
    def seconds(self) -> float:
        return self.elapsed if self.elapsed is not None else time.monotonic() - self.started

    @property
    def any_match(self) -> bool:
        return self.matched_records > 0

    def to_dict(self) -> dict[str, Any]:
        seconds = self.seconds
        rate = seconds if seconds > 0 else float("nan")
        return {
            "files": {
                "read": self.files_read,
                "skipped": self.files_skipped,
                "failed": self.files_failed,
            },
            "skipped": dict(sorted(self.skipped.items())),
            "problems": self.problems,
            "records": self.records,
            "outside_window": self.outside_window,
            "matched_records": self.matched_records,
            "matches": dict(zip(self.pattern_ids, self.matches, strict=True)),
            "oversized": self.oversized,
            "bytes": self.bytes,
            "elapsed_seconds": round(seconds, 3),
            "records_per_second": round(self.records / rate, 1) if seconds > 0 else None,
            "bytes_per_second": round(self.bytes / rate, 1) if seconds > 0 else None,
            "interrupted": self.interrupted,
            "output_error": self.output_error,
        }

    def render_text(self) -> str:
        d = self.to_dict()
        files = d["files"]
        skipped = ", ".join(f"{k} {v:,}" for k, v in d["skipped"].items())
        lines = [
            # Counts with thousands separators: an organization trail holds 100,000s of files.
            f"files: {files['read']:,} read, {files['skipped']:,} skipped"
            + (f" ({skipped})" if skipped else "")
            + f", {files['failed']:,} failed",
            f"records: {self.records:,}"
            + (f" ({self.outside_window:,} outside --since/--until)" if self.outside_window else "")
            + (
                f", {self.problems:,} problem{'' if self.problems == 1 else 's'}"
                if self.problems
                else ""
            ),
            "matches: "
            + ", ".join(
                f"{inert(pid)} {n:,}" for pid, n in zip(self.pattern_ids, self.matches, strict=True)
            )
            + f" ({self.matched_records:,} record{'' if self.matched_records == 1 else 's'}"
            + (
                f", {self.oversized:,} over 256 KB, never sent to CloudWatch Logs"
                if self.oversized
                else ""
            )
            + ")",
            f"read {_human_bytes(self.bytes)} of input as stored in {_seconds(self.seconds)}"
            + (
                f" ({_human_bytes(self.bytes / self.seconds)}/s, "
                f"{self.records / self.seconds:,.0f} records/s)"
                if self.seconds > 0
                else ""
            ),
        ]
        if self.output_error is not None:
            lines.append(f"interrupted: {self.output_error}; the results above are partial")
        elif self.interrupted:
            lines.append("interrupted: the results above are partial")
        return "\n".join(lines)


def _seconds(seconds: float) -> str:
    """A duration as a person reads it: a small archive read in-process takes milliseconds,
    which ``0.00s`` hid."""
    if seconds >= 0.1:
        return f"{seconds:.2f} s"  # spaced like "ms": one style on the line
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


_RAW = attrgetter("raw")


def render_records(result: FileResult) -> bytes:
    """The ``records`` output of one file's matches."""
    return b"\n".join(map(_RAW, result.matches)) + b"\n" if result.matches else b""


def render_envelopes(result: FileResult, ids: Sequence[bytes]) -> bytes:
    """The ``envelope`` output of one file's matches (``ids``: the pattern ids as JSON)."""
    return b"".join(_envelope(ids, result.path, m, i) for m in result.matches for i in m.patterns)


def _envelope(ids: Sequence[bytes], path: str, match: Match, pattern: int) -> bytes:
    source = orjson.dumps({"path": without_surrogates(path), "index": match.index})
    flag = b',"oversized":true' if match.oversized else b""
    if match.text_only:  # a CloudWatch Logs message that is not JSON: no record
        body = b',"record":null,"message":' + orjson.dumps(without_surrogates(_message(match)))
    else:
        body = b',"record":' + match.raw
    return b'{"pattern":' + ids[pattern] + b',"source":' + source + flag + body + b"}\n"


def _message(match: Match) -> str:
    """The text of a ``text_only`` match (its raw bytes were encoded with ``surrogatepass``)."""
    try:
        return match.raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return match.raw.decode("utf-8", "replace")


def _record(raw: bytes) -> Any:
    """A matched record decoded for people: orjson first; the standard library where orjson is
    stricter than the readers (a number such as ``1e400``, a lone ``\\ud800`` escape); ``{}``
    when neither can (the row is then blank, but it is there)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    import json

    try:
        return json.loads(raw)
    except ValueError:
        return {}


class RecordsSink:
    """Each matching record once, unchanged, one compact JSON object per line."""

    #: What a worker process may render in its place (picklable): the parent then only writes.
    renderer: Callable[[FileResult], bytes] | None = staticmethod(render_records)

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, result: FileResult) -> None:
        data = result.rendered if result.rendered is not None else render_records(result)
        if data:
            self.out.write(data)
            self.out.flush()

    def close(self, summary: Summary) -> None:
        self.out.flush()


class EnvelopeSink:
    """``{"pattern", "source": {"path", "index"}, "record"}`` per match, then the summary."""

    def __init__(self, out: IO[bytes], pattern_ids: Sequence[str], *, summary: bool = True) -> None:
        self.out = out
        self.summary = summary  # the trailing {"summary": ...} object (--no-envelope-summary)
        self.ids = tuple(orjson.dumps(pid) for pid in pattern_ids)
        self.renderer: Callable[[FileResult], bytes] | None = partial(
            render_envelopes, ids=self.ids
        )

    def write(self, result: FileResult) -> None:
        if result.rendered is not None:
            data = result.rendered
        else:
            data = render_envelopes(result, self.ids)
        if data:
            self.out.write(data)
            self.out.flush()

    def close(self, summary: Summary) -> None:
        if self.summary:
            self.out.write(orjson.dumps({"summary": summary.to_dict()}) + b"\n")
        self.out.flush()


def table_row(record: dict[str, Any]) -> tuple[str, ...]:
    """The table's cells for one CloudTrail record (blank where a field is missing)."""
    ident = record.get("userIdentity")
    ident = ident if isinstance(ident, dict) else {}
    arn = ident.get("arn")
    # arn:aws:sts::111122223333:assumed-role/Admin/alice -> assumed-role/Admin/alice (the
    # account has its own column)
    short_arn = arn.split(":", 5)[-1] if isinstance(arn, str) and arn.count(":") >= 5 else arn
    principal = (
        short_arn
        or ident.get("userName")
        or ident.get("invokedBy")
        or ident.get("principalId")
        or ident.get("type")
        or ""
    )
    source = str(record.get("eventSource") or record.get("eventType") or "")
    account = record.get("recipientAccountId") or ident.get("accountId") or ""
    return (
        str(record.get("eventTime") or ""),
        str(account),
        str(record.get("awsRegion") or ""),
        source.removesuffix(".amazonaws.com"),
        str(record.get("eventName") or ""),
        str(principal),
        str(record.get("sourceIPAddress") or ""),
        str(record.get("errorCode") or ""),
    )


TABLE_LAYOUT = (
    Column("time", title=True),
    Column("account"),
    Column("region"),
    Column("source"),
    Column("event", title=True),
    Column("principal"),
    Column("IP"),
    Column("error"),
)
PATTERN_COLUMN = Column("pattern")
#: How the table gives way on a narrow terminal (engine.replay.table), after the columns blank in
#: every row: the IP, account and region go; principal, error, event and pattern ids are
#: shortened (only as much as needed); then the source goes.  Time, event and principal stay, in
#: blocks when they must.
TABLE_GIVE_WAY: tuple[GiveWay, ...] = (
    ("IP", None),
    ("account", None),
    ("region", None),
    ("principal", 20),
    ("error", 14),
    ("event", 18),
    ("pattern", 24),  # a Sigma title or a control id is what the row is about
    ("source", None),
)


class TableSink:
    """The matches as a table for people, fitted to ``width`` terminal cells (None: natural
    widths), rows in time order within each file's output.

    The first :attr:`LAYOUT_ROWS` rows choose the layout; they are printed when the scan ends
    or when that many have come, and later rows stream out in the same layout (memory stays
    bounded whatever the number of matches)."""

    LAYOUT_ROWS = 1000

    def __init__(
        self,
        out: IO[str],
        pattern_ids: Sequence[str],
        *,
        width: int | None = None,
        bold: bool = False,
        label_column: bool = False,
    ) -> None:
        self.out = out
        self.ids = list(pattern_ids)
        self.width = width
        self.bold = bold
        # The pattern column is shown when several patterns ran, or when asked (Sigma titles).
        self.label_column = label_column or len(self.ids) > 1
        self.columns = ((PATTERN_COLUMN,) if self.label_column else ()) + TABLE_LAYOUT
        self._time = len(self.columns) - len(TABLE_LAYOUT)
        self.rows: list[tuple[str, ...]] = []  # held until the layout is chosen
        self._file: str | None = None
        self._file_rows: list[tuple[str, ...]] = []  # the current file's, to sort by time
        self.layout: Layout | None = None
        self._printed = 0
        #: Called once before the first line is printed (the CLI stops its progress bar there,
        #: which shares the terminal).
        self.before_output: Callable[[], None] | None = None

    def _row(self, m: Match) -> tuple[str, ...]:
        cells: tuple[str, ...]
        if m.text_only:
            cells = ("", "", "", "", _message(m)[:200], "", "", "")
        else:
            record = _record(m.raw)
            cells = table_row(record if isinstance(record, dict) else {})
        if self.label_column:
            cells = (",".join(self.ids[i] for i in m.patterns), *cells)
        if m.oversized:
            cells = (*cells[:-1], (cells[-1] + " " if cells[-1] else "") + "[>256KB]")
        return tuple(map(inert, cells))

    def write(self, result: FileResult) -> None:
        if result.path != self._file:
            self._end_file()
            self._file = result.path
        self._file_rows.extend(map(self._row, result.matches))

    def _end_file(self) -> None:
        t = self._time
        rows = sorted(self._file_rows, key=lambda r: (r[t] == "", r[t]))  # stable
        self._file_rows = []
        if self.layout is not None:
            self._print(rows)
            return
        self.rows.extend(rows)
        if len(self.rows) >= self.LAYOUT_ROWS:
            self._choose_layout()

    def _choose_layout(self) -> None:
        self.layout = plan(self.columns, self.rows, self.width, TABLE_GIVE_WAY)
        rows, self.rows = self.rows, []
        self._print(rows, render_header(self.columns, self.layout, self.bold))

    def _print(self, rows: list[tuple[str, ...]], head: Sequence[str] = ()) -> None:
        assert self.layout is not None
        lines = [*head, *render_rows(self.columns, rows, self.layout, first=self._printed)]
        self._printed += len(rows)
        if lines:
            if self.before_output is not None:
                self.before_output()
                self.before_output = None
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()

    def close(self, summary: Summary) -> None:
        self._end_file()
        if self.layout is None and self.rows:
            self._choose_layout()
        self.out.flush()
