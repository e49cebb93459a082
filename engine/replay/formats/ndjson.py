"""``ndjson``: JSON Lines, one record per line.  Recognised when the first line is a record
on its own (or, that line being bad, whatever it holds, most complete lines after it are); a
single pretty-printed record decoded as a document is read as this format too."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import IO, Any

import orjson

from engine.replay.formats import registry
from engine.replay.formats.base import (
    MAX_DOCUMENT_SIZE,
    FormatError,
    Head,
    InputFormat,
    Unit,
    describe_json_error,
    nonblank_lines,
    record_unit,
)


class JsonLines(InputFormat):
    name = "ndjson"
    lines = True

    def sniff(self, head: Head) -> bool:
        return _looks_like_json_lines(head.text)

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, dict)  # a single pretty-printed record

    def check_forced(self, head: Head) -> None:
        if head.first_key == b"Records":
            # A {"Records": [...]} document read as one record would match nothing and look
            # like a clean archive: refuse it instead.
            raise FormatError(
                'a CloudTrail log file ({"Records": [...]}), not JSON Lines: '
                "use --input-format cloudtrail or auto"
            )

    def read(self, stream: IO[bytes], max_size: int) -> Iterator[Unit]:
        return read_lines(stream, max_size)

    def units(self, doc: Any) -> Iterator[Unit]:
        return iter([record_unit(0, doc)])


def read_lines(
    stream: IO[bytes], max_size: int = MAX_DOCUMENT_SIZE, first: int = 1, start: int = 0
) -> Iterator[Unit]:
    """The records of JSON Lines, numbered from ``start``; ``first`` is the stream's first
    line number."""
    for index, (lineno, line) in enumerate(nonblank_lines(stream, max_size, first), start):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Unit(index, None, None, f"line {lineno}: {describe_json_error(exc)}")
            continue
        yield record_unit(index, value, f"line {lineno}")


def is_container(value: Any) -> bool:
    """Whether a decoded value is a document another format claims (a ``{"Records": ...}``,
    ``{"Events": ...}``, ``{"events": ...}`` or digest object), not a record."""
    return isinstance(value, dict) and any(f.claims(value) for f in _containers())


@functools.cache
def _containers() -> tuple[InputFormat, ...]:
    return tuple(f for f in registry.document_order() if f is not FORMAT)


def _is_record_line(line: bytes) -> bool:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and not is_container(value)


def _looks_like_json_lines(text: bytes) -> bool:
    """Whether a head is JSON Lines rather than one document (or anything else).

    Its first line is a record on its own; or, when that line is bad (cut, invalid, not JSON
    at all), it is not a lone ``{`` or ``[`` (a pretty-printed document's) and the complete
    lines after it are records more often than not: a bad first line is then one bad event,
    not a lost file."""
    lines = text.split(b"\n")[:-1]  # complete lines only: the head may cut the last one
    if not lines:
        return False
    first = lines[0].strip()
    if _is_record_line(first):
        return True
    if first in (b"{", b"["):
        return False
    rest = [stripped for line in lines[1:] if (stripped := line.strip())]
    good = sum(map(_is_record_line, rest))
    return good > 0 and 2 * good >= len(rest)


FORMAT = JsonLines()
