"""Reading a source: detect its format (or take the forced one) through the registry, and
stream its events (:func:`read_units`).  Nothing here names a format: every decision is a
registered format's (``sniff``, ``claims``, ``read``, ``units``, its fast scan), so the
readers below work for any format registered in :mod:`engine.replay.formats.registry`.

A whole-document format is decoded at once with orjson (CloudTrail files are a few MB); line
formats stream line by line; a large list of records, or several documents one after another,
streams value by value (:mod:`engine.replay.formats.jsonstream`).  Problems inside a file
become :class:`Unit` s with ``problem`` set (a record that is not an object) or a
:class:`FormatError` (the file as a whole is unreadable); I/O and decompression errors
propagate and are described by :func:`~engine.replay.formats.opening.describe_error`.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import IO, Any

import msgspec
import orjson

from engine.replay.formats import registry
from engine.replay.formats.base import (
    MAX_DOCUMENT_SIZE,
    FastScanner,
    FormatError,
    Head,
    InputFormat,
    SkipFile,
    Unit,
    describe_json_error,
    kind,
    records,
)
from engine.replay.formats.jsonstream import Array, Values, split_array
from engine.replay.formats.ndjson import FORMAT as JSON_LINES
from engine.replay.formats.ndjson import is_container
from engine.replay.formats.ndjson import read_lines as json_lines
from engine.replay.formats.opening import _BUFFER, HEAD_SIZE, Opened, _Prefixed, describe_error
from engine.replay.sources import WRITE_TEST, SkipReason, skip_reason_for_name

_BLANKS = b"\xef\xbb\xbf \t\r\n"


class _Undecided(InputFormat):
    """A JSON document whose head no format recognised: its format is decided once it is
    decoded (:func:`document_format`)."""

    name = "json"
    streams_records = True


JSON = _Undecided()


def detect_format(head: bytes, path: str) -> InputFormat:
    """The format of a source from its first decompressed bytes (and its name): a registered
    format, or :data:`JSON` (a JSON document, decided once decoded).

    Raises :class:`SkipFile` for a file skipped by its name (the export write-test object),
    :class:`FormatError` when nothing fits.  A skipped format (a digest) is returned: the
    caller skips it."""
    reason = skip_reason_for_name(path)
    if reason is not None:
        raise SkipFile(reason)
    text = head.lstrip(_BLANKS)
    if not text:
        raise FormatError("empty file")
    looked = Head(text)
    for fmt in registry.formats():
        if fmt.sniff(looked):
            return fmt
    if text[:1] == b"{":
        return JSON
    shown = text[:20].decode("utf-8", "replace")
    raise FormatError(f"not a recognised CloudTrail format (starts with {shown!r})")


def detect(head: bytes, path: str) -> str:
    """The name of :func:`detect_format`'s format (``json``: decided once decoded)."""
    return detect_format(head, path).name


def forced_format(name: str | InputFormat) -> InputFormat:
    """A format ``--input-format`` may force, by name (FormatError for any other)."""
    fmt = name if isinstance(name, InputFormat) else registry.get(name)
    if fmt is None or fmt.name not in registry.FORMATS:
        raise FormatError(f"unknown input format {getattr(name, 'name', name)!r}")
    return fmt


def document_format(doc: Any) -> InputFormat:
    """The format of a decoded document: the first format that claims it, skipped formats
    first."""
    for fmt in registry.document_order():
        if fmt.claims(doc):
            return fmt
    raise FormatError(f"not a recognised CloudTrail format (a JSON document that is {kind(doc)})")


def document_units(fmt: InputFormat, doc: Any) -> Iterator[Unit]:
    """The events of a decoded document read as ``fmt``; SkipFile when a skipped format
    claims it (also under a forced ``--input-format``)."""
    if fmt.skip_reason is not None:
        raise SkipFile(fmt.skip_reason)
    for skipped in registry.skipped():
        if skipped.skip_reason is not None and skipped.claims(doc):
            raise SkipFile(skipped.skip_reason)
    return fmt.units(doc)


