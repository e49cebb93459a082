"""Errors carry the position of the problem, a caret, and a hint for common mistakes."""

from __future__ import annotations

import pickle

import pytest

import engine

CASES = [
    # (pattern, position, words in the message, words in the hint)
    ("{ $.a = }", 8, "expected value", None),
    ("{ $.a == 1 }", 6, "'=='", "'='"),
    ("{ $eventName = x }", 3, "must start with '$.'", "$.eventName"),
    ("{ eventName = x }", 2, "selector", "$.eventName"),
    ('{ $.eventType = "UpdateTrail"', 29, "must end with '}'", None),
    ("user@example.com", 4, "'@'", '"user@example.com"'),
    ("{ $.email = user@example.com }", 16, "'@'", '"user@example.com"'),
    ("%something!%", 10, "'!'", "\\x21"),
    ("%(abc)%", 1, "'('", "\\x28"),
    ("%café%", 4, "multi-byte", None),
    ("{ $.a IS NOT NULL }", 9, "IS NOT", "NOT EXISTS"),
    ("{ $.a EXISTS }", 6, "EXISTS", None),
    ("{ $.a > abc }", 8, "compares numbers", None),
    ("{ ($.a = 1 }", 11, "')'", None),
    ("{ $.a = 1 && }", 13, "condition", None),
    ("ERROR %x%", 6, "whole pattern", None),
    ('"unterminated', 0, "unterminated", None),
    ("[a=1 && b=2]", 8, "must all test that field", None),
    ("[a, b", 5, "must end with ']'", None),
    ("{ $.a = %x% && $.b = %y% && $.c = %z% }", 34, "at most 2 regular", None),
    ("{ $.a[*].b[*] = 1 }", 10, "one wildcard", None),
    ("x" * 1025, 1024, "at most 1024", None),
    # Said where the parser finds the problem (issue 15), not rebuilt from the text around it.
    ("{ $.a StopLogging }", 6, "comparison operator", "$.a = StopLogging"),
    ('{ $.a "x y" }', 6, "comparison operator", '$.a = "x y"'),
    ("{ $.a IS null }", 9, "upper case", None),
    ("{ $.a NOT NULL }", 10, "EXISTS after 'NOT'", "NOT EXISTS"),
    ("ERROR -", 7, "expected a term after '-'", None),
    ("ERROR -@", 7, "'@'", '"@"'),
    ('{ $.a = "x }', 8, "unterminated", None),
    ("[a = 1 && b]", 11, "comparison operator after 'b'", None),
    ("[1a]", 1, "field name", None),
    ("{ $.@ = 1 }", 3, "invalid selector", "$.['key']"),
    ("{ " + "(" * 60 + "$.a = 1" + ")" * 60 + " }", 52, "nest more than 50", None),
]


@pytest.mark.parametrize(("text", "position", "msg", "hint"), CASES)
def test_error_position_message_hint(text: str, position: int, msg: str, hint: str | None) -> None:
    with pytest.raises(engine.PatternError) as info:
        engine.compile(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.position == position, str(err)
    assert msg in err.msg
    if hint is not None:
        assert err.hint is not None and hint in err.hint
    lines = str(err).splitlines()
    # The caret sits under the offending character of the shown pattern line.
    caret_line = next(ln for ln in lines if ln.strip() == "^")
    assert caret_line.index("^") == 2 + position


def test_error_pickles() -> None:
    with pytest.raises(engine.PatternError) as info:
        engine.compile("{ $.a = }")
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.msg, again.pattern, again.position) == (info.value.msg, "{ $.a = }", 8)


def test_compiled_pattern_pickles_as_text() -> None:
    p = engine.compile("{ $.a = 1 }")
    assert pickle.loads(pickle.dumps(p)) is p  # same process: the compile cache returns it


def test_published_cis_defects_are_rejected_with_a_caret() -> None:
    with pytest.raises(engine.PatternError) as info:
        engine.compile(
            "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
            "($eventName = ScheduleKeyDeletion)) }"
        )
    assert info.value.hint is not None and "$.eventName" in info.value.hint
