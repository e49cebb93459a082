"""Formats: open a source (gzip or not), recognise what it holds, and stream its records.

``open_source`` gives a buffered binary stream of the decompressed bytes; ``read_units`` detects
the format from the content (and the name) unless one is forced, and returns an iterator of
:class:`Unit` -- one per log event, in file order.  Formats:

============== ==============================================================================
cloudtrail     CloudTrail S3 delivery: one ``{"Records": [...]}`` document (``.json.gz``/``.json``)
digest         ``CloudTrail-Digest`` files: recognised and skipped
cwl-export     CloudWatch Logs export to S3: ``<ISO-8601 timestamp> <message>`` lines
ndjson         one JSON record per line
lookup-events  ``aws cloudtrail lookup-events``: ``{"Events": [{"CloudTrailEvent": "..."}]}``
filter-log-events ``aws logs filter-log-events``: ``{"events": [{"message": "..."}]}``
console        the console's Event history JSON download (``{"Records": [...]}`` or ``[...]``)
============== ==============================================================================

A whole-document format is decoded at once with orjson (CloudTrail files are a few MB); line
formats stream line by line.  Problems inside a file become :class:`Unit` s with ``problem`` set
(a record that is not an object) or a :class:`FormatError` (the file as a whole is unreadable);
I/O and decompression errors propagate and are described by :func:`describe_error`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, cast

import orjson

from engine.replay.sources import WRITE_TEST, describe_os_error, skip_reason_for_name


def _gzip_reader(fileobj: IO[bytes]) -> IO[bytes]:
    """A gunzip stream: ISA-L's (several times faster than zlib's) when importable."""
    try:
        from isal import igzip
    except ImportError:  # pragma: no cover - isal is a dependency, but optional in spirit
        return cast("IO[bytes]", gzip.GzipFile(fileobj=fileobj, mode="rb"))
    reader = igzip.GzipFile(fileobj=fileobj, mode="rb")  # type: ignore[no-untyped-call]
    return cast("IO[bytes]", reader)


def _decompress(raw: bytes) -> bytes:
    try:
        from isal import igzip
    except ImportError:  # pragma: no cover
        return gzip.decompress(raw)
    return cast(bytes, igzip.decompress(raw))  # type: ignore[no-untyped-call]


# Gzip files up to this size are decompressed in one call rather than streamed.
WHOLE_GZIP_BYTES = 16 * 1024 * 1024


def _is_gzip_error(exc: BaseException) -> bool:
    # ISA-L raises its own IsalError (not a zlib.error) for a corrupt deflate stream.
    return isinstance(exc, gzip.BadGzipFile | zlib.error) or type(exc).__name__ == "IsalError"


FORMATS = (
    "cloudtrail",
    "cwl-export",
    "ndjson",
    "lookup-events",
    "filter-log-events",
    "console",
)
"""Formats that ``--input-format`` may force (``digest`` is only ever detected)."""

HEAD_SIZE = 64 * 1024
_BUFFER = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_FIRST_KEY = re.compile(rb'^\{\s*"([^"\\]{1,64})"\s*:')
_CWL_LINE = re.compile(rb"^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})? ")
# The same, capturing the message (the timestamp holds no blank: the first one ends it).
CWL_MESSAGE = re.compile(_CWL_LINE.pattern + rb"(.*)", re.S)
_DIGEST_KEYS = ("digestStartTime", "digestEndTime", "digestSignatureAlgorithm")


class FormatError(Exception):
    """The file as a whole cannot be read as the format it claims or was forced to."""


class SkipFile(Exception):
    """The file is recognised and deliberately not read (``args[0]`` is the reason)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One log event: its position, the decoded record (None when it is not a JSON object), the
    raw CloudWatch Logs message when the source carried one, a problem description, and the
    event's timestamp when the source gives one outside the record (ISO 8601 text).

    A CloudWatch Logs source may hold messages that are not JSON at all (an exported access
    log): such a unit has ``message`` and no ``record``; text patterns still see it."""

    index: int
    record: dict[str, Any] | None
    message: str | None = None
    problem: str | None = None
    time: str | None = None


# --------------------------------------------------------------------------- opening


class _Counting(io.RawIOBase):
    """Counts the (compressed) bytes read from the underlying stream."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.count += n
        return n or 0


