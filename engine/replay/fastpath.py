"""The fast path for CloudTrail ``{"Records": [...]}`` documents (docs/performance.md).

Full ``orjson.loads`` of every record is where a naive replay spends its time.  Here, per
document (each step validates the whole document as JSON with msgspec):

0. **nothing can match** (no pattern's needles occur, no escape could spell one: the
   usual document for a selective pattern): simdjson validates the document (structure and
   UTF-8 in one pass, twice msgspec's speed) and its records are counted from the DOM.  Any
   document simdjson rejects, or reads differently from msgspec (a byte-order mark, duplicate
   ``Records`` keys: simdjson takes the first, msgspec the last; a record that is not an
   object), goes on to the steps below, which name its problem as before;
1. **typed decoding** (JSON patterns only): each record is built with just the top-level
   keys the patterns' selectors start from, and matchers generated for those attributes run
   over the document's records in one call; whole records are split out only for matches;
2. **nothing can match** (other pattern sets, when simdjson declined the document): when
   no pattern's literal needles (``engine.pattern.analysis``) occur in the document, its
   records are only counted, as objects whose content is skipped;
3. **raw split** (otherwise, or a record that is not an object): every record becomes a
   byte slice; a slice that lacks a pattern's needles is not decoded for it, and candidates
   are decoded with orjson; match-everything patterns take every slice in bulk.

Records are sized against the limit on events only when they match (``summary.oversized``).

Soundness of the needles: they are searched in raw bytes, while the pattern sees the decoded
record (JSON patterns) or its compact re-serialization (text patterns).  The two can differ
only through JSON escapes (``\\uXXXX`` or ``\\/`` can spell any character) and, for text
patterns, through blanks between tokens and numbers (``1e2`` is re-serialized ``100.0``).  So
an escape that could spell a needle character keeps its record a candidate, and a text
pattern is prefiltered only when none of its needles contains a JSON structural character, a
quote or a backslash, nor could be part of a number's text (such a needle lies inside one
string token, written identically in both texts).  ``tests/replay/test_fastpath.py``
holds the fast path equal to the general path with hypothesis.

Anything the fast path does not handle (not a ``Records`` document, a decode error) returns
``False`` and the caller takes the general path, which reports the problem precisely.
"""

from __future__ import annotations

import operator
import re
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import ahocorasick_rs
import msgspec
import orjson
import simdjson

from engine.pattern.events import could_be_number_text

if TYPE_CHECKING:
    from engine.pattern.compiler import CompiledPattern
    from engine.replay.results import FileResult, ScanOptions

_STRUCTURAL = frozenset('{}[]:,"\\')


class _Document(msgspec.Struct):
    Records: list[msgspec.Raw]


class _Object(msgspec.Struct):
    """Any JSON object, its content skipped (validated, not built)."""


class _Shape(msgspec.Struct):
    Records: list[_Object]


_decoder = msgspec.json.Decoder(_Document)
_shape_decoder = msgspec.json.Decoder(_Shape)


#: What typed decoding builds of each record: per top-level key read, either the whole value
#: (None) or, when every selector goes on with a key step, an object holding just those
#: sub-keys (``userIdentity.type``: not the whole ``userIdentity``).
Layout = tuple[tuple[str, tuple[str, ...] | None], ...]


@lru_cache(maxsize=256)
def _sub_record(key: str, subs: tuple[str, ...]) -> type:
    """The class of a nested value holding only ``subs`` (one per key and sub-keys, so every
    layout and every compiled matcher share it)."""
    names = [f"g{i}" for i in range(len(subs))]
    return msgspec.defstruct(
        f"Sub_{len(subs)}",
        [(n, Any, msgspec.UNSET) for n in names],
        rename=dict(zip(names, subs, strict=True)),
    )


def nested_fields(layout: Layout) -> dict[str, tuple[type, dict[str, str]]]:
    """key -> (class, sub-key -> attribute) for the nested keys of ``layout`` (what
    :func:`engine.replay.typedrecords.compile_json_fields` reads them with)."""
    return {
        key: (_sub_record(key, subs), {sub: f"g{i}" for i, sub in enumerate(subs)})
        for key, subs in layout
        if subs is not None
    }


