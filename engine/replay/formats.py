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
import dataclasses
import gzip
import io
import itertools
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, cast

import msgspec
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


_libdeflate: Any
try:  # libdeflate: whole-buffer gunzip, faster than ISA-L's (docs/performance.md)
    import deflate as _libdeflate
except ImportError:  # pragma: no cover - depends on the installed extras
    _libdeflate = None

_GZIP_MEMBER = b"\x1f\x8b\x08"


def _inflate_whole(raw: bytes, limit: int) -> bytes | None:
    """The content of a gzip file of one member inflating to at most ``limit`` bytes, in
    one call; None for anything else (larger, several members, corrupt or truncated), which
    the streaming reader takes, in bounded memory.  The size in the gzip trailer is only a
    hint (it may lie, or wrap at 4 GiB): inflating stops at ``limit`` whatever it says."""
    if len(raw) < 18 or int.from_bytes(raw[-4:], "little") > limit:
        return None
    if _libdeflate is not None and raw.find(_GZIP_MEMBER, 10) == -1:
        # One member (a second would start with its header; a false alarm only costs the
        # fallback): libdeflate inflates into a buffer of the trailer's size, checking the
        # CRC and the size, so a lying trailer fails here and is bounded below.
        try:
            return cast(bytes, _libdeflate.gzip_decompress(raw))
        except Exception:
            pass
    inflate: Any
    try:
        from isal import isal_zlib as inflate
    except ImportError:  # pragma: no cover - isal is a dependency
        inflate = zlib
    d = inflate.decompressobj(31)
    try:
        data: bytes = d.decompress(raw, limit + 1)
    except Exception:
        return None
    if not d.eof or len(data) > limit or d.unused_data:
        return None
    return data


# Gzip files up to this size are read in one call (and inflated in one call when their
# content is at most STREAM_ABOVE bytes) rather than streamed.
WHOLE_GZIP_BYTES = 16 * 1024 * 1024

