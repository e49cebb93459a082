"""Prove or refute equivalence and coverage of filter patterns.

    from engine.prove import equiv, covers
    covers(a, b)   # does A match every event B matches?
    equiv(a, b)    # do A and B match exactly the same events?

JSON patterns (:mod:`engine.prove.solver`) and term / ``%regex%`` / match-all
patterns (:mod:`engine.prove._messages`) are decided exactly with z3
(``proved: true``) when ``z3-solver`` (the ``prove`` extra) is installed and the
patterns stay inside the encoding; everything else (space-delimited, mixed kinds)
is searched (:mod:`engine.prove.search`, ``proved: false``).  Every counterexample is
re-checked with the compiled matchers before it is returned, so a ``false``
answer with a counterexample is always right; ``true`` is certain only when
``proved`` is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, assert_never

import engine
from engine.pattern import ast
from engine.prove import _messages, solver
from engine.prove.counterexample import Event, deciding_clause, shrink
from engine.prove.search import evaluate, find_event, literals_by_key, literals_of

__all__ = [
    "ProofResult",
    "covers",
    "equiv",
    "matches_everything",
    "never_matches",
    "redundant_clauses",
    "satisfiable",
]

Question = Literal["equivalent", "covers", "satisfiable", "valid"]
Method = Literal["z3", "search"]
PatternLike = str | engine.CompiledPattern


@dataclass(frozen=True)
class ProofResult:
    """The answer to one question about patterns A (and B)."""

    question: Question
    holds: bool
    proved: bool
    counterexample: Event | None = None
    matched_by: str | None = None
    deciding_clause: str | None = None
    method: Method = "search"
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.holds

    def to_json(self) -> dict[str, Any]:
        return {
            self.question: self.holds,
            "proved": self.proved,
            "counterexample": self.counterexample,
            "matched_by": self.matched_by,
            "clause": self.deciding_clause,
            "method": self.method,
        }


def _compile(p: PatternLike) -> engine.CompiledPattern:
    return p if isinstance(p, engine.CompiledPattern) else engine.compile(p)


def _decide(
    question: Question,
    patterns: Sequence[engine.CompiledPattern],
    want: Callable[[tuple[bool, ...]], bool],
    goal: Callable[[solver.Encoder, list[Any]], Any],
) -> ProofResult:
    """Look for an event whose match results satisfy ``want`` (a witness against
    the question); ``goal`` is the same condition over the z3 formulas."""
    reason: str | None = None
    method: Method = "search"
    event: Event | None = None
    proved = False

    def check(ev: Any) -> bool:
        return bool(want(evaluate(patterns, ev)))

    kinds = {p.kind for p in patterns}
    outcome: solver.Outcome | None = None
    if not solver.available():
        reason = "z3-solver is not installed (pip install 'trailreplay[prove]')"
    elif kinds == {"json"} or kinds <= _messages.KINDS:
        try:
            if kinds == {"json"}:
                trees = [p.ast for p in patterns if isinstance(p.ast, ast.JsonPattern)]
                outcome = solver.solve(
                    trees, lambda enc: goal(enc, [enc.formula(a.expr) for a in trees]), check
                )
            else:
                outcome = _messages.decide([p.ast for p in patterns], want)
                if outcome.event is not None and not check(outcome.event):
                    raise solver.ModelMismatch(f"cell witness {outcome.event!r} fails the check")
        except solver.Unsupported as exc:
            reason = f"outside the z3 encoding: {exc}"
        except solver.ModelMismatch:
            if solver.STRICT:
                raise
            outcome = None
            reason = "the z3 model failed the matcher check"
    else:
        reason = "mixed or space-delimited patterns are searched, not proved"
    if outcome is not None:
        if outcome.verdict == "unsat":
            return ProofResult(question, True, True, method="z3")
        if outcome.verdict == "sat":
            assert outcome.event is not None
            event = shrink(outcome.event, check, literals_of(patterns), literals_by_key(patterns))
            method, proved = "z3", True
        else:
            reason = outcome.reason
    if event is None:
        event = find_event(patterns, want)
        if event is None:
            return ProofResult(question, True, False, method="search", reason=reason)
    assert check(event), "a counterexample must be confirmed by the matchers"
    results = evaluate(patterns, event)
    matched = "A" if results[0] else ("B" if len(results) > 1 and results[1] else None)
    clause: str | None = None
    if matched is not None:
        other = patterns[1] if matched == "A" and len(patterns) > 1 else patterns[0]
        mine = patterns[0] if matched == "A" else patterns[1]
        clause = deciding_clause(mine.ast, other.ast, event) if other is not mine else None
    if clause is None and len(patterns) == 1:
        clause = deciding_clause(patterns[0].ast, ast.MatchAll(), event)
    return ProofResult(question, False, proved, event, matched, clause, method, reason)


def covers(a: PatternLike, b: PatternLike) -> ProofResult:
    """Does A match every event B matches?  The counterexample is matched by B only."""
    pa, pb = _compile(a), _compile(b)
    return _decide(
        "covers",
        [pa, pb],
        lambda r: r[1] and not r[0],
        lambda enc, f: enc.z.And(f[1], enc.z.Not(f[0])),
    )


def equiv(a: PatternLike, b: PatternLike) -> ProofResult:
    """Do A and B match exactly the same events?"""
    pa, pb = _compile(a), _compile(b)
    return _decide(
        "equivalent", [pa, pb], lambda r: r[0] != r[1], lambda enc, f: enc.z.Xor(f[0], f[1])
    )


def satisfiable(p: PatternLike) -> ProofResult:
    """Can the pattern match some event?  ``holds`` false: it never matches.

    (The ``counterexample`` of a satisfiable pattern is a witness it matches.)
    """
    pp = _compile(p)
    r = _decide("satisfiable", [pp], lambda r: r[0], lambda enc, f: f[0])
    # _decide looks for a witness *against* the question; flip for satisfiability.
    if r.counterexample is not None:
        return ProofResult(
            "satisfiable",
            True,
            r.proved,
            r.counterexample,
            "A",
            r.deciding_clause,
            r.method,
            r.reason,
        )
    return ProofResult("satisfiable", False, r.proved, None, None, None, r.method, r.reason)


def never_matches(p: PatternLike) -> bool | None:
    """True: no event can match; False: some event matches; None: unknown."""
    r = satisfiable(p)
    if r.holds:
        return False
    return True if r.proved else None


def matches_everything(p: PatternLike) -> bool | None:
    """True: every event the pattern's kind can see matches (for a JSON pattern,
    every JSON-object event); False: some event does not; None: unknown."""
    pp = _compile(p)
    if pp.kind == "all":
        return True
    r = _decide("valid", [pp], lambda r: not r[0], lambda enc, f: enc.z.Not(f[0]))
    if r.counterexample is not None:
        return False
    return True if r.proved else None


def redundant_clauses(p: PatternLike) -> list[ast.Span] | None:
    """Spans of clauses whose removal leaves the pattern's meaning unchanged
    (JSON and term patterns, with z3; None = unknown).  Clauses are removed one after
    another, so of two duplicates only the later one is reported."""
    pp = _compile(p)
    if not solver.available():
        return None
    tree = pp.ast
    match tree:
        case ast.TermPattern():
            return _redundant_terms(tree)
        case ast.JsonPattern():
            pass
        case ast.MatchAll() | ast.RegexPattern() | ast.SpacePattern():
            return None
        case _:
            assert_never(tree)
    removed: dict[int, bool] = {}
    out: list[ast.Span] = []
    parents = solver.atom_parents(tree.expr)
    try:
        encoder = solver.Encoder([tree])
    except solver.Unsupported:
        return None
    for atom, value in reversed(parents):
        if value is None:
            continue
        trial = {**removed, id(atom): value}
        try:
            outcome = solver.solve(
                [tree],
                lambda enc, trial=trial: enc.z.Xor(  # type: ignore[misc]
                    enc.formula(tree.expr), enc.formula(tree.expr, trial)
                ),
                lambda ev: True,
                encoder=encoder,
            )
        except solver.Unsupported:
            return None
        except solver.ModelMismatch:  # pragma: no cover - check always passes here
            continue
        if outcome.verdict == "unsat":
            removed = trial
            out.append(atom.span)
    return sorted(out)


def _redundant_terms(tree: ast.TermPattern) -> list[ast.Span] | None:
    kept = list(tree.terms)
    out: list[ast.Span] = []
    for term in reversed(tree.terms):
        trial = [t for t in kept if t is not term]
        if not trial:
            continue
        try:
            outcome = _messages.decide(
                [tree, ast.TermPattern(tuple(trial))], lambda r: r[0] != r[1]
            )
        except solver.Unsupported:
            return None
        if outcome.verdict == "unsat":
            kept = trial
            out.append(term.span)
    return sorted(out)