@lru_cache(maxsize=64)
def _typed_decoder(layout: Layout) -> Any:
    """A decoder of ``{"Records": [...]}`` that builds only what ``layout`` says of each
    record (everything else is validated and skipped): typed decoding, several times
    faster than building whole records.  A nested key whose value is neither an object
    nor null fails validation, and the document takes the raw split instead."""
    names = [f"f{i}" for i in range(len(layout))]
    types: list[Any] = [
        Any if subs is None else _sub_record(key, subs) | None for key, subs in layout
    ]
    record = msgspec.defstruct(
        "Record",
        [(n, t, msgspec.UNSET) for n, t in zip(names, types, strict=True)],
        rename=dict(zip(names, (k for k, _ in layout), strict=True)),
    )
    document = msgspec.defstruct("Document", [("Records", list[record])])  # type: ignore[valid-type]
    return msgspec.json.Decoder(document)


def _field_name_ok(name: str) -> bool:
    """Whether msgspec can decode a key under this name: a struct field name may hold no
    ``"``, no ``\\``, no control character and no lone surrogate (``msgspec.defstruct``
    rejects them).  A selector holding one makes typed decoding step aside, never fail."""
    return not _BAD_FIELD_CHAR.search(name)


_BAD_FIELD_CHAR = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')


def typed_layout(compiled: Sequence[CompiledPattern]) -> Layout | None:
    """What typed decoding builds for a set of JSON patterns, or None if it is not such a
    set (a text pattern, or a selector starting with ``.*``, needs the whole record; so does
    a top-level key msgspec cannot name, :func:`_field_name_ok`)."""
    from engine.pattern import ast

    selectors = []
    for p in compiled:
        if p.kind != "json":
            return None
        selectors += [n for n in ast.walk(p.ast) if isinstance(n, ast.Selector)]
    # A wildcard selector is matched on plain dicts built from the typed record: no nesting.
    nest = not any(sel.wildcards for sel in selectors)
    order: dict[str, None] = {}
    whole: set[str] = {"eventTime"}  # read whole by --since/--until
    subs: dict[str, dict[str, None]] = {}
    for sel in selectors:
        first = sel.steps[0]
        if not isinstance(first, ast.Key) or not _field_name_ok(first.name):
            return None
        order[first.name] = None
        if (
            nest
            and len(sel.steps) > 1
            and isinstance(sel.steps[1], ast.Key)
            and _field_name_ok(sel.steps[1].name)
        ):
            subs.setdefault(first.name, {})[sel.steps[1].name] = None
        else:
            whole.add(first.name)
    return tuple((k, None if k in whole or k not in subs else tuple(subs[k])) for k in order)


_UTF8_PIECE = 4096


def _valid_utf8(data: bytes) -> bool:
    """UTF-8 validity of a document, exactly and cheaply.

    Non-ASCII text is sparse in CloudTrail: the document is looked at in 4 KB pieces; a
    piece that is ASCII (``bytes.isascii``, a C word loop) is valid as it stands, and only
    the others are decoded.  A decoded piece is extended past the continuation bytes it ends
    in, so no character is cut in two; a continuation byte that starts a piece after that
    is a genuine error, which decoding the piece reports.  (3x faster than decoding the
    whole document on the benchmark's trees.)"""
    n = len(data)
    start = 0
    while start < n:
        end = start + _UTF8_PIECE
        if not data[start:end].isascii():
            while end < n and 0x80 <= data[end] < 0xC0:
                end += 1
            try:
                data[start:end].decode()
            except UnicodeDecodeError:
                return False
        start = end
    return True


Needles = tuple[tuple[bytes, ...], ...] | None  # None: no prefilter, every record is a candidate