#: The largest JSON document, or line of a line format, that is held whole: anything larger
#: is a named error (``--max-document-size``).  A ``{"Records": [...]}`` document or a JSON
#: array is never held whole above :data:`STREAM_ABOVE`: it is read record by record, so
#: this cap binds only what cannot stream (a CLI output, a single huge record or line).
MAX_DOCUMENT_SIZE = 64 * 1024 * 1024
#: A document larger than this is streamed record by record when it can be.
STREAM_ABOVE = 32 * 1024 * 1024


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
        unusual (a large or special file, a content over :data:`STREAM_ABOVE` such as a gzip
        bomb, several gzip members, a corrupt or truncated gzip stream) keeps the streaming
        reader, which holds a bounded amount and salvages what it can."""
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
            inflated = _inflate_whole(raw, STREAM_ABOVE)
            if inflated is None:
                return False
            data = inflated
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
        if _looks_like_json_lines(text):
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


def _is_record_line(line: bytes) -> bool:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and not _is_container(value)


def _looks_like_json_lines(text: bytes) -> bool:
    """Whether a head starting with ``{`` is JSON Lines rather than one document.

    Its first line is a record on its own; or, when that line is bad (cut, invalid), it is not
    a lone ``{`` (a pretty-printed document's) and the complete lines after it are records
    more often than not: a bad first line is then one bad event, not a lost file."""
    lines = text.split(b"\n")[:-1]  # complete lines only: the head may cut the last one
    if not lines:
        return False
    first = lines[0].strip()
    if _is_record_line(first):
        return True
    if first == b"{":
        return False
    rest = [stripped for line in lines[1:] if (stripped := line.strip())]
    good = sum(map(_is_record_line, rest))
    return good > 0 and 2 * good >= len(rest)


# --------------------------------------------------------------------------- reading


def read_units(
    opened: Opened,
    forced: str | None = None,
    fast: Callable[[bytes], bool] | None = None,
    fast_export: Callable[[IO[bytes]], None] | None = None,
    max_size: int = MAX_DOCUMENT_SIZE,
) -> tuple[str, Iterator[Unit]]:
    """Detect (or take ``forced``) the format of an open source and return it with an iterator
    over its events.  Raises :class:`SkipFile`, :class:`FormatError` or a read error.

    ``fast``, when given, is offered a CloudTrail ``{"Records": [...]}`` document's bytes
    first (``engine.replay.fastpath``); if it returns True it has consumed the document and
    no units are left.  Otherwise the document is decoded here as usual.  ``fast_export``,
    when given, consumes a CloudWatch Logs export's lines itself (then no units are left).

    Memory is bounded whatever the input: ``max_size`` caps what is held whole (a document
    that cannot stream, a line); a large ``{"Records": [...]}`` document or array streams
    record by record; a stream of several documents (``zcat *.json.gz``, concatenated gzip
    members) is read one document at a time."""
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
        first_key = _FIRST_KEY.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
        if forced == "ndjson" and first_key is not None and first_key.group(1) == b"Records":
            # A {"Records": [...]} document read as one record would match nothing and look
            # like a clean archive: refuse it instead.
            raise FormatError(
                'a CloudTrail log file ({"Records": [...]}), not JSON Lines: '
                "use --input-format cloudtrail or auto"
            )
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
        return fmt, _ndjson(stream, max_size)
    if fmt == "cwl-export":
        if fast_export is not None:
            fast_export(stream)
            return fmt, iter(())
        return fmt, _cwl_export(stream, max_size)
    if whole is not None and len(whole) <= max_size:
        try:
            doc = orjson.loads(whole)
        except orjson.JSONDecodeError:
            pass  # several values, or a bad one: read value by value, which names each
        else:
            if fmt == "json":
                fmt = _document_format(doc)
            return fmt, _document_units(fmt, doc)
    # Several documents, or one over the cap (read whole, but held as objects only if it
    # streams), or anything read as a stream.
    return _json_values_units(_Values(stream, max_size), fmt, fast if whole is None else None)


def _json_values_units(
    values: _Values, fmt: str, fast: Callable[[bytes], bool] | None
) -> tuple[str, Iterator[Unit]]:
    """The events of a stream of JSON text read value by value: one document (the usual
    case: offered to ``fast`` when it is a CloudTrail document), JSON Lines whose first line
    was too long or too bad to detect them by, or several documents one after another."""
    first = values.next_value()
    if first is None:
        raise FormatError("empty file")
    several = isinstance(first, bytes) and values.more()
    if isinstance(first, bytes) and not several:
        if fast is not None and fmt == "cloudtrail" and fast(first):
            return fmt, iter(())
        doc = orjson.loads(first)  # a broken document: the error names the file's problem
        if fmt == "json":
            fmt = _document_format(doc)
        return fmt, _document_units(fmt, doc)
    if isinstance(first, bytes) and fmt == "json":
        try:
            value = orjson.loads(first)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, list) and not (isinstance(value, dict) and _is_container(value)):
            # JSON Lines whose first line is long (beyond the look-ahead) or bad.
            return "ndjson", _json_lines_after(first, values)
    if fmt == "json":
        fmt = "cloudtrail"
        if isinstance(first, bytes):
            with contextlib.suppress(orjson.JSONDecodeError, FormatError):
                fmt = _document_format(orjson.loads(first))
    return fmt, _documents(first, values, fmt, several)


def _json_lines_after(first: bytes, values: _Values) -> Iterator[Unit]:
    """JSON Lines: the first value, already split off, then line by line."""
    yield next(_ndjson(io.BytesIO(first), values.max_size))
    yield from _ndjson(values.rest(), values.max_size, values.line, 1)


def _documents(first: bytes | _Array, values: _Values, fmt: str, several: bool) -> Iterator[Unit]:
    """Documents one after another (``zcat *.json.gz | trailreplay scan -``): each decoded
    (or streamed) alone, its events numbered on from the previous document's, its problems
    named by document when there are several.  A digest among them is skipped."""
    base = 0
    number = 0
    item: bytes | _Array | None = first
    while item is not None:
        number += 1
        where = f"document {number}: " if several or number > 1 else ""
        units: Iterator[Unit]
        if isinstance(item, bytes):
            try:
                doc = orjson.loads(item)
                kind = _document_format(doc) if fmt == "json" else fmt
                units = _document_units(kind, doc)
            except SkipFile:
                units = iter(())
            except (orjson.JSONDecodeError, FormatError) as exc:
                units = iter([Unit(base, None, None, describe_error(exc))])
        else:
            units = _array_units(item, fmt)
        count = 0
        for unit in units:
            count = unit.index + 1
            if base or where:
                problem = None if unit.problem is None else where + unit.problem
                unit = dataclasses.replace(unit, index=base + unit.index, problem=problem)
            yield unit
        base += count
        item = values.next_value()


def _array_units(array: _Array, fmt: str) -> Iterator[Unit]:
    """The records of a large ``{"Records": [...]}`` document or JSON array, a batch of
    whole records (about a megabyte) at a time; a batch that does not decode is taken
    record by record, so a bad record is named alone."""
    if fmt not in ("cloudtrail", "console", "json"):
        raise FormatError(f"not a {fmt} document: a list of records")
    index = 0
    for batch in array:
        try:
            values = orjson.loads(batch)
        except orjson.JSONDecodeError:
            values = None
        if values is not None:
            yield from _records(values, index)
            index += len(values)
            continue
        for raw in _split_array(batch):
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Unit(index, None, None, f"record {index}: {describe_json_error(exc)}")
            else:
                yield from _records([value], index)
            index += 1


_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


def _split_array(batch: bytes) -> list[bytes]:
    """The elements of a JSON array's text, as bytes (the array validated as a structure)."""
    try:
        return [bytes(raw) for raw in _raw_list.decode(batch)]
    except (msgspec.DecodeError, RecursionError):  # (msgspec's depth follows the stack's)
        return [batch[1:-1]]  # one malformed element (an element batch is one element)


# --------------------------------------------------------------------------- streaming JSON

_CHUNK = 1 << 20
_BLANKS = re.compile(rb"[ \t\r\n]*")
# Where one top-level value may end and the next begin: inside a value a closing bracket is
# followed by ',', a closing bracket or the end, never by an opening one (except in strings).
_VALUE_END = re.compile(rb"[}\]][ \t\r\n]*(?=[{\[])")
# Where a record (an object) of a list may end: followed by the next element or the list's
# end.  Not by ',' and a key: that closes an object inside a record (most '}' do), so no time
# is spent trying those.  (An element that is a string after a record is missed here; the
# record then reads as malformed, which is named, and reading resumes after it.)
_OBJECT_END = re.compile(rb'\}(?=[ \t\r\n]*(?:,[ \t\r\n]*[^" \t\r\n]|\]))')
# Where any other element may end.
_ELEMENT_END = re.compile(rb"(?=[ \t\r\n]*[,\]])")
_ARRAY_START = re.compile(rb'(?:\{[ \t\r\n]*"Records"[ \t\r\n]*:[ \t\r\n]*)?\[')
_JSON_START = frozenset(b'{["-0123456789tfn')
_skip_value = msgspec.json.Decoder(msgspec.Raw)


def _complete(data: bytes) -> bool | None:
    """Whether ``data`` is exactly one JSON value (True), the start of one (None: cut
    inside a string or a nested value), or malformed (False).  msgspec validates the
    structure without building anything."""
    try:
        _skip_value.decode(data)
    except msgspec.DecodeError as exc:
        return None if "truncated" in str(exc) else False
    except RecursionError:
        return False  # nested deeper than msgspec follows: orjson's decode names it
    return True


def _over(what: str, limit: int) -> FormatError:
    return FormatError(
        f"{what} is over the maximum document size ({limit:,} bytes; --max-document-size):"
        " the rest of the input is not read"
    )


class _Values:
    """The JSON values of a stream, one after another, in bounded memory.

    A value ends where the text can split (``_VALUE_END``, confirmed by a validating skip,
    so a bracket inside a string is never taken for a boundary) or at the end of the
    stream.  A value is held whole up to ``max_size``; a ``{"Records": [...]}`` document or
    an array not ended within :data:`STREAM_ABOVE` is handed out as an :class:`_Array`
    that yields its elements one by one.  ``line`` is the 1-based line the reader is on."""

    def __init__(self, stream: IO[bytes], max_size: int) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._pos = 0
        self._eof = False
        self.max_size = max_size
        self.stream_above = min(STREAM_ABOVE, max_size)
        self.line = 1
        self._open: _Array | None = None

    def _fill(self) -> int:
        """Read one more chunk; returns how far the buffer's content moved down (-1 at
        the end of the stream)."""
        if self._eof:
            return -1
        chunk = self._stream.read(_CHUNK)
        if not chunk:
            self._eof = True
            return -1
        moved = self._pos
        if moved:
            del self._buf[:moved]
            self._pos = 0
        self._buf += chunk
        return moved

    def _consume(self, end: int) -> None:
        self.line += self._buf.count(b"\n", self._pos, end)
        self._pos = end

    def _skip_blanks(self) -> bool:
        """Skip blanks (and a byte-order mark at the start); False at the end of the stream."""
        while True:
            if self._buf.startswith(b"\xef\xbb\xbf", self._pos) and self.line == 1:
                self._pos += 3
            match = _BLANKS.match(self._buf, self._pos)
            assert match is not None
            self._consume(match.end())
            if self._pos < len(self._buf):
                return True
            if self._fill() < 0:
                return False

    def more(self) -> bool:
        """Whether anything but blanks follows what was read."""
        return self._skip_blanks()

    def rest(self) -> IO[bytes]:
        """The unread rest of the stream."""
        head = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        return io.BufferedReader(_Prefixed(head, self._stream), _BUFFER)

    def next_value(self) -> bytes | _Array | None:
        """The next value's bytes (possibly malformed: the caller's decoder names the
        problem), a large list streamed, or None at the end."""
        if self._open is not None:
            self._open.drain()
        if not self._skip_blanks():
            return None
        if self._buf[self._pos] not in _JSON_START:
            shown = bytes(self._buf[self._pos : self._pos + 20]).decode("utf-8", "replace")
            raise FormatError(f"not JSON (starts with {shown!r})")
        scan = self._pos + 1
        tries = 0
        while True:
            start = self._pos
            # Past a few boundaries that were not (brackets inside strings), stop looking:
            # the rest is one value, so a hostile document costs linear time, not quadratic.
            match = _VALUE_END.search(self._buf, scan) if tries <= _TRIES else None
            if match is not None:
                end = match.start() + 1
                value = bytes(self._buf[start:end])
                if _complete(value) is None:
                    scan = match.end()
                    tries += 1
                    continue
                self._consume(end)
                return value  # complete, or malformed: resynchronised at the boundary
            size = len(self._buf) - start
            if size > self.stream_above and _ARRAY_START.match(self._buf, start):
                self._open = _Array(self)
                return self._open
            if size > self.max_size:
                raise _over("a JSON document", self.max_size)
            # A boundary may straddle the chunks: search again from the last closing bracket.
            tail = bytes(self._buf[scan:]).rstrip(b" \t\r\n")
            scan += max(len(tail) - 1, 0)
            moved = self._fill()
            if moved < 0:
                value = bytes(self._buf[start:])
                self._consume(len(self._buf))
                return value
            scan -= moved


_BATCH = 1 << 20


class _Array:
    """The elements of a large ``{"Records": [...]}`` document or JSON array, read from a
    :class:`_Values` a batch at a time: each batch is the text of a JSON array holding
    whole elements (about :data:`_BATCH` bytes of them, one when they are not objects or
    when a stretch does not parse), so a record costs no Python step to find."""

    def __init__(self, values: _Values) -> None:
        self._values = values
        self._done = False

    def drain(self) -> None:
        for _ in self:
            pass

    def __iter__(self) -> Iterator[bytes]:
        v = self._values
        if self._done:
            return
        self._done = True
        start = _ARRAY_START.match(v._buf, v._pos)
        assert start is not None
        wrapped = start.group().startswith(b"{")
        v._consume(start.end())
        first = True
        while True:
            if not v._skip_blanks():
                raise FormatError("truncated JSON (the input ends inside the list of records)")
            if first and v._buf[v._pos] == ord("]"):
                v._consume(v._pos + 1)
                break
            first = False
            yield self._batch()
            if not v._skip_blanks():
                raise FormatError("truncated JSON (the input ends inside the list of records)")
            sep = v._buf[v._pos]
            v._consume(v._pos + 1)
            if sep == ord("]"):
                break
            if sep != ord(","):
                raise FormatError("invalid JSON in the list of records: expected ',' or ']'")
        if wrapped:
            if not v._skip_blanks() or v._buf[v._pos] != ord("}"):
                raise FormatError("other keys after 'Records' in a large document are not read")
            v._consume(v._pos + 1)
        v._open = None

    def _batch(self) -> bytes:
        """Whole objects from here, about :data:`_BATCH` bytes of them, as an array's text;
        else the one element here."""
        v = self._values
        if v._buf[v._pos] == ord("{"):
            while len(v._buf) - v._pos < 2 * _BATCH and v._fill() >= 0:
                pass
            start = v._pos
            scan = start + min(_BATCH, max(len(v._buf) - start - 1, 0))
            shorter = scan == start
            tries = 0
            while tries <= _TRIES:
                tries += 1
                match = _OBJECT_END.search(v._buf, scan)
                if match is None:
                    if shorter:
                        break
                    scan, shorter = start, True  # near the end of the input: a shorter batch
                    continue
                end = match.start() + 1
                text = b"[" + bytes(v._buf[start:end]) + b"]"
                done = _complete(text)
                if done:
                    v._consume(end)
                    return text
                if done is False:
                    break  # something in there is malformed: one element at a time
                scan = end
        return b"[" + self._element() + b"]"

    def _element(self) -> bytes:
        """One element (complete, or malformed: the caller names it), found in linear time:
        an object, array or string by counting brackets outside strings, a number or
        literal by the next separator."""
        v = self._values
        structured = v._buf[v._pos] in b'{["'
        resume, depth = v._pos, 0
        while True:
            start = v._pos
            if structured:
                end, resume, depth = _structure_end(v._buf, resume, depth)
            else:
                match = _ELEMENT_END.search(v._buf, start + 1)
                end = None if match is None else match.start()
            if end is not None:
                v._consume(end)
                return bytes(v._buf[start:end])
            if len(v._buf) - start > v.max_size:
                raise _over("a record", v.max_size)
            moved = v._fill()
            if moved < 0:
                raise FormatError("truncated JSON (the input ends inside the list of records)")
            resume -= moved


_TRIES = 8
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')


def _structure_end(buf: bytearray, at: int, depth: int) -> tuple[int | None, int, int]:
    """Where the object, array or string being read ends: (end, at, depth), end None when
    the buffer ends first -- then go on from ``at`` at ``depth`` once more is read."""
    for token in _TOKEN.finditer(buf, at):
        first = buf[token.start()]
        if first == 0x22:  # a string
            if token.end() - token.start() == 1:
                return None, token.start(), depth  # cut by the buffer's end
            if depth == 0:
                return token.end(), token.end(), depth
            continue
        depth += 1 if first in b"[{" else -1
        if depth <= 0:
            return token.end(), token.end(), 0
    return None, len(buf), depth


def _document_format(doc: Any) -> str:
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


def _records(records: list[Any], first: int = 0) -> Iterator[Unit]:
    for index, value in enumerate(records, first):
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


def nonblank_lines(
    stream: IO[bytes], max_size: int = MAX_DOCUMENT_SIZE, first: int = 1
) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a line format, stripped, with their numbers (``first`` for
    the stream's first line).  A line over ``max_size`` bytes ends the reading with a
    :class:`FormatError` naming it: it is never held whole (``/dev/zero`` has no lines)."""
    for lineno in itertools.count(first):
        line = stream.readline(max_size + 1)
        if not line:
            return
        if len(line) > max_size:
            raise _over(f"line {lineno}", max_size)
        stripped = line.strip()
        if stripped:
            yield lineno, stripped


def _ndjson(
    stream: IO[bytes], max_size: int = MAX_DOCUMENT_SIZE, first: int = 1, start: int = 0
) -> Iterator[Unit]:
    for index, (lineno, line) in enumerate(nonblank_lines(stream, max_size, first), start):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Unit(index, None, None, f"line {lineno}: {describe_json_error(exc)}")
            continue
        yield _record_unit(index, value, f"line {lineno}")


def _cwl_export(stream: IO[bytes], max_size: int = MAX_DOCUMENT_SIZE) -> Iterator[Unit]:
    for index, (lineno, line) in enumerate(nonblank_lines(stream, max_size)):
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
