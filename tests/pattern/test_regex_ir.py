"""The regex IR against RE2: one parse, every consumer reads it, RE2 agrees.

A differential test in the manner of CPython's ``re`` tests: hypothesis writes regexes in
AWS's subset (sets with ranges, POSIX classes and a leading ``]``, class escapes, ``\\xhh``,
anchors anywhere, counts, lazy operators, ``{`` RE2 reads as text), and

- a small matcher over the IR (below: a set-of-positions simulation, no backtracking),
  RE2 on the IR's translation, and RE2 on the raw regex (when it has no ``\\s``/``\\S``,
  the one place AWS's meaning differs from RE2's) agree on generated texts;
- the parser accepts exactly the regexes RE2 accepts (once the AWS character rules pass);
- every text RE2 matches contains one of the required literals, and the witness matches;
- the z3 encoding agrees with RE2 on short texts over a small alphabet.
"""

from __future__ import annotations

from typing import Any, assert_never

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.pattern.regex import (
    check_regex,
    required_literals,
    searcher,
    to_re2,
    translate,
    witness,
)
from engine.pattern.regex_ir import (
    DOT,
    Anchor,
    Char,
    CharSet,
    Piece,
    Regex,
    Repeat,
    contains,
    parse,
)
from tests.pattern.regex_gen import REGEXES, TEXTS

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


def _re2(text: str) -> Any:
    return re2.compile(text, _OPTIONS)


# ----------------------------------------------------------------------------- oracle


def _step(piece: Piece, text: str, ends: set[int]) -> set[int]:
    n = len(text)
    match piece:
        case Char():
            return {i + 1 for i in ends if i < n and ord(text[i]) == piece.code}
        case CharSet():
            return {i + 1 for i in ends if i < n and contains(piece.ranges, ord(text[i]))}
        case Anchor():
            return {i for i in ends if i == (0 if piece.at == "start" else n)}
        case Repeat():
            current = set(ends)
            for _ in range(piece.least):
                current = _step(piece.item, text, current)
            found = set(current)
            count = piece.least
            while current and (piece.most is None or count < piece.most):
                current = _step(piece.item, text, current) - found
                found |= current
                count += 1
            return found
        case _:
            assert_never(piece)


def oracle(regex: Regex, text: str) -> bool:
    """Does ``regex`` occur in ``text``?  Read straight from the IR."""
    for branch in regex.branches:
        ends = set(range(len(text) + 1))
        for piece in branch.items:
            ends = _step(piece, text, ends)
        if ends:
            return True
    return False


def _aws_equals_re2(source: str) -> bool:
    """RE2 reads the raw regex as AWS does unless it uses \\s or \\S (RE2 adds \\f \\r)."""
    return "\\s" not in source and "\\S" not in source and "[:space:]" not in source


# ----------------------------------------------------------------------------- differential


def _parse_like_re2(source: str) -> Regex | None:
    """The IR, or None when the parser refuses ``source``: then RE2 refuses it too (the
    generators write only characters AWS allows)."""
    try:
        return parse(source)
    except engine.PatternError as exc:
        assert exc.code == "regex-syntax", (source, exc)
        with pytest.raises(re2.error):
            _re2(source)
        return None


@settings(max_examples=500)
@given(REGEXES, st.lists(TEXTS, min_size=1, max_size=8))
def test_ir_matcher_translation_and_raw_re2_agree(source: str, texts: list[str]) -> None:
    """The IR read by a plain matcher, its RE2 translation, and RE2 on the raw text."""
    regex = _parse_like_re2(source)
    if regex is None:
        return
    translated = _re2(to_re2(regex))
    raw = _re2(source) if _aws_equals_re2(source) else None
    sample = witness(source)
    for text in [*texts, *([sample, sample + "a", "b" + sample] if sample is not None else [])]:
        expected = oracle(regex, text)
        assert (translated.search(text) is not None) is expected, (source, text, to_re2(regex))
        if raw is not None:
            assert (raw.search(text) is not None) is expected, (source, text)


@settings(max_examples=500)
@given(REGEXES, st.lists(TEXTS, min_size=1, max_size=8))
def test_required_literals_are_required_and_the_witness_matches(
    source: str, texts: list[str]
) -> None:
    if _parse_like_re2(source) is None:
        return
    search = searcher(source)
    literals = required_literals(source, shortest=1)
    sample = witness(source)
    if sample is not None:
        assert search(sample), (source, sample)
        texts = [*texts, sample]
    for text in texts:
        if literals is not None and search(text):
            assert any(lit in text for lit in literals), (source, text, literals)


_SYNTAX_SOUP = st.text(alphabet="ab0129^$?[]{}|\\*+.-:,x", max_size=10)


