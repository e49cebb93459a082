"""The CloudTrail fast path (split + literal prefilter) gives exactly the general path's results."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.pattern import ast
from engine.replay.fastpath import (
    _valid_utf8,
    could_match,
    escapes_can_hide,
    match_document,
    pattern_needles,
)
from engine.replay.formats import Unit, _cwl_export
from engine.replay.scan import (
    OVERSIZE_BYTES,
    FileResult,
    ScanOptions,
    compile_patterns,
    match_units,
)
from tests.pattern import gen

CT_RECORDS = st.fixed_dictionaries(
    {
        "eventSource": st.sampled_from(["organizations.amazonaws.com", "iam.amazonaws.com", "a"]),
        "eventName": st.sampled_from(["CreateAccount", "CreatePolicy", "ERROR", "x*y", "é"]),
    },
    optional={"a": gen.json_values, "b": gen.json_values, "k 1": gen.texts},
)
RECORDS = st.one_of(gen.records, CT_RECORDS)


def _encode(record: dict[str, Any], style: int) -> bytes:
    if style == 0:
        return orjson.dumps(record)
    if style == 1:  # Java-style escapes of every non-ASCII character and of '/'
        return (
            json.dumps(record, ensure_ascii=True, separators=(",", ":"))
            .replace("/", "\\/")
            .encode()
        )
    if style == 2:
        return json.dumps(record, indent=1).encode()  # pretty-printed, blanks between tokens
    if style == 4:  # numbers written as the compact re-serialization does not (1e2, 5E+0)
        return _numbers_as_exponents(record).encode()
    # Letters escaped as \\uXXXX: 'A', 'c' and 'D' occur only inside strings (never in
    # true/false/null or numbers), so this is still the same JSON.
    text = orjson.dumps(record).decode()
    return text.replace("A", "\\u0041").replace("c", "\\u0063").replace("D", "\\u0044").encode()


def _numbers_as_exponents(value: Any) -> str:
    """JSON text of ``value`` with every number in an exponent form (``100`` as ``1e2``,
    ``1.5`` as ``1.5E+0``), which decodes to a float written differently again."""
    if isinstance(value, dict):
        items = (f"{_numbers_as_exponents(k)}:{_numbers_as_exponents(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_numbers_as_exponents, value)) + "]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return orjson.dumps(value).decode()
    if isinstance(value, float):
        text = repr(value)
        return text if "e" in text else text + "E+0"
    digits = str(value).rstrip("0") or "0"
    return f"{digits}e{len(str(value)) - len(digits)}"


def _general(
    records: list[dict[str, Any]], patterns: list[engine.CompiledPattern], options: ScanOptions
) -> FileResult:
    result = FileResult("x", matches_per_pattern=[0] * len(patterns))
    match_units((Unit(i, r) for i, r in enumerate(records)), patterns, options, result)
    return result


# The limit on event size, small enough here for documents and records to cross it: the
# fast path sizes records only in documents bigger than the limit.
LIMITS = st.sampled_from([OVERSIZE_BYTES, 0, 30, 120])


@given(
    st.lists(st.tuples(RECORDS, st.integers(0, 4)), max_size=6),
    st.lists(gen.patterns, min_size=1, max_size=3),
    LIMITS,
)
def test_fast_path_equals_general_path(
    items: list[tuple[dict[str, Any], int]], nodes: list[ast.Pattern], limit: int
) -> None:
    _check_equal(items, nodes, limit)


def _check_equal(
    items: list[tuple[dict[str, Any], int]], nodes: list[ast.Pattern], limit: int
) -> None:
    patterns = [engine.compile(engine.format(n)) for n in nodes]
    doc = b'{"Records":[' + b",".join(_encode(r, s) for r, s in items) + b"]}"
    records = [orjson.loads(_encode(r, s)) for r, s in items]
    options = ScanOptions(oversize_bytes=limit)
    fast = FileResult("x", matches_per_pattern=[0] * len(patterns))
    assert match_document(doc, patterns, options, fast)
    slow = _general(records, patterns, options)
    assert fast.records == slow.records
    assert fast.oversized == slow.oversized
    assert fast.matches_per_pattern == slow.matches_per_pattern
    assert [(m.index, m.patterns, m.oversized) for m in fast.matches] == [
        (m.index, m.patterns, m.oversized) for m in slow.matches
    ]


@given(gen.patterns, RECORDS, st.integers(0, 4))
def test_prefilter_rejects_only_what_the_matcher_rejects(
    node: ast.Pattern, record: dict[str, Any], style: int
) -> None:
    compiled = engine.compile(engine.format(node))
    raw = _encode(record, style)
    if not could_match(raw, pattern_needles(compiled)):
        assert not compiled.matches_record(orjson.loads(raw))


def test_bad_documents_fall_back_to_the_general_path() -> None:
    p = [engine.compile("ERROR")]
    for doc in [
        b'{"Records":[{"a":1}',
        b'{"Records":{}}',
        b'{"Records":[]} x',
        b'{"Records":["\xff"]}',
    ]:
        assert not match_document(doc, p, ScanOptions(), FileResult("x", matches_per_pattern=[0]))


def test_records_that_are_not_objects_are_reported_and_counted() -> None:
    result = FileResult("x", matches_per_pattern=[0])
    assert match_document(
        b'{"Records":[{"a":"ERROR"},5,"x"]}', [engine.compile("ERROR")], ScanOptions(), result
    )
    assert result.records == 1 and result.problem_count == 2
    assert result.problems[0] == "record 1 is a number, not an object"
    assert [m.index for m in result.matches] == [0]


def test_an_escape_hides_a_needle_in_one_record_while_another_shows_it() -> None:
    doc = (
        b'{"Records":[{"errorCode":"AccessDenied"},{"errorCode":"AccessD\\u0065nied"},'
        b'{"errorCode":"AccessDenied","x":"\\u00e9"}]}'
    )
    for pattern in ("AccessDenied", '{ $.errorCode = "AccessDenied" }', "{ $.errorCode = Acc* }"):
        result = FileResult("x", matches_per_pattern=[0])
        assert match_document(doc, [engine.compile(pattern)], ScanOptions(), result)
        assert [m.index for m in result.matches] == [0, 1, 2], pattern


@given(
    st.lists(st.tuples(RECORDS, st.integers(0, 4)), max_size=6),
    st.lists(gen.json_patterns, min_size=1, max_size=3),
    LIMITS,
)
def test_typed_path_equals_general_path(
    items: list[tuple[dict[str, Any], int]], nodes: list[ast.JsonPattern], limit: int
) -> None:
    """Only JSON patterns: the typed decoding and the generated attribute matchers."""
    _check_equal(items, list(nodes), limit)


def test_a_record_that_is_not_an_object_does_not_hide_other_patterns_matches() -> None:
    # Several JSON patterns (typed decoding) and a bad record: the document falls back to
    # the raw split, where every pattern must still be tried.
    doc = b'{"Records":[{"a":"x"},7,{"b":"y"}]}'
    patterns = [engine.compile('{ $.a = "x" }'), engine.compile('{ $.b = "y" }')]
    result = FileResult("x", matches_per_pattern=[0, 0])
    assert match_document(doc, patterns, ScanOptions(), result)
    assert result.problems == ["record 1 is a number, not an object"]
    assert [(m.index, m.patterns) for m in result.matches] == [(0, (0,)), (2, (1,))]


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=5),
            st.text(max_size=3).map(str.encode),
            st.just(b"a" * 4095),  # pieces of 4 KB are looked at separately
        ),
        max_size=8,
    )
)
def test_utf8_check_is_exact(parts: list[bytes]) -> None:
    data = b"".join(parts)
    try:
        data.decode()
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert _valid_utf8(data) == valid


def test_utf8_check_at_piece_boundaries() -> None:
    for at in range(4090, 4100):
        for char in ("é", "€", "😀"):
            good = b"a" * at + char.encode() + b"b"
            assert _valid_utf8(good)
            assert not _valid_utf8(good[: at + 1] + b"b" + good[at + 1 :])  # a cut sequence
            assert not _valid_utf8(b"a" * at + b"\x80" + b"b")  # a stray continuation byte


_ESCAPES = st.sampled_from(
    [b"\\u0041", b"\\u00e9", b"\\u0022", b"\\/", b"\\\\", b"\\n", b"\\u007F"]
)


@given(
    st.lists(st.one_of(_ESCAPES, st.text('Aa/"\\u0e9', max_size=4).map(str.encode)), max_size=8),
    st.frozensets(st.sampled_from('Aa/"éb\x7f'), max_size=4),
)
def test_escape_check_sees_every_escape_that_spells_a_needle_character(
    parts: list[bytes], chars: frozenset[str]
) -> None:
    data = b"".join(parts)
    spelled = {chr(int(code, 16)) for code in re.findall(rb"\\u([0-9a-fA-F]{4})", data)}
    if b"\\/" in data:
        spelled.add("/")
    assert escapes_can_hide(data, chars) == bool(spelled & chars)


@given(st.lists(st.tuples(RECORDS, st.integers(0, 4)), max_size=6), LIMITS, st.integers(1, 2))
def test_match_everything_equals_general_path(
    items: list[tuple[dict[str, Any], int]], limit: int, copies: int
) -> None:
    """Only match-everything patterns: the bulk path, pretty-printed records included."""
    _check_equal(items, [engine.parse("")] * copies, limit)


def test_match_everything_reports_records_that_are_not_objects() -> None:
    result = FileResult("x", matches_per_pattern=[0])
    assert match_document(
        b'{"Records":[{"a":1},[2],{"b":3}]}', [engine.compile("")], ScanOptions(), result
    )
    assert result.problems == ["record 1 is an array, not an object"]
    assert [(m.index, m.raw) for m in result.matches] == [(0, b'{"a":1}'), (2, b'{"b":3}')]


NESTED_RECORDS = st.fixed_dictionaries(
    {"eventName": st.sampled_from(["ConsoleLogin", "x"])},
    optional={
        "userIdentity": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "type": st.sampled_from(["Root", "IAMUser", None, 1]),
                    "arn": st.sampled_from(["a", "b"]),
                    "sessionContext": st.fixed_dictionaries(
                        {}, optional={"x": st.sampled_from(["true", "false"])}
                    ),
                },
            ),
            gen.json_values,  # null, strings, numbers, arrays: not objects
        ),
        "additionalEventData": st.fixed_dictionaries(
            {}, optional={"MFAUsed": st.sampled_from(["Yes", "No"])}
        ),
    },
)
NESTED_PATTERNS = st.lists(
    st.sampled_from(
        [
            '{ $.userIdentity.type = "Root" }',
            "{ $.userIdentity.type NOT EXISTS }",
            "{ $.userIdentity.type IS NULL }",
            '{ $.userIdentity.sessionContext.x = "true" }',
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
            '{ $.userIdentity.arn = "a" || $.userIdentity.type = 1 }',
            "{ $.userIdentity NOT EXISTS }",
        ]
    ),
    min_size=1,
    max_size=4,
)


@given(st.lists(st.tuples(NESTED_RECORDS, st.integers(0, 4)), max_size=6), NESTED_PATTERNS)
def test_nested_typed_decoding_equals_general_path(
    items: list[tuple[dict[str, Any], int]], texts: list[str]
) -> None:
    """Sub-keys decoded alone (``userIdentity.type``), values that are not objects included."""
    _check_equal(items, [engine.parse(t) for t in texts], OVERSIZE_BYTES)


def test_typed_layout_nests_only_keys_read_through_a_key_step() -> None:
    from engine.replay.fastpath import typed_layout

    patterns = [
        engine.compile('{ $.userIdentity.type = "Root" && $.a.b[0] = 1 }'),
        engine.compile("{ $.eventTime.x = 1 || $.c[0] = 2 || $.d = 3 || $.e.f = 4 }"),
    ]
    assert typed_layout(patterns) == (
        ("userIdentity", ("type",)),
        ("a", ("b",)),
        ("eventTime", None),
        ("c", None),
        ("d", None),
        ("e", ("f",)),
    )


def test_needles_are_placed_in_records_by_offset() -> None:
    records = [b'{"m":"x AccessDenied"}', b'{"m":"y"}', b'{"m":"AccessDenied AccessDenied"}']
    compact = b'{"Records":[' + b",".join(records) + b"]}"
    layouts = [
        compact,
        compact + b"\n",  # trailing blank: still CloudTrail's layout
        b'{"Records": [' + b", ".join(records) + b"]}",  # blanks: records found one by one
        b'{"Records":[{"m":"AccessDenied"}],"Records":[' + b",".join(records) + b"]}",
    ]
    for doc in layouts:
        for pattern in ("AccessDenied", "%Acc[e]ssDenied%", '"x AccessDenied"', "-y"):
            compiled = engine.compile(pattern)
            fast = FileResult("x", matches_per_pattern=[0])
            assert match_document(doc, [compiled], ScanOptions(), fast), doc
            want = [i for i, r in enumerate(records) if compiled.matches_record(orjson.loads(r))]
            assert [m.index for m in fast.matches] == want, (doc, pattern)


_EXPORT_LINES = st.sampled_from(
    [
        b'2024-03-12T10:00:00.000Z 10.0.0.1 - - [x] "GET /a" 404 7',
        b'2024-03-12T10:00:01.000Z 10.0.0.2 - - [x] "GET /b" 200 9',
        b'2024-03-12T10:00:02.000Z {"eventName":"AccessDenied","n":1}',
        b"2024-03-12T10:00:03.000Z [1, 2] AccessDenied",
        b"2024-03-12T10:00:04.000Z   {not json AccessDenied",
        b"not a timestamp AccessDenied",
        b"2024-03-12T10:00:05.000Z caf\xc3\xa9 404",
        b"2024-03-12T10:00:06.000Z bad \xff AccessDenied",
        b"",
        b"   ",
        b"2024-03-12T10:00:07.000Z " + b"AccessDenied " * 30000,  # over 256 KB
    ]
)
_TEXT_PATTERNS = st.lists(
    st.sampled_from(
        ["AccessDenied", "404", "%GET /[ab]%", "[ip, a, b, t, req, code=4*, size]", ""]
    ),
    min_size=1,
    max_size=3,
)


@given(st.lists(_EXPORT_LINES, max_size=8), _TEXT_PATTERNS)
def test_export_text_path_equals_general_path(lines: list[bytes], texts: list[str]) -> None:
    """A CloudWatch Logs export against text patterns: events are built only for the lines
    that match (or are bad), with exactly the general path's results."""
    import io

    from engine.replay.scan import match_export_text

    compiled = [engine.compile(t) for t in texts]
    data = b"\n".join(lines) + b"\n"
    fast = FileResult("x", matches_per_pattern=[0] * len(compiled))
    match_export_text(io.BytesIO(data), compiled, ScanOptions(), fast)
    slow = FileResult("x", matches_per_pattern=[0] * len(compiled))
    units = _cwl_export(io.BytesIO(data))
    match_units(units, compiled, ScanOptions(), slow)
    assert (fast.records, fast.problems, fast.oversized) == (
        slow.records,
        slow.problems,
        slow.oversized,
    )
    assert fast.matches == slow.matches