def read_units(
    opened: Opened,
    forced: str | InputFormat | None = None,
    scanner: FastScanner | None = None,
    max_size: int = MAX_DOCUMENT_SIZE,
) -> tuple[str, Iterator[Unit]]:
    """Detect (or take ``forced``) the format of an open source and return its name with an
    iterator over its events.  Raises :class:`SkipFile`, :class:`FormatError` or a read error.

    ``scanner``, when given, is offered the content first through the format's fast scan
    (``fast_document``: a whole document's bytes; ``fast_lines``: a line format's stream); when
    it consumes it, no units are left.  Otherwise the format reads it as usual.

    Memory is bounded whatever the input: ``max_size`` caps what is held whole (a document
    that cannot stream, a line); a large list of records streams record by record; a stream of
    several documents (``zcat *.json.gz``, concatenated gzip members) is read one document at
    a time."""
    whole = opened.data
    head = opened.stream.read(HEAD_SIZE) if whole is None else whole[:HEAD_SIZE]
    if forced is None:
        fmt = detect_format(head, opened.path)
    else:
        fmt = forced_format(forced)
        if not head.strip():
            raise FormatError("empty file")
        if opened.path.rsplit("/", 1)[-1] == WRITE_TEST:
            raise SkipFile(SkipReason.WRITE_TEST)
        fmt.check_forced(Head(head.lstrip(_BLANKS)))
    if fmt.skip_reason is not None:
        raise SkipFile(fmt.skip_reason)
    if whole is not None:
        # Read whole already: hand it over without copying it through a buffered reader.
        if scanner is not None and not fmt.lines and fmt.fast_document(whole, scanner):
            return fmt.name, iter(())
        stream: IO[bytes] = io.BytesIO(whole)
    else:
        stream = io.BufferedReader(_Prefixed(head, opened.stream), _BUFFER)
    if fmt.lines:
        if scanner is not None and fmt.fast_lines(stream, scanner):
            return fmt.name, iter(())
        return fmt.name, fmt.read(stream, max_size)
    if whole is not None and len(whole) <= max_size:
        try:
            doc = orjson.loads(whole)
        except orjson.JSONDecodeError:
            pass  # several values, or a bad one: read value by value, which names each
        else:
            if fmt is JSON:
                fmt = document_format(doc)
            return fmt.name, document_units(fmt, doc)
    # Several documents, or one over the cap (read whole, but held as objects only if it
    # streams), or anything read as a stream.
    return _json_values_units(Values(stream, max_size), fmt, scanner if whole is None else None)


def _json_values_units(
    values: Values, fmt: InputFormat, scanner: FastScanner | None
) -> tuple[str, Iterator[Unit]]:
    """The events of a stream of JSON text read value by value: one document (the usual
    case: offered to the format's fast scan), JSON Lines whose first line was too long or
    too bad to detect them by, or several documents one after another."""
    first = values.next_value()
    if first is None:
        raise FormatError("empty file")
    several = isinstance(first, bytes) and values.more()
    if isinstance(first, bytes) and not several:
        if scanner is not None and fmt.fast_document(first, scanner):
            return fmt.name, iter(())
        doc = orjson.loads(first)  # a broken document: the error names the file's problem
        if fmt is JSON:
            fmt = document_format(doc)
        return fmt.name, document_units(fmt, doc)
    if isinstance(first, bytes) and fmt is JSON:
        try:
            value = orjson.loads(first)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, list) and not is_container(value):
            # JSON Lines whose first line is long (beyond the look-ahead) or bad.
            return JSON_LINES.name, _json_lines_after(first, values)
    if fmt is JSON:
        # A list of records streamed: a {"Records": [...]} document's, unless the first
        # document says otherwise.
        fmt = _streamed_format()
        if isinstance(first, bytes):
            with contextlib.suppress(orjson.JSONDecodeError, FormatError):
                fmt = document_format(orjson.loads(first))
    return fmt.name, _documents(first, values, fmt, several)


def _streamed_format() -> InputFormat:
    """The format of a list of records streamed without a decoded head: the first registered
    format whose documents stream records (CloudTrail's)."""
    return next(f for f in registry.formats() if f.streams_records)


def _json_lines_after(first: bytes, values: Values) -> Iterator[Unit]:
    """JSON Lines: the first value, already split off, then line by line."""
    yield next(json_lines(io.BytesIO(first), values.max_size))
    yield from json_lines(values.rest(), values.max_size, values.line, 1)


def _documents(
    first: bytes | Array, values: Values, fmt: InputFormat, several: bool
) -> Iterator[Unit]:
    """Documents one after another (``zcat *.json.gz | trailreplay scan -``): each decoded
    (or streamed) alone, its events numbered on from the previous document's, its problems
    named by document when there are several.  A skipped document (a digest) among them is
    skipped."""
    base = 0
    number = 0
    item: bytes | Array | None = first
    while item is not None:
        number += 1
        where = f"document {number}: " if several or number > 1 else ""
        units: Iterator[Unit]
        if isinstance(item, bytes):
            try:
                doc = orjson.loads(item)
                this = document_format(doc) if fmt is JSON else fmt
                units = document_units(this, doc)
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
                unit = msgspec.structs.replace(unit, index=base + unit.index, problem=problem)
            yield unit
        base += count
        item = values.next_value()


def _array_units(array: Array, fmt: InputFormat) -> Iterator[Unit]:
    """The records of a large ``{"Records": [...]}`` document or JSON array, a batch of
    whole records (about a megabyte) at a time; a batch that does not decode is taken
    record by record, so a bad record is named alone."""
    if not fmt.streams_records:
        raise FormatError(f"not a {fmt.name} document: a list of records")
    index = 0
    for batch in array:
        try:
            values = orjson.loads(batch)
        except orjson.JSONDecodeError:
            values = None
        if values is not None:
            yield from records(values, index)
            index += len(values)
            continue
        for raw in split_array(batch):
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Unit(index, None, None, f"record {index}: {describe_json_error(exc)}")
            else:
                yield from records([value], index)
            index += 1