def pattern_needles(compiled: CompiledPattern) -> Needles:
    """Byte needles usable on raw record slices for one pattern, or None."""
    analysis = compiled.analysis
    if not analysis.needles:
        return None
    if analysis.needle_space == "message":
        # A needle is found in the raw bytes only if it is written there as the compact
        # re-serialization writes it: true inside a string token, false inside a number
        # (``1e2`` is written ``100.0``), or across tokens (blanks, escapes of quotes).
        if any(
            _STRUCTURAL & set(n) or could_be_number_text(n)
            for clause in analysis.needles
            for n in clause
        ):
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
#: The hex digits of every ``\\uXXXX`` escape of an ASCII character, in either case.
_ASCII_CODES = {
    f"{n:04x}".encode().translate(case): chr(n)
    for n in range(0x80)
    for case in (bytes.maketrans(b"", b""), bytes.maketrans(b"abcdef", b"ABCDEF"))
}
_LOOPED_ESCAPES = 1024
_ASCII_ESCAPE = re.compile(rb"\\(u00[0-7][0-9a-fA-F]|/)")


@lru_cache(maxsize=256)
def needle_chars(needles: tuple[Needles, ...]) -> frozenset[str]:
    """Every character of every needle (escapes that spell none of them are harmless)."""
    return frozenset(
        c for n in needles if n for clause in n for needle in clause for c in needle.decode()
    )


@lru_cache(maxsize=256)
def _ascii(chars: frozenset[str]) -> bool:
    return max(chars) < "\x80"


def escapes_can_hide(data: bytes, chars: frozenset[str]) -> bool:
    """Could a JSON escape somewhere in ``data`` spell a character of some needle?

    ``\\/`` spells ``/``; ``\\uXXXX`` spells one BMP character (two of them, a surrogate
    pair, anything beyond).  Checking the characters actually escaped in a document lets
    the per-record test skip the escape fallback for typical CloudTrail files, whose
    escapes (non-ASCII text, ``\\u003d`` in policies) never spell a needle's letters."""
    if not chars or b"\\" not in data:
        return False
    if _ascii(chars):
        # ASCII needles (the usual case): only \u0000-\u007f and \/ can spell them.
        # Substring searches find just those (CloudTrail's backslashes are mostly \" in
        # policies), several times faster than a regex pass over every backslash; past
        # _LOOPED_ESCAPES of them, one regex pass takes the rest.  Like the regex, a
        # ``\\u0041`` is read as spelling "A": an escape is never missed.
        if "/" in chars and b"\\/" in data:
            return True
        find = data.find
        at = find(b"\\u00")
        looked = 0
        while at != -1:
            looked += 1
            if looked > _LOOPED_ESCAPES:
                return any(
                    ("/" if code == b"/" else chr(int(code[1:], 16))) in chars
                    for code in set(_ASCII_ESCAPE.findall(data, at))
                )
            spelled = _ASCII_CODES.get(bytes(data[at + 2 : at + 6]))
            if spelled is not None and spelled in chars:
                return True
            at = find(b"\\u00", at + 1)
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


#: From this many patterns with needles on, one Aho-Corasick pass over a document finds every
#: needle at once; below, each pattern's needles are searched alone: for the catalog's 15
#: controls the automaton was 1.8x slower (common needles such as ``"Root"`` occur in many
#: records, and every occurrence is reported), for 5,000 patterns 3.6x faster.
MANY_NEEDLES = 64


class _NeedleIndex(msgspec.Struct, frozen=True):
    """Every distinct cheap needle of a pattern set in one automaton, and which patterns
    each one serves."""

    automaton: Any  # ahocorasick_rs.BytesAhoCorasick
    #: needle id -> the patterns whose cheap clauses hold it.
    users: tuple[tuple[int, ...], ...]
    #: pattern -> its cheap clauses as sets of needle ids (None: no prefilter).
    clauses: tuple[tuple[frozenset[int], ...] | None, ...]
    #: The patterns without needles: candidates in every document.
    always: tuple[int, ...]


