"""Invariants of the pattern language, checked with hypothesis."""

from __future__ import annotations

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

import engine
from engine.pattern import ast, reference
from engine.pattern.events import compact

from . import gen

ALPHABET = st.sampled_from(
    [*"{}[]()$.*%\"?-=!<>&| ,'\\abcAB019_@\t\n", "IS", "NULL", "NOT", "EXISTS", "..."]
)


@given(st.text(max_size=60) | st.lists(ALPHABET, max_size=30).map("".join))
@example("{ $.a = }")
@example("[a, b")
@example("%(%")
def test_parse_succeeds_or_raises_pattern_error(text: str) -> None:
    try:
        engine.parse(text)
    except engine.PatternError as exc:
        assert 0 <= exc.position <= len(text)
        assert exc.pattern == text
        assert "^" in str(exc)


@given(gen.patterns)
def test_format_round_trips(node: ast.Pattern) -> None:
    text = engine.format(node)
    assert engine.parse(text) == node, text
    # The canonical form is a fixed point.
    assert engine.format(engine.parse(text)) == text


@given(gen.json_patterns, gen.records)
def test_compiled_json_equals_reference(node: ast.JsonPattern, record: dict[str, object]) -> None:
    compiled = engine.compile(engine.format(node))
    expected = reference.evaluate_record(compiled.ast, record)
    assert compiled.matches_record(record) is expected
    assert compiled.matches(orjson.dumps(record).decode()) is expected


@given(st.one_of(gen.term_patterns, gen.regex_patterns, gen.space_patterns), gen.messages)
def test_compiled_text_equals_reference(node: ast.Pattern, message: str) -> None:
    compiled = engine.compile(engine.format(node))
    assert compiled.matches(message) is reference.evaluate(compiled.ast, message)
    if compiled.matches(message):
        assert compiled.extract(message) == reference.extract(compiled.ast, message)


@given(gen.patterns, gen.records)
def test_matches_record_equals_matches_on_compact_json(
    node: ast.Pattern, record: dict[str, object]
) -> None:
    compiled = engine.compile(engine.format(node))
    assert compiled.matches_record(record) is compiled.matches(compact(record))


@given(gen.json_patterns, gen.records)
def test_json_needles_are_sound(node: ast.JsonPattern, record: dict[str, object]) -> None:
    """Prefilter soundness: a record the pattern matches contains every needle clause."""
    compiled = engine.compile(engine.format(node))
    if compiled.matches_record(record):
        text = compact(record)
        for clause in compiled.analysis.needles:
            assert any(needle in text for needle in clause), (clause, text)


@given(gen.term_patterns, gen.messages)
def test_term_needles_are_sound(node: ast.TermPattern, message: str) -> None:
    compiled = engine.compile(engine.format(node))
    if compiled.matches(message):
        for clause in compiled.analysis.needles:
            assert any(needle in message for needle in clause)


@given(gen.patterns, gen.records)
def test_matches_object_equals_matches_record_on_dicts(
    node: ast.Pattern, record: dict[str, object]
) -> None:
    compiled = engine.compile(engine.format(node))
    assert compiled.matches_object(record) is compiled.matches_record(record)


@given(gen.messages | st.text(alphabet=' "[]ab\t', max_size=30))
def test_field_splitting_equals_the_hand_written_reference(message: str) -> None:
    from engine.pattern.events import split_fields

    assert split_fields(message) == reference.split_fields(message)


_REGEX_ATOMS = st.sampled_from(
    ["a", "b", "c", "-", "0", ".", "[ab]", "[^a]", "\\d", "\\w", "\\x61", "\\.", "^", "$", " "]
)
_QUANTIFIERS = st.sampled_from(["", "", "", "?", "*", "+", "{2}", "{0,2}", "{1,}", "+?", "*?"])
_REGEX_BRANCHES = st.lists(st.tuples(_REGEX_ATOMS, _QUANTIFIERS), min_size=1, max_size=6).map(
    lambda parts: "".join(atom + ("" if atom in "^$" else q) for atom, q in parts)
)
_AWS_REGEXES = st.lists(_REGEX_BRANCHES, min_size=1, max_size=3).map("|".join)


@given(_AWS_REGEXES, st.text(alphabet="abc-0.1 xa", max_size=24))
def test_regex_needles_are_sound(source: str, message: str) -> None:
    """A message a regex pattern matches contains one of its required literals."""
    from engine.pattern.regex import required_literals

    try:
        compiled = engine.compile(f"%{source}%")
    except engine.PatternError:
        return  # RE2 or AWS rejects it: nothing to prefilter
    literals = required_literals(source, shortest=1)
    if literals is not None and compiled.matches(message):
        assert any(lit in message for lit in literals), (source, message, literals)


@given(gen.space_patterns, st.text(alphabet='a1 "[]-*', max_size=16))
def test_space_matcher_equals_reference_on_delimiter_soup(node: ast.Pattern, message: str) -> None:
    """Unbalanced and glued quotes and brackets, runs of blanks: the compiled space-delimited
    matcher (one regex for the leading fields) agrees with the reference splitter."""
    compiled = engine.compile(engine.format(node))
    assert compiled.matches(message) is reference.evaluate(compiled.ast, message)
