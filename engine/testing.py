"""One-line assertions about filter patterns, for your own test suites.

    from engine.testing import assert_equivalent, assert_covers
    assert_equivalent(old_pattern, new_pattern)   # AssertionError shows a counterexample
    assert_covers(new_pattern, old_pattern)       # new catches everything old did

``require_proof=True`` also fails when the answer is only "no counterexample
found" (search, no z3 proof).
"""

from __future__ import annotations

import orjson

from engine.prove import PatternLike, ProofResult, covers, equiv

__all__ = ["assert_covers", "assert_equivalent"]


def _text(p: PatternLike) -> str:
    return p if isinstance(p, str) else p.text


def _message(headline: str, r: ProofResult, a: PatternLike, b: PatternLike) -> str:
    lines = [headline, f"  A: {_text(a)}", f"  B: {_text(b)}"]
    if r.counterexample is not None:
        lines.append(f"  counterexample: {orjson.dumps(r.counterexample).decode()}")
        lines.append(f"  matched by: {r.matched_by}")
        if r.deciding_clause:
            lines.append(f"  deciding clause: {r.deciding_clause}")
    if r.reason:
        lines.append(f"  ({r.method}: {r.reason})")
    return "\n".join(lines)


def assert_equivalent(a: PatternLike, b: PatternLike, *, require_proof: bool = False) -> None:
    """Fail unless A and B match exactly the same events."""
    r = equiv(a, b)
    if not r.holds:
        raise AssertionError(_message("patterns are not equivalent", r, a, b))
    if require_proof and not r.proved:
        raise AssertionError(_message("equivalence could not be proved", r, a, b))


def assert_covers(a: PatternLike, b: PatternLike, *, require_proof: bool = False) -> None:
    """Fail unless A matches every event B matches."""
    r = covers(a, b)
    if not r.holds:
        raise AssertionError(_message("A does not cover B", r, a, b))
    if require_proof and not r.proved:
        raise AssertionError(_message("coverage could not be proved", r, a, b))