def test_a_record_re_serialised_longer_than_written_is_sized_as_compact_json() -> None:
    # 1e15 is written 1000000000000000.0 in compact JSON: a record under the limit as written
    # can be over it as CloudWatch Logs would hold it (the general path's measure).
    record = b'{"eventName":"X","a":[1e15,1e15,1e15,1e15,1e15,1e15,1e15,1e15]}'
    doc = b'{"Records":[' + record + b"]}"
    limit = 120
    assert len(record) < limit < len(orjson.dumps(orjson.loads(record)))
    for pattern in ("", '{ $.eventName = "X" }', "X"):
        result = FileResult("x", matches_per_pattern=[0])
        assert match_document(
            doc, [engine.compile(pattern)], ScanOptions(oversize_bytes=limit), result
        )
        assert [m.oversized for m in result.matches] == [True], pattern
        assert result.oversized == 1


def _bracket(key: str) -> str:
    """``$.['key']`` for any key (``'`` and ``\\`` escaped as the grammar reads them)."""
    return "$.['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"


# Keys holding what msgspec cannot name a struct field with ('"', '\\', control characters)
# beside ordinary ones; sub-keys too (typed decoding nests them).
ANY_KEYS = st.one_of(st.sampled_from(['a"b', "a\\b", "a\x01b", "\x1f", "eventSource"]), st.text())


