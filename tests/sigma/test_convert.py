"""Unit tests of the converter's pieces: wildcards, regex translation, verdicts, reasons."""

from __future__ import annotations

import re

import pytest

import engine
from engine.sigma import convert
from engine.sigma.convert import STAR, Unsupported, glob_parts, translate_regex
from engine.sigma.rule import SigmaRuleError


def rule(detection: str, condition: str = "selection") -> str:
    return (
        "title: t\nid: x-1\nlogsource: {product: aws}\ndetection:\n"
        + detection
        + f"\n    condition: {condition}\n"
    )


def test_glob_escapes() -> None:
    assert glob_parts(r"a\*b\?c\\d\e**") == [("lit", "a*b?c\\d\\e"), (STAR, STAR)]


@pytest.mark.parametrize(
    ("sigma", "aws"),
    [
        ("a.b$", "a.b\\x0A?$"),
        ("^x+?y*", "^x+y*"),
        (r"\s\d", "[\\x09-\\x0D\\x20]\\d"),
        ("[a-c!]z", "[a-c\\x21]z"),
        ("a|b", "a|b"),
        (r"\(", "\\x28"),
    ],
)
def test_translate_regex(sigma: str, aws: str) -> None:
    assert translate_regex(sigma, frozenset()) == aws
    engine.compile("{ $.a = %" + aws + "% }")


@pytest.mark.parametrize(
    ("sigma", "flags", "words"),
    [
        ("(a|b)c", frozenset(), "no groups"),
        ("a++", frozenset(), "possessive"),
        ("abc", frozenset({"i"}), "case-insensitive"),
        ("^a", frozenset({"m"}), "'re|m'"),
        ("é", frozenset(), "non-ASCII"),
    ],
)
def test_translate_regex_unsupported(sigma: str, flags: frozenset[str], words: str) -> None:
    with pytest.raises(Unsupported, match=re.escape(words)):
        translate_regex(sigma, flags)


def test_boolean_text_adds_is_true() -> None:
    c = convert(rule("    selection:\n        readOnly: true"))
    assert c.pattern == '{ $.readOnly = "true" || $.readOnly IS TRUE }'
    assert c.exactness == "case-sensitive"


def test_values_without_letters_are_exact() -> None:
    c = convert(rule("    selection:\n        recipientAccountId: 111122223333"))
    assert (c.pattern, c.exactness) == ('{ $.recipientAccountId = "111122223333" }', "exact")


def test_question_mark_becomes_anchored_regex() -> None:
    c = convert(rule("    selection:\n        eventName: 'Get?'"))
    assert c.pattern == "{ $.eventName = %^Get[\\w\\W]$% }"


def test_question_mark_with_non_ascii_is_unsupported() -> None:
    c = convert(rule("    selection:\n        eventName: 'é?'"))
    assert c.exactness == "unsupported" and "non-ASCII" in (c.reason or "")


def test_all_of_and_them() -> None:
    det = "    sel_a:\n        a: '1'\n    sel_b:\n        b: '2'\n    _x:\n        c: '3'"
    assert convert(rule(det, "all of sel_*")).pattern == '{ $.a = "1" && $.b = "2" }'
    assert convert(rule(det, "1 of them")).pattern == '{ $.a = "1" || $.b = "2" }'


def test_keyword_blank_and_inner_wildcard_unsupported() -> None:
    blank = convert(rule("    keywords:\n        - ' '", "keywords"))
    assert blank.exactness == "unsupported" and "blank" in (blank.reason or "")
    inner = convert(rule("    keywords:\n        - 'a*b'", "keywords"))
    assert inner.exactness == "unsupported" and "inner wildcard" in (inner.reason or "")


def test_container_field_is_unsupported() -> None:
    c = convert(rule("    selection:\n        requestParameters|contains: x"))
    assert c.exactness == "unsupported" and "requestParameters" in (c.reason or "")


def test_float_value() -> None:
    c = convert(rule("    selection:\n        eventVersion: 1.08"))
    assert c.pattern == '{ $.eventVersion = "1.08" }'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: [b", "not YAML"),
        ("title: t\n", "no 'detection'"),
        (rule("    selection:\n        a|nope: b"), "unknown modifier 'nope'"),
        (rule("    selection:\n        a: b", "selection and other"), "undefined search"),
        (rule("    selection:\n        a: b", "1 of filter*"), "matches no search"),
        (rule("    selection:\n        a: b", "selection and"), "unexpected end"),
        (rule("    selection:\n        a: b", "(selection"), "unexpected end"),
        (rule("    selection:\n        a: {b: c}"), "not a plain value"),
    ],
)
def test_bad_rules(text: str, words: str) -> None:
    with pytest.raises(SigmaRuleError, match=re.escape(words)) as info:
        convert(text, "r.yml")
    assert str(info.value).startswith("r.yml: ") and "\n" not in str(info.value)
