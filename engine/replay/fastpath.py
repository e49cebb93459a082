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

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
import orjson

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern
    from engine.replay.scan import FileResult, ScanOptions

_STRUCTURAL = frozenset('{}[]:,"\\')
_ESCAPES = (b"\\u", b"\\/")


class _Document(msgspec.Struct):
    Records: list[msgspec.Raw]


_decoder = msgspec.json.Decoder(_Document)

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


def could_match(raw: bytes, needles: Needles) -> bool:
    """False only when no event written as ``raw`` can match (see module docstring)."""
    if needles is None:
        return True
    for clause in needles:
        for needle in clause:
            if needle in raw:
                break
        else:
            return any(e in raw for e in _ESCAPES)
    return True


def match_document(
    data: bytes,
    compiled: Sequence[CompiledPattern],
    options: ScanOptions,
    result: FileResult,
) -> bool:
    """Scan one ``{"Records": [...]}`` document into ``result``; False if not handled."""
    try:
        slices = _decoder.decode(data).Records
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False  # the general path names the offending byte
    from engine.replay.scan import Match

    needles = [pattern_needles(p) for p in compiled]
    # When the document holds no escape at all, no slice does: skip that check per record.
    escapes_possible = any(e in data for e in _ESCAPES)
    json_idx = [i for i, p in enumerate(compiled) if p.kind == "json"]
    text_idx = [i for i, p in enumerate(compiled) if p.kind != "json"]
    window = options.window
    limit = options.oversize_bytes
    per_pattern = result.matches_per_pattern
    doc_candidates = [
        i for i, n in enumerate(needles) if n is None or escapes_possible or could_match(data, n)
    ]
    for index, piece in enumerate(slices):
        raw = bytes(piece)
        if raw[:1] != b"{":
            result.problem(f"record {index} is not a JSON object")
            continue
        result.records += 1
        oversized = len(raw) > limit
        if oversized:
            result.oversized += 1
        if window is None:
            todo = [i for i in doc_candidates if could_match(raw, needles[i])]
            if not todo:
                continue
        else:
            todo = list(range(len(compiled)))
        record = orjson.loads(raw)
        if window is not None and not window.contains_record(record):
            result.outside_window += 1
            if oversized:
                result.oversized -= 1
            continue
        hits = [i for i in json_idx if i in todo and compiled[i].matches_record(record)]
        texts = [i for i in text_idx if i in todo]
        if texts:
            message = orjson.dumps(record).decode()
            hits.extend(i for i in texts if compiled[i].matches(message))
        if hits:
            hits.sort()
            for i in hits:
                per_pattern[i] += 1
            # Records are written out unchanged: the file's own bytes, when they are one line.
            out = raw if b"\n" not in raw and b"\r" not in raw else orjson.dumps(record)
            result.matches.append(Match(index, out, tuple(hits), oversized))
    return True
