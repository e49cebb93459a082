"""What every input format shares: the event (:class:`Unit`), the two ways a file stops
(:class:`FormatError`, :class:`SkipFile`), the size limits, and :class:`InputFormat`, the
object a format module defines and :mod:`engine.replay.formats.registry` lists.

An :class:`InputFormat` says how its files are recognised (from their first bytes:
:meth:`~InputFormat.sniff`; from a decoded JSON document: :meth:`~InputFormat.claims`) and how
their events are read (line by line from a stream: :meth:`~InputFormat.read`; from one decoded
document: :meth:`~InputFormat.units`), and may hand its content to a caller's fast scan
(:meth:`~InputFormat.fast_document`, :meth:`~InputFormat.fast_lines`).  The methods of the
base class recognise nothing and read nothing, so a format states only what it does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import IO, Any, Protocol

import msgspec
import orjson

from engine.replay.sources import SkipReason

#: The largest JSON document, or line of a line format, that is held whole: anything larger
#: is a named error (``--max-document-size``).  A ``{"Records": [...]}`` document or a JSON
#: array is never held whole above :data:`STREAM_ABOVE`: it is read record by record, so
#: this cap binds only what cannot stream (a CLI output, a single huge record or line).
MAX_DOCUMENT_SIZE = 64 * 1024 * 1024
#: A document larger than this is streamed record by record when it can be.  (Read at each
#: use as ``base.STREAM_ABOVE``, so a test may lower it.)
STREAM_ABOVE = 32 * 1024 * 1024

_FIRST_KEY = re.compile(rb'^\{\s*"([^"\\]{1,64})"\s*:')


class FormatError(Exception):
    """The file as a whole cannot be read as the format it claims or was forced to."""


class SkipFile(Exception):
    """The file is recognised and deliberately not read, for ``reason``."""

    def __init__(self, reason: SkipReason) -> None:
        super().__init__(reason)
        self.reason = reason


class Unit(msgspec.Struct, frozen=True):
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


class FastScanner(Protocol):
    """A caller's fast matching, offered a format's content before the format reads it
    (``engine.replay.scan`` supplies one).  Each method returns True when it has consumed
    the content (then the format reads nothing), False to let the format read it."""

    def records_document(self, data: bytes) -> bool:
        """A CloudTrail ``{"Records": [...]}`` document's bytes."""
        ...

    def export_lines(self, stream: IO[bytes]) -> bool:
        """A CloudWatch Logs export's lines (``<timestamp> <message>``)."""
        ...


class Head:
    """A source's first bytes as the formats look at them: ``text`` (blanks and byte-order
    mark stripped; not empty) and the first key of the JSON object it may open, found once
    for all the formats that ask."""

    __slots__ = ("_first_key", "text")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._first_key: bytes | bool | None = False  # False: not looked for yet

    @property
    def first_key(self) -> bytes | None:
        """:func:`first_key` of :attr:`text`."""
        if self._first_key is False:
            self._first_key = first_key(self.text)
        return self._first_key  # type: ignore[return-value]


class InputFormat:
    """One input format.  A format module defines a subclass instance named ``FORMAT`` and
    registers it in :mod:`engine.replay.formats.registry`.

    ``lines``: read line by line from a stream (:meth:`read`) rather than decoded as one JSON
    document (:meth:`units`).  ``skip_reason``: recognised only to be skipped, for that reason
    (digests): its :meth:`claims` is tried before any other format's on every decoded document,
    even under a forced format.  ``streams_records``: a large document of this format is a
    list of records that may be read record by record."""

    name: str = ""
    lines: bool = False
    skip_reason: SkipReason | None = None
    streams_records: bool = False

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None

    def sniff(self, head: Head) -> bool:
        """Whether a source's first bytes are this format's.  Formats are asked in
        registration order."""
        return False

    def claims(self, doc: Any) -> bool:
        """Whether a decoded JSON document whose format the head left open is this format's."""
        return False

    def check_forced(self, head: Head) -> None:
        """Raise :class:`FormatError` when a source forced to this format plainly is not,
        rather than read it as nothing."""

    def read(self, stream: IO[bytes], max_size: int) -> Iterator[Unit]:
        """The events of a line format's stream."""
        raise FormatError(f"{self.name} is not read line by line")  # pragma: no cover

    def units(self, doc: Any) -> Iterator[Unit]:
        """The events of one decoded document of this format."""
        raise FormatError(f"{self.name} is not a JSON document")  # pragma: no cover

    def fast_document(self, data: bytes, scanner: FastScanner) -> bool:
        """Offer a whole document's bytes to ``scanner``; True when it consumed them."""
        return False

    def fast_lines(self, stream: IO[bytes], scanner: FastScanner) -> bool:
        """Offer a line format's stream to ``scanner``; True when it consumed it."""
        return False

    def __repr__(self) -> str:
        return f"<input format {self.name}>"


def first_key(text: bytes) -> bytes | None:
    """The first key of a JSON object's text, when it is short and plain (no escapes)."""
    key = _FIRST_KEY.match(text)
    return key.group(1) if key else None


def kind(value: Any) -> str:
    """A JSON value's kind, for messages ("an object", "a string", ...)."""
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


_kind = kind  # the name engine.replay.fastpath imports


def describe_json_error(exc: orjson.JSONDecodeError) -> str:
    msg = str(exc)
    if "UTF-8" in msg or "surrogate" in msg:
        return f"not valid UTF-8 ({msg})"
    if "unexpected end" in msg.lower() or "eof" in msg.lower():
        return f"truncated JSON ({msg})"
    return f"invalid JSON ({msg})"


def over(what: str, limit: int) -> FormatError:
    return FormatError(
        f"{what} is over the maximum document size ({limit:,} bytes; --max-document-size):"
        " the rest of the input is not read"
    )


def record_unit(index: int, value: Any, where: str | None = None) -> Unit:
    if isinstance(value, dict):
        return Unit(index, value)
    return Unit(index, None, None, f"{where or f'record {index}'} is {kind(value)}, not an object")


def records(values: list[Any], first: int = 0) -> Iterator[Unit]:
    """The events of a list of records (a CloudTrail file's, a console download's)."""
    for index, value in enumerate(values, first):
        # A console download wraps lookup-events' shape in some versions: take the record.
        if isinstance(value, dict) and isinstance(value.get("CloudTrailEvent"), str):
            yield decode_string(index, value["CloudTrailEvent"], f"record {index}")
        else:
            yield record_unit(index, value)


def decode_string(index: int, text: str, where: str) -> Unit:
    """A record given as JSON text (lookup-events' ``CloudTrailEvent``): must be an object."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Unit(index, None, None, f"{where}: {describe_json_error(exc)}")
    return record_unit(index, value, where)


def message_unit(index: int, text: str, time: str | None) -> Unit:
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
            raise over(f"line {lineno}", max_size)
        stripped = line.strip()
        if stripped:
            yield lineno, stripped