class _Prefixed(io.RawIOBase):
    """Serves ``head`` and then the rest of ``stream``: lets us look before we choose."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._stream.readinto(buffer)  # type: ignore[attr-defined,no-any-return]


class Opened:
    """An open source: ``stream`` yields decompressed bytes; ``raw_bytes`` counts bytes read
    from disk (or standard input) so far.  ``data`` holds the whole decompressed content when
    it was read in one call (then ``stream`` serves the same bytes).

    ``file`` is an already open binary file to read instead of opening ``path`` (a pipe
    opened without blocking); ``content`` the stored bytes of the source, already read in
    one call (an S3 object fetched whole)."""

    data: bytes | None = None

    def __init__(
        self, path: str, file: IO[bytes] | None = None, content: bytes | None = None
    ) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        if content is not None:
            self._counter = _Counting(io.BytesIO(content))
            if self._take_whole(content):
                return
        elif path == "-":
            self._counter = _Counting(sys.stdin.buffer)
        else:
            self._file = file if file is not None else open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
            self._counter = _Counting(self._file)
            if self._whole_file():
                return
        buffered = io.BufferedReader(self._counter, _BUFFER)
        self.compressed = buffered.peek(2)[:2] == _GZIP_MAGIC
        self.stream: IO[bytes] = _gzip_reader(buffered) if self.compressed else buffered

    def _whole_file(self) -> bool:
        """Read a small regular file in one call, and decompress it in one call if it is
        gzip: ~1.6x faster than streaming (a CloudTrail file is a few MB).  Anything
        unusual (a large or special file, a corrupt or truncated gzip stream) keeps the
        streaming reader, which salvages what it can."""
        assert self._file is not None
        fd = self._file.fileno()
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > WHOLE_GZIP_BYTES:
            return False
        return self._take_whole(os.pread(fd, info.st_size + 1, 0))

    def _take_whole(self, raw: bytes) -> bool:
        """Serve ``raw`` (the whole stored content), decompressed in one call; False (the
        caller streams) when it is a gzip stream that does not decompress whole."""
        self.compressed = raw[:2] == _GZIP_MAGIC
        if self.compressed:
            if len(raw) > WHOLE_GZIP_BYTES:
                return False
            try:
                data = _decompress(raw)
            except Exception:
                return False
        else:
            data = raw
        self._counter.count = len(raw)
        self.data = data
        self.stream = io.BytesIO(data)
        return True

    @property
    def raw_bytes(self) -> int:
        return self._counter.count

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def describe_error(exc: BaseException) -> str:
    """A one-line description of an error raised while reading a file."""
    if isinstance(exc, FormatError):
        return str(exc)
    if isinstance(exc, EOFError):
        return "truncated gzip: the compressed data ends before its end marker"
    if _is_gzip_error(exc):
        return f"corrupt gzip: {exc}"
    if isinstance(exc, orjson.JSONDecodeError):
        return describe_json_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return f"{type(exc).__name__}: {exc}"


def describe_json_error(exc: orjson.JSONDecodeError) -> str:
    msg = str(exc)
    if "UTF-8" in msg or "surrogate" in msg:
        return f"not valid UTF-8 ({msg})"
    if "unexpected end" in msg.lower() or "eof" in msg.lower():
        return f"truncated JSON ({msg})"
    return f"invalid JSON ({msg})"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


# --------------------------------------------------------------------------- detection


def detect(head: bytes, path: str) -> str:
    """The format of a source from its first decompressed bytes (and its name).

    Raises :class:`SkipFile` for digests and the export write-test object, :class:`FormatError`
    when nothing fits.  ``json`` means "a JSON document, decided once decoded".
    """
    reason = skip_reason_for_name(path)
    if reason is not None:
        raise SkipFile(reason)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise FormatError("empty file")
    first = text[:1]
    if first == b"{":
        key = _FIRST_KEY.match(text)
        name = key.group(1) if key else b""
        if name == b"Records":
            return "cloudtrail"
        if name in (b"Events", b"NextToken"):
            return "lookup-events"
        if name in (b"events", b"searchedLogStreams", b"nextToken"):
            return "filter-log-events"
        if any(k.encode() in text for k in _DIGEST_KEYS) and b'"logFiles"' in text:
            return "digest"
        newline = text.find(b"\n")
        if newline > 0:
            try:
                line = orjson.loads(text[:newline])
            except orjson.JSONDecodeError:
                return "json"  # a pretty-printed document
            if isinstance(line, dict) and not _is_container(line):
                return "ndjson"
        return "json"
    if first == b"[":
        return "console"
    if _CWL_LINE.match(text):
        return "cwl-export"
    shown = text[:20].decode("utf-8", "replace")
    raise FormatError(f"not a recognised CloudTrail format (starts with {shown!r})")


def _is_container(doc: dict[str, Any]) -> bool:
    return any(k in doc for k in ("Records", "Events", "events", *_DIGEST_KEYS))


# --------------------------------------------------------------------------- reading


def read_units(
    opened: Opened,
    forced: str | None = None,
    fast: Callable[[bytes], bool] | None = None,
    fast_export: Callable[[IO[bytes]], None] | None = None,
) -> tuple[str, Iterator[Unit]]:
    """Detect (or take ``forced``) the format of an open source and return it with an iterator
    over its events.  Raises :class:`SkipFile`, :class:`FormatError` or a read error.

    ``fast``, when given, is offered a CloudTrail ``{"Records": [...]}`` document's bytes
    first (``engine.replay.fastpath``); if it returns True it has consumed the document and
    no units are left.  Otherwise the document is decoded here as usual.  ``fast_export``,
    when given, consumes a CloudWatch Logs export's lines itself (then no units are left)."""
    whole = opened.data
    head = opened.stream.read(HEAD_SIZE) if whole is None else whole[:HEAD_SIZE]
    if forced is None:
        fmt = detect(head, opened.path)
    else:
        if forced not in FORMATS:
            raise FormatError(f"unknown input format {forced!r}")
        if not head.strip():
            raise FormatError("empty file")
        if opened.path.rsplit("/", 1)[-1] == WRITE_TEST:
            raise SkipFile("write-test")
        fmt = forced
    if fmt == "digest":
        raise SkipFile("digest")
    if whole is not None:
        # Read whole already: hand it over without copying it through a buffered reader.
        if fast is not None and fmt == "cloudtrail" and fast(whole):
            return fmt, iter(())
        stream: IO[bytes] = io.BytesIO(whole)
    else:
        stream = io.BufferedReader(_Prefixed(head, opened.stream), _BUFFER)
    if fmt == "ndjson":
        return fmt, _ndjson(stream)
    if fmt == "cwl-export":
        if fast_export is not None:
            fast_export(stream)
            return fmt, iter(())
        return fmt, _cwl_export(stream)
    if fast is not None and fmt == "cloudtrail" and whole is None:
        content = stream.read()
        if fast(content):
            return fmt, iter(())
        stream = io.BytesIO(content)
    doc = _load_document(stream)
    if fmt == "json":
        fmt = _document_format(doc)
    return fmt, _document_units(fmt, doc)


