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


@pytest.mark.parametrize(
    "pattern",
    [
        "%" + ".{1000}" * 8 + "x%",  # 64,005 instructions: 292 s on one 256 KB event
        "%.{1000}x%",
        "{ $.a = %.{700}% }",
        "[a, b = %[^x]{1000}%]",
    ],
)
def test_regex_size_is_bounded_at_validation(pattern: str) -> None:
    from engine.pattern.aws import MAX_REGEX_PROGRAM_SIZE

    with pytest.raises(engine.PatternError, match="regular expression too large") as e:
        engine.compile(pattern)
    assert f"allows {MAX_REGEX_PROGRAM_SIZE}" in e.value.msg
    assert "AWS documents no limit" in e.value.msg
    assert e.value.position == pattern.index("%") + 1


@pytest.mark.parametrize("pattern", ["%[a-z]{1000}%", "%\\d{1,3}\\.\\d{1,3}%", "%.{600}x%"])
def test_regex_size_allows_real_repetitions(pattern: str) -> None:
    engine.compile(pattern)