@settings(max_examples=1000)
@given(_SYNTAX_SOUP)
def test_the_parser_accepts_what_re2_accepts(source: str) -> None:
    """Past AWS's character rules, the parser raises regex-syntax exactly when RE2 refuses."""
    try:
        parse(source)
        ours: str | None = None
    except engine.PatternError as exc:
        if exc.code != "regex-syntax":
            return  # refused by AWS's rules (empty, characters, escapes) before RE2 would see it
        ours = exc.msg
    try:
        _re2(source)
        theirs: str | None = None
    except re2.error as exc:
        theirs = str(exc)
    assert (ours is None) == (theirs is None), (source, ours, theirs)


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_a_coded_pattern_error(source: str) -> None:
    """jmespath's property: the parser's only failure is our error, with a regex code and a
    position inside the regex."""
    try:
        parse(source)
    except engine.PatternError as exc:
        assert exc.code.startswith("regex-"), exc
        assert 0 <= exc.position <= len(source)


# ----------------------------------------------------------------------------- unit cases


@pytest.mark.parametrize(
    ("source", "code", "position"),
    [
        ("", "regex-empty", 0),
        ("ab(", "regex-group", 2),
        ("aé", "regex-character", 1),
        ("a!", "regex-character", 1),
        ("a\\!", "regex-character", 2),
        ("\\q", "regex-escape", 0),
        ("ab\\", "regex-escape", 2),
        ("\\x4", "regex-escape", 0),
        ("a**", "regex-syntax", 2),
        ("a*??", "regex-syntax", 3),
        ("a{2}*", "regex-syntax", 4),
        ("x|*a", "regex-syntax", 2),
        ("a{2,1}", "regex-syntax", 1),
        ("a{1001}", "regex-syntax", 1),
        ("x[z-a]", "regex-syntax", 2),
        ("x[a", "regex-syntax", 1),
        ("[]", "regex-syntax", 0),
        ("[a-\\d]", "regex-syntax", 3),
        ("[[:foo:]]", "regex-syntax", 1),
        # The character rules come first, left to right, as before the IR.
        ("*(", "regex-group", 1),
    ],
)
def test_errors_have_codes_and_positions(source: str, code: str, position: int) -> None:
    with pytest.raises(engine.PatternError) as e:
        check_regex(source, "{ $.a = %" + source + "% }", 9)
    assert e.value.code == code
    assert e.value.position == 9 + position


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("a{,3}", "a{,3}", True),  # no count: RE2 reads text
        ("a{02}", "a{02}", True),
        ("[]a]", "]", True),
        ("[^]a]", "]", False),
        ("[a-]", "-", True),
        ("[\\d-z]", "-", True),
        ("[[:alpha:]]", "Q", True),
        ("[[:alpha:]]", ":", False),
        ("[[:a]", ":", True),  # no ':]': '[' and ':' are members
        ("^*a", "ba", True),
        ("a^b", "a^b", False),
        ("$^", "", True),
        ("a?^b", "bb", True),
        ("x$y?", "ax", True),
        ("\\S", "\r", True),  # AWS: whitespace is tab, space, newline only
        ("[\\S]", "\r", True),  # the same set inside a set (it used to follow RE2's \S)
        ("[^\\S]", "\r", False),
        (".", "\n", False),
        ("[^a]", "\n", True),
    ],
)
def test_readings(source: str, text: str, expected: bool) -> None:
    assert searcher(source)(text) is expected
    assert oracle(parse(source), text) is expected


def test_one_parse_for_every_consumer() -> None:
    parse.cache_clear()
    source = "^Create[A-Z]\\w+|Delete\\d?"
    translate(source)
    required_literals(source)
    witness(source)
    assert parse.cache_info().misses == 1


def test_nodes_carry_spans_and_sets_are_normalised() -> None:
    regex = parse("ab|[b-ca]x{2,}?\\.")
    (a, b), (s, r, dot) = (branch.items for branch in regex.branches)
    assert a == Char(ord("a"), (0, 1)) and b.span == (1, 2)
    assert s == CharSet(((ord("a"), ord("c")),), (3, 9))
    assert r == Repeat(Char(ord("x"), (9, 10)), 2, None, True, (9, 15))
    assert dot == Char(ord("."), (15, 17))
    assert parse(".").branches[0].items[0] == CharSet(DOT, (0, 1))
    assert parse("[^\\n]").branches[0].items[0] == CharSet(DOT, (0, 5))


@pytest.mark.parametrize(
    ("source", "literals"),
    [
        ("ConsoleLogin", {"ConsoleLogin"}),
        ("ab{3}c", {"abbbc"}),
        ("ab+c", {"ab"}),
        ("^root$", {"root"}),
        ("Create|Delete", {"Create", "Delete"}),
        ("a.b", None),
        ("xy\\x22z", {'xy"z'}),
        ("xy\\x0Az", {"xy"}),
    ],
)
def test_required_literals(source: str, literals: set[str] | None) -> None:
    found = required_literals(source)
    assert (set(found) if found is not None else None) == literals


def test_findings_come_from_the_ir() -> None:
    p = engine.compile("%a\\ b[\\t]%")
    codes = {f.code for f in p.findings}
    assert {"A16-space", "A16-escape"} <= codes
    assert not engine.compile("%a\\x20b%").findings