def _needle_index(cheap: tuple[Needles, ...]) -> _NeedleIndex | None:
    """The shared needle search of a large pattern set (issue 16: "many patterns share
    compilation and prefilters"), or None when there are few needles (or an empty one)."""
    if sum(n is not None for n in cheap) < MANY_NEEDLES:
        return None
    ids: dict[bytes, int] = {}
    users: list[set[int]] = []
    clauses: list[tuple[frozenset[int], ...] | None] = []
    for j, needles in enumerate(cheap):
        if needles is None:
            clauses.append(None)
            continue
        held = []
        for clause in needles:
            members = set()
            for needle in clause:
                if not needle:
                    return None  # found everywhere: not worth an automaton's special case
                i = ids.setdefault(needle, len(ids))
                if i == len(users):
                    users.append(set())
                users[i].add(j)
                members.add(i)
            held.append(frozenset(members))
        clauses.append(tuple(held))
    return _NeedleIndex(
        ahocorasick_rs.BytesAhoCorasick(list(ids)),
        tuple(tuple(sorted(u)) for u in users),
        tuple(clauses),
        tuple(j for j, c in enumerate(clauses) if c is None),
    )


def _candidates(data: bytes, plan: _Plan) -> list[int]:
    """The patterns whose cheap needles occur in ``data``, escapes aside: exactly those for
    which ``could_match(data, plan.cheap[j], False)``, in pattern order -- from one pass of
    the shared automaton when the set is large."""
    index = plan.index
    if index is None:
        return [j for j, n in enumerate(plan.cheap) if could_match(data, n, False)]
    found = index.automaton.find_matches_as_indexes(data, overlapping=True)
    present = {i for i, _, _ in found}
    maybe = set(index.always)
    for i in present:
        maybe.update(index.users[i])
    clauses = index.clauses
    return [
        j
        for j in sorted(maybe)
        if (held := clauses[j]) is None or all(not c.isdisjoint(present) for c in held)
    ]


class _Plan(msgspec.Struct, frozen=True):
    """What the fast path derives from a set of patterns, once per process."""

    needles: tuple[Needles, ...]
    cheap: tuple[Needles, ...]
    chars: frozenset[str]
    #: What typed decoding builds (None: not a set of JSON patterns; no typed decoding).
    layout: Layout | None
    json_idx: tuple[int, ...]
    text_idx: tuple[int, ...]
    #: Matchers reading the typed records' attributes directly (None: use dicts).
    on_fields: tuple[Callable[[Any], bool], ...] | None
    #: The same, over a whole document's typed records: ``indices(records)`` of the matches.
    indices: tuple[Callable[[list[Any]], list[int]], ...] | None
    #: Every pattern matches every event (``""``, ``" "``): output-bound.
    everything: bool
    #: One search for every cheap needle of a large pattern set (None: few patterns, each
    #: searched alone).
    index: _NeedleIndex | None
    #: Documents proved to have no candidate, documents found to have one, documents not
    #: tried since (:func:`_worth_proving`).  Only speed depends on these, never a result.
    odds: list[int]


_plans: dict[int, tuple[tuple[CompiledPattern, ...], _Plan]] = {}


def _plan_of(compiled: Sequence[CompiledPattern]) -> _Plan:
    """The plan of a pattern set, found by the set's identity when it is a tuple (a scan
    passes the one :func:`engine.pattern.compiler.compile_all` cached: no per-document
    look-up by every pattern's text), else by the texts."""
    if type(compiled) is tuple:
        hit = _plans.get(id(compiled))
        if hit is not None and hit[0] is compiled:
            return hit[1]
    plan = _plan(tuple(p.text for p in compiled))
    if type(compiled) is tuple:
        if len(_plans) >= 16:
            _plans.clear()
        _plans[id(compiled)] = (compiled, plan)  # held: the id cannot be reused meanwhile
    return plan


