"""Pairs of patterns with known answers; every counterexample is re-verified."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.prove import ProofResult, covers, equiv

ORG_NAMES = [
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
]


def org(names: list[str], extra: str = "") -> str:
    alts = " || ".join(f'($.eventName = "{n}")' for n in names)
    return f"{{ ($.eventSource = organizations.amazonaws.com) && ({alts}){extra} }}"


# The CIS 4.15 pattern exactly as published.
CIS_ORG = (
    '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
    '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
    '($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || '
    '($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
    '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
    '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || '
    '($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || '
    '($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || '
    '($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
    '($.eventName = "UpdateOrganizationalUnit")) }'
)


def verify(r: ProofResult, a: str, b: str) -> None:
    """A counterexample must really separate the patterns the way the result says."""
    if r.counterexample is None:
        return
    pa, pb = engine.compile(a), engine.compile(b)
    ev: Any = r.counterexample
    ma = pa.matches_record(ev) if isinstance(ev, dict) else pa.matches(ev)
    mb = pb.matches_record(ev) if isinstance(ev, dict) else pb.matches(ev)
    assert ma != mb, (a, b, ev)
    assert r.matched_by == ("A" if ma else "B")
    if r.question == "covers":
        assert mb and not ma


# (A, B, A ≡ B, A ⊇ B, B ⊇ A) — all JSON pairs must be *proved*.
JSON_PAIRS = [
    # reorderings
    ("{ $.a = 1 && $.b = 2 }", "{ $.b = 2 && $.a = 1 }", True, True, True),
    ("{ $.a = 1 || $.b = 2 }", "{ $.b = 2 || $.a = 1 }", True, True, True),
    # distributivity
    (
        "{ $.s = x && ($.n = a || $.n = b) }",
        "{ ($.s = x && $.n = a) || ($.s = x && $.n = b) }",
        True,
        True,
        True,
    ),
    (
        "{ $.s = x || ($.n = a && $.m = b) }",
        "{ ($.s = x || $.n = a) && ($.s = x || $.m = b) }",
        True,
        True,
        True,
    ),
    # precedence: && binds tighter than ||
    ("{ $.a = 1 || $.b = 2 && $.c = 3 }", "{ $.a = 1 || ($.b = 2 && $.c = 3) }", True, True, True),
    (
        "{ $.a = 1 || $.b = 2 && $.c = 3 }",
        "{ ($.a = 1 || $.b = 2) && $.c = 3 }",
        False,
        True,
        False,
    ),
    # quoted vs unquoted values
    ("{ $.eventName = UpdateTrail }", '{ $.eventName = "UpdateTrail" }', True, True, True),
    (
        "{ $.eventSource = s3.amazonaws.com }",
        '{ $.eventSource = "s3.amazonaws.com" }',
        True,
        True,
        True,
    ),
    # a quoted number is a string literal: it matches the string "404" and the
    # number 404 (its text), but not 404.0 (text "404.0"), which = 404 matches
    ('{ $.status = "404" }', "{ $.status = 404 }", False, False, False),
    ("{ $.status = 404 }", "{ $.status = 404.0 }", True, True, True),
    ("{ $.status = 4* }", "{ $.status = 404 }", False, True, False),
    ('{ $.a = "1.5" }', "{ $.a = 1.5 }", False, True, False),
    # -0.0 equals 0 but its text is "-0.0"
    ('{ $.a != "-0.0" }', "{ $.a = 0 }", False, False, False),
    ('{ $.a = "1" }', "{ $.a = 1 }", False, False, False),  # 1.0 has the text "1.0"
    # unquoted true is the string "true", not the boolean
    ("{ $.flag = true }", "{ $.flag IS TRUE }", False, False, False),
    # IS NULL vs NOT EXISTS
    ("{ $.a IS NULL }", "{ $.a NOT EXISTS }", False, False, False),
    # wildcard vs exact
    ("{ $.eventName = Update* }", "{ $.eventName = UpdateTrail }", False, True, False),
    ("{ $.e = *Trail }", "{ $.e = UpdateTrail || $.e = CreateTrail }", False, True, False),
    ("{ $.e = * }", "{ $.e = x || $.e != x }", True, True, True),
    ("{ $.e = A*B }", "{ $.e = A* && $.e = *B }", True, True, True),
    ("{ $.e = AB*BA }", "{ $.e = AB* && $.e = *BA }", False, False, True),  # "ABA"
    # contradictory conjunctions are all equivalent (never match)
    ("{ $.a = 1 && $.a = 2 }", "{ $.b = x && $.b != x }", True, True, True),
    ("{ $.a > 5 && $.a < 3 }", "{ $.c IS NULL && $.c IS TRUE }", True, True, True),
    ("{ $.a = 1 && $.a.b = 2 }", "{ $.a = 1 && $.a = 2 }", True, True, True),
    # numbers
    ("{ $.a > 1 }", "{ $.a >= 1 }", False, False, True),
    ("{ $.a > 1 || $.a = 1 }", "{ $.a >= 1 }", True, True, True),
    ("{ $.a != 1 }", "{ $.a < 1 || $.a > 1 }", False, True, False),  # != 1 also holds on strings
    # != is false on missing/null/objects
    ("{ $.a != x }", "{ $.a NOT EXISTS }", False, False, False),
    ("{ $.a != x || $.a = x }", "{ $.a = * }", True, True, True),
    # arrays and nesting
    ("{ $.a[1] = x }", "{ $.a[1] = x && $.a[0] NOT EXISTS }", False, True, False),
    ("{ $.a.b NOT EXISTS }", "{ $.a NOT EXISTS }", False, True, False),
    # wildcard selectors (exact encoding with witnesses)
    ("{ $.* = 1 }", "{ $.a = 1 }", False, True, False),
    ("{ $.a[*] = 1 || $.a[*] = 2 }", "{ $.a[*] = 2 || $.a[*] = 1 }", True, True, True),
    ("{ $.a[*] = 1 && $.a[*] = 2 }", "{ $.a[*] = 1 }", False, False, True),
    ("{ $.a[*] = 1 }", "{ $.a[0] = 1 || $.a[2] = 1 }", False, True, False),
    ("{ $.a[*] NOT EXISTS }", "{ $.a[0] NOT EXISTS }", True, True, True),
    ("{ $.a.* = 1 }", "{ $.a.x = 1 || $.a.y = 1 }", False, True, False),
    ("{ $.* IS NULL }", "{ $.a IS NULL }", False, True, False),
    # regex values
    ("{ $.a = %^Upd% }", "{ $.a = Upd* }", True, True, True),
    ("{ $.a = %Trail$% }", "{ $.a = *Trail }", True, True, True),
    # 404.0 is a number whose text "404.0" the regex rejects
    ("{ $.a = %^[0-9]+$% }", "{ $.a = 404 }", False, False, False),
    ("{ $.a = %^[0-9]+$% }", '{ $.a = "404" }', False, True, False),
]


@pytest.mark.parametrize(("a", "b", "eq", "a_covers_b", "b_covers_a"), JSON_PAIRS)
def test_json_pairs(a: str, b: str, eq: bool, a_covers_b: bool, b_covers_a: bool) -> None:
    for r, want, (x, y) in (
        (equiv(a, b), eq, (a, b)),
        (covers(a, b), a_covers_b, (a, b)),
        (covers(b, a), b_covers_a, (b, a)),
    ):
        assert r.holds == want, (x, y, r)
        assert r.proved, (x, y, r)
        assert r.method == "z3"
        verify(r, x, y)
        if not r.holds:
            assert r.counterexample is not None
            assert r.deciding_clause


def test_cis_org_published_equals_rebuilt() -> None:
    r = equiv(CIS_ORG, org(ORG_NAMES))
    assert r.holds and r.proved


def test_cis_org_one_name_removed() -> None:
    smaller = org([n for n in ORG_NAMES if n != "CreateAccount"])
    r = covers(smaller, CIS_ORG)
    assert not r.holds and r.proved
    verify(r, smaller, CIS_ORG)
    assert r.counterexample == {
        "eventSource": "organizations.amazonaws.com",
        "eventName": "CreateAccount",
    }
    assert r.matched_by == "B"
    assert r.deciding_clause == '$.eventName = "CreateAccount"'
    assert covers(CIS_ORG, smaller).holds


def test_cis_org_one_extra_name() -> None:
    bigger = org([*ORG_NAMES, "CloseAccount"])
    assert covers(bigger, CIS_ORG).holds
    r = equiv(CIS_ORG, bigger)
    assert not r.holds and r.proved
    verify(r, CIS_ORG, bigger)
    assert r.counterexample == {
        "eventSource": "organizations.amazonaws.com",
        "eventName": "CloseAccount",
    }
    assert r.deciding_clause == '$.eventName = "CloseAccount"'


def test_cis_org_extra_restriction() -> None:
    narrower = org(ORG_NAMES, " && $.errorCode NOT EXISTS")
    r = covers(narrower, CIS_ORG)
    assert not r.holds and r.proved
    verify(r, narrower, CIS_ORG)
    assert isinstance(r.counterexample, dict)
    assert r.counterexample["eventSource"] == "organizations.amazonaws.com"
    assert "errorCode" in r.counterexample
    assert r.deciding_clause == "$.errorCode NOT EXISTS"
    assert covers(CIS_ORG, narrower).holds


def test_cis_4_1_published_forms() -> None:
    """The 1.3-1.5 text (all ||) covers the 2.0+ text, not the other way round."""
    v13 = (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }'
    )
    v20 = (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
    )
    assert covers(v13, v20).holds
    r = covers(v20, v13)
    assert not r.holds and r.proved
    verify(r, v20, v13)


# Terms, %regex% and match-all: decided exactly over message cells.
MESSAGE_PAIRS = [
    ("ERROR", "ERROR -DEBUG", False, True, False),
    ("ERROR WARN", "WARN ERROR", True, True, True),
    ("?ERROR ?WARN", "ERROR", False, True, False),
    ('"Access Denied"', "Access Denied", False, False, True),
    ("%ERR%", "ERROR", False, True, False),
    ("", "ERROR", False, True, False),
    ('" "', "", True, True, True),  # a blank phrase matches everything
    ("-DEBUG", "?x", False, False, False),
    ("%Create|Delete%", "?Create ?Delete", True, True, True),
    ("%\\d{3}%", "%[0-9][0-9][0-9]%", True, True, True),
    ("%^a.c$%", "%^abc$%", False, True, False),
    ("%ERROR%", "ERROR", True, True, True),
]


@pytest.mark.parametrize(("a", "b", "eq", "a_covers_b", "b_covers_a"), MESSAGE_PAIRS)
def test_message_pairs(a: str, b: str, eq: bool, a_covers_b: bool, b_covers_a: bool) -> None:
    for r, want, (x, y) in (
        (equiv(a, b), eq, (a, b)),
        (covers(a, b), a_covers_b, (a, b)),
        (covers(b, a), b_covers_a, (b, a)),
    ):
        assert r.holds == want, (x, y, r)
        assert r.proved and r.method == "z3", (x, y, r)
        verify(r, x, y)
        if not r.holds:
            assert isinstance(r.counterexample, str)


def test_message_counterexamples_read_well() -> None:
    r = equiv("ERROR", "ERROR -DEBUG")
    assert r.counterexample == "ERROR DEBUG"
    assert r.deciding_clause == "-DEBUG"


# Space-delimited and mixed kinds: searched, never proved.
SEARCH_PAIRS = [
    ("[w1=ERROR, w2]", "[w1=ERROR, w2, w3]", False, True, False),
    ("[w1, w2 = 4*]", "[w1, w2 = 404]", False, True, False),
    ("[w1, w2]", "[w2, w1]", True, True, True),
    ("{ $.a = 1 }", "ERROR", False, False, False),
    ("", "{ $.a = 1 }", False, True, False),
]


@pytest.mark.parametrize(("a", "b", "eq", "a_covers_b", "b_covers_a"), SEARCH_PAIRS)
def test_search_pairs(a: str, b: str, eq: bool, a_covers_b: bool, b_covers_a: bool) -> None:
    for r, want, (x, y) in (
        (equiv(a, b), eq, (a, b)),
        (covers(a, b), a_covers_b, (a, b)),
        (covers(b, a), b_covers_a, (b, a)),
    ):
        assert r.holds == want, (x, y, r)
        assert not r.proved
        assert r.method == "search"
        verify(r, x, y)