@given(
    ANY_KEYS,
    st.one_of(st.none(), ANY_KEYS),
    # (Style 3 escapes the letter c, which a control character's own escape holds.)
    st.lists(st.tuples(st.booleans(), st.sampled_from([0, 1, 2, 4])), max_size=5),
)
def test_selectors_holding_any_character_equal_the_general_path(
    key: str, sub: str | None, shapes: list[tuple[bool, int]]
) -> None:
    """A bracket key holding '"', '\\' or a control character (issue 16, item 1) never makes
    the fast path fail: every match is found, as by the general path."""
    selector = _bracket(key) + (
        "" if sub is None else "['" + sub.replace("\\", "\\\\").replace("'", "\\'") + "']"
    )
    text = "{ " + selector + ' = 1 || $.eventSource = "x" }'
    try:
        node = engine.parse(text)
    except engine.PatternError:
        return
    value: Any = 1 if sub is None else {sub: 1}
    items = [
        ({key: value, "eventSource": "y"} if has else {"eventSource": "x" if style else "z"}, style)
        for has, style in shapes
    ]
    try:
        for r, s in items:
            _encode(r, s)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot be written as UTF-8 JSON
    _check_equal(items, [node, engine.parse('{ $.eventSource = "x" }')], OVERSIZE_BYTES)