def _load_document(stream: IO[bytes]) -> Any:
    content = stream.read()
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        # A document of several lines that is not one JSON value: JSON Lines whose first line
        # was too long to look at.  Anything else is a broken document.
        if "after document" in str(exc) or "trailing" in str(exc).lower():
            return _Lines(content)
        raise


class _Lines:
    def __init__(self, content: bytes) -> None:
        self.content = content


def _document_format(doc: Any) -> str:
    if isinstance(doc, _Lines):
        return "ndjson"
    if isinstance(doc, list):
        return "console"
    if isinstance(doc, dict):
        if any(k in doc for k in _DIGEST_KEYS):
            return "digest"
        if "Records" in doc:
            return "cloudtrail"
        if "Events" in doc:
            return "lookup-events"
        if "events" in doc:
            return "filter-log-events"
        return "ndjson"  # a single pretty-printed record
    raise FormatError(f"not a recognised CloudTrail format (a JSON document that is {_kind(doc)})")


def _document_units(fmt: str, doc: Any) -> Iterator[Unit]:
    if fmt == "digest" or (isinstance(doc, dict) and any(k in doc for k in _DIGEST_KEYS)):
        raise SkipFile("digest")  # also under a forced --input-format
    if isinstance(doc, _Lines):
        if fmt != "ndjson":
            raise FormatError(f"not a {fmt} document: several JSON values one after another")
        return _ndjson(io.BytesIO(doc.content))
    if fmt == "ndjson":
        return iter([_record_unit(0, doc)])
    if fmt in ("cloudtrail", "console"):
        if isinstance(doc, list) and fmt == "console":
            records = doc
        elif isinstance(doc, dict) and "Records" in doc:
            records = doc["Records"]
            if not isinstance(records, list):
                raise FormatError(f"'Records' is {_kind(records)}, not a list")
        elif isinstance(doc, dict):
            raise FormatError("no 'Records' key: not a CloudTrail log file")
        else:
            raise FormatError(f"a CloudTrail log file is an object, this is {_kind(doc)}")
        return _records(records)
    if fmt == "lookup-events":
        events = doc.get("Events") if isinstance(doc, dict) else doc
        if not isinstance(events, list):
            raise FormatError(f"'Events' is {_kind(events)}, not a list")
        return _lookup_events(events)
    if fmt == "filter-log-events":
        events = doc.get("events") if isinstance(doc, dict) else doc
        if not isinstance(events, list):
            raise FormatError(f"'events' is {_kind(events)}, not a list")
        return _filter_log_events(events)
    raise FormatError(f"unknown input format {fmt!r}")  # pragma: no cover


