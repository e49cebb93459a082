"""Streaming JSON: the values of a byte stream one after another (:class:`Values`), and the
elements of a large ``{"Records": [...]}`` document or JSON array a batch at a time
(:class:`Array`), in bounded memory and linear time whatever the input.

A value is held whole up to the reader's ``max_size``; a list of records longer than
``base.STREAM_ABOVE`` is never held whole.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO

import msgspec

from engine.replay.formats import base
from engine.replay.formats.base import FormatError, over
from engine.replay.formats.opening import _BUFFER, _Prefixed

_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


def split_array(batch: bytes) -> list[bytes]:
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


class Values:
    """The JSON values of a stream, one after another, in bounded memory.

    A value ends where the text can split (``_VALUE_END``, confirmed by a validating skip,
    so a bracket inside a string is never taken for a boundary) or at the end of the
    stream.  A value is held whole up to ``max_size``; a ``{"Records": [...]}`` document or
    an array not ended within ``base.STREAM_ABOVE`` is handed out as an :class:`Array`
    that yields its elements one by one.  ``line`` is the 1-based line the reader is on."""

    def __init__(self, stream: IO[bytes], max_size: int) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._pos = 0
        self._eof = False
        self.max_size = max_size
        self.stream_above = min(base.STREAM_ABOVE, max_size)
        self.line = 1
        self._open: Array | None = None

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

    def next_value(self) -> bytes | Array | None:
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
                self._open = Array(self)
                return self._open
            if size > self.max_size:
                raise over("a JSON document", self.max_size)
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


class Array:
    """The elements of a large ``{"Records": [...]}`` document or JSON array, read from a
    :class:`Values` a batch at a time: each batch is the text of a JSON array holding
    whole elements (about :data:`_BATCH` bytes of them, one when they are not objects or
    when a stretch does not parse), so a record costs no Python step to find."""

    def __init__(self, values: Values) -> None:
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
                raise over("a record", v.max_size)
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
