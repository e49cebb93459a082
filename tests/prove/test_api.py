"""The public API around the decisions: analysis helpers, JSON shape, fallbacks."""

from __future__ import annotations

import pytest

import engine
from engine.prove import (
    covers,
    equiv,
    matches_everything,
    never_matches,
    redundant_clauses,
    satisfiable,
    solver,
)
from engine.testing import assert_covers, assert_equivalent


def test_to_json_keys() -> None:
    r = covers("{ $.eventName = UpdateTrail }", "{ $.eventName = Update* }")
    out = r.to_json()
    assert set(out) == {"covers", "proved", "counterexample", "matched_by", "clause", "method"}
    assert out["covers"] is False and out["proved"] is True and out["method"] == "z3"
    assert out["matched_by"] == "B"
    assert out["clause"] == '$.eventName = "Update*"'
    e = equiv("{ $.a = 1 }", "{ $.a = 1 }").to_json()
    assert e["equivalent"] is True and e["counterexample"] is None


def test_accepts_compiled_patterns() -> None:
    a = engine.compile("{ $.a = 1 || $.b = 2 }")
    b = engine.compile("{ $.b = 2 || $.a = 1 }")
    assert equiv(a, b).holds


@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("{ $.a = 1 && $.a = 2 }", True),
        ("{ $.a = x && $.a != x }", True),
        ("{ $.a IS NULL && $.a NOT EXISTS }", True),
        ("{ $.a[1] = x && $.a[0] NOT EXISTS }", True),
        ("{ $.a > 3 && $.a < 4 }", False),
        ("{ $.a = 1 }", False),
    ],
)
def test_never_matches(text: str, never: bool) -> None:
    assert never_matches(text) is never
    r = satisfiable(text)
    if not never:
        assert r.counterexample is not None
        assert engine.compile(text).matches_record(r.counterexample)


def test_matches_everything() -> None:
    assert matches_everything("") is True
    assert matches_everything("{ $.a = 1 }") is False
    every = (
        "{ $.a = * || $.a NOT EXISTS || $.a IS NULL || $.a IS TRUE || $.a IS FALSE"
        " || $.a.x NOT EXISTS || $.a[0] NOT EXISTS }"
    )
    assert matches_everything(every) is True
    assert matches_everything("ERROR") is False
    assert matches_everything('" "') is True
    assert matches_everything("%a|^%") is True
    assert never_matches("ERROR -ERR") is True
    assert never_matches("[w1 = x]") is False


def test_redundant_clauses() -> None:
    text = "{ $.a = 1 || $.a = 1 || $.a = Up* || $.a = Upd* }"
    spans = redundant_clauses(text)
    assert spans is not None
    assert [text[s:e] for s, e in spans] == ["$.a = 1", "$.a = Upd*"]
    assert spans[0][0] > text.index("$.a = 1")  # the later duplicate
    assert redundant_clauses("{ $.a = 1 && $.b = 2 }") == []
    terms = "ERROR ERR ?WARN -DEBUG -DEBUGGING"
    spans = redundant_clauses(terms)
    assert spans is not None
    # ERR is implied by ERROR, ?WARN is ignored beside plain terms, and a
    # message without DEBUG has no DEBUGGING.
    assert sorted(terms[s:e] for s, e in spans) == ["-DEBUGGING", "?WARN", "ERR"]
    assert redundant_clauses("ERROR") == []
    assert redundant_clauses("[w1, w2]") is None


def test_without_z3_everything_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver, "available", lambda: False)
    r = equiv("{ $.a = 1 && $.b = 2 }", "{ $.b = 2 && $.a = 1 }")
    assert r.holds and not r.proved and r.method == "search"
    assert r.reason is not None and "z3" in r.reason
    r = covers("{ $.eventName = UpdateTrail }", "{ $.eventName = Update* }")
    assert not r.holds and not r.proved
    assert isinstance(r.counterexample, dict)
    assert engine.compile("{ $.eventName = Update* }").matches_record(r.counterexample)
    assert never_matches("{ $.a = 1 && $.a = 2 }") is None
    assert redundant_clauses("{ $.a = 1 || $.a = 1 }") is None


def test_unsupported_constructs_fall_back() -> None:
    # A literal that is not a finite number is outside the z3 encoding.
    r = equiv("{ $.a = 1e999 || $.b = 1 }", "{ $.b = 1 }")
    assert r.holds and not r.proved and r.method == "search"
    assert r.reason is not None and "finite number" in r.reason
    r = covers("{ $.a = 1e999 }", "{ $.a = 1 }")
    assert not r.holds and not r.proved
    assert r.counterexample == {"a": 1}


def test_anchors_anywhere_in_a_regex_are_encoded() -> None:
    # '^' inside a branch used to be outside the regex encoding; the IR makes it exact:
    # %x^y% matches nothing, so the disjunct is dead and the equivalence is proved.
    r = equiv("{ $.a = %x^y% || $.b = 1 }", "{ $.b = 1 }")
    assert r.holds and r.proved and r.method == "z3"
    r = covers("{ $.a = %x^y% }", "{ $.a = 1 }")
    assert not r.holds and r.proved and r.counterexample == {"a": 1}
    assert equiv("%a?^b%", "%^b%").proved


def test_counterexamples_are_small() -> None:
    r = covers(
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }",
        "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey"
        " || $.eventName = ScheduleKeyDeletion) }",
    )
    assert r.counterexample == {
        "eventSource": "kms.amazonaws.com",
        "eventName": "ScheduleKeyDeletion",
    }


def test_assert_equivalent_and_covers() -> None:
    assert_equivalent("{ $.a = 1 && $.b = 2 }", "{ $.b = 2 && $.a = 1 }", require_proof=True)
    assert_covers("{ $.e = Update* }", "{ $.e = UpdateTrail }")
    with pytest.raises(AssertionError, match=r"counterexample: \{\"e\":\"Update"):
        assert_covers("{ $.e = UpdateTrail }", "{ $.e = Update* }")
    with pytest.raises(AssertionError, match="not equivalent"):
        assert_equivalent("ERROR", "ERROR -DEBUG")
    assert_equivalent("ERROR WARN", "WARN ERROR", require_proof=True)
    with pytest.raises(AssertionError, match="could not be proved"):
        assert_equivalent("[w1, w2]", "[w2, w1]", require_proof=True)


def test_huge_and_infinite_literals_do_not_crash() -> None:
    big = "1" + "0" * 400
    r = covers("{ $.a >= 1 }", "{ $.a > " + big + " }")
    assert r.holds and r.proved
    r = covers("{ $.a > 1e400 }", "{ $.a = 1 }")  # 1e400 is inf: searched
    assert not r.holds and r.counterexample == {"a": 1}