def _record_unit(index: int, value: Any, where: str | None = None) -> Unit:
    if isinstance(value, dict):
        return Unit(index, value)
    return Unit(index, None, None, f"{where or f'record {index}'} is {_kind(value)}, not an object")


def _records(records: list[Any]) -> Iterator[Unit]:
    for index, value in enumerate(records):
        # A console download wraps lookup-events' shape in some versions: take the record.
        if isinstance(value, dict) and isinstance(value.get("CloudTrailEvent"), str):
            yield _decode_string(index, value["CloudTrailEvent"], f"record {index}")
        else:
            yield _record_unit(index, value)


def _decode_string(index: int, text: str, where: str) -> Unit:
    """A record given as JSON text (lookup-events' ``CloudTrailEvent``): must be an object."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Unit(index, None, None, f"{where}: {describe_json_error(exc)}")
    return _record_unit(index, value, where)


def _message_unit(index: int, text: str, time: str | None) -> Unit:
    """A CloudWatch Logs message: its record when it is a JSON object, the text in any case."""
    record = None
    if text.lstrip().startswith("{"):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            record = value
    return Unit(index, record, text, None, time)


def _lookup_events(events: list[Any]) -> Iterator[Unit]:
    for index, event in enumerate(events):
        text = event.get("CloudTrailEvent") if isinstance(event, dict) else None
        if not isinstance(text, str):
            yield Unit(index, None, None, f"event {index} has no 'CloudTrailEvent' string")
            continue
        yield _decode_string(index, text, f"event {index}")


def _filter_log_events(events: list[Any]) -> Iterator[Unit]:
    for index, event in enumerate(events):
        text = event.get("message") if isinstance(event, dict) else None
        if not isinstance(text, str):
            yield Unit(index, None, None, f"event {index} has no 'message' string")
            continue
        # The message is exactly what CloudWatch Logs matched: keep it for text patterns.
        stamp = event.get("timestamp")
        when = None
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            with contextlib.suppress(ValueError, OverflowError, OSError):
                when = datetime.fromtimestamp(stamp / 1000, UTC).isoformat()
        yield _message_unit(index, text, when)


def nonblank_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a line format, stripped, with their 1-based numbers."""
    for lineno, line in enumerate(stream, 1):
        stripped = line.strip()
        if stripped:
            yield lineno, stripped


def _ndjson(stream: IO[bytes]) -> Iterator[Unit]:
    for index, (lineno, line) in enumerate(nonblank_lines(stream)):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Unit(index, None, None, f"line {lineno}: {describe_json_error(exc)}")
            continue
        yield _record_unit(index, value, f"line {lineno}")


def _cwl_export(stream: IO[bytes]) -> Iterator[Unit]:
    for index, (lineno, line) in enumerate(nonblank_lines(stream)):
        yield export_unit(index, lineno, line)


def export_unit(index: int, lineno: int, line: bytes) -> Unit:
    """One line of a CloudWatch Logs export as an event."""
    m = CWL_MESSAGE.match(line)
    if m is None:
        return Unit(index, None, None, f"line {lineno}: not '<timestamp> <message>'")
    try:
        text = m.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return Unit(index, None, None, f"line {lineno}: not valid UTF-8")
    return _message_unit(index, text, line[: m.start(1) - 1].decode("ascii"))