def test_a_bracket_key_msgspec_cannot_name_keeps_every_match() -> None:
    doc = b'{"Records":[{"eventSource":"x"},{"a\\"b":1},{"a\\\\b":1},{"a\\u0001b":1}]}'
    for key in ('a"b', "a\\b", "a\x01b"):
        text = "{ " + _bracket(key) + ' = 1 || $.eventSource = "x" }'
        result = FileResult("x", matches_per_pattern=[0])
        assert match_document(doc, [engine.compile(text)], ScanOptions(), result), key
        assert len(result.matches) == 2, key
        assert result.problems == []


def test_a_number_written_otherwise_is_matched_by_text_as_the_general_path_does() -> None:
    # 1e2 is 100.0 in the record's compact JSON, what text patterns see (issue 16, item 5).
    record = b'{"eventName":"X","n":1e2,"m":1.50}'
    doc = b'{"Records":[' + record + b"]}"
    for pattern in ('"100.0"', "100", "%1\\.5%", '"1.5"'):
        compiled = engine.compile(pattern)
        fast = FileResult("x", matches_per_pattern=[0])
        assert match_document(doc, [compiled], ScanOptions(), fast)
        slow = _general([orjson.loads(record)], [compiled], ScanOptions())
        assert [m.index for m in fast.matches] == [m.index for m in slow.matches], pattern
        assert len(fast.matches) == 1, pattern


