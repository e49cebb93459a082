"""Properties of the prover and of the public strategies."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, assume, find, given, settings
from hypothesis import strategies as st

import engine
from engine.pattern import ast
from engine.prove import covers, equiv
from engine.strategies import cloudtrail_records, events_for, json_asts, patterns

SMALL = json_asts(max_leaves=4)


def _matches(p: engine.CompiledPattern, event: Any) -> bool:
    return p.matches_record(event) if isinstance(event, dict) else p.matches(event)


def _shuffle(node: Any, rng: random.Random) -> Any:
    """The same pattern with the operands of every && / || reordered."""
    if isinstance(node, ast.And | ast.Or):
        items = [_shuffle(i, rng) for i in node.items]
        rng.shuffle(items)
        return type(node)(tuple(items))
    return node


def _distribute(node: Any) -> Any:
    """a && (b || c)  ->  (a && b) || (a && c), at the top only."""
    if isinstance(node, ast.And) and len(node.items) == 2:
        a, alts = node.items
        if isinstance(alts, ast.Or):
            return ast.Or(tuple(ast.And((a, alt)) for alt in alts.items))
    return node


@given(patterns())
def test_patterns_are_valid(text: str) -> None:
    assert engine.format(engine.parse(text)) is not None
    engine.compile(text)


@given(st.sampled_from(["all", "terms", "regex", "json", "space"]), st.data())
def test_patterns_of_each_kind(kind: str, data: st.DataObject) -> None:
    text = data.draw(patterns(kinds=(kind,)))
    assert engine.compile(text).kind == kind


@given(SMALL, st.randoms(use_true_random=False), st.data())
def test_rewrites_are_proved_equivalent(
    tree: ast.JsonPattern, rng: random.Random, data: st.DataObject
) -> None:
    a = engine.format(tree)
    b = engine.format(ast.JsonPattern(_distribute(_shuffle(tree.expr, rng))))
    pa = engine.compile(a)
    try:
        pb = engine.compile(b)
    except engine.PatternError as exc:
        # Distributing copies clauses: the rewrite may exceed AWS's quotas (2 regexes, 3
        # wildcard selectors), and then it is not a pattern at all.
        assert "at most" in exc.msg, exc
        assume(False)
        raise
    r = equiv(pa, pb)
    assert r.holds, (a, b, r)
    if r.method == "z3":
        assert r.proved
    for event in data.draw(st.lists(events_for(pa), max_size=10)):
        assert _matches(pa, event) == _matches(pb, event), (a, b, event)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(SMALL, SMALL, st.data())
def test_no_event_separates_proved_equivalents(
    ta: ast.JsonPattern, tb: ast.JsonPattern, data: st.DataObject
) -> None:
    a, b = engine.format(ta), engine.format(tb)
    pa, pb = engine.compile(a), engine.compile(b)
    r = equiv(pa, pb)
    if not r.holds:
        assert r.counterexample is not None
        assert _matches(pa, r.counterexample) != _matches(pb, r.counterexample)
        return
    events = data.draw(st.lists(st.one_of(events_for(pa), events_for(pb)), max_size=15))
    for event in events:
        assert _matches(pa, event) == _matches(pb, event), (a, b, event, r)
    if r.proved:
        assert covers(pa, pb).holds and covers(pb, pa).holds


@given(SMALL, SMALL, st.data())
def test_covers_agrees_with_events(
    ta: ast.JsonPattern, tb: ast.JsonPattern, data: st.DataObject
) -> None:
    a, b = engine.format(ta), engine.format(tb)
    pa, pb = engine.compile(a), engine.compile(b)
    r = covers(pa, pb)
    events = data.draw(st.lists(st.one_of(events_for(pa), events_for(pb)), max_size=10))
    if r.holds and r.proved:
        for event in events:
            assert _matches(pa, event) or not _matches(pb, event), (a, b, event)
    if not r.holds:
        ev = r.counterexample
        assert _matches(pb, ev) and not _matches(pa, ev)


@given(patterns(kinds=("terms", "space", "regex")), st.data())
def test_events_for_messages(text: str, data: st.DataObject) -> None:
    event = data.draw(events_for(text))
    assert isinstance(event, str)
    engine.compile(text).matches(event)


def test_events_for_reaches_both_sides_of_a_threshold() -> None:
    p = engine.compile("{ $.latency > 10 && $.eventName = Update* }")
    quiet = settings(database=None, max_examples=500, derandomize=True)
    hit = find(events_for(p), p.matches_record, settings=quiet)
    miss = find(events_for(p), lambda e: not p.matches_record(e), settings=quiet)
    assert p.matches_record(hit) and not p.matches_record(miss)


def test_cloudtrail_records_are_realistic() -> None:
    org = engine.compile(
        '{ ($.eventSource = organizations.amazonaws.com) && ($.eventName = "CreateAccount") }'
    )
    quiet = settings(database=None, max_examples=500, derandomize=True)
    rec = find(cloudtrail_records(), org.matches_record, settings=quiet)
    assert rec["eventName"] == "CreateAccount"
    assert {"eventVersion", "userIdentity", "eventTime", "awsRegion"} <= set(rec)


@given(cloudtrail_records())
def test_cloudtrail_records_shape(rec: dict[str, Any]) -> None:
    assert isinstance(rec["eventSource"], str) and rec["eventSource"].endswith(".amazonaws.com")
    assert rec["userIdentity"]["type"] in {
        "Root",
        "IAMUser",
        "AssumedRole",
        "AWSService",
        "FederatedUser",
    }


MESSAGE_PATTERNS = patterns(kinds=("all", "terms", "regex"))


@given(MESSAGE_PATTERNS, MESSAGE_PATTERNS, st.data())
def test_message_patterns_proved_answers_hold(a: str, b: str, data: st.DataObject) -> None:
    pa, pb = engine.compile(a), engine.compile(b)
    r = covers(pa, pb)
    events = data.draw(st.lists(st.one_of(events_for(pa), events_for(pb)), max_size=10))
    if r.holds:
        assert r.proved
        for event in events:
            assert pa.matches(event) or not pb.matches(event), (a, b, event)
    else:
        ev = r.counterexample
        assert isinstance(ev, str)
        assert pb.matches(ev) and not pa.matches(ev)
