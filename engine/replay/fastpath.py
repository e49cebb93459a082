"""The fast path for CloudTrail ``{"Records": [...]}`` documents (docs/performance.md).

Full ``orjson.loads`` of every file is where a naive replay spends its time.  Here:

1. **split**: msgspec decodes the document as ``{"Records": [Raw, ...]}``: every record
   becomes a zero-copy byte slice, and the whole document is still validated as JSON
   (truncation, trailing garbage, a ``Records`` that is not a list all raise);
2. **prefilter**: each pattern's analysis gives literal needles every matching event must
   contain (``engine.pattern.analysis``); a slice that lacks them is not decoded at all;
3. **decode** only the candidates with orjson and run the compiled matchers on them.

Soundness of step 2: a needle is searched in the raw slice, while the pattern sees the decoded
record (JSON patterns) or its compact re-serialization (text patterns).  The two can differ
only through JSON escapes (``\\uXXXX`` or ``\\/`` can spell any character) and, for text
patterns, through blanks between tokens.  So a slice containing ``\\u`` or ``\\/`` is always a
candidate, and a text pattern is prefiltered only when none of its needles contains a JSON
structural character, a quote or a backslash (such a needle lies inside one token, written
identically in both texts).  ``tests/replay/test_fastpath.py`` checks prefilter rejects ⇒
matcher rejects with hypothesis.

Anything the fast path does not handle (not a ``Records`` document, a decode error) returns
``False`` and the caller takes the general path, which reports the problem precisely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern
    from engine.replay.scan import FileResult, Match, ScanOptions

_STRUCTURAL = frozenset('{}[]:,"\\')


class _Document(msgspec.Struct):
    Records: list[msgspec.Raw]


class _Object(msgspec.Struct):
    """Any JSON object, its content skipped (validated, not built)."""


class _Shape(msgspec.Struct):
    Records: list[_Object]


_decoder = msgspec.json.Decoder(_Document)
_shape_decoder = msgspec.json.Decoder(_Shape)


@lru_cache(maxsize=64)
def _typed_decoder(keys: tuple[str, ...]) -> Any:
    """A decoder of ``{"Records": [...]}`` that builds only the top-level ``keys`` of each
    record (everything else is validated and skipped): typed decoding, several times
    faster than building whole records."""
    names = [f"f{i}" for i in range(len(keys))]
    record = msgspec.defstruct(
        "Record",
        [(n, Any, msgspec.UNSET) for n in names],
        rename=dict(zip(names, keys, strict=True)),
    )
    document = msgspec.defstruct("Document", [("Records", list[record])])  # type: ignore[valid-type]
    return msgspec.json.Decoder(document)


def top_level_keys(compiled: Sequence[CompiledPattern]) -> tuple[str, ...] | None:
    """The record keys a set of JSON patterns can read, or None if it is not such a set
    (a text pattern, or a selector starting with ``.*``, needs the whole record)."""
    from engine.pattern import ast

    keys: dict[str, None] = {}
    for p in compiled:
        if p.kind != "json":
            return None
        for node in ast.walk(p.ast):
            if isinstance(node, ast.Selector):
                first = node.steps[0]
                if not isinstance(first, ast.Key):
                    return None
                keys[first.name] = None
    return tuple(keys)


_ASCII = bytes(range(128))


def _valid_utf8(data: bytes) -> bool:
    """UTF-8 validity of a document, cheaply.

    Multi-byte UTF-8 sequences are made of bytes >= 0x80 only, and ASCII bytes never occur
    inside one: deleting the ASCII bytes (one C pass) leaves the multi-byte sequences back
    to back, valid exactly when each of them is.  (Two invalid fragments separated by ASCII
    could join into a valid sequence; such a record is still validated when decoded.)"""
    try:
        data.translate(None, _ASCII).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


Needles = tuple[tuple[bytes, ...], ...] | None  # None: no prefilter, every record is a candidate


def pattern_needles(compiled: CompiledPattern) -> Needles:
    """Byte needles usable on raw record slices for one pattern, or None."""
    analysis = compiled.analysis
    if not analysis.needles:
        return None
    if analysis.needle_space == "message":
        if any(_STRUCTURAL & set(n) for clause in analysis.needles for n in clause):
            return None
    elif analysis.needle_space != "json":
        return None
    return tuple(tuple(n.encode() for n in sorted(clause)) for clause in analysis.needles)


def _cheap(needles: Needles) -> Needles:
    """The clauses worth testing on a whole document: a clause of many alternatives costs
    one full scan per alternative that is absent.  (Testing fewer clauses is always sound.)"""
    if needles is None:
        return None
    few = tuple(c for c in needles if len(c) <= 3)
    return tuple(sorted(few, key=len)[:2]) or None


def could_match(raw: bytes, needles: Needles, escapes: bool = True) -> bool:
    """False only when no event written as ``raw`` can match (see module docstring).

    ``escapes=False`` promises that no escape in ``raw`` can spell a needle character
    (established once per document by :func:`escapes_can_hide`)."""
    if needles is None:
        return True
    for clause in needles:
        for needle in clause:
            if needle in raw:
                break
        else:
            # One-byte search first: memchr is far faster than a two-byte search.
            return escapes and b"\\" in raw and (b"\\u" in raw or b"\\/" in raw)
    return True


_UNICODE_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")


@lru_cache(maxsize=256)
def needle_chars(needles: tuple[Needles, ...]) -> frozenset[str]:
    """Every character of every needle (escapes that spell none of them are harmless)."""
    return frozenset(
        c for n in needles if n for clause in n for needle in clause for c in needle.decode()
    )


def escapes_can_hide(data: bytes, chars: frozenset[str]) -> bool:
    """Could a JSON escape somewhere in ``data`` spell a character of some needle?

    ``\\/`` spells ``/``; ``\\uXXXX`` spells one BMP character (two of them, a surrogate
    pair, anything beyond).  Checking the characters actually escaped in a document lets
    the per-record test skip the escape fallback for typical CloudTrail files, whose
    escapes (non-ASCII text, ``\\u003d`` in policies) never spell a needle's letters."""
    if not chars:
        return False
    if b"\\/" in data and "/" in chars:
        return True
    if b"\\u" not in data:
        return False
    astral = max(chars) > "\uffff"
    for code in set(_UNICODE_ESCAPE.findall(data)):
        value = int(code, 16)
        if chr(value) in chars or (astral and 0xD800 <= value <= 0xDFFF):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the fast path derives from a set of patterns, once per process."""

    needles: tuple[Needles, ...]
    cheap: tuple[Needles, ...]
    chars: frozenset[str]
    keys: tuple[str, ...] | None
    json_idx: tuple[int, ...]
    text_idx: tuple[int, ...]
    #: Matchers reading the typed records' attributes directly (None: use dicts).
    on_fields: tuple[Callable[[Any], bool], ...] | None


@lru_cache(maxsize=64)
def _plan(texts: tuple[str, ...]) -> _Plan:
    import engine
    from engine.pattern import ast
    from engine.pattern.compiler import compile_json_fields

    compiled = [engine.compile(t) for t in texts]
    needles = tuple(pattern_needles(p) for p in compiled)
    keys = top_level_keys(compiled)
    on_fields: tuple[Callable[[Any], bool], ...] | None = None
    if keys is not None:
        fields = {k: f"f{i}" for i, k in enumerate(keys)}
        made = [
            compile_json_fields(p.ast.expr, fields, msgspec.UNSET)
            for p in compiled
            if isinstance(p.ast, ast.JsonPattern)
        ]
        if all(m is not None for m in made):
            on_fields = tuple(m for m in made if m is not None)
    return _Plan(
        needles=needles,
        cheap=tuple(_cheap(n) for n in needles),
        chars=needle_chars(needles),
        keys=keys,
        on_fields=on_fields,
        json_idx=tuple(i for i, p in enumerate(compiled) if p.kind == "json"),
        text_idx=tuple(i for i, p in enumerate(compiled) if p.kind != "json"),
    )


def match_document(
    data: bytes,
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
) -> bool:
    """Scan one ``{"Records": [...]}`` document into ``result``; False if not handled."""
    if not data.isascii() and not _valid_utf8(data):
        return False  # the general path names the offending byte
    plan = _plan(tuple(p.text for p in compiled))
    needles = plan.needles
    # Patterns that might match somewhere in the document; the others are never tried.
    # The escape analysis is needed only when a needle is absent.
    window = options.window
    limit = options.oversize_bytes
    if plan.keys is not None:
        # Typed decoding: the only question here is whether any pattern can match at all.
        # When a needle is absent but the document holds escapes, decoding is cheaper
        # than proving the escapes harmless.
        candidates = [0] if any(could_match(data, n, False) for n in plan.cheap) else []
        if not candidates and b"\\" in data and (b"\\u" in data or b"\\/" in data):
            candidates = [0]
    else:
        candidates = [i for i, n in enumerate(plan.cheap) if could_match(data, n, False)]
        if len(candidates) < len(needles) and escapes_can_hide(data, plan.chars):
            candidates = list(range(len(needles)))
    if not candidates and window is None and len(data) <= limit:
        # Nothing can match and no record can be oversized: only count the records,
        # validating that each is an object, without building any of them.
        try:
            result.records += len(_shape_decoder.decode(data).Records)
            return True
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass  # a precise report comes from the slower paths below
    keys = plan.keys
    if keys is not None:
        if window is not None and "eventTime" not in keys:
            keys = (*keys, "eventTime")
        try:
            typed = _typed_decoder(keys).decode(data).Records
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass  # a precise report comes from the slower paths below
        else:
            _match_typed(data, typed, keys, compiled, options, result, plan.on_fields)
            return True
    try:
        slices = _decoder.decode(data).Records
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    from engine.replay.formats import Unit
    from engine.replay.formats import _kind as describe_kind
    from engine.replay.scan import Match, event_time

    # Per record, an escape may hide a needle even where the document shows it elsewhere.
    escapes = escapes_can_hide(data, plan.chars)
    match_all = [i for i in candidates if compiled[i].kind == "all"]
    always = [i for i in candidates if needles[i] is None and i not in match_all]
    filtered = [(i, needles[i]) for i in candidates if needles[i] is not None]
    json_idx = [i for i in plan.json_idx if i in candidates]
    text_idx = [i for i in plan.text_idx if i in candidates and i not in match_all]
    for index, piece in enumerate(slices):
        raw = memoryview(piece).tobytes()
        if raw[0] != 123:  # b"{"
            result.problem(f"record {index} is {describe_kind(orjson.loads(raw))}, not an object")
            continue
        result.records += 1
        if window is None:
            # Size as CloudWatch Logs would hold it: the compact text (the raw slice of a
            # CloudTrail file is compact; re-serialise only when it looks too big).
            oversized = len(raw) > limit and len(orjson.dumps(orjson.loads(raw))) > limit
            if oversized:
                result.oversized += 1
            todo = always + [i for i, n in filtered if could_match(raw, n, escapes)]
            if not todo:
                if match_all:  # every record matches: no need to decode it
                    _add(result, Match(index, _line(raw), tuple(match_all), oversized))
                continue
            record = orjson.loads(raw)
        else:
            record = orjson.loads(raw)
            if not window.contains(event_time(Unit(index, record))):
                result.outside_window += 1
                continue
            oversized = len(raw) > limit and len(orjson.dumps(record)) > limit
            if oversized:
                result.oversized += 1
            todo = list(range(len(compiled)))
        hits = [i for i in json_idx if i in todo and compiled[i].matches_record(record)]
        texts = [i for i in text_idx if i in todo]
        if texts:
            message = orjson.dumps(record).decode()
            hits.extend(i for i in texts if compiled[i].matches(message))
        hits.extend(match_all)
        if hits:
            hits.sort()
            _add(result, Match(index, _line(raw), tuple(hits), oversized))
    return True


def _line(raw: bytes) -> bytes:
    """A record written out unchanged: the file's own bytes when they are one line (JSON
    strings cannot hold a raw newline, so a newline is layout), else its compact JSON."""
    if b"\n" in raw or b"\r" in raw:
        return orjson.dumps(orjson.loads(raw))
    return raw


def _add(result: FileResult, match: Match) -> None:
    for i in match.patterns:
        result.matches_per_pattern[i] += 1
    result.matched_records += 1
    result.matches.append(match)


def _match_typed(
    data: bytes,
    typed: list[Any],
    keys: tuple[str, ...],
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
    on_fields: tuple[Callable[[Any], bool], ...] | None = None,
) -> None:
    """Match JSON patterns on records holding only the keys they read.

    A JSON pattern's selectors start at these keys, so a record cut down to them gives
    exactly the verdict of the whole record.  Whole records are decoded only for the
    matches; record sizes are looked at only in a document big enough to hold one over
    the limit."""
    from engine.replay.formats import Unit
    from engine.replay.scan import Match, event_time

    names = [f"f{i}" for i in range(len(keys))]
    pairs = list(zip(names, keys, strict=True))
    unset = msgspec.UNSET
    window = options.window
    matchers = [(i, p.matches_object) for i, p in enumerate(compiled)]
    single = matchers[0][1] if len(matchers) == 1 else None
    found: list[tuple[int, list[int]]] = []
    result.records += len(typed)
    limit = options.oversize_bytes
    slices: list[msgspec.Raw] | None = None
    oversized: set[int] = set()
    if len(data) > limit:
        slices = _decoder.decode(data).Records
        big = [i for i, s in enumerate(slices) if len(memoryview(s)) > limit]
        # The compact text is what CloudWatch Logs would hold: re-check those.
        oversized = {
            i for i in big if len(orjson.dumps(orjson.loads(memoryview(slices[i])))) > limit
        }
        result.oversized += len(oversized)
    if window is None and on_fields is not None:
        # Matchers generated for the typed records themselves: one call a record.
        if len(on_fields) == 1:
            (m,) = on_fields
            found = [(index, [0]) for index, rec in enumerate(typed) if m(rec)]
        else:
            for index, rec in enumerate(typed):
                hits = [i for i, m in enumerate(on_fields) if m(rec)]
                if hits:
                    found.append((index, hits))
        typed = []  # done: skip the dict loop below
    for index, rec in enumerate(typed):
        record = {key: v for name, key in pairs if (v := getattr(rec, name)) is not unset}
        if window is not None and not window.contains(event_time(Unit(index, record))):
            result.outside_window += 1
            if index in oversized:
                result.oversized -= 1
            continue
        if single is not None:
            if single(record):
                found.append((index, [0]))
            continue
        hits = [i for i, m in matchers if m(record)]
        if hits:
            found.append((index, hits))
    if not found:
        return
    if slices is None:
        slices = _decoder.decode(data).Records
    for index, hits in found:
        raw = memoryview(slices[index]).tobytes()
        _add(result, Match(index, _line(raw), tuple(hits), index in oversized))