# --------------------------------------------------------------------------- simdjson route
#
# A document in which nothing can match is validated by simdjson and its records counted from
# the DOM (``_count_records``); every other document, and every document simdjson rejects or
# could read otherwise than msgspec, takes the msgspec path.  The two must give the same result
# for every input, hostile ones included: these tests run each document both ways.

# Patterns whose needles the generated documents never hold: every document is proved free
# of candidates, so the route is taken whenever simdjson accepts the document.
_NO_NEEDLE = [
    '{ $.eventSource = "zqxj.amazonaws.com" }',
    "zqxjv",
    '{ $.userIdentity.type = "Zqxj" }',
]

_HOSTILE_TOKENS = [
    b'"\\ud800"',  # lone surrogates
    b'"\\udc00x"',
    b'"\\ud83d\\ude00"',  # a valid pair
    b"1e400",  # beyond a double
    b"-1e400",
    b"1e-400",
    b"123456789012345678901234567890",  # beyond 64 bits
    b"18446744073709551616",
    b"18446744073709551615",
    b"-9223372036854775809",
    b"-0",
    b"01",
    b"1.",
    b".5",
    b"NaN",
    b'"\\x"',  # an invalid escape
    b'"\\u12"',
    b'"\x01"',  # a raw control character
    b'"\xff"',  # invalid UTF-8
    b'"\xed\xa0\x80"',  # an encoded surrogate
    b'"\xc0\xaf"',  # an overlong form
    b'"\xf4\x90\x80\x80"',  # beyond U+10FFFF
    b'"\xc3\xa9\xe2\x82\xac"',
    b"[1,]",
    b"{,}",
    b"true",
    b"nul",
    b"[]",
    b"{}",
    b'{"a":1,"a":2}',
]

