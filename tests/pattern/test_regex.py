"""AWS's regex subset, translated to RE2 so evaluation stays linear."""

from __future__ import annotations

import pytest

import engine


def test_hostile_regex_over_256kb_is_linear() -> None:
    # A backtracking engine needs ~n^6 steps here; RE2 answers in one pass.
    p = engine.compile("%a*a*a*a*a*a*b%")
    assert p.matches("a" * 256 * 1024) is False
    p = engine.compile("{ $.m = %a*a*a*a*a*c% }")
    assert p.matches_record({"m": "a" * 256 * 1024}) is False


def test_hostile_middle_wildcards_are_linear() -> None:
    p = engine.compile('{ $.m = "a*a*a*a*a*a*a*a*b" }')
    assert p.matches_record({"m": "a" * 256 * 1024}) is False


@pytest.mark.parametrize(
    ("regex", "text", "expected"),
    [
        ("%\\s%", "a\tb", True),
        ("%\\s%", "a\rb", False),  # AWS: whitespace is tab, space, newline
        ("%\\w+%", "é", False),  # ASCII word characters only
        ("%[\\d]%", "5", True),
        ("%\\x3A%", "a:b", True),
        ("%a{2,}%", "aa", True),
        ("%^$%", "", True),
    ],
)
def test_translation(regex: str, text: str, expected: bool) -> None:
    assert engine.compile(regex).matches(text) is expected


def test_space_in_regex_is_accepted_with_a_warning() -> None:
    p = engine.compile("%^shutting down%")
    assert p.matches("shutting down now")
    assert any(f.code == "A16-space" for f in p.findings)
