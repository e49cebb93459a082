"""The z3 encoding of AWS regexes (read from the regex IR) agrees with the RE2 matcher the
engine uses: on fixed corner cases, and on generated regexes (tests/pattern/regex_gen.py)
over short texts of a small alphabet, which keeps each z3 query quick."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.pattern.regex import searcher
from engine.prove._regex import to_z3
from engine.prove.solver import Unsupported, zstr
from tests.pattern.regex_gen import REGEXES, SHORT_TEXTS

z3 = pytest.importorskip("z3")

SOURCES = [
    "^Upd",
    "Trail$",
    "^a.c$",
    "[0-9]+",
    "\\d{3}",
    "\\d{2,}",
    "a{1,2}b?",
    "Create|Delete",
    "^x|y$",
    "[^a-c]",
    "[a\\-z]",
    "\\s\\S",
    "\\w+\\W",
    "[\\d\\s]x",
    "[^\\S]",
    "\\x41",
    "a\\.b",
    "a*?b",
    "^$",
    "[]a]",
    "\\t",
    "a|",
    "x+$",
]
ALPHABET = "abcxyzACUdeplrTi0129 .-\t\n\f\r]^\\_"


@pytest.mark.parametrize("source", SOURCES)
def test_translation_is_supported(source: str) -> None:
    to_z3(source)


@given(st.sampled_from(SOURCES), st.text(alphabet=ALPHABET, max_size=8))
def test_z3_regex_agrees_with_re2(source: str, text: str) -> None:
    rx = to_z3(source)
    verdict = z3.simplify(z3.InRe(zstr(z3, text), rx))
    assert z3.is_true(verdict) or z3.is_false(verdict)
    assert z3.is_true(verdict) == searcher(source)(text), (source, text)


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("^a.c$", "a\nc"),
        ("\\s", "\r"),
        ("[^\\S]", "\r"),
        ("[\\S]", "\r"),
        ("Trail$", "Trail\n"),
        ("\\W", "é"),
        ("a^b", "a^b"),
        ("$^", ""),
        ("x$a?", "x"),
        ("[[:punct:]]", "!"),
        ("[^a]", "\n"),
    ],
)
def test_edge_cases(source: str, text: str) -> None:
    verdict = z3.is_true(z3.simplify(z3.InRe(zstr(z3, text), to_z3(source))))
    assert verdict == searcher(source)(text)


@settings(max_examples=100)
@given(REGEXES, st.lists(SHORT_TEXTS, min_size=1, max_size=4))
def test_z3_encoding_agrees_with_re2_on_generated_regexes(source: str, texts: list[str]) -> None:
    """Every regex the parser accepts has an encoding (anchors anywhere, POSIX sets, ...)."""
    try:
        engine.compile(f"%{source}%")
    except engine.PatternError:
        return
    rx = to_z3(source)
    for text in texts:
        verdict = z3.simplify(z3.InRe(zstr(z3, text), rx))
        assert z3.is_true(verdict) or z3.is_false(verdict), (source, text)
        assert z3.is_true(verdict) == searcher(source)(text), (source, text)


def test_an_invalid_regex_is_unsupported() -> None:
    with pytest.raises(Unsupported):
        to_z3("a**")
