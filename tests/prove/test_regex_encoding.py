"""The z3 translation of AWS regexes agrees with the RE2 matcher the engine uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.pattern.regex import searcher
from engine.prove._regex import to_z3
from engine.prove.solver import Unsupported, zstr

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
    try:
        rx = to_z3(source)
    except Unsupported:
        return
    verdict = z3.simplify(z3.InRe(zstr(z3, text), rx))
    assert z3.is_true(verdict) or z3.is_false(verdict)
    assert z3.is_true(verdict) == searcher(source)(text), (source, text)


@pytest.mark.parametrize(
    ("source", "text"),
    [("^a.c$", "a\nc"), ("\\s", "\r"), ("[^\\S]", "\r"), ("Trail$", "Trail\n"), ("\\W", "é")],
)
def test_edge_cases(source: str, text: str) -> None:
    verdict = z3.is_true(z3.simplify(z3.InRe(zstr(z3, text), to_z3(source))))
    assert verdict == searcher(source)(text)