_VALUES = st.one_of(
    gen.json_values.map(orjson.dumps),
    st.sampled_from(_HOSTILE_TOKENS),
    st.integers(1, 1030).map(lambda n: b"[" * n + b"]" * n),  # nesting up to and past 1,024
)


def _record_text(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"{" + b",".join(orjson.dumps(k) + b":" + v for k, v in pairs) + b"}"


_RECORD_TEXTS = st.one_of(
    st.lists(
        st.tuples(st.sampled_from(["a", "eventName", "userIdentity"]), _VALUES), max_size=3
    ).map(_record_text),
    st.sampled_from([b"1", b'"x"', b"null", b"[]", b"[{}]"]),  # records that are not objects
    RECORDS.map(orjson.dumps),
)

_PREFIXES = st.sampled_from(
    [b'{"Records":[', b'{ "Records" : [ ', b'\xef\xbb\xbf{"Records":[', b'\n{"Records":[',
     b'{"x":1,"Records":[', b'{"Recor\\u0064s":[', b'[']
)  # fmt: skip
_SUFFIXES = st.sampled_from(
    [b"]}", b"]}\n", b'],"Records":[]}', b'],"Records":[{},{}]}', b'],"Recor\\u0064s":[{}]}',
     b'],"x":[1]}', b"]} x", b"]}\x00", b"]", b"]}}", b"", b"]"]
)  # fmt: skip


def _both_ways(doc: bytes, texts: list[str]) -> tuple[Any, Any]:
    """``match_document`` with the simdjson route, then without (the msgspec path)."""
    from engine.replay import fastpath

    patterns = compile_patterns(texts)
    outcomes = []
    for worth in (lambda odds: True, lambda odds: False):
        saved = fastpath._worth_proving
        fastpath._worth_proving = worth
        try:
            result = FileResult("x", matches_per_pattern=[0] * len(patterns))
            handled = match_document(doc, patterns, ScanOptions(), result)
        finally:
            fastpath._worth_proving = saved
        outcomes.append(
            (
                handled,
                handled and result.records,
                handled and result.problems,
                handled and result.problem_count,
                handled and [(m.index, m.raw, m.patterns) for m in result.matches],
            )
        )
    return outcomes[0], outcomes[1]


@given(
    _PREFIXES,
    st.lists(_RECORD_TEXTS, max_size=4),
    _SUFFIXES,
    st.sampled_from([[p] for p in _NO_NEEDLE] + [_NO_NEEDLE]),
)
def test_simdjson_route_equals_the_msgspec_path(
    prefix: bytes, records: list[bytes], suffix: bytes, texts: list[str]
) -> None:
    doc = prefix + b",".join(records) + suffix
    with_route, without = _both_ways(doc, texts)
    assert with_route == without, doc[:300]


def test_simdjson_route_declines_what_msgspec_reads_otherwise() -> None:
    from engine.replay.fastpath import _count_records

    assert _count_records(b'{"Records":[{},{}]}') == 2
    assert _count_records(b' {"Records":[]} ') == 0
    for doc in [
        b'\xef\xbb\xbf{"Records":[{}]}',  # a byte-order mark: msgspec rejects it
        b'{"Records":[{}],"Records":[{},{}]}',  # simdjson reads the first, msgspec the last
        b'{"Records":[{}],"Recor\\u0064s":[{},{}]}',
        b'{"Records":[{},1]}',  # a record that is not an object: named by the raw split
        b'{"Records":{}}',
        b"[{}]",
        b'{"Records":[{"a":"\\ud800"}]}',
        b'{"Records":[{"a":1e400}]}',
        b'{"Records":[{"a":"\xff"}]}',
    ]:
        assert _count_records(doc) is None, doc
        with_route, without = _both_ways(doc, _NO_NEEDLE)
        assert with_route == without, doc


def test_simdjson_route_and_msgspec_agree_at_the_nesting_limit() -> None:
    # simdjson stops at 1,024 levels; msgspec must reach as deep whatever the stack in use.
    def nested(depth: int, at: int) -> bytes:
        doc = b'{"Records":[{"a":' + b"[" * depth + b"]" * depth + b"}]}"
        if at == 0:
            return doc
        return nested(depth, at - 1)  # called from deeper in the stack

    for depth in (1018, 1019, 1020, 1021, 1022, 1023):
        for at in (0, 400):
            with_route, without = _both_ways(nested(depth, at), _NO_NEEDLE)
            assert with_route == without, depth


@given(
    st.lists(st.one_of(_ESCAPES, st.text('Aa/"\\u0e9', max_size=4).map(str.encode)), max_size=8),
    st.frozensets(st.sampled_from('Aa/"b\x7f'), min_size=1, max_size=4),
)
def test_escape_check_past_its_backslash_loop_equals_the_regex_reading(
    parts: list[bytes], chars: frozenset[str]
) -> None:
    from engine.replay import fastpath

    data = b"".join(parts)
    expected = escapes_can_hide(data, chars)
    saved = fastpath._LOOPED_ESCAPES
    try:
        for looped in (0, 1, 2):
            fastpath._LOOPED_ESCAPES = looped
            assert escapes_can_hide(data, chars) == expected
    finally:
        fastpath._LOOPED_ESCAPES = saved


# --------------------------------------------------------------------------- many patterns
#
# From MANY_NEEDLES patterns with needles on, one Aho-Corasick pass finds every needle of the
# set; the patterns it names must be exactly those each pattern's own search would.

_MANY = st.lists(gen.patterns, min_size=8, max_size=14)


class _ManyFrom8:
    """The shared needle search from 8 patterns on (plans built meanwhile are dropped)."""

    def __enter__(self) -> None:
        from engine.replay import fastpath

        self.saved = fastpath.MANY_NEEDLES
        fastpath.MANY_NEEDLES = 8
        fastpath._plan.cache_clear()
        fastpath._plans.clear()

    def __exit__(self, *exc: object) -> None:
        from engine.replay import fastpath

        fastpath.MANY_NEEDLES = self.saved
        fastpath._plan.cache_clear()
        fastpath._plans.clear()


@given(_MANY, st.lists(st.tuples(RECORDS, st.integers(0, 4)), max_size=4))
def test_shared_needle_search_names_the_patterns_their_own_searches_would(
    nodes: list[ast.Pattern], items: list[tuple[dict[str, Any], int]]
) -> None:
    from engine.replay.fastpath import _candidates, _plan

    texts = tuple(engine.format(n) for n in nodes)
    with _ManyFrom8():
        plan = _plan(texts)
        doc = b'{"Records":[' + b",".join(_encode(r, s) for r, s in items) + b"]}"
        expected = [j for j, n in enumerate(plan.cheap) if could_match(doc, n, False)]
        assert _candidates(doc, plan) == expected
        if sum(n is not None for n in plan.cheap) >= 8 and all(
            all(clause) for n in plan.cheap if n for clause in n
        ):
            assert plan.index is not None


@given(st.lists(st.tuples(RECORDS, st.integers(0, 4)), max_size=5), _MANY, LIMITS)
def test_fast_path_with_many_patterns_equals_general_path(
    items: list[tuple[dict[str, Any], int]], nodes: list[ast.Pattern], limit: int
) -> None:
    with _ManyFrom8():
        _check_equal(items, nodes, limit)


def test_shared_needle_search_with_overlapping_and_nested_needles() -> None:
    from engine.replay.fastpath import _candidates, _plan

    words = ["abc", "bcd", "ab", "abcd", "cd", "zz", "b", "dab", "q1", "q2"]
    with _ManyFrom8():
        plan = _plan(tuple(words))
        assert plan.index is not None
        for doc in (b'{"Records":[{"m":"xabcdy"}]}', b'{"Records":[{"m":"dab q1"}]}', b"zz"):
            expected = [j for j, n in enumerate(plan.cheap) if could_match(doc, n, False)]
            assert _candidates(doc, plan) == expected, doc