@lru_cache(maxsize=64)
def _plan(texts: tuple[str, ...]) -> _Plan:
    from engine.pattern import ast
    from engine.pattern.compiler import compile_all
    from engine.replay.typedrecords import compile_json_fields

    compiled = compile_all(texts)  # the scan's set, compiled once per process
    needles = tuple(pattern_needles(p) for p in compiled)
    cheap = tuple(_cheap(n) for n in needles)
    layout = typed_layout(compiled)
    on_fields: tuple[Callable[[Any], bool], ...] | None = None
    indices: tuple[Callable[[list[Any]], list[int]], ...] | None = None
    if layout is not None:
        fields = {k: f"f{i}" for i, (k, _) in enumerate(layout)}
        nested = nested_fields(layout)
        made = [
            compile_json_fields(p.ast.expr, fields, msgspec.UNSET, nested)
            for p in compiled
            if isinstance(p.ast, ast.JsonPattern)
        ]
        # A pattern the generated code cannot hold (too deeply nested for Python's parser)
        # comes back as composed closures, which read dicts: build flat records for it.
        if all(m is not None and m.source is not None for m in made):
            on_fields = tuple(m.match for m in made if m is not None)
            found = [m.indices for m in made if m is not None]
            if all(f is not None for f in found):
                indices = tuple(f for f in found if f is not None)
        else:
            layout = tuple((k, None) for k, _ in layout)
    return _Plan(
        needles=needles,
        cheap=cheap,
        chars=needle_chars(needles),
        index=_needle_index(cheap),
        layout=layout,
        on_fields=on_fields,
        indices=indices,
        everything=all(p.kind == "all" for p in compiled),
        odds=[0, 0, 0],
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
    plan = _plan_of(compiled)
    if options.window is None and _worth_proving(plan.odds):
        possible = _possible(data, plan)
        plan.odds[possible] += 1
        if not possible:
            count = _count_records(data)
            if count is not None:
                result.records += count
                return True
    limit = sys.getrecursionlimit()
    if limit < _RECURSION_ROOM:
        sys.setrecursionlimit(_RECURSION_ROOM)
    try:
        return _match_validated(data, compiled, plan, options, result)
    finally:
        if limit < _RECURSION_ROOM:
            sys.setrecursionlimit(limit)


def _worth_proving(odds: list[int]) -> bool:
    """Whether to prove first that nothing in the next document can match (the needle and
    escape searches), so simdjson validates it.  It pays when most documents hold no
    candidate (small files, selective patterns); when most do (large files with a common
    needle), those searches are spent in vain, and typed decoding, which needs none of
    them, goes first.  Every 16th document is still tried, so the odds follow the input."""
    proved, found, skipped = odds
    if proved + found >= 512:
        odds[0], odds[1] = proved // 2, found // 2
    if proved + found < 32 or found <= proved:
        return True
    odds[2] = skipped + 1
    return skipped % 16 == 0


#: msgspec follows nesting as deep as Python's recursion limit allows, less the frames in
#: use; simdjson and orjson stop at 1,024 levels.  The fast path gives msgspec room for more
#: than that (a C-level recursion of a few hundred bytes per level), so a document simdjson
#: accepts always decodes with msgspec too, however deep the caller's stack is.
_RECURSION_ROOM = 2500


def _match_validated(
    data: bytes,
    compiled: Sequence[CompiledPattern],
    plan: _Plan,
    options: ScanOptions,
    result: FileResult,
) -> bool:
    """:func:`match_document` with msgspec as the validating pass."""
    if not data.isascii() and not _valid_utf8(data):
        return False  # the general path names the offending byte
    if plan.layout is not None and _match_keys(data, compiled, plan, options, result):
        return True
    if options.window is None and not _possible(data, plan):
        # Nothing can match: only count the records, validating that each is an object,
        # without building any of them.
        try:
            result.records += len(_shape_decoder.decode(data).Records)
            return True
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            pass  # a precise report comes from the raw split below
    slices = _split(data)
    if slices is None:
        return False
    if not (
        plan.everything
        and options.window is None
        and _match_everything(data, slices, options, result)
    ):
        _match_raw(data, slices, compiled, plan, options, result)
    return True


_simdjson = threading.local()  # a parser per thread: one parser parses one document at a time
_JSON_START = frozenset(b"{ \t\r\n")


def _count_records(data: bytes) -> int | None:
    """How many records a ``{"Records": [<objects>]}`` document holds, validated by simdjson
    (structure and UTF-8 in one pass); None when simdjson rejects it or could read it
    otherwise than msgspec: a byte-order mark (msgspec rejects it), a ``Records`` key given
    twice (simdjson reads the first, msgspec the last), a record that is not an object.
    Everything else simdjson accepts msgspec accepts alike (``tests/replay/test_fastpath.py``
    holds the two equal): numbers beyond 64 bits or a double's range, lone surrogates and
    invalid escapes simdjson rejects, and it stops nesting at 1,024 levels."""
    if not data or data[0] not in _JSON_START:
        return None
    parser = getattr(_simdjson, "parser", None)
    if parser is None:
        parser = _simdjson.parser = simdjson.Parser()
    try:
        doc = parser.parse(data)
    except Exception:  # ValueError, RuntimeError, UnicodeDecodeError: msgspec's turn
        return None
    # No proxy into the document may outlive this call: the parser cannot parse the next
    # document while one does.
    try:
        if type(doc) is not simdjson.Object:
            return None
        records = doc.get("Records")
        if type(records) is not simdjson.Array:
            return None
        if len(doc) > 1 and list(doc.keys()).count("Records") > 1:
            return None
        if not all(type(record) is simdjson.Object for record in records):
            return None
        return len(records)
    finally:
        del doc


def _match_everything(
    data: bytes, slices: list[msgspec.Raw], options: ScanOptions, result: FileResult
) -> bool:
    """Only match-everything patterns: every record is a match, written as it stands, in
    bulk (an output-bound scan).  False when some record is not an object."""
    if not _all_objects(slices):
        return False  # the raw split reports each record that is not an object
    result.records += len(slices)
    every = [tuple(range(len(result.matches_per_pattern)))] * len(slices)
    _add_matches(data, slices, list(range(len(slices))), every, options, result)
    return True


_first_byte = operator.itemgetter(0)


def _all_objects(slices: list[msgspec.Raw]) -> bool:
    """Whether every raw record is a JSON object (starts with ``{``), at C speed."""
    return set(map(_first_byte, map(memoryview, slices))) <= {123}  # type: ignore[arg-type]


def _split(data: bytes) -> list[msgspec.Raw] | None:
    """The document's records as raw slices (the document validated), or None."""
    try:
        return _decoder.decode(data).Records
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _possible(data: bytes, plan: _Plan) -> bool:
    """Can any pattern match some record of the document?  (False is a proof.)"""
    if plan.index is not None:
        if _candidates(data, plan):
            return True
    elif any(could_match(data, n, False) for n in plan.cheap):
        return True
    return escapes_can_hide(data, plan.chars)


def _match_keys(
    data: bytes,
    compiled: Sequence[CompiledPattern],
    plan: _Plan,
    options: ScanOptions,
    result: FileResult,
) -> bool:
    """JSON patterns only: match them on records holding just the keys they read.

    A JSON pattern's selectors start at these keys, so a record cut down to them gives
    exactly the verdict of the whole record.  Only the patterns whose needles the document
    shows (or could hide in an escape) are run; whole records are split out only for the
    matches, which are then sized.  False (nothing recorded) when the document is not a
    ``Records`` list of objects."""
    assert plan.layout is not None
    layout = plan.layout
    window = options.window
    keys = [k for k, _ in layout]
    if window is not None and "eventTime" not in keys:
        # Appended: the other keys keep their attributes (the layout never nests eventTime).
        layout = (*layout, ("eventTime", None))
        keys.append("eventTime")
    try:
        typed = _typed_decoder(layout).decode(data).Records
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return False  # a record that is not an object: the raw split names it
    result.records += len(typed)
    # The patterns worth running: those whose cheap needles occur, or might be hidden by
    # an escape (any backslash at all, for a quick memchr; the typed values are decoded).
    # Few patterns: running a matcher costs less than a search for "\\u"; thousands: running
    # them all costs more than the escape check.
    escapes = b"\\" in data if plan.index is None else escapes_can_hide(data, plan.chars)
    todo = list(range(len(plan.cheap))) if escapes else _candidates(data, plan)
    indices: Sequence[int] = range(len(typed))
    if window is not None:
        from engine.replay.window import parse_event_time

        time_of = f"f{keys.index('eventTime')}"
        indices = [
            i for i in indices if window.contains(parse_event_time(getattr(typed[i], time_of)))
        ]
        result.outside_window += len(typed) - len(indices)
    if not todo:
        return True
    found = _found(typed, keys, indices, todo, compiled, plan, window is None)
    if not found:
        return True
    slices = _split(data)
    assert slices is not None  # the typed decode validated the document
    order = sorted(found)
    _add_matches(data, slices, order, [tuple(found[i]) for i in order], options, result)
    return True


def _add_matches(
    data: bytes,
    slices: list[msgspec.Raw],
    order: list[int],
    patterns: Sequence[tuple[int, ...]],
    options: ScanOptions,
    result: FileResult,
) -> None:
    """The records at ``order`` (ascending) matched ``patterns``: write them out as they
    stand, in bulk (an output-bound scan may match every record)."""
    from engine.replay.results import Match

    raws = list(map(bytes, map(slices.__getitem__, order)))
    if b"\n" in data or b"\r" in data:
        raws = list(map(_line, raws))  # pretty-printed: a line of compact JSON each
    limit = options.oversize_bytes
    big = _may_be_oversized(max(raws, key=len, default=b""), limit)
    flags = [_oversized(r, limit) for r in raws] if big else [False] * len(raws)
    result.add_many(list(map(Match, order, raws, patterns, flags)))


def _oversized(raw: bytes, limit: int) -> bool:
    """Whether a record's compact JSON, what CloudWatch Logs would hold, is over ``limit``
    bytes.  Re-serialising never lengthens a string, a key or the structure, but a number
    may grow: ``1e15`` is written ``1000000000000000.0``, 4.5 times as long.  So a record
    under a fifth of the limit as written cannot be over it, and only bigger ones are
    re-serialised (only matches are sized)."""
    return _may_be_oversized(raw, limit) and len(orjson.dumps(orjson.loads(raw))) > limit


def _may_be_oversized(raw: bytes, limit: int) -> bool:
    return len(raw) > limit // 5


def _found(
    typed: list[Any],
    keys: Sequence[str],
    indices: Sequence[int],
    todo: list[int],
    compiled: Sequence[CompiledPattern],
    plan: _Plan,
    whole: bool,
) -> dict[int, list[int]]:
    """Record index -> the patterns (of ``todo``) matching it, among ``indices``
    (``whole``: all records, so a document-wide generated loop may run)."""
    found: dict[int, list[int]] = {}
    if plan.indices is not None and whole:
        for j in todo:
            for i in plan.indices[j](typed):
                found.setdefault(i, []).append(j)
        return found
    records: list[Any]
    matchers: Sequence[Callable[[Any], bool]]
    if plan.on_fields is not None:
        records, matchers = typed, plan.on_fields
    else:
        unset = msgspec.UNSET
        pairs = [(f"f{i}", key) for i, key in enumerate(keys)]
        records = [
            {key: v for name, key in pairs if (v := getattr(rec, name)) is not unset}
            for rec in typed
        ]
        matchers = [p.matches_object for p in compiled]
    for j in todo:
        m = matchers[j]
        for i in indices:
            if m(records[i]):
                found.setdefault(i, []).append(j)
    return found


def _match_raw(
    data: bytes,
    slices: list[msgspec.Raw],
    compiled: Sequence[CompiledPattern],
    plan: _Plan,
    options: ScanOptions,
    result: FileResult,
) -> None:
    """Raw record slices: a record lacking a pattern's needles is not decoded for it."""
    from engine.replay.formats import Unit
    from engine.replay.formats import _kind as describe_kind
    from engine.replay.results import Match, event_time

    window = options.window
    limit = options.oversize_bytes
    needles = plan.needles
    # Per record, an escape may hide a needle even where the document shows it elsewhere.
    escapes = escapes_can_hide(data, plan.chars)
    candidates = list(range(len(plan.cheap))) if escapes else _candidates(data, plan)
    match_all = [i for i in candidates if compiled[i].kind == "all"]
    always = [i for i in candidates if needles[i] is None and compiled[i].kind != "all"]
    filtered = [(i, n) for i in candidates if (n := needles[i]) is not None]
    chosen = set(candidates)
    json_idx = {i for i in plan.json_idx if i in chosen}
    text_idx = {i for i in plan.text_idx if i in chosen and compiled[i].kind != "all"}
    objects: Sequence[int] = range(len(slices))
    if not _all_objects(slices):
        objects = []
        for index, piece in enumerate(slices):
            if memoryview(piece)[0] == 123:
                objects.append(index)
            else:
                kind = describe_kind(orjson.loads(memoryview(piece)))
                result.problem(f"record {index} is {kind}, not an object")
    result.records += len(objects)
    # Where the needles are, when the document says which record each position is in: then
    # only those records are looked at (the others cannot match).
    where = None
    if window is None and not escapes and not match_all and not always:
        where = _needle_records(data, slices, filtered)
        if where is not None:
            objects = sorted(set().union(*where.values()).intersection(objects))
    for index in objects:
        raw = bytes(slices[index])
        if window is None:
            if where is not None:
                todo = [i for i, _ in filtered if index in where[i]]
            else:
                # Many patterns: whether this record's escapes can spell a needle character
                # is worth asking once, rather than keeping every pattern a candidate.
                hide = escapes and (plan.index is None or escapes_can_hide(raw, plan.chars))
                todo = always + [i for i, n in filtered if could_match(raw, n, hide)]
            record = orjson.loads(raw) if todo else None
        else:
            record = orjson.loads(raw)
            if not window.contains(event_time(Unit(index, record))):
                result.outside_window += 1
                continue
            todo = candidates
        hits = list(match_all)  # every record matches these: no need to decode for them
        if record is not None:
            hits += [i for i in todo if i in json_idx and compiled[i].matches_record(record)]
            texts = [i for i in todo if i in text_idx]
            if texts:
                message = orjson.dumps(record).decode()
                hits += [i for i in texts if compiled[i].matches(message)]
        if hits:
            hits.sort()
            result.add(Match(index, _line(raw), tuple(hits), _oversized(raw, limit)))


_PREFIX = b'{"Records":['


def _needle_records(
    data: bytes,
    slices: list[msgspec.Raw],
    filtered: list[tuple[int, tuple[tuple[bytes, ...], ...]]],
) -> dict[int, set[int]] | None:
    """Pattern -> the records holding a needle of each of its clauses, or None when the
    document is not laid out as ``{"Records":[`` records separated by single commas ``]}``
    (CloudTrail's own layout, checked by length: then record k starts at a known offset).

    A needle never spans two records: message needles hold no JSON structural character,
    and JSON needles are quoted strings or bare tokens.  (Escapes are the caller's concern:
    this runs only where no escape can spell a needle character.)"""
    if not data.startswith(_PREFIX) or not slices:
        return None
    end = len(data)
    while end and data[end - 1] in b" \t\r\n":
        end -= 1
    lengths = list(map(len, slices))
    if data[end - 2 : end] != b"]}" or end != len(_PREFIX) + sum(lengths) + len(lengths) + 1:
        return None
    starts = list(accumulate(lengths[:-1], lambda at, n: at + n + 1, initial=len(_PREFIX)))
    last = len(starts) - 1
    out: dict[int, set[int]] = {}
    for i, clauses in filtered:
        records: set[int] | None = None
        for clause in clauses:
            found: set[int] = set()
            for needle in clause:
                at = data.find(needle, len(_PREFIX))
                while at != -1:
                    k = bisect_right(starts, at) - 1
                    found.add(k)
                    if k == last:
                        break
                    at = data.find(needle, starts[k + 1])
            records = found if records is None else records & found
        out[i] = records or set()
    return out


def _line(raw: bytes) -> bytes:
    """A record written out unchanged: the file's own bytes when they are one line (JSON
    strings cannot hold a raw newline, so a newline is layout), else its compact JSON."""
    if b"\n" in raw or b"\r" in raw:
        return orjson.dumps(orjson.loads(raw))
    return raw
